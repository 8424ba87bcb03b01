package esfdata_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// randomTaxCodes returns valid codes (some omocodic) and invalid ones, as a user or a
// registry might send them.
func randomTaxCodes(r *rand.Rand, n int) []string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	word := func() string {
		b := make([]byte, 3+r.IntN(6))
		for i := range b {
			b[i] = letters[r.IntN(26)]
		}
		return string(b)
	}
	out := make([]string, 0, n)
	for len(out) < n {
		birth := time.Date(1900+r.IntN(130), time.Month(1+r.IntN(12)), 1+r.IntN(31), 0, 0, 0, 0, time.UTC)
		sex := "MF"[r.IntN(2)]
		place := fmt.Sprintf("%c%03d", letters[r.IntN(26)], r.IntN(1000))
		code, err := codicefiscale.Generate(word(), word(), birth, sex, place)
		if err != nil {
			continue
		}
		b := []byte(code)
		switch r.IntN(4) {
		case 0: // omocode: digits replaced by letters, check character recomputed
			for _, p := range []int{14, 13, 12, 10, 9, 7, 6}[:1+r.IntN(7)] {
				b[p] = "LMNPQRSTUV"[b[p]-'0']
			}
			c, _ := codicefiscale.CheckChar(string(b[:15]))
			b[15] = c
		case 1: // one character changed anywhere: mostly invalid
			b[r.IntN(16)] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r.IntN(36)]
		case 2: // an impossible day, with a matching check character
			b[9], b[10] = "0123456789"[r.IntN(8)], "0123456789"[r.IntN(10)]
			c, _ := codicefiscale.CheckChar(string(b[:15]))
			b[15] = c
		}
		out = append(out, string(b))
	}
	return append(out, "RSSMRA68A01H501Y", "MRTMRA83T56A269B", "CCCFBA85D03L21VE", "CCCFBAURDLPLNMVU", "CCCFBA85D03L219B",
		"CCCFBA85D00L219P", "THDSDA95P08Z330H", "AAAAAA00B29A000A", "AAAAAA00B69A000A")
}

