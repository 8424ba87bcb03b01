package scalar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := UnmarshalDate("2022-02-28")
	require.NoError(t, err)
	var b bytes.Buffer
	MarshalDate(d).MarshalGQL(&b)
	require.Equal(t, `"2022-02-28"`, b.String())
	// Any other writer gets the same bytes, and keeps them.
	var w strings.Builder
	MarshalDate(d).MarshalGQL(&w)
	require.Equal(t, `"2022-02-28"`, w.String())
	// Years outside 0-9999 are written as Go formats them, quoted.
	far := time.Date(12345, 1, 2, 0, 0, 0, 0, time.UTC)
	b.Reset()
	MarshalDate(far).MarshalGQL(&b)
	require.Equal(t, `"`+far.Format(DateLayout)+`"`, b.String())

	for _, bad := range []any{"2022-02-30", "28/02/2022", "2022-2-28", 20220228, ""} {
		_, err := UnmarshalDate(bad)
		require.Error(t, err, bad)
	}
}

func FuzzUnmarshalDate(f *testing.F) {
	f.Add("2022-02-28")
	f.Add("0000-01-01")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := UnmarshalDate(s)
		if err != nil {
			return
		}
		var b bytes.Buffer
		MarshalDate(d).MarshalGQL(&b)
		require.Equal(t, `"`+s+`"`, b.String())
	})
}

// A date written into the response's buffer costs its boxing at most.
func TestDateAllocations(t *testing.T) {
	d := time.Date(2022, 2, 28, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.Grow(64)
	require.LessOrEqual(t, testing.AllocsPerRun(100, func() { b.Reset(); MarshalDate(d).MarshalGQL(&b) }), 1.0)
}
