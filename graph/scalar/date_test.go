package scalar

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := UnmarshalDate("2022-02-28")
	require.NoError(t, err)
	var b bytes.Buffer
	MarshalDate(d).MarshalGQL(&b)
	require.Equal(t, `"2022-02-28"`, b.String())

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
