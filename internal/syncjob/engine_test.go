package syncjob_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

func TestSyncStoresEveryRecordOnceQuarantinesTheBrokenAndResyncsUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{
		sim: sim.Dataset{Seed: 7, Synthetic: 340},
		faults: sim.Faults{Seed: 11, ErrorRate: 0.05, Rate429: 0.03, TruncateRate: 0.02,
			MalformedRate: 0.04, MissingFieldRate: 0.02, UnknownFieldRate: 0.02},
	})
	ctx := context.Background()
	first, err := e.syncer.Sync(ctx, syncjob.Sources, syncjob.SyncOptions{})
	require.NoError(t, err)

	var wantGood, wantBroken int
	for _, c := range syncjob.Collections() {
		good, broken := expected(t, e, c)
		require.Positive(t, broken, "the faults must break some %s records", c)
		wantGood += good
		wantBroken += broken
		require.Equal(t, good, e.count(t, "SELECT count(*) FROM "+tables[c]), "%s: every decodable record stored once", c)
		require.Equal(t, broken, e.count(t, "SELECT count(*) FROM registry_quarantine WHERE kind = $1", c.Kind), "%s: every broken record quarantined", c)
		st := e.state(t, c)
		require.Nil(t, st.NextCursor, "%s: the pass completed", c)
		require.NotNil(t, st.LastFullSyncAt)
		require.EqualValues(t, good+broken, st.PassRecords)
	}
	require.Equal(t, syncjob.Summary{Fetched: wantGood + wantBroken, Stored: wantGood, Quarantined: wantBroken, Pages: first.Pages}, first)
	require.Positive(t, e.sim.Server.Stats().ServerErrors+e.sim.Server.Stats().Throttled+e.sim.Server.Stats().Truncated, "requests failed and were retried")
	require.Zero(t, e.sim.Server.Stats().AuthRejections, "every attempt, retries too, had an evidence the registry had not seen")

	second, err := e.syncer.Sync(ctx, syncjob.Sources, syncjob.SyncOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, second.Stored, "the same data again stores nothing")
	require.Equal(t, wantGood, second.Unchanged)
	require.Equal(t, wantBroken, second.Quarantined)
	for _, c := range syncjob.Collections() {
		good, broken := expected(t, e, c)
		require.Equal(t, good, e.count(t, "SELECT count(*) FROM "+tables[c]), "%s: no duplicates", c)
		require.Equal(t, broken, e.count(t, "SELECT count(*) FROM registry_quarantine WHERE kind = $1 AND times_seen = 2", c.Kind))
	}
	require.Equal(t, 0, e.count(t, `SELECT count(*) FROM registry_benefit_cases WHERE origin <> 'sync' OR content_type <> 'application/json'
		OR encode(sha256(raw_payload), 'hex') <> payload_sha256`), "every payload is kept with its hash")
	require.Equal(t, 10, e.count(t, "SELECT count(*) FROM registry_sync_runs WHERE kind = 'SYNC' AND finished_at IS NOT NULL AND error IS NULL"))
}

func TestQuarantineNamesTheFieldAndTheReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 3, Synthetic: 200}, faults: sim.Faults{Seed: 5, MalformedRate: 0.1, MissingFieldRate: 0.05}})
	ctx := context.Background()
	_, err := e.syncer.SyncCollection(ctx, syncjob.BenefitCases, syncjob.SyncOptions{})
	require.NoError(t, err)
	want := map[sim.RecordFault]string{
		sim.FaultBadEnum: "programme", sim.FaultBadDate: "status_date", sim.FaultBadTaxCode: "applicant_tax_code",
		sim.FaultMissingField: "status_raw", sim.FaultBadJSON: "",
	}
	seen := map[sim.RecordFault]bool{}
	rows, err := e.pool.Query(ctx, `SELECT coalesce(source_ref, ''), field, reason, convert_from(raw_payload, 'UTF8') FROM registry_quarantine`)
	require.NoError(t, err)
	byBody := map[string][2]string{}
	for rows.Next() {
		var ref, field, reason, body string
		require.NoError(t, rows.Scan(&ref, &field, &reason, &body))
		byBody[body] = [2]string{field, reason}
		if field != "" {
			require.NotEmpty(t, ref, "a readable record keeps its reference")
		}
		require.NotEmpty(t, reason)
	}
	require.NoError(t, rows.Err())
	for i := range e.sim.Server.Total(sim.BenefitCases) {
		f := e.sim.Server.Fault(sim.BenefitCases, i)
		if !f.Breaks() {
			continue
		}
		seen[f] = true
		found := false
		for _, fr := range byBody {
			if fr[0] == want[f] {
				found = true
				break
			}
		}
		require.True(t, found, "fault %d: a quarantined record names field %q", f, want[f])
	}
	require.Len(t, seen, 5, "every kind of break was served")
}

