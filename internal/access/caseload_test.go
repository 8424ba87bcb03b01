package access_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/intruder"
)

var testStatuses = []string{"OPEN", "SUSPENDED", "CLOSED"}

// population is a set of cases and the CaseLoad counting them; rows are the
// organisations and departments with at least one case, as the hub lists them.
type population struct {
	cases []intruder.Case
	orgs  []string
	depts []string
	load  access.CaseLoad
}

func countPopulation(cases []intruder.Case) population {
	p := population{cases: cases}
	orgAt, deptAt := map[string]int{}, map[string]int{}
	for _, c := range cases {
		if _, ok := orgAt[c.Organisation]; !ok {
			orgAt[c.Organisation] = len(p.orgs)
			p.orgs = append(p.orgs, c.Organisation)
		}
		for _, d := range c.Departments {
			if _, ok := deptAt[d]; !ok {
				deptAt[d] = len(p.depts)
				p.depts = append(p.depts, d)
			}
		}
	}
	statusAt := map[string]int{}
	for i, s := range testStatuses {
		statusAt[s] = i
	}
	p.load = access.CaseLoad{Statuses: len(testStatuses), NoDepartment: make([]int64, len(testStatuses))}
	for range p.orgs {
		p.load.ByOrganisation = append(p.load.ByOrganisation, make([]int64, len(testStatuses)))
	}
	for range p.depts {
		p.load.ByDepartment = append(p.load.ByDepartment, make([]int64, len(testStatuses)))
	}
	for _, c := range cases {
		s := statusAt[c.Status]
		p.load.ByOrganisation[orgAt[c.Organisation]][s]++
		if len(c.Departments) == 0 {
			p.load.NoDepartment[s]++
		}
		for _, d := range c.Departments {
			p.load.ByDepartment[deptAt[d]][s]++
		}
	}
	return p
}

func published(cs []access.Count) []*int64 {
	out := make([]*int64, len(cs))
	for i, c := range cs {
		if !c.Suppressed {
			v := c.Value
			out[i] = &v
		}
	}
	return out
}

func publishedTable(rows, cols []string, st access.SuppressedTable) intruder.Table {
	t := intruder.Table{Rows: rows, Columns: cols, RowTotals: published(st.RowTotals), ColumnTotals: published(st.ColumnTotals)}
	for _, r := range st.Cells {
		t.Cells = append(t.Cells, published(r))
	}
	t.Total = published([]access.Count{*st.GrandTotal})[0]
	return t
}

// publish lays the suppressed case load out as the API does: the department table's row
// of cases without a department only when it has some.
func (p population) publish(st access.SuppressedCaseLoad) intruder.CaseLoad {
	out := intruder.CaseLoad{NoneKey: "NONE",
		Status:       publishedTable(testStatuses, []string{"CASES"}, st.Status),
		Organisation: publishedTable(p.orgs, testStatuses, st.Organisation)}
	d := publishedTable(append(append([]string{}, p.depts...), "NONE"), testStatuses, st.Department)
	if last := len(d.Rows) - 1; d.RowTotals[last] != nil && *d.RowTotals[last] == 0 {
		d.Rows, d.Cells, d.RowTotals = d.Rows[:last], d.Cells[:last], d.RowTotals[:last]
	}
	out.Department = d
	return out
}

// requireSafe attacks a publication with every figure of its three tables and requires
// that no hidden count from 1 to threshold-1 is recovered, nor bounded below threshold.
func requireSafe(t *testing.T, name string, p population, st access.SuppressedCaseLoad, threshold int64) {
	t.Helper()
	a, err := intruder.AttackCaseLoad(p.publish(st))
	require.NoError(t, err, name)
	findings, err := a.Solve()
	require.NoError(t, err, name)
	truth, err := a.Truth(p.cases, findings)
	require.NoError(t, err, name)
	for i, f := range findings {
		if v := truth[i]; v > 0 && v < threshold {
			require.False(t, f.Range.Determined(), "%s: %s = %d is recovered", name, f.Figure, v)
			require.True(t, f.Range.Unbounded || f.Range.Max >= threshold,
				"%s: %s = %d ranges over %v, below %d", name, f.Figure, v, f.Range, threshold)
		}
	}
}

// Random populations crafted to be hard: few cases, a small organisation, cases shared
// by departments. The intruder holds all three tables and solves for the finest cells.
func TestCaseLoadSuppressionHoldsForTheLinkedTables(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 17))
	depts := []string{"A/CARE", "A/HOUSING", "B/WORK"}
	for n := range 60 {
		var cases []intruder.Case
		for range 3 + r.IntN(22) {
			c := intruder.Case{Status: testStatuses[min(r.IntN(5), 2)], Organisation: []string{"A", "A", "A", "B"}[r.IntN(4)]}
			for _, d := range depts {
				if r.IntN(3) == 0 {
					c.Departments = append(c.Departments, d)
				}
			}
			cases = append(cases, c)
		}
		p := countPopulation(cases)
		st, err := access.SuppressCaseLoad(p.load, access.DefaultSuppressionThreshold)
		require.NoError(t, err)
		requireConsistent(t, st)
		requireSafe(t, fmt.Sprintf("population %d", n), p, st, access.DefaultSuppressionThreshold)
	}
}

