package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCPUTicks(t *testing.T) {
	// A title with spaces and a parenthesis, as a process may set.
	stat := "4242 (postgres: ponte_load s (x)) S 1 4242 4242 0 -1 4194560 6013 0 0 0 1234 56 0 0 20 0 1 0 5577 382021632 11020 18446744073709551615"
	n, err := cpuTicks(stat)
	require.NoError(t, err)
	require.EqualValues(t, 1290, n)
	for name, s := range map[string]string{
		"no name":      "4242 S 1 2 3",
		"short":        "4242 (x) S 1 4242 4242 0 -1 4194560",
		"not a number": "4242 (x) S 1 4242 4242 0 -1 4194560 6013 0 0 0 12x 56 0",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cpuTicks(s)
			require.Error(t, err)
		})
	}
}

// The meter counts the server's process group and the hub role's backends, and no
// other process, from a /proc laid out as the kernel's.
func TestCPUMeterCountsTheServerAndTheHubsBackends(t *testing.T) {
	proc := t.TempDir()
	write := func(pid, cmdline, stat string) {
		d := filepath.Join(proc, pid)
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "cmdline"), []byte(cmdline), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(d, "stat"), []byte(stat), 0o644))
	}
	stat := func(pid, pgrp, utime string) string {
		return pid + " (x) S 1 " + pgrp + " " + pgrp + " 0 -1 0 0 0 0 0 " + utime + " 0 0 0 20 0 1 0 1 1 1"
	}
	write("100", "ponte\x00serve\x00", stat("100", "100", "10"))
	write("200", "postgres: ponte_load db 127.0.0.1(5) idle", stat("200", "50", "30"))
	write("300", "postgres: someone db 127.0.0.1(6) idle", stat("300", "50", "70"))
	m := &cpuMeter{pgid: 100, prefix: "postgres: ponte_load ", proc: proc}
	m.start()
	write("100", "ponte\x00serve\x00", stat("100", "100", "25"))
	write("200", "postgres: ponte_load db 127.0.0.1(5) idle", stat("200", "50", "38"))
	write("300", "postgres: someone db 127.0.0.1(6) idle", stat("300", "50", "99"))
	server, db := m.end()
	require.Equal(t, 150*time.Millisecond, server)
	require.Equal(t, 80*time.Millisecond, db)
}
