package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/ponte-hub/ponte/internal/cli"
)

// runVersion prints the module version and the commit the binary was built from, as the
// Go toolchain recorded them.
func runVersion(_ context.Context, args []string) error {
	fs := cli.SimpleFlags("version", "usage: ponte version\n\nPrints the version and the commit (vcs.revision) of this binary.")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cli.UsageErrorf("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(cli.Stdout, versionLine())
	return nil
}

// buildVersion is the module version and commit, for the traces' resource.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return bi.Main.Version + "+" + s.Value
			}
		}
		return bi.Main.Version
	}
	return "(devel)"
}

func versionLine() string {
	version, commit, modified, built := "(devel)", "unknown", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			case "vcs.time":
				built = " " + s.Value
			}
		}
		if modified {
			commit += " (modified)"
		}
		return fmt.Sprintf("ponte %s commit %s%s %s", version, commit, built, bi.GoVersion)
	}
	return fmt.Sprintf("ponte %s commit %s", version, commit)
}
