// Package store owns the hub's SQL. The core, here, holds the connection pool,
// migrations, transactions (begun with their claims and scope, on the hub's role), paging,
// the scope's predicates and the helpers that run statements; the queries of each area
// live in its package below: casedata, registrydata, accessdata, rightsdata, esfdata and
// bulk, called as area.Func(ctx, tx, …).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/ponte-hub/ponte/internal/tracing"
	"github.com/ponte-hub/ponte/migrations"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Config tunes the pool. Zero values take the documented defaults.
type Config struct {
	// StatementTimeout bounds every statement the hub runs (default 5s).
	StatementTimeout time.Duration
	// MaxConns bounds the pool (default 20).
	MaxConns int32
	// AcquireTimeout bounds the wait for a free connection when a transaction begins
	// (default 2s); past it Begin fails with ErrPoolExhausted.
	AcquireTimeout time.Duration
	// ApplicationName names the pool's connections in pg_stat_activity (default "ponte").
	ApplicationName string
	// Tracer observes every statement; tests use it to count round trips.
	Tracer pgx.QueryTracer
}

// Store is the hub's handle on PostgreSQL.
type Store struct {
	pool           *pgxpool.Pool
	acquireTimeout time.Duration

	// The job queue's pool (QueuePool), opened on first use.
	queueOnce sync.Once
	queue     *pgxpool.Pool
	queueErr  error
}

// Open connects to databaseURL and checks the connection.
func Open(ctx context.Context, databaseURL string, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: parse DATABASE_URL: %w", err)
	}
	if cfg.StatementTimeout == 0 {
		cfg.StatementTimeout = 5 * time.Second
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	} else if pc.MaxConns < 20 {
		pc.MaxConns = 20
	}
	pc.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = "ponte"
	}
	if cfg.AcquireTimeout <= 0 {
		cfg.AcquireTimeout = DefaultAcquireTimeout
	}
	pc.ConnConfig.RuntimeParams["application_name"] = cfg.ApplicationName
	// A request's statements read a page of rows each; compiling them to machine code
	// costs hundreds of milliseconds whenever a plan's estimate crosses jit_above_cost
	// and never pays back on rows this few.
	if _, set := pc.ConnConfig.RuntimeParams["jit"]; !set {
		pc.ConnConfig.RuntimeParams["jit"] = "off"
	}
	// A statement whose context ends (a client that disconnected) is cancelled with a
	// cancel request, and the connection stays usable; only one that does not stop
	// within a second after that loses its connection.
	pc.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	// Every statement is a span of the request's trace, when tracing is on.
	pc.ConnConfig.Tracer = tracing.SQL{Next: cfg.Tracer}
	pc.AfterConnect = useScanPlans
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	return &Store{pool: pool, acquireTimeout: cfg.AcquireTimeout}, nil
}

// NewID returns a new time-ordered (version 7) UUID. Ordered keys keep the primary-key
// indexes of large loads append-mostly.
func NewID() uuid.UUID {
	// NewV7 fails only when crypto/rand fails, which since Go 1.24 crashes the program instead.
	id, err := uuid.NewV7()
	if err != nil {
		panic(fmt.Sprintf("store: new id: %v", err))
	}
	return id
}

// rollbackTimeout bounds a rollback run after the request's context ended.
const rollbackTimeout = 5 * time.Second

// DefaultAcquireTimeout is how long Begin waits for a free connection unless configured.
const DefaultAcquireTimeout = 2 * time.Second

// ErrPoolExhausted: every connection stayed busy for the whole acquire timeout. It is
// an apperr.ErrUnavailable: the client may retry after RetryAfter.
var ErrPoolExhausted = fmt.Errorf("store: no database connection free in time: %w", apperr.ErrUnavailable)

// RetryAfter is the pause a client is told to take after ErrPoolExhausted.
const RetryAfter = time.Second

// New wraps an existing pool (tests build pools of their own).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, acquireTimeout: DefaultAcquireTimeout} }

// Close releases the pools.
func (s *Store) Close() {
	s.pool.Close()
	s.queueOnce.Do(func() {}) // no queue pool is opened after Close
	if s.queue != nil {
		s.queue.Close()
	}
}

// Pool exposes the pool to tools and tests that need a raw pgx handle. Nothing outside
// the store builds SQL with it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// queueMaxConns bounds the job queue's pool: River holds one connection for its
// notifications and takes others briefly to fetch, complete and maintain jobs; the jobs'
// own work runs in the store's transactions, on the main pool.
const queueMaxConns = 8

