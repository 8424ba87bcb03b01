package syncjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ponte-hub/ponte/internal/store"
)

// Service is the registry machinery of one hub process: the connectors of the configured
// sources, the engine, and the job queue working their syncs and refreshes.
type Service struct {
	Connectors *Connectors
	Syncer     *Syncer
	Queue      *Queue
}

// StartService builds the connectors for cfg, stores the sources' configuration, and
// starts the job queue over st's pool (periodic syncs per cfg's intervals unless
// opts.NoSchedule). Stop it before closing st.
func StartService(ctx context.Context, st *store.Store, cfg Config, opts QueueOptions) (*Service, error) {
	if len(cfg.Sources) == 0 {
		return nil, fmt.Errorf("syncjob: start: %w: no registry source is configured", ErrNotConfigured)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	conn, err := NewConnectors(cfg, nil)
	if err != nil {
		return nil, err
	}
	sy, err := NewSyncer(st, conn, cfg, WithLogger(log))
	if err != nil {
		return nil, err
	}
	q, err := NewQueue(st, sy, opts)
	if err != nil {
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		return nil, err
	}
	return &Service{Connectors: conn, Syncer: sy, Queue: q}, nil
}

// Stop stops the queue: running jobs get until ctx ends to finish, then resume from
// their cursors on the next start.
func (s *Service) Stop(ctx context.Context) error {
	if s == nil || s.Queue == nil {
		return errors.New("syncjob: stop: service not started")
	}
	return s.Queue.Stop(ctx)
}
