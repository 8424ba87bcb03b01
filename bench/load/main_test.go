package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 10000, o.scale)
	require.Equal(t, 8, o.clients)
	require.Equal(t, []string{sysPonte, sysPostGraphile, sysPgbench}, o.systems)

	o, err = parseOptions([]string{"-scale", "1000", "-systems", "pgbench, ponte", "-duration", "5s"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 1000, o.scale)
	require.Equal(t, []string{sysPgbench, sysPonte}, o.systems)
	require.Equal(t, 5*time.Second, o.duration)

	for _, args := range [][]string{
		{"-systems", "hasura"},
		{"-duration", "1500ms"},
		{"-duration", "0s"},
		{"-warmup", "-1s"},
		{"-clients", "0"},
		{"-rounds", "0"},
		{"-scale", "-1"},
		{"extra"},
	} {
		_, err := parseOptions(args, io.Discard)
		require.Error(t, err, "%v", args)
	}
}

func TestRotateStartsEachRoundElsewhere(t *testing.T) {
	cells := []cell{{system: "a"}, {system: "b"}, {system: "c"}}
	names := func(cs []cell) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.system)
		}
		return strings.Join(s, "")
	}
	require.Equal(t, "abc", names(rotate(cells, 0)))
	require.Equal(t, "bca", names(rotate(cells, 1)))
	require.Equal(t, "cab", names(rotate(cells, 2)))
	require.Equal(t, "abc", names(rotate(cells, 3)))
	require.Equal(t, "abc", names(cells), "rotate copies")
}

// The load test's page is the one BenchmarkCasePageAtScale times.
func TestPonteQueryIsTheBenchmarksPage(t *testing.T) {
	src, err := os.ReadFile("../../graph/server/server_test.go")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)const casePage = `(.*?)`").FindSubmatch(src)
	require.NotNil(t, m, "casePage not found in graph/server/server_test.go")
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	require.Equal(t, norm(string(m[1])), norm(ponteQuery))
}

func TestPgOptionsCarryTheHubsSessionSettings(t *testing.T) {
	require.Equal(t, "-c jit=off -c statement_timeout=5000", pgOptions())
}
