package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTuneGC: without GOGC the hub collects at defaultGCPercent; with it, the runtime's
// own setting stays.
func TestTuneGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })

	tuneGC(func(string) string { return "" })
	require.Equal(t, defaultGCPercent, debug.SetGCPercent(100))

	tuneGC(func(k string) string { return map[string]string{"GOGC": "50"}[k] })
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: left as it was")
}
