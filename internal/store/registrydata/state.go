package registrydata

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// SyncState is the persisted state of one collection's bulk synchronisation.
type SyncState struct {
	Source     string
	Collection string
	// NextCursor is the page the pass in progress continues from; nil when no pass is
	// in progress (the next one starts from the beginning).
	NextCursor          *string
	PassStartedAt       *time.Time
	PassRecords         int64
	LastAttemptAt       *time.Time
	LastSuccessAt       *time.Time
	LastFullSyncAt      *time.Time
	LastError           *string
	LastErrorAt         *time.Time
	ConsecutiveFailures int
}

// Failing reports whether the collection's last attempt failed.
func (s SyncState) Failing() bool { return s.ConsecutiveFailures > 0 }

// ErrSyncCursorMoved means another run advanced the collection's cursor since this one
// read it: this run's page must not be stored over it.
var ErrSyncCursorMoved = errors.New("store: the sync cursor was moved by another run")

const syncStateCols = `source, collection, next_cursor, pass_started_at, pass_records, last_attempt_at, last_success_at,
	last_full_sync_at, last_error, last_error_at, consecutive_failures`

func scanSyncState(r pgx.Rows) (SyncState, error) {
	var s SyncState
	err := r.Scan(&s.Source, &s.Collection, &s.NextCursor, &s.PassStartedAt, &s.PassRecords, &s.LastAttemptAt, &s.LastSuccessAt,
		&s.LastFullSyncAt, &s.LastError, &s.LastErrorAt, &s.ConsecutiveFailures)
	return s, err
}

// ReadSyncState loads one collection's synchronisation state.
func ReadSyncState(ctx context.Context, t *store.Tx, source, collection string) (SyncState, error) {
	rows, err := store.Query(ctx, t, "load sync state", `SELECT `+syncStateCols+` FROM registry_sync_state WHERE source = $1 AND collection = $2`,
		[]any{source, collection}, scanSyncState)
	if err != nil {
		return SyncState{}, err
	}
	if len(rows) == 0 {
		return SyncState{}, fmt.Errorf("store: load sync state: %w", unknownCollection(source, collection))
	}
	return rows[0], nil
}

// SyncStates loads the synchronisation state of every collection.
func SyncStates(ctx context.Context, t *store.Tx) ([]SyncState, error) {
	return store.Query(ctx, t, "load sync states", `SELECT `+syncStateCols+` FROM registry_sync_state ORDER BY source, collection`, nil, scanSyncState)
}

func unknownCollection(source, collection string) error {
	return fmt.Errorf("%w: unknown registry collection %s/%s", ErrBatch, source, collection)
}

// AdvanceSyncCursor records a stored page: the pass moves from the cursor the page was
// fetched with (from; nil for a pass's first page) to next (nil when the page was the
// last, which completes the pass). Call it in the transaction that stored the page, so
// that records and cursor commit together. ErrSyncCursorMoved if another run moved the
// cursor meanwhile.
func AdvanceSyncCursor(ctx context.Context, t *store.Tx, source, collection string, from, next *string, records int, at time.Time) error {
	n, err := store.Exec(ctx, t, "advance sync cursor", `UPDATE registry_sync_state SET
		    next_cursor = $4,
		    pass_started_at = CASE WHEN $3::text IS NULL THEN $6 ELSE coalesce(pass_started_at, $6) END,
		    pass_records = CASE WHEN $3::text IS NULL THEN 0 ELSE pass_records END + $5,
		    last_attempt_at = $6, last_success_at = $6,
		    last_full_sync_at = CASE WHEN $4::text IS NULL THEN $6 ELSE last_full_sync_at END,
		    consecutive_failures = 0
		  WHERE source = $1 AND collection = $2 AND next_cursor IS NOT DISTINCT FROM $3`,
		source, collection, from, next, records, at)
	if err != nil {
		return err
	}
	if n == 0 {
		if _, err := ReadSyncState(ctx, t, source, collection); err != nil {
			return err
		}
		return fmt.Errorf("store: advance sync cursor of %s/%s: %w", source, collection, ErrSyncCursorMoved)
	}
	return nil
}

