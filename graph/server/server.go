// Package server wires the GraphQL API into HTTP: transports, limits, one database
// transaction per operation, error codes, health and readiness, the IDE and the dashboard.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/codes"

	"github.com/ponte-hub/ponte/graph"
	"github.com/ponte-hub/ponte/graph/generated"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/tracing"
	"github.com/ponte-hub/ponte/internal/webui"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Limits bound what one request may cost. Zero values take the defaults.
type Limits struct {
	// MaxDepth is the deepest selection allowed (default 12).
	MaxDepth int
	// MaxComplexity bounds the weighted field count; list fields weigh their page size
	// (default 100,000: a page of 50 cases with their households, projects and
	// interventions costs about 55,000).
	MaxComplexity int
	// MaxBodyBytes bounds the request body (default 1 MiB).
	MaxBodyBytes int64
	// MaxTokens bounds the parser's token count (default 15,000).
	MaxTokens int
}

func (l *Limits) defaults() {
	if l.MaxDepth == 0 {
		l.MaxDepth = 12
	}
	if l.MaxComplexity == 0 {
		l.MaxComplexity = 100000
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = 1 << 20
	}
	if l.MaxTokens == 0 {
		l.MaxTokens = 15000
	}
}

// Gate decides, per operation, what it runs under: the access plan, the scope of its
// transaction and what its resolvers may return (request.Options). PlanGate enforces the
// caller's access plan; Open grants everything (local tools and tests).
type Gate interface {
	// Begin returns what the operation in ctx (a mutation when mutation is true) runs
	// under, or why it may not run.
	Begin(ctx context.Context, mutation bool) (request.Options, error)
}

// Open is the gate with no access control: every row, every field, no log. It serves
// local tools and tests; ponte serve never uses it.
type Open struct {
	// Pseudonyms computes Person.pseudonym, when set.
	Pseudonyms *access.Pseudonymizer
	// SuppressionThreshold for aggregates (default 5).
	SuppressionThreshold int
}

// Begin implements Gate.
func (o Open) Begin(_ context.Context, mutation bool) (request.Options, error) {
	return request.Options{Tx: store.TxOptions{ReadOnly: !mutation, Scope: store.Scope{Kind: store.ScopeAll}},
		Pseudonyms: o.Pseudonyms, SuppressionThreshold: o.SuppressionThreshold}, nil
}

// Config assembles a server.
type Config struct {
	Store  *store.Store
	Gate   Gate
	Limits Limits
	Logger *slog.Logger
	// Middleware wraps the GraphQL endpoint (authentication); nil for none.
	Middleware func(http.Handler) http.Handler
	// Metrics are extra collectors served on /metrics (the registry clients').
	Metrics []prometheus.Collector
	// ESFSigner signs frozen ESF+ reports and checks their signatures, when set.
	ESFSigner *esf.Signer

	metrics *metrics
}

