package accessdata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// AppendLogOnCommit appends e to the access log in the round trip that commits the
// transaction (Tx.OnCommit), so the access and its record commit or vanish together and
// the entry costs no round trip of its own. The entry is normalised first; the database
// assigns the sequence number and chains the hash under a lock on the chain head.
func AppendLogOnCommit(t *store.Tx, e audit.Entry) error {
	_, args, err := accessLogArgs(e)
	if err != nil {
		return err
	}
	t.OnCommit("append access log", appendAccessLog, args...)
	return nil
}

const appendAccessLog = `SELECT seq, hash FROM access_log_append($1, $2, $3, nullif($4, '')::uuid, $5, $6, $7, $8::uuid[], $9::text[], $10)`

// accessLogArgs normalises e and returns the arguments of appendAccessLog; the persons go
// as binary UUIDs, which the database need not parse (Normalize leaves only UUIDs, and
// never nil: an entry about no one has the empty array).
func accessLogArgs(e audit.Entry) (audit.Entry, []any, error) {
	n, err := e.Normalize()
	if err != nil {
		return audit.Entry{}, nil, err
	}
	d := n.Digest()
	return n, []any{n.At, n.Subject, n.Role, n.OrganisationID, n.Purpose, n.Operation, n.RequestID, store.UUIDs(n.PersonIDs), n.Categories, d[:]}, nil
}

const accessLogColumns = `seq, hash, at, subject, role, coalesce(organisation_id::text, ''), purpose, operation,
	request_id, person_ids::text[], categories`

func scanAccessLog(rows pgx.Rows) (audit.Record, error) {
	var r audit.Record
	err := rows.Scan(&r.Seq, &r.Hash, &r.At, &r.Subject, &r.Role, &r.OrganisationID, &r.Purpose,
		&r.Operation, &r.RequestID, &r.PersonIDs, &r.Categories)
	r.At = r.At.UTC()
	return r, err
}

// LogFilter selects access log rows for a data protection officer. Zero fields do
// not filter. Rows come newest first; page with BeforeSeq.
type LogFilter struct {
	// PersonID: only accesses to this person's data (GDPR Art. 15 "who accessed my data").
	PersonID string
	// Subject: only accesses by this principal.
	Subject string
	// From and To bound the access time (From inclusive, To exclusive).
	From, To time.Time
	// BeforeSeq: only rows older than this sequence number (the last one of the previous page).
	BeforeSeq int64
	// Limit caps the rows returned (default 100, at most 1000).
	Limit int
}

// Log returns the access log rows matching f. Under the hub's role the database
// shows the log only to a transaction whose claims allow reading it (the DPO's plan).
func Log(ctx context.Context, t *store.Tx, f LogFilter) ([]audit.Record, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		return nil, apperr.Inputf("limit", "must be at most 1000, got %d", f.Limit)
	}
	var args []any
	where := "true"
	if f.PersonID != "" {
		where += " AND person_ids @> ARRAY[" + store.Arg(&args, f.PersonID) + "::uuid]"
	}
	if f.Subject != "" {
		where += " AND subject = " + store.Arg(&args, f.Subject)
	}
	if !f.From.IsZero() {
		where += " AND at >= " + store.Arg(&args, f.From)
	}
	if !f.To.IsZero() {
		where += " AND at < " + store.Arg(&args, f.To)
	}
	if f.BeforeSeq > 0 {
		where += " AND seq < " + store.Arg(&args, f.BeforeSeq)
	}
	sql := "SELECT " + accessLogColumns + " FROM access_log WHERE " + where +
		" ORDER BY seq DESC LIMIT " + store.Arg(&args, f.Limit)
	return store.Query(ctx, t, "query access log", sql, args, scanAccessLog)
}

// LogPage returns up to limit rows with seq > afterSeq in order, for verification
// (audit.Source). It runs as the login role, outside any request.
func LogPage(ctx context.Context, s *store.Store, afterSeq int64, limit int) ([]audit.Record, error) {
	rows, err := s.Pool().Query(ctx, "SELECT "+accessLogColumns+" FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2", afterSeq, limit)
	if err != nil {
		return nil, store.Wrap("read access log", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.Record, error) { return scanAccessLog(r.(pgx.Rows)) })
	if err != nil {
		return nil, store.Wrap("read access log", err)
	}
	return out, nil
}

// LogHead returns the stored chain head (audit.Source).
func LogHead(ctx context.Context, s *store.Store) (audit.Head, error) {
	var h audit.Head
	if err := s.Pool().QueryRow(ctx, "SELECT seq, hash FROM access_log_head").Scan(&h.Seq, &h.Hash); err != nil {
		return audit.Head{}, store.Wrap("read access log head", err)
	}
	return h, nil
}

// VerifyLog walks the whole chain; see audit.Verify.
func VerifyLog(ctx context.Context, s *store.Store, opts audit.VerifyOptions) (audit.Result, error) {
	res, err := audit.Verify(ctx, logSource{s}, opts)
	if err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	return res, nil
}

// logSource reads the chain for audit.Verify.
type logSource struct{ s *store.Store }

func (l logSource) AccessLogPage(ctx context.Context, afterSeq int64, limit int) ([]audit.Record, error) {
	return LogPage(ctx, l.s, afterSeq, limit)
}

func (l logSource) AccessLogHead(ctx context.Context) (audit.Head, error) { return LogHead(ctx, l.s) }
