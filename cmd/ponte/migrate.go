package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/ponte-hub/ponte/internal/store"
)

// migrateURLVar names the owner's connection string, for migrations only: ponte serve's
// DATABASE_URL is the hub's login role, which owns nothing and cannot migrate.
const migrateURLVar = "PONTE_MIGRATE_DATABASE_URL"

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte migrate up|status\n\n"+
			"  up      apply every pending migration\n"+
			"  status  list migrations and whether each is applied\n\n"+
			"Migrations run as the owner of the tables: PONTE_MIGRATE_DATABASE_URL when set, else\n"+
			"DATABASE_URL (which, for ponte serve, is the hub's own login role and cannot migrate).")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	url := os.Getenv(migrateURLVar)
	if url == "" {
		var err error
		if url, err = databaseURL(); err != nil {
			return fmt.Errorf("%w (nor %s)", err, migrateURLVar)
		}
	}
	switch fs.Arg(0) {
	case "up":
		if err := store.MigrateAll(ctx, url); err != nil {
			return err
		}
		fmt.Println("migrations applied")
		return nil
	case "status":
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
	default:
		fs.Usage()
		return flag.ErrHelp
	}
}
