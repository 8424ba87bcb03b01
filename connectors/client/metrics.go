package client

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FailureKind classifies a failed attempt for metrics.
type FailureKind string

// Failure kinds counted per source.
const (
	FailureNetwork     FailureKind = "network"      // connection refused, reset, DNS
	FailureTimeout     FailureKind = "timeout"      // attempt exceeded Config.Timeout
	FailureServer      FailureKind = "server"       // 5xx
	FailureThrottled   FailureKind = "throttled"    // 429
	FailureClient      FailureKind = "client"       // other 4xx
	FailureBody        FailureKind = "body"         // truncated, oversized or rejected body
	FailureCircuitOpen FailureKind = "circuit_open" // breaker refused the attempt
	FailureAuth        FailureKind = "auth"         // credentials could not be obtained
	FailureIntegrity   FailureKind = "integrity"    // the response failed signature or digest verification
)

// latencyBounds are the upper bounds, in seconds, of the call latency buckets.
var latencyBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Metrics is a point-in-time snapshot of one source's client.
type Metrics struct {
	Source       string
	Calls        uint64                 // logical calls (each may span several attempts)
	CallFailures uint64                 // calls that ended in an error
	Attempts     uint64                 // HTTP attempts sent or refused by the breaker
	Retries      uint64                 // attempts after the first of a call
	Failures     map[FailureKind]uint64 // failed attempts by kind
	// Latency of whole calls: Count and Sum (seconds) plus cumulative
	// counts per bucket upper bound, as Prometheus histograms expect.
	LatencyCount   uint64
	LatencySum     float64
	LatencyBuckets []Bucket
	LastSuccess    time.Time // zero if none yet
	LastFailure    time.Time
	BreakerState   string // the worst endpoint's: "closed", "half-open" or "open"
	// Breakers is each endpoint's breaker state.
	Breakers map[string]string
}

// Bucket is one cumulative histogram bucket.
type Bucket struct {
	UpperBound float64 // seconds
	Count      uint64
}

type metrics struct {
	mu           sync.Mutex
	calls        uint64
	callFailures uint64
	attempts     uint64
	retries      uint64
	failures     map[FailureKind]uint64
	latCount     uint64
	latSum       float64
	latBuckets   []uint64
	lastSuccess  time.Time
	lastFailure  time.Time
}

func newMetrics() *metrics {
	return &metrics{failures: map[FailureKind]uint64{}, latBuckets: make([]uint64, len(latencyBounds))}
}

func (m *metrics) attempt() {
	m.mu.Lock()
	m.attempts++
	m.mu.Unlock()
}

func (m *metrics) retry() {
	m.mu.Lock()
	m.retries++
	m.mu.Unlock()
}

func (m *metrics) failure(kind FailureKind, at time.Time) {
	m.mu.Lock()
	m.failures[kind]++
	m.lastFailure = at
	m.mu.Unlock()
}

func (m *metrics) call(d time.Duration, ok bool, at time.Time) {
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if ok {
		m.lastSuccess = at
	} else {
		m.callFailures++
	}
	m.latCount++
	m.latSum += s
	for i, ub := range latencyBounds {
		if s <= ub {
			m.latBuckets[i]++
		}
	}
}

func (m *metrics) snapshot(source, breaker string) Metrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := Metrics{
		Source:       source,
		Calls:        m.calls,
		CallFailures: m.callFailures,
		Attempts:     m.attempts,
		Retries:      m.retries,
		Failures:     make(map[FailureKind]uint64, len(m.failures)),
		LatencyCount: m.latCount,
		LatencySum:   m.latSum,
		LastSuccess:  m.lastSuccess,
		LastFailure:  m.lastFailure,
		BreakerState: breaker,
	}
	for k, v := range m.failures {
		out.Failures[k] = v
	}
	out.LatencyBuckets = make([]Bucket, len(latencyBounds))
	for i, ub := range latencyBounds {
		out.LatencyBuckets[i] = Bucket{UpperBound: ub, Count: m.latBuckets[i]}
	}
	return out
}

// breakerStateValue encodes breaker states as a gauge.
func breakerStateValue(s string) int {
	switch s {
	case "half-open":
		return 1
	case "open":
		return 2
	}
	return 0
}

