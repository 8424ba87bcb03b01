package synccmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// Run synchronises registry data into DATABASE_URL, in this process (not through the
// job queue, so it works with no hub running): every collection of the chosen sources is
// read from its saved cursor to the end of its pass, with a progress bar on stderr and a
// summary on stdout. With --enqueue it hands the syncs to the hub's job queue instead.
func Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	sourceFlag := fs.String("source", "all", "benefits, labour, school or all (comma-separated)")
	registry := fs.String("registry", "", "base URL of the registries, overriding PONTE_REGISTRY_<SOURCE>_URL for the chosen sources")
	collection := fs.String("collection", "", "sync only this collection (benefit-cases, isee, labour-status, employment-events, school-records)")
	maxPages := fs.Int("max-pages", 0, "stop each collection after this many pages (0: to the end); the cursor is kept for the next run")
	pageSize := fs.Int("page-size", 0, "records per page (default PONTE_REGISTRY_PAGE_SIZE or 500)")
	enqueue := fs.Bool("enqueue", false, "enqueue the syncs on the hub's job queue and return, instead of running them here")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: ponte sync [flags]

Reads the registries into DATABASE_URL now. Each page is stored with the cursor that
follows it, so an interrupted sync resumes where it stopped. The registries and their
authentication come from the environment (see README, "Registries"); --registry points
every chosen source at one base URL (e.g. a 'ponte registry-sim').

The summary counts per collection: fetched (records received), stored (new or changed),
unchanged, quarantined (malformed, kept with the reason) and failed (collections that
stopped on an error: rerun to resume). Exit status 1 when any failed.

