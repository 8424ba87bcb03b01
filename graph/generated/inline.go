package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSliceInline marshals the elements of a list of objects one after another on
// the caller's goroutine, where gqlgen's graphql.MarshalSliceConcurrently starts one per
// element (graph/gqlgen explains the choice). Every element gets its own field context
// with its index, as there; an element that panics adds its error and the list resolves
// to null once every element has been tried.
func marshalSliceInline(ctx context.Context, length int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	if length == 0 {
		return ret
	}
	fcs := make([]graphql.FieldContext, length)
	indices := make([]int, length)
	failed := false
	for i := range length {
		indices[i] = i
		fcs[i].Index = &indices[i]
		childCtx := graphql.WithFieldContext(ctx, &fcs[i])
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					failed = true
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	if failed {
		return nil
	}
	return ret
}
