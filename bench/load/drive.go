package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// maxRequestsPerRun bounds one run's requests whatever its duration.
const maxRequestsPerRun = 1_000_000

// result is what one system served one principal for one stretch of time.
type result struct {
	Requests  int
	Elapsed   time.Duration
	Latencies []time.Duration
	// CPU time the server's processes and PostgreSQL's backends spent (cpuMeter).
	ServerCPU, DBCPU time.Duration
}

// Rate is requests (or pgbench transactions) per second.
func (r result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// merge adds another run of the same system and principal: rates over the summed
// time, percentiles over every latency.
func (r result) merge(o result) result {
	return result{Requests: r.Requests + o.Requests, Elapsed: r.Elapsed + o.Elapsed,
		Latencies: append(append([]time.Duration(nil), r.Latencies...), o.Latencies...),
		ServerCPU: r.ServerCPU + o.ServerCPU, DBCPU: r.DBCPU + o.DBCPU}
}

// perPage is d spread over the run's pages.
func (r result) perPage(d time.Duration) time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return d / time.Duration(r.Requests)
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(float64(len(s))*p/100 + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// httpTarget is one system's page request for one principal.
type httpTarget struct {
	URL     string
	Body    []byte
	Headers map[string]string
}

// post sends the page request once and returns the response body; any status but 200
// or a response with GraphQL errors is an error.
func (t httpTarget) post(ctx context.Context, c *http.Client) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, raw)
	}
	// A full parse per request would load the client's CPU, which the servers share;
	// the answers' shape is checked once before the rounds (summarise).
	if bytes.Contains(raw, []byte(`"errors":`)) {
		return nil, fmt.Errorf("GraphQL errors: %.300s", raw)
	}
	return raw, nil
}

// newClient is an HTTP client keeping one connection per concurrent client.
func newClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients * 2
	tr.MaxIdleConnsPerHost = clients * 2
	// Both servers are asked for plain JSON: neither pays for compressing it.
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// drive sends the request from clients goroutines, each waiting for its answer before
// sending the next, until d has passed (or maxRequestsPerRun were sent), and fails at
// the first request that fails.
func drive(parent context.Context, c *http.Client, t httpTarget, clients int, d time.Duration) (result, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		wg        sync.WaitGroup
		sent      int
	)
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				mu.Lock()
				if sent >= maxRequestsPerRun || firstErr != nil {
					mu.Unlock()
					return
				}
				sent++
				mu.Unlock()
				t0 := time.Now()
				_, err := t.post(ctx, c)
				lat := time.Since(t0)
				mu.Lock()
				if err != nil {
					if firstErr == nil && !errors.Is(err, context.Canceled) {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				latencies = append(latencies, lat)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	if err := parent.Err(); err != nil {
		return result{}, err
	}
	return result{Requests: len(latencies), Elapsed: elapsed, Latencies: latencies}, nil
}