func TestSyncKilledMidwayResumesAndStoresEveryRecordExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 21, Synthetic: 950}, faults: sim.Faults{Seed: 4, ErrorRate: 0.1, MalformedRate: 0.03}})
	c := syncjob.EmploymentEvents
	good, broken := expected(t, e, c)

	ctx, kill := context.WithCancel(context.Background())
	first, err := e.syncer.SyncCollection(ctx, c, syncjob.SyncOptions{Progress: func(p syncjob.Progress) {
		if p.Summary.Pages == 3 {
			kill()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 3, first.Pages)
	st := e.state(t, c)
	require.NotNil(t, st.NextCursor, "the cursor after the third page is saved")
	require.Equal(t, 0, st.ConsecutiveFailures, "an interrupted run is not a failure of the registry")
	require.EqualValues(t, 300, st.PassRecords)
	require.Equal(t, 1, e.count(t, "SELECT count(*) FROM registry_sync_runs WHERE error LIKE 'interrupted:%'"), "the killed run is logged as interrupted")

	// A second run killed by the deadline in the middle of a request.
	dctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	_, err = e.syncer.SyncCollection(dctx, c, syncjob.SyncOptions{})
	cancel()
	require.Error(t, err)

	rest, err := e.syncer.SyncCollection(context.Background(), c, syncjob.SyncOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, rest.Unchanged, "the resumed run starts after the last stored page")
	require.Equal(t, good, first.Stored+rest.Stored, "every record stored exactly once")
	require.Equal(t, good, e.count(t, "SELECT count(*) FROM registry_employment_events"))
	require.Equal(t, broken, e.count(t, "SELECT count(*) FROM registry_quarantine"))
}

func TestConcurrentRunsOfOneCollectionDoNotInterleave(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 2, Synthetic: 600}, faults: sim.Faults{Seed: 2, Latency: 2 * time.Millisecond}})
	c := syncjob.SchoolRecords
	var wg sync.WaitGroup
	errs := make([]error, 2)
	sums := make([]syncjob.Summary, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i], errs[i] = e.syncer.SyncCollection(context.Background(), c, syncjob.SyncOptions{})
		}()
	}
	wg.Wait()
	good, _ := expected(t, e, c)
	moved := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, registrydata.ErrSyncCursorMoved)
			moved++
		}
	}
	if moved == 1 {
		// The run that lost the race stopped; the other finished the pass.
		_, err := e.syncer.SyncCollection(context.Background(), c, syncjob.SyncOptions{})
		require.NoError(t, err)
	}
	require.Equal(t, good, e.count(t, "SELECT count(*) FROM registry_school_records"))
}

func TestRetriesStopAtTheBoundAndTheFailureIsRecorded(t *testing.T) {
	t.Parallel()
	g := &gate{}
	g.closed.Store(true)
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 50}, wrap: g.wrap, tune: func(c *syncjob.Config) {
		sc := c.Sources["labour"]
		sc.Client.MaxRetries = 3
		c.Sources["labour"] = sc
	}})
	_, err := e.syncer.SyncCollection(context.Background(), syncjob.LabourStatus, syncjob.SyncOptions{})
	require.Error(t, err)
	require.ErrorIs(t, err, client.ErrUnavailable)
	require.EqualValues(t, 4, g.requests.Load(), "one attempt and three retries, no more")
	require.Contains(t, err.Error(), "labour: list labour status: HTTP 503 Service Unavailable: MAINTENANCE: registry down for maintenance")

	st := e.state(t, syncjob.LabourStatus)
	require.Equal(t, 1, st.ConsecutiveFailures)
	require.Contains(t, *st.LastError, "MAINTENANCE")
	status := e.status(t)["labour"]
	require.Equal(t, "FAILING", status.Status)
	require.Contains(t, *status.LastError, "registry down for maintenance")
	require.Equal(t, 1, status.RecentFailures)
}

