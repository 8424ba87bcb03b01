package syncjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/internal/retention"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/tracing"
)

// QueueName is the River queue the registry jobs run on.
const QueueName = "registry"

// SyncArgs asks for a collection's bulk sync.
type SyncArgs struct {
	Source     string `json:"source"`
	Collection string `json:"collection"`
	// Scheduled marks the schedule's jobs: they leave a collection whose last pass is
	// finished and current alone (SyncOptions.IfDue). An explicit request reads it again.
	Scheduled bool `json:"scheduled,omitempty"`
}

// Kind implements river.JobArgs.
func (SyncArgs) Kind() string { return "registry_sync" }

// RefreshArgs asks for point lookups of persons (sorted tax codes, so the same request
// twice is one job) on behalf of an operator: the member of staff who asked, named in the
// tracking evidence of the lookups; none for an unattended refresh.
type RefreshArgs struct {
	TaxCodes    []string `json:"tax_codes"`
	Sources     []string `json:"sources"`
	Operator    string   `json:"operator,omitempty"`
	OperatorLoA string   `json:"operator_loa,omitempty"`
}

// Kind implements river.JobArgs.
func (RefreshArgs) Kind() string { return "registry_refresh" }

// refreshTimeout bounds one attempt of a refresh job.
const refreshTimeout = 2 * time.Minute

// unfinished are the states in which a job blocks a duplicate: a new request for the same
// work joins the job already waiting or running.
var unfinished = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// Queue runs the registry jobs on River: periodic bulk syncs, enqueued syncs and
// refreshes. Every hub replica may run one; River shares the jobs between them.
type Queue struct {
	client *river.Client[pgx.Tx]
	syncer *Syncer
	cfg    Config
	log    *slog.Logger
	rand   func() float64
}

// QueueOptions tune the queue.
type QueueOptions struct {
	// NoSchedule leaves out the periodic bulk syncs (a replica that only refreshes).
	NoSchedule bool
	// SyncOnStart runs every configured collection's sync as soon as the queue starts,
	// besides the schedule.
	SyncOnStart bool
	// PollInterval is how often idle workers look for jobs besides the notifications
	// PostgreSQL sends on insert (default River's, 1s).
	PollInterval time.Duration
	// Logger receives River's and the jobs' logs (default slog.Default()).
	Logger *slog.Logger
	// Retention, when set, runs the retention rules every RetentionInterval (default
	// DefaultRetentionInterval) on the same queue (retention.go).
	Retention         *retention.Runner
	RetentionInterval time.Duration
}

// NewQueue builds the queue over the store's pool; Start begins working.
func NewQueue(st *store.Store, sy *Syncer, opts QueueOptions) (*Queue, error) {
	if st == nil || sy == nil {
		return nil, errors.New("syncjob: NewQueue needs a store and a syncer")
	}
	q := &Queue{syncer: sy, cfg: sy.cfg, log: opts.Logger, rand: rand.Float64}
	if q.log == nil {
		q.log = slog.Default()
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &syncWorker{q: q}); err != nil {
		return nil, fmt.Errorf("syncjob: register sync worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &refreshWorker{q: q}); err != nil {
		return nil, fmt.Errorf("syncjob: register refresh worker: %w", err)
	}
	var periodic []*river.PeriodicJob
	if opts.Retention != nil {
		if err := river.AddWorkerSafely(workers, &retentionWorker{runner: opts.Retention}); err != nil {
			return nil, fmt.Errorf("syncjob: register retention worker: %w", err)
		}
		every := opts.RetentionInterval
		if every <= 0 {
			every = DefaultRetentionInterval
		}
		if !opts.NoSchedule {
			periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
				func() (river.JobArgs, *river.InsertOpts) { o := retentionOpts(); return RetentionArgs{}, &o },
				&river.PeriodicJobOpts{ID: "retention"}))
		}
	}
	if !opts.NoSchedule {
		for _, src := range Sources {
			sc, ok := q.cfg.Sources[src]
			if !ok {
				continue
			}
			for _, c := range CollectionsOf([]string{src}) {
				args := SyncArgs{Source: c.Source, Collection: c.Name, Scheduled: true}
				periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(checkInterval(sc.SyncInterval)),
					func() (river.JobArgs, *river.InsertOpts) { o := q.syncOpts(); return args, &o },
					&river.PeriodicJobOpts{ID: "registry-sync-" + c.Source + "-" + c.Name, RunOnStart: opts.SyncOnStart}))
			}
		}
	}
	jobTimeout := max(q.cfg.JobTimeout, refreshTimeout)
	var cooldown time.Duration // River's default unless polling is asked to be faster
	if opts.PollInterval > 0 && opts.PollInterval < 100*time.Millisecond {
		cooldown = opts.PollInterval
	}
	pool, err := st.QueuePool()
	if err != nil {
		return nil, err
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:               map[string]river.QueueConfig{QueueName: {MaxWorkers: q.cfg.Workers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		MaxAttempts:          q.cfg.MaxAttempts,
		JobTimeout:           refreshTimeout,
		RescueStuckJobsAfter: jobTimeout + 5*time.Minute,
		FetchPollInterval:    opts.PollInterval,
		FetchCooldown:        cooldown,
		// Reindexing needs the owner of the queue's indexes, which the hub's login role is
		// not: it is maintenance for the database's owner.
		ReindexerSchedule: river.NeverSchedule(),
		Logger:            q.log,
	})
	if err != nil {
		return nil, fmt.Errorf("syncjob: job queue: %w", err)
	}
	q.client = rc
	return q, nil
}

