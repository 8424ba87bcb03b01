package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateQueue applies the job queue's own migrations (River's), before the hub's, so
// `ponte migrate up` leaves a database every replica's queue can start on.
func migrateQueue(ctx context.Context, databaseURL string) error {
	pc, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return fmt.Errorf("store: parse DATABASE_URL: %w", err)
	}
	pc.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("store: migrate job queue: connect: %w", err)
	}
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("store: migrate job queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: migrate job queue: %w", err)
	}
	return nil
}

// QueueDepth is the number of registry jobs waiting or running for one source.
type QueueDepth struct {
	Source  string
	Waiting int
	Running int
}

// RegistryQueueDepth counts the unfinished jobs of the registry queue per source they
// touch (a refresh of several sources counts for each). A request cannot see the jobs
// (a refresh's arguments are tax codes), so the owner counts them
// (migrations/00350_access_no_bypass.sql).
func (t *Tx) RegistryQueueDepth(ctx context.Context, queue string) ([]QueueDepth, error) {
	return query(ctx, t, "registry queue depth",
		`SELECT d.source, d.waiting, d.running FROM ponte_registry_queue_depth($1) d`, []any{queue},
		func(r pgx.Rows) (QueueDepth, error) {
			var d QueueDepth
			err := r.Scan(&d.Source, &d.Waiting, &d.Running)
			return d, err
		})
}