func TestRetryAfterIsHonouredOnTheSyncPath(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var attempts []time.Time
	var n atomic.Int64
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/v1/isee") {
				next.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			attempts = append(attempts, time.Now())
			mu.Unlock()
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 40}, wrap: wrap})
	sum, err := e.syncer.SyncCollection(context.Background(), syncjob.ISEE, syncjob.SyncOptions{})
	require.NoError(t, err)
	require.Equal(t, 40, sum.Stored)
	require.Len(t, attempts, 2)
	require.GreaterOrEqual(t, attempts[1].Sub(attempts[0]), 950*time.Millisecond, "the retry waited as the registry asked")

	// A Retry-After beyond what the client accepts ends the call at once, retryably, so the
	// queue comes back later instead of holding a worker.
	g := &gate{fail: func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}}
	g.closed.Store(true)
	e2 := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 40}, wrap: g.wrap})
	_, err = e2.syncer.SyncCollection(context.Background(), syncjob.ISEE, syncjob.SyncOptions{})
	require.ErrorIs(t, err, client.ErrThrottled)
	require.True(t, client.IsRetryable(err))
	require.Contains(t, err.Error(), "beyond the 5s limit")
	require.EqualValues(t, 1, g.requests.Load())
}

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	g := &gate{}
	g.closed.Store(true)
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 30}, wrap: g.wrap, tune: func(c *syncjob.Config) {
		sc := c.Sources["school"]
		sc.Client.MaxRetries = 0
		sc.Client.BreakerFailures = 3
		sc.Client.BreakerCooldown = 300 * time.Millisecond
		c.Sources["school"] = sc
	}})
	ctx := context.Background()
	for range 3 {
		_, err := e.syncer.SyncCollection(ctx, syncjob.SchoolRecords, syncjob.SyncOptions{})
		require.ErrorIs(t, err, client.ErrUnavailable)
	}
	require.EqualValues(t, 3, g.requests.Load())
	_, err := e.syncer.SyncCollection(ctx, syncjob.SchoolRecords, syncjob.SyncOptions{})
	require.ErrorIs(t, err, client.ErrCircuitOpen, "the open breaker fails fast")
	require.EqualValues(t, 3, g.requests.Load(), "nothing reached the registry")
	s := e.status(t)["school"]
	require.Equal(t, "open", s.BreakerState)
	require.Equal(t, "FAILING", s.Status)
	require.Equal(t, 4, s.ConsecutiveFailures)
	require.Contains(t, *s.LastError, "circuit breaker open")

	g.closed.Store(false)
	time.Sleep(350 * time.Millisecond)
	sum, err := e.syncer.SyncCollection(ctx, syncjob.SchoolRecords, syncjob.SyncOptions{})
	require.NoError(t, err)
	require.Positive(t, sum.Stored)
	s = e.status(t)["school"]
	require.Equal(t, "closed", s.BreakerState)
	require.Equal(t, "HEALTHY", s.Status)
	require.Equal(t, 0, s.ConsecutiveFailures)
}

