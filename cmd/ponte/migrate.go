package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/store"
)

// migrateURLVar names the owner's connection string, for migrations only: ponte serve's
// DATABASE_URL is the hub's login role, which owns nothing and cannot migrate.
const migrateURLVar = "PONTE_MIGRATE_DATABASE_URL"

const migrateUsage = "usage: ponte migrate up|status\n\n" +
	"  up      apply every pending migration\n" +
	"  status  list migrations and whether each is applied\n\n" +
	"Migrations run as the owner of the tables: PONTE_MIGRATE_DATABASE_URL when set, else\n" +
	"DATABASE_URL (which, for ponte serve, is the hub's own login role and cannot migrate)."

func runMigrate(ctx context.Context, args []string) error {
	return cli.Subcommand(ctx, args, migrateUsage, map[string]func(context.Context, []string) error{
		"up": migrateUp, "status": migrateStatus,
	})
}

// migrateFlags parses a migrate verb's command line and returns the owner's URL.
func migrateFlags(verb string, args []string) (string, error) {
	fs := cli.SimpleFlags("migrate "+verb, migrateUsage)
	if err := cli.ParseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return "", cli.UsageErrorf("unexpected argument %q", fs.Arg(0))
	}
	url := os.Getenv(migrateURLVar)
	if url == "" {
		var err error
		if url, err = cli.DatabaseURL(); err != nil {
			return "", fmt.Errorf("%w (nor %s)", err, migrateURLVar)
		}
	}
	return url, nil
}

func migrateUp(ctx context.Context, args []string) error {
	url, err := migrateFlags("up", args)
	if err != nil {
		return err
	}
	if err := store.MigrateAll(ctx, url); err != nil {
		return err
	}
	fmt.Println("migrations applied")
	return nil
}

func migrateStatus(ctx context.Context, args []string) error {
	url, err := migrateFlags("status", args)
	if err != nil {
		return err
	}
	st, err := store.MigrationStatus(ctx, url)
	if err != nil {
		return err
	}
	for _, s := range st {
		at := ""
		if !s.AppliedAt.IsZero() {
			at = s.AppliedAt.Format("2006-01-02 15:04:05")
		}
		fmt.Printf("%-10s %-45s %s\n", s.State, s.Source.Path, at)
	}
	return nil
}
