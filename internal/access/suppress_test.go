package access_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/intruder"
)

func values(cs []access.Count) []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		if c.Suppressed {
			out[i] = "x"
		} else {
			out[i] = c.Value
		}
	}
	return out
}

func TestSuppressCounts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		counts    []int64
		withTotal bool
		cells     []any
		total     any
	}{
		{"nothing small", []int64{10, 20, 0}, true, []any{int64(10), int64(20), int64(0)}, int64(30)},
		{"one small cell needs a complement", []int64{3, 20, 12}, true, []any{"x", int64(20), "x"}, int64(35)},
		{"two small cells adding to less than 5 need a third", []int64{1, 2, 30, 40}, true, []any{"x", "x", "x", int64(40)}, int64(73)},
		{"two small cells adding to 5 or more are enough", []int64{2, 4, 30}, true, []any{"x", "x", int64(30)}, int64(36)},
		{"no total, no complement", []int64{3, 20, 12}, false, []any{"x", int64(20), int64(12)}, nil},
		{"only zeros besides: the total goes", []int64{3, 0, 0}, true, []any{"x", int64(0), int64(0)}, "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cells, total, err := access.SuppressCounts(c.counts, c.withTotal, access.DefaultSuppressionThreshold)
			require.NoError(t, err)
			require.Equal(t, c.cells, values(cells))
			if c.total == nil {
				require.Nil(t, total)
			} else {
				require.Equal(t, c.total, values([]access.Count{*total})[0])
			}
		})
	}
	_, _, err := access.SuppressCounts(nil, true, 5)
	require.Error(t, err)
}

func TestSuppressTableRejectsBadInput(t *testing.T) {
	t.Parallel()
	_, err := access.Suppress(access.Table{Counts: [][]int64{{1, 2}, {3}}}, 5)
	require.ErrorContains(t, err, "row 1")
	_, err = access.Suppress(access.Table{Counts: [][]int64{{1, -2}}}, 5)
	require.ErrorContains(t, err, "negative")
	_, err = access.Suppress(access.Table{Counts: [][]int64{{1}}}, 0)
	require.ErrorContains(t, err, "threshold")
}

// attack plays the adversary with the published table: it knows every shown figure and
// that cells are non-negative whole numbers. It enumerates every filling of the hidden
// cells consistent with the shown figures and reports the small hidden cells whose value
// is the same in every filling (recovered): an independent check of Suppress, using
// bounds as well as sums.
func attack(t *testing.T, counts [][]int64, st access.SuppressedTable, threshold int64) []string {
	t.Helper()
	rows, cols := len(counts), len(counts[0])
	const unbounded = 12 // above every cell the test draws
	fill := make([][]int64, rows)
	ub := make([][]int64, rows)
	for i := range rows {
		fill[i] = make([]int64, cols)
		ub[i] = make([]int64, cols)
		for j := range cols {
			fill[i][j] = st.Cells[i][j].Value
			ub[i][j] = unbounded
			if !st.RowTotals[i].Suppressed {
				ub[i][j] = min(ub[i][j], st.RowTotals[i].Value)
			}
			if !st.ColumnTotals[j].Suppressed {
				ub[i][j] = min(ub[i][j], st.ColumnTotals[j].Value)
			}
			if !st.GrandTotal.Suppressed {
				ub[i][j] = min(ub[i][j], st.GrandTotal.Value)
			}
		}
	}
	seen := map[[2]int]map[int64]bool{}
	var walk func(k int)
	walk = func(k int) {
		if k > 0 && k%cols == 0 {
			i := k/cols - 1
			var s int64
			for j := range cols {
				s += fill[i][j]
			}
			if !st.RowTotals[i].Suppressed && s != st.RowTotals[i].Value {
				return
			}
		}
		if k == rows*cols {
			var g int64
			for j := range cols {
				var s int64
				for i := range rows {
					s += fill[i][j]
				}
				g += s
				if !st.ColumnTotals[j].Suppressed && s != st.ColumnTotals[j].Value {
					return
				}
			}
			if !st.GrandTotal.Suppressed && g != st.GrandTotal.Value {
				return
			}
			for i := range rows {
				for j := range cols {
					if st.Cells[i][j].Suppressed {
						key := [2]int{i, j}
						if seen[key] == nil {
							seen[key] = map[int64]bool{}
						}
						seen[key][fill[i][j]] = true
					}
				}
			}
			return
		}
		i, j := k/cols, k%cols
		if !st.Cells[i][j].Suppressed {
			walk(k + 1)
			return
		}
		for v := int64(0); v <= ub[i][j]; v++ {
			fill[i][j] = v
			walk(k + 1)
		}
	}
	walk(0)
	var recovered []string
	for key, vals := range seen {
		if v := counts[key[0]][key[1]]; v > 0 && v < threshold && len(vals) == 1 {
			recovered = append(recovered, string(rune('A'+key[0]))+string(rune('0'+key[1])))
		}
	}
	return recovered
}

