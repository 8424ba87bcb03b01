package disclosure_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/access/disclosure"
)

// The benchmarks time the protection of the access layer's tables: a table with its
// margins, and the linked case-load tables of a large territory.

func BenchmarkSuppress(b *testing.B) {
	counts := [][]int64{{3, 12, 40, 7, 1, 0}, {22, 4, 9, 15, 30, 2}, {8, 8, 2, 60, 11, 5}, {1, 19, 23, 3, 6, 9}}
	for b.Loop() {
		disclosure.ForgetSuppressions()
		if _, err := access.Suppress(access.Table{Counts: counts, RowTotals: true, ColumnTotals: true, GrandTotal: true}, 5); err != nil {
			b.Fatal(err)
		}
	}
}

// A large territory: 40 leading organisations, 25 departments, many small cells.
func BenchmarkSuppressCaseLoad(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	load := access.CaseLoad{Statuses: 3, NoDepartment: make([]int64, 3)}
	cases := make([]int64, 3)
	for range 40 {
		row := []int64{int64(r.IntN(60)), int64(r.IntN(4)), int64(r.IntN(30))}
		for s, v := range row {
			cases[s] += v
		}
		load.ByOrganisation = append(load.ByOrganisation, row)
	}
	for range 25 {
		row := make([]int64, 3)
		for s := range row {
			row[s] = int64(r.IntN(int(cases[s])/8 + 1))
		}
		load.ByDepartment = append(load.ByDepartment, row)
	}
	for s := range 3 {
		var sum int64
		for _, d := range load.ByDepartment {
			sum += d[s]
		}
		load.NoDepartment[s] = max(0, cases[s]-sum)
	}
	for b.Loop() {
		disclosure.ForgetSuppressions()
		if _, err := access.SuppressCaseLoad(load, 5); err != nil {
			b.Fatal(err)
		}
	}
}
