package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func testScopes() map[string]store.Scope {
	return map[string]store.Scope{
		"none":               {},
		"aggregates":         {Kind: store.ScopeAggregates},
		"all":                {Kind: store.ScopeAll},
		"assigned sw_a1":     {Kind: store.ScopeAssigned, StaffID: fid("sw_a1")},
		"assigned sw_a2":     {Kind: store.ScopeAssigned, StaffID: fid("sw_a2")},
		"assigned nobody":    {Kind: store.ScopeAssigned},
		"organisation MUN-A": {Kind: store.ScopeOrganisation, OrganisationID: fid("MUN-A")},
		"organisation MUN-B": {Kind: store.ScopeOrganisation, OrganisationID: fid("MUN-B")},
		"organisation CPI":   {Kind: store.ScopeOrganisation, OrganisationID: fid("CPI")},
		"provider COOP-1":    {Kind: store.ScopeProvider, OrganisationID: fid("COOP-1")},
		"provider COOP-2":    {Kind: store.ScopeProvider, OrganisationID: fid("COOP-2")},
		"territory T1":       {Kind: store.ScopeTerritory, Territory: "T1"},
		"territory T2":       {Kind: store.ScopeTerritory, Territory: "T2"},
		"territory nowhere":  {Kind: store.ScopeTerritory},
		"participants":       {Kind: store.ScopeParticipants},
	}
}

// begin opens a transaction rolled back when the test ends (before its pool closes),
// whatever happens in between.
func begin(t *testing.T, st *store.Store, opts store.TxOptions) *store.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	return tx
}

func rowsOf(t *testing.T, st *store.Store, opts store.TxOptions, table string, filtered bool) []string {
	t.Helper()
	ctx := context.Background()
	tx := begin(t, st, opts)
	defer tx.Rollback(ctx)
	var args []any
	sql := "SELECT " + store.ScopedTables[table] + " FROM " + table + " a"
	if filtered {
		sql += " WHERE " + store.PredicateForTest(tx.ScopeForTest(), table, "a", &args)
	}
	ids, err := tx.StringsForTest(ctx, sql, args...)
	require.NoError(t, err)
	return ids
}

// The application's predicates and the row-level security policies are two writings of
// one rule: for every scope and table, the login role filtering with the predicate, the
// hub's role with no filter at all, and the hub's role with both see the same rows; and so
// does a transaction whose claims Begin derives from the scope (TxOptions.Restricted).
func TestScopePredicatesMatchRowLevelSecurity(t *testing.T) {
	t.Parallel()
	_, st := scopeFixture(t)
	for name, sc := range testScopes() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for table := range store.ScopedTables {
				app := rowsOf(t, st, store.TxOptions{Scope: sc}, table, true)
				rls := rowsOf(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc}, table, false)
				both := rowsOf(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc}, table, true)
				require.ElementsMatch(t, app, rls, "%s: predicate %v, row-level security %v", table, nameAll(app), nameAll(rls))
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
	_, st := scopeFixture(t)
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
			claims := testScopes()[c.scope].Claims()
			got := rowsOf(t, st, store.TxOptions{Claims: claims, Scope: all}, c.table, false)
			want := c.visible
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, nameAll(got))
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
	_, st := scopeFixture(t)
	ctx := context.Background()
	munA := testScopes()["organisation MUN-A"]
	for name, opts := range map[string]store.TxOptions{
		"application filter": {Scope: munA},
		"database policies":  {Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}},
		"both":               {Claims: munA.Claims(), Scope: munA},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tx := begin(t, st, opts)
			got, err := tx.CaseForTest(ctx, fid("c1"))
			require.NoError(t, err)
			require.Equal(t, fid("c1"), got)
			_, errOther := tx.CaseForTest(ctx, fid("c4"))
			require.ErrorIs(t, errOther, apperr.ErrNotFound)
			_, errMissing := tx.CaseForTest(ctx, "7d0e3c41-0000-4000-8000-000000000000")
			require.ErrorIs(t, errMissing, apperr.ErrNotFound)
			require.Equal(t, errMissing.Error(), errOther.Error(), "indistinguishable from a missing case")
			cs, err := tx.CasesByIDs(ctx, []string{fid("c3"), fid("c4")})
			require.NoError(t, err)
			require.Empty(t, cs)
			ps, err := tx.PersonsByIDs(ctx, []string{fid("p4"), fid("p7"), fid("p9")})
			require.NoError(t, err)
			require.Empty(t, ps)
		})
	}
}

