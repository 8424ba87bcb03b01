package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// .ci/run stops only the PostgreSQL cluster its own install started: a machine's cluster
// running before is left alone, whether or not the script installed anything.
func TestCIScriptStopsOnlyTheClusterItsInstallStarted(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, withInitdb bool) string {
		t.Helper()
		bin, log := t.TempDir(), filepath.Join(t.TempDir(), "calls")
		stub := func(name, body string) {
			require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\necho \""+name+" $*\" >> "+log+"\n"+body+"\n"), 0o755))
		}
		// The machine runs 15/main; installing the package starts 16/main.
		stub("pg_lsclusters", `if [ -f `+log+`.installed ]; then printf '15 main 5432 online\n16 main 5433 online\n'; else echo '15 main 5432 online'; fi`)
		stub("apt-get", `[ "$1" = install ] && touch `+log+`.installed; true`)
		for _, name := range []string{"pg_ctlcluster", "service", "make", "go", "node", "npm"} {
			stub(name, "true")
		}
		if withInitdb {
			stub("initdb", "true")
		}
		path := bin + ":/usr/bin:/bin"
		if !withInitdb {
			// no initdb anywhere: the script installs postgresql
			path = bin + ":" + filepath.Join(t.TempDir(), "empty")
		}
		cmd := exec.Command("/bin/bash", filepath.Join("..", "..", ".ci", "run"))
		cmd.Env = []string{"PATH=" + path + ":/usr/bin:/bin", "HOME=" + t.TempDir()}
		if !withInitdb {
			cmd.Env = []string{"PATH=" + bin + ":" + bashTools(t), "HOME=" + t.TempDir(), "PG_LIB_DIR=" + t.TempDir()}
		}
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		calls, err := os.ReadFile(log)
		require.NoError(t, err)
		return string(calls)
	}

	calls := run(t, true)
	require.NotContains(t, calls, "pg_ctlcluster")
	require.NotContains(t, calls, "service")

	calls = run(t, false)
	require.Contains(t, calls, "apt-get install")
	require.Contains(t, calls, "pg_ctlcluster 16 main stop")
	require.NotContains(t, calls, "pg_ctlcluster 15")
	require.NotContains(t, calls, "service")
}

// bashTools is a folder with the tools .ci/run uses besides the stubbed ones (awk, grep,
// dirname, ls) and no PostgreSQL binaries.
func bashTools(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"awk", "grep", "dirname", "ls", "touch", "printf", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		require.NoError(t, os.Symlink(p, filepath.Join(dir, tool)))
	}
	require.False(t, strings.Contains(dir, "postgresql"))
	return dir
}