// TestESFTaxCodeDerivationMatchesGo holds the database's decoding (which derives blank
// genders and birth dates of participations) to pkg/codicefiscale.
func TestESFTaxCodeDerivationMatchesGo(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	r := rand.New(rand.NewPCG(1, 2))
	codes := randomTaxCodes(r, 5000)
	refs := make([]time.Time, len(codes))
	for i := range refs {
		refs[i] = time.Date(1990+r.IntN(45), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	}
	// 29 February of year 00 around the 400-year rule.
	for _, ref := range []string{"1999-12-31", "2000-02-28", "2000-02-29", "2399-01-01", "2400-02-29"} {
		for _, c := range []string{"AAAAAA00B29A000", "AAAAAA00B69A000"} {
			ch, _ := codicefiscale.CheckChar(c)
			codes = append(codes, c+string(ch))
			d, _ := time.Parse(time.DateOnly, ref)
			refs = append(refs, d)
		}
	}
	rows, err := pool.Query(context.Background(), `SELECT d.sex, d.birth_date
		FROM unnest($1::text[], $2::date[]) WITH ORDINALITY AS q(c, ref, n), esf_tax_code_birth(q.c, q.ref) d ORDER BY q.n`, codes, refs)
	require.NoError(t, err)
	defer rows.Close()
	i := 0
	valid := 0
	for rows.Next() {
		var sex *string
		var birth *time.Time
		require.NoError(t, rows.Scan(&sex, &birth))
		code, perr := codicefiscale.Parse(codes[i])
		if perr != nil {
			require.Nil(t, sex, "%s: Go rejects it (%v), SQL derives a sex", codes[i], perr)
			require.Nil(t, birth, codes[i])
		} else {
			valid++
			require.NotNil(t, sex, codes[i])
			require.Equal(t, string(code.Sex()), *sex, codes[i])
			require.NotNil(t, birth, codes[i])
			require.Equal(t, code.BirthDate(refs[i]).Format(time.DateOnly), birth.Format(time.DateOnly), "%s on %s", codes[i], refs[i].Format(time.DateOnly))
		}
		i++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, len(codes), i)
	require.Greater(t, valid, 2000, "the sample must hold valid codes")
	require.Less(t, valid, len(codes)-500, "the sample must hold invalid codes")
}

// esfRandomData fills a database with n participations shaped to hit every branch of the
// result rules: re-entries, exits near the cut-offs, observations and spells from case
// managers, imports tied to operations, and registry employment events.
const esfRandomData = `
CREATE FUNCTION pg_temp.h(i int, salt int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT abs(hashint4(i * 31 + salt)) $$;
INSERT INTO operations (id, code, name, programme, priority, specific_objective, category_of_region, funding_source, starts_on)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, 'R' || i, 'Op ' || i, 'PN', 'P1', 'ESO4.1', 'MORE_DEVELOPED', 'ESF+', DATE '2020-01-01'
FROM generate_series(1, 3) i;
INSERT INTO persons (id, tax_code, given_name, family_name)
SELECT ('00000000-0000-0000-0001-' || lpad(to_hex(i), 12, '0'))::uuid, 'X' || lpad(i::text, 15, '0'), '', ''
FROM generate_series(1, {{P}}) i;
INSERT INTO participations (operation_id, person_id, entry_date, exit_date, gender, birth_date, employment_status, unemployment_months, isced)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(pg_temp.h(n, 1) % 3 + 1), 12, '0'))::uuid,
       ('00000000-0000-0000-0001-' || lpad(to_hex(n), 12, '0'))::uuid, e,
       CASE WHEN pg_temp.h(i, 3) % 6 <> 0 THEN e + pg_temp.h(i, 4) % 200 END,
       (ARRAY['F', 'M', 'NB'])[pg_temp.h(i, 5) % 3 + 1], DATE '1980-01-01', 'INACTIVE', NULL, 3
FROM generate_series(1, {{N}}) i,
     LATERAL (SELECT (i - 1) % {{P}} + 1 AS n, DATE '2022-01-01' + pg_temp.h(i, 2) % 300 + (i - 1) / {{P}} * 250 AS e) x;
INSERT INTO labour_situations (person_id, operation_id, situation, situation_date, spell, ends_on, source)
SELECT ('00000000-0000-0000-0001-' || lpad(to_hex(pg_temp.h(j, 10) % {{P}} + 1), 12, '0'))::uuid,
       CASE WHEN pg_temp.h(j, 11) % 3 = 0 THEN NULL
            ELSE ('00000000-0000-0000-0000-' || lpad(to_hex(pg_temp.h(j, 12) % 3 + 1), 12, '0'))::uuid END,
       CASE WHEN spell THEN (ARRAY['EMPLOYED', 'SELF_EMPLOYED'])[pg_temp.h(j, 13) % 2 + 1]
            ELSE (ARRAY['JOB_SEARCHING', 'EDUCATION_TRAINING', 'EMPLOYED', 'SELF_EMPLOYED', 'INACTIVE', 'QUALIFICATION_GAINED'])[pg_temp.h(j, 13) % 6 + 1] END,
       d, spell, CASE WHEN spell AND pg_temp.h(j, 14) % 2 = 0 THEN d + pg_temp.h(j, 15) % 120 END,
       'CASE_MANAGER'
FROM generate_series(1, {{S}}) j,
     LATERAL (SELECT DATE '2022-01-01' + pg_temp.h(j, 16) % 800 AS d, pg_temp.h(j, 17) % 5 = 0 AS spell) x;
INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code,
    start_date, end_date, raw_payload, payload_sha256, content_type, origin, fetched_at)
SELECT 'labour', 'E' || j, 'X' || lpad((pg_temp.h(j, 20) % {{P}} + 1)::text, 15, '0'), 'C' || j,
       CASE WHEN pg_temp.h(j, 21) % 3 = 0 THEN 'TERMINATION' ELSE 'HIRE' END, 'EMPLOYER' || (j % 7),
       DATE '2022-01-01' + pg_temp.h(j, 22) % 800, CASE WHEN pg_temp.h(j, 21) % 3 = 0 THEN DATE '2022-01-01' + pg_temp.h(j, 22) % 800 + pg_temp.h(j, 23) % 90 END,
       '\x7b7d'::bytea, repeat('0', 64), 'application/json', 'sync', now()
FROM generate_series(1, {{S}} / 4) j;
`

func fillRandom(t *testing.T, pool *pgxpool.Pool, persons, participations, situations int) {
	t.Helper()
	sql := strings.NewReplacer("{{P}}", fmt.Sprint(persons), "{{N}}", fmt.Sprint(participations), "{{S}}", fmt.Sprint(situations)).Replace(esfRandomData)
	_, err := pool.Exec(context.Background(), sql)
	require.NoError(t, err)
}

var esfTestCriteria = []esfdata.Criterion{
	{Kind: esfdata.Participant},
	{Kind: esfdata.Leaving, Situations: []string{"JOB_SEARCHING"}},
	{Kind: esfdata.Leaving, Situations: []string{"EDUCATION_TRAINING"}},
	{Kind: esfdata.Qualification},
	{Kind: esfdata.Leaving, Situations: []string{"EMPLOYED", "SELF_EMPLOYED"}},
	{Kind: esfdata.SixMonths, Situations: []string{"EMPLOYED", "SELF_EMPLOYED"}},
}

var esfTestRules = esfdata.Rules{LTUAdultAge: 25, YouthLTUMonths: 6, AdultLTUMonths: 12, LeavingWindowDays: 28, FollowUpMonths: 6}

func esfCount(t *testing.T, st *store.Store, cutoff time.Time, live bool) []esfdata.CountRow {
	t.Helper()
	var rows []esfdata.CountRow
	err := st.InTx(context.Background(), store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		rows, err = esfdata.Count(context.Background(), tx, esfdata.CountQuery{Cutoff: cutoff, Criteria: esfTestCriteria, Rules: esfTestRules, Live: live})
		return err
	})
	require.NoError(t, err)
	return rows
}

