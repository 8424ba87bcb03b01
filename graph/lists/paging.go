package lists

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/store"
)

// Page sizes when a client passes first: null (the schema's defaults otherwise apply);
// the complexity limit weighs such requests by the same sizes.
const (
	// DefaultPageSize is a connection's page.
	DefaultPageSize = 20
	// DefaultAccessLogPage is a page of accessLog.
	DefaultAccessLogPage = 50
	// DefaultDrillDownLimit is the participants esfDrillDown lists.
	DefaultDrillDownLimit = 100
)

// Page turns the connection arguments into a store page, within the size limit. A
// connection asked without totalCount skips the count, the one part of a page whose cost
// grows with everything the principal may see.
func Page(ctx context.Context, first *int, after *string) store.Page {
	p := store.Page{First: DefaultPageSize, SkipTotal: !Selects(ctx, "totalCount")}
	if first != nil {
		p.First = *first
	}
	if after != nil {
		p.After = *after
	}
	return p
}

// PageInfo is the connection's page info of a page of store rows.
func PageInfo[T any](rows store.Rows[T]) model.PageInfo {
	pi := model.PageInfo{HasNextPage: rows.HasNextPage}
	if n := len(rows.Rows); n > 0 {
		c := rows.Rows[n-1].Cursor
		pi.EndCursor = &c
	}
	return pi
}

// Edges maps store rows to the connection's edge type.
func Edges[T, E any](rows store.Rows[T], edge func(cursor string, node T) E) []E {
	out := make([]E, len(rows.Rows))
	for i, r := range rows.Rows {
		out[i] = edge(r.Cursor, r.Node)
	}
	return out
}

// Selects says whether the field being resolved selects the named subfield (fragments
// included). Outside a field's context (a direct call) it answers true, the safe side.
func Selects(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return true
	}
	// The connection's own type, so fragments on it count too.
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{fc.Field.Definition.Type.Name()}) {
		if f.Name == name {
			return true
		}
	}
	return false
}
