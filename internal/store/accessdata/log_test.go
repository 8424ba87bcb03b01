package accessdata_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func entry(subject string, persons ...string) audit.Entry {
	return audit.Entry{
		At: time.Now(), Subject: subject, Role: "social_worker", OrganisationID: storetest.FID("MUN-A"),
		Purpose: "case_management", Operation: "query cases", RequestID: "req-" + subject,
		PersonIDs: persons, Categories: []string{"identity", "case"},
	}
}

func appendLog(t *testing.T, st *store.Store, e audit.Entry) audit.Record {
	t.Helper()
	ctx := context.Background()
	sc := store.Scope{Kind: store.ScopeOrganisation, OrganisationID: storetest.FID("MUN-A")}
	tx := storetest.Begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc})
	rec, err := accessdata.AppendLogForTest(ctx, tx, e)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	return rec
}

func TestAccessLogChainVerifies(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	res, err := accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	require.NoError(t, err)
	require.Zero(t, res.Rows, "an empty log verifies")

	first := appendLog(t, st, entry("alice", storetest.FID("p2"), storetest.FID("p1"), storetest.FID("p1")))
	require.EqualValues(t, 1, first.Seq)
	require.Equal(t, sortedCopy([]string{storetest.FID("p1"), storetest.FID("p2")}), first.PersonIDs, "sorted and deduplicated")
	require.Equal(t, audit.ChainHash(audit.GenesisHash, 1, first.Digest()), first.Hash, "the database chains exactly as audit does")
	second := appendLog(t, st, entry("bob", storetest.FID("p3")))
	require.EqualValues(t, 2, second.Seq)

	res, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{PageSize: 1})
	require.NoError(t, err)
	require.EqualValues(t, 2, res.Rows)
	require.Equal(t, second.Hash, res.Head.Hash)

	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{Anchor: &audit.Head{Seq: 1, Hash: first.Hash}})
	require.NoError(t, err)
	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{Anchor: &audit.Head{Seq: 1, Hash: second.Hash}})
	require.ErrorIs(t, err, audit.ErrTampered)
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Appends from many transactions at once still form one linear chain.
func TestAccessLogConcurrentAppends(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := store.Scope{Kind: store.ScopeAll}
			err := st.InTx(ctx, store.TxOptions{Claims: sc.Claims(), Scope: sc}, func(tx *store.Tx) error {
				_, err := accessdata.AppendLogForTest(ctx, tx, entry(fmt.Sprintf("user-%d", i), storetest.FID("p1")))
				return err
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := accessdata.VerifyLog(ctx, st, audit.VerifyOptions{PageSize: 7})
	require.NoError(t, err)
	require.EqualValues(t, n, res.Rows)
}

// No log, no answer: a rolled-back request leaves no row, and a committed one leaves it
// with the request's data.
func TestAccessLogIsPartOfTheTransaction(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	sc := store.Scope{Kind: store.ScopeAll}
	boom := errors.New("resolver failed")
	err := st.InTx(ctx, store.TxOptions{Claims: sc.Claims(), Scope: sc}, func(tx *store.Tx) error {
		if _, err := accessdata.AppendLogForTest(ctx, tx, entry("carol", storetest.FID("p1"))); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	h, err := accessdata.LogHead(ctx, st)
	require.NoError(t, err)
	require.Zero(t, h.Seq)
}

// An entry appended on commit travels with COMMIT: it lands with the transaction, and when
// any statement sent with COMMIT fails, neither it nor what the transaction wrote commits.
func TestAccessLogOnCommit(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	sc := store.Scope{Kind: store.ScopeOrganisation, OrganisationID: storetest.FID("MUN-A")}
	tx := storetest.Begin(t, st, store.TxOptions{Restricted: true, Scope: sc})
	require.NoError(t, accessdata.AppendLogOnCommit(tx, entry("dave", storetest.FID("p1"), storetest.FID("p2"))))
	require.NoError(t, tx.Commit(ctx))
	recs, err := accessdata.LogPage(ctx, st, 0, 10)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "dave", recs[0].Subject)
	require.ElementsMatch(t, []string{storetest.FID("p1"), storetest.FID("p2")}, recs[0].PersonIDs)
	res, err := accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	require.NoError(t, err, "the entry chains like any other")
	require.EqualValues(t, 1, res.Rows)

	all := store.Scope{Kind: store.ScopeAll}
	tx = storetest.Begin(t, st, store.TxOptions{Scope: all})
	_, err = storetest.Exec(ctx, tx, "UPDATE persons SET phone = '000' WHERE id = $1", storetest.FID("p1"))
	require.NoError(t, err)
	require.NoError(t, accessdata.AppendLogOnCommit(tx, entry("erin", storetest.FID("p1"))))
	tx.OnCommit("fail on commit", "SELECT 1 / 0")
	require.Error(t, tx.Commit(ctx))
	h, err := accessdata.LogHead(ctx, st)
	require.NoError(t, err)
	require.EqualValues(t, 1, h.Seq, "the second entry did not commit")
	tx = storetest.Begin(t, st, store.TxOptions{Scope: all})
	phone, err := storetest.Strings(ctx, tx, "SELECT coalesce(phone, '') FROM persons WHERE id = $1", storetest.FID("p1"))
	require.NoError(t, err)
	require.NotEqual(t, []string{"000"}, phone, "nor did the update")
	require.NoError(t, tx.Rollback(ctx))
}

// A transaction a failed statement aborted cannot commit: COMMIT would roll it back, and
// Commit says so instead of succeeding.
func TestCommitOfAnAbortedTransactionFails(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	tx := storetest.Begin(t, st, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}})
	_, err := storetest.Exec(ctx, tx, "SELECT 1 / 0")
	require.Error(t, err)
	require.Error(t, tx.Commit(ctx))
	require.NoError(t, tx.Rollback(ctx), "rolling back a closed transaction is harmless")
	_, err = storetest.Exec(ctx, tx, "SELECT 1")
	require.Error(t, err, "a closed transaction runs nothing")
}

func TestAccessLogRejectsBadEntries(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	sc := store.Scope{Kind: store.ScopeAll}
	tx := storetest.Begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc})
	e := entry("", "not-a-uuid")
	e.Purpose = ""
	_, err := accessdata.AppendLogForTest(ctx, tx, e)
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "%v", err)
	var fields []string
	for _, f := range ie.Fields {
		fields = append(fields, f.Field)
	}
	require.ElementsMatch(t, []string{"subject", "purpose", "personIds[0]"}, fields)
}

