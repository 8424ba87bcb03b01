package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// BenchmarkUUIDArrayParam sends 50 ids to a uuid[] parameter, one statement a round, in
// a transaction as the loaders do: as the []string the store passed before store.UUIDs
// (pgx fails to plan a binary encoding each time, then sends text the server parses),
// as the same strings to a text[] (for comparison), in the forms pgx encodes in binary
// ([][16]byte, []pgtype.UUID, []uuid.UUID) and through store.UUIDs, the conversion
// included. The single-id rounds compare a string with a pgtype.UUID for one $1::uuid.
//
//	go run ./cmd/ponte with-db -- go test -run '^$' -bench UUIDArrayParam -benchmem ./internal/store/
func BenchmarkUUIDArrayParam(b *testing.B) {
	ctx := context.Background()
	st := store.New(pgtest.Pool(b))
	tx, err := st.Begin(ctx, store.TxOptions{ReadOnly: true})
	require.NoError(b, err)
	b.Cleanup(func() { _ = tx.Rollback(ctx) })
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = store.NewID().String()
	}
	run := func(b *testing.B, sql string, want int, arg func() any) {
		var n int
		require.NoError(b, store.QueryRow(ctx, tx, "bench", sql, []any{arg()}, &n))
		require.Equal(b, want, n)
		b.ReportAllocs()
		for b.Loop() {
			if err := store.QueryRow(ctx, tx, "bench", sql, []any{arg()}, &n); err != nil {
				b.Fatal(err)
			}
		}
	}
	const q = `SELECT count(*) FROM unnest($1::uuid[])`
	b.Run("strings", func(b *testing.B) { run(b, q, 50, func() any { return ids }) })
	b.Run("strings-to-text[]", func(b *testing.B) {
		run(b, `SELECT count(*) FROM unnest($1::text[])`, 50, func() any { return ids })
	})
	b.Run("bytes16", func(b *testing.B) {
		run(b, q, 50, func() any {
			out := make([][16]byte, len(ids))
			for i, s := range ids {
				out[i] = uuid.MustParse(s)
			}
			return out
		})
	})
	b.Run("pgtype.UUID", func(b *testing.B) {
		run(b, q, 50, func() any {
			out := make([]pgtype.UUID, len(ids))
			for i, s := range ids {
				out[i] = pgtype.UUID{Bytes: uuid.MustParse(s), Valid: true}
			}
			return out
		})
	})
	b.Run("uuid.UUID", func(b *testing.B) {
		run(b, q, 50, func() any {
			out := make([]uuid.UUID, len(ids))
			for i, s := range ids {
				out[i] = uuid.MustParse(s)
			}
			return out
		})
	})
	b.Run("store.UUIDs", func(b *testing.B) { run(b, q, 50, func() any { return store.UUIDs(ids) }) })

	const one = `SELECT count(*) FROM (SELECT $1::uuid) x`
	b.Run("one-string", func(b *testing.B) { run(b, one, 1, func() any { return ids[0] }) })
	b.Run("one-pgtype.UUID", func(b *testing.B) {
		run(b, one, 1, func() any { return pgtype.UUID{Bytes: uuid.MustParse(ids[0]), Valid: true} })
	})
}

// BenchmarkUUIDArrayEncode is the client's side of BenchmarkUUIDArrayParam without the
// round trip, steadier on a busy machine: pgx's encoding of the one parameter of a
// prepared statement that takes a uuid[] (or, for comparison, a text[]), the conversion
// by store.UUIDs included.
func BenchmarkUUIDArrayEncode(b *testing.B) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = store.NewID().String()
	}
	m := pgtype.NewMap()
	run := func(b *testing.B, oid uint32, arg func() any) {
		sd := &pgconn.StatementDescription{ParamOIDs: []uint32{oid}}
		var eqb pgx.ExtendedQueryBuilder
		require.NoError(b, eqb.Build(m, sd, []any{arg()}))
		b.ReportAllocs()
		for b.Loop() {
			if err := eqb.Build(m, sd, []any{arg()}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("strings", func(b *testing.B) { run(b, pgtype.UUIDArrayOID, func() any { return ids }) })
	b.Run("strings-to-text[]", func(b *testing.B) { run(b, pgtype.TextArrayOID, func() any { return ids }) })
	b.Run("store.UUIDs", func(b *testing.B) { run(b, pgtype.UUIDArrayOID, func() any { return store.UUIDs(ids) }) })
}

// BenchmarkUUIDs is the conversion alone, of 50 ids.
func BenchmarkUUIDs(b *testing.B) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = store.NewID().String()
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = store.UUIDs(ids)
	}
}