// Writes outside the scope change nothing or are refused, even with the application's
// filter off.
func TestRowLevelSecurityRefusesWritesOutOfScope(t *testing.T) {
	t.Parallel()
	_, st := scopeFixture(t)
	ctx := context.Background()
	all := store.Scope{Kind: store.ScopeAll}
	// One transaction at a time: the test pool is small, and each is rolled back before
	// the next begins.
	var open *store.Tx
	begin := func(scope string) *store.Tx {
		if open != nil {
			_ = open.Rollback(ctx)
		}
		tx := begin(t, st, store.TxOptions{Claims: testScopes()[scope].Claims(), Scope: all})
		open = tx
		return tx
	}
	defer func() { _ = open.Rollback(ctx) }()

	tx := begin("organisation MUN-A")
	n, err := tx.ExecForTest(ctx, `UPDATE cases SET summary = 'x' WHERE id = $1`, fid("c4"))
	require.NoError(t, err)
	require.Zero(t, n, "another organisation's case is invisible to UPDATE")
	n, err = tx.ExecForTest(ctx, `UPDATE cases SET summary = 'x' WHERE id = $1`, fid("c1"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	tx = begin("organisation MUN-A")
	_, err = tx.ExecForTest(ctx, `INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, opened_on) VALUES ('x', $1, $2, $3, '2024-01-01')`,
		fid("p9"), fid("MUN-B"), fid("sw_b"))
	require.ErrorIs(t, err, apperr.ErrForbidden, "a case for another organisation")

	tx = begin("organisation MUN-A")
	_, err = tx.ExecForTest(ctx, `INSERT INTO projects (case_id, participant_id, provider_organisation_id, title) VALUES ($1, $2, $3, 't')`,
		fid("c4"), fid("p7"), fid("COOP-1"))
	require.ErrorIs(t, err, apperr.ErrForbidden, "a project in another organisation's case")

	tx = begin("provider COOP-1")
	n, err = tx.ExecForTest(ctx, `UPDATE projects SET title = 'mine now' WHERE id = $1`, fid("pr2"))
	require.NoError(t, err)
	require.Zero(t, n, "another cooperative's project in a shared case")

	tx = begin("participants")
	_, err = tx.ExecForTest(ctx, `INSERT INTO participations (operation_id, person_id, entry_date) VALUES ($1, $2, '2024-05-01')`, fid("op1"), fid("p9"))
	require.ErrorIs(t, err, apperr.ErrForbidden, "auditors never write")

	tx = begin("aggregates")
	_, err = tx.ExecForTest(ctx, `INSERT INTO persons (tax_code, given_name, family_name) VALUES ('ZZZZZZ80A01G702Z', 'a', 'b')`)
	require.ErrorIs(t, err, apperr.ErrForbidden, "dashboards never write")

	tx = begin("organisation MUN-A")
	n, err = tx.ExecForTest(ctx, `DELETE FROM activity_entries WHERE case_id = $1`, fid("c3"))
	require.NoError(t, err)
	require.Zero(t, n)
}

// A writable scope sees what its own transaction inserted before anything links it, and
// nothing of it from another transaction until it is linked to a case in scope.
func TestRowsWrittenInTheTransactionAreVisibleToIt(t *testing.T) {
	t.Parallel()
	_, st := scopeFixture(t)
	ctx := context.Background()
	munA := testScopes()["organisation MUN-A"]
	opts := store.TxOptions{Claims: munA.Claims(), Scope: munA}

	tx := begin(t, st, opts)
	var err error
	var person, household, member []string
	person, err = tx.StringsForTest(ctx, `INSERT INTO persons (tax_code, given_name, family_name) VALUES ('VRDLGU80A01G702Z', 'Luigi', 'Verdi') RETURNING id::text`)
	require.NoError(t, err)
	household, err = tx.StringsForTest(ctx, `INSERT INTO households (label) VALUES ('Verdi') RETURNING id::text`)
	require.NoError(t, err)
	member, err = tx.StringsForTest(ctx, `INSERT INTO household_members (household_id, person_id, relationship, valid_from) VALUES ($1, $2, 'HEAD', '2024-01-01') RETURNING id::text`, household[0], person[0])
	require.NoError(t, err)
	require.Len(t, member, 1)
	ps, err := tx.PersonsByIDs(ctx, person)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.NoError(t, tx.Commit(ctx))

	tx = begin(t, st, opts)
	ps, err = tx.PersonsByIDs(ctx, person)
	require.NoError(t, err)
	require.Empty(t, ps, "an unlinked person is in nobody's scope")
	_, err = tx.StringsForTest(ctx, `INSERT INTO cases (reference, household_id, person_id, organisation_id, lead_worker_id, opened_on)
		VALUES ('c-new', $1, $2, $3, $4, '2024-06-01') RETURNING id::text`, household[0], person[0], fid("MUN-A"), fid("sw_a1"))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))

	tx = begin(t, st, opts)
	ps, err = tx.PersonsByIDs(ctx, person)
	require.NoError(t, err)
	require.Len(t, ps, 1, "linked through a case of the organisation")
}

// The hub's role owns nothing, cannot switch security off, and cannot touch the log or
// issue tokens.
func TestHubRoleIsConfined(t *testing.T) {
	t.Parallel()
	_, st := scopeFixture(t)
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
		tx := begin(t, st, store.TxOptions{Claims: dpo.Claims(), Scope: dpo})
		_, err := tx.ExecForTest(ctx, stmt)
		require.Error(t, err, stmt)
		require.True(t, errors.Is(err, apperr.ErrForbidden) || err != nil, stmt)
		_ = tx.Rollback(ctx)
	}
	tx := begin(t, st, store.TxOptions{Claims: dpo.Claims(), Scope: dpo})
	who, err := tx.StringsForTest(ctx, `SELECT current_user::text || '/' || (SELECT rolbypassrls::text FROM pg_roles WHERE rolname = current_user)`)
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
	pool, _ := scopeFixture(t)
	ctx := context.Background()
	login := "ponte_login_" + strings.ReplaceAll(fid(t.Name())[:8], "-", "")
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

	munA := testScopes()["organisation MUN-A"]
	tx := begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}})
	ids, err := tx.StringsForTest(ctx, "SELECT id::text FROM cases")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{fid("c1"), fid("c2")}, ids)
	_, err = tx.ExecForTest(ctx, "SET LOCAL ROLE postgres")
	require.Error(t, err)
	require.NoError(t, tx.Rollback(ctx))

	tx = begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}})
	_, err = tx.ExecForTest(ctx, "RESET ROLE")
	require.NoError(t, err, "back to the login role")
	ids, err = tx.StringsForTest(ctx, "SELECT id::text FROM cases")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{fid("c1"), fid("c2")}, ids, "the login role is bound by the same policies")
}
