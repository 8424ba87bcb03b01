package esf_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// env is one test's database.
type env struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, ctx: context.Background(), st: store.New(pgtest.Pool(t))}
}

var allScope = store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}

// tx runs fn in a committed transaction, failing the test on error.
func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	require.NoError(e.t, e.st.InTx(e.ctx, allScope, fn))
}

func date(s string) time.Time {
	d, err := time.Parse(esf.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

// taxCode builds a valid tax code for person n, born on birth, of sex 'F' or 'M'.
func taxCode(n int, birth string, sex byte) string {
	letters := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		letters[i] = byte('A' + n%26)
		n /= 26
	}
	b := date(birth)
	day := b.Day()
	if sex == 'F' {
		day += 40
	}
	first := fmt.Sprintf("%s%02d%c%02dH501", letters, b.Year()%100, "ABCDEHLMPRST"[b.Month()-1], day)
	c, err := codicefiscale.CheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

const opsHeader = "code,name,programme,priority,specific_objective,category_of_region,funding_source,start_date,end_date\n"

// operation is an operations file row for code in group (P1, ESO4.1, MORE_DEVELOPED).
func operation(code string) string {
	return code + ",Operation " + code + ",PN-TEST,P1,ESO4.1,MORE_DEVELOPED,ESF+,2020-01-01,\n"
}

// part is a participants file row. Empty fields take the default; "-" leaves the field
// blank.
type part struct {
	Op, TaxCode, Gender, Birth, Entry, Exit, Status, Months, ISCED string
	Dis, TCN, FB, Min, Hom, Rur                                    string
}

func (p part) row() string {
	def := func(v, d string) string {
		switch v {
		case "":
			return d
		case "-":
			return ""
		}
		return v
	}
	status := def(p.Status, "INACTIVE")
	months := def(p.Months, "")
	return strings.Join([]string{p.Op, p.TaxCode, def(p.Gender, "F"), def(p.Birth, "1990-05-10"), def(p.Entry, "2023-01-10"),
		def(p.Exit, ""), status, months, def(p.ISCED, "3"), def(p.Dis, "N"), def(p.TCN, "N"), def(p.FB, "N"), def(p.Min, "N"),
		def(p.Hom, "N"), def(p.Rur, "N")}, ",") + "\n"
}

// sit is a labour situation: imported (tied to the operation) unless Global or Spell, which
// are recorded by a case manager for the person.
type sit struct {
	Op, TaxCode, Date, Situation string
	Global, Spell                bool
	Ends                         string
}

// load imports the operations, participants and situations.
func (e *env) load(ops []string, parts []part, sits []sit) {
	e.t.Helper()
	e.tx(func(tx *store.Tx) error {
		var b strings.Builder
		b.WriteString(opsHeader)
		for _, o := range ops {
			b.WriteString(operation(o))
		}
		if _, err := esfimport.ImportOperations(e.ctx, tx, strings.NewReader(b.String())); err != nil {
			return err
		}
		b.Reset()
		b.WriteString(strings.Join(esfimport.ParticipantsHeader, ",") + "\n")
		for _, p := range parts {
			b.WriteString(p.row())
		}
		if _, err := esfimport.ImportParticipants(e.ctx, tx, strings.NewReader(b.String())); err != nil {
			return err
		}
		b.Reset()
		b.WriteString(strings.Join(esfimport.SituationsHeader, ",") + "\n")
		imported := 0
		for _, s := range sits {
			if s.Global || s.Spell {
				person, err := esfdata.PersonIDByTaxCode(e.ctx, tx, s.TaxCode)
				if err != nil {
					return err
				}
				rec := esfdata.Situation{PersonID: person, Situation: s.Situation, Date: date(s.Date), Spell: s.Spell, Source: "CASE_MANAGER"}
				if !s.Global {
					ops, err := esfdata.Operations(e.ctx, tx, esfdata.Scope{OperationCode: s.Op})
					if err != nil {
						return err
					}
					rec.OperationID = ops[0].ID
				}
				if s.Ends != "" {
					d := date(s.Ends)
					rec.EndsOn = &d
				}
				if _, err := esfdata.RecordSituation(e.ctx, tx, rec); err != nil {
					return err
				}
				continue
			}
			imported++
			fmt.Fprintf(&b, "%s,%s,%s,%s\n", s.Op, s.TaxCode, s.Date, s.Situation)
		}
		if imported > 0 {
			if _, err := esfimport.ImportSituations(e.ctx, tx, strings.NewReader(b.String())); err != nil {
				return err
			}
		}
		return nil
	})
}

// compute runs a report.
func (e *env) compute(q esf.Query) *esf.Report {
	e.t.Helper()
	var rep *esf.Report
	e.tx(func(tx *store.Tx) error {
		var err error
		rep, err = esf.Compute(e.ctx, tx, q)
		return err
	})
	return rep
}

// vals is women, men, non-binary, total, of which estimated.
type vals [5]int64

func valsOf(v esf.Value) vals { return vals{v.Women, v.Men, v.NonBinary, v.Total, v.Estimated} }

// only returns the one group of a report.
func only(t *testing.T, rep *esf.Report) esf.Group {
	t.Helper()
	require.Len(t, rep.Groups, 1)
	return rep.Groups[0]
}

// testKey is a fixed pseudonymisation key for tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// pseudonymiser is the access layer's, as the API and the command line use it.
func pseudonymiser(t *testing.T) esf.Pseudonymiser {
	t.Helper()
	p, err := access.NewPseudonymizer(testKey)
	require.NoError(t, err)
	return p
}

// personID returns the id of the person with the given tax code.
func (e *env) personID(taxCode string) string {
	e.t.Helper()
	var id string
	e.tx(func(tx *store.Tx) error {
		var err error
		id, err = esfdata.PersonIDByTaxCode(e.ctx, tx, taxCode)
		return err
	})
	return id
}

// signer is a fixed Ed25519 signing key for tests; seeds tell keys apart.
func signer(t *testing.T, seed byte) *esf.Signer {
	t.Helper()
	s, err := esf.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)))
	require.NoError(t, err)
	return s
}
