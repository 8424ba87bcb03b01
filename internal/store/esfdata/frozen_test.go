package esfdata_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// TestFrozenESFReportsCannotBeAlteredByTheHubsRole: the request role (ponte_app) freezes a
// report, report row first and its records after in the same transaction, and from then
// on can neither change nor delete either, nor add a record to it; nor can a transaction
// slip records under a report another transaction is freezing. The table owner is held
// to the same by the triggers while they are enabled, and a signed report stays signed.
func TestFrozenESFReportsCannotBeAlteredByTheHubsRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cutoff := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	all := store.Scope{Kind: store.ScopeAll}
	app := store.TxOptions{Claims: all.Claims(), Scope: all}

	setup := func(t *testing.T) (*pgxpool.Pool, *store.Store) {
		t.Helper()
		pool := pgtest.Pool(t)
		fillRandom(t, pool, 40, 60, 60)
		return pool, store.New(pool)
	}
	// freeze stores a report the way esf.Freeze does (the signature is not checked here).
	freeze := func(t *testing.T, st *store.Store) (string, esfdata.RecordHashes) {
		t.Helper()
		id := store.NewID().String()
		var h esfdata.RecordHashes
		require.NoError(t, st.InTx(ctx, app, func(tx *store.Tx) error {
			var err error
			if h, err = esfdata.HashRecords(ctx, tx, cutoff, nil); err != nil {
				return err
			}
			if err := esfdata.InsertFrozenReport(ctx, tx, signedRow(id, cutoff, h)); err != nil {
				return err
			}
			n, digest, err := esfdata.InsertFrozenRecords(ctx, tx, id, h)
			require.Equal(t, h.Count, n)
			require.Equal(t, h.Digest, digest)
			return err
		}))
		require.Positive(t, h.Count)
		require.Len(t, h.Hashes, int(h.Count))
		return id, h
	}

	t.Run("the request role freezes and then cannot alter", func(t *testing.T) {
		t.Parallel()
		pool, st := setup(t)
		id, h := freeze(t, st)
		require.NoError(t, st.InTx(ctx, app, func(tx *store.Tx) error {
			n, digest, err := esfdata.FrozenRecordsDigest(ctx, tx, id)
			require.Equal(t, h.Count, n)
			require.Equal(t, h.Digest, digest, "the digest computed before storing is the one read back")
			return err
		}))

		for _, sql := range []string{
			`UPDATE esf_frozen_reports SET note = 'changed' WHERE id = $1`,
			`UPDATE esf_frozen_reports SET frozen_at = frozen_at + interval '1 day' WHERE id = $1`,
			`DELETE FROM esf_frozen_reports WHERE id = $1`,
			`UPDATE esf_frozen_records SET record_hash = repeat('0', 64) WHERE report_id = $1`,
			`DELETE FROM esf_frozen_records WHERE report_id = $1`,
		} {
			err := asApp(t, pool, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, sql, id); return err })
			requireRefused(t, err, "permission denied for table esf_frozen_re", sql)
		}
		err := asApp(t, pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `TRUNCATE esf_frozen_records, esf_frozen_reports`)
			return err
		})
		requireRefused(t, err, "permission denied", "truncate")

		// No record can be added to the frozen report, by a statement of the store or by hand.
		extra := esfdata.RecordHashes{OperationIDs: h.OperationIDs[:1], PersonIDs: []string{store.NewID().String()},
			Hashes: []string{h.Hashes[0]}}
		err = st.InTx(ctx, app, func(tx *store.Tx) error { _, _, err := esfdata.InsertFrozenRecords(ctx, tx, id, extra); return err })
		require.ErrorIs(t, err, apperr.ErrForbidden)
		err = asApp(t, pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO esf_frozen_records (report_id, operation_id, person_id, record_hash)
				SELECT report_id, operation_id, gen_random_uuid(), record_hash FROM esf_frozen_records WHERE report_id = $1 LIMIT 1`, id)
			return err
		})
		requireRefused(t, err, "frozen ESF reports are immutable: INSERT on esf_frozen_records of report "+id, "extra record")
		// Nor can a record be written first, for a report row to follow.
		later := store.NewID().String()
		err = st.InTx(ctx, app, func(tx *store.Tx) error {
			if _, _, err := esfdata.InsertFrozenRecords(ctx, tx, later, h); err != nil {
				return err
			}
			return esfdata.InsertFrozenReport(ctx, tx, signedRow(later, cutoff, h))
		})
		ie, ok := apperr.AsInput(err)
		require.True(t, ok, "records before their report row: %v", err)
		require.Equal(t, "report_id", ie.Fields[0].Field, "the reference to the report is checked at once")

		// A report must carry a signature.
		unsigned := signedRow(store.NewID().String(), cutoff, h)
		unsigned.Signature = nil
		err = st.InTx(ctx, app, func(tx *store.Tx) error { return esfdata.InsertFrozenReport(ctx, tx, unsigned) })
		_, isInput := apperr.AsInput(err)
		require.True(t, isInput, "%v", err)
		require.ErrorContains(t, err, "esf_frozen_reports_signed")

		var reports, records int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM esf_frozen_reports), (SELECT count(*) FROM esf_frozen_records)`).
			Scan(&reports, &records))
		require.Equal(t, int64(1), reports)
		require.Equal(t, h.Count, records, "nothing was added or removed")
	})

	t.Run("no record slips in from another transaction", func(t *testing.T) {
		t.Parallel()
		pool, st := setup(t)
		id := store.NewID().String()
		var h esfdata.RecordHashes
		require.NoError(t, st.InTx(ctx, app, func(tx *store.Tx) error {
			var err error
			h, err = esfdata.HashRecords(ctx, tx, cutoff, nil)
			return err
		}))
		// The freezing transaction has written its report row and not yet committed.
		freezing, err := st.Begin(ctx, app)
		require.NoError(t, err)
		defer func() { _ = freezing.Rollback(ctx) }()
		require.NoError(t, esfdata.InsertFrozenReport(ctx, freezing, signedRow(id, cutoff, h)))
		intruder := esfdata.RecordHashes{OperationIDs: h.OperationIDs[:1], PersonIDs: []string{store.NewID().String()},
			Hashes: []string{h.Hashes[0]}}
		// The report row is not visible to another transaction, which cannot insert under it...
		err = st.InTx(ctx, app, func(tx *store.Tx) error { _, _, err := esfdata.InsertFrozenRecords(ctx, tx, id, intruder); return err })
		ie, ok := apperr.AsInput(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, "report_id", ie.Fields[0].Field)
		_, _, err = esfdata.InsertFrozenRecords(ctx, freezing, id, h)
		require.NoError(t, err)
		require.NoError(t, freezing.Commit(ctx))
		// ...and once committed it belongs to another transaction.
		err = st.InTx(ctx, app, func(tx *store.Tx) error { _, _, err := esfdata.InsertFrozenRecords(ctx, tx, id, intruder); return err })
		require.ErrorIs(t, err, apperr.ErrForbidden)
		var records int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM esf_frozen_records WHERE report_id = $1`, id).Scan(&records))
		require.Equal(t, h.Count, records)
	})

	t.Run("the owner is held by the triggers", func(t *testing.T) {
		t.Parallel()
		pool, st := setup(t)
		id, _ := freeze(t, st)
		for _, sql := range []string{
			`UPDATE esf_frozen_reports SET note = 'changed' WHERE id = $1`,
			`DELETE FROM esf_frozen_reports WHERE id = $1`,
			`UPDATE esf_frozen_records SET record_hash = repeat('0', 64) WHERE report_id = $1`,
			`DELETE FROM esf_frozen_records WHERE report_id = $1`,
			`INSERT INTO esf_frozen_records (report_id, operation_id, person_id, record_hash)
				SELECT report_id, operation_id, gen_random_uuid(), record_hash FROM esf_frozen_records WHERE report_id = $1 LIMIT 1`,
		} {
			_, err := pool.Exec(ctx, sql, id)
			requireRefused(t, err, "frozen ESF reports are immutable", sql)
		}
		// With the triggers disabled the owner can rewrite a report (the signature shows it,
		// see internal/esf), but not strip its signature.
		_, err := pool.Exec(ctx, `ALTER TABLE esf_frozen_reports DISABLE TRIGGER USER`)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `UPDATE esf_frozen_reports SET signature = NULL WHERE id = $1`, id)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		require.Equal(t, "esf_frozen_reports_signed", pgErr.ConstraintName)
	})
}

// signedRow is a frozen report row with well-formed (not verifiable) signature columns.
func signedRow(id string, cutoff time.Time, h esfdata.RecordHashes) esfdata.FrozenReport {
	return esfdata.FrozenReport{ID: id, Cutoff: cutoff, Query: []byte(`{}`), Report: []byte(`{}`), RecordCount: h.Count,
		RecordsDigest: h.Digest, ReportHash: h.Digest, FrozenBy: "test", FrozenAt: time.Now().UTC().Truncate(time.Microsecond),
		SigningKeyID: "0123456789abcdef", SigningPublicKey: bytes.Repeat([]byte{1}, 32), SignedDigests: "digests",
		Signature: bytes.Repeat([]byte{2}, 64)}
}

// asApp runs fn in a transaction of the request role, claims set as store.Begin sets them.
func asApp(t *testing.T, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	claims := store.Scope{Kind: store.ScopeAll}.Claims()
	keys, vals := make([]string, 0, len(claims)), make([]string, 0, len(claims))
	for k, v := range claims {
		keys, vals = append(keys, k), append(vals, v)
	}
	_, err = tx.Exec(ctx, `SELECT set_config(k, v, true) FROM unnest($1::text[], $2::text[]) AS c(k, v)`, keys, vals)
	require.NoError(t, err)
	var role string
	require.NoError(t, tx.QueryRow(ctx, `SELECT current_user`).Scan(&role))
	require.Equal(t, store.DatabaseRole, role)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// requireRefused: err is PostgreSQL's insufficient_privilege with the message given.
func requireRefused(t *testing.T, err error, message, what string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "%s: %v", what, err)
	require.Equal(t, "42501", pgErr.Code, what)
	require.Contains(t, pgErr.Message, message, what)
}
