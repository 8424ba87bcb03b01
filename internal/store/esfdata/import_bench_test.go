package esfdata_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// esfImportFile is a participants file as a city sends one: n rows over 4 operations,
// persons the hub does not hold yet (registered by the import), 2% of them entering twice,
// 80% leavers, a gender or birth date left blank now and then (derived from the tax code)
// and incomplete characteristics.
func esfImportFile(n int) []esfdata.ParticipationRecord {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	ptr := func(s string) *string { return &s }
	num := func(i int) *int { return &i }
	flag := func() *string { return ptr([]string{"N", "N", "Y", "E", "N", "N"}[r.IntN(6)]) }
	persons := n - n/50
	out := make([]esfdata.ParticipationRecord, 0, n)
	for i := 0; i < n; i++ {
		p := i % persons
		birth := time.Date(1960+p%45, time.Month(1+p%12), 1+p%28, 0, 0, 0, 0, time.UTC)
		sex := "MF"[p%2]
		tc, err := codicefiscale.Generate(fmt.Sprintf("BNC%c%c", 'A'+p%26, 'A'+p/26%26), fmt.Sprintf("RSS%c%c", 'A'+p/676%26, 'A'+p/17576%26),
			birth, sex, fmt.Sprintf("H%03d", p%1000))
		if err != nil {
			panic(err)
		}
		entry := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(700)+i/persons*720)
		rec := esfdata.ParticipationRecord{
			OperationCode: fmt.Sprintf("IMP%d", p%4+1), TaxCode: tc, EntryDate: entry,
			Gender: ptr(string(sex)), BirthDate: &birth,
			EmploymentStatus: ptr([]string{"UNEMPLOYED", "INACTIVE", "EMPLOYED"}[r.IntN(3)]),
			ISCED:            num(r.IntN(9)), Disability: flag(), ThirdCountryNational: flag(), ForeignBackground: flag(),
			Minority: flag(), Homeless: flag(), Rural: flag(),
		}
		if *rec.EmploymentStatus == "UNEMPLOYED" {
			rec.UnemploymentMonths = num(r.IntN(30))
		}
		if r.IntN(5) != 0 {
			exit := entry.AddDate(0, 0, 10+r.IntN(300))
			rec.ExitDate = &exit
		}
		switch r.IntN(20) {
		case 0:
			rec.Gender = nil
		case 1:
			rec.BirthDate = nil
		case 2:
			rec.ISCED = nil
		}
		out = append(out, rec)
	}
	return out
}

// BenchmarkESFImportParticipations imports a participants file of 1,000 to 50,000 rows
// (esfImportFile) into a fresh database holding only its operations, in one transaction,
// through esfdata.UpsertParticipations and every trigger it sets off (rows=N); and the same
// file a second time, when nothing changes (rows=N/again). The time per operation is the
// timed import's, also given per row; after each size the maintained counts are checked
// against the row-by-row ones. Before migration 00560 the time grew with the square of the
// file (see the README's ESF+ section).
func BenchmarkESFImportParticipations(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1_000, 5_000, 20_000, 50_000} {
		file := esfImportFile(n)
		for _, again := range []bool{false, true} {
			name := fmt.Sprintf("rows=%d", n)
			if again {
				name += "/again"
			}
			b.Run(name, func(b *testing.B) {
				var st *store.Store
				b.StopTimer()
				for range b.N {
					p := pgtest.Pool(b)
					_, err := p.Exec(ctx, `INSERT INTO operations (code, name, programme, priority, specific_objective,
						category_of_region, funding_source, starts_on)
						SELECT 'IMP' || i, 'Import ' || i, 'PN', 'P1', 'ESO4.1', 'MORE_DEVELOPED', 'ESF+', DATE '2021-01-01'
						FROM generate_series(1, 4) i`)
					require.NoError(b, err)
					st = store.New(p)
					load := func(check bool) {
						require.NoError(b, st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
							res, problems, err := esfdata.UpsertParticipations(ctx, tx, file)
							if err == nil && len(problems) > 0 {
								err = fmt.Errorf("problems: %v", problems)
							}
							if err == nil && check && res.Unchanged != n {
								err = fmt.Errorf("again: %+v", res)
							}
							return err
						}))
					}
					if again {
						load(false)
					}
					b.StartTimer()
					load(again)
					b.StopTimer()
				}
				cutoffs := []time.Time{time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
				for _, c := range cutoffs {
					maintained, perRow := esfCountBoth(b, st, esfdata.CountQuery{Cutoff: c, Criteria: esfAllCriteria, Rules: esfTestRules})
					require.Equal(b, perRow, maintained, "cut-off %s", c.Format(time.DateOnly))
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/row")
			})
		}
	}
}
