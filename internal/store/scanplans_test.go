package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// nullables are a row of every nullable kind the areas' rows hold, NULL and not, scanned
// into pointers.
type nullables struct {
	text, uuid, textNull             *string
	date, stamp, dateNull, stampNull *time.Time
	float, numeric, floatNull        *float64
	i, iNull                         *int
	i64, i32                         *int64
	i32v                             *int32
	b, bNull                         *bool
	id, nilID                        string
}

const nullablesRow = `SELECT 'Rossi'::text, '0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091'::uuid, NULL::text,
	'2026-01-02'::date, '2026-01-02 03:04:05.123456+01'::timestamptz, NULL::date, NULL::timestamptz,
	1.5::float8, 2.25::numeric, NULL::float8, 7::int4, NULL::int4, 8::int8, 9::int4, 10::int4, true, NULL::bool,
	'0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091'::uuid, '00000000-0000-0000-0000-000000000000'::uuid`

func (n *nullables) dest() []any {
	return []any{&n.text, &n.uuid, &n.textNull, &n.date, &n.stamp, &n.dateNull, &n.stampNull,
		&n.float, &n.numeric, &n.floatNull, &n.i, &n.iNull, &n.i64, &n.i32, &n.i32v, &n.b, &n.bNull, &n.id, &n.nilID}
}

// The store's connections scan NULL and values into pointers exactly as pgx's own plan
// does on a connection of its defaults, and a NULL over a value already set clears it.
func TestNullableColumnsScanAsPgx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var want nullables
	require.NoError(t, conn.QueryRow(ctx, nullablesRow).Scan(want.dest()...))
	require.NotNil(t, want.text)
	require.Nil(t, want.textNull)

	st, err := store.Open(ctx, url, store.Config{MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	tx, err := st.Begin(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}})
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	set := "set before"
	got := nullables{textNull: &set, bNull: new(bool)}
	require.NoError(t, store.QueryRow(ctx, tx, "nullables", nullablesRow, nil, got.dest()...))
	require.Equal(t, want, got)

	// A value that does not fit its destination fails as pgx fails it.
	var small *int32
	err = store.QueryRow(ctx, tx, "too large", "SELECT 3000000000::int8", nil, &small)
	require.ErrorContains(t, err, "greater than maximum value for int32")
}
