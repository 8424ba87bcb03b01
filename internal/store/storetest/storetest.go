// Package storetest holds the fixtures the tests of the store's area packages share:
// stores on a fresh database each, and the dates and rows they seed.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// Store is a store on a fresh, migrated database of its own, with the pool it wraps.
func Store(t testing.TB) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	return store.New(pool), pool
}

// Day is midnight UTC of the date.
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Strings runs sql in the transaction and returns its first column.
func Strings(ctx context.Context, tx *store.Tx, sql string, args ...any) ([]string, error) {
	return store.Query(ctx, tx, "test query", sql, args, func(r pgx.Rows) (string, error) {
		var s string
		err := r.Scan(&s)
		return s, err
	})
}

// Exec runs a statement in the transaction.
func Exec(ctx context.Context, tx *store.Tx, sql string, args ...any) (int64, error) {
	return store.Exec(ctx, tx, "test exec", sql, args...)
}