// checkInterval is how often the schedule looks at a collection. River's periodic jobs
// count from when the process started, not from the last pass, so the schedule looks
// four times per SyncInterval and the engine starts a pass only when the last one started
// SyncInterval ago: passes run every SyncInterval to 1¼ SyncInterval whatever the
// restarts, and a restart does not re-read what is current.
func checkInterval(syncInterval time.Duration) time.Duration {
	return max(syncInterval/4, time.Second)
}

// Syncer is the engine the jobs run.
func (q *Queue) Syncer() *Syncer { return q.syncer }

// Start stores the sources' configuration and starts working jobs; periodic syncs are
// scheduled from now.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.syncer.Configure(ctx); err != nil {
		return err
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("syncjob: start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (they resume from their cursor if the context ends
// first) and stops working.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("syncjob: stop job queue: %w", err)
	}
	return nil
}

func (q *Queue) syncOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: q.cfg.MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: unfinished}}
}

// EnqueueSync asks for a collection's bulk sync now; when one is already waiting or
// running, its id is returned instead.
func (q *Queue) EnqueueSync(ctx context.Context, c Collection) (int64, error) {
	if _, err := CollectionNamed(c.Source, c.Name); err != nil {
		return 0, err
	}
	if !q.syncer.Configured(c.Source) {
		return 0, fmt.Errorf("syncjob: sync %s: %w", c, ErrNotConfigured)
	}
	opts := q.syncOpts()
	res, err := q.client.Insert(ctx, SyncArgs{Source: c.Source, Collection: c.Name}, &opts)
	if err != nil {
		return 0, fmt.Errorf("syncjob: enqueue sync %s: %w", c, err)
	}
	return res.Job.ID, nil
}

// Refresh outcomes.
const (
	RefreshCompleted = "COMPLETED"
	RefreshPending   = "PENDING"
	RefreshFailed    = "FAILED"
)

// RefreshResult is what became of a refresh by the time the caller stopped waiting.
type RefreshResult struct {
	JobID int64
	// State is COMPLETED, PENDING (still queued or running) or FAILED (the last attempt
	// failed; RetryAt says when the next one runs, nil when none will).
	State   string
	Summary Summary
	Errors  []string
	RetryAt *time.Time
}

// MaxRefreshWait bounds how long a caller may wait for a refresh.
const MaxRefreshWait = 30 * time.Second

