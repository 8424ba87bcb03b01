package syncjob_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

// evidenceLog records who each data request's tracking evidence names.
type evidenceLog struct {
	mu    sync.Mutex
	calls []evidenceCall
}

type evidenceCall struct{ path, user, loa string }

func (l *evidenceLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ev := r.Header.Get(pdnd.HeaderTrackingEvidence); ev != "" {
			claims := jwt.MapClaims{}
			if _, _, err := jwt.NewParser().ParseUnverified(ev, claims); err == nil {
				user, _ := claims["userID"].(string)
				loa, _ := claims["LoA"].(string)
				l.mu.Lock()
				l.calls = append(l.calls, evidenceCall{r.URL.Path, user, loa})
				l.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (l *evidenceLog) since(n int) []evidenceCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]evidenceCall(nil), l.calls[n:]...)
}

func (l *evidenceLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

func TestTrackingEvidenceNamesTheConfiguredOperatorOrTheStaffMemberWhoAsked(t *testing.T) {
	t.Parallel()
	log := &evidenceLog{}
	const person = "RSSMRA68A01H501Y"
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 4, Synthetic: 30, Persons: []sim.Person{{TaxCode: person}}}, wrap: log.wrap})
	ctx := context.Background()
	_, err := e.syncer.SyncCollection(ctx, syncjob.LabourStatus, syncjob.SyncOptions{})
	require.NoError(t, err)
	calls := log.since(0)
	require.NotEmpty(t, calls)
	for _, c := range calls {
		require.Equal(t, evidenceCall{"/v1/labour-status", simulate.SystemUserID, simulate.SystemUserLoA}, c,
			"an unattended sync names the operator the configuration makes accountable for it")
	}

	q, err := syncjob.NewQueue(e.store, e.syncer, syncjob.QueueOptions{NoSchedule: true, PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, q.Stop(sctx))
	})
	staff := access.WithPrincipal(ctx, access.Principal{Subject: "operatrice-sds-12", Method: access.MethodJWT, Role: "social_worker"})
	n := log.len()
	res, err := q.Refresh(staff, []string{person}, []string{"labour"}, 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, syncjob.RefreshCompleted, res.State, "errors: %v", res.Errors)
	calls = log.since(n)
	require.Len(t, calls, 2, "labour status and employment events")
	for _, c := range calls {
		require.Equal(t, "operatrice-sds-12", c.user, "%s: an on-demand refresh names who asked, though a worker runs it", c.path)
		require.Equal(t, pdnd.DefaultLoA, c.loa)
	}

	n = log.len()
	_, err = e.syncer.Refresh(pdnd.WithOperator(ctx, "responsabile-ufficio", pdnd.LoAHigh), []string{person}, []string{"labour"})
	require.NoError(t, err)
	for _, c := range log.since(n) {
		require.Equal(t, evidenceCall{c.path, "responsabile-ufficio", pdnd.LoAHigh}, c)
	}
}

func TestAFinishedPassStaysFinishedUntilItsNextPeriod(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 6, Synthetic: 250}, syncer: []syncjob.SyncerOption{syncjob.WithClock(clock)},
		tune: func(c *syncjob.Config) {
			sc := c.Sources["school"]
			sc.SyncInterval = time.Hour
			c.Sources["school"] = sc
		}})
	ctx := context.Background()
	c := syncjob.SchoolRecords
	runs := func() int { return e.count(t, "SELECT count(*) FROM registry_sync_runs WHERE kind = 'SYNC'") }
	scheduled := syncjob.SyncOptions{IfDue: true}

	first, err := e.syncer.SyncCollection(ctx, c, scheduled)
	require.NoError(t, err)
	require.Equal(t, 250, first.Fetched, "never synced: due")
	requests := e.sim.Server.Stats().DataRequests

	again, err := e.syncer.SyncCollection(ctx, c, scheduled)
	require.NoError(t, err)
	require.Equal(t, syncjob.Summary{UpToDate: 1}, again, "a restart, or a retried job, finds the pass finished and current")
	require.Equal(t, requests, e.sim.Server.Stats().DataRequests, "nothing was read again")
	require.Equal(t, 1, runs(), "and no run is logged")

	explicit, err := e.syncer.SyncCollection(ctx, c, syncjob.SyncOptions{})
	require.NoError(t, err)
	require.Equal(t, 250, explicit.Unchanged, "asked for explicitly, a new pass runs")

	offset.Store(int64(time.Hour))
	due, err := e.syncer.SyncCollection(ctx, c, scheduled)
	require.NoError(t, err)
	require.Equal(t, 250, due.Fetched, "its period over, the schedule reads it again")

	// A pass in progress is resumed whenever the schedule comes, period or not.
	offset.Store(int64(2 * time.Hour))
	_, err = e.syncer.SyncCollection(ctx, c, syncjob.SyncOptions{MaxPages: 1})
	require.NoError(t, err)
	rest, err := e.syncer.SyncCollection(ctx, c, scheduled)
	require.NoError(t, err)
	require.Equal(t, 150, rest.Fetched)
	require.Nil(t, e.state(t, c).NextCursor)
}

