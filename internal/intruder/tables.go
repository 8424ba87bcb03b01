package intruder

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// Table is a published table of counts as the intruder reads it: a suppressed figure is nil.
type Table struct {
	Rows         []string // row keys
	Columns      []string
	Cells        [][]*int64
	RowTotals    []*int64
	ColumnTotals []*int64
	Total        *int64
}

// Finding is a figure the intruder cannot read, and how far it can range.
type Finding struct {
	// Figure names it: "TABLE/row/column", with "total" for a margin, or "overlap/STATUS"
	// for a secret.
	Figure string
	Range  Range
	form   []Term
}

// CaseLoad is what caseLoad publishes for one population: the three groupings. The
// Department table's rows are departments and, if any case has none, NoneKey.
type CaseLoad struct {
	Status, Organisation, Department Table
	NoneKey                          string
}

// CaseLoadAttack is the intruder's system for a published case load. Its unknowns are the
// cells of the finest cross-classification, status × leading organisation × set of
// departments involved, one per combination (every set of the departments the tables
// name, the empty set for cases with none): the intruder does not know which combinations
// occur. Organisations and departments the tables do not name have no cases; a status's
// count of cases is the same figure in every table (the Department table's column totals
// count each case once).
type CaseLoadAttack struct {
	sys      *System
	statuses []string
	orgs     []string
	depts    []string
	figures  []Finding // every hidden figure, each form once
	secrets  []Finding
}

// cell is the unknown of status s, organisation o, department set mask.
func (a *CaseLoadAttack) cell(s, o int, mask uint) int {
	return (s*len(a.orgs)+o)<<len(a.depts) | int(mask)
}

