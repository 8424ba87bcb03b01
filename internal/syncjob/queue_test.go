package syncjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

func TestQueueRunsScheduledSyncsAndRefreshesWithinTheWait(t *testing.T) {
	t.Parallel()
	g := &gate{}
	const person = "RSSMRA68A01H501Y"
	e := newEnv(t, envOpts{
		sim:  sim.Dataset{Seed: 4, Synthetic: 120, Persons: []sim.Person{{TaxCode: person}}},
		wrap: g.wrap,
		tune: func(c *syncjob.Config) { c.RetryBase, c.RetryMax = 2*time.Second, 4*time.Second },
	})
	ctx := context.Background()
	q, err := syncjob.NewQueue(e.store, e.syncer, syncjob.QueueOptions{SyncOnStart: true, PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, q.Stop(sctx))
	})

	require.Eventually(t, func() bool {
		return e.count(t, "SELECT count(*) FROM registry_sync_state WHERE last_full_sync_at IS NOT NULL") == 5
	}, 30*time.Second, 50*time.Millisecond, "the scheduled syncs run on start")
	for _, c := range syncjob.Collections() {
		good, _ := expected(t, e, c)
		require.Equal(t, good, e.count(t, "SELECT count(*) FROM "+tables[c]), c.String())
	}

	res, err := q.Refresh(ctx, []string{person}, nil, 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, syncjob.RefreshCompleted, res.State, "errors: %v", res.Errors)
	require.Positive(t, res.Summary.Fetched)
	require.Equal(t, res.Summary.Fetched, res.Summary.Unchanged, "the sync already stored what the lookup found")

	// The registry goes down: the refresh fails within the wait, and says when it retries.
	g.closed.Store(true)
	res, err = q.Refresh(ctx, []string{person}, []string{"labour"}, 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, syncjob.RefreshFailed, res.State)
	require.NotNil(t, res.RetryAt)
	require.Len(t, res.Errors, 1)
	require.Contains(t, res.Errors[0], "registry down for maintenance")

	// Asking again while it waits for its retry joins the same job and runs it now.
	again, err := q.Refresh(ctx, []string{person}, []string{"labour"}, 0)
	require.NoError(t, err)
	require.Equal(t, res.JobID, again.JobID)

	// Back up: the retried job completes.
	g.closed.Store(false)
	require.Eventually(t, func() bool {
		r, err := q.Refresh(ctx, []string{person}, []string{"labour"}, 2*time.Second)
		return err == nil && r.State == syncjob.RefreshCompleted
	}, 30*time.Second, 100*time.Millisecond)

	// An enqueued sync of a collection that is already waiting or running joins it.
	id1, err := q.EnqueueSync(ctx, syncjob.ISEE)
	require.NoError(t, err)
	id2, err := q.EnqueueSync(ctx, syncjob.ISEE)
	require.NoError(t, err)
	if e.count(t, "SELECT count(*) FROM river_job WHERE id = $1 AND state IN ('available', 'running', 'scheduled', 'pending', 'retryable')", id1) == 1 {
		require.Equal(t, id1, id2)
	}

	_, err = q.Refresh(ctx, []string{person}, nil, time.Hour)
	require.ErrorContains(t, err, "wait 1h0m0s outside")
	_, err = q.Refresh(ctx, nil, nil, 0)
	require.Error(t, err)
}

