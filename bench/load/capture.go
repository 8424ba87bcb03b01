package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// statement is one SQL statement the hub sent while serving a page, with its arguments
// as Go values; batch numbers the pgx batch it travelled in (0: sent on its own), so the
// replay can pipeline what the hub sent in one round trip.
type statement struct {
	SQL   string
	Args  []any
	Batch int
}

// recorder is a pgx tracer that keeps every statement sent while it is on. Batches are
// recorded whole when they start: their queued statements are what travels.
type recorder struct {
	mu      sync.Mutex
	on      bool
	batches int
	stmts   []statement
}

func (r *recorder) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on, r.stmts = true, nil
}

func (r *recorder) stop() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.stmts
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.stmts = append(r.stmts, statement{SQL: d.SQL, Args: d.Args})
	}
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on && d.Batch != nil {
		r.batches++
		for _, q := range d.Batch.QueuedQueries {
			r.stmts = append(r.stmts, statement{SQL: q.SQL, Args: q.Arguments, Batch: r.batches})
		}
	}
	return ctx
}

func (r *recorder) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *recorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// hubSession is what store.Open sets on every connection of the hub's pool: the
// capture's connections get it, and so do pgbench's and PostGraphile's (pgOptions), so
// the three run the page's statements under the same settings. jit matters most: the
// planner costs the case count above jit_above_cost (its policies' subplans), and
// compiling it takes longer than running it.
var hubSession = map[string]string{"jit": "off", "statement_timeout": "5000"}

// pgOptions is hubSession as libpq's and node-postgres' PGOPTIONS.
func pgOptions() string {
	keys := make([]string, 0, len(hubSession))
	for k := range hubSession {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("-c " + k + "=" + hubSession[k])
	}
	return b.String()
}

// principal is one of the two identities the page is measured for: a demo identity of
// the Pisa agency, as BenchmarkCasePageAtScale (graph/server/scale_bench_test.go) signs
// them.
type principal struct {
	Name    string // the row's name in the table
	Label   string
	Subject string
	Role    access.Role
	Purpose access.Purpose
}

var principals = []principal{
	{"social_worker", "social worker (territory)", "sw.pisa.rossi", access.RoleSocialWorker, access.PurposeCaseManagement},
	{"dpo", "data protection officer (every row)", "dpo.sds-pisa.valentini", access.RoleDPO, access.PurposeDataProtectionReview},
}

const principalOrg = "SDS-PISA"

// token is a signed staff JWT for p and the purpose it declares.
type token struct{ bearer, purpose string }

func mintTokens(issuer *auth.DevIssuer, ttl time.Duration) (map[string]token, error) {
	out := map[string]token{}
	for _, p := range principals {
		tok, err := issuer.IssueDev(p.Subject, p.Role, principalOrg, nil, ttl)
		if err != nil {
			return nil, err
		}
		out[p.Name] = token{bearer: "Bearer " + tok, purpose: string(p.Purpose)}
	}
	return out, nil
}

// capture serves the page in this process, on the hub's code (the handler, the
// authenticator and the store ponte serve assembles), over a pool that records every
// statement, and returns the statements of one page for each principal: the fewest of
// a few tries, since sibling resolvers now and then race their loaders into an extra
// statement.
func capture(ctx context.Context, hubURL string, issuer *auth.DevIssuer, tokens map[string]token) (map[string][]statement, error) {
	rec := &recorder{}
	pc, err := pgxpool.ParseConfig(hubURL)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = 2
	for k, v := range hubSession {
		pc.ConnConfig.RuntimeParams[k] = v
	}
	pc.ConnConfig.RuntimeParams["application_name"] = "ponte-load-capture"
	pc.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("capture: connect: %w", err)
	}
	defer pool.Close()
	st := store.New(pool)
	verifier, err := auth.NewVerifier(issuer.VerifierConfig())
	if err != nil {
		return nil, err
	}
	policy, err := access.DefaultPolicy()
	if err != nil {
		return nil, err
	}
	authz, err := access.NewAuthorizer(policy)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(server.Mux(server.Config{Store: st, Gate: server.PlanGate{},
		Middleware: auth.Middleware(auth.NewAuthenticator(verifier, accessdata.Directory{Store: st}, authz))}))
	defer srv.Close()
	body, err := pageBody(ponteQuery, map[string]any{"first": pageSize})
	if err != nil {
		return nil, err
	}
	out := map[string][]statement{}
	for _, p := range principals {
		tok := tokens[p.Name]
		post := func() error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", tok.bearer)
			req.Header.Set(auth.PurposeHeader, tok.purpose)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			if _, err := summarise(raw); err != nil {
				return fmt.Errorf("capture %s: %w", p.Name, err)
			}
			return nil
		}
		// The first requests look up the principal's staff row and organisation, which
		// the authenticator then caches: the steady state is what is replayed.
		for range 3 {
			if err := post(); err != nil {
				return nil, err
			}
		}
		var best []statement
		for range 5 {
			rec.start()
			err := post()
			got := rec.stop()
			if err != nil {
				return nil, err
			}
			if best == nil || len(got) < len(best) {
				best = got
			}
		}
		out[p.Name] = best
	}
	return out, nil
}

// claimsOf returns the settings the hub's transaction set (its set_config batch
// statement): what PostGraphile is given as pgSettings, so that its transactions see
// what the hub's see.
func claimsOf(stmts []statement) (map[string]string, error) {
	for _, s := range stmts {
		if !bytes.Contains([]byte(s.SQL), []byte("set_config(k, v, true)")) || len(s.Args) != 2 {
			continue
		}
		keys, ok1 := s.Args[0].([]string)
		vals, ok2 := s.Args[1].([]string)
		if !ok1 || !ok2 || len(keys) != len(vals) {
			return nil, fmt.Errorf("claims statement with arguments %T, %T", s.Args[0], s.Args[1])
		}
		c := map[string]string{}
		for i, k := range keys {
			c[k] = vals[i]
		}
		return c, nil
	}
	return nil, fmt.Errorf("no claims statement among the %d captured", len(stmts))
}

func pageBody(query string, vars map[string]any) ([]byte, error) {
	return json.Marshal(map[string]any{"query": query, "variables": vars})
}
