package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/graph/registry"
	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

// registryBundle is a hub whose registries are simulated in process and synced once,
// with the job queue running and serving refreshRegistryData.
type registryBundle struct {
	*testBundle
	down *atomic.Bool
	// latency (nanoseconds) delays every data request to the registries.
	latency *atomic.Int64
	queue   *syncjob.Queue
	sim     *simulate.Simulator
}

func setupRegistry(t *testing.T, cases int) *registryBundle {
	t.Helper()
	ctx := context.Background()
	counter := &statementCounter{}
	dbURL := pgtest.URL(t)
	st, err := store.Open(ctx, dbURL, store.Config{Tracer: counter, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	fx := loadFixture(t, st, cases)
	persons, err := simulate.Persons(ctx, st, 0)
	require.NoError(t, err)
	require.Len(t, persons, 2*cases)

	down, latency := &atomic.Bool{}, &atomic.Int64{}
	simulators, err := simulate.Start(ctx, simulate.Options{Persons: persons, Seed: 5, MaxAge: time.Hour,
		Wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if d := time.Duration(latency.Load()); d > 0 && r.URL.Path != "/token.oauth2" {
					time.Sleep(d)
				}
				if down.Load() && r.URL.Path != "/token.oauth2" {
					w.Header().Set("Content-Type", "application/problem+json")
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = w.Write([]byte(`{"status":503,"code":"MAINTENANCE","detail":"registry down for maintenance"}`))
					return
				}
				next.ServeHTTP(w, r)
			})
		}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, simulators.Close()) })
	cfg := simulators.Config
	cfg.RetryBase, cfg.RetryMax = time.Minute, time.Minute
	for name, sc := range cfg.Sources {
		sc.Client.BackoffMin, sc.Client.BackoffMax, sc.Client.MaxRetries = time.Millisecond, 2*time.Millisecond, 1
		cfg.Sources[name] = sc
	}
	conn, err := syncjob.NewConnectors(cfg, nil)
	require.NoError(t, err)
	// The queue has a pool of its own, so that the statements counted are the API's, and
	// logs in as the hub's own role, as ponte serve's does: its jobs and the registry data
	// it stores go through row-level security.
	jobs, err := store.Open(ctx, pgtest.HubURL(t, dbURL), store.Config{MaxConns: 8})
	require.NoError(t, err)
	t.Cleanup(jobs.Close)
	sy, err := syncjob.NewSyncer(jobs, conn, cfg)
	require.NoError(t, err)
	q, err := syncjob.NewQueue(jobs, sy, syncjob.QueueOptions{NoSchedule: true, PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, q.Stop(sctx))
	})
	_, err = sy.Sync(ctx, syncjob.Sources, syncjob.SyncOptions{})
	require.NoError(t, err)

	srv := httptest.NewServer(server.Mux(server.Config{Store: st, Middleware: registry.Middleware(q),
		Metrics: []prometheus.Collector{client.NewCollector(conn.Clients()...)}}))
	t.Cleanup(srv.Close)
	return &registryBundle{testBundle: &testBundle{store: st, srv: srv, counter: counter, fx: fx}, down: down, latency: latency, queue: q, sim: simulators}
}

const registryPage = `query($first: Int) {
  persons(first: $first) { edges { node {
    taxCode
    benefits { source sourceRef programme status statusRaw monthlyAmountEur applicantTaxCode applicant { taxCode }
      householdMembers { taxCode role relationship } freshness { status fetchedAt age maxAge lastError } }
    isee { sourceRef valueEur iseeType declarant { taxCode } freshness { status } }
    labourStatus { source sourceRef employmentStatus unemploymentMonths person { taxCode } freshness { status age } }
    employmentEvents { eventType employerTaxCode startDate worker { taxCode } freshness { status } }
    schoolRecords { schoolYear attendanceStatus attendanceStatusRaw student { taxCode } qualification { titleCode } freshness { status } }
    households { household {
      benefits { sourceRef } isee { sourceRef } labourStatuses { sourceRef } schoolRecords { sourceRef taxCode }
    } }
  } } }
}`

