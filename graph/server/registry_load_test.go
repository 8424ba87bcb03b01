package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/store"
)

// readLatencies times n reads of `{ persons(first: 1) { totalCount } }`, one after the
// other, and returns them sorted.
func readLatencies(t *testing.T, b *registryBundle, n int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		data := b.ok(t, `{ persons(first: 1) { totalCount } }`, nil)
		out[i] = time.Since(start)
		require.NotNil(t, data["persons"])
	}
	slices.Sort(out)
	return out
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// postRaw posts from any goroutine: it reports failures instead of stopping the test.
func postRaw(url, query string, vars map[string]any) (gqlResponse, error) {
	var out gqlResponse
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return out, err
	}
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out, err
}

// Fifty refreshes waiting on a slow registry hold no connection of the API's pool (four
// connections here): reads and mutations keep answering at their usual speed, and the
// refreshes themselves answer when their wait is up.
func TestWaitingRefreshesDoNotStallReads(t *testing.T) {
	t.Parallel()
	const refreshes, reads = 50, 200
	b := setupRegistry(t, refreshes)
	require.Len(t, b.fx.persons, refreshes)

	idle := readLatencies(t, b, reads)

	b.latency.Store(int64(time.Second))
	t.Cleanup(func() { b.latency.Store(0) })
	var wg sync.WaitGroup
	errs := make(chan error, refreshes)
	const refresh = `mutation($input: RefreshRegistryDataInput!) { refreshRegistryData(input: $input) {
	  state person { taxCode labourStatus { employmentStatus } } } }`
	for _, p := range b.fx.persons {
		wg.Go(func() {
			r, err := postRaw(b.srv.URL, refresh, map[string]any{"input": map[string]any{"personId": p, "wait": 8}})
			if err == nil && len(r.Errors) > 0 {
				err = fmt.Errorf("refresh: %+v", r.Errors)
			}
			if err == nil {
				if st := r.Data["refreshRegistryData"].(map[string]any)["state"]; st != "COMPLETED" && st != "PENDING" {
					err = fmt.Errorf("refresh: state %v", st)
				}
			}
			errs <- err
		})
	}
	time.Sleep(500 * time.Millisecond) // every refresh enqueued and waiting
	loaded := readLatencies(t, b, reads)
	start := time.Now()
	b.ok(t, `mutation($in: RegisterPersonInput!) { registerPerson(input: $in) { person { id } } }`, map[string]any{
		"in": map[string]any{"taxCode": "MRTMRA83T56A269B", "givenName": "Maria", "familyName": "Martini"}})
	mutation := time.Since(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	t.Logf("reads idle: p50 %s p99 %s; with %d waiting refreshes: p50 %s p99 %s; a mutation meanwhile: %s",
		percentile(idle, 0.5), percentile(idle, 0.99), refreshes, percentile(loaded, 0.5), percentile(loaded, 0.99), mutation)
	require.Less(t, percentile(loaded, 0.99), 2*time.Second, "reads wait for no refresh")
	require.Less(t, mutation, 2*time.Second)
}

// With every connection of the API's pool busy, a request is answered UNAVAILABLE with
// a retry hint after the acquire timeout, not queued without bound.
func TestBusyPoolAnswersUnavailableWithARetryHint(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	ctx := context.Background()
	st, err := store.Open(ctx, b.store.Pool().Config().ConnString(), store.Config{MaxConns: 1, AcquireTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	srv := httptest.NewServer(server.Mux(server.Config{Store: st}))
	t.Cleanup(srv.Close)
	held, err := st.Begin(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}})
	require.NoError(t, err)
	defer held.Rollback(ctx)

	start := time.Now()
	r, err := postRaw(srv.URL, `{ persons(first: 1) { totalCount } }`, nil)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 2*time.Second)
	require.Len(t, r.Errors, 1)
	require.Equal(t, "UNAVAILABLE", r.Errors[0].Extensions["code"])
	require.EqualValues(t, 1, r.Errors[0].Extensions["retryAfterSeconds"])
}
