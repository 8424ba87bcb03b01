package store

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// MaxPageSize bounds every page; the API's complexity limit assumes it.
const MaxPageSize = 100

// Page asks for First rows after the cursor After (keyset pagination: stable under inserts,
// and as fast on page 1,000 as on page 1). SkipTotal leaves TotalCount at zero when the
// caller does not show it: counting is the one part of a page that costs what the whole
// listing holds, not what the page returns.
type Page struct {
	First     int
	After     string
	SkipTotal bool
}

// Cursor encodes a row's position: its sort key and id.
func Cursor(sortKey, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sortKey + "\x00" + id))
}

func decodeCursor(c string) (key, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", apperr.Input("after", "is not a cursor returned by this API")
	}
	k, i, ok := strings.Cut(string(b), "\x00")
	if !ok || len(i) != 36 {
		return "", "", apperr.Input("after", "is not a cursor returned by this API")
	}
	return k, i, nil
}

// Row pairs a listed row with its cursor.
type Row[T any] struct {
	Node   T
	Cursor string
}

// Rows is one page of a listing.
type Rows[T any] struct {
	Rows        []Row[T]
	HasNextPage bool
	TotalCount  int
}

// listPageRows runs base (a SELECT of the row's columns and a sort_key column, with its
// WHERE clause) as one keyset page: rows, whether more follow, and the total number of
// matching rows.
//
// The page and the total are two statements. One statement computing both would
// materialise every matching row to count it and then sort them all for the page; apart,
// the page walks an index in sort_key order and stops after First+1 rows (the lists keep
// an index on their sort key expression), and only the count reads the whole listing.
// The count is skipped when the caller does not want it, or when the first page already
// holds every row.
func ListPage[T any](ctx context.Context, t *Tx, op, base string, args []any, p Page,
	scan func(r pgx.Rows) (T, string, error), idOf func(T) string) (Rows[T], error) {
	if p.First <= 0 || p.First > MaxPageSize {
		return Rows[T]{}, apperr.Inputf("first", "must be between 1 and %d", MaxPageSize)
	}
	// The base's own arguments, kept apart from the page's for the count below; the
	// capacity clip makes the appends that follow copy instead of sharing.
	baseArgs := args[:len(args):len(args)]
	after := "true"
	if p.After != "" {
		k, id, err := decodeCursor(p.After)
		if err != nil {
			return Rows[T]{}, err
		}
		after = "(b.sort_key, b.id) > (" + Arg(&args, k) + ", " + Arg(&args, id) + "::uuid)"
	}
	sql := `SELECT b.* FROM (` + base + `) b WHERE ` + after + ` ORDER BY b.sort_key, b.id LIMIT ` + Arg(&args, p.First+1)
	type keyed struct {
		v   T
		key string
	}
	got, err := Query(ctx, t, op, sql, args, func(r pgx.Rows) (keyed, error) {
		v, key, err := scan(r)
		return keyed{v, key}, err
	})
	if err != nil {
		return Rows[T]{}, err
	}
	res := Rows[T]{}
	if len(got) > p.First {
		res.HasNextPage = true
		got = got[:p.First]
	}
	switch {
	case p.After == "" && !res.HasNextPage:
		// The first page holds every row: it is its own count.
		res.TotalCount = len(got)
	case !p.SkipTotal:
		if err := QueryRow(ctx, t, op+" (count)", `SELECT count(*) FROM (`+base+`) b`, baseArgs, &res.TotalCount); err != nil {
			return Rows[T]{}, err
		}
	}
	for _, g := range got {
		res.Rows = append(res.Rows, Row[T]{Node: g.v, Cursor: Cursor(g.key, idOf(g.v))})
	}
	return res, nil
}
