package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/graph"
	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte serve\n\nServes the GraphQL API. Configuration comes from the environment:\n"+
			"  DATABASE_URL (required), PONTE_ADDR (:8080), PONTE_STATEMENT_TIMEOUT (5s), PONTE_MAX_DEPTH (12),\n"+
			"  PONTE_MAX_COMPLEXITY (100000), PONTE_MAX_BODY_BYTES (1048576), PONTE_LOG_LEVEL (info).\n"+
			"Migrations are not applied: run 'ponte migrate up' first.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: serve needs the PostgreSQL connection string (try 'ponte demo' for a local one)")
	}
	log := newLogger(cfg.LogLevel)
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	rcfg, err := syncjob.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	var reg *syncjob.Service
	if len(rcfg.Sources) > 0 {
		if reg, err = syncjob.StartService(ctx, st, rcfg, syncjob.QueueOptions{Logger: log}); err != nil {
			return err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = reg.Stop(stopCtx)
		}()
	} else {
		log.Warn("no registry source configured: registry data is served as stored, refreshes are unavailable")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return serveHTTP(ctx, ln, server.Mux(hubConfig(st, cfg, log, reg)), log)
}

// hubConfig assembles the API server of one hub process; reg is nil when no registry is
// configured.
func hubConfig(st *store.Store, cfg config, log *slog.Logger, reg *syncjob.Service) server.Config {
	sc := server.Config{Store: st, Limits: cfg.Limits, Logger: log}
	if reg != nil {
		sc.Middleware = graph.RegistryMiddleware(reg.Queue)
		clients := reg.Connectors.Clients()
		sc.Metrics = append(sc.Metrics, func(w io.Writer) error {
			ms := make([]client.Metrics, len(clients))
			for i, c := range clients {
				ms[i] = c.Metrics()
			}
			return client.WritePrometheus(w, ms)
		})
	}
	return sc
}

// serveHTTP serves until ctx ends, then drains in-flight requests for up to 15 seconds.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
