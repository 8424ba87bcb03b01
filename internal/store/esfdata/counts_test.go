package esfdata_test

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// esfAllCriteria has a criterion of every kind, as the report's indicators compile them,
// and a few more the maintained counts hold.
var esfAllCriteria = []esfdata.Criterion{
	{Kind: esfdata.Participant},
	{Kind: esfdata.Status, Value: "UNEMPLOYED"},
	{Kind: esfdata.LongTermUnemployed, Value: "UNEMPLOYED"},
	{Kind: esfdata.Status, Value: "INACTIVE"},
	{Kind: esfdata.Status, Value: "EMPLOYED"},
	{Kind: esfdata.Age, Min: 0, Max: 17},
	{Kind: esfdata.Age, Min: 18, Max: 29},
	{Kind: esfdata.Age, Min: 55, Max: -1},
	{Kind: esfdata.ISCED, Min: 0, Max: 2},
	{Kind: esfdata.ISCED, Min: 3, Max: 4},
	{Kind: esfdata.ISCED, Min: 5, Max: 8},
	{Kind: esfdata.Flag, Value: "disability"},
	{Kind: esfdata.Flag, Value: "third_country_national"},
	{Kind: esfdata.Flag, Value: "foreign_background"},
	{Kind: esfdata.Flag, Value: "minority"},
	{Kind: esfdata.Flag, Value: "homeless"},
	{Kind: esfdata.Flag, Value: "rural"},
	{Kind: esfdata.Leaving, Situations: []string{"JOB_SEARCHING"}},
	{Kind: esfdata.Leaving, Situations: []string{"EDUCATION_TRAINING"}},
	{Kind: esfdata.Qualification},
	{Kind: esfdata.Leaving, Situations: []string{"EMPLOYED", "SELF_EMPLOYED"}},
	{Kind: esfdata.SixMonths, Situations: []string{"EMPLOYED", "SELF_EMPLOYED"}},
	{Kind: esfdata.Improved},
	{Kind: esfdata.Leaving, Situations: []string{"INACTIVE", "EMPLOYMENT_ENDED"}},
	{Kind: esfdata.SixMonths, Situations: []string{"JOB_SEARCHING"}},
}

// esfCountBoth counts the same query from the maintained counts and row by row.
func esfCountBoth(t testing.TB, st *store.Store, q esfdata.CountQuery) (maintained, perRow []esfdata.CountRow) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		var ok bool
		if maintained, ok, err = esfdata.CountMaintainedForTest(ctx, tx, q); err != nil {
			return err
		}
		require.True(t, ok, "the maintained counts answer")
		q.PerRow = true
		perRow, err = esfdata.Count(ctx, tx, q)
		return err
	})
	require.NoError(t, err)
	return maintained, perRow
}

// esfCutoffs are cut-offs over the whole span of the data: every month's last day and a
// day in its middle, and today.
func esfCutoffs(from, to time.Time) []time.Time {
	var out []time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 1, 0) {
		out = append(out, d.AddDate(0, 0, 13), d.AddDate(0, 1, -1))
	}
	return append(out, time.Now().UTC().Truncate(24*time.Hour))
}

// compareESFCounts requires the maintained counts to equal the row-by-row ones at every
// cut-off, for every operation and for one, and returns how many values were non-zero.
func compareESFCounts(t *testing.T, pool *pgxpool.Pool, stage string, cutoffs []time.Time) (nonZero int) {
	t.Helper()
	st := store.New(pool)
	var one string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT operation_id::text FROM participations
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&one))
	for _, c := range cutoffs {
		for _, ops := range [][]string{nil, {one}} {
			q := esfdata.CountQuery{Cutoff: c, OperationIDs: ops, Criteria: esfAllCriteria, Rules: esfTestRules}
			maintained, perRow := esfCountBoth(t, st, q)
			require.Equal(t, perRow, maintained, "%s, cut-off %s, operations %v", stage, c.Format(time.DateOnly), ops)
			for _, r := range maintained {
				for _, v := range r.Values {
					if v > 0 {
						nonZero++
					}
				}
			}
		}
	}
	return nonZero
}

