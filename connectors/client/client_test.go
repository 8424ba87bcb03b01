package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/client"
)

// testBundle holds a scripted loopback server and the requests it saw.
type testBundle struct {
	srv   *httptest.Server
	hits  atomic.Int64
	mu    sync.Mutex
	times []time.Time
}

func setup(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) *testBundle {
	t.Helper()
	b := &testBundle{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := b.hits.Add(1)
		b.mu.Lock()
		b.times = append(b.times, time.Now())
		b.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func fastConfig(url string) client.Config {
	cfg := client.DefaultConfig("testsrc", url)
	cfg.BackoffMin = time.Millisecond
	cfg.BackoffMax = 5 * time.Millisecond
	cfg.Timeout = 2 * time.Second
	cfg.RateLimit = 0
	cfg.BreakerFailures = 100
	return cfg
}

func newClient(t *testing.T, cfg client.Config, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(cfg, opts...)
	require.NoError(t, err)
	return c
}

func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"detail":%q,"code":%q}`, http.StatusText(status), status, detail, code)
}

func TestRetriesStopAtBound(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		problem(w, http.StatusServiceUnavailable, "UPSTREAM_DOWN", "registry offline")
	})
	c := newClient(t, fastConfig(b.srv.URL))
	_, err := c.Do(context.Background(), client.Request{Operation: "list things", Path: "/v1/things"})
	require.Error(t, err)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, int64(client.DefaultMaxRetries+1), b.hits.Load())
	require.Equal(t, http.StatusServiceUnavailable, e.Status)
	require.Equal(t, "UPSTREAM_DOWN", e.Code)
	require.Equal(t, "registry offline", e.Message)
	require.True(t, e.Retryable)
	require.ErrorIs(t, err, client.ErrUnavailable)
	require.Contains(t, err.Error(), "testsrc: list things: HTTP 503 Service Unavailable: UPSTREAM_DOWN: registry offline")

	m := c.Metrics()
	require.Equal(t, uint64(1), m.Calls)
	require.Equal(t, uint64(1), m.CallFailures)
	require.Equal(t, uint64(5), m.Attempts)
	require.Equal(t, uint64(4), m.Retries)
	require.Equal(t, uint64(5), m.Failures[client.FailureServer])
	require.True(t, m.LastSuccess.IsZero())
}

func TestNoRetryOnClientErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		sentinel error
	}{
		{http.StatusBadRequest, nil},
		{http.StatusNotFound, client.ErrNotFound},
		{http.StatusUnauthorized, client.ErrAuth},
		{http.StatusForbidden, client.ErrAuth},
		{http.StatusConflict, nil},
		{http.StatusNotImplemented, nil},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
				problem(w, tc.status, "E", "nope")
			})
			c := newClient(t, fastConfig(b.srv.URL))
			_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
			var e *client.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, int64(1), b.hits.Load(), "must not retry %d", tc.status)
			require.Equal(t, tc.status, e.Status)
			require.False(t, e.Retryable)
			if tc.sentinel != nil {
				require.ErrorIs(t, err, tc.sentinel)
			}
		})
	}
}

func TestSuccessAfterTransientFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		require.Equal(t, "v", r.URL.Query().Get("k"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	})
	var events []client.RetryEvent
	c := newClient(t, fastConfig(b.srv.URL), client.WithRetryHook(func(e client.RetryEvent) { events = append(events, e) }))
	resp, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x", Query: map[string][]string{"k": {"v"}}})
	require.NoError(t, err)
	require.Equal(t, `{"ok":true}`, string(resp.Body))
	require.Equal(t, 3, resp.Attempts)
	require.Len(t, events, 2)
	require.Equal(t, 1, events[0].Attempt)
	require.Equal(t, http.StatusBadGateway, events[0].Status)
	require.False(t, c.Metrics().LastSuccess.IsZero())
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			problem(w, http.StatusTooManyRequests, "QUOTA", "slow down")
			return
		}
		fmt.Fprint(w, `{}`)
	})
	var events []client.RetryEvent
	c := newClient(t, fastConfig(b.srv.URL), client.WithRetryHook(func(e client.RetryEvent) { events = append(events, e) }))
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.True(t, events[0].RetryAfter)
	require.Equal(t, time.Second, events[0].Wait)
	require.Len(t, b.times, 2)
	require.GreaterOrEqual(t, b.times[1].Sub(b.times[0]), time.Second)
}

func TestRetryAfterHTTPDateHonoured(t *testing.T) {
	t.Parallel()
	retryAt := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	b := setup(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", retryAt.Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	var events []client.RetryEvent
	clock := func() time.Time { return retryAt.Add(-time.Second) }
	c := newClient(t, fastConfig(b.srv.URL), client.WithClock(clock),
		client.WithRetryHook(func(e client.RetryEvent) { events = append(events, e) }))
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.True(t, events[0].RetryAfter)
	require.Equal(t, time.Second, events[0].Wait)
	require.GreaterOrEqual(t, b.times[1].Sub(b.times[0]), time.Second)
}

func TestRetryAfterBeyondLimitGivesUp(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "120")
		problem(w, http.StatusTooManyRequests, "QUOTA", "daily quota exhausted")
	})
	c := newClient(t, fastConfig(b.srv.URL))
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, int64(1), b.hits.Load())
	require.True(t, e.Retryable)
	require.ErrorIs(t, err, client.ErrThrottled)
	require.Contains(t, err.Error(), "retry after 2m0s")
}

func TestDeadlineStopsRetriesEarly(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newClient(t, fastConfig(b.srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, client.Request{Operation: "get", Path: "/x"})
	require.Error(t, err)
	require.Less(t, time.Since(start), 400*time.Millisecond, "must not sleep into the deadline")
	require.Equal(t, int64(1), b.hits.Load())
	require.Contains(t, err.Error(), "would pass the call deadline")
	require.True(t, client.IsRetryable(err))
}

func TestBackoffIsBoundedExponential(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	cfg := fastConfig(b.srv.URL)
	cfg.BackoffMin = time.Millisecond
	cfg.BackoffMax = 3 * time.Millisecond
	var waits []time.Duration
	// Jitter at its maximum exposes the ceilings: 1ms, 2ms, then capped at 3ms.
	c := newClient(t, cfg,
		client.WithJitter(func(n int64) int64 { return n - 1 }),
		client.WithRetryHook(func(e client.RetryEvent) { waits = append(waits, e.Wait) }))
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.Error(t, err)
	require.Equal(t, []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond}, waits)
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	t.Parallel()
	var healthy atomic.Bool
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		if healthy.Load() {
			fmt.Fprint(w, `{}`)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	cfg := fastConfig(b.srv.URL)
	cfg.MaxRetries = 0
	cfg.BreakerFailures = 3
	cfg.BreakerCooldown = 150 * time.Millisecond
	c := newClient(t, cfg)
	ctx := context.Background()
	for range 3 {
		_, err := c.Do(ctx, client.Request{Operation: "get", Path: "/x"})
		require.ErrorIs(t, err, client.ErrUnavailable)
	}
	require.Equal(t, "open", c.BreakerState())
	_, err := c.Do(ctx, client.Request{Operation: "get", Path: "/x"})
	require.ErrorIs(t, err, client.ErrCircuitOpen)
	require.True(t, client.IsRetryable(err))
	require.Equal(t, int64(3), b.hits.Load(), "an open breaker must not reach the source")
	require.Equal(t, uint64(1), c.Metrics().Failures[client.FailureCircuitOpen])

	healthy.Store(true)
	require.Eventually(t, func() bool { return c.BreakerState() == "half-open" }, 2*time.Second, 10*time.Millisecond)
	_, err = c.Do(ctx, client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)
	require.Equal(t, "closed", c.BreakerState())
}

func TestBreakerIsScopedToTheEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/benefit-cases") {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	cfg := fastConfig(b.srv.URL)
	cfg.MaxRetries = 3
	cfg.BreakerFailures = 3
	c := newClient(t, cfg)
	ctx := context.Background()
	// A page of one collection gives up: its endpoint's breaker opens...
	_, err := c.Do(ctx, client.Request{Operation: "list benefit cases", Endpoint: "benefit_case", Path: "/v1/benefit-cases"})
	require.ErrorIs(t, err, client.ErrCircuitOpen)
	_, err = c.Do(ctx, client.Request{Operation: "search benefit cases", Endpoint: "benefit_case", Method: http.MethodPost, Path: "/v1/benefit-cases/search", Body: []byte(`{}`)})
	require.ErrorIs(t, err, client.ErrCircuitOpen, "the same collection fails fast")
	// ...and the source's other collections go on.
	_, err = c.Do(ctx, client.Request{Operation: "list ISEE", Endpoint: "isee", Path: "/v1/isee"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"benefit_case": "open", "isee": "closed"}, c.BreakerStates())
	require.Equal(t, "open", c.BreakerState(), "the source reports its worst endpoint")
	m := c.Metrics()
	require.Equal(t, "open", m.BreakerState)
	require.Equal(t, "closed", m.Breakers["isee"])

	// Without an endpoint, each operation is one.
	_, err = c.Do(ctx, client.Request{Operation: "ping", Path: "/ping"})
	require.NoError(t, err)
	require.Contains(t, c.BreakerStates(), "ping")
}

func TestRequestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			problem(w, http.StatusRequestTimeout, "TIMEOUT", "request not received in time")
			return
		}
		fmt.Fprint(w, `{}`)
	})
	c := newClient(t, fastConfig(b.srv.URL))
	resp, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)
	require.Equal(t, 2, resp.Attempts)
	require.Equal(t, uint64(1), c.Metrics().Failures[client.FailureTimeout])
}

func TestOAuthRefusalsAreAuthErrors(t *testing.T) {
	t.Parallel()
	for code, auth := range map[string]bool{"invalid_grant": true, "invalid_client": true, "invalid_scope": true, "invalid_request": false} {
		b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":%q,"error_description":"no"}`, code)
		})
		_, err := newClient(t, fastConfig(b.srv.URL)).Do(context.Background(), client.Request{Operation: "token", Path: "/token"})
		require.Equal(t, auth, errors.Is(err, client.ErrAuth), code)
		require.ErrorContains(t, err, "HTTP 400 Bad Request: "+code+": no")
		require.False(t, client.IsRetryable(err))
	}
}

