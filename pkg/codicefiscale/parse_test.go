package codicefiscale

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withCheck appends the correct check character to fifteen characters, so
// tests can build codes that are wrong in exactly one respect.
func withCheck(t testing.TB, first15 string) string {
	t.Helper()
	c, err := CheckChar(first15)
	require.NoError(t, err)
	return first15 + string(c)
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestParseValid(t *testing.T) {
	t.Parallel()

	ref := date(2026, time.January, 1)
	tests := []struct {
		name      string
		in        string
		want      string
		sex       byte
		birth     time.Time
		place     string
		abroad    bool
		omocode   bool
		canonical string
	}{
		{name: "man born in Turin", in: "CCCFBA85D03L219P", want: "CCCFBA85D03L219P", sex: 'M',
			birth: date(1985, time.April, 3), place: "L219", canonical: "CCCFBA85D03L219P"},
		{name: "man born in Rome", in: "RSSMRA68A01H501Y", want: "RSSMRA68A01H501Y", sex: 'M',
			birth: date(1968, time.January, 1), place: "H501", canonical: "RSSMRA68A01H501Y"},
		{name: "woman", in: "MRTMRA83T56A269B", want: "MRTMRA83T56A269B", sex: 'F',
			birth: date(1983, time.December, 16), place: "A269", canonical: "MRTMRA83T56A269B"},
		{name: "born abroad", in: "THDSDA95P08Z330H", want: "THDSDA95P08Z330H", sex: 'M',
			birth: date(1995, time.September, 8), place: "Z330", abroad: true, canonical: "THDSDA95P08Z330H"},
		{name: "omocode, last digit substituted", in: "CCCFBA85D03L21VE", want: "CCCFBA85D03L21VE", sex: 'M',
			birth: date(1985, time.April, 3), place: "L219", omocode: true, canonical: "CCCFBA85D03L219P"},
		{name: "omocode, all digits substituted", in: "CCCFBAURDLPLNMVU", want: "CCCFBAURDLPLNMVU", sex: 'M',
			birth: date(1985, time.April, 3), place: "L219", omocode: true, canonical: "CCCFBA85D03L219P"},
		{name: "lower case", in: "cccfba85d03l219p", want: "CCCFBA85D03L219P", sex: 'M',
			birth: date(1985, time.April, 3), place: "L219", canonical: "CCCFBA85D03L219P"},
		{name: "mixed case omocode", in: "CccfbA85D03l21vE", want: "CCCFBA85D03L21VE", sex: 'M',
			birth: date(1985, time.April, 3), place: "L219", omocode: true, canonical: "CCCFBA85D03L219P"},
		{name: "surrounding white space", in: " \t RSSMRA68A01H501Y\r\n", want: "RSSMRA68A01H501Y", sex: 'M',
			birth: date(1968, time.January, 1), place: "H501", canonical: "RSSMRA68A01H501Y"},
		{name: "surrounding no-break spaces", in: "\u00a0MRTMRA83T56A269B\u00a0", want: "MRTMRA83T56A269B", sex: 'F',
			birth: date(1983, time.December, 16), place: "A269", canonical: "MRTMRA83T56A269B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c, err := Parse(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.String())
			require.False(t, c.IsZero())
			require.Equal(t, tt.sex, c.Sex())
			require.Equal(t, tt.birth, c.BirthDate(ref))
			require.Equal(t, tt.birth.Year()%100, c.YearTwoDigits())
			require.Equal(t, tt.birth.Month(), c.BirthMonth())
			require.Equal(t, tt.birth.Day(), c.BirthDay())
			require.Equal(t, tt.place, c.Birthplace())
			require.Equal(t, tt.abroad, c.BornAbroad())
			require.Equal(t, tt.omocode, c.IsOmocode())
			require.Equal(t, tt.canonical, c.Canonical())
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		in     string
		err    error
		reason string
	}{
		{"empty", "", ErrFormat, "is empty"},
		{"only white space", " \t\n", ErrFormat, "is empty"},
		{"too short", "CCCFBA85D03L219", ErrFormat, "must be 16 characters, got 15"},
		{"too long", "CCCFBA85D03L219PX", ErrFormat, "must be 16 characters, got 17"},
		{"inner space", "CCCFBA85 D03L219P", ErrFormat, "must be 16 characters, got 17"},
		{"sixteen characters, one accented", "CCCFBA85D03L219À", ErrFormat,
			"position 16: check character must be a letter A-Z, got 'À'"},
		{"sixteen bytes, one accented", "CCCFBA85D03L21À", ErrFormat,
			"position 15: birthplace must be a digit or one of LMNPQRSTUV, got 'À'"},
		{"digit in surname", "1CCFBA85D03L219P", ErrFormat,
			"position 1: surname must be a letter A-Z, got '1'"},
		{"punctuation in name", "CCCFB-85D03L219P", ErrFormat,
			"position 6: name must be a letter A-Z, got '-'"},
		{"non-omocodic letter in year", "CCCFBA8AD03L219P", ErrFormat,
			"position 8: birth year must be a digit or one of LMNPQRSTUV, got 'A'"},
		{"bad month letter", "CCCFBA85F03L219P", ErrFormat,
			"position 9: birth month must be one of ABCDEHLMPRST, got 'F'"},
		{"digit as month", "CCCFBA85103L219P", ErrFormat,
			"position 9: birth month must be one of ABCDEHLMPRST, got '1'"},
		{"non-omocodic letter in day", "CCCFBA85D0OL219P", ErrFormat,
			"position 11: birth day must be a digit or one of LMNPQRSTUV, got 'O'"},
		{"digit as birthplace letter", "CCCFBA85D031219P", ErrFormat,
			"position 12: birthplace must be a letter A-Z, got '1'"},
		{"digit as check character", "CCCFBA85D03L2190", ErrFormat,
			"position 16: check character must be a letter A-Z, got '0'"},
		{"control character", "CCCFBA85D03L219\x00", ErrFormat,
			"position 16: check character must be a letter A-Z, got '\\x00'"},
		{"sixteen characters, one invalid byte before an accented one", "CCCFBA85D03L2\xff9À", ErrFormat,
			"position 14: birthplace must be a digit or one of LMNPQRSTUV, got invalid UTF-8 byte 0xFF"},
		{"invalid UTF-8", "CCCFBA85D03L219\xff", ErrFormat,
			"position 16: check character must be a letter A-Z, got invalid UTF-8 byte 0xFF"},
		{"wrong check character", "CCCFBA85D03L219B", ErrCheck, "check character: want P, got B"},
		{"wrong check character on omocode", "CCCFBA85D03L21VP", ErrCheck, "check character: want E, got P"},
		{"omocode with the base code's check character", "CCCFBAURDLPLNMVP", ErrCheck,
			"check character: want U, got P"},
		{"day 00", "CCCFBA85D00L219P", ErrDate,
			"birth day 00 is out of range: 01-31 for men, 41-71 for women"},
		{"day 32", withCheck(t, "CCCFBA85D32L219"), ErrDate,
			"birth day 32 is out of range: 01-31 for men, 41-71 for women"},
		{"day 40", withCheck(t, "CCCFBA85D40L219"), ErrDate,
			"birth day 40 is out of range: 01-31 for men, 41-71 for women"},
		{"day 72", withCheck(t, "CCCFBA85D72L219"), ErrDate,
			"birth day 72 is out of range: 01-31 for men, 41-71 for women"},
		{"day 99 written as omocode", withCheck(t, "CCCFBA85DVVL219"), ErrDate,
			"birth day 99 is out of range: 01-31 for men, 41-71 for women"},
		{"31 February", withCheck(t, "RSSMRA68B31H501"), ErrDate, "February has no day 31"},
		{"30 February for a woman", withCheck(t, "RSSMRA68B70H501"), ErrDate, "February has no day 30"},
		{"31 April", withCheck(t, "RSSMRA68D31H501"), ErrDate, "April has no day 31"},
		{"31 November for a woman", withCheck(t, "RSSMRA68S71H501"), ErrDate, "November has no day 31"},
		{"29 February in a common year", withCheck(t, "RSSMRA23B29H501"), ErrDate,
			"29 February does not exist in a year ending in 23"},
		{"29 February in a common year, omocode", withCheck(t, "RSSMRANPB29H501"), ErrDate,
			"29 February does not exist in a year ending in 23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c, err := Parse(tt.in)
			require.ErrorIs(t, err, tt.err)
			require.True(t, c.IsZero())

			var cfErr *Error
			require.ErrorAs(t, err, &cfErr)
			require.Equal(t, FieldTaxCode, cfErr.Field)
			require.Equal(t, tt.reason, cfErr.Reason)
			require.Equal(t, "codicefiscale: tax_code: "+tt.reason, err.Error())

			// A tax code identifies a person: the message must not repeat it.
			if norm := strings.TrimSpace(tt.in); len(norm) >= 8 {
				require.NotContains(t, strings.ToUpper(err.Error()), strings.ToUpper(norm))
			}
		})
	}
}

func TestParseLeapDay(t *testing.T) {
	t.Parallel()

	for _, first15 := range []string{
		"RSSMRA24B29H501", // 2024 or 1924
		"RSSMRA00B29H501", // 2000 was a leap year, 1900 was not; the code cannot tell
		"RSSMRA96B69H501", // a woman
		"RSSMRAVSB29H501", // omocodic year 96
	} {
		code := withCheck(t, first15)
		c, err := Parse(code)
		require.NoError(t, err, code)
		require.Equal(t, time.February, c.BirthMonth())
		require.Equal(t, 29, c.BirthDay())
	}
}

func TestBirthDateCentury(t *testing.T) {
	t.Parallel()

	rome := time.FixedZone("CET", 3600)
	tests := []struct {
		name    string
		first15 string
		ref     time.Time
		want    time.Time
	}{
		{"recent year stays in this century", "RSSMRA05A01H501", date(2026, time.January, 1), date(2005, time.January, 1)},
		{"year after the reference goes back a century", "RSSMRA30A01H501", date(2026, time.January, 1), date(1930, time.January, 1)},
		{"same year, birthday not yet reached", "RSSMRA26T01H501", date(2026, time.March, 1), date(1926, time.December, 1)},
		{"same year, next day", "RSSMRA26C02H501", date(2026, time.March, 1), date(1926, time.March, 2)},
		{"born on the reference day", "RSSMRA26C01H501", date(2026, time.March, 1), date(2026, time.March, 1)},
		{"reference read in its own location", "RSSMRA26C01H501",
			time.Date(2026, time.March, 1, 0, 30, 0, 0, rome), date(2026, time.March, 1)},
		{"same instant read in UTC is still 28 February", "RSSMRA26C01H501",
			time.Date(2026, time.March, 1, 0, 30, 0, 0, rome).UTC(), date(1926, time.March, 1)},
		{"year 99", "RSSMRA99T31H501", date(2026, time.January, 1), date(1999, time.December, 31)},
		{"year 00 on new year's day 2000", "RSSMRA00A01H501", date(2000, time.January, 1), date(2000, time.January, 1)},
		{"year 00 the day before", "RSSMRA00A01H501", date(1999, time.December, 31), date(1900, time.January, 1)},
		{"woman, omocodic year", "MRTMRAUPT56A269", date(2026, time.January, 1), date(1983, time.December, 16)},
		{"29 February 00 after 2000", "RSSMRA00B29H501", date(2026, time.January, 1), date(2000, time.February, 29)},
		{"29 February 00 on the day", "RSSMRA00B29H501", date(2000, time.February, 29), date(2000, time.February, 29)},
		{"29 February 00 before 2000 still names 2000", "RSSMRA00B29H501", date(1999, time.June, 1), date(2000, time.February, 29)},
		{"29 February 00 skips common year 2100", "RSSMRA00B29H501", date(2150, time.January, 1), date(2000, time.February, 29)},
		{"29 February 00 in 2400", "RSSMRA00B29H501", date(2400, time.March, 1), date(2400, time.February, 29)},
		{"29 February 00 just before 2400", "RSSMRA00B29H501", date(2400, time.February, 28), date(2000, time.February, 29)},
		{"29 February 24", "RSSMRA24B29H501", date(2026, time.January, 1), date(2024, time.February, 29)},
		{"29 February 28 goes back to 1928", "RSSMRA28B29H501", date(2026, time.January, 1), date(1928, time.February, 29)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c, err := Parse(withCheck(t, tt.first15))
			require.NoError(t, err)
			require.Equal(t, tt.want, c.BirthDate(tt.ref))
		})
	}
}

