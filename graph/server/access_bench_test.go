package server_test

import (
	"context"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
)

// BenchmarkAccessOverhead measures what access control costs a request: a page of 50
// cases with their persons, households, projects and interventions, asked over HTTP with
// a staff JWT against the same query through the open gate on the same database.
// Requests alternate, so both see the same machine; each sub-benchmark reports the median
// of both and the overhead in percent of the open median.
//
//   - plan-masks-log: the data protection officer, whose row scope is every row. The
//     request pays authentication (JWT verification, the cached plan), the claims and the
//     row-level security policies (which let scope "all" through at once), the check of
//     every field against the plan, and the access-log entry.
//   - row-scope: a social worker whose territory scope covers the same 50 cases. On top of
//     the above, the request proves every row is in scope: its transaction prepares the
//     scope's sets of cases, persons and households, and each statement checks its rows
//     against them twice, in the application's filter and in the policies.
//
// Each server has its own pool, as two deployments would: PostgreSQL drops a connection's
// cached plan of a statement on tables with row-level security when the statement runs
// under another role, so open requests (the login role) and access-controlled ones
// (ponte_app) sharing connections would re-plan each other's statements all the time.
//
//	go test -run '^$' -bench AccessOverhead ./graph/server/
func BenchmarkAccessOverhead(b *testing.B) {
	ab := setupAccess(b, 50)
	openStore, err := store.Open(context.Background(), ab.store.Pool().Config().ConnString(), store.Config{MaxConns: 4})
	require.NoError(b, err)
	b.Cleanup(openStore.Close)
	open := httptest.NewServer(server.Mux(server.Config{Store: openStore}))
	b.Cleanup(open.Close)
	openBundle := &testBundle{store: openStore, srv: open}
	vars := map[string]any{"first": 50}
	check := func(r gqlResponse) {
		if len(r.Errors) > 0 || len(at[[]any](b, r.Data, "cases.edges")) != 50 {
			b.Fatalf("unexpected answer: %+v", r.Errors)
		}
	}
	for _, c := range []struct {
		name    string
		who     string
		purpose access.Purpose
	}{
		{"plan-masks-log", "dpo", access.PurposeDataProtectionReview},
		{"row-scope", "social_worker", access.PurposeCaseManagement},
	} {
		b.Run(c.name, func(b *testing.B) {
			// Warm both paths: plans, loaders' statements, authentication's lookups.
			for range 3 {
				check(openBundle.postTB(b, casePage, vars))
				check(ab.as(b, c.who, c.purpose, casePage, vars))
			}
			var openTimes, accessTimes []time.Duration
			for b.Loop() {
				start := time.Now()
				check(openBundle.postTB(b, casePage, vars))
				openTimes = append(openTimes, time.Since(start))
				start = time.Now()
				check(ab.as(b, c.who, c.purpose, casePage, vars))
				accessTimes = append(accessTimes, time.Since(start))
			}
			mo, ma := median(openTimes), median(accessTimes)
			b.ReportMetric(float64(mo.Microseconds())/1000, "open-median-ms")
			b.ReportMetric(float64(ma.Microseconds())/1000, "access-median-ms")
			b.ReportMetric(100*float64(ma-mo)/float64(mo), "overhead-%")
			require.NotZero(b, mo)
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
