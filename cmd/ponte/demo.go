package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/pgserver"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

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
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	log := cli.NewLogger(cfg.LogLevel)
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
	// dbURL is the owner's: it migrates and loads, as the operators' commands do. The API
	// and its job queue log in as the hub's own role, as ponte serve does.
	if err := store.MigrateAll(ctx, dbURL); err != nil {
		return err
	}
	owner, err := store.Open(ctx, dbURL, store.Config{MaxConns: 4, StatementTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer owner.Close()
	sum, err := demo.Load(ctx, owner, demo.Options{Scale: *scale}, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, sum)
	persons, err := simulate.Persons(ctx, owner, 0)
	if err != nil {
		return err
	}
	owner.Close()

	hubURL, err := demoHubRole(ctx, dbURL)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, hubURL, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckHubRole(ctx); err != nil {
		return err
	}

	// The registries: simulators in this process, fed the demo's persons, behind a PDND
	// token endpoint; the job queue syncs them at once and then on schedule.
	sims, err := simulate.Start(ctx, simulate.Options{Persons: persons, Seed: 1})
	if err != nil {
		return err
	}
	defer sims.Close()
	jobs, err := store.Open(ctx, hubURL, cfg.Jobs)
	if err != nil {
		return err
	}
	defer jobs.Close()
	reg, err := syncjob.StartService(ctx, jobs, sims.Config, syncjob.QueueOptions{SyncOnStart: true, Logger: log})
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

	// Access: the demo is its own identity provider (a signing key kept beside its data),
	// and keeps a pseudonym key there too, so tokens and pseudonyms survive restarts.
	acfg, err := accessConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	keysDir := *dataDir + "-keys"
	issuer, err := auth.LoadOrCreateDevIssuer(filepath.Join(keysDir, "dev-issuer.pem"))
	if err != nil {
		return err
	}
	jwt := issuer.VerifierConfig()
	acfg.JWT = &jwt
	pseudonymKey := "PONTE_PSEUDONYM_KEY (from the environment)"
	if acfg.Pseudonyms == nil {
		pseudonymKey = filepath.Join(keysDir, "pseudonym.key")
		if acfg.Pseudonyms, err = demoPseudonymizer(pseudonymKey); err != nil {
			return err
		}
	}
	signingKey := os.Getenv(esf.SigningKeyEnv)
	if cfg.ESFSigner == nil {
		signingKey = filepath.Join(keysDir, "esf-signing.key")
		if cfg.ESFSigner, err = demoESFSigner(signingKey); err != nil {
			return err
		}
	}
	acc, err := newHubAccess(st, acfg, log)
	if err != nil {
		return err
	}
	tokens, err := demoTokens(issuer, acfg.Policy)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr)", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	ponte := selfCommand()
	fmt.Fprintf(cli.Stdout, `
ponte demo is ready (%s)

  GraphQL API   %s/graphql
  GraphQL IDE   %s/
  dashboard     %s/dashboard (sign in with a token, or open a link below)
  health        %s/healthz   %s/readyz
  metrics       %s/metrics
  DATABASE_URL  %s
                (the owner: migrations and the ponte commands that are operators' tools)
  hub login     %s (a member of %s only: the API's and the job queue's connections)
  registries    %s (simulated benefits, labour and school registries, PDND token endpoint)
  ESF+ signing  %s (key %s; PONTE_ESF_SIGNING_KEY of %s report freeze|verify)
  pseudonyms    %s (the key of Person.pseudonym: PONTE_PSEUDONYM_KEY)
`, time.Since(started).Round(time.Millisecond), base, base, base, base, base, base, dbURL, demoHubLogin, store.DatabaseRole, sims.URL,
		signingKey, cfg.ESFSigner.KeyID(), ponte, pseudonymKey)
	printDemoAccess(cli.Stdout, tokens, base, dbURL, ponte)
	fmt.Fprintln(cli.Stdout, "\nPress Ctrl-C to stop.")
	return serveHTTP(ctx, ln, server.Mux(hubConfig(st, cfg, log, reg, acc)), log)
}

// demoTokenTTL is how long the demo's staff tokens stay valid.
const demoTokenTTL = 12 * time.Hour

// demoToken is a ready-to-use staff JWT for one of the demo's identities.
type demoToken struct {
	identity roster.Identity
	purposes []access.Purpose
	token    string
}

// demoTokens signs a token for the first identity of each role in the demo, with every
// purpose the policy grants the role, and one for each identity with purposes of its own
// (the ESF+ monitoring officer and auditor), with just those; and one for each member of
// Turin's staff, whose TO-HOME cases work across the city's departments.
func demoTokens(issuer *auth.DevIssuer, policy *access.Policy) ([]demoToken, error) {
	var out []demoToken
	ids := roster.Identities()
	seen := map[access.Role]bool{}
	done := map[string]bool{}
	for _, role := range access.Roles() {
		for _, id := range ids {
			turin := id.OrganisationCode == roster.OrgTorino
			if id.Role != role || done[id.Subject] || (seen[role] && id.Purposes == nil && !turin) {
				continue
			}
			if !turin {
				seen[role] = true
			}
			done[id.Subject] = true
			purposes := id.Purposes
			if purposes == nil {
				purposes = policy.PurposesFor(role)
			}
			tok, err := issuer.IssueDev(id.Subject, role, id.OrganisationCode, purposes, demoTokenTTL)
			if err != nil {
				return nil, err
			}
			out = append(out, demoToken{identity: id, purposes: purposes, token: tok})
		}
	}
	return out, nil
}

