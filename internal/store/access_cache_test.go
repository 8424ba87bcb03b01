package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
)

// A query's transaction prepares its scope's sets once: every statement sees the same rows
// as the live policies, for every scope and table, the first time and every time after.
func TestPreparedScopeSeesWhatThePoliciesSee(t *testing.T) {
	t.Parallel()
	_, st := scopeFixture(t)
	ctx := context.Background()
	all := store.Scope{Kind: store.ScopeAll}
	for name, sc := range testScopes() {
		tx := begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: all, PrepareScope: true})
		for round := 0; round < 2; round++ {
			for table, col := range store.ScopedTables {
				got, err := tx.StringsForTest(ctx, "SELECT "+col+" FROM "+table)
				require.NoError(t, err)
				want := rowsOf(t, st, store.TxOptions{Claims: sc.Claims(), Scope: all}, table, false)
				require.ElementsMatch(t, want, got, "%s %s round %d", name, table, round)
			}
		}
		require.NoError(t, tx.Rollback(ctx))
	}
}

// Prepared sets belong to the claims they were computed for: changed claims compute the
// sets live again.
func TestPreparedScopeFollowsTheClaims(t *testing.T) {
	t.Parallel()
	_, st := scopeFixture(t)
	ctx := context.Background()
	munA := testScopes()["organisation MUN-A"]
	tx := begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}, PrepareScope: true})
	ids, err := tx.StringsForTest(ctx, "SELECT id::text FROM persons")
	require.NoError(t, err)
	require.Equal(t, []string{"p1", "p2", "p3", "p6"}, nameAll(ids))
	kept, err := tx.StringsForTest(ctx, "SELECT current_setting('ponte.sets') || ' ' || current_setting('ponte.set_persons')")
	require.NoError(t, err)
	require.Contains(t, kept[0], "organisation||"+fid("MUN-A")+"| ", "the sets are tagged with their claims")
	require.Contains(t, kept[0], fid("p6"))
	_, err = tx.ExecForTest(ctx, "SELECT set_config('ponte.org_id', $1, true)", fid("MUN-B"))
	require.NoError(t, err)
	ids, err = tx.StringsForTest(ctx, "SELECT id::text FROM persons")
	require.NoError(t, err)
	require.Equal(t, []string{"p4", "p5", "p7"}, nameAll(ids))
	require.NoError(t, tx.Rollback(ctx))

	// Without prepared sets (a mutation), what the transaction links widens the scope at
	// once.
	tx = begin(t, st, store.TxOptions{Claims: munA.Claims(), Scope: store.Scope{Kind: store.ScopeAll}})
	ids, err = tx.StringsForTest(ctx, "SELECT id::text FROM persons")
	require.NoError(t, err)
	require.Len(t, ids, 4)
	_, err = tx.ExecForTest(ctx, `INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, opened_on)
		VALUES ('c-p9', $1, $2, $3, '2024-06-01')`, fid("p9"), fid("MUN-A"), fid("sw_a1"))
	require.NoError(t, err)
	ids, err = tx.StringsForTest(ctx, "SELECT id::text FROM persons")
	require.NoError(t, err)
	require.Contains(t, nameAll(ids), "p9")
}
