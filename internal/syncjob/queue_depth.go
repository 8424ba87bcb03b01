package syncjob

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// QueueDepth is the number of registry jobs waiting or running for one source.
type QueueDepth struct {
	Source  string
	Waiting int
	Running int
}

// depthPage is how many jobs one round trip of Depth reads (River allows up to 10,000):
// the queue holds a few jobs per source unless a registry has been down for a while.
const depthPage = 1000

// Depth counts the unfinished jobs of the registry queue per source they touch (a refresh
// of several sources counts for each), by source. River lists them on the queue's own
// connections: a request's transaction cannot see the jobs, whose arguments name persons
// by tax code, and the registry status shows only these counts.
func (q *Queue) Depth(ctx context.Context) ([]QueueDepth, error) {
	bySource := map[string]*QueueDepth{}
	params := river.NewJobListParams().Queues(QueueName).States(unfinished...).First(depthPage)
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("syncjob: queue depth: %w", err)
		}
		for _, job := range res.Jobs {
			sources, err := jobSources(job)
			if err != nil {
				return nil, fmt.Errorf("syncjob: queue depth: job %d: %w", job.ID, err)
			}
			for _, src := range sources {
				d := bySource[src]
				if d == nil {
					d = &QueueDepth{Source: src}
					bySource[src] = d
				}
				if job.State == rivertype.JobStateRunning {
					d.Running++
				} else {
					d.Waiting++
				}
			}
		}
		if len(res.Jobs) < depthPage {
			break
		}
		params = params.After(res.LastCursor)
	}
	out := make([]QueueDepth, 0, len(bySource))
	for _, d := range bySource {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b QueueDepth) int { return strings.Compare(a.Source, b.Source) })
	return out, nil
}

// jobSources are the sources a job of the registry queue reads: one for a sync, those
// asked for a refresh, none for the retention rules.
func jobSources(job *rivertype.JobRow) ([]string, error) {
	switch job.Kind {
	case SyncArgs{}.Kind():
		var a SyncArgs
		if err := json.Unmarshal(job.EncodedArgs, &a); err != nil {
			return nil, err
		}
		return []string{a.Source}, nil
	case RefreshArgs{}.Kind():
		var a RefreshArgs
		if err := json.Unmarshal(job.EncodedArgs, &a); err != nil {
			return nil, err
		}
		return a.Sources, nil
	}
	return nil, nil
}
