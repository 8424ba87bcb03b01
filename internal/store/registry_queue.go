package store

import (
	"context"
	"fmt"

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