// ResetSyncCursor abandons the pass in progress (its cursor expired at the source), so the
// next page is fetched from the beginning.
func ResetSyncCursor(ctx context.Context, t *store.Tx, source, collection string) error {
	n, err := store.Exec(ctx, t, "reset sync cursor", `UPDATE registry_sync_state SET next_cursor = NULL, pass_started_at = NULL, pass_records = 0
		  WHERE source = $1 AND collection = $2`, source, collection)
	if err == nil && n == 0 {
		err = fmt.Errorf("store: reset sync cursor: %w", unknownCollection(source, collection))
	}
	return err
}

// RecordSyncFailure notes a failed attempt of a collection's synchronisation; its cursor
// stays where the last stored page left it.
func RecordSyncFailure(ctx context.Context, t *store.Tx, source, collection, message string, at time.Time) error {
	n, err := store.Exec(ctx, t, "record sync failure", `UPDATE registry_sync_state SET
		    last_attempt_at = $4, last_error = $3, last_error_at = $4, consecutive_failures = consecutive_failures + 1
		  WHERE source = $1 AND collection = $2`, source, collection, message, at)
	if err == nil && n == 0 {
		err = fmt.Errorf("store: record sync failure: %w", unknownCollection(source, collection))
	}
	return err
}

// Source is a source's configuration and breaker as stored.
type Source struct {
	Source            string
	MaxAge            time.Duration
	BreakerState      string
	BreakerObservedAt *time.Time
}

// ConfigureSource sets how old a source's records may get before they are STALE.
func ConfigureSource(ctx context.Context, t *store.Tx, source string, maxAge time.Duration) error {
	secs := int64(maxAge / time.Second)
	if secs < 1 {
		return fmt.Errorf("store: configure registry source %s: max age %s is under a second", source, maxAge)
	}
	n, err := store.Exec(ctx, t, "configure registry source", `UPDATE registry_sources SET max_age_seconds = $2, updated_at = now()
		  WHERE source = $1 AND max_age_seconds <> $2`, source, secs)
	if err != nil {
		return err
	}
	if n == 0 {
		if _, err := registrySource(ctx, t, source); err != nil {
			return err
		}
	}
	return nil
}

// SetBreaker records the breaker state the source's client reported.
func SetBreaker(ctx context.Context, t *store.Tx, source, state string, at time.Time) error {
	n, err := store.Exec(ctx, t, "set registry breaker", `UPDATE registry_sources SET breaker_state = $2, breaker_observed_at = $3
		  WHERE source = $1 AND (breaker_observed_at IS NULL OR breaker_observed_at <= $3)`, source, state, at)
	if err != nil {
		return err
	}
	if n == 0 {
		if _, err := registrySource(ctx, t, source); err != nil {
			return err
		}
	}
	return nil
}

func registrySource(ctx context.Context, t *store.Tx, source string) (Source, error) {
	rows, err := Sources(ctx, t)
	if err != nil {
		return Source{}, err
	}
	for _, s := range rows {
		if s.Source == source {
			return s, nil
		}
	}
	return Source{}, fmt.Errorf("%w: unknown registry source %q", ErrBatch, source)
}

// Sources loads every source's configuration and breaker.
func Sources(ctx context.Context, t *store.Tx) ([]Source, error) {
	return store.Query(ctx, t, "load registry sources",
		`SELECT source, max_age_seconds, breaker_state, breaker_observed_at FROM registry_sources ORDER BY source`, nil,
		func(r pgx.Rows) (Source, error) {
			var s Source
			var secs int64
			err := r.Scan(&s.Source, &secs, &s.BreakerState, &s.BreakerObservedAt)
			s.MaxAge = time.Duration(secs) * time.Second
			return s, err
		})
}

