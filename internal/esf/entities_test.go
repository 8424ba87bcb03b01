package esf_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// Synthetic tax numbers with valid check digits.
const (
	vatSdS   = "80000000002"
	vatCoop  = "12345678903"
	vatZeros = "00000000018" // loses its zeros in a spreadsheet's number column
	vatLarge = "02100000500"
)

var entitiesHeader = strings.Join(esfimport.EntitiesHeader, ",") + "\n"

func TestParseEntities(t *testing.T) {
	t.Parallel()
	trader := taxCode(7, "1970-03-01", 'M')
	rows, err := esfimport.ParseEntities(strings.NewReader(entitiesHeader +
		"OP1," + vatSdS + ",Società della Salute,PUBLIC_ADMINISTRATION,2021-01-01\n" +
		"OP1,IT " + vatCoop + ",Cooperativa sociale,SME,01/02/2021\n" +
		"OP1," + strings.ToLower(trader) + ",Ditta individuale,SME,2021-03-01\n" +
		"OP2," + vatCoop + ",Cooperativa sociale,SME,2021-03-01\n"))
	require.NoError(t, err)
	require.Len(t, rows, 4)
	require.Equal(t, esfdata.EntityRecord{OperationCode: "OP1", TaxCode: vatSdS, Name: "Società della Salute",
		Kind: esfdata.EntityPublic, SupportedFrom: date("2021-01-01")}, rows[0].Record)
	require.Equal(t, vatCoop, rows[1].Record.TaxCode, "the EU prefix and the space are dropped")
	require.Equal(t, "2021-02-01", rows[1].Record.SupportedFrom.Format(esf.DateLayout))
	require.Equal(t, trader, rows[2].Record.TaxCode)

	_, err = esfimport.ParseEntities(strings.NewReader(entitiesHeader +
		"OP1,12345678900,Wrong check digit,SME,2021-01-01\n" +
		"OP1,18,Zeros dropped,SME,2021-01-01\n" +
		"OP1,RSSMRA68A01H501X,Wrong code,SME,2021-01-01\n" +
		"OP1," + vatLarge + ",Large enterprise,LARGE,2021-01-01\n" +
		"OP1," + vatCoop + ",Cooperativa,SME,\n" +
		"OP1," + vatCoop + ",Cooperativa,SME,2021-01-01\n" +
		"OP1," + vatCoop + ",Cooperativa,SME,2021-01-01\n" +
		"OP2," + vatCoop + ",Cooperativa,PUBLIC_ADMINISTRATION,2021-01-01\n" +
		",,,,2021-01-01\n"))
	requireProblems(t, err,
		wantProblem{2, 2, "is not a valid VAT number (partita IVA): check digit: want 3, got 0"},
		wantProblem{3, 2, "has 2 digits, a VAT number 11: a spreadsheet drops leading zeros"},
		wantProblem{4, 2, "is not a valid codice fiscale of a sole trader: check character"},
		wantProblem{5, 4, `"LARGE" is not one of PUBLIC_ADMINISTRATION, SME: EECO18 counts public administrations`},
		wantProblem{6, 5, "is required"},
		wantProblem{7, 2, `this entity of operation "OP1" is already given in row 6`},
		wantProblem{8, 2, `this entity of operation "OP1" is already given in row 7: an entity counts once per operation`},
		wantProblem{9, 4, "row 6 gives this organisation as SME"},
		wantProblem{10, 1, "is required"},
		wantProblem{10, 2, "is required"},
		wantProblem{10, 3, "is required"},
		wantProblem{10, 4, "is required"},
	)
	got := problems(t, err)
	require.Contains(t, got[1].Reason, vatZeros+" would be valid")
}

