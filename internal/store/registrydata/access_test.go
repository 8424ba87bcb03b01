package registrydata_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// registryFixture adds registry records to the scope fixture, as the synchronisation
// writes them (the login role): an ISEE, a labour status, an employment event and a
// school record for p1 (case c1 of MUN-A), p4 (c3 of MUN-B) and a tax code the hub does
// not hold; a benefit application of p4 listing p1 as a member; quarantine and lookup
// state. Tax codes are those of the fixture's persons.
func registryFixture(t *testing.T) *store.Store {
	t.Helper()
	pool, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	const meta = `'\x7b7d'::bytea, repeat('a', 64), 'application/json', 'sync', now()`
	for _, who := range []string{"1", "4", "X"} {
		code := "RSSMRA80A01G70" + who + "X"
		if who == "X" {
			code = "NNNNNN80A01G702X"
		}
		exec(`INSERT INTO registry_isee (source, source_ref, tax_code, dsu_protocol, isee_value_cents, isee_type, valid_until, household_size,
			raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('benefits', $1, $2, $1, 100, 'ordinario', '2030-01-01', 3, `+meta+`)`,
			"dsu-"+who, code)
		exec(`INSERT INTO registry_labour_status (source, source_ref, tax_code, did_id, did_date, employment_status, as_of,
			raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('labour', $1, $1, 'did', '2024-01-01', 'UNEMPLOYED', now(), `+meta+`)`, code)
		exec(`INSERT INTO registry_labour_status_history (source, tax_code, as_of, did_date, employment_status, payload_sha256)
			VALUES ('labour', $1, now(), '2024-01-01', 'UNEMPLOYED', repeat('a', 64))`, code)
		exec(`INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code, start_date,
			raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('labour', $1, $2, $1, 'HIRE', '01234567890', '2024-02-01', `+meta+`)`,
			"com-"+who, code)
		exec(`INSERT INTO registry_school_records (source, source_ref, tax_code, school_year, attendance_status, attendance_status_raw, checked_at,
			raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('school', $1, $2, '2024/2025', 'ATTENDING', 'frequenta', now(), `+meta+`)`,
			code+"/2024", code)
		exec(`INSERT INTO registry_lookup_state (source, tax_code, last_attempt_at) VALUES ('labour', $1, now())`, code)
	}
	exec(`INSERT INTO registry_benefit_cases (source, source_ref, tax_code, programme, application_protocol, member_tax_codes, status, status_raw, status_date,
		raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('benefits', 'ADI/1', 'RSSMRA80A01G704X', 'ADI', '1',
		ARRAY['RSSMRA80A01G704X', 'RSSMRA80A01G701X'], 'ACCEPTED', 'accolta', '2024-01-01', ` + meta + `)`)
	exec(`INSERT INTO registry_benefit_cases (source, source_ref, tax_code, programme, application_protocol, member_tax_codes, status, status_raw, status_date,
		raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('benefits', 'ADI/2', 'NNNNNN80A01G702X', 'ADI', '2',
		ARRAY['NNNNNN80A01G702X'], 'ACCEPTED', 'accolta', '2024-01-01', ` + meta + `)`)
	exec(`INSERT INTO registry_quarantine (source, kind, raw_payload, payload_sha256, content_type, field, reason, problems, origin, fetched_at)
		VALUES ('labour', 'labour_status', '\x00'::bytea, repeat('b', 64), 'application/json', 'tax_code', 'bad', '[]', 'sync', now())`)
	return st
}

