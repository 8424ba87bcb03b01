package server

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// metrics counts GraphQL operations for /metrics (Prometheus text format): how many, of
// which kind, how many failed, and how long they took.
type metrics struct {
	mu       sync.Mutex
	count    map[[2]string]uint64 // (operation type, outcome)
	duration map[string]float64   // seconds, by operation type
}

func newMetrics() *metrics {
	return &metrics{count: map[[2]string]uint64{}, duration: map[string]float64{}}
}

func (m *metrics) observe(opType string, failed bool, d time.Duration) {
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.count[[2]string{opType, outcome}]++
	m.duration[opType] += d.Seconds()
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([][2]string, 0, len(m.count))
	for k := range m.count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	fmt.Fprintln(w, "# HELP ponte_graphql_operations_total GraphQL operations by type and outcome.")
	fmt.Fprintln(w, "# TYPE ponte_graphql_operations_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "ponte_graphql_operations_total{type=%q,outcome=%q} %d\n", k[0], k[1], m.count[k])
	}
	fmt.Fprintln(w, "# HELP ponte_graphql_operation_seconds_total Time spent in GraphQL operations, by type.")
	fmt.Fprintln(w, "# TYPE ponte_graphql_operation_seconds_total counter")
	types := make([]string, 0, len(m.duration))
	for t := range m.duration {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "ponte_graphql_operation_seconds_total{type=%q} %g\n", t, m.duration[t])
	}
}

// metricsHandler serves the hub's metrics followed by those of extra writers (the
// registry clients').
func metricsHandler(m *metrics, cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		m.write(w)
		st := cfg.Store.Pool().Stat()
		fmt.Fprintln(w, "# HELP ponte_db_connections Database connections by state.")
		fmt.Fprintln(w, "# TYPE ponte_db_connections gauge")
		fmt.Fprintf(w, "ponte_db_connections{state=\"acquired\"} %d\n", st.AcquiredConns())
		fmt.Fprintf(w, "ponte_db_connections{state=\"idle\"} %d\n", st.IdleConns())
		for _, extra := range cfg.Metrics {
			_ = extra(w)
		}
	})
}
