package partitaiva_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/pkg/partitaiva"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		err      error
		reason   string
	}{
		{in: "01234567897", want: "01234567897"},
		{in: " 12345678903\n", want: "12345678903"},
		{in: "80000000002", want: "80000000002"},
		{in: "01234567890", err: partitaiva.ErrCheck, reason: "check digit: want 7, got 0"},
		{in: "1234567897", err: partitaiva.ErrFormat, reason: "must be 11 digits, got 10 characters"},
		{in: "0123456789A", err: partitaiva.ErrFormat, reason: "character 11 is not a digit"},
		{in: "00000000000", err: partitaiva.ErrFormat, reason: "all zeros"},
		{in: "", err: partitaiva.ErrFormat, reason: "got 0 characters"},
	} {
		got, err := partitaiva.Parse(tc.in)
		if tc.err == nil {
			require.NoError(t, err, tc.in)
			require.Equal(t, tc.want, got)
			continue
		}
		require.ErrorIs(t, err, tc.err, tc.in)
		require.Contains(t, partitaiva.Reason(err), tc.reason, tc.in)
		require.Empty(t, got)
	}
}

func TestCheckDigit(t *testing.T) {
	t.Parallel()
	c, err := partitaiva.CheckDigit("0123456789")
	require.NoError(t, err)
	require.Equal(t, byte('7'), c)
	_, err = partitaiva.CheckDigit("012345678")
	require.ErrorIs(t, err, partitaiva.ErrFormat)
	_, err = partitaiva.CheckDigit("012345678x")
	require.ErrorIs(t, err, partitaiva.ErrFormat)
}

// FuzzParse: whatever the input, either 11 digits whose check digit holds come back, or an
// *Error unwrapping to one sentinel.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"01234567897", "01234567890", " 12345678903 ", "", "ABCDEFGHIJK", "00000000000", "0123456789\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := partitaiva.Parse(s)
		if err != nil {
			var e *partitaiva.Error
			require.True(t, errors.As(err, &e))
			require.True(t, errors.Is(err, partitaiva.ErrFormat) != errors.Is(err, partitaiva.ErrCheck))
			require.Empty(t, got)
			return
		}
		require.Equal(t, strings.TrimSpace(s), got)
		c, err := partitaiva.CheckDigit(got[:10])
		require.NoError(t, err)
		require.Equal(t, got[10], c)
	})
}
