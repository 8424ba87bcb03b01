// Package codicefiscale owns the Italian tax code (codice fiscale) of natural persons:
// parsing and validation, omocodic variants, birth-data decoding, and generation from personal data.
package codicefiscale

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

const codeLen = 16

// Pattern is the layout every valid tax code matches once trimmed and
// upper-cased. Parse checks it position by position instead of through a
// regexp, to name the offending position in its error and to stay cheap.
const Pattern = `^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$`

// omocodicLetters stand for the digits 0-9 in the positions where a digit
// may be replaced to tell apart two people with the same base code.
const omocodicLetters = "LMNPQRSTUV"

// monthLetters are the month codes, January first.
const monthLetters = "ABCDEHLMPRST"

// omocodicPositions are the 0-based indexes of the seven substitutable digits
// (1-based positions 7, 8, 10, 11, 13, 14, 15).
var omocodicPositions = [7]int{6, 7, 9, 10, 12, 13, 14}

// digitValue maps a digit or omocodic letter to 0-9, anything else to -1.
var digitValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range 10 {
		t['0'+i] = int8(i)
		t[omocodicLetters[i]] = int8(i)
	}
	return t
}()

// monthValue maps a month letter to 1-12, anything else to 0.
var monthValue = func() (t [256]uint8) {
	for i := range len(monthLetters) {
		t[monthLetters[i]] = uint8(i + 1)
	}
	return t
}()

type charClass uint8

const (
	classLetter charClass = iota
	classDigit            // digit or omocodic letter
	classMonth
)

// layout gives, for each position, what it may hold and what it encodes.
var layout = [codeLen]struct {
	class charClass
	part  string
}{
	{classLetter, "surname"}, {classLetter, "surname"}, {classLetter, "surname"},
	{classLetter, "name"}, {classLetter, "name"}, {classLetter, "name"},
	{classDigit, "birth year"}, {classDigit, "birth year"},
	{classMonth, "birth month"},
	{classDigit, "birth day"}, {classDigit, "birth day"},
	{classLetter, "birthplace"},
	{classDigit, "birthplace"}, {classDigit, "birthplace"}, {classDigit, "birthplace"},
	{classLetter, "check character"},
}

// Code is a validated tax code. The zero Code is not a valid code: its
// String is empty and its other methods return zero values.
//
// A code carries the birth year as two digits only, so turning it into a
// full birth date needs a reference date; see BirthDate.
type Code struct {
	s       string // normalised: trimmed, upper-case, exactly as issued
	place   [4]byte
	year    uint8 // 0-99
	month   uint8 // 1-12
	day     uint8 // 1-31
	female  bool
	omocode bool
}

// Parse validates s and returns the code it denotes. Surrounding white space
// is ignored and lower-case letters are accepted. It rejects, in this order,
// codes with the wrong length or a character out of place (ErrFormat, which
// covers unknown month letters), codes whose day cannot exist in the encoded
// month (ErrDate), and codes whose check character does not match (ErrCheck).
// Omocodic letters are accepted in any of the seven substitutable positions;
// the check character is verified on the code as written.
func Parse(s string) (Code, error) {
	s = strings.TrimSpace(s)
	if len(s) != codeLen {
		return Code{}, lengthError(s)
	}

	var b [codeLen]byte
	for i := range codeLen {
		c := upperASCII(s[i])
		if !fits(layout[i].class, c) {
			// Every earlier byte passed its check, so was ASCII: the byte
			// offset is also the character position.
			return Code{}, charError(s[i:], i)
		}
		b[i] = c
	}

	c := Code{
		year:  uint8(digitValue[b[6]]*10 + digitValue[b[7]]),
		month: monthValue[b[8]],
	}
	for _, p := range omocodicPositions {
		if b[p] > '9' {
			c.omocode = true
		}
	}
	c.place[0] = b[11]
	for i := 1; i < 4; i++ {
		c.place[i] = '0' + byte(digitValue[b[11+i]])
	}

	day := int(digitValue[b[9]])*10 + int(digitValue[b[10]])
	switch {
	case 1 <= day && day <= 31:
		c.day = uint8(day)
	case 41 <= day && day <= 71:
		c.day, c.female = uint8(day-40), true
	default:
		return Code{}, codeError(ErrDate, "birth day %02d is out of range: 01-31 for men, 41-71 for women", day)
	}
	if int(c.day) > daysIn(c.month, c.year) {
		if c.month == 2 && c.day == 29 {
			return Code{}, codeError(ErrDate, "29 February does not exist in a year ending in %02d", c.year)
		}
		return Code{}, codeError(ErrDate, "%s has no day %d", time.Month(c.month), c.day)
	}

	if want := checkChar(b[:codeLen-1]); b[codeLen-1] != want {
		return Code{}, codeError(ErrCheck, "check character: want %c, got %c", want, b[codeLen-1])
	}

	if string(b[:]) == s {
		c.s = s // already normalised: keep the caller's string, no copy
	} else {
		c.s = string(b[:])
	}
	return c, nil
}

func fits(class charClass, c byte) bool {
	switch class {
	case classLetter:
		return 'A' <= c && c <= 'Z'
	case classDigit:
		return digitValue[c] >= 0
	default:
		return monthValue[c] != 0
	}
}

