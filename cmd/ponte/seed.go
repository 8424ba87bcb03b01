package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/store"
)

// runSeed loads the demo data into DATABASE_URL after applying the migrations: the ALI
// operation of the Pisa health-and-social agency, the TO-HOME cases of Turin, and with
// --scale N as many synthetic participants for load tests. A progress line goes to stderr,
// the summary to stdout.
func runSeed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	scale := fs.Int("scale", 0, fmt.Sprintf("also load this many synthetic participants (0 to %d)", demo.MaxScale))
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: ponte seed [--scale N] [--quiet]

Applies the migrations to DATABASE_URL and loads the demo data in one transaction. A
database that already holds the demo keeps it; synthetic participants are loaded once.
The load takes exclusive locks on the core tables until it ends.`)
		fs.PrintDefaults()
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *scale < 0 || *scale > demo.MaxScale {
		return fmt.Errorf("--scale: must be between 0 and %d, got %d", demo.MaxScale, *scale)
	}
	url, err := cli.DatabaseURL()
	if err != nil {
		return err
	}
	began := time.Now()
	if err := store.MigrateAll(ctx, url); err != nil {
		return err
	}
	st, err := store.Open(ctx, url, store.Config{MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()
	progress := os.Stderr
	if *quiet {
		progress = nil
	}
	sum, err := demo.Load(ctx, st, demo.Options{Scale: *scale}, progress)
	if err != nil {
		return err
	}
	fmt.Println(sum)
	fmt.Printf("elapsed: %s (migrations and load)\n", time.Since(began).Round(time.Millisecond))
	return nil
}
