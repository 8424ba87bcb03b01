package esfdata_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// TestESFConcurrentImportsKeepTheCounts: two imports of two statements each, into the
// same operation, over the same persons, months and genders, written in crossing orders
// (one writes the persons the other writes second first), commit without a deadlock and
// leave the maintained counts equal to the row-by-row ones.
func TestESFConcurrentImportsKeepTheCounts(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO operations (code, name, programme, priority, specific_objective,
		category_of_region, funding_source, starts_on)
		VALUES ('CC1', 'Concurrent', 'PN', 'P1', 'ESO4.1', 'MORE_DEVELOPED', 'ESF+', DATE '2020-01-01')`)
	require.NoError(t, err)
	// The persons exist beforehand: registering the same new persons in crossing orders
	// would deadlock on the persons' key, whatever the counts do.
	_, err = pool.Exec(ctx, `INSERT INTO persons (tax_code, given_name, family_name)
		SELECT 'CC' || lpad(i::text, 3, '0') || lpad(p::text, 11, '0'), '', ''
		FROM generate_series(0, 4) i, generate_series(0, 15) p`)
	require.NoError(t, err)
	st := store.New(pool)
	ptr := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	genders := []string{"F", "M", "NB"}
	// recs are the participations of persons [from, from+n) of iteration it, entering in
	// month m of 2024.
	recs := func(it, from, n int, m time.Month) []esfdata.ParticipationRecord {
		var out []esfdata.ParticipationRecord
		for p := from; p < from+n; p++ {
			entry := time.Date(2024, m, 1+(it+p)%27, 0, 0, 0, 0, time.UTC)
			exit := entry.AddDate(0, 0, 20+p)
			birth := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
			out = append(out, esfdata.ParticipationRecord{
				OperationCode: "CC1", TaxCode: fmt.Sprintf("CC%03d%011d", it%5, p), Gender: ptr(genders[p%3]),
				BirthDate: &birth, EntryDate: entry, ExitDate: &exit, EmploymentStatus: ptr("INACTIVE"),
				ISCED: num(p % 7),
			})
		}
		return out
	}
	const iterations = 40
	var deadlocks, other int
	for it := 0; it < iterations; it++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Worker 0 writes persons 0-7 in January, then 8-15 in February; worker 1
				// persons 8-15 in March, then 0-7 in April.
				first, second := recs(it, 0, 8, time.January), recs(it, 8, 8, time.February)
				if w == 1 {
					first, second = recs(it, 8, 8, time.March), recs(it, 0, 8, time.April)
				}
				<-start
				errs[w] = st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
					for _, batch := range [][]esfdata.ParticipationRecord{first, second} {
						if _, problems, err := esfdata.UpsertParticipations(ctx, tx, batch); err != nil {
							return err
						} else if len(problems) > 0 {
							return fmt.Errorf("problems: %v", problems)
						}
					}
					return nil
				})
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			var pgErr *pgconn.PgError
			switch {
			case err == nil:
			case errors.As(err, &pgErr) && pgErr.Code == "40P01":
				if deadlocks == 0 {
					t.Logf("iteration %d: %s: %s (%s)", it, pgErr.Message, pgErr.Detail, pgErr.Where)
				}
				deadlocks++
			default:
				other++
				t.Errorf("iteration %d: %v", it, err)
			}
		}
	}
	require.Zero(t, other)
	require.Zero(t, deadlocks, "deadlocks in %d iterations", iterations)
	cutoffs := esfCutoffs(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC))
	require.Positive(t, compareESFCounts(t, pool, "after the concurrent imports", cutoffs))
}

// TestESFConcurrentWritersAcrossOperationsKeepTheCounts: transactions that write
// participations of two operations each, reaching them in crossing orders (one writes
// operation 1 first, the other operation 2), commit without a deadlock and leave the
// maintained counts equal to the row-by-row ones. The writers are two imports of one file
// each, as ponte import participants runs them.
func TestESFConcurrentWritersAcrossOperationsKeepTheCounts(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO operations (code, name, programme, priority, specific_objective,
		category_of_region, funding_source, starts_on)
		VALUES ('CX1', 'Crossing one', 'PN', 'P1', 'ESO4.1', 'MORE_DEVELOPED', 'ESF+', DATE '2020-01-01'),
		       ('CX2', 'Crossing two', 'PN', 'P1', 'ESO4.1', 'MORE_DEVELOPED', 'ESF+', DATE '2020-01-01')`)
	require.NoError(t, err)
	// A file names enough persons that its writer spends a while in the first operation
	// before it reaches the second; each round has persons of its own (re-entries would
	// make every round slower than the one before).
	const persons, rounds = 128, 40
	_, err = pool.Exec(ctx, `INSERT INTO persons (tax_code, given_name, family_name)
		SELECT 'CX' || lpad(p::text, 14, '0'), '', '' FROM generate_series(0, $1 - 1) p`, persons*rounds)
	require.NoError(t, err)
	st := store.New(pool)
	ptr := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	genders := []string{"F", "M", "NB"}
	// file is what writer w imports in round it: the round's persons, in the same order
	// for both writers; writer 0 puts the first half in operation 1 and the second half
	// in operation 2, writer 1 the other way round, so each reaches first the operation
	// the other reaches second.
	op := func(w, p int) string {
		if (p < persons/2) == (w == 0) {
			return "CX1"
		}
		return "CX2"
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	file := func(w, it int) []esfdata.ParticipationRecord {
		var out []esfdata.ParticipationRecord
		for p := 0; p < persons; p++ {
			entry := base.AddDate(0, 0, 7*it+p%7+3*w)
			exit := entry.AddDate(0, 0, 20+p%30)
			birth := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
			out = append(out, esfdata.ParticipationRecord{
				OperationCode: op(w, p), TaxCode: fmt.Sprintf("CX%014d", it*persons+p), Gender: ptr(genders[p%3]),
				BirthDate: &birth, EntryDate: entry, ExitDate: &exit, EmploymentStatus: ptr("INACTIVE"),
				ISCED: num(p % 7),
			})
		}
		return out
	}
	importFile := func(w, it int) func(*store.Tx) error {
		return func(tx *store.Tx) error {
			_, problems, err := esfdata.UpsertParticipations(ctx, tx, file(w, it))
			if err == nil && len(problems) > 0 {
				err = fmt.Errorf("problems: %v", problems)
			}
			return err
		}
	}
	var deadlocks, other int
	for it := 0; it < rounds; it++ {
		// Both transactions begin, and then both write at once.
		var wg, begun sync.WaitGroup
		begun.Add(2)
		errs := make([]error, 2)
		for w, fn := range []func(*store.Tx) error{importFile(0, it), importFile(1, it)} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[w] = st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
					_, err := store.Exec(ctx, tx, "begun", `SELECT 1`)
					begun.Done()
					begun.Wait()
					if err != nil {
						return err
					}
					return fn(tx)
				})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			var pgErr *pgconn.PgError
			switch {
			case err == nil:
			case errors.As(err, &pgErr) && pgErr.Code == "40P01":
				if deadlocks == 0 {
					t.Logf("round %d: %s: %s (%s)", it, pgErr.Message, pgErr.Detail, pgErr.Where)
				}
				deadlocks++
			default:
				other++
				t.Errorf("round %d: %v", it, err)
			}
		}
	}
	require.Zero(t, other)
	require.Zero(t, deadlocks, "rounds that deadlocked, of %d", rounds)
	cutoffs := esfCutoffs(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC))
	require.Positive(t, compareESFCounts(t, pool, "after the concurrent imports", cutoffs))
}