// The database refuses UPDATE and DELETE on the log to everyone, owner included; an edit
// made by switching the trigger off (a superuser) is found by verification, which names
// the row.
func TestAccessLogTamperingIsRefusedAndDetected(t *testing.T) {
	t.Parallel()
	pool, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	for i := range 5 {
		appendLog(t, st, entry(fmt.Sprintf("user-%d", i), storetest.FID("p1")))
	}

	sc := store.Scope{Kind: store.ScopeAll}
	for _, stmt := range []string{
		`UPDATE access_log SET subject = 'nobody' WHERE seq = 3`,
		`DELETE FROM access_log WHERE seq = 5`,
	} {
		tx := storetest.Begin(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc})
		_, err := storetest.Exec(ctx, tx, stmt)
		require.ErrorIs(t, err, apperr.ErrForbidden, "hub role: %s", stmt)
		require.NoError(t, tx.Rollback(ctx))
		_, err = pool.Exec(ctx, stmt)
		require.ErrorContains(t, err, "append-only", "owner: %s", stmt)
	}
	_, err := pool.Exec(ctx, `TRUNCATE access_log`)
	require.ErrorContains(t, err, "append-only")

	tamper := func(stmt string) {
		t.Helper()
		conn, err := pool.Acquire(ctx)
		require.NoError(t, err)
		defer conn.Release()
		_, err = conn.Exec(ctx, "BEGIN; SET LOCAL session_replication_role = replica; "+stmt+"; COMMIT")
		require.NoError(t, err)
	}
	tamper(`UPDATE access_log SET subject = 'nobody' WHERE seq = 3`)
	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	var te *audit.TamperError
	require.ErrorAs(t, err, &te)
	require.EqualValues(t, 3, te.Seq)
	require.ErrorIs(t, err, audit.ErrTampered)
	require.Contains(t, err.Error(), "row 3")

	tamper(`UPDATE access_log SET subject = 'user-2' WHERE seq = 3`)
	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	require.NoError(t, err, "restored")

	tamper(`UPDATE access_log SET person_ids = '{}' WHERE seq = 2`)
	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	require.ErrorAs(t, err, &te)
	require.EqualValues(t, 2, te.Seq)
	tamper(`UPDATE access_log SET person_ids = ARRAY['` + storetest.FID("p1") + `'::uuid] WHERE seq = 2`)

	tamper(`DELETE FROM access_log WHERE seq = 4`)
	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	require.ErrorAs(t, err, &te)
	require.EqualValues(t, 4, te.Seq)
	require.Contains(t, err.Error(), "missing")
}

func TestAccessLogTailDeletionDetected(t *testing.T) {
	t.Parallel()
	pool, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	for i := range 3 {
		appendLog(t, st, entry(fmt.Sprintf("user-%d", i), storetest.FID("p1")))
	}
	_, err := pool.Exec(ctx, "BEGIN; SET LOCAL session_replication_role = replica; DELETE FROM access_log WHERE seq = 3; COMMIT")
	require.NoError(t, err)
	_, err = accessdata.VerifyLog(ctx, st, audit.VerifyOptions{})
	var te *audit.TamperError
	require.ErrorAs(t, err, &te)
	require.EqualValues(t, 3, te.Seq)
}

// A data protection officer answers "who accessed this person's data"; nobody else can
// read the log, even with the application's filter off.
func TestAccessLogForDataProtectionOfficer(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	appendLog(t, st, entry("alice", storetest.FID("p1"), storetest.FID("p2")))
	appendLog(t, st, entry("bob", storetest.FID("p2")))
	appendLog(t, st, entry("alice", storetest.FID("p3")))

	all := store.Scope{Kind: store.ScopeAll}
	dpoClaims := all.Claims()
	dpoClaims["ponte.access_log"] = "read"
	tx := storetest.Begin(t, st, store.TxOptions{Claims: dpoClaims, Scope: all})
	recs, err := accessdata.Log(ctx, tx, accessdata.LogFilter{PersonID: storetest.FID("p2")})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, "bob", recs[0].Subject, "newest first")
	require.Equal(t, "alice", recs[1].Subject)
	require.Equal(t, "case_management", recs[0].Purpose)
	require.Equal(t, []string{"case", "identity"}, recs[0].Categories)

	recs, err = accessdata.Log(ctx, tx, accessdata.LogFilter{Subject: "alice", BeforeSeq: 3, Limit: 1})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.EqualValues(t, 1, recs[0].Seq)

	_, err = accessdata.Log(ctx, tx, accessdata.LogFilter{Limit: 5000})
	ie, ok := apperr.AsInput(err)
	require.True(t, ok)
	require.Equal(t, "limit", ie.Fields[0].Field)

	other := storetest.Begin(t, st, store.TxOptions{Claims: all.Claims(), Scope: all})
	recs, err = accessdata.Log(ctx, other, accessdata.LogFilter{PersonID: storetest.FID("p2")})
	require.NoError(t, err)
	require.Empty(t, recs, "without the DPO's claim the log is invisible")
}
