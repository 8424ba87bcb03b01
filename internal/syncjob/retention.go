package syncjob

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/ponte-hub/ponte/internal/retention"
)

// DefaultRetentionInterval is how often the retention job runs: the rules count whole
// days, so once a day is enough, and a missed day is caught up by the next run.
const DefaultRetentionInterval = 24 * time.Hour

// RetentionArgs is the periodic retention job (internal/retention).
type RetentionArgs struct{}

// Kind implements river.JobArgs.
func (RetentionArgs) Kind() string { return "retention" }

// retentionTimeout bounds one run; a run cut short continues on the next, since each of
// its batches commits and no step is done twice.
const retentionTimeout = 30 * time.Minute

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	runner *retention.Runner
}

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	rep, err := w.runner.Run(ctx)
	if rerr := river.RecordOutput(ctx, rep); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return retentionTimeout }

func retentionOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: unfinished}}
}

// EnqueueRetention asks for a retention run now (the queue must have a Retention
// runner); a run already waiting or running is joined.
func (q *Queue) EnqueueRetention(ctx context.Context) (int64, error) {
	o := retentionOpts()
	res, err := q.client.Insert(ctx, RetentionArgs{}, &o)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}
