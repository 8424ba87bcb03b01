package access

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Basis is a lawful basis of GDPR Art. 6(1).
type Basis string

// The bases of Art. 6(1), (a) to (f).
const (
	BasisConsent             Basis = "consent"              // (a)
	BasisContract            Basis = "contract"             // (b)
	BasisLegalObligation     Basis = "legal_obligation"     // (c)
	BasisVitalInterests      Basis = "vital_interests"      // (d)
	BasisPublicTask          Basis = "public_task"          // (e)
	BasisLegitimateInterests Basis = "legitimate_interests" // (f)
)

// Bases lists the bases in the order of Art. 6(1).
func Bases() []Basis {
	return []Basis{BasisConsent, BasisContract, BasisLegalObligation, BasisVitalInterests, BasisPublicTask,
		BasisLegitimateInterests}
}

// LegalBasis is on what ground one purpose processes personal data: every purpose of the
// policy has exactly one (policy/legal_bases.csv).
type LegalBasis struct {
	Purpose Purpose
	Basis   Basis
	// Article is the GDPR article of the basis, e.g. "GDPR Art. 6(1)(e)".
	Article string
	// Special is the Art. 9(2) condition (or Art. 10 authority) for the special
	// categories and judicial data the purpose reads; empty when it reads none.
	Special string
	// Law is the Union or Member State law the processing rests on (Art. 6(3)).
	Law string
}

// specialCategories are the categories whose processing needs an Art. 9(2) condition or
// Art. 10 authority besides the Art. 6 basis. Minors' data is protected by the policy
// but is not a special category of the GDPR.
var specialCategories = []Category{CategoryHealth, CategorySpecialOther, CategoryJudicial}

// parseLegalBases reads the legal bases file and checks it against the policy's rules:
// every purpose exactly once, a known basis, an article and a law on every line, and a
// special condition for every purpose the policy lets read a special category.
func parseLegalBases(text []byte, rules []Rule) (map[Purpose]LegalBasis, error) {
	r := csv.NewReader(bytes.NewReader(text))
	r.Comment = '#'
	r.FieldsPerRecord = 5
	r.TrimLeadingSpace = true
	out := map[Purpose]LegalBasis{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("access: legal bases: %w", err)
		}
		// Only a record read whole has field positions.
		line, _ := r.FieldPos(0)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("access: legal bases line %d: %s", line, fmt.Sprintf(format, args...))
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		b := LegalBasis{Purpose: Purpose(rec[0]), Basis: Basis(rec[1]), Article: rec[2], Special: rec[3], Law: rec[4]}
		if p, err := ParsePurpose(rec[0]); err != nil || string(p) != rec[0] {
			return nil, bad("purpose: unknown purpose %q", rec[0])
		}
		if _, dup := out[b.Purpose]; dup {
			return nil, bad("purpose %s has a legal basis already", b.Purpose)
		}
		known := false
		for _, k := range Bases() {
			known = known || k == b.Basis
		}
		if !known {
			return nil, bad("basis: unknown basis %q (known: %s)", rec[1], JoinNames(Bases()))
		}
		if !strings.HasPrefix(b.Article, "GDPR Art. 6(1)(") {
			return nil, bad("article: want the GDPR Art. 6(1) point, e.g. \"GDPR Art. 6(1)(e)\", got %q", b.Article)
		}
		if b.Law == "" {
			return nil, bad("law: the law the processing rests on is required")
		}
		out[b.Purpose] = b
	}
	for _, p := range Purposes() {
		b, ok := out[p]
		if !ok {
			return nil, fmt.Errorf("access: legal bases: purpose %s has no legal basis", p)
		}
		if b.Special != "" {
			continue
		}
		for _, rule := range rules {
			if rule.Purpose == p && rule.Effect == Allow && (rule.Act == ActRead || rule.Act == ActReadMinors || rule.Act == ActWrite) {
				for _, c := range specialCategories {
					if rule.Object == string(c) {
						return nil, fmt.Errorf("access: legal bases: purpose %s processes %s data (policy line %d) but names no Art. 9(2) or Art. 10 condition",
							p, c, rule.Line)
					}
				}
			}
		}
	}
	return out, nil
}

// LegalBasis returns the legal basis of purpose.
func (p *Policy) LegalBasis(purpose Purpose) (LegalBasis, bool) {
	b, ok := p.bases[purpose]
	return b, ok
}

// LegalBases lists the legal bases in the order of Purposes.
func (p *Policy) LegalBases() []LegalBasis {
	out := make([]LegalBasis, 0, len(p.bases))
	for _, pu := range Purposes() {
		if b, ok := p.bases[pu]; ok {
			out = append(out, b)
		}
	}
	return out
}