// omocodeVariant writes the digits selected by mask (bit i for the i-th
// substitutable position from the left) as omocodic letters.
func omocodeVariant(t testing.TB, base string, mask int) string {
	t.Helper()
	b := []byte(base)
	for i, p := range omocodicPositions {
		if mask&(1<<i) != 0 {
			b[p] = omocodicLetters[b[p]-'0']
		}
	}
	return withCheck(t, string(b[:15]))
}

func TestOmocodeVariants(t *testing.T) {
	t.Parallel()

	ref := date(2026, time.January, 1)
	for _, first15 := range []string{"CCCFBA85D03L219", "MRTMRA83T56A269", "THDSDA95P08Z330", "RSSMRA00B29H501"} {
		base := withCheck(t, first15)
		want, err := Parse(base)
		require.NoError(t, err)
		require.False(t, want.IsOmocode())

		seen := make(map[string]bool)
		for mask := range 128 {
			code := omocodeVariant(t, base, mask)
			seen[code] = true

			c, err := Parse(code)
			require.NoError(t, err, code)
			require.Equal(t, code, c.String())
			require.Equal(t, mask != 0, c.IsOmocode(), code)
			require.Equal(t, base, c.Canonical(), code)
			require.Equal(t, want.BirthDate(ref), c.BirthDate(ref), code)
			require.Equal(t, want.Sex(), c.Sex(), code)
			require.Equal(t, want.Birthplace(), c.Birthplace(), code)
			require.Equal(t, want.BornAbroad(), c.BornAbroad(), code)
		}
		require.Len(t, seen, 128)
	}

	// The public omocodes are two of the variants built above.
	require.Equal(t, "CCCFBA85D03L21VE", omocodeVariant(t, "CCCFBA85D03L219P", 1<<6))
	require.Equal(t, "CCCFBAURDLPLNMVU", omocodeVariant(t, "CCCFBA85D03L219P", 127))
}

