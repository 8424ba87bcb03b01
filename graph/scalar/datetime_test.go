package scalar

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestDateTime(t *testing.T) {
	t.Parallel()
	d, err := UnmarshalDateTime("2024-03-01T09:30:00.5+01:00")
	require.NoError(t, err)
	require.True(t, d.Equal(time.Date(2024, 3, 1, 8, 30, 0, 5e8, time.UTC)))
	var b bytes.Buffer
	MarshalDateTime(d).MarshalGQL(&b)
	require.Equal(t, `"2024-03-01T09:30:00.5+01:00"`, b.String())

	for _, bad := range []any{"2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00", "yesterday", "", 1704067200} {
		_, err := UnmarshalDateTime(bad)
		ie, ok := apperr.AsInput(err)
		require.True(t, ok, "%v: an input error, not %v", bad, err)
		require.Empty(t, ie.Fields[0].Field, "the presenter names the argument")
	}
	_, err = UnmarshalDateTime("2024-01-01")
	require.ErrorContains(t, err, "2024-01-01T00:00:00Z", "a bare date is told how to write the point in time")
}

func FuzzUnmarshalDateTime(f *testing.F) {
	f.Add("2024-03-01T09:30:00Z")
	f.Add("2024-03-01")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := UnmarshalDateTime(s)
		if err != nil {
			_, ok := apperr.AsInput(err)
			require.True(t, ok, "every refusal is an input error")
			return
		}
		if d.IsZero() {
			return // written as null, like an absent time
		}
		var b bytes.Buffer
		MarshalDateTime(d).MarshalGQL(&b)
		again, err := UnmarshalDateTime(b.String()[1 : b.Len()-1])
		require.NoError(t, err)
		require.True(t, d.Equal(again))
	})
}
