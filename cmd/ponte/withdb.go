package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/pgserver"
)

// runWithDB starts a throw-away PostgreSQL, runs a command with DATABASE_URL pointing at
// it, and removes it afterwards: the test suite runs this way on a fresh machine.
func runWithDB(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("with-db", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte with-db -- COMMAND [ARGS...]\n\nWhen DATABASE_URL is already set, the command runs against it unchanged.")
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return cli.UsageErrorf("no command given")
	}
	run := func() error {
		cmd := exec.CommandContext(ctx, fs.Arg(0), fs.Args()[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return cli.ExitError{Code: ee.ExitCode()}
		}
		return err
	}
	if os.Getenv("DATABASE_URL") != "" {
		return run()
	}
	srv, err := pgserver.StartTemp(ctx, "ponte-with-db-")
	if err != nil {
		return err
	}
	defer srv.Stop()
	os.Setenv("DATABASE_URL", srv.URL("postgres"))
	fmt.Fprintf(os.Stderr, "ponte with-db: PostgreSQL on port %d\n", srv.Port())
	return run()
}
