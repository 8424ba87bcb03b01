package codicefiscale

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error returned by this package is an *Error that
// unwraps to exactly one of them, so callers branch with errors.Is.
var (
	// ErrFormat reports a tax code whose length or characters do not fit the
	// 16-character layout (including an unknown month letter).
	ErrFormat = errors.New("codicefiscale: malformed tax code")
	// ErrDate reports a well-formed tax code whose birth day cannot exist.
	ErrDate = errors.New("codicefiscale: impossible birth date")
	// ErrCheck reports a well-formed tax code whose last character does not
	// match the check character computed over the first fifteen.
	ErrCheck = errors.New("codicefiscale: check character mismatch")
	// ErrInput reports personal data from which no tax code can be built.
	ErrInput = errors.New("codicefiscale: invalid personal data")
)

// FieldTaxCode is the Field of every error returned by Parse and CheckChar.
const FieldTaxCode = "tax_code"

// Error describes why an input was rejected. Reason is meant for people; it
// never repeats the whole tax code, because a tax code is a direct
// identifier and error messages end up in logs.
type Error struct {
	// Field names the rejected input: "tax_code" for Parse, or one of
	// "surname", "name", "birth_date", "sex", "birthplace" for Generate.
	Field string
	// Reason says what is wrong, e.g. "check character: want P, got B".
	Reason string
	// Err is the sentinel the error unwraps to.
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("codicefiscale: %s: %s", e.Field, e.Reason)
}

// Unwrap returns the sentinel classifying the error.
func (e *Error) Unwrap() error { return e.Err }

func codeError(sentinel error, format string, args ...any) *Error {
	return &Error{Field: FieldTaxCode, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

func inputError(field, format string, args ...any) *Error {
	return &Error{Field: field, Reason: fmt.Sprintf(format, args...), Err: ErrInput}
}

// Reason is what err says to people about a rejected tax code: the Reason of an *Error,
// else the error's text.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}