// TestESFStoredResultsMatchLive: the results stored per participation, maintained by
// triggers through every kind of change, give the same counts as computing them from the
// situations at report time.
func TestESFStoredResultsMatchLive(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	fillRandom(t, pool, 400, 500, 900)
	st := store.New(pool)
	cutoffs := []string{"2022-06-30", "2022-09-15", "2023-03-01", "2024-12-31"}
	compare := func(stage string) {
		t.Helper()
		nonZero := 0
		for _, c := range cutoffs {
			cutoff, _ := time.Parse(time.DateOnly, c)
			stored, live := esfCount(t, st, cutoff, false), esfCount(t, st, cutoff, true)
			require.Equal(t, live, stored, "%s, cut-off %s", stage, c)
			for _, r := range stored {
				for _, v := range r.Values[1:] {
					if v > 0 {
						nonZero++
					}
				}
			}
		}
		require.Positive(t, nonZero, "%s: the data must produce results", stage)
	}
	compare("after loading")

	ctx := context.Background()
	for _, change := range []string{
		// new situations, some of them spells
		`INSERT INTO labour_situations (person_id, situation, situation_date, source)
		 SELECT person_id, 'EMPLOYED', exit_date + 3, 'CASE_MANAGER' FROM participations WHERE exit_date IS NOT NULL AND random() < 0.2`,
		`INSERT INTO labour_situations (person_id, situation, situation_date, spell, ends_on, source)
		 SELECT person_id, 'SELF_EMPLOYED', exit_date - 10, true, exit_date + 20, 'CASE_MANAGER' FROM participations WHERE exit_date IS NOT NULL AND random() < 0.1`,
		// corrected and deleted situations
		`UPDATE labour_situations SET situation_date = situation_date + 5 WHERE random() < 0.2`,
		`DELETE FROM labour_situations WHERE random() < 0.1`,
		// exits recorded, moved and withdrawn
		`UPDATE participations SET exit_date = entry_date + 30 WHERE exit_date IS NULL AND random() < 0.5`,
		`UPDATE participations SET exit_date = NULL WHERE random() < 0.05`,
		// a participation moved to another operation, a re-entry removed
		`UPDATE participations SET operation_id = '00000000-0000-0000-0000-000000000001' WHERE random() < 0.05
		   AND NOT EXISTS (SELECT 1 FROM participations q WHERE q.operation_id = '00000000-0000-0000-0000-000000000001'
		                   AND q.person_id = participations.person_id AND q.entry_date = participations.entry_date)`,
		`DELETE FROM participations WHERE esf_entries > 1 AND random() < 0.3`,
		// registry events: new, changed, removed
		`INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code,
		     start_date, raw_payload, payload_sha256, content_type, origin, fetched_at)
		 SELECT 'labour', 'N' || p.id, pe.tax_code, 'N' || p.id, 'HIRE', 'NEWEMPLOYER', p.exit_date + 1, '\x7b7d', repeat('0', 64), 'application/json', 'sync', now()
		 FROM participations p JOIN persons pe ON pe.id = p.person_id WHERE p.exit_date IS NOT NULL AND random() < 0.1`,
		`UPDATE registry_employment_events SET start_date = start_date - 20 WHERE random() < 0.3`,
		`DELETE FROM registry_employment_events WHERE random() < 0.2`,
	} {
		// A fixed seed on the same connection makes the random choices repeatable.
		_, err := pool.Exec(ctx, "SELECT setseed(0.42); "+change)
		require.NoError(t, err, change)
		compare(change)
	}

	// esf_entries stays the number of rows of each operation and person.
	var wrong int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM participations p
		WHERE p.esf_entries <> (SELECT count(*) FROM participations q WHERE q.operation_id = p.operation_id AND q.person_id = p.person_id)`).Scan(&wrong))
	require.Zero(t, wrong)
}

// An employment event fetched again unchanged computes no result again; a changed one
// does. Counted with the calls of esf_refresh_results in the transaction.
func TestESFUnchangedEmploymentEventsComputeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	fillRandom(t, pool, 60, 80, 160)
	refreshes := func(update string) int64 {
		t.Helper()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, "SET LOCAL track_functions = 'pl'")
		require.NoError(t, err)
		_, err = tx.Exec(ctx, update)
		require.NoError(t, err)
		var n int64
		require.NoError(t, tx.QueryRow(ctx, `SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_xact_user_functions
			WHERE funcname = 'esf_refresh_results'`).Scan(&n))
		return n
	}
	require.Zero(t, refreshes(`UPDATE registry_employment_events SET fetched_at = now(), origin = 'refresh'`), "fetched again, unchanged")
	require.Positive(t, refreshes(`UPDATE registry_employment_events SET end_date = start_date + 30`), "changed")
}
