package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is a run's figures: per system and principal, every round merged.
type report struct {
	Cases, Synthetic int
	Clients, Rounds  int
	Duration, Warmup time.Duration
	Systems          []string
	Cells            []cell
	Results          map[cell][]result
	Machine          string
	When             time.Time
}

// merged is a cell's rounds as one run, and the lowest and highest round's rate.
func (r report) merged(c cell) (result, float64, float64) {
	var m result
	lo, hi := 0.0, 0.0
	for i, x := range r.Results[c] {
		m = m.merge(x)
		if i == 0 || x.Rate() < lo {
			lo = x.Rate()
		}
		if i == 0 || x.Rate() > hi {
			hi = x.Rate()
		}
	}
	return m, lo, hi
}

func (r report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d cases (%d synthetic, ponte seed --scale %d); the 50-case page with persons, households, projects and interventions; %d clients; %d interleaved rounds of %s per system and principal after a %s warm-up each; %s; %s.\n\n",
		r.Cases, r.Synthetic, r.Synthetic, r.Clients, r.Rounds, r.Duration, r.Warmup, r.Machine, r.When.UTC().Format("2006-01-02 15:04 MST"))
	// The table: one row per principal.
	b.WriteString("| principal |")
	sep := "|---|"
	for _, s := range r.Systems {
		unit := "req/s"
		if s == sysPgbench {
			unit = "tx/s"
		}
		fmt.Fprintf(&b, " %s %s | p50 |", systemLabels[s], unit)
		sep += "---:|---:|"
	}
	b.WriteString("\n" + sep + "\n")
	for _, p := range principals {
		fmt.Fprintf(&b, "| %s |", p.Label)
		for _, s := range r.Systems {
			m, _, _ := r.merged(cell{s, p})
			fmt.Fprintf(&b, " %.1f | %.1f ms |", m.Rate(), ms(percentile(m.Latencies, 50)))
		}
		b.WriteString("\n")
	}
	// The detail: spread over the rounds and the tail.
	b.WriteString("\n| system | principal | rate (lowest–highest round) | p50 | p95 | pages | CPU per page: server + PostgreSQL |\n|---|---|---:|---:|---:|---:|---:|\n")
	for _, c := range r.Cells {
		m, lo, hi := r.merged(c)
		server := "–"
		if c.system != sysPgbench {
			server = fmt.Sprintf("%.1f", ms(m.perPage(m.ServerCPU)))
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f/s (%.1f–%.1f) | %.1f ms | %.1f ms | %d | %s + %.1f ms |\n", systemLabels[c.system], c.principal.Name,
			m.Rate(), lo, hi, ms(percentile(m.Latencies, 50)), ms(percentile(m.Latencies, 95)), m.Requests,
			server, ms(m.perPage(m.DBCPU)))
	}
	return b.String()
}

// machine describes where the figures were measured.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if _, v, ok := strings.Cut(l, ":"); ok {
					model = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	s := fmt.Sprintf("%d CPUs", runtime.NumCPU())
	if model != "" {
		s += " (" + model + ")"
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			s += ", load average " + strings.Join(f[:3], " ") + " at the end"
		}
	}
	return s
}
