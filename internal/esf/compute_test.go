package esf_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// check is a cut-off and the values expected there; indicators not listed must be zero
// unless the case lists them elsewhere.
type check struct {
	cutoff string
	want   map[string]vals
	// incomplete is the expected INCOMPLETE row and its per-field counts, when given.
	incomplete *esf.Incomplete
}

type ruleCase struct {
	name  string
	parts func(tc func(k int, birth string, sex byte) string) ([]part, []sit)
	// other operations the case's persons take part in, outside the case's group.
	other  []string
	checks []check
}

// The hand-computed cases of the rules in issue 5. Each case has its own programme, so
// its operations form a group of their own; its persons are its own.
var ruleCases = []ruleCase{
	{
		name: "re-entry counts once: entry data of the first entry, exit of the last",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			p := tc(1, "1990-05-10", 'F')
			return []part{
					{Op: "A", TaxCode: p, Entry: "2022-01-10", Exit: "2022-03-01", Status: "UNEMPLOYED", Months: "14", ISCED: "3"},
					{Op: "A", TaxCode: p, Entry: "2022-06-01", Exit: "2022-09-01", Status: "EMPLOYED", ISCED: "5"},
					// The same person in another operation of the group counts again there.
					{Op: "B", TaxCode: p, Entry: "2022-02-01", Status: "INACTIVE", ISCED: "3"},
				}, []sit{
					{Op: "A", TaxCode: p, Date: "2022-03-10", Situation: "JOB_SEARCHING"},
					{Op: "A", TaxCode: p, Date: "2022-09-15", Situation: "EMPLOYED"},
				}
		},
		checks: []check{
			{cutoff: "2023-12-31", want: map[string]vals{
				"EECO01": {2, 0, 0, 2, 0}, "EECO02": {1, 0, 0, 1, 0}, "EECO03": {1, 0, 0, 1, 0}, "EECO04": {1, 0, 0, 1, 0},
				"EECO10": {2, 0, 0, 2, 0}, "EECR04": {1, 0, 0, 1, 0}, "EECR05": {1, 0, 0, 1, 0},
			}},
			// Re-entered before the cut-off and not yet left: no results.
			{cutoff: "2022-07-01", want: map[string]vals{
				"EECO01": {2, 0, 0, 2, 0}, "EECO02": {1, 0, 0, 1, 0}, "EECO03": {1, 0, 0, 1, 0}, "EECO04": {1, 0, 0, 1, 0},
				"EECO10": {2, 0, 0, 2, 0},
			}},
			// Only the first entry by the cut-off: its exit and results count.
			{cutoff: "2022-04-01", want: map[string]vals{
				"EECO01": {2, 0, 0, 2, 0}, "EECO02": {1, 0, 0, 1, 0}, "EECO03": {1, 0, 0, 1, 0}, "EECO04": {1, 0, 0, 1, 0},
				"EECO10": {2, 0, 0, 2, 0}, "EECR01": {1, 0, 0, 1, 0},
			}},
			{cutoff: "2021-12-31", want: map[string]vals{}},
		},
	},
	{
		name: "age in completed years on the entry date",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			row := func(k int, birth, entry string) part {
				return part{Op: "A", TaxCode: tc(k, birth, 'F'), Birth: birth, Entry: entry}
			}
			return []part{
				row(1, "2005-03-15", "2023-03-14"), // 17: child
				row(2, "2005-03-15", "2023-03-15"), // 18: young
				row(3, "1993-03-15", "2023-03-14"), // 29: young
				row(4, "1993-03-15", "2023-03-15"), // 30
				row(5, "1968-03-15", "2023-03-14"), // 54
				row(6, "1968-03-15", "2023-03-15"), // 55: older
				row(7, "2004-02-29", "2022-02-28"), // 17
				row(8, "2004-02-29", "2022-03-01"), // 18
			}, nil
		},
		checks: []check{{cutoff: "2023-12-31", want: map[string]vals{
			"EECO01": {8, 0, 0, 8, 0}, "EECO04": {8, 0, 0, 8, 0}, "EECO10": {8, 0, 0, 8, 0},
			"EECO06": {2, 0, 0, 2, 0}, "EECO07": {3, 0, 0, 3, 0}, "EECO08": {1, 0, 0, 1, 0},
		}}},
	},
	{
		name: "long-term unemployment: more than 6 months under 25, more than 12 from 25",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			row := func(k int, entry, months string) part {
				return part{Op: "A", TaxCode: tc(k, "1998-03-15", 'M'), Gender: "M", Birth: "1998-03-15", Entry: entry,
					Status: "UNEMPLOYED", Months: months}
			}
			return []part{
				row(1, "2023-03-14", "7"),  // 24, 7 months: LTU
				row(2, "2023-03-14", "6"),  // 24, 6 months
				row(3, "2023-03-15", "7"),  // 25, 7 months
				row(4, "2023-03-15", "12"), // 25, 12 months
				row(5, "2023-03-15", "13"), // 25, 13 months: LTU
				row(6, "2023-03-14", "13"), // 24, 13 months: LTU
			}, nil
		},
		checks: []check{{cutoff: "2023-12-31", want: map[string]vals{
			"EECO01": {0, 6, 0, 6, 0}, "EECO02": {0, 6, 0, 6, 0}, "EECO03": {0, 3, 0, 3, 0},
			"EECO07": {0, 6, 0, 6, 0}, "EECO10": {0, 6, 0, 6, 0},
		}}},
	},
	{
		name: "upon leaving: situations from the exit date to exit + 28 days",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			var ps []part
			var ss []sit
			for k, d := range []string{"2023-01-31", "2023-02-28", "2023-03-01", "2023-01-30"} {
				p := tc(k+1, "1990-05-10", 'F')
				ps = append(ps, part{Op: "A", TaxCode: p, Exit: "2023-01-31"})
				ss = append(ss, sit{Op: "A", TaxCode: p, Date: d, Situation: "EMPLOYED"})
			}
			for k, d := range []string{"2023-02-28", "2023-03-01"} {
				p := tc(k+10, "1990-05-10", 'F')
				ps = append(ps, part{Op: "A", TaxCode: p, Exit: "2023-01-31"})
				ss = append(ss, sit{Op: "A", TaxCode: p, Date: d, Situation: "QUALIFICATION_GAINED"})
			}
			return ps, ss
		},
		checks: []check{
			{cutoff: "2023-12-31", want: map[string]vals{
				"EECO01": {6, 0, 0, 6, 0}, "EECO04": {6, 0, 0, 6, 0}, "EECO10": {6, 0, 0, 6, 0},
				"EECR04": {2, 0, 0, 2, 0}, "EECR03": {1, 0, 0, 1, 0},
				// Six months after: the last situation up to 31 July, for all but the one
				// employed the day before leaving.
				"EECR05": {3, 0, 0, 3, 0},
			}},
			// The window ends at the cut-off: day 28 is not seen yet.
			{cutoff: "2023-02-27", want: map[string]vals{
				"EECO01": {6, 0, 0, 6, 0}, "EECO04": {6, 0, 0, 6, 0}, "EECO10": {6, 0, 0, 6, 0},
				"EECR04": {1, 0, 0, 1, 0},
			}},
			{cutoff: "2023-02-28", want: map[string]vals{
				"EECO01": {6, 0, 0, 6, 0}, "EECO04": {6, 0, 0, 6, 0}, "EECO10": {6, 0, 0, 6, 0},
				"EECR04": {2, 0, 0, 2, 0}, "EECR03": {1, 0, 0, 1, 0},
			}},
			// Left after the cut-off: no results at all.
			{cutoff: "2023-01-30", want: map[string]vals{
				"EECO01": {6, 0, 0, 6, 0}, "EECO04": {6, 0, 0, 6, 0}, "EECO10": {6, 0, 0, 6, 0},
			}},
		},
	},
	{
		name:  "upon leaving: the last situation in the window decides",
		other: []string{"X"},
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			const exit = "2023-01-31"
			day := func(n int) string { return date(exit).AddDate(0, 0, n).Format(esf.DateLayout) }
			var ps []part
			var ss []sit
			add := func(k int, s ...sit) {
				p := tc(k, "1990-05-10", 'F')
				ps = append(ps, part{Op: "A", TaxCode: p, Exit: exit})
				for _, x := range s {
					x.TaxCode = p
					if x.Op == "" {
						x.Op = "A"
					}
					ss = append(ss, x)
				}
			}
			add(1, sit{Date: day(5), Situation: "JOB_SEARCHING"}, sit{Date: day(20), Situation: "EMPLOYED"})     // EECR04
			add(2, sit{Date: day(5), Situation: "EMPLOYED"}, sit{Date: day(20), Situation: "JOB_SEARCHING"})     // EECR01
			add(3, sit{Date: day(5), Situation: "EMPLOYED"}, sit{Date: day(10), Situation: "INACTIVE"})          // none
			add(4, sit{Date: day(7), Situation: "JOB_SEARCHING"}, sit{Date: day(7), Situation: "SELF_EMPLOYED"}) // EECR04: same day, employment first
			add(5, sit{Date: day(10), Situation: "QUALIFICATION_GAINED"}, sit{Date: day(12), Situation: "JOB_SEARCHING"})
			add(6, sit{Date: day(3), Situation: "EDUCATION_TRAINING"}) // EECR02
			// A situation of the person as such counts; one recorded for another operation
			// does not.
			add(7, sit{Date: day(3), Situation: "EMPLOYED", Global: true}, sit{Op: "X", Date: day(7), Situation: "JOB_SEARCHING"})
			ps = append(ps, part{Op: "X", TaxCode: ps[len(ps)-1].TaxCode, Entry: "2022-01-01"})
			return ps, ss
		},
		checks: []check{{cutoff: "2023-12-31", want: map[string]vals{
			"EECO01": {7, 0, 0, 7, 0}, "EECO04": {7, 0, 0, 7, 0}, "EECO10": {7, 0, 0, 7, 0},
			"EECR01": {2, 0, 0, 2, 0}, "EECR02": {1, 0, 0, 1, 0}, "EECR03": {1, 0, 0, 1, 0}, "EECR04": {3, 0, 0, 3, 0},
			"EECR05": {3, 0, 0, 3, 0},
		}}},
	},
	{
		name: "six months after leaving: last situation up to exit + 6 calendar months, once past the cut-off",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			const exit = "2023-03-31" // + 6 months = 2023-09-30
			var ps []part
			var ss []sit
			add := func(k int, s ...sit) {
				p := tc(k, "1990-05-10", 'F')
				ps = append(ps, part{Op: "A", TaxCode: p, Exit: exit})
				for _, x := range s {
					x.Op, x.TaxCode = "A", p
					ss = append(ss, x)
				}
			}
			add(1, sit{Date: "2023-09-30", Situation: "EMPLOYED"})                                                      // EECR05
			add(2, sit{Date: "2023-05-01", Situation: "EMPLOYED"}, sit{Date: "2023-08-01", Situation: "JOB_SEARCHING"}) // none
			add(3, sit{Date: "2023-04-15", Situation: "EMPLOYED", Spell: true})                                         // EECR04, EECR05
			add(4, sit{Date: "2023-04-15", Situation: "EMPLOYED", Spell: true, Ends: "2023-08-31"})                     // EECR04 only
			add(5, sit{Date: "2023-10-01", Situation: "EMPLOYED"})                                                      // none
			add(6, sit{Date: "2022-12-01", Situation: "EMPLOYED", Spell: true})                                         // hired before leaving: EECR04, EECR05
			return ps, ss
		},
		checks: []check{
			{cutoff: "2023-09-30", want: map[string]vals{
				"EECO01": {6, 0, 0, 6, 0}, "EECO04": {6, 0, 0, 6, 0}, "EECO10": {6, 0, 0, 6, 0},
				"EECR04": {3, 0, 0, 3, 0}, "EECR05": {3, 0, 0, 3, 0},
			}},
			{cutoff: "2023-09-29", want: map[string]vals{
				"EECO01": {6, 0, 0, 6, 0}, "EECO04": {6, 0, 0, 6, 0}, "EECO10": {6, 0, 0, 6, 0},
				"EECR04": {3, 0, 0, 3, 0},
			}},
		},
	},
	{
		name: "blank gender and birth date are derived from the tax code; a recorded value wins",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			return []part{
				{Op: "A", TaxCode: tc(1, "1990-05-10", 'F'), Gender: "-", Birth: "-"},                      // woman, 32
				{Op: "A", TaxCode: tc(2, "2007-06-01", 'M'), Gender: "-", Birth: "-"},                      // man, 15
				{Op: "A", TaxCode: tc(3, "1925-02-01", 'M'), Gender: "-", Birth: "-", Entry: "2024-01-10"}, // 25 is 1925: 98
				{Op: "A", TaxCode: tc(4, "1990-05-10", 'F'), Gender: "M", Birth: "-"},                      // recorded man
				{Op: "A", TaxCode: tc(5, "1990-05-10", 'F'), Gender: "-", Birth: "2000-01-01"},             // recorded 23
				{Op: "A", TaxCode: tc(6, "2023-01-01", 'F'), Gender: "-", Birth: "-", Entry: "2023-01-10"}, // 23 is 2023: 0
				{Op: "A", TaxCode: tc(7, "1923-02-01", 'F'), Gender: "-", Birth: "-", Entry: "2023-01-10"}, // 23 is 1923: 99
			}, nil
		},
		checks: []check{{cutoff: "2024-12-31", want: map[string]vals{
			"EECO01": {4, 3, 0, 7, 0}, "EECO04": {4, 3, 0, 7, 0}, "EECO10": {4, 3, 0, 7, 0},
			"EECO06": {1, 1, 0, 2, 0}, "EECO07": {1, 0, 0, 1, 0}, "EECO08": {1, 1, 0, 2, 0},
		}}},
	},
	{
		name: "incomplete participants are excluded and counted per missing field",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			a := tc(1, "1990-05-10", 'F')
			return []part{
					{Op: "A", TaxCode: a, ISCED: "-", Exit: "2023-02-01"},                                   // isced
					{Op: "A", TaxCode: tc(2, "1990-05-10", 'F'), Status: "UNEMPLOYED"},                      // unemployment months
					{Op: "A", TaxCode: tc(3, "1990-05-10", 'F'), Status: "-"},                               // employment status
					{Op: "A", TaxCode: tc(4, "1990-05-10", 'F'), Status: "-", ISCED: "-"},                   // both
					{Op: "A", TaxCode: tc(5, "1990-05-10", 'M'), Gender: "M", Dis: "E", Exit: "2023-02-01"}, // complete
				}, []sit{
					{Op: "A", TaxCode: a, Date: "2023-02-10", Situation: "EMPLOYED"},
				}
		},
		checks: []check{{cutoff: "2023-12-31",
			want: map[string]vals{"EECO01": {0, 1, 0, 1, 0}, "EECO04": {0, 1, 0, 1, 0}, "EECO10": {0, 1, 0, 1, 0}, "EECO12": {0, 1, 0, 1, 1}},
			incomplete: &esf.Incomplete{Women: 4, Total: 4, Missing: []esf.MissingCount{
				{Field: esf.FieldGender}, {Field: esf.FieldBirthDate}, {Field: esf.FieldEmploymentStatus, Count: 2},
				{Field: esf.FieldUnemploymentMonths, Count: 1}, {Field: esf.FieldISCED, Count: 2}}},
		}},
	},
	{
		name: "point 1.2 characteristics: yes and informed estimates count, estimates reported beside",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			return []part{
				{Op: "A", TaxCode: tc(1, "1990-05-10", 'F'), Dis: "Y"},
				{Op: "A", TaxCode: tc(2, "1990-05-10", 'F'), Dis: "E", Min: "E"},
				{Op: "A", TaxCode: tc(3, "1990-05-10", 'F'), Dis: "N", FB: "Y"},
				{Op: "A", TaxCode: tc(4, "1990-05-10", 'F'), Dis: "-", Hom: "-"},
				{Op: "A", TaxCode: tc(5, "1990-05-10", 'F'), TCN: "E", Hom: "Y"},
				{Op: "A", TaxCode: tc(6, "1990-05-10", 'M'), Gender: "M", Rur: "E"},
				{Op: "A", TaxCode: tc(7, "1990-05-10", 'F'), Gender: "NB", Rur: "Y", TCN: "Y"},
			}, nil
		},
		checks: []check{{cutoff: "2023-12-31", want: map[string]vals{
			"EECO01": {5, 1, 1, 7, 0}, "EECO04": {5, 1, 1, 7, 0}, "EECO10": {5, 1, 1, 7, 0},
			"EECO12": {2, 0, 0, 2, 1}, "EECO13": {1, 0, 1, 2, 1}, "EECO14": {1, 0, 0, 1, 0}, "EECO15": {1, 0, 0, 1, 1},
			"EECO16": {1, 0, 0, 1, 0}, "EECO17": {0, 1, 1, 2, 1},
		}}},
	},
	{
		name: "outputs count participants who entered on or before the cut-off",
		parts: func(tc func(int, string, byte) string) ([]part, []sit) {
			return []part{{Op: "A", TaxCode: tc(1, "1990-05-10", 'M'), Gender: "M", Entry: "2023-06-01", Status: "EMPLOYED", ISCED: "7"}}, nil
		},
		checks: []check{
			{cutoff: "2023-05-31", want: map[string]vals{}},
			{cutoff: "2023-06-01", want: map[string]vals{"EECO01": {0, 1, 0, 1, 0}, "EECO05": {0, 1, 0, 1, 0}, "EECO11": {0, 1, 0, 1, 0}}},
		},
	},
}

func TestComputeRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ops strings.Builder
	ops.WriteString(opsHeader)
	var parts []part
	var sits []sit
	for i, c := range ruleCases {
		tc := func(k int, birth string, sex byte) string { return taxCode(i*100+k, birth, sex) }
		ps, ss := c.parts(tc)
		seen := map[string]bool{}
		for j := range ps {
			ps[j].Op = fmt.Sprintf("C%02d%s", i, ps[j].Op)
			if !seen[ps[j].Op] {
				seen[ps[j].Op] = true
				programme := fmt.Sprintf("PN-C%02d", i)
				for _, o := range c.other {
					if ps[j].Op == fmt.Sprintf("C%02d%s", i, o) {
						programme = "PN-OTHER"
					}
				}
				fmt.Fprintf(&ops, "%s,Case %d,%s,P1,ESO4.1,MORE_DEVELOPED,ESF+,2020-01-01,\n", ps[j].Op, i, programme)
			}
		}
		for j := range ss {
			ss[j].Op = fmt.Sprintf("C%02d%s", i, ss[j].Op)
		}
		parts = append(parts, ps...)
		sits = append(sits, ss...)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := esfimport.ImportOperations(e.ctx, tx, strings.NewReader(ops.String()))
		return err
	})
	e.load(nil, parts, sits)

	for i, c := range ruleCases {
		t.Run(c.name, func(t *testing.T) {
			for _, ch := range c.checks {
				rep := e.compute(esf.Query{Cutoff: date(ch.cutoff), Programme: fmt.Sprintf("PN-C%02d", i)})
				g := only(t, rep)
				for _, ind := range esf.Indicators {
					v, ok := g.Value(ind.Code)
					require.True(t, ok, ind.Code)
					require.Equal(t, ch.want[ind.Code], valsOf(v), "cut-off %s, %s", ch.cutoff, ind.Code)
				}
				if ch.incomplete != nil {
					require.Equal(t, *ch.incomplete, g.Incomplete, "cut-off %s, INCOMPLETE", ch.cutoff)
				} else {
					require.Zero(t, g.Incomplete.Total, "cut-off %s, INCOMPLETE", ch.cutoff)
				}
				// Results never exceed the participants they are counted among.
				total, _ := g.Value("EECO01")
				for _, ind := range esf.Indicators {
					v, _ := g.Value(ind.Code)
					require.LessOrEqual(t, v.Total, total.Total, ind.Code)
				}
			}
		})
	}
}