// RecordLookups notes the outcome of point lookups of persons at a source: a success when
// message is empty, else a failure with that message.
func RecordLookups(ctx context.Context, t *store.Tx, source string, taxCodes []string, message string, at time.Time) error {
	if len(taxCodes) == 0 {
		return nil
	}
	_, err := store.Exec(ctx, t, "record registry lookups", `INSERT INTO registry_lookup_state AS l
		    (source, tax_code, last_attempt_at, last_success_at, last_error, last_error_at, consecutive_failures)
		  SELECT $1, tc, $4,
		         CASE WHEN $3 = '' THEN $4::timestamptz END,
		         nullif($3, ''),
		         CASE WHEN $3 <> '' THEN $4::timestamptz END,
		         CASE WHEN $3 = '' THEN 0 ELSE 1 END
		    FROM (SELECT DISTINCT unnest($2::text[]) AS tc) c
		  ON CONFLICT (source, tax_code) DO UPDATE SET
		    last_attempt_at = EXCLUDED.last_attempt_at,
		    last_success_at = coalesce(EXCLUDED.last_success_at, l.last_success_at),
		    last_error = CASE WHEN $3 = '' THEN l.last_error ELSE EXCLUDED.last_error END,
		    last_error_at = CASE WHEN $3 = '' THEN l.last_error_at ELSE EXCLUDED.last_error_at END,
		    consecutive_failures = CASE WHEN $3 = '' THEN 0 ELSE l.consecutive_failures + 1 END
		  WHERE l.last_attempt_at <= EXCLUDED.last_attempt_at`, source, taxCodes, message, at)
	return err
}

// Run kinds.
const (
	RunSync    = "SYNC"
	RunRefresh = "REFRESH"
	RunImport  = "IMPORT"
)

// SyncRun is one synchronisation, refresh or import, as logged.
type SyncRun struct {
	ID          int64
	Source      string
	Collection  string
	Kind        string
	Detail      string
	StartedAt   time.Time
	FinishedAt  *time.Time
	Fetched     int
	Stored      int
	Unchanged   int
	Quarantined int
	Error       *string
}

// StartSyncRun logs the start of a run and returns its id.
func StartSyncRun(ctx context.Context, t *store.Tx, r SyncRun) (int64, error) {
	var id int64
	err := store.QueryRow(ctx, t, "start sync run", `INSERT INTO registry_sync_runs (source, collection, kind, detail, started_at)
		  VALUES ($1, nullif($2, ''), $3, nullif($4, ''), $5) RETURNING id`,
		[]any{r.Source, r.Collection, r.Kind, r.Detail, r.StartedAt}, &id)
	return id, err
}

// FinishSyncRun logs the end of a run with its counts; message is its error, "" for none.
func FinishSyncRun(ctx context.Context, t *store.Tx, id int64, at time.Time, fetched, stored, unchanged, quarantined int, message string) error {
	n, err := store.Exec(ctx, t, "finish sync run", `UPDATE registry_sync_runs SET finished_at = $2, fetched = $3, stored = $4,
		    unchanged = $5, quarantined = $6, error = nullif($7, '') WHERE id = $1`,
		id, at, fetched, stored, unchanged, quarantined, message)
	if err == nil && n == 0 {
		err = fmt.Errorf("store: finish sync run: no run %d", id)
	}
	return err
}

// RecentSyncRuns returns the latest runs of a source, newest first.
func RecentSyncRuns(ctx context.Context, t *store.Tx, source string, limit int) ([]SyncRun, error) {
	return store.Query(ctx, t, "recent sync runs", `SELECT id, source, coalesce(collection, ''), kind, coalesce(detail, ''), started_at,
		    finished_at, fetched, stored, unchanged, quarantined, error
		  FROM registry_sync_runs WHERE source = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, []any{source, limit},
		func(r pgx.Rows) (SyncRun, error) {
			var s SyncRun
			err := r.Scan(&s.ID, &s.Source, &s.Collection, &s.Kind, &s.Detail, &s.StartedAt, &s.FinishedAt,
				&s.Fetched, &s.Stored, &s.Unchanged, &s.Quarantined, &s.Error)
			return s, err
		})
}