// The registry tables' policies show the hub's role only the records of persons its
// scope sees, even when the application asks for everything; the API's own reads agree.
func TestRegistryRowLevelSecurity(t *testing.T) {
	t.Parallel()
	st := registryFixture(t)
	ctx := context.Background()
	all := store.Scope{Kind: store.ScopeAll}
	count := func(t *testing.T, sc store.Scope, table string) []string {
		t.Helper()
		tx := storetest.Begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: all})
		defer tx.Rollback(ctx)
		col := map[string]string{"registry_benefit_cases": "source_ref", "registry_quarantine": "id::text"}[table]
		if col == "" {
			col = "tax_code"
		}
		got, err := storetest.Strings(ctx, tx, fmt.Sprintf("SELECT %s FROM %s ORDER BY 1", col, table))
		require.NoError(t, err)
		return got
	}
	p1, p4, unknown := "RSSMRA80A01G701X", "RSSMRA80A01G704X", "NNNNNN80A01G702X"
	for name, tc := range map[string]struct {
		scope    string
		codes    []string
		benefits []string
	}{
		"MUN-A sees p1 only":          {"organisation MUN-A", []string{p1}, []string{"ADI/1"}},
		"MUN-B sees p4 only":          {"organisation MUN-B", []string{p4}, []string{"ADI/1"}},
		"COOP-1 sees its p1":          {"provider COOP-1", []string{p1}, []string{"ADI/1"}},
		"the auditor sees p1 (pa1)":   {"participants", []string{p1}, []string{"ADI/1"}},
		"dashboards see nothing":      {"aggregates", nil, nil},
		"no scope sees nothing":       {"none", nil, nil},
		"scope all sees every record": {"all", []string{unknown, p1, p4}, []string{"ADI/1", "ADI/2"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc := storetest.Scopes()[tc.scope]
			want := tc.codes
			if want == nil {
				want = []string{}
			}
			for _, table := range []string{"registry_isee", "registry_labour_status", "registry_labour_status_history",
				"registry_employment_events", "registry_school_records", "registry_lookup_state"} {
				got := count(t, sc, table)
				if got == nil {
					got = []string{}
				}
				require.Equal(t, want, got, table)
			}
			benefits := count(t, sc, "registry_benefit_cases")
			if tc.benefits == nil {
				require.Empty(t, benefits)
			} else {
				require.Equal(t, tc.benefits, benefits)
			}
			q := count(t, sc, "registry_quarantine")
			require.Equal(t, tc.scope == "all", len(q) == 1, "quarantine for scope all only")
		})
	}

	// The API's reads through persons agree with the policies.
	munA := storetest.Scopes()["organisation MUN-A"]
	tx := storetest.Begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: munA})
	isee, err := registrydata.ISEEByPersons(ctx, tx, []string{storetest.FID("p1"), storetest.FID("p4")})
	require.NoError(t, err)
	require.Len(t, isee, 1)
	require.Equal(t, storetest.FID("p1"), isee[0].Key)
	benefits, err := registrydata.BenefitCasesByPersons(ctx, tx, []string{storetest.FID("p1")})
	require.NoError(t, err)
	require.Len(t, benefits, 1, "p1 is a member of p4's application")
	require.Nil(t, benefits[0].Value.Person, "the applicant p4 lies outside MUN-A's scope")
	require.NoError(t, tx.Rollback(ctx))

	// The hub's role never writes registry data, whatever its scope.
	for _, scope := range []string{"organisation MUN-A", "all"} {
		sc := storetest.Scopes()[scope]
		tx := storetest.Begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: all})
		_, err := storetest.Exec(ctx, tx, `INSERT INTO registry_lookup_state (source, tax_code, last_attempt_at) VALUES ('school', 'RSSMRA80A01G701X', now())`)
		require.ErrorIs(t, err, apperr.ErrForbidden, scope)
		require.NoError(t, tx.Rollback(ctx))
		tx = storetest.Begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: all})
		n, err := storetest.Exec(ctx, tx, `UPDATE registry_isee SET isee_value_cents = 1 WHERE tax_code = 'RSSMRA80A01G701X'`)
		if err == nil {
			require.Zero(t, n, scope)
		} else {
			require.ErrorIs(t, err, apperr.ErrForbidden, scope)
		}
		require.NoError(t, tx.Rollback(ctx))
	}
}
