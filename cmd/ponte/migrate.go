package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ponte-hub/ponte/internal/store"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte migrate up|status\n\n  up      apply every pending migration to DATABASE_URL\n  status  list migrations and whether each is applied")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	url, err := databaseURL()
	if err != nil {
		return err
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
