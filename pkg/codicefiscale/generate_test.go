package codicefiscale

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGenerateVectors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		surname, name string
		birth         time.Time
		sex           byte
		place         string
		want          string
	}{
		{"Rossi", "Mario", date(1968, time.January, 1), 'M', "H501", "RSSMRA68A01H501Y"},
		{"Cicco", "Fabio", date(1985, time.April, 3), 'M', "L219", "CCCFBA85D03L219P"},
		{"Martini", "Maria", date(1983, time.December, 16), 'F', "A269", "MRTMRA83T56A269B"},
		{"Thad", "Sadia", date(1995, time.September, 8), 'M', "Z330", "THDSDA95P08Z330H"},
		{"rossi", "MARIO", date(1968, time.January, 1), 'm', " h501 ", "RSSMRA68A01H501Y"},
		{"Martini", "Maria", date(1983, time.December, 16), 'f', "A269", "MRTMRA83T56A269B"},
	}
	for _, tt := range tests {
		got, err := Generate(tt.surname, tt.name, tt.birth, tt.sex, tt.place)
		require.NoError(t, err)
		require.Equal(t, tt.want, got, "%s %s", tt.name, tt.surname)
	}
}

func TestGenerateLetters(t *testing.T) {
	t.Parallel()

	birth := date(1990, time.May, 17)
	surnames := []struct{ in, want string }{
		{"Rossi", "RSS"},
		{"Bianchi", "BNC"},
		{"Neri", "NRE"},
		{"Fo", "FOX"},     // one consonant, one vowel, padded
		{"Re", "REX"},     // consonant before vowel even when it comes first
		{"Ai", "AIX"},     // vowels only
		{"O", "OXX"},      // a single letter
		{"Xu", "XUX"},     // X is a consonant, padding follows the vowel
		{"Yilmaz", "YLM"}, // Y is a consonant
		{"Dell'Acqua", "DLL"},
		{"De Luca", "DLC"},
		{"Lo Iacono", "LCN"},
		{"D’Amico", "DMC"}, // typographic apostrophe
		{"Muñoz", "MNZ"},
		{"Öztürk", "ZTR"},
		{"Șerban", "SRB"},
		{"Weiß", "WSS"},
		{"Ìlù", "LIU"},
		{"Zoë", "ZOE"},
		{"Ærø", "RAE"},
		{"Noe\u0308l", "NLO"}, // decomposed diaeresis
		{"Łukasz-Żółć", "LKS"},
		{"  van  der  Berg ", "VND"},
		{"O'Neill 3rd", "NLL"},
	}
	for _, tt := range surnames {
		got, err := Generate(tt.in, "Mario", birth, 'M', "H501")
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got[:3], "surname %q", tt.in)
	}

	names := []struct{ in, want string }{
		{"Mario", "MRA"},
		{"Fabio", "FBA"},
		{"Luca", "LCU"},
		{"Ugo", "GUO"},
		{"Al", "LAX"},
		{"O", "OXX"},
		{"Ö", "OXX"},
		{"Gianfranco", "GFR"}, // four or more consonants: first, third, fourth
		{"Alessandra", "LSN"},
		{"Niccolò", "NCL"},
		{"Anna Maria", "NMR"}, // several given names count as one
		{"Jean-Pierre", "JPR"},
		{"Élodie", "LDE"},
		{"Cristina", "CST"}, // C R S T N: first, third, fourth
		{"Carla", "CRL"},    // exactly three consonants
	}
	for _, tt := range names {
		got, err := Generate("Rossi", tt.in, birth, 'M', "H501")
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got[3:6], "name %q", tt.in)
	}
}

func TestGenerateDates(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		birth time.Time
		sex   byte
		want  string // positions 7-11
	}{
		{"leap day 2000", date(2000, time.February, 29), 'F', "00B69"},
		{"leap day 2024", date(2024, time.February, 29), 'M', "24B29"},
		{"new year", date(2001, time.January, 1), 'M', "01A01"},
		{"last day of year", date(1949, time.December, 31), 'F', "49T71"},
		{"calendar date in its own location", time.Date(1990, time.May, 1, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)), 'M', "90E01"},
		{"year before the common era", time.Date(-5, time.June, 15, 0, 0, 0, 0, time.UTC), 'M', "95H15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			code, err := Generate("Rossi", "Mario", tt.birth, tt.sex, "H501")
			require.NoError(t, err)
			require.Equal(t, tt.want, code[6:11])

			c, err := Parse(code)
			require.NoError(t, err)
			require.Equal(t, tt.sex, c.Sex())
		})
	}
}

