package server

import (
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the hub's series on /metrics: GraphQL operations, the database pool, the
// Go runtime and the process, and the extra collectors of Config.Metrics.
type metrics struct {
	registry   *prometheus.Registry
	operations *prometheus.CounterVec
	duration   *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ponte_graphql_operations_total", Help: "GraphQL operations by type and outcome.",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ponte_graphql_operation_duration_seconds", Help: "Duration of GraphQL operations, by type.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"type"}),
	}
	m.registry.MustRegister(m.operations, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(opType string, failed bool, d time.Duration) {
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.operations.WithLabelValues(opType, outcome).Inc()
	m.duration.WithLabelValues(opType).Observe(d.Seconds())
}

// metricsHandler serves the hub's metrics with the pool's and the extra collectors
// (the registry clients').
func metricsHandler(m *metrics, cfg Config) http.Handler {
	m.registry.MustRegister(poolCollector{pool: cfg.Store.Pool()})
	m.registry.MustRegister(cfg.Metrics...)
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// poolCollector reads the API pool's statistics when scraped.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	dbConnections = prometheus.NewDesc("ponte_db_connections", "Database connections of the API's pool by state.", []string{"state"}, nil)
	dbMaxConns    = prometheus.NewDesc("ponte_db_max_connections", "Size of the API's pool.", nil, nil)
	dbAcquireWait = prometheus.NewDesc("ponte_db_acquire_wait_seconds_total", "Time requests spent waiting for a connection of the API's pool.", nil, nil)
	dbAcquires    = prometheus.NewDesc("ponte_db_acquires_total", "Connections taken from the API's pool, by whether the request had to wait.", []string{"waited"}, nil)
	dbCancelled   = prometheus.NewDesc("ponte_db_acquires_cancelled_total", "Waits for a connection of the API's pool that gave up (acquire timeout, client gone).", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbConnections, dbMaxConns, dbAcquireWait, dbAcquires, dbCancelled} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(dbConnections, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(dbConnections, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(dbConnections, prometheus.GaugeValue, float64(st.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(dbMaxConns, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(dbAcquireWait, prometheus.CounterValue, st.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(dbAcquires, prometheus.CounterValue, float64(st.EmptyAcquireCount()), "true")
	ch <- prometheus.MustNewConstMetric(dbAcquires, prometheus.CounterValue, float64(st.AcquireCount()-st.EmptyAcquireCount()), "false")
	ch <- prometheus.MustNewConstMetric(dbCancelled, prometheus.CounterValue, float64(st.CanceledAcquireCount()))
}
