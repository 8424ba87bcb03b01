package progress

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := New(&out)
	b.Phase("synthetic", 4000)
	b.Update("persons", 10000, 30000)
	b.Update("persons", 30000, 30000)
	b.Loaded(2000)
	b.Update("participations", 500, 2000)
	b.Finish()

	last := out.String()[strings.LastIndex(strings.TrimSuffix(out.String(), "\n"), "\r")+1:]
	require.Contains(t, last, "seed: synthetic 2000/4000 participants · participations")
	require.Contains(t, last, "30500")
	require.Contains(t, last, "rows/s")
	require.True(t, strings.HasSuffix(out.String(), "\n"))
}

func TestProgressLineThrottlesAndStaysQuietWithoutWriter(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := New(&out)
	b.Phase("demo", 0)
	for i := range 1000 {
		b.Update("persons", i, 1000)
	}
	require.LessOrEqual(t, strings.Count(out.String(), "\r"), 3, "redrawn at most ten times a second")

	quiet := New(nil)
	quiet.Phase("demo", 0)
	quiet.Update("persons", 1, 1)
	quiet.Finish()
}
