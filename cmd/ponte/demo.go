package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/pgserver"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// stdout receives what the demo prints for its user; tests capture it.
var stdout io.Writer = os.Stdout

// demoDatabase is the database the demo creates on its own server.
const demoDatabase = "ponte"

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address the API listens on")
	dataDir := fs.String("data-dir", pgserver.DefaultDataDir("demo"), "where the demo's PostgreSQL keeps its data (reused between runs)")
	reset := fs.Bool("reset", false, "drop the demo database and load it afresh")
	scale := fs.Int("scale", 0, "also load this many synthetic participants (for load tests)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte demo [flags]\n\nStarts a local PostgreSQL (or uses DATABASE_URL), migrates, loads the demo data,\nstarts the registry simulators and serves the API until Ctrl-C.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	started := time.Now()

	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		fmt.Fprintf(os.Stderr, "starting PostgreSQL in %s …\n", *dataDir)
		pg, err := pgserver.Start(ctx, pgserver.Options{DataDir: *dataDir})
		if err != nil {
			return err
		}
		defer func() {
			fmt.Fprintln(os.Stderr, "stopping PostgreSQL …")
			if err := pg.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}()
		if err := ensureDatabase(ctx, pg.URL("postgres"), demoDatabase, *reset); err != nil {
			return err
		}
		dbURL = pg.URL(demoDatabase)
	}
	if err := store.MigrateAll(ctx, dbURL); err != nil {
		return err
	}
	st, err := store.Open(ctx, dbURL, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := demo.Load(ctx, st, demo.Options{Scale: *scale}, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, sum)

	// The registries: simulators in this process, fed the demo's persons, behind a PDND
	// token endpoint; the job queue syncs them at once and then on schedule.
	persons, err := syncjob.SimPersons(ctx, st, 0)
	if err != nil {
		return err
	}
	sims, err := syncjob.StartSimulators(ctx, syncjob.SimulatorOptions{Persons: persons, Seed: 1})
	if err != nil {
		return err
	}
	defer sims.Close()
	reg, err := syncjob.StartService(ctx, st, sims.Config, syncjob.QueueOptions{SyncOnStart: true, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := reg.Stop(stopCtx); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr)", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, `
ponte demo is ready (%s)

  GraphQL API   %s/graphql
  GraphQL IDE   %s/
  health        %s/healthz   %s/readyz
  metrics       %s/metrics
  DATABASE_URL  %s
  registries    %s (simulated benefits, labour and school registries, PDND token endpoint)

Press Ctrl-C to stop.
`, time.Since(started).Round(time.Millisecond), base, base, base, base, base, dbURL, sims.URL)
	return serveHTTP(ctx, ln, server.Mux(hubConfig(st, cfg, log, reg)), log)
}

// ensureDatabase creates the database if it is missing, or recreates it on reset.
func ensureDatabase(ctx context.Context, adminURL, name string, reset bool) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to the demo server: %w", err)
	}
	defer conn.Close(ctx)
	if reset {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop demo database: %w", err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up demo database: %w", err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("create demo database: %w", err)
		}
	}
	return nil
}
