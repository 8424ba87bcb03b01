package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func rowsOf(t *testing.T, st *store.Store, opts store.TxOptions, table string, filtered bool) []string {
	t.Helper()
	ctx := context.Background()
	tx := storetest.Begin(t, st, opts)
	defer tx.Rollback(ctx)
	var args []any
	sql := "SELECT " + store.ScopedTables[table] + " FROM " + table + " a"
	if filtered {
		sql += " WHERE " + store.PredicateForTest(tx.Scope(), table, "a", &args)
	}
	ids, err := storetest.Strings(ctx, tx, sql, args...)
	require.NoError(t, err)
	return ids
}

// The application's predicates and the row-level security policies are two writings of
// one rule: for every scope and table, the login role filtering with the predicate, the
// hub's role with no filter at all, and the hub's role with both see the same rows; and so
// does a transaction whose claims Begin derives from the scope (TxOptions.Restricted).
func TestScopePredicatesMatchRowLevelSecurity(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	for name, sc := range storetest.Scopes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for table := range store.ScopedTables {
				app := rowsOf(t, st, store.TxOptions{Scope: sc}, table, true)
				rls := rowsOf(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc}, table, false)
				both := rowsOf(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc}, table, true)
				require.ElementsMatch(t, app, rls, "%s: predicate %v, row-level security %v", table, storetest.NameAll(app), storetest.NameAll(rls))
				require.ElementsMatch(t, app, both, table)
				restricted := store.TxOptions{Restricted: true, Scope: sc}
				require.ElementsMatch(t, app, rowsOf(t, st, restricted, table, true), "%s: restricted transaction", table)
			}
		})
	}
}

// The backstop: the application asks for everything (Scope All, no filter) but the
// transaction carries a narrow principal's claims; the database returns only its rows.
func TestRowLevelSecurityBackstop(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	cases := []struct {
		scope   string
		table   string
		visible []string
	}{
		{"organisation MUN-A", "cases", []string{"c1", "c2"}},
		{"organisation MUN-A", "persons", []string{"p1", "p2", "p3", "p6"}},
		{"organisation MUN-A", "households", []string{"hA"}},
		{"organisation MUN-A", "participations", []string{"pa1"}},
		{"organisation CPI", "cases", []string{"c1"}},
		{"assigned sw_a1", "cases", []string{"c1", "c3"}},
		{"assigned sw_a1", "persons", []string{"p1", "p2", "p3", "p4", "p5"}},
		{"assigned sw_a2", "cases", []string{"c2"}},
		{"assigned nobody", "cases", nil},
		{"provider COOP-1", "cases", []string{"c1"}},
		{"provider COOP-1", "persons", []string{"p1", "p2"}},
		{"provider COOP-1", "household_members", []string{"m1", "m2"}},
		{"provider COOP-1", "projects", []string{"pr1"}},
		{"provider COOP-1", "interventions", []string{"i1"}},
		{"provider COOP-1", "assessments", []string{"a1"}},
		{"provider COOP-1", "activity_entries", []string{"e1"}},
		{"provider COOP-2", "cases", []string{"c3"}},
		{"provider COOP-2", "persons", []string{"p4", "p5"}},
		{"provider COOP-2", "projects", []string{"pr3"}},
		{"territory T1", "cases", []string{"c1", "c2"}},
		{"territory T2", "cases", []string{"c3", "c4"}},
		{"participants", "persons", []string{"p1", "p5", "p8"}},
		{"participants", "cases", nil},
		{"participants", "interventions", []string{"i1", "i3"}[1:]},
		{"participants", "participations", []string{"pa1", "pa2", "pa3"}},
		{"aggregates", "persons", nil},
		{"aggregates", "cases", nil},
		{"none", "persons", nil},
		{"all", "cases", []string{"c1", "c2", "c3", "c4"}},
	}
	all := store.Scope{Kind: store.ScopeAll}
	for _, c := range cases {
		t.Run(c.scope+"/"+c.table, func(t *testing.T) {
			t.Parallel()
			claims := storetest.Scopes()[c.scope].Claims()
			got := rowsOf(t, st, store.TxOptions{Claims: claims, Scope: all}, c.table, false)
			want := c.visible
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, storetest.NameAll(got))
		})
	}
	// Without claims nothing at all is visible to the hub's role.
	got := rowsOf(t, st, store.TxOptions{Claims: map[string]string{"role": store.DatabaseRole}, Scope: all}, "persons", false)
	require.Empty(t, got)
}