func TestRegistryDataOnPersonsAndHouseholdsWithFreshness(t *testing.T) {
	t.Parallel()
	counts := map[int]int64{}
	for _, n := range []int{2, 8} {
		b := setupRegistry(t, n)
		b.counter.n.Store(0)
		data := b.ok(t, registryPage, map[string]any{"first": 2 * n})
		counts[n] = b.counter.n.Load()
		edges := at[[]any](t, data, "persons.edges")
		require.Len(t, edges, 2*n)
		var labour, school, benefits int
		for _, e := range edges {
			p := at[map[string]any](t, e, "node")
			tc := at[string](t, p, "taxCode")
			if ls, ok := p["labourStatus"].(map[string]any); ok {
				labour++
				require.Equal(t, "LABOUR", ls["source"])
				require.Equal(t, tc, ls["sourceRef"], "a labour status is referenced by the tax code")
				require.Equal(t, tc, path(t, ls, "person.taxCode"))
				require.Equal(t, "FRESH", path(t, ls, "freshness.status"))
			}
			for _, sr := range at[[]any](t, p, "schoolRecords") {
				school++
				r := sr.(map[string]any)
				require.Equal(t, tc, path(t, r, "student.taxCode"))
				require.NotEmpty(t, r["attendanceStatusRaw"])
			}
			for _, bc := range at[[]any](t, p, "benefits") {
				benefits++
				c := bc.(map[string]any)
				require.Equal(t, "BENEFITS", c["source"])
				f := at[map[string]any](t, c, "freshness")
				require.Equal(t, "FRESH", f["status"])
				require.EqualValues(t, 3600, f["maxAge"])
				require.Nil(t, f["lastError"])
				members := at[[]any](t, c, "householdMembers")
				require.Equal(t, "APPLICANT", path(t, members, "0.role"))
				require.Equal(t, c["applicantTaxCode"], path(t, members, "0.taxCode"))
				found := false
				for _, m := range members {
					found = found || path(t, m, "taxCode") == tc
				}
				require.True(t, found, "a member's benefit cases list them")
			}
			h := at[map[string]any](t, p, "households.0.household")
			require.Len(t, h["schoolRecords"], 1, "each fixture household has one minor of school age")
		}
		require.Equal(t, n, labour, "every adult has a labour status")
		require.Equal(t, n, school, "every minor has a school record")
		require.Positive(t, benefits)
	}
	t.Logf("statements for a page of persons with registry data: N=4 → %d, N=16 → %d", counts[2], counts[8])
	require.Equal(t, counts[2], counts[8], "statements must not grow with the page size")
	require.Less(t, counts[8], int64(30))
}

