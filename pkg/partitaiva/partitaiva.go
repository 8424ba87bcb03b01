// Package partitaiva owns the 11-digit tax number of Italian organisations: the partita IVA
// (VAT number), which bodies without one also carry as their numeric codice fiscale.
package partitaiva

import (
	"errors"
	"fmt"
	"strings"
)

// Len is the number of digits of a valid number.
const Len = 11

// Sentinel errors; every error Parse returns is an *Error that unwraps to one of them.
var (
	// ErrFormat reports input that is not 11 digits.
	ErrFormat = errors.New("partitaiva: malformed number")
	// ErrCheck reports 11 digits whose last one does not match the check digit.
	ErrCheck = errors.New("partitaiva: check digit mismatch")
)

// Error says why a number was rejected. Reason is meant for people.
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return "partitaiva: " + e.Reason }

// Unwrap returns the sentinel classifying the error.
func (e *Error) Unwrap() error { return e.Err }

// Reason is what err says to people about a rejected number: the Reason of an *Error, else
// the error's text.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}

// Parse validates s, surrounding white space ignored, and returns its 11 digits. The last
// digit is the check digit over the first ten (the Luhn scheme: digits in even positions,
// counted from 1, are doubled and reduced by 9 when above 9; the check digit brings the
// sum to a multiple of 10). All zeros is refused: no office issues it.
func Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != Len {
		return "", &Error{Reason: fmt.Sprintf("must be %d digits, got %d characters", Len, len([]rune(s))), Err: ErrFormat}
	}
	for i := range Len {
		if s[i] < '0' || s[i] > '9' {
			return "", &Error{Reason: fmt.Sprintf("must be %d digits: character %d is not a digit", Len, i+1), Err: ErrFormat}
		}
	}
	if s == strings.Repeat("0", Len) {
		return "", &Error{Reason: "all zeros is not a number any office issues", Err: ErrFormat}
	}
	if want := checkDigit(s[:Len-1]); s[Len-1] != want {
		return "", &Error{Reason: fmt.Sprintf("check digit: want %c, got %c", want, s[Len-1]), Err: ErrCheck}
	}
	return s, nil
}

// CheckDigit returns the check digit of the first ten digits of a number.
func CheckDigit(first10 string) (byte, error) {
	if len(first10) != Len-1 {
		return 0, &Error{Reason: fmt.Sprintf("want %d digits, got %d characters", Len-1, len(first10)), Err: ErrFormat}
	}
	for i := range Len - 1 {
		if first10[i] < '0' || first10[i] > '9' {
			return 0, &Error{Reason: fmt.Sprintf("character %d is not a digit", i+1), Err: ErrFormat}
		}
	}
	return checkDigit(first10), nil
}

func checkDigit(first10 string) byte {
	sum := 0
	for i := range Len - 1 {
		d := int(first10[i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}
