package access

import (
	"fmt"

	"github.com/ponte-hub/ponte/internal/access/disclosure"
)

// CaseLoad is one population of cases counted the three ways dashboards group it
// (caseLoad(groupBy: STATUS | ORGANISATION | DEPARTMENT)), to be suppressed together:
// the three tables share their status margins and are sums over the same cases, so a
// count hidden in one could otherwise be worked out from another.
type CaseLoad struct {
	// Statuses is the number of case statuses, the columns of every table.
	Statuses int
	// ByOrganisation counts cases per leading organisation and status; every case once.
	ByOrganisation [][]int64
	// ByDepartment counts, per department and status, the cases the department is
	// involved in: a case involving two departments is in both rows.
	ByDepartment [][]int64
	// NoDepartment counts, per status, the cases involving no department.
	NoDepartment []int64
}

// SuppressedCaseLoad is a CaseLoad after suppression, as three tables with every total.
type SuppressedCaseLoad struct {
	// Status has one row per status and one column: the number of cases.
	Status SuppressedTable
	// Organisation has one row per organisation, one column per status.
	Organisation SuppressedTable
	// Department has one row per department, then the cases with none; one column per
	// status. Row totals count a department's cases; column totals and the grand total
	// count cases, each once, like the other tables' (they are the same figures), so they
	// are not the sums of the rows when cases involve several departments.
	Department SuppressedTable
}

// SuppressCaseLoad suppresses the three case-load tables as one set of linked tables
// (disclosure.SuppressLinked), whichever of them is asked for: the answer to each is its
// part of one publication, the same every time for the same cases.
//
// The unknowns are, per status, the cases of each leading organisation, the cases of each
// department and the cases with no department. They are all the finest cross-
// classification (status × leading organisation × set of departments) can be told by:
// the tables count the organisations and the departments of a status apart, and any
// counts for the two that agree on the number of cases of the status come from some
// population. For the departments, a population exists exactly when, per status, no
// department has more cases than the status has cases with a department, and the
// departments together have at least as many (each such case is in one or more): those
// are the Bounds. The multi-department overlap — per status and in all, by how many the
// department memberships exceed the cases with a department, which the department rows
// beside the case totals would otherwise give away — is a Secret: when it is from 1 to
// threshold-1 (a case or two shared by departments, told apart by status) it cannot be
// worked out.
//
// Any department may take part in any case, whichever organisation leads it (partner
// organisations' departments do): the model assumes no link between the two.
func SuppressCaseLoad(c CaseLoad, threshold int) (SuppressedCaseLoad, error) {
	s := c.Statuses
	orgs, depts := len(c.ByOrganisation), len(c.ByDepartment)
	if len(c.NoDepartment) != s {
		return SuppressedCaseLoad{}, fmt.Errorf("access: suppress case load: %d counts without department for %d statuses", len(c.NoDepartment), s)
	}
	for i, r := range append(append([][]int64{}, c.ByOrganisation...), c.ByDepartment...) {
		if len(r) != s {
			return SuppressedCaseLoad{}, fmt.Errorf("access: suppress case load: row %d has %d counts for %d statuses", i, len(r), s)
		}
	}
	// Unknowns: organisations × statuses, then departments × statuses, then none × statuses.
	org := func(o, st int) int { return o*s + st }
	dep := func(d, st int) int { return orgs*s + d*s + st }
	none := func(st int) int { return orgs*s + depts*s + st }
	var l disclosure.Linked
	for _, r := range c.ByOrganisation {
		l.Cells = append(l.Cells, r...)
	}
	for _, r := range c.ByDepartment {
		l.Cells = append(l.Cells, r...)
	}
	l.Cells = append(l.Cells, c.NoDepartment...)
	one := func(cell int) []disclosure.Term { return []disclosure.Term{{Cell: cell, Coef: 1}} }
	// cases of a status: the sum over the organisations.
	cases := func(st int) []disclosure.Term {
		var f []disclosure.Term
		for o := range orgs {
			f = append(f, disclosure.Term{Cell: org(o, st), Coef: 1})
		}
		return f
	}
	var all []disclosure.Term
	for st := range s {
		all = append(all, cases(st)...)
	}

	var lay [3]tableLayout
	// STATUS: statuses × one column of cases; each row total is its cell.
	lay[0] = addTable(&l, Table{RowTotals: true, ColumnTotals: true, GrandTotal: true}, s, 1, func(st, _ int) []disclosure.Term { return cases(st) })
	// ORGANISATION: the cells are unknowns; its column totals are the cases per status.
	lay[1] = addTable(&l, Table{RowTotals: true, ColumnTotals: true, GrandTotal: true}, orgs, s, func(o, st int) []disclosure.Term { return one(org(o, st)) })
	// DEPARTMENT: departments, then none; row totals are sums of the row (a case has one
	// status), column totals and grand total the cases, as in the other tables.
	lay[2] = addTable(&l, Table{RowTotals: true}, depts+1, s, func(d, st int) []disclosure.Term {
		if d == depts {
			return one(none(st))
		}
		return one(dep(d, st))
	})
	for st := range s {
		lay[2].columnTotals = append(lay[2].columnTotals, figure(&l, cases(st)))
	}
	lay[2].grandTotal = figure(&l, all)

	var overall []disclosure.Term
	for st := range s {
		// overlap(st) = Σ departments + none − cases ≥ 0, and no department above
		// cases − none.
		overlap := []disclosure.Term{{Cell: none(st), Coef: 1}}
		for d := range depts {
			overlap = append(overlap, disclosure.Term{Cell: dep(d, st), Coef: 1})
		}
		for _, t := range cases(st) {
			overlap = append(overlap, disclosure.Term{Cell: t.Cell, Coef: -1})
		}
		l.Secrets = append(l.Secrets, overlap)
		overall = append(overall, overlap...)
		l.Bounds = append(l.Bounds, negate(overlap))
		for d := range depts {
			b := []disclosure.Term{{Cell: dep(d, st), Coef: 1}, {Cell: none(st), Coef: 1}}
			for _, t := range cases(st) {
				b = append(b, disclosure.Term{Cell: t.Cell, Coef: -1})
			}
			l.Bounds = append(l.Bounds, b)
		}
	}
	l.Secrets = append(l.Secrets, overall)

	hidden, err := disclosure.SuppressLinked(l, threshold)
	if err != nil {
		return SuppressedCaseLoad{}, fmt.Errorf("access: suppress case load: %w", err)
	}
	return SuppressedCaseLoad{Status: lay[0].result(l, hidden), Organisation: lay[1].result(l, hidden),
		Department: lay[2].result(l, hidden)}, nil
}

func negate(f []disclosure.Term) []disclosure.Term {
	out := make([]disclosure.Term, len(f))
	for i, t := range f {
		out[i] = disclosure.Term{Cell: t.Cell, Coef: -t.Coef}
	}
	return out
}