func TestRestartedQueueDoesNotRereadCollectionsThatAreCurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 8, Synthetic: 60}})
	ctx := context.Background()
	start := func() *syncjob.Queue {
		q, err := syncjob.NewQueue(e.store, e.syncer, syncjob.QueueOptions{SyncOnStart: true, PollInterval: 50 * time.Millisecond})
		require.NoError(t, err)
		require.NoError(t, q.Start(ctx))
		return q
	}
	stop := func(q *syncjob.Queue) {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, q.Stop(sctx))
	}
	completed := func() int {
		return e.count(t, "SELECT count(*) FROM river_job WHERE kind = 'registry_sync' AND state = 'completed'")
	}
	q := start()
	require.Eventually(t, func() bool { return completed() == 5 }, 30*time.Second, 50*time.Millisecond)
	stop(q)
	require.Equal(t, 5, e.count(t, "SELECT count(*) FROM registry_sync_state WHERE last_full_sync_at IS NOT NULL"))
	requests, runs := e.sim.Server.Stats().DataRequests, e.count(t, "SELECT count(*) FROM registry_sync_runs")

	q = start() // the hub restarts
	t.Cleanup(func() { stop(q) })
	require.Eventually(t, func() bool { return completed() == 10 }, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, requests, e.sim.Server.Stats().DataRequests, "no collection was read again")
	require.Equal(t, runs, e.count(t, "SELECT count(*) FROM registry_sync_runs"))
	require.Equal(t, 5, e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'registry_sync' AND (metadata->'output'->>'up_to_date')::int = 1`))

	// An explicit request still reads the collection.
	_, err := q.EnqueueSync(ctx, syncjob.ISEE)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return completed() == 11 }, 30*time.Second, 50*time.Millisecond)
	require.Greater(t, e.sim.Server.Stats().DataRequests, requests)
}

func TestOneCollectionGivingUpLeavesTheSourcesOtherCollectionsAlone(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v1/benefit-cases") {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"status":503,"code":"GEPI_DOWN","detail":"benefit cases back end down"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 40}, wrap: wrap, tune: func(c *syncjob.Config) {
		sc := c.Sources["benefits"]
		sc.Client.MaxRetries, sc.Client.BreakerFailures = 3, 3
		c.Sources["benefits"] = sc
	}})
	sum, err := e.syncer.Sync(context.Background(), []string{"benefits"}, syncjob.SyncOptions{})
	require.ErrorIs(t, err, client.ErrCircuitOpen, "the page gave up and opened its collection's breaker")
	require.ErrorContains(t, err, "benefits/benefit-cases")
	require.NotContains(t, err.Error(), "benefits/isee", "ISEE is another collection: its breaker stayed closed")
	require.EqualValues(t, 3, hits.Load())
	require.Equal(t, 40, sum.Stored)
	require.Equal(t, 40, e.count(t, "SELECT count(*) FROM registry_isee"))
	require.Zero(t, e.state(t, syncjob.ISEE).ConsecutiveFailures)
	require.Equal(t, "open", e.status(t)["benefits"].BreakerState, "the source shows its worst breaker")
}

func TestRefusedVoucherIsReplacedWithinTheSync(t *testing.T) {
	t.Parallel()
	var refused atomic.Bool
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/labour-status" && refused.CompareAndSwap(false, true) {
				// The e-service's clock ran past the voucher, or it rotated its keys.
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"status":401,"code":"VOUCHER_EXPIRED","detail":"voucher rejected: expired"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 150}, wrap: wrap})
	sum, err := e.syncer.SyncCollection(context.Background(), syncjob.LabourStatus, syncjob.SyncOptions{})
	require.NoError(t, err, "one retry with a new voucher: the collection is not parked until the next period")
	require.Equal(t, 150, sum.Stored)
	st := e.state(t, syncjob.LabourStatus)
	require.Zero(t, st.ConsecutiveFailures)
	require.Nil(t, st.LastError)
	s := e.sim.Server.Stats()
	require.Equal(t, s.DataRequests+1, s.TokensIssued, "the refused attempt's voucher, and one per call")
}

func TestCorrectedRecordsResolveTheirQuarantineByContent(t *testing.T) {
	t.Parallel()
	ds := sim.Dataset{Seed: 12, Synthetic: 400}
	e := newEnv(t, envOpts{sim: ds, faults: sim.Faults{Seed: 7, MalformedRate: 0.2, MissingFieldRate: 0.02}})
	ctx := context.Background()
	_, err := e.syncer.Sync(ctx, syncjob.Sources, syncjob.SyncOptions{})
	require.NoError(t, err)
	openRows := func(where string) int {
		return e.count(t, "SELECT count(*) FROM registry_quarantine WHERE resolved_at IS NULL AND "+where)
	}
	// The rows whose reference was made from the broken field.
	require.Positive(t, openRows(`kind = 'benefit_case' AND field = 'programme'`))
	require.Positive(t, openRows(`kind = 'labour_status' AND field = 'tax_code'`))
	require.Zero(t, openRows("match_keys IS NULL"))

	// As if stored before records carried content keys: the engine computes them when it
	// starts, from the raw payload.
	_, err = e.pool.Exec(ctx, "UPDATE registry_quarantine SET match_keys = NULL")
	require.NoError(t, err)
	require.NoError(t, e.syncer.Configure(ctx))
	require.Zero(t, openRows("match_keys IS NULL"))
	require.Positive(t, openRows("cardinality(match_keys) > 0"))

	// The registry fixes its data: the next pass serves every record whole.
	fixed, err := simulate.Start(ctx, simulate.Options{Seed: ds.Seed, Synthetic: ds.Synthetic})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, fixed.Close()) })
	conn, err := syncjob.NewConnectors(fixed.Config, nil)
	require.NoError(t, err)
	sy, err := syncjob.NewSyncer(e.store, conn, fixed.Config)
	require.NoError(t, err)
	_, err = sy.Sync(ctx, syncjob.Sources, syncjob.SyncOptions{})
	require.NoError(t, err)

	var unreadable, schoolTaxCode int
	for _, c := range syncjob.Collections() {
		for i := range e.sim.Server.Total(c.Name) {
			switch f := e.sim.Server.Fault(c.Name, i); {
			case f == sim.FaultBadJSON:
				unreadable++
			case f == sim.FaultBadTaxCode && c == syncjob.SchoolRecords:
				schoolTaxCode++ // nothing but the tax code identifies a student
			}
		}
	}
	require.Positive(t, unreadable)
	require.Zero(t, openRows(`kind = 'benefit_case' AND field = 'programme'`), "resolved by applicant and protocol")
	require.Zero(t, openRows(`kind = 'labour_status' AND field = 'tax_code'`), "resolved by the DID")
	require.Equal(t, unreadable, openRows("field = ''"), "an unreadable body has nothing to match")
	require.Equal(t, unreadable+schoolTaxCode, openRows("true"))
}

func TestResponseFailingVerificationIsReportedAndNothingIsStored(t *testing.T) {
	t.Parallel()
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/school-records" {
				next.ServeHTTP(w, r)
				return
			}
			rec := &bodyRecorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.status)
			_, _ = w.Write(bytes.ReplaceAll(rec.body.Bytes(), []byte(`"WITHDRAWN"`), []byte(`"ATTENDING"`)))
		})
	}
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 2, Synthetic: 300}, wrap: wrap})
	_, err := e.syncer.SyncCollection(context.Background(), syncjob.SchoolRecords, syncjob.SyncOptions{})
	require.ErrorIs(t, err, client.ErrIntegrity)
	require.False(t, client.IsRetryable(err), "the queue cancels the job: the schedule tries again next period")
	require.ErrorContains(t, err, "Digest header does not match the body")
	require.EqualValues(t, 1, e.sim.Server.Stats().DataRequests, "not retried")
	require.Zero(t, e.count(t, "SELECT count(*) FROM registry_school_records"))
	st := e.state(t, syncjob.SchoolRecords)
	require.Contains(t, *st.LastError, "response failed integrity verification")
	require.Equal(t, "FAILING", e.status(t)["school"].Status)
}

func TestDeadRegistryFailsRetryablyAndIsReported(t *testing.T) {
	t.Parallel()
	dead, err := simulate.Start(context.Background(), simulate.Options{Seed: 1})
	require.NoError(t, err)
	require.NoError(t, dead.Close())
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 10}, tune: func(c *syncjob.Config) {
		sc := c.Sources["labour"]
		sc.Client.BaseURL, sc.Client.MaxRetries = dead.URL, 2
		sc.Auth = dead.Config.Sources["labour"].Auth
		c.Sources["labour"] = sc
	}})
	_, err = e.syncer.SyncCollection(context.Background(), syncjob.EmploymentEvents, syncjob.SyncOptions{})
	require.Error(t, err)
	require.True(t, client.IsRetryable(err), "a dead registry may come back: the queue retries")
	require.ErrorContains(t, err, "connection refused")
	st := e.state(t, syncjob.EmploymentEvents)
	require.Equal(t, 1, st.ConsecutiveFailures)
	require.Equal(t, "FAILING", e.status(t)["labour"].Status)
	require.Equal(t, 0, e.count(t, "SELECT count(*) FROM registry_quarantine"))
}

type bodyRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bodyRecorder) Header() http.Header { return b.header }
func (b *bodyRecorder) WriteHeader(s int)   { b.status = s }
func (b *bodyRecorder) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