// WritePrometheus writes snapshots in the Prometheus text exposition format
// (version 0.0.4), one series per source.
func WritePrometheus(w io.Writer, snaps []Metrics) error {
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Source < snaps[j].Source })
	ew := &errWriter{w: w}
	family := func(name, typ, help string) {
		ew.printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("ponte_registry_calls_total", "counter", "Calls made to a registry, each possibly spanning several attempts.")
	for _, s := range snaps {
		ew.printf("ponte_registry_calls_total{source=%s} %d\n", quote(s.Source), s.Calls)
	}
	family("ponte_registry_call_failures_total", "counter", "Calls to a registry that ended in an error.")
	for _, s := range snaps {
		ew.printf("ponte_registry_call_failures_total{source=%s} %d\n", quote(s.Source), s.CallFailures)
	}
	family("ponte_registry_attempts_total", "counter", "HTTP attempts to a registry, including retries.")
	for _, s := range snaps {
		ew.printf("ponte_registry_attempts_total{source=%s} %d\n", quote(s.Source), s.Attempts)
	}
	family("ponte_registry_retries_total", "counter", "Attempts that were retries of an earlier failed attempt.")
	for _, s := range snaps {
		ew.printf("ponte_registry_retries_total{source=%s} %d\n", quote(s.Source), s.Retries)
	}
	family("ponte_registry_failures_total", "counter", "Failed attempts to a registry by kind.")
	for _, s := range snaps {
		kinds := make([]string, 0, len(s.Failures))
		for k := range s.Failures {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			ew.printf("ponte_registry_failures_total{source=%s,kind=%s} %d\n", quote(s.Source), quote(k), s.Failures[FailureKind(k)])
		}
	}
	family("ponte_registry_call_duration_seconds", "histogram", "Duration of registry calls including retries.")
	for _, s := range snaps {
		for _, b := range s.LatencyBuckets {
			ew.printf("ponte_registry_call_duration_seconds_bucket{source=%s,le=%s} %d\n", quote(s.Source), quote(strconv.FormatFloat(b.UpperBound, 'g', -1, 64)), b.Count)
		}
		ew.printf("ponte_registry_call_duration_seconds_bucket{source=%s,le=\"+Inf\"} %d\n", quote(s.Source), s.LatencyCount)
		ew.printf("ponte_registry_call_duration_seconds_sum{source=%s} %s\n", quote(s.Source), strconv.FormatFloat(s.LatencySum, 'g', -1, 64))
		ew.printf("ponte_registry_call_duration_seconds_count{source=%s} %d\n", quote(s.Source), s.LatencyCount)
	}
	family("ponte_registry_last_success_timestamp_seconds", "gauge", "Unix time of the last successful call; 0 if none.")
	for _, s := range snaps {
		var ts float64
		if !s.LastSuccess.IsZero() {
			ts = float64(s.LastSuccess.UnixMilli()) / 1000
		}
		ew.printf("ponte_registry_last_success_timestamp_seconds{source=%s} %s\n", quote(s.Source), strconv.FormatFloat(ts, 'f', -1, 64))
	}
	family("ponte_registry_breaker_state", "gauge", "Circuit breaker state: 0 closed, 1 half-open, 2 open.")
	for _, s := range snaps {
		ew.printf("ponte_registry_breaker_state{source=%s} %d\n", quote(s.Source), breakerStateValue(s.BreakerState))
	}
	family("ponte_registry_endpoint_breaker_state", "gauge", "Circuit breaker state of one endpoint of a registry: 0 closed, 1 half-open, 2 open.")
	for _, s := range snaps {
		endpoints := make([]string, 0, len(s.Breakers))
		for e := range s.Breakers {
			endpoints = append(endpoints, e)
		}
		sort.Strings(endpoints)
		for _, e := range endpoints {
			ew.printf("ponte_registry_endpoint_breaker_state{source=%s,endpoint=%s} %d\n", quote(s.Source), quote(e), breakerStateValue(s.Breakers[e]))
		}
	}
	return ew.err
}

// MetricsHandler serves the clients' metrics in the Prometheus text format.
func MetricsHandler(clients ...*Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		snaps := make([]Metrics, 0, len(clients))
		for _, c := range clients {
			snaps = append(snaps, c.Metrics())
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = WritePrometheus(w, snaps) // the client went away; nothing to report to
	})
}

// quote renders a label value with the escapes the exposition format requires.
func quote(s string) string {
	return `"` + labelEscaper.Replace(s) + `"`
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
