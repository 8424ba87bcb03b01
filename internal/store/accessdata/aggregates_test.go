package accessdata_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func cellsOf(cells []accessdata.AggregateCell) map[string]int64 {
	m := map[string]int64{}
	for _, c := range cells {
		m[c.Row+"|"+c.Column] = c.Count
	}
	return m
}

// Dashboards see no rows, yet the aggregate functions count them, restricted to the
// claimed territory, and only for a transaction carrying the aggregates claim.
func TestAggregatesUnderTheAggregatesScope(t *testing.T) {
	t.Parallel()
	pool, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `UPDATE cases SET status = 'CLOSED', closed_on = '2024-03-01' WHERE id = $1`, storetest.FID("c2"))
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO departments (id, organisation_id, code, name, kind) VALUES ($1, $2, 'SOC', 'Social care', 'SOCIAL_CARE')`,
		storetest.FID("dep"), storetest.FID("MUN-A"))
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO case_departments (case_id, department_id) VALUES ($1, $2)`, storetest.FID("c1"), storetest.FID("dep"))
	require.NoError(t, err)

	agg := store.Scope{Kind: store.ScopeAggregates}
	claims := func(territory string) map[string]string {
		c := agg.Claims()
		c[store.ClaimAggregates] = "read"
		c[store.ClaimAggregateTerritory] = territory
		return c
	}
	run := func(t *testing.T, c map[string]string, fn func(tx *store.Tx) ([]accessdata.AggregateCell, error)) ([]accessdata.AggregateCell, error) {
		t.Helper()
		tx := storetest.Begin(t, st, store.TxOptions{Claims: c, Scope: agg})
		defer tx.Rollback(ctx)
		return fn(tx)
	}
	caseLoad := func(g string) func(tx *store.Tx) ([]accessdata.AggregateCell, error) {
		return func(tx *store.Tx) ([]accessdata.AggregateCell, error) { return accessdata.CaseLoad(ctx, tx, g) }
	}

	got, err := run(t, claims(""), caseLoad("STATUS"))
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"OPEN|OPEN": 3, "CLOSED|CLOSED": 1}, cellsOf(got))
	got, err = run(t, claims("T1"), caseLoad("ORGANISATION"))
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"MUN-A|OPEN": 1, "MUN-A|CLOSED": 1}, cellsOf(got), "territory T1 only")
	got, err = run(t, claims(""), caseLoad("DEPARTMENT"))
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"MUN-A/SOC|OPEN": 1, "NONE|OPEN": 2, "NONE|CLOSED": 1}, cellsOf(got))
	// The three groupings at once, for suppressing them together: the same counts.
	tx := storetest.Begin(t, st, store.TxOptions{Claims: claims(""), Scope: agg})
	tables, err := accessdata.CaseLoadTables(ctx, tx)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	for _, g := range accessdata.CaseLoadGroupings {
		one, err := run(t, claims(""), caseLoad(g))
		require.NoError(t, err)
		require.Equal(t, cellsOf(one), cellsOf(tables[g]), g)
	}
	got, err = run(t, claims(""), func(tx *store.Tx) ([]accessdata.AggregateCell, error) {
		return accessdata.ServicesActivated(ctx, tx, storetest.FID("r1"))
	})
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"HOME_EDUCATION_MINORS|PLANNED": 2}, cellsOf(got))
	got, err = run(t, claims("T2"), func(tx *store.Tx) ([]accessdata.AggregateCell, error) {
		return accessdata.ServicesActivated(ctx, tx, storetest.FID("r1"))
	})
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"HOME_EDUCATION_MINORS|PLANNED": 1}, cellsOf(got))

	// The same transaction sees no row.
	tx = storetest.Begin(t, st, store.TxOptions{Claims: claims(""), Scope: store.Scope{Kind: store.ScopeAll}})
	ids, err := storetest.Strings(ctx, tx, "SELECT id::text FROM cases")
	require.NoError(t, err)
	require.Empty(t, ids)
	require.NoError(t, tx.Rollback(ctx))

	// Without the claim the hub's role is refused, whatever its scope.
	for _, sc := range []store.Scope{agg, storetest.Scopes()["organisation MUN-A"], {Kind: store.ScopeAll}} {
		_, err = run(t, sc.Claims(), caseLoad("STATUS"))
		require.ErrorIs(t, err, apperr.ErrForbidden, sc.Kind.String())
	}
	// Operators (the login role) may count without claims.
	got, err = run(t, nil, caseLoad("STATUS"))
	require.NoError(t, err)
	require.Len(t, got, 2)

	_, err = run(t, claims(""), caseLoad("WEEKDAY"))
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "groupBy", ie.Fields[0].Field)
	_, err = run(t, claims(""), func(tx *store.Tx) ([]accessdata.AggregateCell, error) {
		return accessdata.ServicesActivated(ctx, tx, "r1")
	})
	ie, ok = apperr.AsInput(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "roundId", ie.Fields[0].Field)
}
