package server

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// refuseUnstorableText is a field middleware that refuses, before the resolver runs, a
// field whose arguments hold a string with a NUL character: PostgreSQL text cannot hold
// one, and a statement that tried would fail after the request's transaction began (an
// internal error for a mutation; for a query, an aborted transaction whose access-log
// entry cannot be written, answered UNAVAILABLE). Every string argument and input field
// passes here, whatever its type (String, ID, an enum, a custom scalar), at any depth of
// the selection, inline or through variables; the error names the argument as the
// client wrote it ("input.givenName").
//
// It runs only in operations that carry such a string somewhere (unstorableText): in any
// other, no field can be refused, and the executor calls resolvers without it.
func refuseUnstorableText(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || len(fc.Field.Arguments) == 0 || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	vars := graphql.GetOperationContext(ctx).Variables
	var c apperr.Collector
	for _, a := range fc.Field.Arguments {
		v, err := a.Value.Value(vars)
		if err != nil {
			continue // the executor has coerced the arguments already; nothing is left to find
		}
		findNUL(&c, a.Name, v, 0)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return next(ctx)
}

// findNUL records a problem at path for every string in v that holds a NUL; item counts
// the position in an enclosing list (1-based, 0 outside one).
func findNUL(c *apperr.Collector, path string, v any, item int) {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			reason := "contains a NUL character (U+0000), which text cannot hold"
			if item > 0 {
				reason = "item " + strconv.Itoa(item) + " " + reason
			}
			c.Add(path, reason)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			findNUL(c, path+"."+k, x[k], 0)
		}
	case []any:
		for i, e := range x {
			findNUL(c, path, e, i+1)
		}
	}
}

// unstorableText adds refuseUnstorableText to the field middleware of an operation when
// one of its fields, at any depth and in any fragment, has an argument holding a NUL
// (inline or through a variable). Looking once per operation at the fields it names
// spares every other operation a middleware call, and its allocation, per field
// resolved; the fields to refuse are still found, and refused, one by one as before.
type unstorableText struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = unstorableText{}

func (unstorableText) ExtensionName() string                   { return "UnstorableText" }
func (unstorableText) Validate(graphql.ExecutableSchema) error { return nil }

func (unstorableText) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || !holdsNUL(op.Operation.SelectionSet, op.Doc.Fragments, op.Variables, map[string]bool{}) {
		return nil
	}
	inner := op.ResolverMiddleware
	op.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		return refuseUnstorableText(ctx, func(ctx context.Context) (any, error) { return inner(ctx, next) })
	}
	return nil
}

// holdsNUL reports whether a field of set, or of the fragments it spreads, has an
// argument value holding a string with a NUL.
func holdsNUL(set ast.SelectionSet, frags ast.FragmentDefinitionList, vars map[string]any, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				v, err := a.Value.Value(vars)
				if err != nil {
					continue
				}
				var c apperr.Collector
				if findNUL(&c, a.Name, v, 0); c.Err() != nil {
					return true
				}
			}
			if holdsNUL(s.SelectionSet, frags, vars, seen) {
				return true
			}
		case *ast.InlineFragment:
			if holdsNUL(s.SelectionSet, frags, vars, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := frags.ForName(s.Name); f != nil && holdsNUL(f.SelectionSet, frags, vars, seen) {
				return true
			}
		}
	}
	return false
}
