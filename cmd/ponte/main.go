// Command ponte is the hub's one binary: the API server, the demo, migrations, registry
// sync and simulators, imports, reports, tokens and the access-log audit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"syscall"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/cli/importcmd"
	"github.com/ponte-hub/ponte/internal/cli/reportcmd"
	"github.com/ponte-hub/ponte/internal/cli/rightscmd"
	"github.com/ponte-hub/ponte/internal/cli/synccmd"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

// commands is the table of subcommands; each lives in a file named after it, or in a
// package of internal/cli when it does more than parse flags and wire the hub.
var commands = map[string]command{
	"serve":        {"serve the GraphQL API (production: DATABASE_URL required)", runServe},
	"demo":         {"start a local database, load demo data, start the registry simulators and serve the API", runDemo},
	"migrate":      {"apply migrations (migrate up) or list them (migrate status)", runMigrate},
	"registry-sim": {"serve the simulated registries (benefits, labour, school) with a PDND token endpoint", runRegistrySim},
	"seed":         {"load the demo data (and --scale N synthetic participants) into DATABASE_URL", runSeed},
	"sync":         {"read the registries (benefits, labour, school) into the database now", synccmd.Run},
	"with-db":      {"run a command with DATABASE_URL pointing at a throw-away local PostgreSQL", runWithDB},
	"token":        {"issue, list or revoke partner tokens (ponte token issue --role R --org O --purpose P)", runToken},
	"audit":        {"verify the access log's hash chain, or list who accessed a person's data", runAudit},
	"rights":       {"record, assign, extend, close and list data-subject requests (GDPR Art. 15-21)", rightscmd.RunRights},
	"retention":    {"what the retention rules would restrict, pseudonymise or erase on a day (dry run)", rightscmd.RunRetention},
	"import":       {"load ESF+ operations, participants, situations, targets or supported entities (CSV), or UNILAV files", importcmd.Run},
	"report":       {"ESF+ reports: common indicators (CSV/XLSX), drill-down, profile tables, IN01, freeze and verify", reportcmd.Run},
	"version":      {"print the version and the commit the binary was built from", runVersion},
}

// help reads the table it is in.
func init() {
	commands["help"] = command{"print this list, or a command's usage (ponte help COMMAND)", runHelp}
}

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// defaultGCPercent is the collector's target when GOGC is not set. A GraphQL request
// allocates tens of thousands of small objects (field contexts, marshallers, rows), all
// dead when the response is written, over a live heap of a few tens of megabytes; at Go's
// default of 100 the collector ran every few requests and took a quarter of the CPU of a
// 50-case page (the page's median fell from 28 to 21 ms at 400 in BenchmarkAccessOverhead).
// GOGC and GOMEMLIMIT, when set, decide instead, as the runtime documents.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless the environment sets GOGC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

// run runs the command args name and returns the exit status: 0 on success and for
// asked-for usage (printed on stdout), 2 for a command line that is wrong (usage on
// stderr), 1 when the command failed, or the status of with-db's child.
func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage(os.Stderr)
		return 2
	}
	if cli.IsHelp(args[0]) && args[0] != "help" {
		usage(os.Stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "ponte: unknown command %q\n\n", args[0])
		usage(os.Stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:])
	var ue cli.UsageError
	var ee cli.ExitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if ue.Msg != "" && !ue.Shown {
			fmt.Fprintln(os.Stderr, "ponte "+args[0]+":", ue.Msg)
		}
		return 2
	case errors.As(err, &ee):
		return ee.Code
	}
	fmt.Fprintln(os.Stderr, "ponte "+args[0]+":", err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ponte <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ponte <command> -h' for a command's flags.")
}

// runHelp prints the command list, or a command's usage as `ponte COMMAND -h` does.
func runHelp(ctx context.Context, args []string) error {
	if len(args) == 0 || cli.IsHelp(args[0]) {
		usage(os.Stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok || args[0] == "help" {
		usage(os.Stderr)
		return cli.UsageErrorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, append(args[1:len(args):len(args)], "-h"))
}
