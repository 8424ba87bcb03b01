package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A request is one trace: the HTTP span, the GraphQL operation under it named by the
// operation, and the SQL statements under that; registry calls have spans of their
// own. No span carries a tax code, the variables or an id.
func TestRequestsAreTracedWithoutPersonalData(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{}) // as tracing.Setup installs it
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		otel.SetTextMapPropagator(prevProp)
		_ = tp.Shutdown(context.Background())
	})

	b := setupRegistry(t, 2)
	data := b.ok(t, `query People($first: Int) { persons(first: $first) { edges { node { id taxCode labourStatus { employmentStatus } } } } }`,
		map[string]any{"first": 10})
	var secrets []string
	for _, e := range at[[]any](t, data, "persons.edges") {
		n := at[map[string]any](t, e, "node")
		secrets = append(secrets, at[string](t, n, "taxCode"), at[string](t, n, "id"))
	}
	require.NotEmpty(t, secrets)
	b.ok(t, `mutation Refresh($input: RefreshRegistryDataInput!) { refreshRegistryData(input: $input) { state } }`,
		map[string]any{"input": map[string]any{"personId": b.fx.persons[0], "wait": 10}})

	spans := exp.GetSpans()
	byID := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID().String()] = s
	}
	parent := func(s tracetest.SpanStub) (tracetest.SpanStub, bool) {
		p, ok := byID[s.Parent.SpanID().String()]
		return p, ok && s.Parent.IsValid()
	}
	var ops, sqlUnderOp, registry int
	for _, s := range spans {
		switch {
		case s.Name == "query People":
			ops++
			p, ok := parent(s)
			require.True(t, ok, "the operation's span has a parent")
			require.Equal(t, "POST /graphql", p.Name)
		case strings.HasPrefix(s.Name, "sql "):
			if p, ok := parent(s); ok && p.Name == "query People" {
				sqlUnderOp++
			}
		case strings.HasPrefix(s.Name, "registry "):
			registry++
		}
		for _, a := range s.Attributes {
			v := a.Value.Emit()
			for _, secret := range append(secrets, strings.ToLower(secrets[0])) {
				require.NotContains(t, v, secret, "span %q attribute %s", s.Name, a.Key)
			}
			require.NotContains(t, string(a.Key), "variables")
		}
	}
	require.Equal(t, 1, ops)
	require.Positive(t, sqlUnderOp, "the statements are children of the operation")
	require.Positive(t, registry, "registry calls are spans")
	names := map[string]bool{}
	for _, s := range spans {
		names[s.Name] = true
	}
	require.True(t, names["mutation Refresh"], "%v", names)

	// The refresh's registry calls run in a queued job, which continues the request's
	// trace: HTTP → operation → job → registry call.
	var refresh tracetest.SpanStub
	for _, s := range spans {
		if s.Name == "mutation Refresh" {
			refresh = s
		}
	}
	inTrace := 0
	for _, s := range spans {
		if !strings.HasPrefix(s.Name, "registry ") || s.SpanContext.TraceID() != refresh.SpanContext.TraceID() {
			continue
		}
		inTrace++
		p, ok := parent(s)
		for ok && p.Name != "job registry_refresh" {
			p, ok = parent(p)
		}
		require.True(t, ok, "a registry call of the refresh hangs under its job's span")
	}
	require.Positive(t, inTrace, "the refresh's registry calls are in the request's trace")
}