func TestCheckChar(t *testing.T) {
	t.Parallel()

	for _, code := range []string{
		"CCCFBA85D03L219P", "RSSMRA68A01H501Y", "MRTMRA83T56A269B",
		"THDSDA95P08Z330H", "CCCFBA85D03L21VE", "CCCFBAURDLPLNMVU",
	} {
		c, err := CheckChar(code[:15])
		require.NoError(t, err)
		require.Equal(t, code[15], c, code)

		c, err = CheckChar(strings.ToLower(code[:15]))
		require.NoError(t, err)
		require.Equal(t, code[15], c, "lower case "+code)
	}

	for _, tt := range []struct{ in, reason string }{
		{"CCCFBA85D03L21", "check character needs 15 characters, got 14"},
		{"CCCFBA85D03L219P", "check character needs 15 characters, got 16"},
		{"CCCFBA85D03L21-", "position 15: '-' is not a letter or digit"},
		{"CCCFBA85D03L2é", "position 14: 'é' is not a letter or digit"},
	} {
		_, err := CheckChar(tt.in)
		require.ErrorIs(t, err, ErrFormat)
		var cfErr *Error
		require.ErrorAs(t, err, &cfErr)
		require.Equal(t, FieldTaxCode, cfErr.Field)
		require.Equal(t, tt.reason, cfErr.Reason)
	}
}

