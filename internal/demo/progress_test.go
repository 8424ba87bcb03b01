package demo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := newBar(&out, time.Now().Add(-time.Second))
	b.phase("synthetic", 4000)
	b.update("persons", 10000, 30000)
	b.drawn = time.Time{} // as if the last redraw were long ago
	b.update("persons", 30000, 30000)
	b.loaded(2000)
	b.drawn = time.Time{}
	b.update("participations", 500, 2000)
	b.finish()

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\r")
	require.Equal(t, "", lines[0])
	require.Contains(t, lines[1], "seed: synthetic 0/4000 participants · 0 rows")
	last := lines[len(lines)-1]
	require.Contains(t, last, "synthetic 2000/4000 participants · 30500 rows")
	require.Contains(t, last, "participations")
	require.Regexp(t, `· \d+ rows/s ·`, last)
	require.True(t, strings.HasSuffix(out.String(), "\n"))
}

func TestProgressLineThrottlesAndStaysQuietWithoutWriter(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := newBar(&out, time.Now())
	b.phase("demo", 0)
	for i := range 1000 {
		b.update("persons", i, 1000)
	}
	require.Equal(t, 1, strings.Count(out.String(), "\r"), "redrawn at most ten times a second")

	quiet := newBar(nil, time.Now())
	quiet.phase("demo", 0)
	quiet.update("persons", 1, 1)
	quiet.finish()
}