func TestWrongSignatureAndExpiredVoucherAreRejectedAndSurfaced(t *testing.T) {
	t.Parallel()
	t.Run("wrong signature", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 10}, tune: func(c *syncjob.Config) {
			other, err := simulate.Start(context.Background(), simulate.Options{})
			require.NoError(t, err)
			require.NoError(t, other.Close())
			sc := c.Sources["benefits"]
			sc.Auth.PDND.PrivateKey = other.Config.Sources["benefits"].Auth.PDND.PrivateKey // a key the registry does not know
			c.Sources["benefits"] = sc
		}})
		_, err := e.syncer.SyncCollection(context.Background(), syncjob.BenefitCases, syncjob.SyncOptions{})
		require.Error(t, err)
		require.ErrorIs(t, err, client.ErrAuth)
		require.False(t, client.IsRetryable(err), "a retry cannot fix a wrong key")
		require.Contains(t, err.Error(), "signature invalid")
		s := e.status(t)["benefits"]
		require.Equal(t, "FAILING", s.Status)
		require.Contains(t, *s.LastError, "request voucher for purpose purpose-benefits")
		require.Zero(t, e.sim.Server.Stats().DataRequests, "no data request went out without a voucher")
	})
	t.Run("expired voucher", func(t *testing.T) {
		t.Parallel()
		var skew atomic.Int64
		e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 250},
			simNow: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
		ctx := context.Background()
		_, err := e.syncer.SyncCollection(ctx, syncjob.LabourStatus, syncjob.SyncOptions{MaxPages: 1})
		require.NoError(t, err)
		skew.Store(int64(20 * time.Minute)) // the registry's clock runs 20 minutes ahead of ours
		_, err = e.syncer.SyncCollection(ctx, syncjob.LabourStatus, syncjob.SyncOptions{})
		require.ErrorIs(t, err, client.ErrAuth)
		require.False(t, client.IsRetryable(err))
		require.Contains(t, err.Error(), "HTTP 400 Bad Request: invalid_grant: client assertion rejected: expired",
			"the skew is reported as PDND sees it: our assertion is already expired by its clock")
		st := e.state(t, syncjob.LabourStatus)
		require.Contains(t, *st.LastError, "expired")
		require.NotNil(t, st.NextCursor, "the pass keeps its place for when credentials work again")
	})
}

func TestRefreshLooksPersonsUpAndRecordsFailures(t *testing.T) {
	t.Parallel()
	g := &gate{}
	persons := []sim.Person{
		{TaxCode: "RSSMRA68A01H501Y", HouseholdID: "h1", Relationship: "intestatario"},
		{TaxCode: "CCCFBA85D03L219P", HouseholdID: "h1", Relationship: "coniuge"},
	}
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 9, Persons: persons, AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}, wrap: g.wrap})
	ctx := context.Background()
	sum, err := e.syncer.Refresh(ctx, []string{"RSSMRA68A01H501Y", "CCCFBA85D03L219P"}, nil)
	require.NoError(t, err)
	require.Positive(t, sum.Stored)
	require.Equal(t, 5, sum.Pages, "one search per collection")
	require.Equal(t, 1, e.count(t, "SELECT count(*) FROM registry_labour_status WHERE tax_code = 'RSSMRA68A01H501Y' AND origin = 'refresh'"))
	require.Equal(t, 6, e.count(t, "SELECT count(*) FROM registry_lookup_state WHERE consecutive_failures = 0 AND last_success_at IS NOT NULL"))

	g.closed.Store(true)
	_, err = e.syncer.Refresh(ctx, []string{"RSSMRA68A01H501Y"}, []string{"labour"})
	require.ErrorIs(t, err, client.ErrUnavailable)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM registry_lookup_state
		WHERE source = 'labour' AND tax_code = 'RSSMRA68A01H501Y' AND consecutive_failures = 1 AND last_error LIKE '%MAINTENANCE%'`))

	_, err = e.syncer.Refresh(ctx, []string{"RSSMRA68A01H501X"}, nil)
	require.ErrorContains(t, err, "tax code 0")
	_, err = e.syncer.Refresh(ctx, nil, nil)
	require.Error(t, err)
}

func TestSourcesNotConfiguredAreRefusedByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{tune: func(c *syncjob.Config) { delete(c.Sources, "school") }})
	_, err := e.syncer.SyncCollection(context.Background(), syncjob.SchoolRecords, syncjob.SyncOptions{})
	require.ErrorIs(t, err, syncjob.ErrNotConfigured)
	require.ErrorContains(t, err, "school/school-records")
	_, err = e.syncer.Refresh(context.Background(), []string{"RSSMRA68A01H501Y"}, []string{"school"})
	require.True(t, errors.Is(err, syncjob.ErrNotConfigured))
}
