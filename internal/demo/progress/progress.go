// Package progress draws the one-line progress display of a seed: phase, participants,
// rows and rate.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar is the one-line progress display of a load (schollz/progressbar): phase,
// participants, rows and rate, redrawn in place at most ten times a second. A Bar without
// a writer draws nothing.
type Bar struct {
	pb  *progressbar.ProgressBar // nil: no display
	out io.Writer

	mu           sync.Mutex
	name         string
	participants int
	target       int
	rows         int // rows of finished tables
	current      int // rows of the table being copied
	table        string
}

// New returns a Bar drawing on w; nil draws nothing.
func New(w io.Writer) *Bar {
	if w == nil {
		return &Bar{}
	}
	return &Bar{out: w, pb: progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
		progressbar.OptionSpinnerType(14), progressbar.OptionSetSpinnerChangeInterval(0), progressbar.OptionSetDescription("seed"))}
}

// Phase names what is being loaded and, for synthetic participants, how many are wanted.
func (b *Bar) Phase(name string, target int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.name, b.target = name, target
	b.drawLocked()
}

// Loaded records the participants loaded so far in the current phase.
func (b *Bar) Loaded(participants int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.participants = participants
	b.drawLocked()
}

// Update is the store's progress callback.
func (b *Bar) Update(table string, done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.table = table
	if done >= total {
		b.rows += total
		b.current = 0
	} else {
		b.current = done
	}
	b.drawLocked()
}

// description is what the bar shows beside the rows and their rate.
func (b *Bar) description() string {
	who := ""
	if b.target > 0 {
		who = fmt.Sprintf(" %d/%d participants", b.participants, b.target)
	}
	d := "seed: " + b.name + who
	if b.table != "" {
		d += " · " + b.table
	}
	return d
}

func (b *Bar) drawLocked() {
	if b.pb == nil {
		return
	}
	b.pb.Describe(b.description())
	_ = b.pb.Set(b.rows + b.current)
}

// Finish ends the progress line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pb == nil || b.pb.IsFinished() {
		return
	}
	b.pb.Describe(b.description())
	_ = b.pb.Finish()
	_, _ = fmt.Fprintln(b.out)
}