// QueuePool is the job queue's own pool (River's driver), on the same database and login
// role as Pool. Its connections carry the setting ClaimQueue = worker, which the policy
// on the queue's jobs admits (migrations/00350_access_no_bypass.sql): a registry
// refresh's arguments are tax codes, and request transactions, on Pool, never see a job.
func (s *Store) QueuePool() (*pgxpool.Pool, error) {
	s.queueOnce.Do(func() {
		pc := s.pool.Config().Copy()
		pc.MaxConns = queueMaxConns
		pc.MinConns = 0
		pc.ConnConfig.Tracer = nil // the statements of the queue are not the API's
		pc.ConnConfig.RuntimeParams[ClaimQueue] = queueWorker
		pc.ConnConfig.RuntimeParams["application_name"] = "ponte-queue"
		if s.queue, s.queueErr = pgxpool.NewWithConfig(context.Background(), pc); s.queueErr != nil {
			s.queueErr = fmt.Errorf("store: job queue pool: %w", s.queueErr)
		}
	})
	return s.queue, s.queueErr
}

// Ping reports whether the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Migrate applies every pending migration to the database at databaseURL.
func Migrate(ctx context.Context, databaseURL string) ([]*goose.MigrationResult, error) {
	p, db, err := provider(databaseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("store: migrate: %w", err)
	}
	return res, nil
}

// MigrationStatus lists every known migration and whether it is applied.
func MigrationStatus(ctx context.Context, databaseURL string) ([]*goose.MigrationStatus, error) {
	p, db, err := provider(databaseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	return st, nil
}

func provider(databaseURL string) (*goose.Provider, *sql.DB, error) {
	cc, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("store: parse DATABASE_URL: %w", err)
	}
	db := stdlib.OpenDB(*cc)
	// Migrations are numbered by area (see package migrations), so a new migration of one
	// area can sort below one already applied from another: apply such gaps too.
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("store: load migrations: %w", err)
	}
	return p, db, nil
}

// TxOptions describe a request transaction.
type TxOptions struct {
	// ReadOnly transactions are used for queries; mutations write.
	ReadOnly bool
	// Scope filters the rows every list and lookup query returns.
	Scope Scope
	// Restricted transactions run as DatabaseRole with Scope's claims (Scope.Claims), so
	// the row-level security policies hold them to the same scope as the filters.
	Restricted bool
	// Claims are further settings (who asks, for what purpose, what the request may
	// unlock), set with set_config(key, value, true) before anything else runs, so
	// policies and functions can read them for this transaction only.
	Claims map[string]string
}

// AllClaims are every setting the transaction starts with.
func (o TxOptions) AllClaims() map[string]string {
	if !o.Restricted {
		return o.Claims
	}
	c := o.Scope.Claims()
	for k, v := range o.Claims {
		c[k] = v
	}
	return c
}

// Tx is one request's transaction, on a connection it holds until it commits or rolls
// back. gqlgen resolves fields concurrently while a transaction has a single connection,
// so every statement takes the mutex.
//
// The transaction is driven with plain BEGIN/COMMIT statements rather than pgx.Tx so that
// they travel with their neighbours: BEGIN in one round trip with the claims, COMMIT in
// one with the statements queued by OnCommit (the access-log entry).
type Tx struct {
	mu       sync.Mutex
	conn     *pgxpool.Conn
	closed   bool
	scope    Scope
	onCommit []queued
}

// queued is a statement sent together with COMMIT.
type queued struct {
	op   string
	sql  string
	args []any
}

// Begin opens a transaction and applies the claims in the same round trip.
func (s *Store) Begin(ctx context.Context, opts TxOptions) (*Tx, error) {
	conn, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	begin := "BEGIN READ WRITE"
	if opts.ReadOnly {
		begin = "BEGIN READ ONLY"
	}
	b := &pgx.Batch{}
	b.Queue(begin)
	if claims := opts.AllClaims(); len(claims) > 0 {
		keys := make([]string, 0, len(claims))
		vals := make([]string, 0, len(claims))
		for k, v := range claims {
			keys = append(keys, k)
			vals = append(vals, v)
		}
		b.Queue(`SELECT set_config(k, v, true) FROM unnest($1::text[], $2::text[]) AS c(k, v)`, keys, vals)
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		t := &Tx{conn: conn}
		_ = t.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	return &Tx{conn: conn, scope: opts.Scope}, nil
}

// acquire takes a connection, waiting at most the acquire timeout: a pool held by slow
// work answers the next request UNAVAILABLE instead of queueing it without bound.
func (s *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, s.acquireTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(actx)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("store: begin: %w", ErrPoolExhausted)
	}
	return nil, fmt.Errorf("store: begin: %w", err)
}

