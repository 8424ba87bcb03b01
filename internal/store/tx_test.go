package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/storetest"
)

// A request's claims and role end with its transaction: the next
// transaction on the same connection, committed or rolled back before, or cut off by a
// cancelled request, starts as the login role with no claims.
func TestClaimsEndWithTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t), store.Config{MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	sc := store.Scope{Kind: store.ScopeTerritory, Territory: "T1"}
	opts := store.TxOptions{Restricted: true, Scope: sc}
	bare := func() []string {
		t.Helper()
		tx, err := st.Begin(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}})
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		got, err := storetest.Strings(ctx, tx, `SELECT concat_ws('|', current_user = session_user,
			coalesce(current_setting('ponte.scope', true), ''), coalesce(current_setting('ponte.grantee', true), ''))`)
		require.NoError(t, err)
		return got
	}
	want := []string{"t||"}

	tx, err := st.Begin(ctx, opts)
	require.NoError(t, err)
	inside, err := storetest.Strings(ctx, tx, "SELECT current_user || '|' || current_setting('ponte.scope')")
	require.NoError(t, err)
	require.Equal(t, []string{store.DatabaseRole + "|territory"}, inside)
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, want, bare(), "after a commit")

	tx, err = st.Begin(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	require.Equal(t, want, bare(), "after a rollback")

	// A request cancelled while its statement runs: the connection may be lost, and is
	// then replaced; either way nothing of the request survives.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	tx, err = st.Begin(cctx, opts)
	require.NoError(t, err)
	_, err = storetest.Strings(cctx, tx, "SELECT pg_sleep(5)::text")
	require.Error(t, err)
	_ = tx.Rollback(context.WithoutCancel(cctx))
	require.Equal(t, want, bare(), "after a cancelled request")
}

// A request cancelled in the middle of a statement (a client that disconnected) costs the
// pool nothing: the statement is cancelled, the transaction rolls back, and the next
// transaction runs on the same connection, the same server process.
func TestCancelledRequestKeepsItsConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t), store.Config{MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	backend := func() string {
		t.Helper()
		tx, err := st.Begin(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}})
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		pid, err := storetest.Strings(ctx, tx, "SELECT pg_backend_pid()::text")
		require.NoError(t, err)
		return pid[0]
	}
	before := backend()

	reqCtx, cancel := context.WithCancel(ctx)
	tx, err := st.Begin(reqCtx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}})
	require.NoError(t, err)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = storetest.Strings(reqCtx, tx, "SELECT pg_sleep(10)::text")
	require.Error(t, err)
	require.Less(t, time.Since(start), 5*time.Second, "the statement was cancelled, not waited for")
	require.NoError(t, tx.Rollback(reqCtx), "the rollback runs although the request's context ended")

	require.Equal(t, before, backend(), "the same connection serves the next transaction")
	require.EqualValues(t, 1, st.Pool().Stat().TotalConns())
}
