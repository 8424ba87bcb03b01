package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// The rights and retention migrations (00450-00490) go down, leaving none of their
// tables or policies, and up again.
func TestRightsMigrationsGoDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := pgtest.URL(t)
	count := func() (tables, policies int) {
		t.Helper()
		pool, err := pgxpool.New(ctx, u)
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('rights_requests', 'rights_request_events',
				'processing_restrictions', 'retention_rules', 'retention_ledger', 'person_rectifications', 'consent_records', 'consent_record_events')),
			(SELECT count(*) FROM pg_policies WHERE policyname IN ('processing_restricted', 'consent_required'))`).Scan(&tables, &policies))
		return tables, policies
	}
	tables, policies := count()
	require.Equal(t, 8, tables)
	require.Equal(t, 13, policies)
	require.NoError(t, store.MigrateDownToForTest(ctx, u, 440))
	tables, policies = count()
	require.Zero(t, tables+policies)
	require.NoError(t, store.MigrateAll(ctx, u))
	tables, policies = count()
	require.Equal(t, [2]int{8, 13}, [2]int{tables, policies})
}
