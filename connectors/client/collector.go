package client

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes the clients' counters to Prometheus, read when scraped.
type Collector struct{ clients []*Client }

// NewCollector collects the metrics of clients, one series per source.
func NewCollector(clients ...*Client) *Collector { return &Collector{clients: clients} }

var (
	descCalls = prometheus.NewDesc("ponte_registry_calls_total",
		"Calls made to a registry, each possibly spanning several attempts.", []string{"source"}, nil)
	descCallFailures = prometheus.NewDesc("ponte_registry_call_failures_total",
		"Calls to a registry that ended in an error.", []string{"source"}, nil)
	descAttempts = prometheus.NewDesc("ponte_registry_attempts_total",
		"HTTP attempts to a registry, including retries.", []string{"source"}, nil)
	descRetries = prometheus.NewDesc("ponte_registry_retries_total",
		"Attempts that were retries of an earlier failed attempt.", []string{"source"}, nil)
	descFailures = prometheus.NewDesc("ponte_registry_failures_total",
		"Failed attempts to a registry by kind.", []string{"source", "kind"}, nil)
	descDuration = prometheus.NewDesc("ponte_registry_call_duration_seconds",
		"Duration of registry calls including retries.", []string{"source"}, nil)
	descLastSuccess = prometheus.NewDesc("ponte_registry_last_success_timestamp_seconds",
		"Unix time of the last successful call; 0 if none.", []string{"source"}, nil)
	descBreaker = prometheus.NewDesc("ponte_registry_breaker_state",
		"Circuit breaker state: 0 closed, 1 half-open, 2 open.", []string{"source"}, nil)
	descEndpointBreaker = prometheus.NewDesc("ponte_registry_endpoint_breaker_state",
		"Circuit breaker state of one endpoint of a registry: 0 closed, 1 half-open, 2 open.", []string{"source", "endpoint"}, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCalls, descCallFailures, descAttempts, descRetries, descFailures,
		descDuration, descLastSuccess, descBreaker, descEndpointBreaker} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, cl := range c.clients {
		s := cl.Metrics()
		counter(descCalls, s.Calls, s.Source)
		counter(descCallFailures, s.CallFailures, s.Source)
		counter(descAttempts, s.Attempts, s.Source)
		counter(descRetries, s.Retries, s.Source)
		for kind, n := range s.Failures {
			counter(descFailures, n, s.Source, string(kind))
		}
		buckets := make(map[float64]uint64, len(s.LatencyBuckets))
		for _, b := range s.LatencyBuckets {
			buckets[b.UpperBound] = b.Count
		}
		ch <- prometheus.MustNewConstHistogram(descDuration, s.LatencyCount, s.LatencySum, buckets, s.Source)
		var ts float64
		if !s.LastSuccess.IsZero() {
			ts = float64(s.LastSuccess.UnixMilli()) / 1000
		}
		ch <- prometheus.MustNewConstMetric(descLastSuccess, prometheus.GaugeValue, ts, s.Source)
		ch <- prometheus.MustNewConstMetric(descBreaker, prometheus.GaugeValue, float64(breakerStateValue(s.BreakerState)), s.Source)
		for endpoint, state := range s.Breakers {
			ch <- prometheus.MustNewConstMetric(descEndpointBreaker, prometheus.GaugeValue, float64(breakerStateValue(state)), s.Source, endpoint)
		}
	}
}