// InTx runs fn in a transaction, committing when it returns nil and rolling back otherwise.
func (s *Store) InTx(ctx context.Context, opts TxOptions, fn func(*Tx) error) error {
	tx, err := s.Begin(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// errTxClosed: a statement on a transaction that already committed or rolled back.
var errTxClosed = errors.New("store: the transaction is closed")

// OnCommit queues a statement to run in the transaction right before COMMIT, in the same
// round trip. When it fails the transaction rolls back and Commit reports the error.
func (t *Tx) OnCommit(op, sql string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onCommit = append(t.onCommit, queued{op: op, sql: sql, args: args})
}

// Commit runs the statements queued by OnCommit and commits the transaction.
func (t *Tx) Commit(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errTxClosed
	}
	b := &pgx.Batch{}
	for _, q := range t.onCommit {
		b.Queue(q.sql, q.args...)
	}
	b.Queue("COMMIT")
	br := t.conn.SendBatch(ctx, b)
	var err error
	for _, q := range t.onCommit {
		if _, qerr := br.Exec(); qerr != nil {
			err = Wrap(q.op, qerr)
			break
		}
	}
	if err == nil {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err == nil && tag.String() != "COMMIT" {
			// COMMIT of a transaction a failed statement aborted rolls it back.
			err = fmt.Errorf("store: commit: the transaction was rolled back (%s)", tag)
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		t.rollbackLocked(context.WithoutCancel(ctx))
		return fmt.Errorf("store: commit: %w", err)
	}
	t.release()
	return nil
}

// Rollback abandons the transaction; it is safe after Commit.
func (t *Tx) Rollback(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	return t.rollbackLocked(ctx)
}

func (t *Tx) rollbackLocked(ctx context.Context) error {
	// A request the client gave up on still rolls back on its connection, so the pool
	// keeps the connection (and its prepared statements) instead of discarding one left
	// inside a transaction.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, err := t.conn.Exec(rctx, "ROLLBACK")
	t.release()
	if err != nil {
		return fmt.Errorf("store: rollback: %w", err)
	}
	return nil
}

// release returns the connection to the pool, which discards it if it is still in a
// transaction (a failed ROLLBACK).
func (t *Tx) release() {
	t.closed = true
	t.conn.Release()
}

// Scope is the row scope the transaction's queries apply.
func (t *Tx) Scope() Scope { return t.scope }

// Bind fixes the transaction of an area's function of one argument, for callers that
// take a loader of the form f(ctx, keys): Bind(tx, casedata.CasesByIDs).
func Bind[A, R any](t *Tx, fn func(context.Context, *Tx, A) (R, error)) func(context.Context, A) (R, error) {
	return func(ctx context.Context, a A) (R, error) { return fn(ctx, t, a) }
}

// Savepoint runs fn so that a failed statement inside it rolls back to where it began
// without aborting the transaction (per-record fallback of a refused batch).
func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := Exec(ctx, t, "savepoint", "SAVEPOINT registry_record"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := Exec(ctx, t, "rollback to savepoint", "ROLLBACK TO SAVEPOINT registry_record"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := Exec(ctx, t, "release savepoint", "RELEASE SAVEPOINT registry_record")
	return err
}

// query runs a statement that returns rows and collects them with scan, under the mutex.
func Query[T any](ctx context.Context, t *Tx, op string, sql string, args []any, scan func(pgx.Rows) (T, error)) ([]T, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errTxClosed
	}
	rows, err := t.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, Wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, Wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap(op, err)
	}
	return out, nil
}

// queryRow runs a statement returning one row; no row is apperr.ErrNotFound.
func QueryRow(ctx context.Context, t *Tx, op string, sql string, args []any, dest ...any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errTxClosed
	}
	if err := t.conn.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		return Wrap(op, err)
	}
	return nil
}

// exec runs a statement and returns the number of rows it touched.
func Exec(ctx context.Context, t *Tx, op string, sql string, args ...any) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, errTxClosed
	}
	tag, err := t.conn.Exec(ctx, sql, args...)
	if err != nil {
		return 0, Wrap(op, err)
	}
	return tag.RowsAffected(), nil
}

