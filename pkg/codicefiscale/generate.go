package codicefiscale

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Generate builds the base tax code for the given personal data: surname and
// name letters by the standard consonant/vowel rules, birth date, sex ('M' or
// 'F', either case) and the Belfiore code of the birthplace (e.g. "H501", or
// "Z###" for a foreign country). The birth date is read as a calendar date in
// its own location.
//
// Names may hold spaces, apostrophes, hyphens and accented Latin letters
// ("D'Amico", "Niccolò", "Müller"): accents are stripped and everything that
// is not a Latin letter is ignored. A name needs at least one Latin letter.
//
// The result is the code the rules give, never an omocode: the Revenue Agency
// issues codes and may have assigned a person an omocodic variant, so a
// generated code is fit for synthetic data and plausibility checks, not for
// guessing a real person's code.
func Generate(surname, name string, birth time.Time, sex byte, belfiore string) (string, error) {
	sur := latinLetters(surname)
	if len(sur) == 0 {
		return "", inputError("surname", "has no Latin letters")
	}
	given := latinLetters(name)
	if len(given) == 0 {
		return "", inputError("name", "has no Latin letters")
	}
	if birth.IsZero() {
		return "", inputError("birth_date", "is missing")
	}
	var female bool
	switch upperASCII(sex) {
	case 'M':
	case 'F':
		female = true
	default:
		return "", inputError("sex", "must be M or F, got %q", rune(sex))
	}
	place, err := normaliseBelfiore(belfiore)
	if err != nil {
		return "", err
	}

	var b [codeLen]byte
	copy(b[0:3], surnameLetters(sur))
	copy(b[3:6], nameLetters(given))
	y, m, d := birth.Date()
	yy := mod(y, 100)
	b[6], b[7] = '0'+byte(yy/10), '0'+byte(yy%10)
	b[8] = monthLetters[m-1]
	if female {
		d += 40
	}
	b[9], b[10] = '0'+byte(d/10), '0'+byte(d%10)
	copy(b[11:15], place)
	b[15] = checkChar(b[:15])
	return string(b[:]), nil
}

func normaliseBelfiore(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 4 {
		return "", inputError("birthplace", "must be a 4-character Belfiore code such as H501, got %q", s)
	}
	b := []byte(s)
	b[0] = upperASCII(b[0])
	if b[0] < 'A' || b[0] > 'Z' {
		return "", inputError("birthplace", "must start with a letter, got %q", s)
	}
	for _, c := range b[1:] {
		if c < '0' || c > '9' {
			return "", inputError("birthplace", "must be a letter followed by three digits, got %q", s)
		}
	}
	return string(b), nil
}

// surnameLetters takes the consonants in order, then the vowels, then pads
// with X, and keeps the first three.
func surnameLetters(letters []byte) []byte {
	out := make([]byte, 0, 3+len(letters))
	out = appendConsonants(out, letters)
	out = appendVowels(out, letters)
	out = append(out, "XXX"...)
	return out[:3]
}

// nameLetters follows the surname rule, except that a name with four or
// more consonants gives its first, third and fourth consonant.
func nameLetters(letters []byte) []byte {
	consonants := appendConsonants(nil, letters)
	if len(consonants) >= 4 {
		return []byte{consonants[0], consonants[2], consonants[3]}
	}
	return surnameLetters(letters)
}

func appendConsonants(dst, letters []byte) []byte {
	for _, c := range letters {
		if !isVowel(c) {
			dst = append(dst, c)
		}
	}
	return dst
}

func appendVowels(dst, letters []byte) []byte {
	for _, c := range letters {
		if isVowel(c) {
			dst = append(dst, c)
		}
	}
	return dst
}

func isVowel(c byte) bool {
	switch c {
	case 'A', 'E', 'I', 'O', 'U':
		return true
	}
	return false
}

// latinLetters upper-cases s and keeps only its Latin letters, accented ones
// folded to their base letter ("Ç" → "C", "ß" → "SS"). Combining marks of
// decomposed text are dropped with the other non-letters.
func latinLetters(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			out = append(out, byte(r-'a'+'A'))
		case 'A' <= r && r <= 'Z':
			out = append(out, byte(r))
		case r >= utf8.RuneSelf:
			u := unicode.ToUpper(r)
			if 'A' <= u && u <= 'Z' { // dotless ı, long ſ
				out = append(out, byte(u))
			} else {
				out = append(out, latinFold[u]...)
			}
		}
	}
	return out
}

// latinFold maps upper-case accented and special Latin letters (Latin-1
// Supplement, Latin Extended-A, and the Romanian comma-below letters) to
// plain ASCII letters. Each group lists the ASCII result, a colon, then the
// letters that fold to it.
var latinFold = func() map[rune]string {
	groups := []string{
		"A:ÀÁÂÃÄÅĀĂĄ", "AE:Æ", "C:ÇĆĈĊČ", "D:ĎĐÐ", "E:ÈÉÊËĒĔĖĘĚ",
		"G:ĜĞĠĢ", "H:ĤĦ", "I:ÌÍÎÏĨĪĬĮİ", "IJ:Ĳ", "J:Ĵ", "K:Ķ",
		"L:ĹĻĽĿŁ", "N:ÑŃŅŇŊ", "O:ÒÓÔÕÖØŌŎŐ", "OE:Œ", "R:ŔŖŘ",
		"S:ŚŜŞŠȘ", "SS:ßẞ", "T:ŢŤŦȚ", "TH:Þ", "U:ÙÚÛÜŨŪŬŮŰŲ",
		"W:Ŵ", "Y:ÝŶŸ", "Z:ŹŻŽ",
	}
	m := make(map[rune]string)
	for _, g := range groups {
		ascii, letters, _ := strings.Cut(g, ":")
		for _, r := range letters {
			m[r] = ascii
		}
	}
	return m
}()
