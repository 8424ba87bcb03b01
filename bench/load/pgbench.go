package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// replay is a pgbench custom script of one page's statements and the variables (-D)
// that carry their arguments.
type replay struct {
	Script string
	Vars   []string // name=value, for -D
}

// textArg is one statement argument in PostgreSQL's text form; Null for SQL NULL,
// which pgbench's variables cannot carry (it is written into the statement instead).
type textArg struct {
	Text string
	Null bool
	Type string // the parameter's type, as format_type spells it (for NULL::type)
}

// encodeArgs turns each statement's Go arguments into the text the server would parse,
// for the parameter types the server infers when the statement is prepared (as pgx
// prepares it, and as pgbench -M prepared does).
func encodeArgs(ctx context.Context, conn *pgx.Conn, stmts []statement) ([][]textArg, error) {
	out := make([][]textArg, len(stmts))
	m := conn.TypeMap()
	for i, s := range stmts {
		if len(s.Args) == 0 {
			continue
		}
		sd, err := conn.Prepare(ctx, "", s.SQL)
		if err != nil {
			return nil, fmt.Errorf("prepare statement %d: %w", i+1, err)
		}
		if len(sd.ParamOIDs) != len(s.Args) {
			return nil, fmt.Errorf("statement %d: %d parameters, %d arguments", i+1, len(sd.ParamOIDs), len(s.Args))
		}
		for j, a := range s.Args {
			oid := sd.ParamOIDs[j]
			var typ string
			if err := conn.QueryRow(ctx, "SELECT format_type($1::oid, NULL)", oid).Scan(&typ); err != nil {
				return nil, err
			}
			b, err := m.Encode(oid, pgtype.TextFormatCode, a, nil)
			if err != nil {
				return nil, fmt.Errorf("statement %d, argument %d (%T as %s): %w", i+1, j+1, a, typ, err)
			}
			out[i] = append(out[i], textArg{Text: string(b), Null: b == nil, Type: typ})
		}
	}
	return out, nil
}

// placeholder matches a positional parameter ($1) of the hub's statements.
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// pgbenchVariable matches what pgbench would take for a variable reference (:name) in a
// SQL command: a colon followed by a letter, digit or underscore, not after another
// colon (a :: cast).
var pgbenchVariable = regexp.MustCompile(`(^|[^:]):[A-Za-z0-9_]`)

// buildReplay writes the statements as one pgbench transaction: each statement's $n
// becomes the variable :sIpN, given to pgbench with -D, and statements the hub sent in
// one batch go in one pipeline, so each round trip of the hub is one of the replay.
func buildReplay(stmts []statement, args [][]textArg) (replay, error) {
	var b strings.Builder
	var vars []string
	b.WriteString("-- One page of cases, as the hub sent it (bench/load).\n")
	inPipe := 0
	for i, s := range stmts {
		if strings.Contains(s.SQL, ";") || strings.Contains(s.SQL, "$$") {
			return replay{}, fmt.Errorf("statement %d: a semicolon or dollar quote would split it in a pgbench script", i+1)
		}
		if pgbenchVariable.MatchString(s.SQL) {
			return replay{}, fmt.Errorf("statement %d: pgbench would read part of it as a variable: %q", i+1, pgbenchVariable.FindString(s.SQL))
		}
		var bad error
		sql := placeholder.ReplaceAllStringFunc(s.SQL, func(ph string) string {
			n, _ := strconv.Atoi(ph[1:])
			if n < 1 || n > len(args[i]) {
				bad = fmt.Errorf("statement %d: %s without an argument", i+1, ph)
				return ph
			}
			a := args[i][n-1]
			if a.Null {
				return "NULL::" + a.Type
			}
			name := fmt.Sprintf("s%dp%d", i+1, n)
			vars = append(vars, name+"="+a.Text)
			return ":" + name
		})
		if bad != nil {
			return replay{}, bad
		}
		if s.Batch != inPipe {
			if inPipe != 0 {
				b.WriteString("\\endpipeline\n")
			}
			if s.Batch != 0 {
				b.WriteString("\\startpipeline\n")
			}
			inPipe = s.Batch
		}
		for _, line := range strings.Split(sql, "\n") {
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), "\\") {
				return replay{}, fmt.Errorf("statement %d: pgbench would read a line starting with a backslash as a meta-command", i+1)
			}
		}
		b.WriteString(sql)
		b.WriteString(";\n")
	}
	if inPipe != 0 {
		b.WriteString("\\endpipeline\n")
	}
	return replay{Script: b.String(), Vars: vars}, nil
}

// pgbenchResult is what one pgbench run reports.
type pgbenchResult struct {
	Processed int
	Failed    int
	TPS       float64
}

var (
	pgbenchProcessed = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
	pgbenchFailed    = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
	pgbenchTPS       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
)

// parsePgbench reads pgbench's summary (its standard output).
func parsePgbench(out string) (pgbenchResult, error) {
	var r pgbenchResult
	m := pgbenchProcessed.FindStringSubmatch(out)
	if m == nil {
		return r, errors.New("pgbench: no \"number of transactions actually processed\" line")
	}
	r.Processed, _ = strconv.Atoi(m[1])
	if m := pgbenchFailed.FindStringSubmatch(out); m != nil {
		r.Failed, _ = strconv.Atoi(m[1])
	}
	m = pgbenchTPS.FindStringSubmatch(out)
	if m == nil {
		return r, errors.New("pgbench: no \"tps = … (without initial connection time)\" line")
	}
	tps, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return r, fmt.Errorf("pgbench: tps %q: %w", m[1], err)
	}
	r.TPS = tps
	return r, nil
}

// parsePgbenchLog reads a per-transaction log (pgbench -l): one line per transaction,
// "client_id transaction_no time script_no time_epoch time_us [schedule_lag]", time
// being the latency in microseconds. Failed transactions (time "failed", pgbench 15's
// --failures-detailed) are skipped; pgbench's summary counts them.
func parsePgbenchLog(r io.Reader) ([]time.Duration, error) {
	var out []time.Duration
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, fmt.Errorf("pgbench log line %d: %d fields, want at least 6", line, len(f))
		}
		if f[2] == "failed" || f[2] == "skipped" {
			continue
		}
		us, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || us < 0 {
			return nil, fmt.Errorf("pgbench log line %d: latency %q is not a number of microseconds", line, f[2])
		}
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	return out, sc.Err()
}

// readPgbenchLogs reads every per-transaction log pgbench wrote under prefix (one per
// thread: prefix.PID, prefix.PID.1, …) and removes them.
func readPgbenchLogs(prefix string) ([]time.Duration, error) {
	files, err := filepath.Glob(prefix + ".*")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []time.Duration
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		got, err := parsePgbenchLog(fh)
		fh.Close()
		os.Remove(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		all = append(all, got...)
	}
	return all, nil
}
