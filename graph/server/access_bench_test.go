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
// cases with their persons, households, projects and interventions, asked over HTTP by a
// social worker (JWT verification, the cached plan, claims and row-level security in
// PostgreSQL, a check per field, the access-log entry) against the same query through the
// open gate on the same database. Requests alternate, so both see the same machine; it
// reports the median of each and the overhead in percent of the open median.
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
		if len(r.Errors) > 0 || len(r.Data["cases"].(map[string]any)["edges"].([]any)) != 50 {
			b.Fatalf("unexpected answer: %+v", r.Errors)
		}
	}
	// Warm both paths: plans, loaders' statements, authentication's lookups.
	for range 3 {
		check(openBundle.postTB(b, casePage, vars))
		check(ab.as(b, "social_worker", access.PurposeCaseManagement, casePage, vars))
	}
	var openTimes, accessTimes []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		check(openBundle.postTB(b, casePage, vars))
		openTimes = append(openTimes, time.Since(start))
		start = time.Now()
		check(ab.as(b, "social_worker", access.PurposeCaseManagement, casePage, vars))
		accessTimes = append(accessTimes, time.Since(start))
	}
	b.StopTimer()
	mo, ma := median(openTimes), median(accessTimes)
	b.ReportMetric(float64(mo.Microseconds())/1000, "open-median-ms")
	b.ReportMetric(float64(ma.Microseconds())/1000, "access-median-ms")
	b.ReportMetric(100*float64(ma-mo)/float64(mo), "overhead-%")
	require.NotZero(b, mo)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
