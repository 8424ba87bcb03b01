package esfimport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
)

func TestParseDecimal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		sep rune
		ok  bool
		d   decimal
	}{
		{"1.234,50", ';', true, decimal{whole: "1234", frac: "5"}},
		{"-0,0", ';', true, decimal{}},
		{",5", ';', true, decimal{frac: "5"}},
		{"007", ';', true, decimal{whole: "7"}},
		{"1234.5", ',', true, decimal{whole: "1234", frac: "5"}},
		{"-12", ',', true, decimal{neg: true, whole: "12"}},
		{"12.5", ';', false, decimal{}},
		{"1,5", ',', false, decimal{}},
		{"1.23.4", ';', false, decimal{}},
		{"", ';', false, decimal{}},
		{"-", ',', false, decimal{}},
		{"1e3", ',', false, decimal{}},
		{"5,", ';', false, decimal{}},
	} {
		d, ok, _ := parseDecimal(tc.in, tc.sep)
		require.Equal(t, tc.ok, ok, "%q in a %q file", tc.in, tc.sep)
		require.Equal(t, tc.d, d, "%q in a %q file", tc.in, tc.sep)
	}
}

// FuzzParseDecimal: a number written in the Italian convention reads as the same number
// written in the English one, and what comes back is canonical.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1.234,50", "-0,0", "12.5", "1,5", "+007", ",5", "1.23.4", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sep := range []rune{';', ','} {
			d, ok, _ := parseDecimal(s, sep)
			if !ok {
				require.Equal(t, decimal{}, d)
				continue
			}
			require.Equal(t, "", strings.Trim(d.whole+d.frac, "0123456789"))
			require.False(t, strings.HasPrefix(d.whole, "0"), "%q", s)
			require.False(t, strings.HasSuffix(d.frac, "0"), "%q", s)
			require.False(t, d.neg && d.whole == "" && d.frac == "", "no negative zero")
			other := strings.NewReplacer(".", "", ",", ".").Replace(s)
			if sep == ',' {
				other = strings.ReplaceAll(s, ".", ",")
			}
			e, ok, _ := parseDecimal(other, map[rune]rune{';': ',', ',': ';'}[sep])
			require.True(t, ok, "%q in a %q file reads, %q in the other does not", s, sep, other)
			require.Equal(t, d, e, "%q and %q", s, other)
		}
	})
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"2024-02-29": "2024-02-29", "29/02/2024": "2024-02-29", "1/2/2023": "2023-02-01"} {
		d, reason := parseDate(in)
		require.Empty(t, reason, in)
		require.Equal(t, want, d.Format(esf.DateLayout))
	}
	for _, in := range []string{"29/02/2023", "2/29/2024", "001/02/2023", "1/2/02023", "1/2/-202", "+1/2/2023", "//", "2023-2-1", "1/2/23"} {
		_, reason := parseDate(in)
		require.NotEmpty(t, reason, in)
	}
}