// AttackCaseLoad writes every published figure of p as an equation over the finest cells
// (a suppressed figure as "at least 1": zeros are shown) and lists the figures to solve for.
func AttackCaseLoad(p CaseLoad) (*CaseLoadAttack, error) {
	a := &CaseLoadAttack{statuses: p.Status.Rows, orgs: p.Organisation.Rows}
	for _, k := range p.Department.Rows {
		if k != p.NoneKey {
			a.depts = append(a.depts, k)
		}
	}
	if len(a.depts) > 10 {
		return nil, fmt.Errorf("intruder: %d departments: too many sets to enumerate", len(a.depts))
	}
	S, O, D := len(a.statuses), len(a.orgs), len(a.depts)
	a.sys = New(S * O << D)
	statusAt := map[string]int{}
	for i, s := range a.statuses {
		statusAt[s] = i
	}
	col := func(t Table, what string) ([]int, error) {
		out := make([]int, len(t.Columns))
		for j, c := range t.Columns {
			s, ok := statusAt[c]
			if !ok {
				return nil, fmt.Errorf("intruder: %s column %s is not a status", what, c)
			}
			out[j] = s
		}
		return out, nil
	}
	// sum lists the cells matching a status (-1: any), organisation (-1: any) and set test.
	sum := func(s, o int, in func(mask uint) bool) []Term {
		var f []Term
		for si := range S {
			if s >= 0 && si != s {
				continue
			}
			for oi := range O {
				if o >= 0 && oi != o {
					continue
				}
				for m := uint(0); m < 1<<D; m++ {
					if in(m) {
						f = append(f, Term{Var: a.cell(si, oi, m), Coef: 1})
					}
				}
			}
		}
		return f
	}
	every := func(uint) bool { return true }
	seen := map[string]bool{}
	publish := func(name string, f []Term, v *int64) {
		if v != nil {
			a.sys.Equal(f, *v)
			return
		}
		a.sys.AtLeast(f, 1)
		k := formKey(f)
		if !seen[k] {
			seen[k] = true
			a.figures = append(a.figures, Finding{Figure: name, form: f})
		}
	}
	// publishTable writes a table whose cells are given as forms, with the column totals
	// cases per status and the grand total every case.
	publishTable := func(name string, t Table, cols []int, cell func(i int, s int) []Term) {
		for i, r := range t.Rows {
			var row []Term
			for j, s := range cols {
				f := cell(i, s)
				row = append(row, f...)
				publish(name+"/"+r+"/"+t.Columns[j], f, t.Cells[i][j])
			}
			publish(name+"/"+r+"/total", row, t.RowTotals[i])
		}
		for j, s := range cols {
			publish(name+"/total/"+t.Columns[j], sum(s, -1, every), t.ColumnTotals[j])
		}
		publish(name+"/total/total", sum(-1, -1, every), t.Total)
	}

	// STATUS: statuses × one column of cases.
	st := p.Status
	if len(st.Columns) != 1 {
		return nil, fmt.Errorf("intruder: the status table has %d columns", len(st.Columns))
	}
	for i, r := range st.Rows {
		publish("STATUS/"+r, sum(i, -1, every), st.Cells[i][0])
		publish("STATUS/"+r+"/total", sum(i, -1, every), st.RowTotals[i])
	}
	publish("STATUS/total", sum(-1, -1, every), st.ColumnTotals[0])
	publish("STATUS/total/total", sum(-1, -1, every), st.Total)

	cols, err := col(p.Organisation, "organisation")
	if err != nil {
		return nil, err
	}
	publishTable("ORGANISATION", p.Organisation, cols, func(o, s int) []Term { return sum(s, o, every) })

	cols, err = col(p.Department, "department")
	if err != nil {
		return nil, err
	}
	deptAt := map[string]int{}
	for i, d := range a.depts {
		deptAt[d] = i
	}
	hasNone := false
	publishTable("DEPARTMENT", p.Department, cols, func(i, s int) []Term {
		k := p.Department.Rows[i]
		if k == p.NoneKey {
			hasNone = true
			return sum(s, -1, func(m uint) bool { return m == 0 })
		}
		bit := uint(1) << deptAt[k]
		return sum(s, -1, func(m uint) bool { return m&bit != 0 })
	})
	if !hasNone {
		// No row of cases without a department: there are none.
		a.sys.Equal(sum(-1, -1, func(m uint) bool { return m == 0 }), 0)
	}

	// Secrets: the department memberships beyond one per case, per status and in all.
	overlap := func(s int) []Term {
		var f []Term
		for _, t := range sum(s, -1, func(m uint) bool { return bits.OnesCount(m) > 1 }) {
			f = append(f, Term{Var: t.Var, Coef: int64(bits.OnesCount(uint(t.Var)&(uint(1)<<D-1)) - 1)})
		}
		return f
	}
	for i, s := range a.statuses {
		a.secrets = append(a.secrets, Finding{Figure: "overlap/" + s, form: overlap(i)})
	}
	a.secrets = append(a.secrets, Finding{Figure: "overlap/total", form: overlap(-1)})
	return a, nil
}

// Solve works out the range of every hidden figure and secret.
func (a *CaseLoadAttack) Solve() ([]Finding, error) {
	var out []Finding
	for _, list := range [][]Finding{a.figures, a.secrets} {
		for _, f := range list {
			r, err := a.sys.Range(f.form)
			if err != nil {
				return nil, fmt.Errorf("intruder: %s: %w", f.Figure, err)
			}
			f.Range = r
			out = append(out, f)
		}
	}
	return out, nil
}

// Case is one case as the finest cross-classification sees it.
type Case struct {
	Status, Organisation string
	Departments          []string
}

