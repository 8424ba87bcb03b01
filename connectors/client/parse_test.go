package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/client"
)

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, contentType, body string
		code, message           string
	}{
		{"problem with code", "application/problem+json", `{"type":"about:blank","title":"Bad","status":400,"detail":"tax_code malformed","code":"BAD_TAX_CODE"}`, "BAD_TAX_CODE", "tax_code malformed"},
		{"problem with type only", "application/problem+json", `{"type":"https://inps.example/errors/quota","title":"Quota exceeded"}`, "https://inps.example/errors/quota", "Quota exceeded"},
		{"pdnd errors array", "application/problem+json", `{"type":"about:blank","status":401,"title":"Unauthorized","detail":"Invalid voucher","errors":[{"code":"GWE-0001","detail":"token expired"}],"correlationId":"abc"}`, "GWE-0001", "Invalid voucher; token expired"},
		{"oauth error", "application/json", `{"error":"invalid_client","error_description":"assertion signature invalid"}`, "invalid_client", "assertion signature invalid"},
		{"plain text", "text/plain", "  upstream exploded  ", "", "upstream exploded"},
		{"html page", "text/html", "<html><body>502</body></html>", "", ""},
		{"json without known members", "application/json", `{"foo":1}`, "", `{"foo":1}`},
		{"empty", "", "", "", ""},
		{"broken json", "application/json", `{"title":`, "", `{"title":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, msg := client.ParseErrorBody(tc.contentType, []byte(tc.body))
			require.Equal(t, tc.code, code)
			require.Equal(t, tc.message, msg)
		})
	}
	_, msg := client.ParseErrorBody("text/plain", bytes.Repeat([]byte("é"), 400))
	require.True(t, utf8.ValidString(msg))
	require.Less(t, len(msg), 310)
}

func FuzzParseErrorBody(f *testing.F) {
	f.Add("application/problem+json", []byte(`{"type":"about:blank","title":"Bad","status":400,"detail":"x","errors":[{"code":"C","detail":"d"}]}`))
	f.Add("application/json", []byte(`{"error":"invalid_client"}`))
	f.Add("text/plain", []byte("oops"))
	f.Add("", []byte{0xff, '{'})
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		code, msg := client.ParseErrorBody(ct, body)
		if len(msg) > 310+len(code)+4096 {
			t.Fatalf("message not bounded: %d bytes", len(msg))
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"Sat, 01 Mar 2025 12:00:05 GMT", 5 * time.Second, true},
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},
		{"Sat Mar  1 12:00:02 2025", 2 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	} {
		got, ok := client.ParseRetryAfter(tc.in, now)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	huge, ok := client.ParseRetryAfter("99999999999999999999", now)
	require.True(t, ok)
	require.Greater(t, huge, 24*time.Hour)
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Sat, 01 Mar 2025 12:00:05 GMT", "x", "-5", "99999999999999"} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := client.ParseRetryAfter(s, now)
		if d < 0 {
			t.Fatalf("negative wait %v for %q", d, s)
		}
		if !ok && d != 0 {
			t.Fatalf("wait %v reported for unparsable %q", d, s)
		}
	})
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	e := &client.Error{Source: "benefits", Operation: "get ISEE", Status: 404, Code: "NOT_FOUND", Message: "no DSU for person"}
	require.Equal(t, "benefits: get ISEE: HTTP 404 Not Found: NOT_FOUND: no DSU for person", e.Error())
	require.ErrorIs(t, e, client.ErrNotFound)
	require.NotErrorIs(t, e, client.ErrAuth)
	wrapped := fmt.Errorf("sync: %w", &client.Error{Source: "labour", Operation: "list", Retryable: true, Err: io.ErrUnexpectedEOF})
	require.True(t, client.IsRetryable(wrapped))
	require.ErrorIs(t, wrapped, io.ErrUnexpectedEOF)
	require.ErrorIs(t, wrapped, client.ErrUnavailable)
}

func TestPrometheusCollector(t *testing.T) {
	t.Parallel()
	b := setup(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	c := newClient(t, fastConfig(b.srv.URL))
	_, err := c.Do(context.Background(), client.Request{Operation: "get", Path: "/x"})
	require.NoError(t, err)

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(client.NewCollector(c)))
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	out := rec.Body.String()
	require.Contains(t, rec.Header().Get("Content-Type"), "text/plain; version=0.0.4")
	for _, line := range []string{
		`ponte_registry_calls_total{source="testsrc"} 1`,
		`ponte_registry_attempts_total{source="testsrc"} 2`,
		`ponte_registry_retries_total{source="testsrc"} 1`,
		`ponte_registry_failures_total{kind="server",source="testsrc"} 1`,
		`ponte_registry_call_duration_seconds_count{source="testsrc"} 1`,
		`ponte_registry_call_duration_seconds_bucket{source="testsrc",le="+Inf"} 1`,
		`ponte_registry_breaker_state{source="testsrc"} 0`,
		`ponte_registry_endpoint_breaker_state{endpoint="get",source="testsrc"} 0`,
		"# TYPE ponte_registry_call_duration_seconds histogram",
	} {
		require.Contains(t, out, line+"\n")
	}
	require.NotContains(t, out, `ponte_registry_last_success_timestamp_seconds{source="testsrc"} 0`+"\n")
}
