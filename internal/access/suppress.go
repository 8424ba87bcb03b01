package access

import (
	"errors"
	"fmt"

	"github.com/ponte-hub/ponte/internal/access/disclosure"
)

// DefaultSuppressionThreshold is the smallest count shown: counts from 1 to 4 are
// suppressed.
const DefaultSuppressionThreshold = 5

// Table is a table of counts as a dashboard shows it: rows × columns of cells, and the
// totals it shows beside them (row totals, column totals, grand total), which are the
// sums of the cells. Counts must add up to what the totals describe: put unknown values
// in a row or column of their own rather than leaving them out.
type Table struct {
	Counts [][]int64
	// Columns is the number of columns when Counts has no row (else its rows' length), so
	// that an empty table still shows its column totals, as zeros.
	Columns      int
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
// further counts (complementary suppression) until no hidden count from 1 to
// threshold-1 can be told apart from a count of threshold or more by anyone holding the
// shown counts and totals, knowing that counts are whole and non-negative and that a
// hidden count is not zero. So no small count can be worked out, nor bounded below the
// threshold — which also keeps a row's or column's hidden counts from adding up to a
// small count beside a shown total.
//
// The table is one set of linked figures (disclosure.SuppressLinked): its cells are the
// unknowns, its totals sums of them; a total equal to a cell (a table of one row or one
// column) is that cell, suppressed with it. Complements are chosen by cost, their value, so the
// smallest counts go first and totals last. Zeros are shown: an empty cell identifies no
// one. threshold 1 hides nothing. Suppress is a pure function.
func Suppress(t Table, threshold int) (SuppressedTable, error) {
	if threshold < 1 {
		return SuppressedTable{}, fmt.Errorf("access: suppress: threshold must be at least 1, got %d", threshold)
	}
	rows := len(t.Counts)
	cols := t.Columns
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
	var l disclosure.Linked
	for _, r := range t.Counts {
		l.Cells = append(l.Cells, r...)
	}
	lay := addTable(&l, t, rows, cols, func(i, j int) []disclosure.Term { return []disclosure.Term{{Cell: i*cols + j, Coef: 1}} })
	hidden, err := disclosure.SuppressLinked(l, threshold)
	if err != nil {
		return SuppressedTable{}, err
	}
	return lay.result(l, hidden), nil
}

// tableLayout is where a table's figures are in a disclosure.Linked set: the index of each
// cell and total among its Figures (-1: not shown).
type tableLayout struct {
	cells        [][]int
	rowTotals    []int
	columnTotals []int
	grandTotal   int
}

// figure appends a figure to l and returns its index.
func figure(l *disclosure.Linked, terms []disclosure.Term) int {
	l.Figures = append(l.Figures, terms)
	return len(l.Figures) - 1
}

// addTable appends a table's figures to l: its cells (cell gives each one's form) and
// the totals t shows, as the sums of the cells.
func addTable(l *disclosure.Linked, t Table, rows, cols int, cell func(i, j int) []disclosure.Term) tableLayout {
	lay := tableLayout{cells: make([][]int, rows), grandTotal: -1}
	for i := range rows {
		lay.cells[i] = make([]int, cols)
		for j := range cols {
			lay.cells[i][j] = figure(l, cell(i, j))
		}
	}
	if t.RowTotals {
		for i := range rows {
			var f []disclosure.Term
			for j := range cols {
				f = append(f, cell(i, j)...)
			}
			lay.rowTotals = append(lay.rowTotals, figure(l, f))
		}
	}
	if t.ColumnTotals {
		for j := range cols {
			var f []disclosure.Term
			for i := range rows {
				f = append(f, cell(i, j)...)
			}
			lay.columnTotals = append(lay.columnTotals, figure(l, f))
		}
	}
	if t.GrandTotal {
		var f []disclosure.Term
		for i := range rows {
			for j := range cols {
				f = append(f, cell(i, j)...)
			}
		}
		lay.grandTotal = figure(l, f)
	}
	return lay
}

// result reads the table back after disclosure.SuppressLinked.
func (lay tableLayout) result(l disclosure.Linked, hidden []bool) SuppressedTable {
	at := func(k int) Count {
		if hidden[k] {
			return Count{Suppressed: true}
		}
		var v int64
		for _, term := range l.Figures[k] {
			v += term.Coef * l.Cells[term.Cell]
		}
		return Count{Value: v}
	}
	list := func(ks []int) []Count {
		if ks == nil {
			return nil
		}
		out := make([]Count, len(ks))
		for i, k := range ks {
			out[i] = at(k)
		}
		return out
	}
	out := SuppressedTable{Cells: make([][]Count, len(lay.cells)), RowTotals: list(lay.rowTotals), ColumnTotals: list(lay.columnTotals)}
	for i, r := range lay.cells {
		out.Cells[i] = list(r)
	}
	if lay.grandTotal >= 0 {
		c := at(lay.grandTotal)
		out.GrandTotal = &c
	}
	return out
}

// SuppressCounts suppresses a single breakdown (one row of counts) shown with or
// without its total; see Suppress.
func SuppressCounts(counts []int64, withTotal bool, threshold int) ([]Count, *Count, error) {
	if len(counts) == 0 {
		return nil, nil, errNoCounts
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

var errNoCounts = errors.New("access: suppress: no counts")