// Refresh enqueues point lookups of the given persons and waits up to wait (at most
// MaxRefreshWait) for the job to finish. A request identical to one waiting or running
// joins it; one waiting to be retried is made to run now.
func (q *Queue) Refresh(ctx context.Context, taxCodes, sources []string, wait time.Duration) (RefreshResult, error) {
	if len(taxCodes) == 0 {
		return RefreshResult{}, errors.New("syncjob: refresh: no tax codes")
	}
	if wait < 0 || wait > MaxRefreshWait {
		return RefreshResult{}, fmt.Errorf("syncjob: refresh: wait %s outside [0, %s]", wait, MaxRefreshWait)
	}
	args := RefreshArgs{TaxCodes: sortedUnique(taxCodes), Sources: sortedUnique(sources)}
	if op, ok := operatorOf(ctx); ok {
		args.Operator, args.OperatorLoA = op.ID, op.LoA
	}
	if len(args.Sources) == 0 {
		args.Sources = q.syncer.configuredSources()
	}
	for _, src := range args.Sources {
		if !q.syncer.Configured(src) {
			return RefreshResult{}, fmt.Errorf("syncjob: refresh %s: %w", src, ErrNotConfigured)
		}
	}
	if len(args.Sources) == 0 {
		return RefreshResult{}, fmt.Errorf("syncjob: refresh: %w", ErrNotConfigured)
	}
	// The request's trace travels in the job's metadata, which uniqueness ignores: the job
	// continues the trace of the request that enqueued it.
	opts := river.InsertOpts{Queue: QueueName, MaxAttempts: min(q.cfg.MaxAttempts, 5),
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: unfinished}, Metadata: tracing.JobMetadata(ctx)}
	res, err := q.client.Insert(ctx, args, &opts)
	if err != nil {
		return RefreshResult{}, fmt.Errorf("syncjob: enqueue refresh: %w", err)
	}
	id := res.Job.ID
	// An attempt that fails after this point shows as an error beyond those the job had.
	// River makes a job retried soon "available" again at once rather than "retryable",
	// so the count, not the state, tells a failed attempt.
	seenErrors := len(res.Job.Errors)
	if res.UniqueSkippedAsDuplicate && res.Job.State == rivertype.JobStateRetryable {
		if _, err := q.client.JobRetry(ctx, id); err != nil {
			return RefreshResult{}, fmt.Errorf("syncjob: retry refresh job %d now: %w", id, err)
		}
	}
	deadline := time.Now().Add(wait)
	pause := 20 * time.Millisecond
	for {
		job, err := q.client.JobGet(ctx, id)
		if err != nil {
			return RefreshResult{}, fmt.Errorf("syncjob: refresh job %d: %w", id, err)
		}
		r := RefreshResult{JobID: id, State: RefreshPending}
		if out := job.Output(); len(out) > 0 {
			_ = json.Unmarshal(out, &r.Summary) // written by the worker; a missing output leaves zeros
		}
		failed := func(retry bool) RefreshResult {
			r.State = RefreshFailed
			if n := len(job.Errors); n > 0 {
				r.Errors = append(r.Errors, job.Errors[n-1].Error)
			}
			if retry {
				at := job.ScheduledAt
				r.RetryAt = &at
			}
			return r
		}
		switch job.State {
		case rivertype.JobStateCompleted:
			r.State = RefreshCompleted
			return r, nil
		case rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
			return failed(false), nil
		case rivertype.JobStateRunning:
		default:
			if len(job.Errors) > seenErrors {
				return failed(true), nil
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			return r, nil
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return r, nil
		case <-t.C:
		}
		pause = min(pause*2, 250*time.Millisecond)
	}
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// nextRetry is the backoff between attempts of a job: RetryBase·2^(attempt-1) capped at
// RetryMax, with up to a fifth of jitter so that replicas do not retry together.
func (q *Queue) nextRetry(attempt int) time.Time {
	d := q.cfg.RetryMax
	if attempt >= 1 && attempt < 30 {
		if b := q.cfg.RetryBase << (attempt - 1); b > 0 && b < d {
			d = b
		}
	}
	d += time.Duration(q.rand() * float64(d) / 5)
	return time.Now().Add(d)
}

// outcome turns a run's error into River's verdict: nil completes the job; an error a
// retry cannot fix (refused credentials, a bad request, a source not configured) cancels
// it — the failure is recorded, and the schedule tries again at the next period; anything
// else is retried with backoff, resuming from the saved cursor.
func outcome(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, registrydata.ErrSyncCursorMoved):
		// Another run of the same collection is ahead of this one: it finishes the pass.
		return nil
	case !retryable(err):
		return river.JobCancel(err)
	}
	return err
}

// retryable reports whether any failure joined in err may go away by itself.
func retryable(err error) bool {
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range multi.Unwrap() {
			if retryable(e) {
				return true
			}
		}
		return false
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Retryable
	}
	if errors.Is(err, ErrNotConfigured) {
		return false
	}
	if inner := errors.Unwrap(err); inner != nil {
		return retryable(inner)
	}
	return true // the store or the network: try again
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	q *Queue
}

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	c, err := CollectionNamed(job.Args.Source, job.Args.Collection)
	if err != nil {
		return river.JobCancel(err)
	}
	sum, err := w.q.syncer.SyncCollection(ctx, c, SyncOptions{Detail: fmt.Sprintf("job %d attempt %d", job.ID, job.Attempt), IfDue: job.Args.Scheduled})
	if rerr := river.RecordOutput(ctx, sum); rerr != nil {
		w.q.log.WarnContext(ctx, "record sync job output", "job", job.ID, "err", rerr)
	}
	if err != nil {
		w.q.log.WarnContext(ctx, "registry sync failed", "collection", c.String(), "job", job.ID, "attempt", job.Attempt, "err", err)
	}
	return outcome(err)
}

func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return w.q.cfg.JobTimeout }

func (w *syncWorker) NextRetry(job *river.Job[SyncArgs]) time.Time { return w.q.nextRetry(job.Attempt) }

type refreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	q *Queue
}

func (w *refreshWorker) Work(ctx context.Context, job *river.Job[RefreshArgs]) error {
	ctx, span := tracing.Job(ctx, RefreshArgs{}.Kind(), job.Metadata)
	defer span.End()
	if job.Args.Operator != "" {
		ctx = pdnd.WithOperator(ctx, job.Args.Operator, job.Args.OperatorLoA)
	}
	sum, err := w.q.syncer.Refresh(ctx, job.Args.TaxCodes, job.Args.Sources)
	if rerr := river.RecordOutput(ctx, sum); rerr != nil {
		w.q.log.WarnContext(ctx, "record refresh job output", "job", job.ID, "err", rerr)
	}
	return outcome(err)
}

func (w *refreshWorker) Timeout(*river.Job[RefreshArgs]) time.Duration { return refreshTimeout }

func (w *refreshWorker) NextRetry(job *river.Job[RefreshArgs]) time.Time {
	return w.q.nextRetry(job.Attempt)
}