func lengthError(s string) *Error {
	if s == "" {
		return codeError(ErrFormat, "is empty")
	}
	n := utf8.RuneCountInString(s)
	if n == codeLen {
		// Sixteen characters, but not all single-byte: name the first
		// character that cannot belong to a tax code.
		pos := 0
		for i, r := range s {
			if r >= utf8.RuneSelf {
				return charError(s[i:], pos)
			}
			pos++
		}
	}
	return codeError(ErrFormat, "must be %d characters, got %d", codeLen, n)
}

// charError reports the first character of rest, found at 0-based position
// pos of a code where it does not belong.
func charError(rest string, pos int) *Error {
	want := fmt.Sprintf("position %d: %s must be %s", pos+1, layout[pos].part, expected(layout[pos].class))
	r, size := utf8.DecodeRuneInString(rest)
	if r == utf8.RuneError && size <= 1 {
		return codeError(ErrFormat, "%s, got invalid UTF-8 byte 0x%02X", want, rest[0])
	}
	return codeError(ErrFormat, "%s, got %q", want, r)
}

func expected(class charClass) string {
	switch class {
	case classLetter:
		return "a letter A-Z"
	case classDigit:
		return "a digit or one of " + omocodicLetters
	default:
		return "one of " + monthLetters
	}
}

// daysIn returns the length of month in a year ending in the two digits yy.
// February has 29 days whenever yy is a multiple of four: for yy = 00 that
// holds in 2000 though not in 1900, and the code cannot tell them apart.
func daysIn(month, yy uint8) int {
	switch month {
	case 2:
		if yy%4 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// String returns the code as issued, upper-case, omocodic letters included.
func (c Code) String() string { return c.s }

// IsZero reports whether c is the zero Code rather than a parsed one.
func (c Code) IsZero() bool { return c.s == "" }

// Sex returns 'F' or 'M' (0 for the zero Code).
func (c Code) Sex() byte {
	switch {
	case c.s == "":
		return 0
	case c.female:
		return 'F'
	default:
		return 'M'
	}
}

// YearTwoDigits returns the last two digits of the birth year, 0-99.
func (c Code) YearTwoDigits() int { return int(c.year) }

// BirthMonth returns the birth month.
func (c Code) BirthMonth() time.Month { return time.Month(c.month) }

// BirthDay returns the day of the month of birth, 1-31 (the +40 that marks
// women already removed).
func (c Code) BirthDay() int { return int(c.day) }

// Birthplace returns the cadastral (Belfiore) code of the place of birth,
// omocodic letters decoded: "L219" for Turin, "Z330" for Morocco.
func (c Code) Birthplace() string {
	if c.s == "" {
		return ""
	}
	return string(c.place[:])
}

// BornAbroad reports whether the birthplace is a foreign country (a Z code).
func (c Code) BornAbroad() bool { return c.place[0] == 'Z' }

// IsOmocode reports whether any substitutable digit is written as a letter.
func (c Code) IsOmocode() bool { return c.omocode }

// Canonical returns the base code: omocodic letters turned back into digits
// and the check character recomputed. All 128 variants of a code share it.
// It identifies the encoded birth data, not a person: omocodes exist precisely
// because two people can share a base code, so never merge records on it.
func (c Code) Canonical() string {
	if !c.omocode {
		return c.s
	}
	b := []byte(c.s)
	for _, p := range omocodicPositions {
		b[p] = '0' + byte(digitValue[b[p]])
	}
	b[codeLen-1] = checkChar(b[:codeLen-1])
	return string(b)
}

// BirthDate returns the date of birth at midnight UTC, choosing the century
// from ref: the birth year is the latest year ending in the code's two digits
// for which the full birth date is not after ref's calendar date (read in
// ref's own location). With ref 2026-03-01, year 05 gives 2005, year 30 gives
// 1930, and 1 December of year 26 gives 1926 (2026-12-01 has not come yet),
// while 1 March of year 26 gives 2026. Pass the date the code was recorded
// at — for ESF participants, the entry date into the operation — rather than
// today, so a record decodes the same way forever; this is only wrong for
// people more than a hundred years older than the reference.
//
// 29 February of year 00 exists in 2000 but not in 1900, so it resolves to
// the latest year divisible by 400 not after ref, or to 2000 when ref is
// before 29 February 2000, as no earlier date is plausible.
func (c Code) BirthDate(ref time.Time) time.Time {
	if c.s == "" {
		return time.Time{}
	}
	ry, rm, rd := ref.Date()
	month, day := time.Month(c.month), int(c.day)
	notAfterRef := func(y int) bool {
		return y < ry || y == ry && (month < rm || month == rm && day <= rd)
	}

	var y int
	if c.year == 0 && month == time.February && day == 29 {
		// Only centuries divisible by 400 are leap years.
		y = ry - mod(ry, 400)
		if !notAfterRef(y) {
			y -= 400
		}
		y = max(y, 2000)
	} else {
		y = ry - mod(ry, 100) + int(c.year)
		if !notAfterRef(y) {
			y -= 100
		}
	}
	return time.Date(y, month, day, 0, 0, 0, 0, time.UTC)
}

func mod(a, b int) int {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// MarshalText returns the code as issued, so a Code can be a JSON string.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.s), nil }

// UnmarshalText parses text with Parse.
func (c *Code) UnmarshalText(text []byte) error {
	parsed, err := Parse(string(text))
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}
