package demo

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// bar is the one-line progress display of a load: phase, participants, rows and rate,
// redrawn in place at most ten times a second.
type bar struct {
	w     io.Writer
	start time.Time

	mu           sync.Mutex
	name         string
	participants int
	target       int
	rows         int // rows of finished tables
	current      int // rows of the table being copied
	table        string
	drawn        time.Time
	dirty        bool
}

func newBar(w io.Writer, start time.Time) *bar { return &bar{w: w, start: start} }

// phase names what is being loaded and, for synthetic participants, how many are wanted.
func (b *bar) phase(name string, target int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.name, b.target = name, target
	b.drawLocked(true)
}

// loaded records the participants loaded so far in the current phase.
func (b *bar) loaded(participants int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.participants = participants
	b.drawLocked(false)
}

// update is the store's progress callback.
func (b *bar) update(table string, done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.table = table
	if done >= total {
		b.rows += total
		b.current = 0
	} else {
		b.current = done
	}
	b.drawLocked(false)
}

func (b *bar) drawLocked(force bool) {
	if b.w == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(b.drawn) < 100*time.Millisecond {
		return
	}
	b.drawn, b.dirty = now, true
	rows := b.rows + b.current
	rate := 0.0
	if secs := now.Sub(b.start).Seconds(); secs > 0 {
		rate = float64(rows) / secs
	}
	who := ""
	if b.target > 0 {
		who = fmt.Sprintf(" %d/%d participants", b.participants, b.target)
	}
	fmt.Fprintf(b.w, "\rseed: %s%s · %d rows · %.0f rows/s · %-20s", b.name, who, rows, rate, b.table)
}

// finish ends the progress line.
func (b *bar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || !b.dirty {
		return
	}
	b.drawLocked(true)
	fmt.Fprintln(b.w)
}
