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
	b := newBar(&out, time.Now())
	b.phase("synthetic", 4000)
	b.update("persons", 10000, 30000)
	b.update("persons", 30000, 30000)
	b.loaded(2000)
	b.update("participations", 500, 2000)
	b.finish()

	last := out.String()[strings.LastIndex(strings.TrimSuffix(out.String(), "\n"), "\r")+1:]
	require.Contains(t, last, "seed: synthetic 2000/4000 participants · participations")
	require.Contains(t, last, "30500")
	require.Contains(t, last, "rows/s")
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
	require.LessOrEqual(t, strings.Count(out.String(), "\r"), 3, "redrawn at most ten times a second")

	quiet := newBar(nil, time.Now())
	quiet.phase("demo", 0)
	quiet.update("persons", 1, 1)
	quiet.finish()
}
