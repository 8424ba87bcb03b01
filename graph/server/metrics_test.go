package server_test

import (
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// scrape reads /metrics with Prometheus' own text-format parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err, "the exposition parses")
	return families
}

// value sums the samples of a family whose labels include want.
func value(f *dto.MetricFamily, want map[string]string) float64 {
	var sum float64
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

// /metrics is Prometheus text that parses, with the GraphQL operations, the API pool,
// and every registry client's calls, failures and latency.
func TestMetricsParseAndCarryRequestsAndRegistryCalls(t *testing.T) {
	t.Parallel()
	b := setupRegistry(t, 1)
	b.ok(t, `{ persons(first: 1) { totalCount } }`, nil)
	b.post(t, `mutation { closeCase(input: {caseId: "x", closedOn: "2024-01-01"}) { case { id } } }`, nil)

	f := scrape(t, b.srv.URL)
	require.Equal(t, 1.0, value(f["ponte_graphql_operations_total"], map[string]string{"type": "query", "outcome": "ok"}))
	require.Equal(t, 1.0, value(f["ponte_graphql_operations_total"], map[string]string{"type": "mutation", "outcome": "error"}))
	require.Equal(t, dto.MetricType_HISTOGRAM, f["ponte_graphql_operation_duration_seconds"].GetType())
	require.Equal(t, 2.0, value(f["ponte_graphql_operation_duration_seconds"], nil))
	require.Equal(t, 4.0, value(f["ponte_db_max_connections"], nil))
	require.Contains(t, f, "ponte_db_connections")
	require.Contains(t, f, "go_goroutines")
	for _, source := range []string{"benefits", "labour", "school"} {
		require.Positive(t, value(f["ponte_registry_calls_total"], map[string]string{"source": source}), source)
		require.Positive(t, value(f["ponte_registry_call_duration_seconds"], map[string]string{"source": source}), source)
		require.Contains(t, f, "ponte_registry_breaker_state")
	}
}
