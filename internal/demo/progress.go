package demo

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar is the one-line progress display of a load (schollz/progressbar): phase,
// participants, rows and rate, redrawn in place at most ten times a second.
type bar struct {
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

func newBar(w io.Writer, _ time.Time) *bar {
	if w == nil {
		return &bar{}
	}
	return &bar{out: w, pb: progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
		progressbar.OptionSpinnerType(14), progressbar.OptionSetSpinnerChangeInterval(0), progressbar.OptionSetDescription("seed"))}
}

// phase names what is being loaded and, for synthetic participants, how many are wanted.
func (b *bar) phase(name string, target int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.name, b.target = name, target
	b.drawLocked()
}

// loaded records the participants loaded so far in the current phase.
func (b *bar) loaded(participants int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.participants = participants
	b.drawLocked()
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
	b.drawLocked()
}

// description is what the bar shows beside the rows and their rate.
func (b *bar) description() string {
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

func (b *bar) drawLocked() {
	if b.pb == nil {
		return
	}
	b.pb.Describe(b.description())
	_ = b.pb.Set(b.rows + b.current)
}

// finish ends the progress line.
func (b *bar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pb == nil || b.pb.IsFinished() {
		return
	}
	b.pb.Describe(b.description())
	_ = b.pb.Finish()
	_, _ = fmt.Fprintln(b.out)
}
