package access

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// DefaultSuppressionThreshold is the smallest count shown: counts from 1 to 4 are
// suppressed.
const DefaultSuppressionThreshold = 5

// Table is a table of counts as a dashboard shows it: rows × columns of cells, and the
// totals it shows beside them (row totals, column totals, grand total), which are the
// sums of the cells. Counts must add up to what the totals describe: put unknown values
// in a row or column of their own rather than leaving them out.
type Table struct {
	Counts       [][]int64
	RowTotals    bool
	ColumnTotals bool
	GrandTotal   bool
}

// Count is one figure after suppression. A suppressed count carries no value.
type Count struct {
	Value      int64
	Suppressed bool
}

// SuppressedTable is a Table after suppression. Totals not shown are nil.
type SuppressedTable struct {
	Cells        [][]Count
	RowTotals    []Count
	ColumnTotals []Count
	GrandTotal   *Count
}

// Suppress hides every count from 1 to threshold-1 (primary suppression), then hides
// further counts (complementary suppression) until
//   - no hidden count can be worked out exactly from the shown counts and the
//     row, column and grand totals, by any combination of sums and differences; and
//   - in every row and column whose total is shown, the hidden counts together are 0
//     or at least threshold, so the hidden group is not itself a small cell.
//
// Complements are the smallest non-zero shown counts of the row or column at fault,
// else its total. Zeros are shown: an empty cell identifies no one. threshold 1 hides
// nothing. Suppress is a pure function.
func Suppress(t Table, threshold int) (SuppressedTable, error) {
	if threshold < 1 {
		return SuppressedTable{}, fmt.Errorf("access: suppress: threshold must be at least 1, got %d", threshold)
	}
	rows := len(t.Counts)
	cols := 0
	if rows > 0 {
		cols = len(t.Counts[0])
	}
	for i, r := range t.Counts {
		if len(r) != cols {
			return SuppressedTable{}, fmt.Errorf("access: suppress: row %d has %d counts, row 0 has %d", i, len(r), cols)
		}
		for j, v := range r {
			if v < 0 {
				return SuppressedTable{}, fmt.Errorf("access: suppress: count [%d][%d] is negative (%d)", i, j, v)
			}
		}
	}
	g := newSuppressionGrid(t, rows, cols)
	th := int64(threshold)
	for k, v := range g.values {
		if v > 0 && v < th {
			g.hidden[k] = true
		}
	}
	for range len(g.values) + 1 {
		if !g.fixOnce(th) {
			break
		}
	}
	return g.result(t, rows, cols), nil
}

// suppressionGrid numbers every shown figure (cells, then row totals, column totals,
// grand total) as a term, and lists the sums tying them as equations.
type suppressionGrid struct {
	values []int64
	hidden []bool
	// equations: each is members (summing to) total, as term indexes.
	equations []equation
}

type equation struct {
	members []int
	total   int
}

func newSuppressionGrid(t Table, rows, cols int) *suppressionGrid {
	g := &suppressionGrid{}
	cell := func(i, j int) int { return i*cols + j }
	for _, r := range t.Counts {
		g.values = append(g.values, r...)
	}
	if t.RowTotals {
		for i := range rows {
			var sum int64
			members := make([]int, cols)
			for j := range cols {
				sum += t.Counts[i][j]
				members[j] = cell(i, j)
			}
			g.values = append(g.values, sum)
			g.equations = append(g.equations, equation{members: members, total: len(g.values) - 1})
		}
	}
	if t.ColumnTotals {
		for j := range cols {
			var sum int64
			members := make([]int, rows)
			for i := range rows {
				sum += t.Counts[i][j]
				members[i] = cell(i, j)
			}
			g.values = append(g.values, sum)
			g.equations = append(g.equations, equation{members: members, total: len(g.values) - 1})
		}
	}
	if t.GrandTotal {
		var sum int64
		members := make([]int, 0, rows*cols)
		for i := range rows {
			for j := range cols {
				sum += t.Counts[i][j]
				members = append(members, cell(i, j))
			}
		}
		g.values = append(g.values, sum)
		g.equations = append(g.equations, equation{members: members, total: len(g.values) - 1})
	}
	g.hidden = make([]bool, len(g.values))
	return g
}

// fixOnce hides one more figure if some rule is broken, and reports whether it did.
func (g *suppressionGrid) fixOnce(th int64) bool {
	// A hidden group that is itself a small count.
	for _, e := range g.equations {
		if g.hidden[e.total] {
			continue
		}
		var mass int64
		n := 0
		for _, m := range e.members {
			if g.hidden[m] {
				mass += g.values[m]
				n++
			}
		}
		if n > 0 && mass > 0 && mass < th {
			if g.hideComplement(e, -1) {
				return true
			}
		}
	}
	// A hidden figure that the shown ones determine.
	for _, x := range g.determined() {
		eqs := g.equationsWith(x)
		for _, e := range eqs {
			if g.hideComplement(e, x) {
				return true
			}
		}
		// Every equation of x is hidden through and through, yet x is determined by a
		// combination: hide the smallest shown figure anywhere.
		if g.hideSmallest() {
			return true
		}
	}
	return false
}