// Random small tables, shown with every total: no small cell can be worked out.
func TestSuppressionHoldsAgainstAnAdversary(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	for n := range 150 {
		rows, cols := 2, 2+r.IntN(2)
		if n%3 != 0 {
			cols = 2
		}
		counts := make([][]int64, rows)
		for i := range counts {
			counts[i] = make([]int64, cols)
			for j := range counts[i] {
				switch r.IntN(3) {
				case 0:
					counts[i][j] = int64(r.IntN(5)) // small or zero
				default:
					counts[i][j] = int64(5 + r.IntN(3))
				}
			}
		}
		st, err := access.Suppress(access.Table{Counts: counts, RowTotals: true, ColumnTotals: true, GrandTotal: true}, 5)
		require.NoError(t, err)
		for i := range counts {
			for j := range counts[i] {
				if v := counts[i][j]; v > 0 && v < 5 {
					require.True(t, st.Cells[i][j].Suppressed, "table %d: small cell [%d][%d] shown", n, i, j)
				}
				if !st.Cells[i][j].Suppressed {
					require.Equal(t, counts[i][j], st.Cells[i][j].Value)
				}
			}
		}
		require.Empty(t, attack(t, counts, st, 5), "table %d %v recoverable", n, counts)
	}
}

// A suppressed count carries no value, so it cannot leak through serialisation.
func TestSuppressedCountsCarryNoValue(t *testing.T) {
	t.Parallel()
	st, err := access.Suppress(access.Table{Counts: [][]int64{{3, 9}, {7, 8}}, RowTotals: true, ColumnTotals: true, GrandTotal: true}, 5)
	require.NoError(t, err)
	for _, r := range st.Cells {
		for _, c := range r {
			if c.Suppressed {
				require.Zero(t, c.Value)
			}
		}
	}
	require.NotNil(t, st.GrandTotal)
}

func FuzzSuppress(f *testing.F) {
	f.Add([]byte{3, 20, 12, 1, 0, 9}, uint8(2), uint8(5))
	f.Add([]byte{1, 1, 1, 1}, uint8(2), uint8(5))
	f.Add([]byte{0, 0, 4}, uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, colsB, thB uint8) {
		cols := int(colsB%4) + 1
		if len(raw) < cols || len(raw) > 24 {
			return
		}
		rows := len(raw) / cols
		counts := make([][]int64, rows)
		for i := range rows {
			counts[i] = make([]int64, cols)
			for j := range cols {
				counts[i][j] = int64(raw[i*cols+j] % 40)
			}
		}
		th := int(thB%10) + 1
		st, err := access.Suppress(access.Table{Counts: counts, RowTotals: true, ColumnTotals: true, GrandTotal: true}, th)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			for j := range cols {
				if v := counts[i][j]; v > 0 && v < int64(th) && !st.Cells[i][j].Suppressed {
					t.Fatalf("small cell %d shown", v)
				}
			}
		}
	})
}

// Random tables of up to 4 × 5 with every total, attacked exactly by the intruder, who
// also knows that a suppressed count is not zero: no small count is recovered, nor bounded
// below the threshold.
func TestSuppressionHoldsAgainstTheIntruder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(23, 29))
	for n := range 80 {
		rows, cols := 1+r.IntN(4), 1+r.IntN(5)
		counts := make([][]int64, rows)
		names := func(k int, prefix string) []string {
			out := make([]string, k)
			for i := range out {
				out[i] = fmt.Sprint(prefix, i)
			}
			return out
		}
		for i := range counts {
			counts[i] = make([]int64, cols)
			for j := range counts[i] {
				switch r.IntN(3) {
				case 0:
					counts[i][j] = int64(r.IntN(5))
				default:
					counts[i][j] = int64(5 + r.IntN(20))
				}
			}
		}
		st, err := access.Suppress(access.Table{Counts: counts, RowTotals: true, ColumnTotals: true, GrandTotal: true}, 5)
		require.NoError(t, err)
		tb := publishedTable(names(rows, "r"), names(cols, "c"), st)
		findings, truth, err := intruder.AttackTable("T", tb, counts)
		require.NoError(t, err, "table %d %v", n, counts)
		for i, f := range findings {
			if v := truth[i]; v > 0 && v < 5 {
				require.True(t, f.Range.Unbounded || f.Range.Max >= 5, "table %d %v: %s = %d ranges over %v", n, counts, f.Figure, v, f.Range)
			}
		}
	}
}