flags:`)
		fs.PrintDefaults()
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	sources, err := parseSourceFlag(*sourceFlag)
	if err != nil {
		return err
	}
	colls := syncjob.CollectionsOf(sources)
	if *collection != "" {
		var only []syncjob.Collection
		for _, c := range colls {
			if c.Name == *collection {
				only = append(only, c)
			}
		}
		if len(only) == 0 {
			return fmt.Errorf("--collection: %q is not a collection of %s", *collection, strings.Join(sources, ", "))
		}
		colls = only
	}
	if *maxPages < 0 {
		return errors.New("--max-pages: must not be negative")
	}
	cfg, err := registryConfig(sources, *registry)
	if err != nil {
		return err
	}
	if *pageSize != 0 {
		cfg.PageSize = *pageSize
	}
	st, err := cli.OpenStore(ctx, store.Config{StatementTimeout: time.Minute, MaxConns: 4})
	if err != nil {
		return err
	}
	defer st.Close()
	conn, err := syncjob.NewConnectors(cfg, nil)
	if err != nil {
		return err
	}
	sy, err := syncjob.NewSyncer(st, conn, cfg, syncjob.WithLogger(cli.NewLogger(quietLevel())))
	if err != nil {
		return err
	}
	if err := sy.Configure(ctx); err != nil {
		return fmt.Errorf("%w (has 'ponte migrate up' been run?)", err)
	}

	if *enqueue {
		q, err := syncjob.NewQueue(st, sy, syncjob.QueueOptions{NoSchedule: true, Logger: cli.NewLogger(quietLevel())})
		if err != nil {
			return err
		}
		for _, c := range colls {
			id, err := q.EnqueueSync(ctx, c)
			if err != nil {
				return err
			}
			fmt.Fprintf(cli.Stdout, "%-28s job %d\n", c, id)
		}
		return nil
	}

	bar := newProgressBar(os.Stderr, len(colls))
	results := make([]syncResult, 0, len(colls))
	for i, c := range colls {
		sum, err := sy.SyncCollection(ctx, c, syncjob.SyncOptions{MaxPages: *maxPages, Detail: "ponte sync", Progress: func(p syncjob.Progress) {
			bar.update(i, p)
		}})
		results = append(results, syncResult{c: c, sum: sum, err: err})
		if ctx.Err() != nil {
			break
		}
	}
	bar.finish()
	return printSyncSummary(cli.Stdout, results)
}

// registryConfig reads the registries' configuration from the environment; --registry
// fills in (or overrides) the base URL of every chosen source.
func registryConfig(sources []string, registry string) (syncjob.Config, error) {
	getenv := os.Getenv
	if registry != "" {
		getenv = func(k string) string {
			for _, s := range sources {
				if k == "PONTE_REGISTRY_"+strings.ToUpper(s)+"_URL" {
					return registry
				}
			}
			return os.Getenv(k)
		}
	}
	cfg, err := syncjob.ConfigFromEnv(getenv)
	if err != nil {
		return cfg, err
	}
	for _, s := range sources {
		if _, ok := cfg.Sources[s]; !ok {
			return cfg, fmt.Errorf("source %s is not configured: set PONTE_REGISTRY_%s_URL or pass --registry", s, strings.ToUpper(s))
		}
	}
	return cfg, nil
}

// quietLevel keeps the engine's warnings off the progress bar unless asked for.
func quietLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(cli.EnvOr("PONTE_LOG_LEVEL", "error"))); err != nil {
		return slog.LevelError
	}
	return l
}

type syncResult struct {
	c   syncjob.Collection
	sum syncjob.Summary
	err error
}

func printSyncSummary(w io.Writer, results []syncResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "collection\tfetched\tstored\tunchanged\tquarantined\tfailed\t")
	var total syncjob.Summary
	var errs []error
	for _, r := range results {
		s := r.sum
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", r.c, s.Fetched, s.Stored, s.Unchanged, s.Quarantined, s.Failed)
		total = total.Add(s)
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t\n", total.Fetched, total.Stored, total.Unchanged, total.Quarantined, total.Failed)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, err := range errs {
		fmt.Fprintln(w, "failed:", err)
		if client.IsRetryable(err) {
			fmt.Fprintln(w, "  the registry may recover: run the sync again to resume from the saved cursor")
		}
	}
	if len(errs) > 0 {
		return cli.ExitError{Code: 1}
	}
	return nil
}

// progressBar draws, on a terminal, a bar over the collections (schollz/progressbar)
// with the counts of the current one. Elsewhere (a log file) it writes a line when each
// collection ends, and every five seconds.
type progressBar struct {
	mu   sync.Mutex
	w    io.Writer
	pb   *progressbar.ProgressBar // nil when w is not a terminal
	last time.Time
}

func newProgressBar(f *os.File, total int) *progressBar {
	b := &progressBar{w: f}
	if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		b.pb = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(20), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetRenderBlankState(true))
	}
	return b
}

func progressLine(p syncjob.Progress) string {
	s := p.Summary
	rate := 0.0
	if secs := p.Elapsed.Seconds(); secs > 0 {
		rate = float64(s.Fetched) / secs
	}
	line := fmt.Sprintf("%-26s page %d · %d fetched · %d stored · %d unchanged · %d quarantined · %.0f rec/s",
		p.Collection, s.Pages, s.Fetched, s.Stored, s.Unchanged, s.Quarantined, rate)
	if p.Err != nil {
		line += " · FAILED"
	}
	return line
}

func (b *progressBar) update(i int, p syncjob.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	line := progressLine(p)
	if b.pb == nil {
		if p.Done || time.Since(b.last) > 5*time.Second {
			fmt.Fprintln(b.w, line)
			b.last = time.Now()
		}
		return
	}
	done := i
	if p.Done {
		done++
	}
	b.pb.Describe(line)
	_ = b.pb.Set(done)
}

func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pb != nil {
		_ = b.pb.Exit()
		fmt.Fprintln(b.w)
	}
}

// parseSourceFlag reads --source, naming a wrong value and the ones it takes.
func parseSourceFlag(v string) ([]string, error) {
	known := append(slices.Clone(syncjob.Sources), "all")
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(strings.ToLower(part)); !slices.Contains(known, p) {
			return nil, cli.UsageErrorf("--source: unknown source %q (%s)", part, strings.Join(known, ", "))
		}
	}
	sources, err := syncjob.ParseSources(v)
	if err != nil {
		return nil, cli.UsageErrorf("--source: %s", err)
	}
	return sources, nil
}