// hideComplement hides the smallest non-zero shown member of e other than not, else
// its total. It reports whether it hid anything.
func (g *suppressionGrid) hideComplement(e equation, not int) bool {
	best := -1
	for _, m := range e.members {
		if m == not || g.hidden[m] || g.values[m] == 0 {
			continue
		}
		if best < 0 || g.values[m] < g.values[best] {
			best = m
		}
	}
	if best >= 0 {
		g.hidden[best] = true
		return true
	}
	if !g.hidden[e.total] && e.total != not {
		g.hidden[e.total] = true
		return true
	}
	return false
}

func (g *suppressionGrid) hideSmallest() bool {
	best := -1
	for k, v := range g.values {
		if g.hidden[k] {
			continue
		}
		if best < 0 || v < g.values[best] {
			best = k
		}
	}
	if best < 0 {
		return false
	}
	g.hidden[best] = true
	return true
}

// equationsWith lists the equations term x appears in, those with the fewest hidden
// terms first (the likeliest way x is worked out).
func (g *suppressionGrid) equationsWith(x int) []equation {
	var out []equation
	for _, e := range g.equations {
		if e.total == x {
			out = append(out, e)
			continue
		}
		for _, m := range e.members {
			if m == x {
				out = append(out, e)
				break
			}
		}
	}
	hiddenIn := func(e equation) int {
		n := 0
		if g.hidden[e.total] {
			n++
		}
		for _, m := range e.members {
			if g.hidden[m] {
				n++
			}
		}
		return n
	}
	sort.SliceStable(out, func(a, b int) bool { return hiddenIn(out[a]) < hiddenIn(out[b]) })
	return out
}

// determined returns the hidden terms that a linear combination of the equations pins
// down exactly, given the shown terms: those whose unit vector lies in the row space of
// the equations restricted to hidden terms, i.e. pivot columns whose reduced row has no
// other non-zero entry.
func (g *suppressionGrid) determined() []int {
	var unknown []int
	col := map[int]int{}
	for k, h := range g.hidden {
		if h {
			col[k] = len(unknown)
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	var m [][]float64
	for _, e := range g.equations {
		row := make([]float64, len(unknown))
		any := false
		for _, x := range e.members {
			if c, ok := col[x]; ok {
				row[c] += 1
				any = true
			}
		}
		if c, ok := col[e.total]; ok {
			row[c] -= 1
			any = true
		}
		if any {
			m = append(m, row)
		}
	}
	const eps = 1e-9
	pivotRow := map[int]int{}
	r := 0
	for c := 0; c < len(unknown) && r < len(m); c++ {
		p := -1
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > eps && (p < 0 || math.Abs(m[i][c]) > math.Abs(m[p][c])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		pv := m[r][c]
		for k := range m[r] {
			m[r][k] /= pv
		}
		for i := range m {
			if i != r && math.Abs(m[i][c]) > eps {
				f := m[i][c]
				for k := range m[i] {
					m[i][k] -= f * m[r][k]
				}
			}
		}
		pivotRow[c] = r
		r++
	}
	var out []int
	for c, k := range unknown {
		pr, ok := pivotRow[c]
		if !ok {
			continue
		}
		alone := true
		for k2, v := range m[pr] {
			if k2 != c && math.Abs(v) > eps {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, k)
		}
	}
	return out
}

func (g *suppressionGrid) result(t Table, rows, cols int) SuppressedTable {
	at := func(k int) Count {
		if g.hidden[k] {
			return Count{Suppressed: true}
		}
		return Count{Value: g.values[k]}
	}
	out := SuppressedTable{Cells: make([][]Count, rows)}
	for i := range rows {
		out.Cells[i] = make([]Count, cols)
		for j := range cols {
			out.Cells[i][j] = at(i*cols + j)
		}
	}
	k := rows * cols
	if t.RowTotals {
		out.RowTotals = make([]Count, rows)
		for i := range rows {
			out.RowTotals[i] = at(k)
			k++
		}
	}
	if t.ColumnTotals {
		out.ColumnTotals = make([]Count, cols)
		for j := range cols {
			out.ColumnTotals[j] = at(k)
			k++
		}
	}
	if t.GrandTotal {
		c := at(k)
		out.GrandTotal = &c
	}
	return out
}

// SuppressCounts suppresses a single breakdown (one row of counts) shown with or
// without its total; see Suppress.
func SuppressCounts(counts []int64, withTotal bool, threshold int) ([]Count, *Count, error) {
	if len(counts) == 0 {
		return nil, nil, errors.New("access: suppress: no counts")
	}
	st, err := Suppress(Table{Counts: [][]int64{counts}, RowTotals: withTotal}, threshold)
	if err != nil {
		return nil, nil, err
	}
	if withTotal {
		return st.Cells[0], &st.RowTotals[0], nil
	}
	return st.Cells[0], nil, nil
}
