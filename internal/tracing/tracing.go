// Package tracing sets up OpenTelemetry traces (exported over OTLP when configured) and
// the spans of HTTP requests and SQL statements, which carry no personal data.
package tracing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Name is the instrumentation scope of the hub's own spans.
const Name = "github.com/ponte-hub/ponte"

// Setup installs the global tracer provider: an OTLP/HTTP exporter when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, the
// no-op tracer otherwise. The exporter reads the other OTEL_* variables itself. The
// returned function flushes and stops it.
func Setup(ctx context.Context, getenv func(string) string, version string) (shutdown func(context.Context) error, enabled bool, err error) {
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return func(context.Context) error { return nil }, false, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName(serviceName(getenv)), semconv.ServiceVersion(version)))
	if err != nil {
		return nil, false, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, true, nil
}

func serviceName(getenv func(string) string) string {
	if n := getenv("OTEL_SERVICE_NAME"); n != "" {
		return n
	}
	return "ponte"
}

func tracer() trace.Tracer { return otel.Tracer(Name) }

// Middleware starts a server span per HTTP request, continuing a caller's trace
// context. Its attributes are the method, the route and the status: never the query
// string or the body.
func Middleware(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer().Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route)))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
		if sw.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.status))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Operation starts the span of one GraphQL operation, named by its type and name.
func Operation(ctx context.Context, opType, opName string) (context.Context, trace.Span) {
	name := opType
	if opName != "" {
		name += " " + opName
	}
	return tracer().Start(ctx, name, trace.WithAttributes(
		attribute.String("graphql.operation.type", opType), attribute.String("graphql.operation.name", opName)))
}

// SQL is a pgx tracer making a span of every statement. The span names the statement's
// verb only; its text (which holds no values, they travel as $n) and its arguments are
// left out.
type SQL struct {
	// Next also observes every statement (the tests' counters), when set.
	Next pgx.QueryTracer
}

// TraceQueryStart implements pgx.QueryTracer.
func (t SQL) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if t.Next != nil {
		ctx = t.Next.TraceQueryStart(ctx, conn, d)
	}
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx
	}
	verb := verbOf(d.SQL)
	ctx, span := tracer().Start(ctx, "sql "+verb, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.operation.name", verb)))
	return context.WithValue(ctx, sqlSpanKey{}, span)
}

type sqlSpanKey struct{}

// TraceQueryEnd implements pgx.QueryTracer.
func (t SQL) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryEndData) {
	if t.Next != nil {
		t.Next.TraceQueryEnd(ctx, conn, d)
	}
	span, ok := ctx.Value(sqlSpanKey{}).(trace.Span)
	if !ok {
		return
	}
	if d.Err != nil {
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
}

// verbOf is the first word of a statement, upper-cased (SELECT, INSERT, WITH, BEGIN).
func verbOf(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return "UNKNOWN"
	}
	v := strings.ToUpper(f[0])
	if len(v) > 16 || strings.ContainsAny(v, "();'$") {
		return "UNKNOWN"
	}
	return v
}

// JobMetadata is the W3C trace context of ctx as a job's metadata (a JSON object with
// traceparent and tracestate, no personal data), so that a job run later, by another
// connection or replica, continues the request's trace; nil when ctx carries no span.
func JobMetadata(ctx context.Context) []byte {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if len(carrier) == 0 {
		return nil
	}
	b, err := json.Marshal(map[string]any{"trace": carrier})
	if err != nil {
		return nil
	}
	return b
}

// FromJobMetadata is ctx continuing the trace JobMetadata stored; ctx itself when the
// metadata holds none (a scheduled job, a job enqueued by an older hub).
func FromJobMetadata(ctx context.Context, metadata []byte) context.Context {
	var m struct {
		Trace map[string]string `json:"trace"`
	}
	if len(metadata) == 0 || json.Unmarshal(metadata, &m) != nil || len(m.Trace) == 0 {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(m.Trace))
}

// Job starts the span of a queued job of the given kind, a child of the trace its
// metadata continues.
func Job(ctx context.Context, kind string, metadata []byte) (context.Context, trace.Span) {
	return tracer().Start(FromJobMetadata(ctx, metadata), "job "+kind, trace.WithSpanKind(trace.SpanKindConsumer))
}
