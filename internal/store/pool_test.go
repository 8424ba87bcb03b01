package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// A transaction that finds every connection busy gives up after the acquire timeout
// with ErrPoolExhausted, an Unavailable error, instead of queueing without bound; the
// next one after a connection returns goes through.
func TestBeginGivesUpWhenThePoolStaysBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t), store.Config{MaxConns: 1, AcquireTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	opts := store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}

	held, err := st.Begin(ctx, opts)
	require.NoError(t, err)
	start := time.Now()
	_, err = st.Begin(ctx, opts)
	require.ErrorIs(t, err, store.ErrPoolExhausted)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.Less(t, time.Since(start), time.Second)

	require.NoError(t, held.Rollback(ctx))
	tx, err := st.Begin(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
}