// GraphQL returns the GraphQL endpoint handler.
func GraphQL(cfg Config) http.Handler {
	cfg.Limits.defaults()
	if cfg.metrics == nil {
		cfg.metrics = newMetrics()
	}
	if cfg.Gate == nil {
		cfg.Gate = Open{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	gcfg := generated.Config{Resolvers: &graph.Resolver{ESFSigner: cfg.ESFSigner}}
	gcfg.Directives.Category = request.CategoryDirective
	setComplexity(&gcfg.Complexity)
	srv := handler.New(generated.NewExecutableSchema(gcfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postJSON{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(cfg.Limits.MaxTokens)
	srv.Use(extension.Introspection{})
	srv.Use(extension.FixedComplexityLimit(cfg.Limits.MaxComplexity))
	srv.Use(depthLimit{max: cfg.Limits.MaxDepth})
	srv.Use(unstorableText{})
	srv.SetErrorPresenter(presentError(cfg.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		cfg.Logger.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("internal error")
	})
	srv.AroundResponses(inTransaction(cfg))
	srv.AroundRootFields(checkMutations)

	var h http.Handler = specResponses(srv)
	if cfg.Middleware != nil {
		h = cfg.Middleware(h)
	}
	return limitBody(cfg.Limits.MaxBodyBytes, h)
}

// Mux returns the hub's HTTP routes: /graphql, the IDE at /, the dashboard at /dashboard
// (both pages built into the binary, their files under /assets/), /healthz, /readyz and
// /metrics.
func Mux(cfg Config) *http.ServeMux {
	cfg.metrics = newMetrics()
	mux := http.NewServeMux()
	mux.Handle("/graphql", tracing.Middleware("/graphql", GraphQL(cfg)))
	mux.Handle("GET /metrics", metricsHandler(cfg.metrics, cfg))
	pages := webui.New()
	mux.Handle("GET /{$}", pages.IDE())
	mux.Handle("GET /dashboard", pages.Dashboard())
	mux.Handle("GET /dashboard/{$}", http.RedirectHandler("/dashboard", http.StatusMovedPermanently))
	mux.Handle("GET /assets/", pages.Assets())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := cfg.Store.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "not reachable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// inTransaction runs each operation in one transaction: read-only for queries, committed
// for mutations only when every field succeeded, so a failed mutation writes nothing.
func inTransaction(cfg Config) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		if !graphql.HasOperationContext(ctx) || graphql.GetOperationContext(ctx).Operation == nil {
			// A request rejected before execution (malformed, invalid) runs nothing.
			return next(ctx)
		}
		op := graphql.GetOperationContext(ctx)
		isMutation := op.Operation.Operation == ast.Mutation
		started := time.Now()
		opType := string(op.Operation.Operation)
		var resp *graphql.Response
		defer func() { cfg.metrics.observe(opType, resp == nil || len(resp.Errors) > 0, time.Since(started)) }()
		// The span names the operation; its variables (ids, tax codes) stay out of it.
		ctx, span := tracing.Operation(ctx, opType, op.Operation.Name)
		defer func() {
			if resp == nil || len(resp.Errors) > 0 {
				span.SetStatus(codes.Error, "the operation answered with errors")
			}
			span.End()
		}()
		opts, err := cfg.Gate.Begin(ctx, isMutation)
		if err != nil {
			return refused(err)
		}
		// The request lives as long as the operation's transaction: a resolver waiting on
		// something else than the database (a registry refresh) lets go of the
		// transaction and the request continues in a new one.
		req, err := request.Begin(ctx, cfg.Store, opts)
		if err != nil {
			cfg.Logger.ErrorContext(ctx, "begin transaction", "err", err)
			return unavailable(ctx)
		}
		defer req.Close(ctx)
		ctx = request.With(ctx, req)
		resp = next(ctx)
		if resp == nil {
			return resp
		}
		if isMutation && len(resp.Errors) > 0 {
			resp.Data = json.RawMessage("null")
			resp.Errors = append(resp.Errors, &gqlerror.Error{
				Message:    "the mutation was not applied: no change was stored",
				Extensions: map[string]any{"code": "NOT_APPLIED"},
			})
			return resp
		}
		if err := req.Finish(ctx, operationName(ctx), requestID(ctx)); err != nil {
			cfg.Logger.ErrorContext(ctx, "finish operation", "err", err)
			return unavailable(ctx)
		}
		return resp
	}
}

// unavailable answers an operation the database could not take: every connection busy
// (or the database unreachable), with the pause to take before trying again.
func unavailable(ctx context.Context) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{{
		Message:    "the service is temporarily unavailable; try again",
		Extensions: map[string]any{"code": "UNAVAILABLE", "retryAfterSeconds": int(store.RetryAfter / time.Second)},
	}}}
}

func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"errors": []map[string]any{{
				"message":    fmt.Sprintf("request body larger than %d bytes", max),
				"extensions": map[string]any{"code": "REQUEST_TOO_LARGE"},
			}}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// presentError maps the hub's errors to GraphQL error codes; anything unexpected is
// logged and shown only as an internal error, never with SQL or stack traces.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if gerr.Extensions != nil && gerr.Extensions["code"] != nil {
			return gerr
		}
		if ie, ok := apperr.AsInput(err); ok {
			fields := make([]map[string]string, len(ie.Fields))
			for i, f := range ie.Fields {
				if f.Field == "" {
					// A scalar's own error: the argument path, less the field's name.
					f.Field = argumentPath(gerr.Path)
					ie.Fields[i] = f
				}
				fields[i] = map[string]string{"field": f.Field, "reason": f.Reason}
			}
			gerr.Message = ie.Error()
			gerr.Extensions = map[string]any{"code": "BAD_USER_INPUT", "field": ie.Fields[0].Field, "fields": fields}
			return gerr
		}
		var re *apperr.RestrictedError
		if errors.As(err, &re) {
			gerr.Message = re.Error()
			gerr.Extensions = map[string]any{"code": "RESTRICTED", "restrictedSince": re.Since.UTC().Format(time.RFC3339),
				"reason": re.Reason}
			return gerr
		}
		var ke *apperr.RetainedError
		if errors.As(err, &ke) {
			gerr.Message = ke.Error()
			gerr.Extensions = map[string]any{"code": "RETAINED", "obligation": ke.Obligation}
			if ke.Until != nil {
				gerr.Extensions["keptUntil"] = ke.Until.Format(time.DateOnly)
			}
			return gerr
		}
		var code string
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			code, gerr.Message = "NOT_FOUND", "not found"
		case errors.Is(err, apperr.ErrForbidden):
			code, gerr.Message = "FORBIDDEN", forbiddenMessage(err)
		case errors.Is(err, apperr.ErrUnavailable):
			code, gerr.Message = "UNAVAILABLE", "the service is temporarily unavailable; try again"
		default:
			var gqlErr *gqlerror.Error
			if errors.As(err, &gqlErr) && gqlErr.Rule != "" {
				return gerr
			}
			if direct, ok := err.(*gqlerror.Error); ok && direct.Err == nil {
				// The executor's own protocol errors (an undecodable body, a missing
				// query): the client's mistake, described by the message.
				gerr.Extensions = map[string]any{"code": "BAD_REQUEST"}
				return gerr
			}
			if isArgumentError(err) {
				gerr.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
				return gerr
			}
			log.ErrorContext(ctx, "internal error", "err", err, "path", gerr.Path.String())
			code, gerr.Message = "INTERNAL", "internal error"
		}
		gerr.Extensions = map[string]any{"code": code}
		if code == "UNAVAILABLE" {
			gerr.Extensions["retryAfterSeconds"] = int(store.RetryAfter / time.Second)
		}
		return gerr
	}
}