// The database stores results over fixed windows (esf_result_windows); the default rules
// must use the same ones, or every report would compute its results live.
func TestDefaultRulesMatchStoredWindows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tx(func(tx *store.Tx) error {
		days, months, err := esfdata.ResultWindows(e.ctx, tx)
		require.NoError(t, err)
		r := esf.DefaultRules()
		require.Equal(t, r.LeavingWindowDays, days, "change esf_result_windows() in a migration together with DefaultRules")
		require.Equal(t, r.FollowUpMonths, months, "change esf_result_windows() in a migration together with DefaultRules")
		return nil
	})
}

// Rules other than the defaults are applied, and checked.
func TestCustomRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := taxCode(1, "1990-05-10", 'F')
	e.load([]string{"OP1"}, []part{{Op: "OP1", TaxCode: p, Exit: "2023-01-31", Status: "UNEMPLOYED", Months: "9"}},
		[]sit{{Op: "OP1", TaxCode: p, Date: "2023-03-01", Situation: "EMPLOYED"}})
	r := esf.DefaultRules()
	r.LeavingWindowDays, r.AdultLTUMonths, r.OlderFromAge = 30, 8, 30
	g := only(t, e.compute(esf.Query{Cutoff: date("2023-12-31"), Rules: &r}))
	for code, want := range map[string]int64{"EECR04": 1, "EECO03": 1, "EECO08": 1} {
		v, _ := g.Value(code)
		require.Equal(t, want, v.Total, code)
	}
	require.Equal(t, r, e.compute(esf.Query{Cutoff: date("2023-12-31"), Rules: &r}).Rules)

	bad := esf.Rules{YoungFromAge: 30, YoungToAge: 18, LeavingWindowDays: 0, FollowUpMonths: 6, MinorBelowAge: -1}
	err := e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
		_, err := esf.Compute(e.ctx, tx, esf.Query{Cutoff: date("2023-12-31"), Rules: &bad})
		return err
	})
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "%v", err)
	fields := map[string]bool{}
	for _, f := range ie.Fields {
		fields[f.Field] = true
	}
	require.Equal(t, map[string]bool{"rules.minor_below_age": true, "rules.young_to_age": true, "rules.leaving_window_days": true}, fields)
}