// wrap turns driver errors into the hub's error vocabulary: a missing row is NotFound, a
// violated constraint is an input error naming the column it guards (never the
// constraint, which names the schema), a cancelled statement is Unavailable. Everything
// else stays internal and is never shown to clients.
func Wrap(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", op, apperr.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		// The constraint's name stays beside the input error, for the server's log and the
		// operators' commands; clients are shown the input error alone.
		case "23505": // unique_violation
			field, reason := uniqueViolation(pgErr)
			return fmt.Errorf("store: %s: %w (%s)", op, apperr.Input(field, reason), pgErr.ConstraintName)
		case "23503": // foreign_key_violation
			return fmt.Errorf("store: %s: %w (%s)", op, apperr.Input(constraintField(pgErr), "refers to something that does not exist"), pgErr.ConstraintName)
		case "23514", "23502": // check, not null: the message names the relation and the constraint
			return fmt.Errorf("store: %s: %w (%s)", op, apperr.Input(constraintField(pgErr), "is not valid"), pgErr.Message)
		case "22P02", "22007", "22008": // bad text representation, bad datetime
			return fmt.Errorf("store: %s: %w", op, apperr.Input(constraintField(pgErr), "is not valid: "+pgErr.Message))
		case "22021": // character_not_in_repertoire: a NUL, which text cannot hold
			return fmt.Errorf("store: %s: %w", op, apperr.Input(constraintField(pgErr), "contains a character text cannot hold (NUL)"))
		case "57014": // query_canceled (statement timeout)
			return fmt.Errorf("store: %s: %w", op, apperr.ErrUnavailable)
		case "40P01", "40001": // deadlock_detected, serialization_failure
			// The transaction lost a race and was rolled back whole: sent again, the same
			// request may succeed. Writers that know what they will write lock it first, in
			// one order (LockESFOperations); what is left is mostly an API operation with
			// several mutations, each writing participations of another ESF+ operation,
			// meeting one in the other order. It is not run again here (a resolver may do
			// more than write to its transaction: a registry refresh commits midway): the
			// client is told to try again.
			return fmt.Errorf("store: %s: %w: %w", op, apperr.ErrUnavailable, err)
		case "42501": // insufficient_privilege (row-level security refused a write)
			return fmt.Errorf("store: %s: %w", op, apperr.ErrForbidden)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("store: %s: %w: %w", op, apperr.ErrUnavailable, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// uniqueKeys are the unique constraints a workflow command can run into: the column (or
// columns, as PostgreSQL lists them) each guards, which the command renames to its input
// field, and what a clash means. PostgreSQL leaves the key out of the error's detail when
// row-level security hides rows from the writer, so the constraint is all there is to go
// by, and a clash with a row the writer cannot see reads exactly like one with a row it
// can: the answer says that the value is taken, not where, by whom, or which row.
//
// That is still an answer about rows outside the caller's scope. Registering a tax code
// tells whether the hub holds that person anywhere, in any organisation's cases: one
// person per tax code is the data model, and a second registration cannot be allowed
// to succeed. What the caller learns is exactly "already registered"; repeated probing
// is for the identity provider's and the access log's oversight, not hidden here. Case
// references are organisations' own numbering and tell no one's identity.
var uniqueKeys = map[string]struct{ column, reason string }{
	"persons_tax_code_key": {"tax_code", "a person with this tax code is already registered"},
	"cases_reference_key":  {"reference", "a case with this reference already exists"},
	"participations_operation_id_person_id_entry_date_key": {"operation_id, person_id, entry_date",
		"the person already entered this operation on this date"},
	"assessment_scores_pkey": {"assessment_id, area", "an area is scored twice"},
}

func uniqueViolation(e *pgconn.PgError) (field, reason string) {
	if k, ok := uniqueKeys[e.ConstraintName]; ok {
		return k.column, k.reason
	}
	return constraintField(e), "is already taken"
}

// keyDetail reads the column out of a unique violation's detail: "Key (tax_code)=(…) already exists."
var keyDetail = regexp.MustCompile(`^Key \(([a-z_, ]+)\)=`)

// constraintField is the column a violated constraint guards: the error's column, the key
// its detail lists, or the column in the name PostgreSQL gives a column's constraint
// (table_column_fkey, table_column_check, table_column_key). Failing those, nothing:
// the caller's input as a whole, never the constraint's name.
func constraintField(e *pgconn.PgError) string {
	if e.ColumnName != "" {
		return e.ColumnName
	}
	if m := keyDetail.FindStringSubmatch(e.Detail); m != nil {
		return m[1]
	}
	if e.TableName != "" && strings.HasPrefix(e.ConstraintName, e.TableName+"_") {
		rest := strings.TrimPrefix(e.ConstraintName, e.TableName+"_")
		for _, suffix := range []string{"_fkey", "_check", "_key"} {
			if col, ok := strings.CutSuffix(rest, suffix); ok && col != "" {
				return col
			}
		}
	}
	return ""
}

// ExtraMigrationsVersion names the schema parts not applied by goose files (the job
// queue's own migrations, and their order); test templates are rebuilt when it changes.
const ExtraMigrationsVersion = "v3-river-v0.51.1-first"

// MigrateAll applies the migrations of the libraries the hub embeds (the job queue's),
// then the hub's own, which grant the queue's tables to the hub's role and put its jobs
// under row-level security (migrations/00350_access_no_bypass.sql).
func MigrateAll(ctx context.Context, databaseURL string) error {
	if err := migrateQueue(ctx, databaseURL); err != nil {
		return err
	}
	_, err := Migrate(ctx, databaseURL)
	return err
}
