package esfdata_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// esfContractData gives the random participants of esfRandomData statuses at entry and
// employment events with contract types: hires of every class, some with a term,
// transformations, sent or not.
const esfContractData = `
UPDATE participations SET employment_status = (ARRAY['EMPLOYED', 'EMPLOYED', 'UNEMPLOYED', 'INACTIVE'])[pg_temp.h(hashtext(person_id::text || entry_date::text) % 1000000, 30) % 4 + 1],
    unemployment_months = NULL;
UPDATE participations SET unemployment_months = 3 WHERE employment_status = 'UNEMPLOYED';
INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code,
    contract_type_code, start_date, end_date, sent_at, raw_payload, payload_sha256, content_type, origin, fetched_at)
SELECT 'labour', 'K' || j, 'X' || lpad((pg_temp.h(j, 40) % {{P}} + 1)::text, 15, '0'), 'K' || j, 'HIRE', 'EMP' || (j % 5),
       (ARRAY['A.01.00', 'A.02.00', 'A.03.09', 'A.05.02', 'A.04.02', 'E.01.00'])[pg_temp.h(j, 41) % 6 + 1],
       s, CASE WHEN pg_temp.h(j, 42) % 2 = 0 THEN s + 60 + pg_temp.h(j, 43) % 400 END, s - 1, '\x7b7d'::bytea, repeat('0', 64),
       'application/json', 'sync', now()
FROM generate_series(1, {{S}}) j, LATERAL (SELECT DATE '2021-06-01' + pg_temp.h(j, 44) % 900 AS s) x;
INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code,
    contract_type_code, start_date, sent_at, raw_payload, payload_sha256, content_type, origin, fetched_at)
SELECT 'labour', 'KT' || e.source_ref, e.tax_code, 'KT' || e.source_ref, 'TRANSFORMATION', e.employer_tax_code, 'A.01.00', e.start_date,
       CASE WHEN pg_temp.h(hashtext(e.source_ref) % 1000000, 45) % 4 <> 0 THEN e.start_date + 30 + pg_temp.h(hashtext(e.source_ref) % 1000000, 46) % 300 END,
       '\x7b7d'::bytea, repeat('0', 64), 'application/json', 'sync', now()
FROM registry_employment_events e WHERE e.source_ref LIKE 'K%' AND e.contract_type_code <> 'A.01.00' AND pg_temp.h(hashtext(e.source_ref) % 1000000, 47) % 3 = 0;
`

// TestESFStoredImprovementMatchesLive: the EECR06 result stored per participation, kept
// by triggers through changes of entries, statuses, employment events and the contract
// classification, gives the counts computed from the events at report time.
// The data and every change pick their rows by hashes of stable keys, never random()
// or generated ids, so each run counts the same participants.
func TestESFStoredImprovementMatchesLive(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	fillRandom(t, pool, 200, 260, 400)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `CREATE OR REPLACE FUNCTION pg_temp.h(i int, salt int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT abs(hashint4(i * 31 + salt)) $$;`+
		strings.NewReplacer("{{P}}", "200", "{{S}}", "1000").Replace(esfContractData))
	require.NoError(t, err)
	st := store.New(pool)
	criteria := []esfdata.Criterion{{Kind: esfdata.Participant}, {Kind: esfdata.Status, Value: "EMPLOYED"}, {Kind: esfdata.Improved}}
	count := func(cutoff time.Time, live bool) []esfdata.CountRow {
		var rows []esfdata.CountRow
		require.NoError(t, st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
			var err error
			rows, err = esfdata.Count(ctx, tx, esfdata.CountQuery{Cutoff: cutoff, Criteria: criteria, Rules: esfTestRules, Live: live})
			return err
		}))
		return rows
	}
	compare := func(stage string) {
		t.Helper()
		improved := int64(0)
		for _, c := range []string{"2023-06-30", "2024-12-31"} {
			cutoff, _ := time.Parse(time.DateOnly, c)
			stored, live := count(cutoff, false), count(cutoff, true)
			require.Equal(t, live, stored, "%s, cut-off %s", stage, c)
			for _, r := range stored {
				require.LessOrEqual(t, r.Values[2], r.Values[1], "improved participants were employed at entry")
				improved += r.Values[2]
			}
		}
		require.Positive(t, improved, "%s: the data must produce improvements", stage)
	}
	compare("after loading")
	for _, change := range []string{
		`UPDATE participations SET entry_date = entry_date - 40 WHERE abs(hashtext(person_id::text || entry_date)) % 100 < 30`,
		`UPDATE participations SET employment_status = 'EMPLOYED', unemployment_months = NULL WHERE employment_status = 'INACTIVE' AND abs(hashtext(person_id::text || entry_date)) % 100 < 50`,
		`UPDATE participations SET exit_date = exit_date + 45 WHERE exit_date IS NOT NULL AND abs(hashtext(person_id::text || entry_date)) % 100 < 30`,
		`UPDATE registry_employment_events SET contract_type_code = 'A.01.00' WHERE contract_type_code = 'A.05.02' AND abs(hashtext(source_ref)) % 100 < 50`,
		`UPDATE registry_employment_events SET sent_at = NULL WHERE event_type = 'TRANSFORMATION' AND abs(hashtext(source_ref)) % 100 < 30`,
		`DELETE FROM registry_employment_events WHERE source_ref LIKE 'K%' AND abs(hashtext(source_ref)) % 100 < 10`,
		`UPDATE esf_contract_types SET stability = 'STABLE' WHERE code = 'A.03.09'`,
		`DELETE FROM esf_contract_types WHERE code = 'A.04.02'`,
	} {
		_, err := pool.Exec(ctx, change)
		require.NoError(t, err, change)
		compare(change)
	}
}