// TestImportEntities: an entities file registers the organisations the hub lacks, and the
// report counts each entity once per operation under the indicator it was supported as.
func TestImportEntities(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.load([]string{"OP1", "OP2"}, nil, nil)
	imp := func(body string) (esfimport.ImportResult, error) {
		var res esfimport.ImportResult
		err := e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
			var err error
			res, err = esfimport.ImportEntities(e.ctx, tx, strings.NewReader(body))
			return err
		})
		return res, err
	}
	// The public body is known already, under its own code and name.
	_, err := e.st.Pool().Exec(e.ctx, `INSERT INTO organisations (code, name, kind, is_public, tax_code)
		VALUES ('SDS', 'Health and social agency', 'HEALTH_SOCIAL_AGENCY', true, $1)`, vatSdS)
	require.NoError(t, err)

	file := italian(entitiesHeader +
		"OP1," + vatSdS + ",SdS,PUBLIC_ADMINISTRATION,01/01/2021\n" +
		"OP1," + vatCoop + ",Cooperativa sociale Uno,SME,01/02/2021\n" +
		"OP1," + vatLarge + ",Impresa,SME,01/06/2024\n" +
		"OP2," + vatCoop + ",Cooperativa sociale Uno,SME,01/03/2021\n")
	res, err := imp(file)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 4, Inserted: 4, Organisations: 2}, res)
	res, err = imp(file)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 4, Unchanged: 4}, res, "the same file again changes nothing")

	rep := e.compute(esf.Query{Cutoff: date("2023-12-31")})
	v18, _ := only(t, rep).Value("EECO18")
	v19, _ := only(t, rep).Value("EECO19")
	require.Equal(t, vals{0, 0, 0, 1, 0}, valsOf(v18))
	require.Equal(t, vals{0, 0, 0, 2, 0}, valsOf(v19), "the cooperative in each operation; the enterprise from 2024 only")
	v19, _ = only(t, e.compute(esf.Query{Cutoff: date("2024-12-31")})).Value("EECO19")
	require.Equal(t, int64(3), v19.Total)

	var name string
	var public bool
	require.NoError(t, e.st.Pool().QueryRow(e.ctx, `SELECT name, is_public FROM organisations WHERE tax_code = $1`, vatCoop).Scan(&name, &public))
	require.Equal(t, "Cooperativa sociale Uno", name)
	require.False(t, public)
	require.NoError(t, e.st.Pool().QueryRow(e.ctx, `SELECT name FROM organisations WHERE tax_code = $1`, vatSdS).Scan(&name))
	require.Equal(t, "Health and social agency", name, "a known organisation keeps its name")

	// A file contradicting what the hub holds loads nothing, not even its new organisation.
	_, err = imp(entitiesHeader +
		"OP1," + vatZeros + ",New one,SME,2021-05-01\n" +
		"OP1," + vatSdS + ",SdS,SME,2021-01-01\n" +
		"OP3," + vatCoop + ",Cooperativa,SME,2021-01-01\n" +
		"OP2," + vatLarge + ",Impresa,SME,2019-12-31\n")
	requireProblems(t, err,
		wantProblem{3, 4, "(Health and social agency) is recorded as public: a public body is not an SME"},
		wantProblem{4, 1, `no operation with code "OP3"`},
		wantProblem{5, 5, `is before operation "OP2" starts (2020-01-01)`},
	)
	var n int
	require.NoError(t, e.st.Pool().QueryRow(e.ctx, `SELECT count(*) FROM organisations WHERE tax_code = $1`, vatZeros).Scan(&n))
	require.Zero(t, n)

	// A correction moves the date in place.
	res, err = imp(entitiesHeader + "OP1," + vatLarge + ",Impresa,SME,2023-06-01\n")
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 1, Updated: 1}, res)
	v19, _ = only(t, rep2(e)).Value("EECO19")
	require.Equal(t, int64(3), v19.Total)
}

func rep2(e *env) *esf.Report { return e.compute(esf.Query{Cutoff: date("2023-12-31")}) }

func FuzzParseEntities(f *testing.F) {
	h := strings.Join(esfimport.EntitiesHeader, ",") + "\n"
	f.Add([]byte(h + "OP1," + vatSdS + ",SdS,PUBLIC_ADMINISTRATION,2021-01-01\nOP1,IT" + vatCoop + ",Coop,SME,01/02/2021\n"))
	f.Add([]byte(italian(h + "OP1,18,Zeros,SME,2021-01-01\nOP1,12345678900,X,LARGE,\n")))
	f.Add([]byte(h + "OP1,RSSMRA68A01H501Y,Ditta,SME,2021-01-01\nOP1,RSSMRA68A01H501Y,Ditta,PUBLIC_ADMINISTRATION,2021-01-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParser(t, esfimport.EntitiesHeader, data, func(r *strings.Reader) ([]esfimport.Row[esfdata.EntityRecord], error) {
			return esfimport.ParseEntities(r)
		})
	})
}