// Truth returns the true value of each finding's figure for the cases, after checking
// that the cases satisfy everything the intruder was told (else the model is wrong).
func (a *CaseLoadAttack) Truth(cases []Case, findings []Finding) ([]int64, error) {
	x := make([]int64, a.sys.Vars())
	idx := func(list []string, k string) int {
		for i, v := range list {
			if v == k {
				return i
			}
		}
		return -1
	}
	for _, c := range cases {
		s, o := idx(a.statuses, c.Status), idx(a.orgs, c.Organisation)
		if s < 0 || o < 0 {
			return nil, fmt.Errorf("intruder: case %v outside the tables", c)
		}
		var m uint
		for _, d := range c.Departments {
			i := idx(a.depts, d)
			if i < 0 {
				return nil, fmt.Errorf("intruder: department %s outside the tables", d)
			}
			m |= 1 << i
		}
		x[a.cell(s, o, m)]++
	}
	if err := a.sys.Check(x); err != nil {
		return nil, err
	}
	out := make([]int64, len(findings))
	for i, f := range findings {
		out[i] = eval(f.form, x)
	}
	return out, nil
}

// AttackTable writes a single table with every total (cells as unknowns) and solves for
// every hidden figure. truth, when given, is checked against what is published.
func AttackTable(name string, t Table, truth [][]int64) ([]Finding, []int64, error) {
	R, C := len(t.Rows), len(t.Columns)
	sys := New(R * C)
	var hidden []Finding
	seen := map[string]bool{}
	publish := func(fig string, f []Term, v *int64) {
		if v != nil {
			sys.Equal(f, *v)
			return
		}
		sys.AtLeast(f, 1)
		if k := formKey(f); !seen[k] {
			seen[k] = true
			hidden = append(hidden, Finding{Figure: fig, form: f})
		}
	}
	var all []Term
	for i := range R {
		var row []Term
		for j := range C {
			f := []Term{{Var: i*C + j, Coef: 1}}
			row = append(row, f...)
			publish(name+"/"+t.Rows[i]+"/"+t.Columns[j], f, t.Cells[i][j])
		}
		all = append(all, row...)
		publish(name+"/"+t.Rows[i]+"/total", row, t.RowTotals[i])
	}
	for j := range C {
		var f []Term
		for i := range R {
			f = append(f, Term{Var: i*C + j, Coef: 1})
		}
		publish(name+"/total/"+t.Columns[j], f, t.ColumnTotals[j])
	}
	publish(name+"/total/total", all, t.Total)
	var values []int64
	if truth != nil {
		x := make([]int64, R*C)
		for i := range R {
			for j := range C {
				x[i*C+j] = truth[i][j]
			}
		}
		if err := sys.Check(x); err != nil {
			return nil, nil, err
		}
		for _, h := range hidden {
			values = append(values, eval(h.form, x))
		}
	}
	for i := range hidden {
		r, err := sys.Range(hidden[i].form)
		if err != nil {
			return nil, nil, fmt.Errorf("intruder: %s: %w", hidden[i].Figure, err)
		}
		hidden[i].Range = r
	}
	return hidden, values, nil
}

// Check reports the first constraint x breaks.
func (s *System) Check(x []int64) error {
	if len(x) != s.vars {
		return fmt.Errorf("intruder: %d values for %d unknowns", len(x), s.vars)
	}
	for i, v := range x {
		if v < 0 {
			return fmt.Errorf("intruder: unknown %d is negative", i)
		}
	}
	for i, r := range s.rows {
		v := eval(r.terms, x)
		if r.sense == eq && v != r.rhs || r.sense == le && v > r.rhs || r.sense == ge && v < r.rhs {
			return fmt.Errorf("intruder: the true counts break constraint %d (%d, want %v %d)", i, v, r.sense, r.rhs)
		}
	}
	return nil
}

func eval(f []Term, x []int64) int64 {
	var v int64
	for _, t := range f {
		v += t.Coef * x[t.Var]
	}
	return v
}

func formKey(f []Term) string {
	m := map[int]int64{}
	for _, t := range f {
		m[t.Var] += t.Coef
	}
	keys := make([]int, 0, len(m))
	for k, v := range m {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Ints(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%d:%d ", k, m[k])
	}
	return b.String()
}