// TestESFMaintainedCountsMatchTheParticipations: the counts the triggers keep
// (migrations/00540_esf_counts.sql) give exactly what counting the participations row by
// row gives, at every cut-off, after loading and through every kind of change to the
// participations, the situations and the registry's employment events.
func TestESFMaintainedCountsMatchTheParticipations(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	fillRandom(t, pool, 400, 600, 900)
	ctx := context.Background()
	// Re-entries with every kind of exit, incomplete records and informed estimates.
	_, err := pool.Exec(ctx, `
		INSERT INTO participations (operation_id, person_id, entry_date, exit_date, gender, birth_date, employment_status,
			unemployment_months, isced, disability, rural)
		SELECT operation_id, person_id, entry_date + 200 + ((row_number() OVER ()) % 300)::int,
			CASE WHEN (row_number() OVER ()) % 3 <> 0 THEN entry_date + 400 + ((row_number() OVER ()) % 200)::int END,
			CASE WHEN (row_number() OVER ()) % 7 = 0 THEN NULL ELSE 'NB' END, birth_date, 'EMPLOYED', NULL,
			CASE WHEN (row_number() OVER ()) % 11 = 0 THEN NULL ELSE 4 END, 'E', 'Y'
		FROM participations WHERE exit_date IS NOT NULL
		ORDER BY id LIMIT 150
		ON CONFLICT DO NOTHING`)
	require.NoError(t, err)
	cutoffs := esfCutoffs(time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	require.Positive(t, compareESFCounts(t, pool, "after loading", cutoffs))
	// Bounds the counts do not hold are counted row by row, the same.
	st := store.New(pool)
	for _, c := range []esfdata.Criterion{{Kind: esfdata.Age, Min: 16, Max: 24}, {Kind: esfdata.ISCED, Min: 1, Max: 8}} {
		q := esfdata.CountQuery{Cutoff: cutoffs[30], Criteria: []esfdata.Criterion{{Kind: esfdata.Participant}, c}, Rules: esfTestRules}
		require.NoError(t, st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
			_, ok, err := esfdata.CountMaintainedForTest(ctx, tx, q)
			require.NoError(t, err)
			require.False(t, ok, "%+v", c)
			got, err := esfdata.Count(ctx, tx, q)
			require.NoError(t, err)
			q.PerRow = true
			want, err := esfdata.Count(ctx, tx, q)
			require.NoError(t, err)
			require.Equal(t, want, got)
			return nil
		}))
	}
	var some []time.Time
	for i := 0; i < len(cutoffs); i += 9 {
		some = append(some, cutoffs[i])
	}
	for _, change := range []string{
		`INSERT INTO labour_situations (person_id, situation, situation_date, source)
		 SELECT person_id, 'EMPLOYED', exit_date + 3, 'CASE_MANAGER' FROM participations WHERE exit_date IS NOT NULL AND random() < 0.2`,
		`INSERT INTO labour_situations (person_id, situation, situation_date, spell, ends_on, source)
		 SELECT person_id, 'SELF_EMPLOYED', exit_date - 10, true, exit_date + 20, 'CASE_MANAGER' FROM participations WHERE exit_date IS NOT NULL AND random() < 0.1`,
		`UPDATE labour_situations SET situation_date = situation_date + 5 WHERE random() < 0.2`,
		`DELETE FROM labour_situations WHERE random() < 0.1`,
		`UPDATE participations SET exit_date = entry_date + 30 WHERE exit_date IS NULL AND random() < 0.5`,
		`UPDATE participations SET exit_date = NULL WHERE random() < 0.05`,
		// characteristics corrected: completed, blanked, changed
		`UPDATE participations SET isced = 6, employment_status = 'UNEMPLOYED', unemployment_months = 14 WHERE random() < 0.1`,
		`UPDATE participations SET gender = NULL, birth_date = NULL WHERE random() < 0.05`,
		`UPDATE participations SET homeless = 'E', minority = 'Y', birth_date = entry_date - 20 * 365 WHERE random() < 0.1`,
		`UPDATE participations SET entry_date = entry_date - 40 WHERE esf_entries > 1 AND random() < 0.3
		   AND NOT EXISTS (SELECT 1 FROM participations q WHERE q.operation_id = participations.operation_id
		                   AND q.person_id = participations.person_id AND q.entry_date = participations.entry_date - 40)`,
		`UPDATE participations SET operation_id = '00000000-0000-0000-0000-000000000001' WHERE random() < 0.05
		   AND NOT EXISTS (SELECT 1 FROM participations q WHERE q.operation_id = '00000000-0000-0000-0000-000000000001'
		                   AND q.person_id = participations.person_id AND q.entry_date = participations.entry_date)`,
		`DELETE FROM participations WHERE esf_entries > 1 AND random() < 0.3`,
		`DELETE FROM participations WHERE random() < 0.05`,
		`INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code,
		     start_date, contract_type_code, raw_payload, payload_sha256, content_type, origin, fetched_at)
		 SELECT 'labour', 'N' || p.id, pe.tax_code, 'N' || p.id, 'HIRE', 'NEWEMPLOYER', p.exit_date + 1, 'A.01.00',
		     '\x7b7d', repeat('0', 64), 'application/json', 'sync', now()
		 FROM participations p JOIN persons pe ON pe.id = p.person_id WHERE p.exit_date IS NOT NULL AND random() < 0.2`,
		`UPDATE registry_employment_events SET start_date = start_date - 20 WHERE random() < 0.3`,
		`UPDATE esf_contract_types SET stability = 'PRECARIOUS' WHERE code = 'A.01.00'`,
		`DELETE FROM registry_employment_events WHERE random() < 0.2`,
	} {
		_, err := pool.Exec(ctx, "SELECT setseed(0.42); "+change)
		require.NoError(t, err, change)
		compareESFCounts(t, pool, change, some)
	}
}

// The demo and the benchmark's data scaled down (uncorrelated characteristics, re-entries,
// situations of every source) count the same both ways, and so does the report.
func TestESFMaintainedCountsOnTheDemoAndAScaledSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("demo", func(t *testing.T) {
		t.Parallel()
		st, err := store.Open(ctx, pgtest.URL(t), store.Config{MaxConns: 2})
		require.NoError(t, err)
		t.Cleanup(st.Close)
		_, err = demo.Load(ctx, st, demo.Options{}, io.Discard)
		require.NoError(t, err)
		cutoffs := esfCutoffs(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		require.Positive(t, compareESFCounts(t, st.Pool(), "demo", cutoffs))
	})
	t.Run("scaled", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.Pool(t)
		_, err := pool.Exec(ctx, strings.ReplaceAll(esfBenchData, "{{N}}", strconv.Itoa(6_000)))
		require.NoError(t, err)
		var cutoffs []time.Time
		for i, c := range esfCutoffs(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)) {
			if i%3 == 0 {
				cutoffs = append(cutoffs, c)
			}
		}
		require.Positive(t, compareESFCounts(t, pool, "scaled", cutoffs))
		// The report as esf computes it, over every indicator, at a cut-off after every entry.
		st := store.New(pool)
		err = st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
			rep, err := esf.Compute(ctx, tx, esf.Query{Cutoff: time.Now().UTC()})
			if err == nil {
				v, _ := rep.Groups[0].Value("EECO01")
				require.Positive(t, v.Total)
			}
			return err
		})
		require.NoError(t, err)
	})
}
