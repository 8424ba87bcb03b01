// Command load measures the hub's case page under concurrent load against PostGraphile 5
// on the same database with the same row-level security claims, and against the hub's
// own SQL replayed by pgbench; see README.md beside this file.
//
//	go run ./cmd/ponte with-db -- go run ./bench/load
package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/store"
)

// The page: the hub's query is BenchmarkCasePageAtScale's (graph/server); PostGraphile's
// asks its schema for the same fields, aliased to the hub's names.
var (
	//go:embed queries/ponte.graphql
	ponteQuery string
	//go:embed queries/postgraphile.graphql
	postgraphileQuery string
)

const pageSize = 50

// The systems measured, in the table's order.
const (
	sysPonte        = "ponte"
	sysPostGraphile = "postgraphile"
	sysPgbench      = "pgbench"
)

var systemLabels = map[string]string{
	sysPonte:        "ponte",
	sysPostGraphile: "PostGraphile 5",
	sysPgbench:      "pgbench (the hub's SQL)",
}

// hubLogin is the login role ponte serve, PostGraphile and pgbench connect as: a member
// of ponte_app only, bound by row-level security (store.CheckHubRole).
const hubLogin = "ponte_load"

type options struct {
	scale    int
	clients  int
	duration time.Duration
	warmup   time.Duration
	rounds   int
	systems  []string
	ponte    string
	pgbench  string
	pglDir   string
	out      string
	keepDir  bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.scale, "scale", 10000, "synthetic participants to seed (ponte seed --scale)")
	fs.IntVar(&o.clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "length of one measured run (whole seconds)")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "length of the warm-up run of each system and principal (whole seconds)")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every system for every principal once, in a rotated order")
	systems := fs.String("systems", "ponte,postgraphile,pgbench", "systems to measure, comma-separated")
	fs.StringVar(&o.ponte, "ponte", "", "the ponte binary (default: built from this checkout)")
	fs.StringVar(&o.pgbench, "pgbench", "", "the pgbench binary (default: on PATH, or under /usr/lib/postgresql)")
	fs.StringVar(&o.pglDir, "postgraphile-dir", "", "PostGraphile's folder, npm ci'd (default: bench/load/postgraphile)")
	fs.StringVar(&o.out, "out", "", "also write the tables (Markdown) to this file")
	fs.BoolVar(&o.keepDir, "keep", false, "keep the working folder (logs, captured statements, pgbench scripts)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: load [flags]\n\nMeasures the 50-case page against DATABASE_URL (the tables' owner, allowed to create roles); see bench/load/README.md.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*systems, ",") {
		s = strings.TrimSpace(s)
		if _, ok := systemLabels[s]; !ok {
			return o, fmt.Errorf("-systems: unknown system %q (ponte, postgraphile, pgbench)", s)
		}
		o.systems = append(o.systems, s)
	}
	switch {
	case o.clients < 1 || o.clients > 256:
		return o, errors.New("-clients: between 1 and 256")
	case o.rounds < 1 || o.rounds > 100:
		return o, errors.New("-rounds: between 1 and 100")
	case o.duration < time.Second || o.duration > time.Hour || o.duration%time.Second != 0:
		return o, errors.New("-duration: whole seconds, from 1s to 1h (pgbench -T counts seconds)")
	case o.warmup < 0 || o.warmup > time.Hour || o.warmup%time.Second != 0:
		return o, errors.New("-warmup: whole seconds, up to 1h")
	case o.scale < 0:
		return o, errors.New("-scale: not negative")
	}
	return o, nil
}

// cell is one system serving one principal: what a round runs once.
type cell struct {
	system    string
	principal principal
}

