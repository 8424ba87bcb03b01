package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

// Environment variables read by serve (and demo, where they apply). Each has a default
// except DATABASE_URL, which serve requires.
//
//	DATABASE_URL               PostgreSQL connection string (required by serve): the hub's
//	                           own login role, a member of ponte_app only
//	PONTE_MIGRATE_DATABASE_URL the tables' owner, when serve should migrate before serving
//	PONTE_ADDR                 listen address (default :8080)
//	PONTE_STATEMENT_TIMEOUT    bound on every SQL statement (default 5s)
//	PONTE_DB_MAX_CONNS         connections of the API's pool (default 20)
//	PONTE_QUEUE_DB_MAX_CONNS   connections of the job queue's pool, for the jobs' own work
//	                           (default 10; River keeps up to 8 more for itself)
//	PONTE_DB_ACQUIRE_TIMEOUT   longest wait for a free connection before UNAVAILABLE (default 2s)
//	PONTE_MAX_DEPTH            deepest GraphQL selection (default 12)
//	PONTE_MAX_COMPLEXITY       GraphQL complexity limit, lists weighted by page size (default 100000)
//	PONTE_MAX_BODY_BYTES       request body limit (default 1048576)
//	PONTE_LOG_LEVEL            debug | info | warn | error (default info)
//	PONTE_ESF_SIGNING_KEY      path of the PEM PKCS#8 Ed25519 private key that signs frozen
//	                           ESF+ reports (none: freezing and verifying are unavailable)
type config struct {
	DatabaseURL string
	// MigrateURL is the owner's connection string; empty: serve does not migrate.
	MigrateURL string
	Addr       string
	Store      store.Config
	// Jobs configures the job queue's pool, apart from the API's (Store).
	Jobs     store.Config
	Limits   server.Limits
	LogLevel slog.Level
	// ESFSigner is nil when PONTE_ESF_SIGNING_KEY is not set.
	ESFSigner *esf.Signer
}

func configFromEnv() (config, error) {
	c := config{DatabaseURL: os.Getenv("DATABASE_URL"), MigrateURL: os.Getenv(migrateURLVar), Addr: cli.EnvOr("PONTE_ADDR", ":8080")}
	var err error
	if c.Store.StatementTimeout, err = envDuration("PONTE_STATEMENT_TIMEOUT", 5*time.Second); err != nil {
		return c, err
	}
	n, err := envInt("PONTE_DB_MAX_CONNS", 20)
	if err != nil {
		return c, err
	}
	c.Store.MaxConns = int32(n)
	if n, err = envInt("PONTE_QUEUE_DB_MAX_CONNS", 10); err != nil {
		return c, err
	}
	c.Jobs.MaxConns = int32(n)
	if c.Store.AcquireTimeout, err = envDuration("PONTE_DB_ACQUIRE_TIMEOUT", store.DefaultAcquireTimeout); err != nil {
		return c, err
	}
	c.Jobs.StatementTimeout, c.Jobs.AcquireTimeout = c.Store.StatementTimeout, c.Store.AcquireTimeout
	c.Jobs.ApplicationName = "ponte-jobs"
	if c.Limits.MaxDepth, err = envInt("PONTE_MAX_DEPTH", 12); err != nil {
		return c, err
	}
	if c.Limits.MaxComplexity, err = envInt("PONTE_MAX_COMPLEXITY", 100000); err != nil {
		return c, err
	}
	if n, err = envInt("PONTE_MAX_BODY_BYTES", 1<<20); err != nil {
		return c, err
	}
	c.Limits.MaxBodyBytes = int64(n)
	if err := c.LogLevel.UnmarshalText([]byte(cli.EnvOr("PONTE_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("PONTE_LOG_LEVEL: %w", err)
	}
	if os.Getenv(esf.SigningKeyEnv) != "" {
		if c.ESFSigner, err = cli.ESFSignerFromEnv(); err != nil {
			return c, err
		}
	}
	return c, nil
}

func envInt(key string, def int) (int, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive whole number", key, v)
	}
	return n, nil
}

func envDuration(key string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive duration such as 5s", key, v)
	}
	return d, nil
}
