package store_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/storetest"
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

// TestScopeFiltersProbeVisibility: the store's own filters look a row's key up in the
// visibility tables the same way, as a subplan run per row read. A semi join would let the
// generic plan of a prepared statement (what a connection runs from the sixth execution on)
// read every key of the grantee to answer a page of fifty rows.
func TestScopeFiltersProbeVisibility(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	probes := 0
	for name, sc := range storetest.Scopes() {
		for table := range store.ScopedTables {
			tx := storetest.Begin(t, st, store.TxOptions{Scope: sc})
			var args []any
			sql := "SELECT 1 FROM " + table + " a WHERE " + store.PredicateForTest(tx.Scope(), table, "a", &args)
			out, err := storetest.Strings(ctx, tx, "EXPLAIN (FORMAT JSON) "+sql, args...)
			require.NoError(t, err, "%s on %s", name, table)
			var plans []struct{ Plan planNode }
			require.NoError(t, json.Unmarshal([]byte(strings.Join(out, "")), &plans))
			require.Len(t, plans, 1)
			plans[0].Plan.walk(false, func(n planNode, inSubPlan bool) {
				if strings.HasSuffix(n.Relation, "_visibility") {
					probes++
					require.True(t, inSubPlan, "%s on %s: %s is read by a %s node outside a subplan:\n%s", name, table, n.Relation, n.Type, sql)
				}
			})
			require.NoError(t, tx.Rollback(ctx))
		}
	}
	require.Greater(t, probes, 20, "the filters probe the visibility tables")
}

// planNode is the part of EXPLAIN's JSON the probe test reads.
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Parent   string     `json:"Parent Relationship"`
	Plans    []planNode `json:"Plans"`
}

// walk calls fn for n and every node below it, saying whether a subplan encloses it.
func (n planNode) walk(inSubPlan bool, fn func(planNode, bool)) {
	inSubPlan = inSubPlan || n.Parent == "SubPlan"
	fn(n, inSubPlan)
	for _, c := range n.Plans {
		c.walk(inSubPlan, fn)
	}
}
