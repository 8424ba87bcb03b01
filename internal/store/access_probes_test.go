package store_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
)

// TestVisibilityProbesStayProbes: every row policy that looks a row's key up in a
// visibility table does it with OFFSET 0 in the EXISTS (migration 00510), so PostgreSQL
// probes the table's primary key per row read instead of hashing every key of the
// grantee first, which costs what the whole territory holds.
func TestVisibilityProbesStayProbes(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	rows, err := pool.Query(context.Background(), `SELECT tablename, policyname, coalesce(qual, ''), coalesce(with_check, '')
		FROM pg_policies WHERE schemaname = 'public'`)
	require.NoError(t, err)
	defer rows.Close()
	probe := regexp.MustCompile(`FROM (case|person|household)_visibility \w+\s+WHERE [^;]*?\)\s+OFFSET 0\)`)
	visibility := regexp.MustCompile(`FROM (case|person|household)_visibility \w+`)
	probed := 0
	for rows.Next() {
		var table, policy, qual, check string
		require.NoError(t, rows.Scan(&table, &policy, &qual, &check))
		for _, e := range []string{qual, check} {
			n := len(visibility.FindAllString(e, -1))
			require.Equal(t, n, len(probe.FindAllString(e, -1)), "policy %s on %s: a visibility lookup without OFFSET 0: %s", policy, table, e)
			probed += n
		}
	}
	require.NoError(t, rows.Err())
	require.Greater(t, probed, 20, "the policies probe the visibility tables")
}
