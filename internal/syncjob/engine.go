package syncjob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/connectors/school"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Syncer moves registry records into the store. It is safe for concurrent use; runs of
// the same collection exclude each other through the stored cursor.
type Syncer struct {
	store *store.Store
	conn  *Connectors
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
}

// SyncerOption adjusts a Syncer.
type SyncerOption func(*Syncer)

// WithClock replaces time.Now for fetch and run timestamps.
func WithClock(now func() time.Time) SyncerOption { return func(s *Syncer) { s.now = now } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) SyncerOption { return func(s *Syncer) { s.log = l } }

// NewSyncer builds the engine over st for the configured sources' connectors.
func NewSyncer(st *store.Store, conn *Connectors, cfg Config, opts ...SyncerOption) (*Syncer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if st == nil || conn == nil {
		return nil, errors.New("syncjob: NewSyncer needs a store and connectors")
	}
	s := &Syncer{store: st, conn: conn, cfg: cfg, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Configured reports whether a source has a connector.
func (s *Syncer) Configured(source string) bool { return s.conn.Client(source) != nil }

// configuredSources are the sources with a client, in Sources order: what a refresh asks
// when it names none.
func (s *Syncer) configuredSources() []string {
	var out []string
	for _, src := range Sources {
		if s.Configured(src) {
			out = append(out, src)
		}
	}
	return out
}

// Configure stores every configured source's max age, so freshness verdicts read it,
// and gives the quarantined records stored before records carried content keys theirs.
func (s *Syncer) Configure(ctx context.Context) error {
	if err := s.store.InTx(ctx, syncTx, func(tx *store.Tx) error {
		for name, sc := range s.cfg.Sources {
			if err := registrydata.ConfigureSource(ctx, tx, name, sc.MaxAge); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return keyQuarantine(ctx, s.store)
}

// keyQuarantine computes the content keys of quarantined records that have none yet,
// from their raw payload, so that the next pass's corrected records resolve them.
func keyQuarantine(ctx context.Context, st *store.Store) error {
	const chunk = 500
	for {
		var rows []registrydata.QuarantinedRecord
		err := st.InTx(ctx, syncTx, func(tx *store.Tx) error {
			var err error
			if rows, err = registrydata.UnkeyedQuarantine(ctx, tx, chunk); err != nil {
				return err
			}
			for i := range rows {
				rows[i].MatchKeys = contentKeys(rows[i].Kind, rows[i].Payload)
			}
			return registrydata.SetQuarantineKeys(ctx, tx, rows)
		})
		if err != nil || len(rows) < chunk {
			return err
		}
	}
}

// contentKeys are the match keys of a record of kind as its decoder makes them: every
// key of a record that decodes, those clear of the broken fields of one that does not,
// none of a body that is not JSON (an unreadable record, a UNILAV file's XML).
func contentKeys(kind string, body []byte) []string {
	switch kind {
	case BenefitCases.Kind:
		return kindKeys(benefits.BenefitCaseKind, body)
	case ISEE.Kind:
		return kindKeys(benefits.ISEEKind, body)
	case LabourStatus.Kind:
		return kindKeys(labour.LabourStatusKind, body)
	case EmploymentEvents.Kind:
		return kindKeys(labour.EmploymentEventKind, body)
	case SchoolRecords.Kind:
		return kindKeys(school.SchoolRecordKind, body)
	}
	return nil
}

func kindKeys[T any](k record.Kind[T], body []byte) []string {
	d, rerr := k.DecodeRecord(0, body)
	if rerr != nil {
		return rerr.Raw.MatchKeys
	}
	return d.Raw.MatchKeys
}

// SyncOptions tune one bulk sync.
type SyncOptions struct {
	// MaxPages stops after that many stored pages (0: until the pass ends); the cursor
	// stays saved for the next run.
	MaxPages int
	// Progress is called after every stored page and when the collection ends.
	Progress func(Progress)
	// Detail names the run in the log of runs (a job id, a command).
	Detail string
	// IfDue leaves a collection alone when its last pass finished and started less than
	// the source's SyncInterval ago (Summary.UpToDate counts it): how the schedule asks,
	// so that a restart, or a job retried after its pass had finished, does not read the
	// collection again. A pass in progress is always resumed.
	IfDue bool
}

// lister fetches one page of a collection.
func (s *Syncer) lister(c Collection) (func(ctx context.Context, cursor string, limit int) (*batch, error), error) {
	const origin = "sync"
	if s.conn.Client(c.Source) == nil {
		return nil, fmt.Errorf("syncjob: %s: %w", c, ErrNotConfigured)
	}
	switch c {
	case BenefitCases:
		return func(ctx context.Context, cur string, n int) (*batch, error) {
			p, err := s.conn.Benefits.ListBenefitCases(ctx, cur, n)
			return pageBatch(p, err, benefitCaseBatch, origin)
		}, nil
	case ISEE:
		return func(ctx context.Context, cur string, n int) (*batch, error) {
			p, err := s.conn.Benefits.ListISEE(ctx, cur, n)
			return pageBatch(p, err, iseeBatch, origin)
		}, nil
	case LabourStatus:
		return func(ctx context.Context, cur string, n int) (*batch, error) {
			p, err := s.conn.Labour.ListLabourStatus(ctx, cur, n)
			return pageBatch(p, err, labourStatusBatch, origin)
		}, nil
	case EmploymentEvents:
		return func(ctx context.Context, cur string, n int) (*batch, error) {
			p, err := s.conn.Labour.ListEmploymentEvents(ctx, cur, n)
			return pageBatch(p, err, employmentEventBatch, origin)
		}, nil
	case SchoolRecords:
		return func(ctx context.Context, cur string, n int) (*batch, error) {
			p, err := s.conn.School.ListSchoolRecords(ctx, cur, n)
			return pageBatch(p, err, schoolRecordBatch, origin)
		}, nil
	}
	return nil, fmt.Errorf("syncjob: unknown collection %s", c)
}

func pageBatch[T any](p *record.Page[T], err error, build func(string, *record.Page[T]) *batch, origin string) (*batch, error) {
	if err != nil {
		return nil, err
	}
	return build(origin, p), nil
}

// SyncCollection runs a collection's bulk sync from its saved cursor: each page is stored
// in one transaction with the cursor that follows it, so a run killed at any point
// resumes after the last page stored, and nothing is stored twice. A pass that reaches
// the end completes; the next run starts a new pass from the beginning, unless
// opt.IfDue and the finished pass is still current.
func (s *Syncer) SyncCollection(ctx context.Context, c Collection, opt SyncOptions) (Summary, error) {
	var sum Summary
	list, err := s.lister(c)
	if err != nil {
		return sum, err
	}
	started := s.now()
	report := func(done bool, err error) {
		if opt.Progress != nil {
			opt.Progress(Progress{Collection: c, Summary: sum, Elapsed: s.now().Sub(started), Done: done, Err: err})
		}
	}
	var state registrydata.SyncState
	if err := s.store.InTx(ctx, syncTx, func(tx *store.Tx) error {
		state, err = registrydata.ReadSyncState(ctx, tx, c.Source, c.Name)
		return err
	}); err != nil {
		return sum, err
	}
	if next, due := s.nextPass(c, state); opt.IfDue && !due {
		s.log.DebugContext(ctx, "registry collection is up to date; next pass not due yet", "collection", c.String(), "due", next)
		sum.UpToDate = 1
		report(true, nil)
		return sum, nil
	}
	runID, err := s.startRun(ctx, c, registrydata.RunSync, opt.Detail, started)
	if err != nil {
		return sum, err
	}
	// The next page is fetched while the current one is stored: the registry's latency
	// and the database's overlap. Pages are still stored one after the other, in order.
	pctx, stopPrefetch := context.WithCancel(ctx)
	defer stopPrefetch()
	type fetched struct {
		b   *batch
		err error
	}
	prefetch := func(cur *string) <-chan fetched {
		ch := make(chan fetched, 1)
		go func() {
			b, err := list(pctx, deref(cur), s.cfg.PageSize)
			ch <- fetched{b, err}
		}()
		return ch
	}
	cursor := state.NextCursor
	restarted := false
	pending := prefetch(cursor)
	for pending != nil {
		f := <-pending
		pending = nil
		b, err := f.b, f.err
		if err != nil && cursor != nil && !restarted && rejectedCursor(err) {
			// The source no longer knows the saved cursor (expired, or the registry was
			// reset): start the pass again rather than stay stuck on it.
			s.log.WarnContext(ctx, "registry refused the saved cursor; restarting the pass", "collection", c.String(), "err", err)
			if err := s.store.InTx(ctx, syncTx, func(tx *store.Tx) error { return registrydata.ResetSyncCursor(ctx, tx, c.Source, c.Name) }); err != nil {
				return s.fail(ctx, c, runID, sum, err, report)
			}
			cursor, restarted = nil, true
			pending = prefetch(cursor)
			continue
		}
		if err != nil {
			return s.fail(ctx, c, runID, sum, err, report)
		}
		var next *string
		if b.hasMore {
			n := b.next
			next = &n
			if opt.MaxPages == 0 || sum.Pages+1 < opt.MaxPages {
				pending = prefetch(next)
			}
		}
		page, err := s.commit(ctx, b, &cursorStep{from: cursor, next: next})
		if err != nil {
			return s.fail(ctx, c, runID, sum, err, report)
		}
		sum = sum.Add(page)
		report(false, nil)
		cursor = next
	}
	s.finishRun(ctx, runID, sum, "")
	report(true, nil)
	return sum, nil
}

// nextPass says when a collection's next pass is due: now, when a pass is in progress
// (it is resumed), none ever finished, or the last one was abandoned; else SyncInterval
// after the finished pass started.
func (s *Syncer) nextPass(c Collection, st registrydata.SyncState) (time.Time, bool) {
	if st.NextCursor != nil || st.LastFullSyncAt == nil || st.PassStartedAt == nil {
		return time.Time{}, true
	}
	next := st.PassStartedAt.Add(s.cfg.Sources[c.Source].SyncInterval)
	return next, !s.now().Before(next)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// rejectedCursor recognises a source refusing a cursor: 400 on a request that had one.
func rejectedCursor(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Status == http.StatusBadRequest
}

// fail records a failed attempt and returns the run's summary, counting the failure, and
// the error. An interrupted run
// (the context ended: shutdown, job timeout) is logged but does not count as a failure
// of the registry.
func (s *Syncer) fail(ctx context.Context, c Collection, runID int64, sum Summary, err error, report func(bool, error)) (Summary, error) {
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	sum.Failed = 1
	interrupted := ctx.Err() != nil
	if errors.Is(err, client.ErrIntegrity) {
		s.log.ErrorContext(bg, "a registry response failed integrity verification and was not stored", "collection", c.String(), "err", err)
	}
	msg := err.Error()
	if interrupted {
		msg = "interrupted: " + msg
	}
	if !interrupted {
		at := s.now()
		if werr := s.store.InTx(bg, syncTx, func(tx *store.Tx) error {
			if err := registrydata.RecordSyncFailure(bg, tx, c.Source, c.Name, msg, at); err != nil {
				return err
			}
			return s.observeBreaker(bg, tx, c.Source, at)
		}); werr != nil {
			s.log.ErrorContext(bg, "record sync failure", "collection", c.String(), "err", werr)
		}
	}
	s.finishRun(bg, runID, sum, msg)
	report(true, err)
	return sum, fmt.Errorf("syncjob: sync %s: %w", c, err)
}

func (s *Syncer) observeBreaker(ctx context.Context, tx *store.Tx, source string, at time.Time) error {
	hc := s.conn.Client(source)
	if hc == nil {
		return nil
	}
	return registrydata.SetBreaker(ctx, tx, source, hc.BreakerState(), at)
}

func (s *Syncer) startRun(ctx context.Context, c Collection, kind, detail string, at time.Time) (int64, error) {
	var id int64
	err := s.store.InTx(ctx, syncTx, func(tx *store.Tx) error {
		var err error
		id, err = registrydata.StartSyncRun(ctx, tx, registrydata.SyncRun{Source: c.Source, Collection: c.Name, Kind: kind, Detail: detail, StartedAt: at})
		return err
	})
	return id, err
}

func (s *Syncer) finishRun(ctx context.Context, id int64, sum Summary, msg string) {
	if err := s.store.InTx(ctx, syncTx, func(tx *store.Tx) error {
		return registrydata.FinishSyncRun(ctx, tx, id, s.now(), sum.Fetched, sum.Stored, sum.Unchanged, sum.Quarantined, msg)
	}); err != nil {
		s.log.ErrorContext(ctx, "finish sync run", "run", id, "err", err)
	}
}

// cursorStep is the cursor move a page's transaction makes.
type cursorStep struct{ from, next *string }

// commit stores a batch in one transaction: its records in one statement, its malformed
// records in the quarantine, and for a bulk sync's page the cursor step and the breaker's
// state (refreshes record the breaker once per chunk of persons; imports have none). When
// the store refuses the batch (a record the decoders let through but a constraint does
// not), it is stored again record by record, and the refused ones are quarantined with
// the store's reason, so one bad record never holds the page back. It returns the page's
// summary; Quarantined counts the records quarantined, first seen now or before.
func (s *Syncer) commit(ctx context.Context, b *batch, step *cursorStep) (Summary, error) {
	finish := func(tx *store.Tx, q []registrydata.QuarantinedRecord) error {
		if _, err := registrydata.Quarantine(ctx, tx, q); err != nil {
			return err
		}
		if step == nil {
			return nil
		}
		if err := registrydata.AdvanceSyncCursor(ctx, tx, b.coll.Source, b.coll.Name, step.from, step.next, b.fetched, s.now()); err != nil {
			return err
		}
		return s.observeBreaker(ctx, tx, b.coll.Source, s.now())
	}
	summary := func(counts registrydata.UpsertCounts, quarantined int) Summary {
		return Summary{Fetched: b.fetched, Stored: counts.Stored(), Unchanged: counts.Unchanged + b.merged, Quarantined: quarantined, Pages: 1}
	}
	var counts registrydata.UpsertCounts
	err := s.store.InTx(ctx, syncTx, func(tx *store.Tx) error {
		var err error
		if counts, err = b.write(ctx, tx, nil); err != nil {
			return err
		}
		return finish(tx, b.quarantine)
	})
	if _, refused := apperr.AsInput(err); !refused {
		return summary(counts, len(b.quarantine)), err
	}
	s.log.WarnContext(ctx, "store refused a batch; storing it record by record", "collection", b.coll.String(), "err", err)
	counts = registrydata.UpsertCounts{}
	q := append([]registrydata.QuarantinedRecord(nil), b.quarantine...)
	err = s.store.InTx(ctx, syncTx, func(tx *store.Tx) error {
		// One record's write may take locks of several records' (the ESF+ operations of
		// an employment event's worker): all are taken first, in one order, and held
		// across the savepoints.
		if b.lock != nil {
			if err := b.lock(ctx, tx); err != nil {
				return err
			}
		}
		for i := 0; i < b.n; i++ {
			var c registrydata.UpsertCounts
			err := tx.Savepoint(ctx, func() error {
				var err error
				c, err = b.write(ctx, tx, []int{i})
				return err
			})
			if ie, ok := apperr.AsInput(err); ok {
				f := ie.Fields[0]
				q = append(q, b.refuse(i, registrydata.Problem{Field: f.Field, Reason: "refused by the store: " + f.Reason}))
				continue
			}
			if err != nil {
				return err
			}
			counts = counts.Add(c)
		}
		return finish(tx, q)
	})
	return summary(counts, len(q)), err
}

// Sync runs the bulk sync of every collection of the given sources one after the other;
// a failing collection does not stop the others. The error joins every failure.
func (s *Syncer) Sync(ctx context.Context, sources []string, opt SyncOptions) (Summary, error) {
	var sum Summary
	var errs []error
	for _, c := range CollectionsOf(sources) {
		cs, err := s.SyncCollection(ctx, c, opt)
		sum = sum.Add(cs)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return sum, errors.Join(errs...)
}

// Refresh looks the given persons up at the given sources (every configured one when
// sources is empty) and stores what the registries answer, a hundred persons per request.
// Each (source, person) lookup's outcome is recorded, so a failure shows on that person's
// records. The error joins every source's failure; what succeeded is stored regardless.
func (s *Syncer) Refresh(ctx context.Context, taxCodes []string, sources []string) (Summary, error) {
	var sum Summary
	codes := make([]string, 0, len(taxCodes))
	for i, tc := range taxCodes {
		c, err := codicefiscale.Parse(tc)
		if err != nil {
			return sum, fmt.Errorf("syncjob: refresh: tax code %d: %w", i, err)
		}
		codes = append(codes, c.String())
	}
	if len(codes) == 0 {
		return sum, errors.New("syncjob: refresh: no tax codes")
	}
	if len(sources) == 0 {
		sources = s.configuredSources()
	}
	if op, ok := operatorOf(ctx); ok {
		ctx = pdnd.WithOperator(ctx, op.ID, op.LoA)
	}
	var errs []error
	for _, src := range sources {
		if !s.Configured(src) {
			errs = append(errs, fmt.Errorf("syncjob: refresh %s: %w", src, ErrNotConfigured))
			sum.Failed++
			continue
		}
		started := s.now()
		runID, err := s.startRun(ctx, Collection{Source: src}, registrydata.RunRefresh, fmt.Sprintf("%d person(s)", len(codes)), started)
		if err != nil {
			return sum, err
		}
		var srcSum Summary
		var srcErrs []error
		for from := 0; from < len(codes); from += record.MaxSearch {
			chunk := codes[from:min(from+record.MaxSearch, len(codes))]
			var chunkErrs []error
			for _, c := range CollectionsOf([]string{src}) {
				b, err := s.lookup(ctx, c, chunk)
				if err == nil {
					var page Summary
					page, err = s.commit(ctx, b, nil)
					srcSum = srcSum.Add(page)
				}
				if err != nil {
					chunkErrs = append(chunkErrs, fmt.Errorf("%s: %w", c, err))
				}
			}
			msg := ""
			if len(chunkErrs) > 0 {
				srcSum.Failed++
				msg = errors.Join(chunkErrs...).Error()
				srcErrs = append(srcErrs, chunkErrs...)
			}
			at := s.now()
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := s.store.InTx(bg, syncTx, func(tx *store.Tx) error {
				if err := registrydata.RecordLookups(bg, tx, src, chunk, msg, at); err != nil {
					return err
				}
				return s.observeBreaker(bg, tx, src, at)
			}); err != nil {
				srcErrs = append(srcErrs, err)
			}
			cancel()
		}
		runErr := errors.Join(srcErrs...)
		msg := ""
		if runErr != nil {
			msg = runErr.Error()
			errs = append(errs, fmt.Errorf("syncjob: refresh %s: %w", src, runErr))
		}
		s.finishRun(context.WithoutCancel(ctx), runID, srcSum, msg)
		sum = sum.Add(srcSum)
	}
	return sum, errors.Join(errs...)
}

// operatorOf names the person a refresh is made for: the operator already on ctx,
// else the authenticated principal whose request it is (a member of staff, or the
// partner token, by the subject the access log knows them by). There is none for an
// unattended refresh, which goes out in the name of the configured system operator.
func operatorOf(ctx context.Context) (pdnd.Operator, bool) {
	if op, ok := pdnd.OperatorFrom(ctx); ok {
		return op, true
	}
	if p, ok := access.PrincipalFrom(ctx); ok && p.Subject != "" {
		return pdnd.Operator{ID: p.Subject}, true
	}
	return pdnd.Operator{}, false
}

// lookup asks a collection's search endpoint about up to record.MaxSearch persons.
func (s *Syncer) lookup(ctx context.Context, c Collection, codes []string) (*batch, error) {
	const origin = "refresh"
	switch c {
	case BenefitCases:
		p, err := s.conn.Benefits.SearchBenefitCases(ctx, codes)
		return pageBatch(p, err, benefitCaseBatch, origin)
	case ISEE:
		p, err := s.conn.Benefits.SearchISEE(ctx, codes)
		return pageBatch(p, err, iseeBatch, origin)
	case LabourStatus:
		p, err := s.conn.Labour.SearchLabourStatus(ctx, codes)
		return pageBatch(p, err, labourStatusBatch, origin)
	case EmploymentEvents:
		p, err := s.conn.Labour.SearchEmploymentEvents(ctx, codes)
		return pageBatch(p, err, employmentEventBatch, origin)
	case SchoolRecords:
		p, err := s.conn.School.SearchSchoolRecords(ctx, codes)
		return pageBatch(p, err, schoolRecordBatch, origin)
	}
	return nil, fmt.Errorf("syncjob: unknown collection %s", c)
}

// ImportUNILAV loads one file of UNILAV communications with the same rules as a sync:
// each communication is upserted by its id, malformed ones are quarantined with the
// element and reason, and the rest land. A file broken partway (bad XML) still stores
// what came before the break, and its error names the file. It needs no connector.
func ImportUNILAV(ctx context.Context, st *store.Store, name string, r io.Reader, now time.Time) (Summary, error) {
	var sum Summary
	origin := "import:" + filepath.Base(name)
	decoded, refused, perr := labour.ReadUNILAV(r)
	if errors.Is(perr, labour.ErrNoUNILAV) {
		return Summary{Failed: 1}, fmt.Errorf("syncjob: import %s: %w", name, perr)
	}
	page := &record.Page[labour.EmploymentEvent]{Records: decoded, Errors: refused, FetchedAt: now}
	b := employmentEventBatch(origin, page)
	sy := &Syncer{store: st, conn: &Connectors{}, now: func() time.Time { return now }, log: slog.Default()}
	runID, err := sy.startRun(ctx, EmploymentEvents, registrydata.RunImport, filepath.Base(name), now)
	if err != nil {
		return sum, err
	}
	stored, err := sy.commit(ctx, b, nil)
	if err != nil {
		sum.Failed = 1
		sy.finishRun(context.WithoutCancel(ctx), runID, sum, err.Error())
		return sum, fmt.Errorf("syncjob: import %s: %w", name, err)
	}
	sum = stored
	msg := ""
	if perr != nil {
		sum.Failed = 1
		msg = perr.Error()
		perr = fmt.Errorf("syncjob: import %s: %w", name, perr)
	}
	sy.finishRun(context.WithoutCancel(ctx), runID, sum, msg)
	return sum, perr
}
