package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBuildReplayTurnsParametersIntoVariablesAndBatchesIntoPipelines(t *testing.T) {
	stmts := []statement{
		{SQL: "BEGIN READ WRITE", Batch: 1},
		{SQL: "SELECT set_config(k, v, true) FROM unnest($1::text[], $2::text[]) AS c(k, v)", Batch: 1},
		{SQL: "SELECT c.id FROM cases c WHERE c.territory_key = $1::text\n\tORDER BY c.id LIMIT $2"},
		{SQL: "SELECT $1::int + $10::int, $1, nullif($2, '')::uuid"},
		{SQL: "SELECT seq FROM access_log_append($1)", Batch: 2},
		{SQL: "COMMIT", Batch: 2},
	}
	args := [][]textArg{
		nil,
		{{Text: `{role,ponte.scope}`}, {Text: `{ponte_app,territory}`}},
		{{Text: "territory:G702"}, {Text: "51"}},
		{{Text: "1"}, {Null: true, Type: "text"}, {}, {}, {}, {}, {}, {}, {}, {Text: "10"}},
		{{Text: `\x0a0b`}},
		nil,
	}
	r, err := buildReplay(stmts, args)
	require.NoError(t, err)
	require.Equal(t, `-- One page of cases, as the hub sent it (bench/load).
\startpipeline
BEGIN READ WRITE;
SELECT set_config(k, v, true) FROM unnest(:s2p1::text[], :s2p2::text[]) AS c(k, v);
\endpipeline
SELECT c.id FROM cases c WHERE c.territory_key = :s3p1::text
	ORDER BY c.id LIMIT :s3p2;
SELECT :s4p1::int + :s4p10::int, :s4p1, nullif(NULL::text, '')::uuid;
\startpipeline
SELECT seq FROM access_log_append(:s5p1);
COMMIT;
\endpipeline
`, r.Script)
	require.Equal(t, []string{
		"s2p1={role,ponte.scope}", "s2p2={ponte_app,territory}",
		"s3p1=territory:G702", "s3p2=51",
		"s4p1=1", "s4p10=10", "s4p1=1",
		`s5p1=\x0a0b`,
	}, r.Vars)
}

func TestBuildReplayRefusesWhatPgbenchWouldMisread(t *testing.T) {
	for name, sql := range map[string]string{
		"a colon variable":       "SELECT a[1:2] FROM t",
		"a named colon":          "SELECT ':x' FROM t WHERE a = :name",
		"two statements":         "SELECT 1; SELECT 2",
		"a dollar quote":         "DO $$ BEGIN END $$",
		"a meta-command line":    "SELECT 1\n  \\gset",
		"a missing argument":     "SELECT $2::int",
		"a parameter numbered 0": "SELECT $0",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := buildReplay([]statement{{SQL: sql}}, [][]textArg{{{Text: "1"}}})
			require.Error(t, err)
		})
	}
	// Casts are not variables.
	_, err := buildReplay([]statement{{SQL: "SELECT $1::text, 'a'::text, now()::date"}}, [][]textArg{{{Text: "x"}}})
	require.NoError(t, err)
}

// The summary pgbench 15 prints for a --time run.
const pgbenchOutput = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: /tmp/page.sql
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 20 s
number of transactions actually processed: 2214
number of failed transactions: 0 (0.000%)
latency average = 72.338 ms
initial connection time = 48.170 ms
tps = 110.593437 (without initial connection time)
`

func TestParsePgbench(t *testing.T) {
	r, err := parsePgbench(pgbenchOutput)
	require.NoError(t, err)
	require.Equal(t, pgbenchResult{Processed: 2214, Failed: 0, TPS: 110.593437}, r)

	failed := strings.Replace(pgbenchOutput, "number of failed transactions: 0 (0.000%)", "number of failed transactions: 3 (0.135%)", 1)
	r, err = parsePgbench(failed)
	require.NoError(t, err)
	require.Equal(t, 3, r.Failed)

	for name, out := range map[string]string{
		"empty":    "",
		"no tps":   strings.Replace(pgbenchOutput, "tps = 110.593437 (without initial connection time)", "", 1),
		"no count": strings.Replace(pgbenchOutput, "number of transactions actually processed: 2214", "", 1),
		"odd tps":  strings.Replace(pgbenchOutput, "tps = 110.593437", "tps = 1.2.3", 1),
		"aborted":  "pgbench: error: client 0 script 0 aborted in command 4 query 0: ERROR:  permission denied\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parsePgbench(out)
			require.Error(t, err)
		})
	}
}

func TestParsePgbenchLog(t *testing.T) {
	got, err := parsePgbenchLog(strings.NewReader("0 1 72338 0 1796293798 307326\n1 1 1500 0 1796293798 307566 12\n\n2 4 failed 0 1796293799 1\n"))
	require.NoError(t, err)
	require.Equal(t, []time.Duration{72338 * time.Microsecond, 1500 * time.Microsecond}, got)

	for name, log := range map[string]string{
		"short line":       "0 1 72338\n",
		"not a number":     "0 1 7x 0 1796293798 307326\n",
		"negative latency": "0 1 -5 0 1796293798 307326\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parsePgbenchLog(strings.NewReader(log))
			require.Error(t, err)
		})
	}
}

func TestRoundTrips(t *testing.T) {
	require.Equal(t, 4, roundTrips([]statement{{Batch: 1}, {Batch: 1}, {}, {}, {Batch: 2}, {Batch: 2}}))
	require.Equal(t, 0, roundTrips(nil))
}
