package syncjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/retention"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// The retention rules run as a job of the registry queue: enqueued (as the daily
// schedule does), the job restricts the person whose case's period ended.
func TestRetentionRunsOnTheQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: 1}})
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO organisations (id, code, name, kind) VALUES ('00000000-0000-4000-8000-000000000001', 'MUN', 'Comune', 'MUNICIPALITY')`,
		`INSERT INTO staff (id, subject, display_name, organisation_id) VALUES ('00000000-0000-4000-8000-000000000002', 'sw', 'W', '00000000-0000-4000-8000-000000000001')`,
		`INSERT INTO persons (id, tax_code, given_name, family_name) VALUES ('00000000-0000-4000-9000-000000000001', 'RSSMRA80A01G700X', 'B', 'T')`,
		`INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, status, opened_on, closed_on)
			VALUES ('R-1', '00000000-0000-4000-9000-000000000001', '00000000-0000-4000-8000-000000000001',
			'00000000-0000-4000-8000-000000000002', 'CLOSED', '2013-01-01', '2014-03-10')`,
	} {
		_, err := e.pool.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	runner := retention.New(e.store, retention.WithClock(func() time.Time { return time.Date(2024, 3, 11, 2, 0, 0, 0, time.UTC) }))
	q, err := syncjob.NewQueue(e.store, e.syncer, syncjob.QueueOptions{NoSchedule: true, PollInterval: 50 * time.Millisecond, Retention: runner})
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, q.Stop(sctx))
	})
	_, err = q.EnqueueRetention(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return e.count(t, `SELECT count(*) FROM retention_ledger WHERE action = 'RESTRICTED' AND due_on = '2024-03-11'`) == 1
	}, 20*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		return e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'retention' AND state = 'completed'`) == 1
	}, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM processing_restrictions WHERE lifted_at IS NULL`))
}