// runner runs one cell for a duration.
type runner func(ctx context.Context, d time.Duration) (result, error)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	owner := os.Getenv("DATABASE_URL")
	if owner == "" {
		return errors.New("DATABASE_URL is not set: the owner of an empty or seeded database (or run under: go run ./cmd/ponte with-db --)")
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ponte-load-")
	if err != nil {
		return err
	}
	if o.keepDir {
		fmt.Fprintf(stderr, "working folder: %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	has := map[string]bool{}
	for _, s := range o.systems {
		has[s] = true
	}

	// Tools first: a missing one fails before anything is seeded.
	ponteBin := o.ponte
	if ponteBin == "" {
		ponteBin = filepath.Join(dir, "ponte")
		logf("building ponte …")
		if _, err := runTool(ctx, nil, root, "go", "build", "-o", ponteBin, "./cmd/ponte"); err != nil {
			return err
		}
	}
	pgbenchBin := ""
	if has[sysPgbench] {
		if pgbenchBin, err = findPgbench(o.pgbench); err != nil {
			return err
		}
	}
	pglDir := o.pglDir
	if pglDir == "" {
		pglDir = filepath.Join(root, "bench", "load", "postgraphile")
	}
	nodeBin := filepath.Join(pglDir, "node_modules", ".bin", "node")
	if has[sysPostGraphile] {
		if _, err := os.Stat(nodeBin); err != nil {
			return fmt.Errorf("PostGraphile is not installed in %s: run `npm ci` there (make load does)", pglDir)
		}
	}

	// (a) The data.
	cases, synthetic, err := seed(ctx, ponteBin, owner, o.scale, logf)
	if err != nil {
		return err
	}

	// (b) The hub's login role, its token issuer and the hub itself.
	pw := make([]byte, 16)
	if _, err := rand.Read(pw); err != nil {
		return err
	}
	if err := store.EnsureHubRole(ctx, owner, hubLogin, hex.EncodeToString(pw)); err != nil {
		return fmt.Errorf("%w (DATABASE_URL must be allowed to create roles)", err)
	}
	hubURL, err := store.LoginURL(owner, hubLogin, hex.EncodeToString(pw))
	if err != nil {
		return err
	}
	issuer, err := auth.LoadOrCreateDevIssuer(filepath.Join(dir, "issuer.pem"))
	if err != nil {
		return err
	}
	tokens, err := mintTokens(issuer, 12*time.Hour)
	if err != nil {
		return err
	}
	var ps procs
	defer ps.stopAll()
	// A signal ends the servers at once, even while a tool is running.
	go func() {
		<-ctx.Done()
		ps.stopAll()
	}()
	ponteAddr, err := freeAddr()
	if err != nil {
		return err
	}
	ponteLog, err := os.Create(filepath.Join(dir, "ponte.log"))
	if err != nil {
		return err
	}
	defer ponteLog.Close()
	jwt := issuer.VerifierConfig()
	hub, err := ps.start("ponte serve", ponteLog, []string{
		"DATABASE_URL=" + hubURL, "PONTE_ADDR=" + ponteAddr, "PONTE_LOG_LEVEL=warn",
		"PONTE_OIDC_ISSUER=" + jwt.Issuer, "PONTE_OIDC_AUDIENCE=" + jwt.Audience, "PONTE_OIDC_KEY_FILE=" + jwt.KeyFile,
	}, root, ponteBin, "serve")
	if err != nil {
		return err
	}
	if err := hub.waitReady(ctx, time.Minute, getOK("http://"+ponteAddr+"/readyz")); err != nil {
		return fmt.Errorf("%w (see %s)", err, ponteLog.Name())
	}
	logf("ponte serve on %s as %s", ponteAddr, hubLogin)

	// (e) The hub's statements for the page, and the claims its transactions set.
	captured, err := capture(ctx, hubURL, issuer, tokens)
	if err != nil {
		return err
	}
	claims := map[string]map[string]string{}
	replays := map[string]replay{}
	conn, err := pgx.Connect(ctx, hubURL)
	if err != nil {
		return err
	}
	for _, p := range principals {
		stmts := captured[p.Name]
		if claims[p.Name], err = claimsOf(stmts); err != nil {
			conn.Close(ctx)
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		targs, err := encodeArgs(ctx, conn, stmts)
		if err != nil {
			conn.Close(ctx)
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		if replays[p.Name], err = buildReplay(stmts, targs); err != nil {
			conn.Close(ctx)
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.Name+".pgbench.sql"), []byte(replays[p.Name].Script), 0o600); err != nil {
			conn.Close(ctx)
			return err
		}
		logf("%s: %d statements in %d round trips", p.Name, len(stmts), roundTrips(stmts))
	}
	conn.Close(ctx)

	// (d) PostGraphile with the same claims.
	pglAddr := ""
	var pgl *proc
	if has[sysPostGraphile] {
		claimsFile := filepath.Join(dir, "claims.json")
		b, err := json.MarshalIndent(claims, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(claimsFile, b, 0o600); err != nil {
			return err
		}
		if pglAddr, err = freeAddr(); err != nil {
			return err
		}
		pglLog, err := os.Create(filepath.Join(dir, "postgraphile.log"))
		if err != nil {
			return err
		}
		defer pglLog.Close()
		pgl, err = ps.start("postgraphile", pglLog, []string{
			"DATABASE_URL=" + hubURL, "PONTE_LOAD_CLAIMS=" + claimsFile, "PONTE_LOAD_ADDR=" + pglAddr, "NODE_ENV=production",
			"PGOPTIONS=" + pgOptions(),
		}, pglDir, nodeBin, "server.mjs")
		if err != nil {
			return err
		}
		probe := httpTarget{URL: "http://" + pglAddr + "/graphql", Body: []byte(`{"query":"{ __typename }"}`),
			Headers: map[string]string{"X-Ponte-Load-Principal": principals[0].Name}}
		c := newClient(1)
		if err := pgl.waitReady(ctx, 3*time.Minute, func(ctx context.Context) error { _, err := probe.post(ctx, c); return err }); err != nil {
			return fmt.Errorf("%w (see %s)", err, pglLog.Name())
		}
		logf("PostGraphile on %s as %s", pglAddr, hubLogin)
	}

	// The runners, and a check that every system returns the hub's page.
	client := newClient(o.clients)
	pids := map[string]int{sysPonte: hub.cmd.Process.Pid}
	if pgl != nil {
		pids[sysPostGraphile] = pgl.cmd.Process.Pid
	}
	runners := map[cell]runner{}
	var cells []cell
	for _, p := range principals {
		for _, s := range o.systems {
			c := cell{s, p}
			cells = append(cells, c)
			switch s {
			case sysPonte, sysPostGraphile:
				t, err := target(s, p, ponteAddr, pglAddr, tokens)
				if err != nil {
					return err
				}
				runners[c] = func(ctx context.Context, d time.Duration) (result, error) {
					return drive(ctx, client, t, o.clients, d)
				}
			case sysPgbench:
				r := replays[p.Name]
				runners[c] = func(ctx context.Context, d time.Duration) (result, error) {
					return pgbench(ctx, pgbenchBin, hubURL, r, dir, o.clients, d)
				}
			}
		}
	}
	if err := checkSamePage(ctx, cells, ponteAddr, pglAddr, tokens, logf); err != nil {
		return err
	}

	// (c) Warm-up, then interleaved rounds.
	if o.warmup > 0 {
		logf("warm-up: %s per system and principal", o.warmup)
		for _, c := range cells {
			if _, err := runners[c](ctx, o.warmup); err != nil {
				return fmt.Errorf("warm-up %s/%s: %w", c.system, c.principal.Name, err)
			}
		}
	}
	results := map[cell][]result{}
	for r := range o.rounds {
		order := rotate(cells, r)
		for _, c := range order {
			meter := newCPUMeter(pids[c.system])
			meter.start()
			got, err := runners[c](ctx, o.duration)
			got.ServerCPU, got.DBCPU = meter.end()
			if err != nil {
				return fmt.Errorf("round %d, %s/%s: %w", r+1, c.system, c.principal.Name, err)
			}
			results[c] = append(results[c], got)
			logf("round %d  %-13s %-14s %7.1f/s  p50 %6.1f ms  CPU/page %5.1f + %5.1f ms", r+1, c.system, c.principal.Name, got.Rate(),
				ms(percentile(got.Latencies, 50)), ms(got.perPage(got.ServerCPU)), ms(got.perPage(got.DBCPU)))
		}
	}

	// (f) The tables.
	rep := report{
		Cases: cases, Synthetic: synthetic, Clients: o.clients, Rounds: o.rounds, Duration: o.duration, Warmup: o.warmup,
		Systems: o.systems, Results: results, Cells: cells,
		Machine: machine(), When: time.Now(),
	}
	text := rep.markdown()
	fmt.Fprint(stdout, text)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// target is the HTTP request of system s for principal p.
func target(s string, p principal, ponteAddr, pglAddr string, tokens map[string]token) (httpTarget, error) {
	switch s {
	case sysPonte:
		body, err := pageBody(ponteQuery, map[string]any{"first": pageSize})
		if err != nil {
			return httpTarget{}, err
		}
		tok := tokens[p.Name]
		return httpTarget{URL: "http://" + ponteAddr + "/graphql", Body: body,
			Headers: map[string]string{"Authorization": tok.bearer, auth.PurposeHeader: tok.purpose}}, nil
	case sysPostGraphile:
		body, err := pageBody(postgraphileQuery, map[string]any{"first": pageSize})
		if err != nil {
			return httpTarget{}, err
		}
		return httpTarget{URL: "http://" + pglAddr + "/graphql", Body: body,
			Headers: map[string]string{"X-Ponte-Load-Principal": p.Name}}, nil
	}
	return httpTarget{}, fmt.Errorf("no HTTP target for %s", s)
}

// checkSamePage fetches the page once from each HTTP system for each principal and
// fails unless PostGraphile's is the hub's: the same cases in the same order, the same
// total and as many nested rows.
func checkSamePage(ctx context.Context, cells []cell, ponteAddr, pglAddr string, tokens map[string]token, logf func(string, ...any)) error {
	client := newClient(1)
	pages := map[string]map[string]pageSummary{}
	for _, cl := range cells {
		if cl.system == sysPgbench {
			continue
		}
		t, err := target(cl.system, cl.principal, ponteAddr, pglAddr, tokens)
		if err != nil {
			return err
		}
		raw, err := t.post(ctx, client)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", cl.system, cl.principal.Name, err)
		}
		sum, err := summarise(raw)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", cl.system, cl.principal.Name, err)
		}
		if len(sum.References) != pageSize {
			return fmt.Errorf("%s/%s: %d cases on the page, want %d", cl.system, cl.principal.Name, len(sum.References), pageSize)
		}
		if pages[cl.principal.Name] == nil {
			pages[cl.principal.Name] = map[string]pageSummary{}
		}
		pages[cl.principal.Name][cl.system] = sum
		logf("%s/%s: total %d; %s", cl.system, cl.principal.Name, sum.Total, sum.Counts())
	}
	for who, bySys := range pages {
		hub, ok1 := bySys[sysPonte]
		pgl, ok2 := bySys[sysPostGraphile]
		if ok1 && ok2 {
			if d := samePage(hub, pgl); d != "" {
				return fmt.Errorf("%s: PostGraphile's page is not the hub's: %s", who, d)
			}
		}
	}
	return nil
}

// rotate is cells starting at round r's offset, so that no cell always runs first or
// right after the same neighbour.
func rotate(cells []cell, r int) []cell {
	if len(cells) == 0 {
		return nil
	}
	k := r % len(cells)
	return append(append([]cell(nil), cells[k:]...), cells[:k]...)
}

// pgbench replays the page with clients connections for d, each running the page's
// statements as one transaction after another, prepared (as pgx prepares them).
func pgbench(ctx context.Context, bin, url string, r replay, dir string, clients int, d time.Duration) (result, error) {
	script, err := os.CreateTemp(dir, "page-*.sql")
	if err != nil {
		return result{}, err
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString(r.Script); err != nil {
		script.Close()
		return result{}, err
	}
	script.Close()
	prefix := filepath.Join(dir, fmt.Sprintf("pgbench-%d", time.Now().UnixNano()))
	threads := min(clients, runtime.NumCPU())
	args := []string{"--no-vacuum", "--protocol=prepared", "--client=" + strconv.Itoa(clients), "--jobs=" + strconv.Itoa(threads),
		"--time=" + strconv.Itoa(int(d/time.Second)), "--file=" + script.Name(), "--log", "--log-prefix=" + prefix}
	for _, v := range r.Vars {
		args = append(args, "--define="+v)
	}
	args = append(args, url)
	out, err := runTool(ctx, []string{"PGOPTIONS=" + pgOptions()}, dir, bin, args...)
	lat, lerr := readPgbenchLogs(prefix)
	if err != nil {
		return result{}, err
	}
	if lerr != nil {
		return result{}, lerr
	}
	res, err := parsePgbench(out)
	if err != nil {
		return result{}, fmt.Errorf("%w\n%s", err, out)
	}
	if res.Failed > 0 {
		return result{}, fmt.Errorf("pgbench: %d failed transactions\n%s", res.Failed, out)
	}
	if len(lat) != res.Processed {
		return result{}, fmt.Errorf("pgbench: %d transactions, %d in its logs", res.Processed, len(lat))
	}
	// The rate is pgbench's own (transactions over the time its clients ran, without
	// connecting); the elapsed time is derived from it so that rounds merge alike.
	el := time.Duration(0)
	if res.TPS > 0 {
		el = time.Duration(float64(res.Processed) / res.TPS * float64(time.Second))
	}
	return result{Requests: res.Processed, Elapsed: el, Latencies: lat}, nil
}

// seed loads the demo data and scale synthetic participants unless the database holds
// them already (ponte seed skips what is there), and returns the number of cases and of
// synthetic ones. A database seeded at another scale is refused: its figures would be
// another scale's.
func seed(ctx context.Context, ponteBin, owner string, scale int, logf func(string, ...any)) (int, int, error) {
	logf("seeding --scale %d (skipped if already seeded) …", scale)
	start := time.Now()
	if _, err := runTool(ctx, []string{"DATABASE_URL=" + owner}, "", ponteBin, "seed", "--scale", strconv.Itoa(scale), "--quiet"); err != nil {
		return 0, 0, err
	}
	conn, err := pgx.Connect(ctx, owner)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	var cases, synthetic int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE reference LIKE 'SYN-%') FROM cases`).Scan(&cases, &synthetic); err != nil {
		return 0, 0, err
	}
	if synthetic != scale {
		return 0, 0, fmt.Errorf("the database holds %d synthetic cases, not %d: use a fresh database for --scale %d", synthetic, scale, scale)
	}
	logf("%d cases (%d synthetic), in %s", cases, synthetic, time.Since(start).Round(time.Millisecond))
	return cases, synthetic, nil
}

// roundTrips counts the statements' round trips: a batch is one.
func roundTrips(stmts []statement) int {
	n, last := 0, -1
	for _, s := range stmts {
		if s.Batch == 0 || s.Batch != last {
			n++
		}
		last = s.Batch
	}
	return n
}

func findPgbench(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench"); len(m) > 0 {
		return m[len(m)-1], nil
	}
	return "", errors.New("pgbench not found (Debian: apt-get install postgresql-client); -systems ponte,postgraphile leaves it out")
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// moduleRoot is the checkout this program belongs to: the nearest go.mod above the
// working directory that declares the hub's module.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/ponte-hub/ponte\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from the ponte checkout (no go.mod of github.com/ponte-hub/ponte above the working directory)")
		}
		dir = parent
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