func TestQueueDepthAndFailedJobsShowInTheStatus(t *testing.T) {
	t.Parallel()
	g := &gate{}
	g.closed.Store(true)
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 4, Synthetic: 20}, wrap: g.wrap, tune: func(c *syncjob.Config) {
		c.RetryBase, c.RetryMax = time.Hour, time.Hour // the failed job waits: it shows as queued
	}})
	ctx := context.Background()
	q, err := syncjob.NewQueue(e.store, e.syncer, syncjob.QueueOptions{NoSchedule: true, PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, q.Stop(sctx))
	})
	id, err := q.EnqueueSync(ctx, syncjob.BenefitCases)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return e.count(t, "SELECT count(*) FROM river_job WHERE id = $1 AND state = 'retryable'", id) == 1
	}, 20*time.Second, 50*time.Millisecond, "a retryable failure is retried later by the queue")
	s := e.status(t)["benefits"]
	depth, err := q.Depth(ctx)
	require.NoError(t, err)
	require.Equal(t, []syncjob.QueueDepth{{Source: "benefits", Waiting: 1}}, depth, "no job waits for labour")
	require.Equal(t, "FAILING", s.Status)
	require.Contains(t, *s.LastError, "MAINTENANCE")

	// A refresh of several sources counts for each; the queue counts what a request's
	// transaction cannot see.
	res, err := q.Refresh(ctx, []string{"RSSMRA68A01H501Y"}, []string{"labour", "benefits"}, 0)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return e.count(t, "SELECT count(*) FROM river_job WHERE id = $1 AND state = 'retryable'", res.JobID) == 1
	}, 20*time.Second, 50*time.Millisecond)
	depth, err = q.Depth(ctx)
	require.NoError(t, err)
	require.Equal(t, []syncjob.QueueDepth{{Source: "benefits", Waiting: 2}, {Source: "labour", Waiting: 1}}, depth)

	_, err = q.EnqueueSync(ctx, syncjob.Collection{Source: "benefits", Name: "pensions"})
	require.ErrorContains(t, err, "unknown collection benefits/pensions")
}

// The demo's path: simulators fed with the hub's own persons, and the service syncing
// them on start, so the persons' registry records link to them.
func TestServiceSyncsSimulatedRecordsOfTheHubsPersons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := store.New(pool)
	var hh string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO households (label) VALUES ('Rossi') RETURNING id`).Scan(&hh))
	for i, p := range []struct{ tc, rel, birth string }{
		{"RSSMRA68A01H501Y", "HEAD", "1968-01-01"}, {"RSSLCU12H04G702A", "CHILD", "2012-06-04"}, {"MRTMRA83T56A269B", "", ""},
		{"RSSMRA68A01H501X", "", ""}, // a typo the registries cannot know
	} {
		var id string
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO persons (tax_code, given_name, family_name, birth_date, residence_municipality)
			VALUES ($1, 'N', 'F', nullif($2, '')::date, 'G702') RETURNING id`, p.tc, p.birth).Scan(&id), i)
		if p.rel != "" {
			_, err := pool.Exec(ctx, `INSERT INTO household_members (household_id, person_id, relationship, valid_from) VALUES ($1, $2, $3, '2020-01-01')`, hh, id, p.rel)
			require.NoError(t, err)
		}
	}
	persons, err := simulate.Persons(ctx, st, 0)
	require.NoError(t, err)
	require.Len(t, persons, 3)
	require.Equal(t, sim.Person{TaxCode: "RSSMRA68A01H501Y", BirthDate: "1968-01-01", Municipality: "G702", HouseholdID: hh, Relationship: "intestatario"}, persons[0])
	require.Equal(t, "figlio", persons[1].Relationship)
	first, err := simulate.Persons(ctx, st, 2)
	require.NoError(t, err)
	require.Equal(t, persons[:2], first)
	_, err = simulate.Persons(ctx, st, -1)
	require.Error(t, err)

	s, err := simulate.Start(ctx, simulate.Options{Persons: persons, Seed: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	svc, err := syncjob.StartService(ctx, st, s.Config, syncjob.QueueOptions{SyncOnStart: true, PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, svc.Stop(sctx))
	})
	count := func(sql string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, sql).Scan(&n))
		return n
	}
	require.Eventually(t, func() bool {
		return count("SELECT count(*) FROM registry_sync_state WHERE last_full_sync_at IS NOT NULL") == 5
	}, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, 2, count("SELECT count(*) FROM registry_labour_status WHERE person_id IS NOT NULL"), "both adults, linked")
	require.Equal(t, 1, count("SELECT count(*) FROM registry_school_records WHERE tax_code = 'RSSLCU12H04G702A' AND person_id IS NOT NULL"))
	require.Equal(t, 0, count("SELECT count(*) FROM registry_quarantine"))

	_, err = syncjob.StartService(ctx, st, syncjob.Config{}, syncjob.QueueOptions{})
	require.ErrorIs(t, err, syncjob.ErrNotConfigured)
}