func TestRefreshRegistryDataAndFailingFreshness(t *testing.T) {
	t.Parallel()
	b := setupRegistry(t, 2)
	person, household := b.fx.persons[0], b.fx.households[1]
	const refresh = `mutation($input: RefreshRegistryDataInput!) { refreshRegistryData(input: $input) {
	  state jobId fetched stored unchanged quarantined errors retryAt
	  person { taxCode labourStatus { employmentStatus fetchedAt freshness { status lastError lastErrorAt } } }
	  household { members { person { taxCode } } schoolRecords { attendanceStatus } }
	} }`

	data := b.ok(t, refresh, map[string]any{"input": map[string]any{"personId": person, "wait": 20}})
	res := at[map[string]any](t, data, "refreshRegistryData")
	require.Equal(t, "COMPLETED", res["state"], "errors: %v", res["errors"])
	require.Positive(t, res["fetched"])
	require.Equal(t, res["fetched"], res["unchanged"], "the sync had stored everything already")
	require.Empty(t, res["errors"])
	ls := at[map[string]any](t, res, "person.labourStatus")
	require.Equal(t, "FRESH", path(t, ls, "freshness.status"))

	data = b.ok(t, refresh, map[string]any{"input": map[string]any{"householdId": household, "sources": []string{"SCHOOL"}}})
	res = at[map[string]any](t, data, "refreshRegistryData")
	require.Equal(t, "COMPLETED", res["state"])
	require.EqualValues(t, 1, res["fetched"], "one school record for the household's minor")
	require.Len(t, path(t, res, "household.schoolRecords"), 1)

	// The registry goes down: the refresh says FAILED with the registry's answer, and the
	// data still reads, marked FAILING with the error.
	b.down.Store(true)
	data = b.ok(t, refresh, map[string]any{"input": map[string]any{"personId": person, "sources": []string{"LABOUR"}, "wait": 20}})
	res = at[map[string]any](t, data, "refreshRegistryData")
	require.Equal(t, "FAILED", res["state"])
	require.NotNil(t, res["retryAt"])
	require.Contains(t, path(t, res, "errors.0"), "HTTP 503 Service Unavailable: MAINTENANCE: registry down for maintenance")
	ls = at[map[string]any](t, res, "person.labourStatus")
	f := at[map[string]any](t, ls, "freshness")
	require.Equal(t, "FAILING", f["status"])
	require.Contains(t, f["lastError"], "registry down for maintenance")
	require.NotNil(t, f["lastErrorAt"])

	status := at[[]any](t, b.ok(t, `{ registryStatus { source status breakerState queueWaiting queueRunning recentFailures lastError
	  collections { collection inProgress lastFullSyncAt consecutiveFailures } } }`, nil), "registryStatus")
	require.Len(t, status, 3)
	for _, s := range status {
		s := s.(map[string]any)
		require.Len(t, s["collections"], map[string]int{"BENEFITS": 2, "LABOUR": 2, "SCHOOL": 1}[at[string](t, s, "source")])
		if s["source"] == "LABOUR" {
			require.Equal(t, "FAILING", s["status"], "the last refresh failed")
			require.Contains(t, s["lastError"], "registry down for maintenance")
			require.EqualValues(t, 1, s["queueWaiting"], "the failed refresh waits for its retry")
			require.EqualValues(t, 1, s["recentFailures"])
			require.Equal(t, "CLOSED", s["breakerState"])
		} else {
			require.Equal(t, "HEALTHY", s["status"])
			require.EqualValues(t, 0, s["queueWaiting"])
		}
		for _, c := range at[[]any](t, s, "collections") {
			require.NotNil(t, path(t, c, "lastFullSyncAt"))
			require.Equal(t, false, path(t, c, "inProgress"))
		}
	}
}

func TestRefreshRegistryDataRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setupRegistry(t, 1)
	const refresh = `mutation($input: RefreshRegistryDataInput!) { refreshRegistryData(input: $input) { state } }`
	for _, tc := range []struct {
		input map[string]any
		field string
	}{
		{map[string]any{}, "input.personId"},
		{map[string]any{"personId": b.fx.persons[0], "householdId": b.fx.households[0]}, "input.personId"},
		{map[string]any{"personId": b.fx.persons[0], "wait": 31}, "input.wait"},
		{map[string]any{"personId": b.fx.households[0]}, "input.personId"},
	} {
		r := b.post(t, refresh, map[string]any{"input": tc.input})
		require.NotEmpty(t, r.Errors, "%v", tc.input)
		require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"], "%v", tc.input)
		require.Equal(t, tc.field, r.Errors[0].Extensions["field"], "%v", tc.input)
	}
	// Waiting ends the request's transaction, which an operation with other fields needs.
	two := `mutation($input: RefreshRegistryDataInput!) { a: refreshRegistryData(input: $input) { state } b: refreshRegistryData(input: $input) { state } }`
	start := time.Now()
	r := b.post(t, two, map[string]any{"input": map[string]any{"personId": b.fx.persons[0], "wait": 30}})
	require.Empty(t, r.Errors, "beside another field it enqueues and answers at once")
	require.Less(t, time.Since(start), 10*time.Second)

	r = b.post(t, refresh, map[string]any{"input": map[string]any{"personId": b.fx.persons[0], "sources": []string{"TAX"}}})
	require.NotEmpty(t, r.Errors, "an unknown registry is refused by the schema")

	// A server with no job queue cannot refresh, and says so.
	plain := httptest.NewServer(server.Mux(server.Config{Store: b.store}))
	t.Cleanup(plain.Close)
	other := &testBundle{store: b.store, srv: plain, counter: b.counter}
	r = other.post(t, refresh, map[string]any{"input": map[string]any{"personId": b.fx.persons[0]}})
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "UNAVAILABLE", r.Errors[0].Extensions["code"])

	// Reading registry data needs no queue.
	data := other.ok(t, `query($id: ID!) { node(id: $id) { ... on Person { labourStatus { employmentStatus } } } }`,
		map[string]any{"id": b.fx.persons[0]})
	require.NotNil(t, path(t, data, "node.labourStatus"))
}
