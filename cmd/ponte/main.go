// Command ponte is the hub's one binary: the API server, the demo, migrations, registry
// sync and simulators, imports, reports, tokens and the access-log audit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

// commands is the table of subcommands; each lives in a file named after it.
var commands = map[string]command{
	"serve":        {"serve the GraphQL API (production: DATABASE_URL required)", runServe},
	"demo":         {"start a local database, load demo data, start the registry simulators and serve the API", runDemo},
	"migrate":      {"apply migrations (migrate up) or list them (migrate status)", runMigrate},
	"registry-sim": {"serve the simulated registries (benefits, labour, school) with a PDND token endpoint", runRegistrySim},
	"seed":         {"load the demo data (and --scale N synthetic participants) into DATABASE_URL", runSeed},
	"sync":         {"read the registries (benefits, labour, school) into the database now", runSync},
	"with-db":      {"run a command with DATABASE_URL pointing at a throw-away local PostgreSQL", runWithDB},
	"token":        {"issue, list or revoke partner tokens (ponte token issue --role R --org O --purpose P)", runToken},
	"audit":        {"verify the access log's hash chain, or list who accessed a person's data", runAudit},
	"import":       {"load ESF+ operations, participants, situations, targets or supported entities (CSV), or UNILAV files", runImport},
	"report":       {"ESF+ reports: common indicators (CSV/XLSX), drill-down, profile tables, IN01, freeze and verify", runReport},
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "ponte: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "ponte "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

// exitError carries a child command's exit status through with-db.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ponte <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'ponte <command> -h' for a command's flags.")
}

// subcommand runs the handler args[0] names, or prints usage: commands with verbs
// (token issue|list|revoke, audit verify|person) share it.
func subcommand(ctx context.Context, args []string, usage string, handlers map[string]func(context.Context, []string) error) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return flag.ErrHelp
	}
	h, ok := handlers[args[0]]
	if !ok {
		fmt.Fprintln(os.Stderr, usage)
		return fmt.Errorf("unknown subcommand %q", args[0])
	}
	return h(ctx, args[1:])
}
