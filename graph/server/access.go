package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/ponte-hub/ponte/graph"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
)

// errUnauthenticated: the request reached the API without a principal (the endpoint is
// not behind authentication).
var errUnauthenticated = errors.New("server: no access plan: the request was not authenticated")

// RequestIDHeader carries the client's request id into the access log; without one the
// hub makes one up.
const RequestIDHeader = "X-Request-Id"

// Access is the gate that enforces the access plan authentication put in the request's
// context (auth.Middleware): the transaction runs as the hub's database role with the
// plan's claims and row scope, fields and mutations are checked against the plan, and
// every request that returned or changed personal data appends one access-log entry in
// its own transaction. A request without a plan is refused (UNAUTHENTICATED).
type Access struct {
	// Pseudonyms computes Person.pseudonym (PONTE_PSEUDONYM_KEY).
	Pseudonyms *access.Pseudonymizer
	// SuppressionThreshold is the smallest count aggregates show (default 5).
	SuppressionThreshold int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Begin implements Gate. The transaction is read-write even for queries: the access log
// is appended in it.
func (g Access) Begin(ctx context.Context, mutation bool) (store.TxOptions, *graph.Access, error) {
	plan, ok := access.PlanFrom(ctx)
	if !ok {
		return store.TxOptions{}, nil, errUnauthenticated
	}
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	opts := plan.TxOptions()
	acc := graph.NewAccess(plan, graph.AccessOptions{Pseudonyms: g.Pseudonyms, SuppressionThreshold: g.SuppressionThreshold, Now: now})
	return opts, acc, nil
}

// Finish implements Gate: one access-log entry when the request returned or changed
// personal data, appended when the transaction commits. Read categories are logged by
// name, written ones as "write:<name>".
func (g Access) Finish(ctx context.Context, tx *store.Tx, req *graph.Request, _ *graphql.Response) error {
	acc := req.Access()
	plan := acc.Plan()
	if plan == nil {
		return errUnauthenticated
	}
	persons, read, written := req.Touched(ctx)
	if len(persons) == 0 && len(read) == 0 && len(written) == 0 {
		return nil
	}
	cats := make([]access.Category, 0, len(read)+len(written))
	cats = append(cats, read...)
	for _, c := range written {
		cats = append(cats, "write:"+c)
	}
	entry := plan.LogEntry(operationName(ctx), requestID(ctx), persons, cats)
	if g.Now != nil {
		entry.At = g.Now()
	}
	// Appended in the round trip that commits: the entry and the request's reads commit
	// or vanish together, and the response leaves only after both.
	if err := tx.AppendAccessLogOnCommit(entry); err != nil {
		return fmt.Errorf("server: access log: %w", err)
	}
	return nil
}

// operationName describes the operation for the log: its type, its name when it has one,
// and its root fields, e.g. "query CasePage: cases" or "mutation openCase".
func operationName(ctx context.Context) string {
	oc := graphql.GetOperationContext(ctx)
	op := oc.Operation
	var fields []string
	seen := map[string]bool{}
	var collect func(ast.SelectionSet)
	collect = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if !seen[s.Name] && !strings.HasPrefix(s.Name, "__") {
					seen[s.Name] = true
					fields = append(fields, s.Name)
				}
			case *ast.InlineFragment:
				collect(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					collect(s.Definition.SelectionSet)
				}
			}
		}
	}
	collect(op.SelectionSet)
	out := string(op.Operation)
	if op.Name != "" {
		out += " " + op.Name + ":"
	}
	out += " " + strings.Join(fields, ",")
	if len(out) > 500 {
		out = out[:500]
	}
	return out
}

// requestID is the client's X-Request-Id when it is a short printable token, else a
// fresh random one.
func requestID(ctx context.Context) string {
	if oc := graphql.GetOperationContext(ctx); oc.Headers != nil {
		if id := oc.Headers.Get(RequestIDHeader); id != "" && len(id) <= 128 && printable(id) {
			return id
		}
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func printable(s string) bool {
	for _, c := range s {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}
