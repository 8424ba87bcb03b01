package server

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

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