// Another organisation's case is not found, exactly like one that does not exist, both
// through the application's filter and through the database's.
func TestCrossOrganisationProbe(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	munA := storetest.Scopes()["organisation MUN-A"]
	for name, opts := range map[string]store.TxOptions{
		"application filter": {Scope: munA},
		"database policies":  {Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}},
		"both":               {Claims: munA.Claims(), Scope: munA},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tx := storetest.Begin(t, st, opts)
			got, err := tx.CaseForTest(ctx, storetest.FID("c1"))
			require.NoError(t, err)
			require.Equal(t, storetest.FID("c1"), got)
			_, errOther := tx.CaseForTest(ctx, storetest.FID("c4"))
			require.ErrorIs(t, errOther, apperr.ErrNotFound)
			_, errMissing := tx.CaseForTest(ctx, "7d0e3c41-0000-4000-8000-000000000000")
			require.ErrorIs(t, errMissing, apperr.ErrNotFound)
			require.Equal(t, errMissing.Error(), errOther.Error(), "indistinguishable from a missing case")
			cs, err := casedata.CasesByIDs(ctx, tx, []string{storetest.FID("c3"), storetest.FID("c4")})
			require.NoError(t, err)
			require.Empty(t, cs)
			ps, err := casedata.PersonsByIDs(ctx, tx, []string{storetest.FID("p4"), storetest.FID("p7"), storetest.FID("p9")})
			require.NoError(t, err)
			require.Empty(t, ps)
		})
	}
}

// Writes outside the scope change nothing or are refused, even with the application's
// filter off.
func TestRowLevelSecurityRefusesWritesOutOfScope(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	all := store.Scope{Kind: store.ScopeAll}
	// One transaction at a time: the test pool is small, and each is rolled back before
	// the next begins.
	var open *store.Tx
	begin := func(scope string) *store.Tx {
		if open != nil {
			_ = open.Rollback(ctx)
		}
		tx := storetest.Begin(t, st, store.TxOptions{Claims: storetest.Scopes()[scope].Claims(), Scope: all})
		open = tx
		return tx
	}
	defer func() { _ = open.Rollback(ctx) }()

	tx := begin("organisation MUN-A")
	n, err := storetest.Exec(ctx, tx, `UPDATE cases SET summary = 'x' WHERE id = $1`, storetest.FID("c4"))
	require.NoError(t, err)
	require.Zero(t, n, "another organisation's case is invisible to UPDATE")
	n, err = storetest.Exec(ctx, tx, `UPDATE cases SET summary = 'x' WHERE id = $1`, storetest.FID("c1"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	tx = begin("organisation MUN-A")
	_, err = storetest.Exec(ctx, tx, `INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, opened_on) VALUES ('x', $1, $2, $3, '2024-01-01')`,
		storetest.FID("p9"), storetest.FID("MUN-B"), storetest.FID("sw_b"))
	require.ErrorIs(t, err, apperr.ErrForbidden, "a case for another organisation")

	tx = begin("organisation MUN-A")
	_, err = storetest.Exec(ctx, tx, `INSERT INTO projects (case_id, participant_id, provider_organisation_id, title) VALUES ($1, $2, $3, 't')`,
		storetest.FID("c4"), storetest.FID("p7"), storetest.FID("COOP-1"))
	require.ErrorIs(t, err, apperr.ErrForbidden, "a project in another organisation's case")

	tx = begin("provider COOP-1")
	n, err = storetest.Exec(ctx, tx, `UPDATE projects SET title = 'mine now' WHERE id = $1`, storetest.FID("pr2"))
	require.NoError(t, err)
	require.Zero(t, n, "another cooperative's project in a shared case")

	tx = begin("participants")
	_, err = storetest.Exec(ctx, tx, `INSERT INTO participations (operation_id, person_id, entry_date) VALUES ($1, $2, '2024-05-01')`, storetest.FID("op1"), storetest.FID("p9"))
	require.ErrorIs(t, err, apperr.ErrForbidden, "auditors never write")

	tx = begin("aggregates")
	_, err = storetest.Exec(ctx, tx, `INSERT INTO persons (tax_code, given_name, family_name) VALUES ('ZZZZZZ80A01G702Z', 'a', 'b')`)
	require.ErrorIs(t, err, apperr.ErrForbidden, "dashboards never write")

	tx = begin("organisation MUN-A")
	n, err = storetest.Exec(ctx, tx, `DELETE FROM activity_entries WHERE case_id = $1`, storetest.FID("c3"))
	require.NoError(t, err)
	require.Zero(t, n)
}

// A writable scope sees what its own transaction inserted before anything links it, and
// nothing of it from another transaction until it is linked to a case in scope.
func TestRowsWrittenInTheTransactionAreVisibleToIt(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	munA := storetest.Scopes()["organisation MUN-A"]
	opts := store.TxOptions{Claims: munA.Claims(), Scope: munA}

	tx := storetest.Begin(t, st, opts)
	var err error
	var person, household, member []string
	person, err = storetest.Strings(ctx, tx, `INSERT INTO persons (tax_code, given_name, family_name) VALUES ('VRDLGU80A01G702Z', 'Luigi', 'Verdi') RETURNING id::text`)
	require.NoError(t, err)
	household, err = storetest.Strings(ctx, tx, `INSERT INTO households (label) VALUES ('Verdi') RETURNING id::text`)
	require.NoError(t, err)
	member, err = storetest.Strings(ctx, tx, `INSERT INTO household_members (household_id, person_id, relationship, valid_from) VALUES ($1, $2, 'HEAD', '2024-01-01') RETURNING id::text`, household[0], person[0])
	require.NoError(t, err)
	require.Len(t, member, 1)
	ps, err := casedata.PersonsByIDs(ctx, tx, person)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.NoError(t, tx.Commit(ctx))

	tx = storetest.Begin(t, st, opts)
	ps, err = casedata.PersonsByIDs(ctx, tx, person)
	require.NoError(t, err)
	require.Empty(t, ps, "an unlinked person is in nobody's scope")
	_, err = storetest.Strings(ctx, tx, `INSERT INTO cases (reference, household_id, person_id, organisation_id, lead_worker_id, opened_on)
		VALUES ('c-new', $1, $2, $3, $4, '2024-06-01') RETURNING id::text`, household[0], person[0], storetest.FID("MUN-A"), storetest.FID("sw_a1"))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))

	tx = storetest.Begin(t, st, opts)
	ps, err = casedata.PersonsByIDs(ctx, tx, person)
	require.NoError(t, err)
	require.Len(t, ps, 1, "linked through a case of the organisation")
}

