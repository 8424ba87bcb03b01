package codicefiscale

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var patternRE = regexp.MustCompile(Pattern)

// normalise is what Parse should compare against: trimmed, ASCII upper case.
func normalise(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, strings.TrimSpace(s))
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"CCCFBA85D03L219P", "RSSMRA68A01H501Y", "MRTMRA83T56A269B", "THDSDA95P08Z330H",
		"CCCFBA85D03L21VE", "CCCFBAURDLPLNMVU", "CCCFBA85D03L219B", "CCCFBA85D00L219P",
		" cccfba85d03l219p\n", "RSSMRA00B29H501", "", "CCCFBA85D03L219À", "CCCFBA85D03L21\xff",
		"RSSMRA68B31H501Q", "RSSMRA23B29H501X", "\u00a0RSSMRA68A01H501Y\u2028",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		norm := normalise(s)

		if err != nil {
			require.True(t, c.IsZero())
			var cfErr *Error
			require.ErrorAs(t, err, &cfErr)
			require.Equal(t, FieldTaxCode, cfErr.Field)
			require.NotEmpty(t, cfErr.Reason)
			sentinels := 0
			for _, sentinel := range []error{ErrFormat, ErrDate, ErrCheck} {
				if errors.Is(err, sentinel) {
					sentinels++
				}
			}
			require.Equal(t, 1, sentinels, "error %v must unwrap to one sentinel", err)
			// The documented pattern and the position checks agree.
			if patternRE.MatchString(norm) {
				require.NotErrorIs(t, err, ErrFormat, "%q matches the pattern", norm)
			}
			return
		}

		require.Regexp(t, patternRE, norm)
		require.Equal(t, norm, c.String())
		first15 := c.String()[:15]
		check, err := CheckChar(first15)
		require.NoError(t, err)
		require.Equal(t, c.String()[15], check)

		again, err := Parse(c.String())
		require.NoError(t, err)
		require.Equal(t, c, again)

		require.Contains(t, []byte{'M', 'F'}, c.Sex())
		require.GreaterOrEqual(t, c.BirthDay(), 1)
		require.LessOrEqual(t, c.BirthDay(), 31)
		require.Less(t, c.YearTwoDigits(), 100)
		require.Len(t, c.Birthplace(), 4)
		require.Equal(t, c.String()[11], c.Birthplace()[0])

		canon, err := Parse(c.Canonical())
		require.NoError(t, err)
		require.False(t, canon.IsOmocode())
		require.Equal(t, canon.String(), canon.Canonical())
		require.Equal(t, c.IsOmocode(), c.Canonical() != c.String())
		require.Equal(t, c.Sex(), canon.Sex())
		require.Equal(t, c.Birthplace(), canon.Birthplace())
		ref := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
		birth := c.BirthDate(ref)
		require.Equal(t, birth, canon.BirthDate(ref))
		require.Equal(t, c.BirthMonth(), birth.Month())
		require.Equal(t, c.BirthDay(), birth.Day())
		require.Equal(t, c.YearTwoDigits(), birth.Year()%100)
	})
}

func FuzzGenerate(f *testing.F) {
	f.Add("Rossi", "Mario", int64(-63158400), byte('M'), uint16(501), byte('H'))
	f.Add("Dell'Acqua", "Anna Maria", int64(951782400), byte('f'), uint16(219), byte('l'))
	f.Add("Fo", "O", int64(0), byte('F'), uint16(330), byte('Z'))
	f.Add("Öztürk-Weiß", "Niccolò", int64(-2208988800), byte('M'), uint16(0), byte('A'))
	f.Add("王", "Mario", int64(1), byte('M'), uint16(1), byte('A'))
	f.Add("Rossi", "Mario", int64(1), byte('X'), uint16(1), byte('1'))

	f.Fuzz(func(t *testing.T, surname, name string, unix int64, sex byte, placeNumber uint16, placeLetter byte) {
		// Births within about a thousand years of 1970 cover every two-digit
		// year and every century rule.
		birth := time.Unix(unix%(1000*365*86400), 0).UTC()
		belfiore := string([]byte{placeLetter, '0' + byte(placeNumber/100%10), '0' + byte(placeNumber/10%10), '0' + byte(placeNumber%10)})

		code, err := Generate(surname, name, birth, sex, belfiore)

		letterOK := len(latinLetters(surname)) > 0 && len(latinLetters(name)) > 0
		sexOK := strings.ContainsRune("MmFf", rune(sex)) && sex != 0
		placeOK := upperASCII(placeLetter) >= 'A' && upperASCII(placeLetter) <= 'Z'
		hasASCIILetter := func(s string) bool {
			return strings.ContainsFunc(s, func(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' })
		}
		if hasASCIILetter(surname) && hasASCIILetter(name) {
			require.True(t, letterOK)
		}
		if !letterOK || !sexOK || !placeOK {
			require.ErrorIs(t, err, ErrInput)
			var cfErr *Error
			require.ErrorAs(t, err, &cfErr)
			require.Contains(t, []string{"surname", "name", "sex", "birthplace"}, cfErr.Field)
			return
		}
		require.NoError(t, err)

		c, err := Parse(code)
		require.NoError(t, err, code)
		require.Equal(t, code, c.String())
		require.False(t, c.IsOmocode())
		require.Equal(t, strings.ToUpper(belfiore), c.Birthplace())
		require.Equal(t, upperASCII(sex), c.Sex())
		// The birth date itself is a reference that recovers it.
		y, m, d := birth.Date()
		require.Equal(t, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), c.BirthDate(birth))
	})
}