func printDemoAccess(w io.Writer, tokens []demoToken, base, dbURL, ponte string) {
	fmt.Fprintf(w, "\nAccess: every GraphQL request needs a token. One per role (staff JWTs, valid %d hours):\n\n", int(demoTokenTTL.Hours()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tSUBJECT\tORGANISATION\tPURPOSES (Ponte-Purpose header)")
	for _, t := range tokens {
		ps := make([]string, len(t.purposes))
		for i, p := range t.purposes {
			ps[i] = string(p)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.identity.Role, t.identity.Subject, t.identity.OrganisationCode, strings.Join(ps, ", "))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nTokens:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range tokens {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.identity.Role, t.identity.Subject, t.token)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, `
Send the token as "Authorization: Bearer <token>", and the purpose of use as
"Ponte-Purpose: <purpose>" (it may be left out when the role has one purpose), e.g.
  curl -H "Authorization: Bearer $TOKEN" -H "Ponte-Purpose: case_management" \
       -H "Content-Type: application/json" -d '{"query":"{ cases(first: 5) { totalCount } }"}' %s/graphql
In the IDE (%s/), put both in the Headers editor as JSON:
  {"Authorization": "Bearer <token>", "Ponte-Purpose": "statistics"}
A partner organisation's opaque token:
  DATABASE_URL='%s' %s token issue --role employment_officer --org CPI-PISA --purpose employment_services
`, base, base, dbURL, ponte)
	printDashboardLinks(w, tokens, base)
}

// dashboardLinks are the demo identities the dashboard is opened for: the SdS Pisa
// dashboard's service identity, and the ESF+ monitoring officer, who also sees the ESF+
// indicators.
var dashboardLinks = []struct {
	subject string
	purpose access.Purpose
	label   string
}{
	{"dashboard.sds-pisa", access.PurposeStatistics, "SdS Pisa dashboard"},
	{"esf.monitor.serra", access.PurposeESFMonitoring, "ESF+ monitoring officer"},
}

// printDashboardLinks prints links that open the dashboard signed in. The token goes in
// the URL fragment, which the browser keeps to itself: it never reaches a server log.
func printDashboardLinks(w io.Writer, tokens []demoToken, base string) {
	fmt.Fprintln(w, "\nThe dashboard, signed in (the token travels in the URL fragment, which never reaches the server):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range dashboardLinks {
		for _, t := range tokens {
			if t.identity.Subject == l.subject {
				fmt.Fprintf(tw, "  %s\t%s\n", l.label, dashboardLink(base, t.token, l.purpose))
			}
		}
	}
	_ = tw.Flush()
}

// dashboardLink is the dashboard's address, signed in with token for purpose.
func dashboardLink(base, token string, purpose access.Purpose) string {
	return base + "/dashboard#token=" + url.QueryEscape(token) + "&purpose=" + url.QueryEscape(string(purpose))
}

// selfCommand is how the person who started this process runs ponte again: "ponte"
// when that is this binary on PATH, "go run ./cmd/ponte" for a binary go run built in
// its temporary directory, else the binary's own path.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "ponte"
	}
	return commandFor(exe, exec.LookPath, os.TempDir())
}

func commandFor(exe string, lookPath func(string) (string, error), tempDir string) string {
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	if p, err := lookPath("ponte"); err == nil {
		if rp, err := filepath.EvalSymlinks(p); err == nil {
			p = rp
		}
		if p == exe {
			return "ponte"
		}
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") || strings.HasPrefix(exe, filepath.Clean(tempDir)+string(filepath.Separator)) {
		return "go run ./cmd/ponte"
	}
	return exe
}

// demoPseudonymizer reads the demo's pseudonym key, creating it on first run.
func demoPseudonymizer(path string) (*access.Pseudonymizer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, access.MinPseudonymKeyBytes)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("demo: pseudonym key: %w", err)
		}
		b = []byte(hex.EncodeToString(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("demo: pseudonym key: %w", err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("demo: pseudonym key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("demo: pseudonym key: %w", err)
	}
	p, err := access.PseudonymizerFromText(string(b))
	if err != nil {
		return nil, fmt.Errorf("demo: pseudonym key %s: %w", path, err)
	}
	return p, nil
}

// demoESFSigner reads the demo's key for signing frozen ESF+ reports, creating it on first
// run; `PONTE_ESF_SIGNING_KEY=<file> ponte report verify ID` checks against the same key.
func demoESFSigner(path string) (*esf.Signer, error) {
	s, err := esf.LoadSigningKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		s, err = esf.GenerateSigningKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return s, nil
}

// demoHubLogin is the login role the demo's API connects as.
const demoHubLogin = "ponte_hub"

// demoHubRole creates (or resets) the hub's login role with a fresh random password, on
// the server of ownerURL, and returns the URL that logs in as it.
func demoHubRole(ctx context.Context, ownerURL string) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("demo: hub password: %w", err)
	}
	password := hex.EncodeToString(b)
	if err := store.EnsureHubRole(ctx, ownerURL, demoHubLogin, password); err != nil {
		return "", fmt.Errorf("demo: %w (the demo's DATABASE_URL must be allowed to create roles)", err)
	}
	return store.LoginURL(ownerURL, demoHubLogin, password)
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