// The hub's role owns nothing, cannot switch security off, and cannot touch the log or
// issue tokens.
func TestHubRoleIsConfined(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	dpo := store.Scope{Kind: store.ScopeAll}
	for _, stmt := range []string{
		`ALTER TABLE persons DISABLE ROW LEVEL SECURITY`,
		`ALTER TABLE access_log DISABLE TRIGGER access_log_append_only`,
		`INSERT INTO access_log (seq, at, subject, role, purpose, operation, person_ids, categories, hash) VALUES (99, now(), 's', 'r', 'p', 'o', '{}', '{}', decode(repeat('00', 32), 'hex'))`,
		`UPDATE access_log_head SET seq = 0`,
		`INSERT INTO access_tokens (token_hash, role, organisation_id, purposes, expires_at) SELECT decode(repeat('11', 32), 'hex'), 'admin', id, '{statistics}', now() + interval '1 day' FROM organisations LIMIT 1`,
		`UPDATE access_tokens SET revoked_at = NULL`,
	} {
		tx := storetest.Begin(t, st, store.TxOptions{Claims: dpo.Claims(), Scope: dpo})
		_, err := storetest.Exec(ctx, tx, stmt)
		require.Error(t, err, stmt)
		require.True(t, errors.Is(err, apperr.ErrForbidden) || err != nil, stmt)
		_ = tx.Rollback(ctx)
	}
	tx := storetest.Begin(t, st, store.TxOptions{Claims: dpo.Claims(), Scope: dpo})
	who, err := storetest.Strings(ctx, tx, `SELECT current_user::text || '/' || (SELECT rolbypassrls::text FROM pg_roles WHERE rolname = current_user)`)
	require.NoError(t, err)
	require.Equal(t, []string{store.DatabaseRole + "/false"}, who)
}

// In production the hub logs in as a role that is only a member of ponte_app: then even
// SQL run inside a request cannot switch to a role that bypasses the policies (with a
// superuser or owner login, SET ROLE is checked against the session user and would
// succeed). The policies still rest on the claims the hub sets: they guard against a
// wrong filter in a query, not against a hub that sets wrong claims.
func TestDedicatedLoginRoleCannotEscape(t *testing.T) {
	t.Parallel()
	pool, _ := storetest.ScopeFixture(t)
	ctx := context.Background()
	login := "ponte_login_" + strings.ReplaceAll(storetest.FID(t.Name())[:8], "-", "")
	_, err := pool.Exec(ctx, "CREATE ROLE "+login+" LOGIN PASSWORD 'x' IN ROLE "+store.DatabaseRole)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = pool.Exec(ctx, "DROP OWNED BY "+login)
		_, _ = pool.Exec(ctx, "DROP ROLE IF EXISTS "+login)
	})
	cfg := pool.Config().Copy()
	cfg.ConnConfig.User, cfg.ConnConfig.Password = login, "x"
	hubPool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(hubPool.Close)
	st := store.New(hubPool)

	munA := storetest.Scopes()["organisation MUN-A"]
	tx := storetest.Begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}})
	ids, err := storetest.Strings(ctx, tx, "SELECT id::text FROM cases")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{storetest.FID("c1"), storetest.FID("c2")}, ids)
	_, err = storetest.Exec(ctx, tx, "SET LOCAL ROLE postgres")
	require.Error(t, err)
	require.NoError(t, tx.Rollback(ctx))

	tx = storetest.Begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}})
	_, err = storetest.Exec(ctx, tx, "RESET ROLE")
	require.NoError(t, err, "back to the login role")
	ids, err = storetest.Strings(ctx, tx, "SELECT id::text FROM cases")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{storetest.FID("c1"), storetest.FID("c2")}, ids, "the login role is bound by the same policies")
}