func TestZeroCode(t *testing.T) {
	t.Parallel()

	var c Code
	require.True(t, c.IsZero())
	require.Empty(t, c.String())
	require.Zero(t, c.Sex())
	require.Empty(t, c.Birthplace())
	require.False(t, c.BornAbroad())
	require.False(t, c.IsOmocode())
	require.Empty(t, c.Canonical())
	require.True(t, c.BirthDate(date(2026, time.January, 1)).IsZero())
}

func TestCodeText(t *testing.T) {
	t.Parallel()

	type record struct {
		TaxCode Code `json:"tax_code"`
	}

	var r record
	require.NoError(t, json.Unmarshal([]byte(`{"tax_code":" cccfba85d03l21ve "}`), &r))
	require.Equal(t, "CCCFBA85D03L21VE", r.TaxCode.String())
	require.True(t, r.TaxCode.IsOmocode())

	out, err := json.Marshal(r)
	require.NoError(t, err)
	require.JSONEq(t, `{"tax_code":"CCCFBA85D03L21VE"}`, string(out))

	err = json.Unmarshal([]byte(`{"tax_code":"CCCFBA85D03L219B"}`), &r)
	require.ErrorIs(t, err, ErrCheck)
	var cfErr *Error
	require.True(t, errors.As(err, &cfErr))
}
