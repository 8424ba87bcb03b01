// Command ponte is the hub's one binary: the API server, the demo, migrations, registry
// sync and simulators, imports, reports, tokens and the access-log audit.
package main

import (
	"bytes"
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
	"rights":       {"record, assign, extend, close and list data-subject requests (GDPR Art. 15-21)", runRights},
	"retention":    {"what the retention rules would restrict, pseudonymise or erase on a day (dry run)", runRetention},
	"import":       {"load ESF+ operations, participants, situations, targets or supported entities (CSV), or UNILAV files", runImport},
	"report":       {"ESF+ reports: common indicators (CSV/XLSX), drill-down, profile tables, IN01, freeze and verify", runReport},
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
// allocates a FieldContext, closures and a goroutine per field and list element, all dead
// when the response is written, over a live heap of a few tens of megabytes; at Go's
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
	if isHelp(args[0]) && args[0] != "help" {
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
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if ue.msg != "" && !ue.shown {
			fmt.Fprintln(os.Stderr, "ponte "+args[0]+":", ue.msg)
		}
		return 2
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "ponte "+args[0]+":", err)
	return 1
}

// exitError carries a child command's exit status through with-db.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a command line that is wrong: the usage is already on stderr, msg (when
// set) says what was wrong, shown when the flag package has printed it already, and the
// exit status is 2.
type usageError struct {
	msg   string
	shown bool
}

func (e usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
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
	if len(args) == 0 || isHelp(args[0]) {
		usage(os.Stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok || args[0] == "help" {
		usage(os.Stderr)
		return usageErrorf("unknown command %q", args[0])
	}
	return cmd.run(ctx, append(args[1:len(args):len(args)], "-h"))
}

// parseFlags parses args into fs. Asked for (-h), the usage goes to stdout and the
// result is flag.ErrHelp; a wrong flag prints the flag package's message and the usage
// on stderr once, and is a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = os.Stdout.Write(buf.Bytes())
		return flag.ErrHelp
	case err != nil:
		_, _ = os.Stderr.Write(buf.Bytes())
		return usageError{msg: err.Error(), shown: true}
	}
	return nil
}

// subcommand runs the handler args[0] names, or prints usage: commands with verbs
// (token issue|list|revoke, audit verify|person, migrate, import, report) share it.
func subcommand(ctx context.Context, args []string, usage string, handlers map[string]func(context.Context, []string) error) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return usageError{}
	}
	if isHelp(args[0]) {
		fmt.Fprintln(os.Stdout, usage)
		return flag.ErrHelp
	}
	h, ok := handlers[args[0]]
	if !ok {
		fmt.Fprintln(os.Stderr, usage)
		return usageErrorf("unknown subcommand %q", args[0])
	}
	return h(ctx, args[1:])
}

// simpleFlags is the flag set of a subcommand that takes only positional arguments,
// so that -h answers with its usage.
func simpleFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), usage) }
	return fs
}
