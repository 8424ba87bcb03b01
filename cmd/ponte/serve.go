package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/graph/registry"
	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/retention"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/tracing"
)

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte serve\n\nServes the GraphQL API. Configuration comes from the environment:\n"+
			"  DATABASE_URL (required: the hub's own login role, a member of ponte_app only, which serve\n"+
			"  checks), PONTE_ADDR (:8080), PONTE_STATEMENT_TIMEOUT (5s), PONTE_MAX_DEPTH (12),\n"+
			"  PONTE_MAX_COMPLEXITY (100000), PONTE_MAX_BODY_BYTES (1048576), PONTE_LOG_LEVEL (info),\n"+
			"  PONTE_DB_MAX_CONNS (20), PONTE_QUEUE_DB_MAX_CONNS (10), PONTE_DB_ACQUIRE_TIMEOUT (2s),\n"+
			"  PONTE_ESF_SIGNING_KEY (PEM PKCS#8 Ed25519 private key file signing frozen ESF+ reports).\n"+
			"Access: staff JWTs from PONTE_OIDC_ISSUER, PONTE_OIDC_AUDIENCE and PONTE_OIDC_JWKS_URL or\n"+
			"  PONTE_OIDC_KEY_FILE (without them, partner tokens only); PONTE_PSEUDONYM_KEY (hex or base64,\n"+
			"  32+ bytes), PONTE_SUPPRESSION_THRESHOLD (5), PONTE_ACCESS_POLICY_DIR (the built-in policy).\n"+
			"Migrations run as the tables' owner: with 'ponte migrate up' first, or here when\n"+
			"  PONTE_MIGRATE_DATABASE_URL names the owner.")
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: serve needs the PostgreSQL connection string (try 'ponte demo' for a local one)")
	}
	log := cli.NewLogger(cfg.LogLevel)
	stopTracing, tracingOn, err := tracing.Setup(ctx, os.Getenv, buildVersion())
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	if tracingOn {
		log.Info("traces exported over OTLP")
	}
	if cfg.MigrateURL != "" {
		if err := store.MigrateAll(ctx, cfg.MigrateURL); err != nil {
			return fmt.Errorf("%s: %w", migrateURLVar, err)
		}
		log.Info("migrations applied as the owner (" + migrateURLVar + ")")
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	// Requests run SQL on these connections: whatever runs there must stay bound by
	// row-level security, which a superuser's or the owner's connection is not.
	if err := st.CheckHubRole(ctx); err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	rcfg, err := syncjob.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	var reg *syncjob.Service
	if len(rcfg.Sources) > 0 {
		// The jobs work on a pool of their own: a burst of refreshes cannot take the
		// connections requests need, nor requests those the jobs need to finish.
		jobs, err := store.Open(ctx, cfg.DatabaseURL, cfg.Jobs)
		if err != nil {
			return err
		}
		defer jobs.Close()
		// The retention rules run on the same queue, on the jobs' pool.
		if reg, err = syncjob.StartService(ctx, jobs, rcfg, syncjob.QueueOptions{Logger: log, Retention: retention.New(jobs)}); err != nil {
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
	acfg, err := accessConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if acfg.Pseudonyms == nil {
		log.Warn("PONTE_PSEUDONYM_KEY is not set: Person.pseudonym is unavailable, so ESF+ auditors see no participant")
	}
	if cfg.ESFSigner == nil {
		log.Warn("PONTE_ESF_SIGNING_KEY is not set: freezeEsfReport and verifyFrozenEsfReport are unavailable")
	} else {
		log.Info("frozen ESF+ reports signed", "key_id", cfg.ESFSigner.KeyID(), "can_sign", cfg.ESFSigner.CanSign())
	}
	acc, err := newHubAccess(st, acfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return serveHTTP(ctx, ln, server.Mux(hubConfig(st, cfg, log, reg, acc)), log)
}

// accessConfig is the access control of a hub process, from the environment:
//
//	PONTE_OIDC_ISSUER, PONTE_OIDC_AUDIENCE, PONTE_OIDC_JWKS_URL | PONTE_OIDC_KEY_FILE
//	                             staff JWTs (none set: partner tokens only)
//	PONTE_PSEUDONYM_KEY          key of the persons' pseudonyms, hex or base64, 32+ bytes
//	PONTE_SUPPRESSION_THRESHOLD  smallest count aggregates show (default 5)
//	PONTE_ACCESS_POLICY_DIR      a directory with model.conf and policy.csv replacing the
//	                             built-in policy
type accessConfig struct {
	// JWT is nil when staff JWTs are not accepted.
	JWT                  *auth.Config
	Pseudonyms           *access.Pseudonymizer
	SuppressionThreshold int
	Policy               *access.Policy
}

func accessConfigFromEnv(getenv func(string) string) (accessConfig, error) {
	var c accessConfig
	jwt, ok, err := auth.ConfigFromEnv(getenv)
	if err != nil {
		return c, err
	}
	if ok {
		c.JWT = &jwt
	}
	if k := getenv("PONTE_PSEUDONYM_KEY"); k != "" {
		var err error
		if c.Pseudonyms, err = access.PseudonymizerFromText(k); err != nil {
			return c, fmt.Errorf("PONTE_PSEUDONYM_KEY: %w", err)
		}
	}
	c.SuppressionThreshold = access.DefaultSuppressionThreshold
	if v := getenv("PONTE_SUPPRESSION_THRESHOLD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return c, fmt.Errorf("PONTE_SUPPRESSION_THRESHOLD: %q is not a whole number from 1 to 1000", v)
		}
		c.SuppressionThreshold = n
	}
	if dir := getenv("PONTE_ACCESS_POLICY_DIR"); dir != "" {
		if c.Policy, err = access.LoadPolicyFiles(filepath.Join(dir, "model.conf"), filepath.Join(dir, "policy.csv")); err != nil {
			return c, fmt.Errorf("PONTE_ACCESS_POLICY_DIR: %w", err)
		}
	} else if c.Policy, err = access.DefaultPolicy(); err != nil {
		return c, err
	}
	return c, nil
}

// hubAccess is what a hub process enforces access with: the authenticator behind every
// GraphQL request and the gate scoping its transaction.
type hubAccess struct {
	authn *auth.Authenticator
	gate  server.PlanGate
}

func newHubAccess(st *store.Store, c accessConfig, log *slog.Logger) (hubAccess, error) {
	authz, err := access.NewAuthorizer(c.Policy)
	if err != nil {
		return hubAccess{}, err
	}
	var verifier *auth.Verifier
	if c.JWT != nil {
		if verifier, err = auth.NewVerifier(*c.JWT); err != nil {
			return hubAccess{}, err
		}
		log.Info("staff JWTs accepted", "issuer", c.JWT.Issuer, "audience", c.JWT.Audience)
	} else {
		log.Warn("no identity provider configured (PONTE_OIDC_*): only partner tokens are accepted")
	}
	log.Info("access policy", "version", c.Policy.Version())
	return hubAccess{authn: auth.NewAuthenticator(verifier, accessdata.Directory{Store: st}, authz),
		gate: server.PlanGate{Pseudonyms: c.Pseudonyms, SuppressionThreshold: c.SuppressionThreshold}}, nil
}

// hubConfig assembles the API server of one hub process; reg is nil when no registry is
// configured. Every GraphQL request is authenticated; health, readiness, metrics and the
// IDE page (which sends the token its user pastes) are not behind authentication.
func hubConfig(st *store.Store, cfg config, log *slog.Logger, reg *syncjob.Service, acc hubAccess) server.Config {
	authn := auth.Middleware(acc.authn)
	sc := server.Config{Store: st, Limits: cfg.Limits, Logger: log, Gate: acc.gate, Middleware: authn, ESFSigner: cfg.ESFSigner}
	if reg != nil {
		refreshes := registry.Middleware(reg.Queue)
		sc.Middleware = func(next http.Handler) http.Handler { return authn(refreshes(next)) }
		sc.Metrics = append(sc.Metrics, client.NewCollector(reg.Connectors.Clients()...))
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