func TestBreakerOpenStopsRetriesWithinCall(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	cfg := fastConfig(b.srv.URL)
	cfg.BreakerFailures = 2
	c := newClient(t, cfg)
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.ErrorIs(t, err, client.ErrCircuitOpen)
	require.Equal(t, int64(2), b.hits.Load())
}

func TestNetworkErrorsRetried(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c := newClient(t, fastConfig("http://"+addr))
	_, err = c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Zero(t, e.Status)
	require.True(t, e.Retryable)
	require.ErrorIs(t, err, client.ErrUnavailable)
	m := c.Metrics()
	require.Equal(t, uint64(client.DefaultMaxRetries+1), m.Failures[client.FailureNetwork])
}

func TestTruncatedBodyRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		body := `{"records":[1,2,3]}`
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		if n == 1 {
			fmt.Fprint(w, body[:5])
			return // the server closes the connection short of Content-Length
		}
		fmt.Fprint(w, body)
	})
	c := newClient(t, fastConfig(b.srv.URL))
	resp, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)
	require.Equal(t, `{"records":[1,2,3]}`, string(resp.Body))
	require.Equal(t, uint64(1), c.Metrics().Failures[client.FailureBody])
}

func TestCheckRejectsBodyAndRetries(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%d", n)
	})
	c := newClient(t, fastConfig(b.srv.URL))
	resp, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x", Check: func(body []byte) error {
		if string(body) == "1" {
			return errors.New("garbled")
		}
		return nil
	}})
	require.NoError(t, err)
	require.Equal(t, "2", string(resp.Body))

	_, err = c.Do(context.Background(), client.Request{Operation: "get", Path: "/x", Check: func([]byte) error {
		return errors.New("never valid")
	}})
	require.ErrorContains(t, err, "never valid")
	require.True(t, client.IsRetryable(err))
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		fmt.Fprint(w, `{}`)
	})
	cfg := fastConfig(b.srv.URL)
	cfg.Timeout = 100 * time.Millisecond
	c := newClient(t, cfg)
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)
	require.Equal(t, uint64(1), c.Metrics().Failures[client.FailureTimeout])
}

func TestBodyTooLargeNotRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 100))
	})
	cfg := fastConfig(b.srv.URL)
	cfg.MaxBodyBytes = 10
	c := newClient(t, cfg)
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.ErrorContains(t, err, "too large")
	require.False(t, client.IsRetryable(err))
	require.Equal(t, int64(1), b.hits.Load())
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{}`) })
	cfg := fastConfig(b.srv.URL)
	cfg.RateLimit = 20
	cfg.RateBurst = 1
	c := newClient(t, cfg)
	start := time.Now()
	for range 5 {
		_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
		require.NoError(t, err)
	}
	// One token up front, then one every 50ms.
	require.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond)
}

func TestPostSendsBody(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var buf strings.Builder
		_, _ = fmt.Fprint(&buf, r.ContentLength)
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		body := make([]byte, r.ContentLength)
		_, err := r.Body.Read(body)
		if err != nil && err.Error() != "EOF" {
			t.Errorf("read body: %v", err)
		}
		w.Write(body)
	})
	c := newClient(t, fastConfig(b.srv.URL))
	resp, err := c.Do(context.Background(), client.Request{Operation: "search", Method: http.MethodPost, Path: "/x", Body: []byte(`{"q":1}`)})
	require.NoError(t, err)
	require.Equal(t, `{"q":1}`, string(resp.Body), "the body must be replayed on retry")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	base := client.DefaultConfig("s", "http://127.0.0.1:1")
	require.NoError(t, base.Validate())
	for _, tc := range []struct {
		field  string
		mutate func(*client.Config)
	}{
		{"Source", func(c *client.Config) { c.Source = "" }},
		{"BaseURL", func(c *client.Config) { c.BaseURL = "" }},
		{"BaseURL", func(c *client.Config) { c.BaseURL = "ftp://x" }},
		{"BaseURL", func(c *client.Config) { c.BaseURL = "/relative" }},
		{"MaxRetries", func(c *client.Config) { c.MaxRetries = -1 }},
		{"BackoffMin", func(c *client.Config) { c.BackoffMin = 0 }},
		{"BackoffMax", func(c *client.Config) { c.BackoffMax = time.Nanosecond }},
		{"Timeout", func(c *client.Config) { c.Timeout = 0 }},
		{"BreakerFailures", func(c *client.Config) { c.BreakerFailures = 0 }},
		{"BreakerCooldown", func(c *client.Config) { c.BreakerCooldown = 0 }},
		{"RateBurst", func(c *client.Config) { c.RateBurst = 0 }},
		{"MaxBodyBytes", func(c *client.Config) { c.MaxBodyBytes = 0 }},
	} {
		cfg := base
		tc.mutate(&cfg)
		err := cfg.Validate()
		require.ErrorContains(t, err, "config "+tc.field, tc.field)
		_, err = client.New(cfg)
		require.Error(t, err)
	}
}
