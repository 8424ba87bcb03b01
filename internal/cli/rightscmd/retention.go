package rightscmd

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/retention"
)

const retentionUsage = `usage: ponte retention plan [--at DATE]
What the retention job (run daily on the registry queue) would do on DATE (default today),
without doing it: the persons it would restrict or pseudonymise, under which rule and since
which day, and the registry copies and access-log entries past their period.`

// RunRetention reports on the retention rules.
func RunRetention(ctx context.Context, args []string) error {
	return cli.Subcommand(ctx, args, retentionUsage, map[string]func(context.Context, []string) error{"plan": retentionPlan})
}

func retentionPlan(ctx context.Context, args []string) error {
	fs := rightsFlags("plan")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), retentionUsage) }
	at := fs.String("at", time.Now().Format(time.DateOnly), "the day to plan for (YYYY-MM-DD)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.UsageErrorf("unexpected argument %q", fs.Arg(0))
	}
	day, err := dateFlag("at", *at)
	if err != nil {
		return cli.UsageErrorf("%v", err)
	}
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := retention.New(st).Plan(ctx, day)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(cli.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "retention plan for %s (dry run: nothing was changed)\n\n", p.On.Format(time.DateOnly))
	fmt.Fprintln(w, "PERSON\tRULE\tEXPIRED ON\tSTEP\tFROM")
	for _, d := range p.Persons {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", d.PersonID, d.Rule, d.DueOn.Format(time.DateOnly), d.Step, d.StepOn.Format(time.DateOnly))
	}
	fmt.Fprintf(w, "\n%d persons\n\nREGISTRY COPIES TO ERASE\tCOUNT\n", len(p.Persons))
	tables := make([]string, 0, len(p.RegistryCopies))
	for t := range p.RegistryCopies {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(w, "%s\t%d\n", t, p.RegistryCopies[t])
	}
	fmt.Fprintf(w, "\naccess-log entries past their period: %d (kept: the log is append-only; move its anchor to cut it)\n", p.AccessLogEntries)
	return w.Flush()
}
