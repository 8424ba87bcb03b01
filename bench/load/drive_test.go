package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, percentile(ds, 50))
	require.Equal(t, 95*time.Millisecond, percentile(ds, 95))
	require.Equal(t, 100*time.Millisecond, percentile(ds, 100))
	require.Equal(t, 1*time.Millisecond, percentile(ds, 0.1))
	require.Equal(t, time.Duration(0), percentile(nil, 50))
	require.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 50))
	require.Equal(t, 100*time.Millisecond, ds[0], "percentile sorts a copy")
}

func TestResultRateAndMerge(t *testing.T) {
	a := result{Requests: 100, Elapsed: 10 * time.Second, Latencies: []time.Duration{1}}
	b := result{Requests: 300, Elapsed: 10 * time.Second, Latencies: []time.Duration{2, 3}}
	require.InDelta(t, 10.0, a.Rate(), 1e-9)
	m := a.merge(b)
	require.InDelta(t, 20.0, m.Rate(), 1e-9)
	require.Len(t, m.Latencies, 3)
	require.Zero(t, result{}.Rate())
}

func TestDriveSendsFromEveryClientUntilTheDuration(t *testing.T) {
	var inFlight, most, total atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		require.Equal(t, `{"query":"{ x }"}`, string(body))
		require.Equal(t, "yes", r.Header.Get("X-Test"))
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		total.Add(1)
		_, _ = w.Write([]byte(`{"data":{"x":1}}`))
	}))
	defer srv.Close()
	tgt := httpTarget{URL: srv.URL, Body: []byte(`{"query":"{ x }"}`), Headers: map[string]string{"X-Test": "yes"}}
	got, err := drive(context.Background(), newClient(4), tgt, 4, 300*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, int(total.Load()), got.Requests)
	require.Len(t, got.Latencies, got.Requests)
	require.Greater(t, got.Requests, 20)
	require.EqualValues(t, 4, most.Load(), "four clients at once, never more")
	require.GreaterOrEqual(t, got.Elapsed, 300*time.Millisecond)
}

func TestDriveFailsOnAnErrorAnswer(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"status": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) },
		"graphql errors": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"errors":[{"message":"denied"}],"data":null}`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			_, err := drive(context.Background(), newClient(2), httpTarget{URL: srv.URL, Body: []byte(`{}`)}, 2, 5*time.Second)
			require.Error(t, err)
		})
	}
}
