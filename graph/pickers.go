package graph

import (
	"context"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// The resolvers' lookups go through the request's loaders (request.Required and the
// like), named by the loaders' pickers.

func required[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[*T], id string) (*T, error) {
	return request.Required(ctx, pick, id)
}

func optional[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[*T], id *string) (*T, error) {
	return request.Optional(ctx, pick, id)
}

func many[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[[]T], id string) ([]T, error) {
	return request.Many(ctx, pick, id)
}

// latest loads a list relation and keeps its first (latest) row.
func latest[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[[]T], id string) (*T, error) {
	rows, err := request.Many(ctx, pick, id)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

func gid(typ, id string) string { return globalid.Encode(typ, id) }

// genderName maps a participation's ESF gender code to the API's Gender.
var genderName = map[string]string{"F": "FEMALE", "M": "MALE", "NB": "NON_BINARY"}

// flagName maps a stored disadvantage flag to the API's DisadvantageFlag.
var flagName = map[string]string{"Y": "YES", "N": "NO", "E": "ESTIMATE"}

func decode(v *string, names map[string]string) *string {
	if v == nil {
		return nil
	}
	n, ok := names[*v]
	if !ok {
		return nil
	}
	return &n
}

// ptr returns a pointer to a copy of v, for nullable fields computed from values.
func ptr[T any](v T) *T { return &v }
