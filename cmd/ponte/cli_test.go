package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// runMainEnv makes the test binary run main() instead of the tests: the command-line
// tests run ponte as a process, with its real exit status and streams.
const runMainEnv = "PONTE_TEST_RUN_MAIN"

func init() {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"ponte"}, strings.Fields(os.Getenv(runMainEnv+"_ARGS"))...)
		main()
	}
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// cliBundle runs ponte with DATABASE_URL and PONTE_MIGRATE_DATABASE_URL pointing at a
// listener that counts the connections it is offered.
type cliBundle struct {
	dbConnections *atomic.Int64
	dbURL         string
}

func setupCLI(t *testing.T) *cliBundle {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	b := &cliBundle{dbConnections: &atomic.Int64{}, dbURL: "postgres://nobody@" + ln.Addr().String() + "/none?connect_timeout=1&sslmode=disable"}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.dbConnections.Add(1)
			c.Close()
		}
	}()
	return b
}

func (b *cliBundle) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", runMainEnv+"_ARGS="+strings.Join(args, " "),
		"DATABASE_URL="+b.dbURL, "PONTE_MIGRATE_DATABASE_URL="+b.dbURL)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := cliResult{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return r
}

// every command and subcommand of the binary
var commandLines = [][]string{
	{"serve"}, {"demo"}, {"migrate"}, {"migrate", "up"}, {"migrate", "status"}, {"registry-sim"}, {"seed"}, {"sync"},
	{"with-db"}, {"token"}, {"token", "issue"}, {"token", "list"}, {"token", "revoke"}, {"audit"}, {"audit", "verify"},
	{"audit", "person"}, {"import"}, {"import", "operations"}, {"import", "participants"}, {"import", "situations"},
	{"import", "targets"}, {"import", "unilav"}, {"report"}, {"report", "esf"}, {"report", "drill"}, {"report", "profile"},
	{"report", "in01"}, {"report", "puc"}, {"report", "freeze"}, {"report", "verify"}, {"report", "frozen"},
	{"report", "keygen"}, {"rights"}, {"rights", "create"}, {"rights", "assign"}, {"rights", "extend"}, {"rights", "close"},
	{"rights", "list"}, {"rights", "overdue"}, {"retention"}, {"retention", "plan"}, {"version"}, {"help"},
}

// Asking for usage, anywhere, prints it on stdout, exits 0 and touches no database.
func TestEveryCommandAnswersHelpWithoutADatabase(t *testing.T) {
	b := setupCLI(t)
	covered := map[string]bool{}
	for _, line := range commandLines {
		covered[line[0]] = true
	}
	for name := range commands {
		require.True(t, covered[name], "command %s is missing from commandLines", name)
	}
	lines := [][]string{{"-h"}, {"--help"}, {"help"}, {"help", "token"}, {"help", "report"}}
	for _, line := range commandLines {
		lines = append(lines, append(append([]string{}, line...), "-h"))
	}
	lines = append(lines, []string{"report", "esf", "--help"}, []string{"migrate", "up", "--help"})
	for _, line := range lines {
		t.Run(strings.Join(line, " "), func(t *testing.T) {
			r := b.run(t, line...)
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			require.Empty(t, r.stderr)
			require.Contains(t, strings.ToLower(r.stdout), "usage")
			require.NotContains(t, r.stdout, "unknown subcommand")
		})
	}
	require.Zero(t, b.dbConnections.Load(), "no command asked for help connected to the database")
}

// A wrong command line exits 2, with the usage and what was wrong on stderr, once.
func TestWrongCommandLinesExitTwoWithUsageOnStderr(t *testing.T) {
	b := setupCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: ponte <command>"},
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
		{[]string{"token"}, "usage: ponte token issue"},
		{[]string{"token", "nope"}, `unknown subcommand "nope"`},
		{[]string{"migrate", "sideways"}, `unknown subcommand "sideways"`},
		{[]string{"report", "chart"}, `unknown subcommand "chart"`},
		{[]string{"import", "people"}, `unknown subcommand "people"`},
		{[]string{"report", "esf", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"sync", "--source", "nope"}, `--source: unknown source "nope" (benefits, labour, school, all)`},
		{[]string{"token", "issue", "--org", "X"}, "--role is required ("},
		{[]string{"token", "issue", "--role", "boss", "--org", "X"}, `--role: unknown role "boss" (social_worker,`},
		{[]string{"with-db"}, "usage: ponte with-db"},
		{[]string{"rights", "create", "--kind", "ACCESS"}, "--person, --kind and --received are required"},
		{[]string{"rights", "overdue", "--on", "31/01/2025"}, "--on: "},
		{[]string{"rights", "assign", "--to", "x"}, "REQUEST_ID is required"},
		{[]string{"retention", "plan", "--at", "tomorrow"}, "--at: "},
		{[]string{"version", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := b.run(t, tc.args...)
			require.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			require.Empty(t, r.stdout)
			require.Contains(t, r.stderr, tc.want)
			require.Equal(t, 1, strings.Count(r.stderr, tc.want), "said once: %s", r.stderr)
			require.NotContains(t, r.stderr, "syncjob:")
			require.NotContains(t, r.stderr, "access:")
		})
	}
	require.Zero(t, b.dbConnections.Load())
}

func TestVersionNamesTheCommit(t *testing.T) {
	r := setupCLI(t).run(t, "version")
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `^ponte \S+ commit \S+`, r.stdout)
}
