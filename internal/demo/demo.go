// Package demo owns the hub's demo data: the Pisa ALI operation rebuilt from its published
// tables, a few Turin TO-HOME cases, and synthetic participants at any scale for load tests.
package demo

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/demo/progress"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
)

// baseSeed fixes the demo: the same people, tax codes and projects on every load.
const baseSeed = 20201001

// MaxScale bounds Options.Scale.
const MaxScale = 5_000_000

// Options tune Load.
type Options struct {
	// Scale adds this many synthetic participants, with their households, cases, projects
	// and interventions, in operations of their own.
	Scale int
}

// Summary says what Load did.
type Summary struct {
	// DemoLoaded: the ALI and TO-HOME data were loaded. When false, DemoSkipped says why.
	DemoLoaded  bool
	DemoSkipped string
	// ScaleParticipants synthetic participants were loaded in ScaleOperations operations.
	// When a scale was asked for and nothing was loaded, ScaleSkipped says why.
	ScaleParticipants int
	ScaleOperations   int
	ScaleSkipped      string
	// Rows counts the rows written per table.
	Rows    map[string]int
	Elapsed time.Duration
}

// TotalRows is the number of rows written.
func (s Summary) TotalRows() int {
	n := 0
	for _, v := range s.Rows {
		n += v
	}
	return n
}

// String renders the summary for people, one fact a line.
func (s Summary) String() string {
	var b strings.Builder
	if s.DemoLoaded {
		fmt.Fprintf(&b, "demo: loaded the ALI operation %s (%d participants in %d rounds) and %d TO-HOME cases in Turin\n",
			ALIOperationCode, aliParticipants(), len(aliRounds), len(turinCases))
	} else {
		fmt.Fprintf(&b, "demo: skipped: %s\n", s.DemoSkipped)
	}
	switch {
	case s.ScaleParticipants > 0:
		fmt.Fprintf(&b, "scale: loaded %d synthetic participants in %d operation(s)\n", s.ScaleParticipants, s.ScaleOperations)
	case s.ScaleSkipped != "":
		fmt.Fprintf(&b, "scale: skipped: %s\n", s.ScaleSkipped)
	}
	tables := make([]string, 0, len(s.Rows))
	for t := range s.Rows {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(&b, "  %-19s %9d\n", t, s.Rows[t])
	}
	total := s.TotalRows()
	fmt.Fprintf(&b, "rows: %d in %s", total, s.Elapsed.Round(time.Millisecond))
	if secs := s.Elapsed.Seconds(); secs > 0 && total > 0 {
		fmt.Fprintf(&b, " (%.0f rows/s)", float64(total)/secs)
	}
	return b.String()
}

func (s *Summary) add(d *bulk.Data) {
	for t, n := range d.RowsByTable() {
		s.Rows[t] += n
	}
}

func aliParticipants() int {
	n := 0
	for _, r := range aliRounds {
		n += r.Participants
	}
	return n
}

// generateBase builds the ALI and TO-HOME data in memory, with the dataset export.
func generateBase() (*generator, error) {
	g := newGenerator(baseSeed, &bulk.Data{})
	g.export = &[]Person{}
	g.addOrganisations()
	if err := g.addALI(); err != nil {
		return nil, fmt.Errorf("demo: ALI: %w", err)
	}
	if err := g.addTurin(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return g, nil
}

// Load writes the demo, and opts.Scale synthetic participants, into the store in one
// transaction. A database that already holds the demo (its ALI operation) keeps it and only
// gets the synthetic participants, unless those are there too; w, when not nil, receives
// a one-line progress display.
func Load(ctx context.Context, st *store.Store, opts Options, w io.Writer) (Summary, error) {
	if opts.Scale < 0 || opts.Scale > MaxScale {
		return Summary{}, fmt.Errorf("demo: scale: must be between 0 and %d, got %d", MaxScale, opts.Scale)
	}
	began := time.Now()
	sum := Summary{Rows: map[string]int{}}
	g, err := generateBase()
	if err != nil {
		return sum, err
	}
	bar := progress.New(w)
	defer bar.Finish()
	l, err := bulk.Begin(ctx, st, bulk.Options{Progress: bar.Update, DeferForeignKeys: true})
	if err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	defer func() { _ = l.Rollback(ctx) }()
	keys, err := l.Keys(ctx)
	if err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	if _, ok := keys.Operations[ALIOperationCode]; ok {
		sum.DemoSkipped = fmt.Sprintf("the database already holds the demo (operation %s)", ALIOperationCode)
		if err := g.useKeys(keys); err != nil {
			return sum, err
		}
	} else {
		bar.Phase("demo", 0)
		if err := l.Load(ctx, g.out); err != nil {
			return sum, fmt.Errorf("demo: load ALI and TO-HOME data: %w", err)
		}
		sum.add(g.out)
		sum.DemoLoaded = true
	}
	if opts.Scale > 0 {
		if _, ok := keys.Operations[scaleOperationCode(1)]; ok {
			sum.ScaleSkipped = fmt.Sprintf("the database already holds synthetic participants (operation %s)", scaleOperationCode(1))
		} else if err := g.scale(ctx, l, opts.Scale, bar, &sum); err != nil {
			return sum, err
		}
	}
	if err := l.Commit(ctx); err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	sum.Elapsed = time.Since(began)
	return sum, nil
}