func TestGenerateInvalid(t *testing.T) {
	t.Parallel()

	birth := date(1990, time.May, 17)
	tests := []struct {
		name                  string
		surname, given, place string
		birth                 time.Time
		sex                   byte
		field, reason         string
	}{
		{"empty surname", "", "Mario", "H501", birth, 'M', "surname", "has no Latin letters"},
		{"surname of punctuation", " '- . ", "Mario", "H501", birth, 'M', "surname", "has no Latin letters"},
		{"surname in another script", "王", "Mario", "H501", birth, 'M', "surname", "has no Latin letters"},
		{"name of digits", "Rossi", "123", "H501", birth, 'M', "name", "has no Latin letters"},
		{"missing birth date", "Rossi", "Mario", "H501", time.Time{}, 'M', "birth_date", "is missing"},
		{"unknown sex", "Rossi", "Mario", "H501", birth, 'X', "sex", "must be M or F, got 'X'"},
		{"no sex", "Rossi", "Mario", "H501", birth, 0, "sex", `must be M or F, got '\x00'`},
		{"empty birthplace", "Rossi", "Mario", "", birth, 'M', "birthplace", `must be a 4-character Belfiore code such as H501, got ""`},
		{"short birthplace", "Rossi", "Mario", "H50", birth, 'M', "birthplace", `must be a 4-character Belfiore code such as H501, got "H50"`},
		{"birthplace starting with a digit", "Rossi", "Mario", "1501", birth, 'M', "birthplace", `must start with a letter, got "1501"`},
		{"omocodic birthplace", "Rossi", "Mario", "H5L1", birth, 'M', "birthplace", `must be a letter followed by three digits, got "H5L1"`},
		{"accented birthplace", "Rossi", "Mario", "È01", birth, 'M', "birthplace", `must start with a letter, got "È01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			code, err := Generate(tt.surname, tt.given, tt.birth, tt.sex, tt.place)
			require.Empty(t, code)
			require.ErrorIs(t, err, ErrInput)
			var cfErr *Error
			require.ErrorAs(t, err, &cfErr)
			require.Equal(t, tt.field, cfErr.Field)
			require.Equal(t, tt.reason, cfErr.Reason)
		})
	}
}

// TestGenerateRoundTrip checks, over many generated people, that every code
// parses back to the data it was built from.
func TestGenerateRoundTrip(t *testing.T) {
	t.Parallel()

	rng := rand.New(rand.NewPCG(2026, 1))
	syllables := []string{
		"ma", "ri", "o", "ros", "si", "gian", "fran", "co", "è", "lù", "d'", "an", " ", "ch", "ià",
		"ze", "ñ", "gl", "ö", "str", "a", "u", "-", "ß", "y", "x", "k", "Ș", "ij", "ò",
	}
	word := func() string {
		var sb strings.Builder
		for range 1 + rng.IntN(5) {
			sb.WriteString(syllables[rng.IntN(len(syllables))])
		}
		return sb.String()
	}
	start := date(1900, time.January, 1)

	for range 5000 {
		surname, name := word(), word()
		birth := start.AddDate(0, 0, rng.IntN(126*366))
		sex := byte('M')
		if rng.IntN(2) == 0 {
			sex = 'F'
		}
		place := string(rune('A'+rng.IntN(26))) + string(rune('0'+rng.IntN(10))) +
			string(rune('0'+rng.IntN(10))) + string(rune('0'+rng.IntN(10)))

		code, err := Generate(surname, name, birth, sex, place)
		if len(latinLetters(surname)) == 0 || len(latinLetters(name)) == 0 {
			require.ErrorIs(t, err, ErrInput)
			continue
		}
		require.NoError(t, err, "%q %q", surname, name)

		c, err := Parse(code)
		require.NoError(t, err, "%q %q %s", surname, name, code)
		require.Equal(t, code, c.String())
		require.False(t, c.IsOmocode())
		require.Equal(t, code, c.Canonical())
		require.Equal(t, sex, c.Sex())
		require.Equal(t, place, c.Birthplace())
		require.Equal(t, place[0] == 'Z', c.BornAbroad())
		// Any reference within a hundred years after birth recovers it.
		ref := birth.AddDate(rng.IntN(100), rng.IntN(12), 0)
		require.Equal(t, birth, c.BirthDate(ref), "%s ref %s", code, ref)
	}
}
