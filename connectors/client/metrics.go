package client

import (
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
