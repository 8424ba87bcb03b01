package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// esfLockPair returns two operation ids, the one whose counts' lock key is lower first.
func esfLockPair(t *testing.T, st *store.Store) (low, high string) {
	t.Helper()
	a, b := store.NewID().String(), store.NewID().String()
	var aFirst bool
	require.NoError(t, st.Pool().QueryRow(context.Background(),
		`SELECT esf_counts_lock_key($1::uuid) < esf_counts_lock_key($2::uuid)`, a, b).Scan(&aFirst))
	if aFirst {
		return a, b
	}
	return b, a
}

// LockESFOperations takes the locks in the order of their keys, whatever the order of the
// ids: while another transaction holds the lower key's lock, a transaction asking for
// both (higher first) waits without holding the higher one.
func TestLockESFOperationsTakesTheKeysInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(pgtest.Pool(t))
	low, high := esfLockPair(t, st)
	all := store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}

	holder, err := st.Begin(ctx, all)
	require.NoError(t, err)
	defer holder.Rollback(ctx)
	require.NoError(t, store.LockESFOperations(ctx, holder, []string{low}))

	locked := make(chan error, 1)
	go func() {
		locked <- st.InTx(ctx, all, func(tx *store.Tx) error {
			return store.LockESFOperations(ctx, tx, []string{high, low, high, ""})
		})
	}()
	// Wait until the second transaction is blocked on the lower key.
	require.Eventually(t, func() bool {
		var waiting bool
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`).Scan(&waiting))
		return waiting
	}, 10*time.Second, 20*time.Millisecond)
	var free bool
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT pg_try_advisory_lock(esf_counts_lock_key($1::uuid))
		AND pg_advisory_unlock(esf_counts_lock_key($1::uuid))`, high).Scan(&free))
	require.True(t, free, "the higher key was taken before the lower one")
	require.NoError(t, holder.Rollback(ctx))
	require.NoError(t, <-locked)
}

// A deadlock the database breaks (two writers taking the same operations' locks in
// crossing orders, as writers that cannot lock first still may) reaches the caller as
// apperr.ErrUnavailable, which the API answers with "try again", and keeps the driver's
// error.
func TestDeadlockIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(pgtest.Pool(t))
	low, high := esfLockPair(t, st)
	all := store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}
	first := [2]string{low, high}
	errs := make(chan error, 2)
	ready := make(chan struct{}, 2)
	proceed := make(chan struct{})
	for w := range 2 {
		go func() {
			errs <- st.InTx(ctx, all, func(tx *store.Tx) error {
				if err := store.LockESFOperations(ctx, tx, []string{first[w]}); err != nil {
					return err
				}
				ready <- struct{}{}
				<-proceed
				return store.LockESFOperations(ctx, tx, []string{first[1-w]})
			})
		}()
	}
	<-ready
	<-ready
	close(proceed)
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	require.Len(t, failed, 1, "one of the two is rolled back")
	require.ErrorIs(t, failed[0], apperr.ErrUnavailable)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(failed[0], &pgErr))
	require.Equal(t, "40P01", pgErr.Code)
}

// The hub's role takes the locks in a restricted transaction (a case worker's correction
// of a tax code, an erasure), counting the participations it sees.
func TestLockESFOperationsInARestrictedTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t), store.Config{MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	low, high := esfLockPair(t, st)
	err = st.InTx(ctx, store.TxOptions{Restricted: true, Scope: store.Scope{Kind: store.ScopeTerritory, Territory: "T1"}},
		func(tx *store.Tx) error {
			role, err := storetest.Strings(ctx, tx, `SELECT (current_user = session_user)::text`)
			require.NoError(t, err)
			require.Equal(t, []string{"false"}, role, "the transaction runs as the hub's role")
			if err := store.LockESFOperations(ctx, tx, []string{high, low}); err != nil {
				return err
			}
			if err := store.LockESFOperationsOfPersons(ctx, tx, []string{store.NewID().String()}); err != nil {
				return err
			}
			return store.LockESFOperationsOfTaxCodes(ctx, tx, []string{"RSSMRA80A01H501U"})
		})
	require.NoError(t, err)
}
