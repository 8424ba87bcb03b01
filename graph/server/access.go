package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
)

// errUnauthenticated: the request reached the API without a principal (the endpoint is
// not behind authentication).
var errUnauthenticated = errors.New("server: no access plan: the request was not authenticated")

// RequestIDHeader carries the client's request id into the access log; without one the
// hub makes one up.
const RequestIDHeader = "X-Request-Id"

// PlanGate is the gate that enforces the access plan authentication put in the request's
// context (auth.Middleware): the transaction runs as the hub's database role with the
// plan's claims and row scope, fields and mutations are checked against the plan, and
// every operation that returned or changed personal data appends its disclosure record to
// the access log as its transaction commits. A request without a plan is refused
// (UNAUTHENTICATED).
type PlanGate struct {
	// Pseudonyms computes Person.pseudonym (PONTE_PSEUDONYM_KEY).
	Pseudonyms *access.Pseudonymizer
	// SuppressionThreshold is the smallest count aggregates show (default 5).
	SuppressionThreshold int
	// Now is the clock, read once per operation (default time.Now).
	Now func() time.Time
}

// Begin implements Gate. The transaction is read-write even for queries: the access log
// is appended in it.
func (g PlanGate) Begin(ctx context.Context, _ bool) (request.Options, error) {
	plan, ok := access.PlanFrom(ctx)
	if !ok {
		return request.Options{}, errUnauthenticated
	}
	return request.Options{Plan: plan, Tx: plan.TxOptions(), Pseudonyms: g.Pseudonyms,
		SuppressionThreshold: g.SuppressionThreshold, Clock: g.Now}, nil
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
