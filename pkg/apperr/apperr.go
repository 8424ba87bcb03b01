// Package apperr is the hub's error vocabulary: the few kinds of failure the API reports to
// clients (bad input, not found, forbidden, unavailable), independent of where they arose.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinels for the kinds the API maps to GraphQL error codes.
var (
	// ErrNotFound: the object does not exist, or lies outside the caller's row scope.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller's access plan does not allow this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: a dependency (database, registry) did not answer in time.
	ErrUnavailable = errors.New("unavailable")
)

// FieldError is one problem with one input field.
type FieldError struct {
	// Field is the input path as the client wrote it, e.g. "input.taxCode".
	Field  string
	Reason string
}

// InputError lists every problem found in an input, so a client fixes them all at once.
type InputError struct {
	Fields []FieldError
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Input builds an InputError for one field.
func Input(field, reason string) *InputError {
	return &InputError{Fields: []FieldError{{Field: field, Reason: reason}}}
}

// Inputf builds an InputError for one field with a formatted reason.
func Inputf(field, format string, args ...any) *InputError {
	return Input(field, fmt.Sprintf(format, args...))
}

// Collector gathers field errors while an input is checked.
type Collector struct{ fields []FieldError }

// Add records a problem with field.
func (c *Collector) Add(field, reason string) { c.fields = append(c.fields, FieldError{field, reason}) }

// Addf records a problem with field with a formatted reason.
func (c *Collector) Addf(field, format string, args ...any) {
	c.Add(field, fmt.Sprintf(format, args...))
}

// Err is nil when nothing was added, else an *InputError with every problem.
func (c *Collector) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &InputError{Fields: c.fields}
}

// AsInput reports whether err carries an InputError.
func AsInput(err error) (*InputError, bool) {
	var ie *InputError
	ok := errors.As(err, &ie)
	return ie, ok
}

// RenameFields rewrites the field names of an InputError (a store column such as
// "tax_code" into the client's "input.taxCode"); other errors pass through unchanged.
func RenameFields(err error, names map[string]string) error {
	ie, ok := AsInput(err)
	if !ok {
		return err
	}
	out := &InputError{Fields: make([]FieldError, len(ie.Fields))}
	for i, f := range ie.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return out
}

// MapFields rewrites every field name of an InputError with name; other errors pass
// through unchanged.
func MapFields(err error, name func(string) string) error {
	ie, ok := AsInput(err)
	if !ok {
		return err
	}
	out := &InputError{Fields: make([]FieldError, len(ie.Fields))}
	for i, f := range ie.Fields {
		f.Field = name(f.Field)
		out.Fields[i] = f
	}
	return out
}

// ErrRestricted: the data asked for belongs to a person whose processing is restricted
// (GDPR Art. 18); it is kept, but not shown to this caller.
var ErrRestricted = errors.New("processing restricted")

// RestrictedError says whose processing is restricted, since when and why, so the
// refused caller knows the state and its reason.
type RestrictedError struct {
	// Person is the id the caller asked for, as it wrote it.
	Person string
	Since  time.Time
	Reason string
}

func (e *RestrictedError) Error() string {
	return fmt.Sprintf("processing of this person's data is restricted since %s (GDPR Art. 18): %s",
		e.Since.Format(time.DateOnly), e.Reason)
}

// Is makes a RestrictedError match ErrRestricted.
func (e *RestrictedError) Is(target error) bool { return target == ErrRestricted }

// ErrRetained: the data must be kept under a legal obligation, so it cannot be erased
// (GDPR Art. 17(3)(b)).
var ErrRetained = errors.New("kept under a legal obligation")

// RetainedError names the obligation that keeps the data and until when.
type RetainedError struct {
	// Obligation names the law and what it keeps, e.g. "Reg. (EU) 2021/1060 Art. 82:
	// the records of ESF+ operation X".
	Obligation string
	// Until is the last day the data is kept; nil while it cannot be known yet.
	Until *time.Time
	// Why says how Until follows from the law, or why it is not known yet.
	Why string
}

func (e *RetainedError) Error() string {
	until := "until a date not yet known"
	if e.Until != nil {
		until = "until " + e.Until.Format(time.DateOnly)
	}
	return fmt.Sprintf("erasure refused: the data is kept under a legal obligation (GDPR Art. 17(3)(b)), %s, %s: %s", e.Obligation, until, e.Why)
}

// Is makes a RetainedError match ErrRetained.
func (e *RetainedError) Is(target error) bool { return target == ErrRetained }