func argumentPath(p ast.Path) string {
	parts := make([]string, 0, len(p))
	for i, el := range p {
		if i == 0 && len(p) > 1 {
			continue
		}
		parts = append(parts, fmt.Sprint(el))
	}
	return strings.Join(parts, ".")
}

// forbiddenMessage keeps the reason the access layer gave, which names the missing grant.
func forbiddenMessage(err error) string {
	var de *access.DeniedError
	if errors.As(err, &de) {
		return de.Error()
	}
	return "forbidden"
}

// isArgumentError recognises gqlgen's errors for argument values it could not coerce
// (a malformed Date, an unknown enum value): they are the client's input.
func isArgumentError(err error) bool {
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		return false
	}
	return len(gqlErr.Path) > 0 && fmt.Sprint(gqlErr.Path[0]) == "variable"
}

// refused answers an operation the gate turned away before it ran.
func refused(err error) *graphql.Response {
	code, msg := "UNAUTHENTICATED", "authentication required: send Authorization: Bearer <token>"
	switch {
	case errors.Is(err, apperr.ErrForbidden):
		code, msg = "FORBIDDEN", forbiddenMessage(err)
	case !errors.Is(err, errUnauthenticated):
		code, msg = "INTERNAL", "internal error"
	}
	return &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}}
}

// checkMutations asks the request's plan about each mutation field before it runs: a
// denied one resolves to null with a FORBIDDEN error and the transaction is rolled back,
// so nothing is written.
func checkMutations(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	if rc == nil || strings.HasPrefix(rc.Field.Name, "__") || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	if err := request.CheckMutation(ctx, rc.Field.Name); err != nil {
		gerr := gqlerror.WrapPath(ast.Path{ast.PathName(rc.Field.Alias)}, err)
		if p := rc.Field.Position; p != nil {
			gerr.Locations = []gqlerror.Location{{Line: p.Line, Column: p.Column}}
		}
		graphql.AddError(ctx, gerr)
		return graphql.Null
	}
	return next(ctx)
}
