package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on Linux
// whatever the kernel's own tick rate.
const clockTicks = 100

// cpuTicks reads the user and system CPU time of a process from the text of its
// /proc/PID/stat: the 14th and 15th fields, counted after the command name, which is
// in parentheses and may itself hold spaces and parentheses.
func cpuTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat: no command name")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, errors.New("stat: too few fields")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || u < 0 || s < 0 {
		return 0, errors.New("stat: utime or stime is not a count of ticks")
	}
	return u + s, nil
}

// cpuMeter adds up the CPU time the processes it watches spend during a run: the
// server's process group, and PostgreSQL's backends of the hub's login role (whose
// titles read "postgres: ponte_load …"). It samples them while the run lasts, so a
// backend that ends (pgbench's, at the end of its run) counts up to its last sample.
// Where /proc is missing, or PostgreSQL runs elsewhere, it measures nothing.
type cpuMeter struct {
	pgid   int    // the server's process group; 0 for none
	prefix string // a PostgreSQL backend's title prefix
	proc   string // /proc

	mu    sync.Mutex
	first map[int]int64
	last  map[int]int64
	kind  map[int]bool // true: a PostgreSQL backend
	stop  chan struct{}
	done  chan struct{}
}

func newCPUMeter(pgid int) *cpuMeter {
	return &cpuMeter{pgid: pgid, prefix: "postgres: " + hubLogin + " ", proc: "/proc"}
}

// sample reads every watched process once.
func (m *cpuMeter) sample() {
	dirs, _ := filepath.Glob(filepath.Join(m.proc, "[0-9]*"))
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		db, known := m.kind[pid]
		if !known {
			cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
			if err != nil {
				continue
			}
			switch {
			case strings.HasPrefix(string(cmd), m.prefix):
				db = true
			case m.pgid > 0 && pgidOf(d) == m.pgid:
				db = false
			default:
				continue
			}
		}
		b, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		t, err := cpuTicks(string(b))
		if err != nil {
			continue
		}
		m.kind[pid] = db
		if _, ok := m.first[pid]; !ok {
			// A process first seen during the run started during it, or was not
			// watched before: what it spent before the run's first sample is not counted.
			m.first[pid] = t
		}
		m.last[pid] = t
	}
}

func pgidOf(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return -1
	}
	n, err := strconv.Atoi(f[2]) // field 5, pgrp
	if err != nil {
		return -1
	}
	return n
}

// start takes the first sample and keeps sampling until end.
func (m *cpuMeter) start() {
	m.first, m.last, m.kind = map[int]int64{}, map[int]int64{}, map[int]bool{}
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	m.sample()
	go func() {
		defer close(m.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sample()
			}
		}
	}()
}

// end takes the last sample and returns the CPU time the server and the database spent
// since start.
func (m *cpuMeter) end() (server, db time.Duration) {
	close(m.stop)
	<-m.done
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	var s, d int64
	for pid, last := range m.last {
		if m.kind[pid] {
			d += last - m.first[pid]
		} else {
			s += last - m.first[pid]
		}
	}
	tick := time.Second / clockTicks
	return time.Duration(s) * tick, time.Duration(d) * tick
}