// The attack has teeth: the status and organisation tables suppressed each on its own,
// however well, let the intruder holding both recover counts or bound them below the
// threshold in some populations of the kind above.
func TestTablesSuppressedApartLeak(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 17))
	depts := []string{"A/CARE", "A/HOUSING", "B/WORK"}
	leaks, recovered := 0, 0
	for range 60 {
		var cases []intruder.Case
		for range 3 + r.IntN(22) {
			c := intruder.Case{Status: testStatuses[min(r.IntN(5), 2)], Organisation: []string{"A", "A", "A", "B"}[r.IntN(4)]}
			for _, d := range depts {
				if r.IntN(3) == 0 {
					c.Departments = append(c.Departments, d)
				}
			}
			cases = append(cases, c)
		}
		p := countPopulation(cases)
		st, err := access.SuppressCaseLoad(p.load, 5)
		require.NoError(t, err)
		all := access.Table{RowTotals: true, ColumnTotals: true, GrandTotal: true}
		byStatus := all
		for s := range testStatuses {
			var n int64
			for _, o := range p.load.ByOrganisation {
				n += o[s]
			}
			byStatus.Counts = append(byStatus.Counts, []int64{n})
		}
		byOrg := all
		byOrg.Counts = p.load.ByOrganisation
		if st.Status, err = access.Suppress(byStatus, 5); err != nil {
			t.Fatal(err)
		}
		if st.Organisation, err = access.Suppress(byOrg, 5); err != nil {
			t.Fatal(err)
		}
		a, err := intruder.AttackCaseLoad(p.publish(st))
		require.NoError(t, err)
		findings, err := a.Solve()
		require.NoError(t, err)
		truth, err := a.Truth(p.cases, findings)
		require.NoError(t, err)
		leaked, exact := false, false
		for i, f := range findings {
			if v := truth[i]; v > 0 && v < 5 && !f.Range.Unbounded && f.Range.Max < 5 {
				leaked = true
				exact = exact || f.Range.Determined()
			}
		}
		if leaked {
			leaks++
		}
		if exact {
			recovered++
		}
	}
	t.Logf("of 60 populations suppressed table by table, %d leak, %d of them a count exactly", leaks, recovered)
	require.Positive(t, recovered)
}

// The figures the tables share have one value and one suppression wherever they appear.
func requireConsistent(t *testing.T, st access.SuppressedCaseLoad) {
	t.Helper()
	for s := range testStatuses {
		require.Equal(t, st.Status.Cells[s][0], st.Status.RowTotals[s])
		require.Equal(t, st.Status.Cells[s][0], st.Organisation.ColumnTotals[s])
		require.Equal(t, st.Status.Cells[s][0], st.Department.ColumnTotals[s])
	}
	require.Equal(t, *st.Status.GrandTotal, st.Status.ColumnTotals[0])
	require.Equal(t, *st.Status.GrandTotal, *st.Organisation.GrandTotal)
	require.Equal(t, *st.Status.GrandTotal, *st.Department.GrandTotal)
}

// One case shared by two departments among many: the department rows and the totals
// would give the overlap away, so something in its column is hidden.
func TestCaseLoadHidesASmallOverlap(t *testing.T) {
	t.Parallel()
	var cases []intruder.Case
	for i := range 20 {
		c := intruder.Case{Status: "OPEN", Organisation: "A", Departments: []string{"CARE"}}
		if i < 8 {
			c.Departments = []string{"HOUSING"}
		}
		if i == 0 {
			c.Departments = []string{"CARE", "HOUSING"}
		}
		cases = append(cases, c)
	}
	p := countPopulation(cases)
	st, err := access.SuppressCaseLoad(p.load, 5)
	require.NoError(t, err)
	hidden := 0
	for _, r := range st.Department.Cells {
		if r[0].Suppressed {
			hidden++
		}
	}
	require.Positive(t, hidden+boolInt(st.Department.ColumnTotals[0].Suppressed), "CARE 13 + HOUSING 8 − 20 cases = 1 shared case")
	requireSafe(t, "overlap", p, st, 5)
}

// The same counts always get the same suppression.
func TestCaseLoadSuppressionIsDeterministic(t *testing.T) {
	t.Parallel()
	load := access.CaseLoad{Statuses: 3, ByOrganisation: [][]int64{{9, 1, 2}, {3, 0, 7}}, ByDepartment: [][]int64{{8, 1, 2}, {4, 0, 3}},
		NoDepartment: []int64{1, 0, 4}}
	first, err := access.SuppressCaseLoad(load, 5)
	require.NoError(t, err)
	for range 5 {
		again, err := access.SuppressCaseLoad(load, 5)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
