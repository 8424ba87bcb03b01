// Package scalar implements the API's custom scalars.
package scalar

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// DateLayout is the only accepted spelling of a Date: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// MarshalDate writes a calendar date.
func MarshalDate(t time.Time) graphql.Marshaler { return date(t) }

// date is a Date as the response writes it: formatted on the stack straight into the
// response's buffer, where a closure, the formatted string and its quoted copy took an
// allocation each. A date needs no escaping: digits and dashes.
type date time.Time

func (d date) MarshalGQL(w io.Writer) {
	var buf [32]byte
	b := append(buf[:0], '"')
	b = time.Time(d).AppendFormat(b, DateLayout)
	b = append(b, '"')
	if bw, ok := w.(*bytes.Buffer); ok {
		bw.Write(b)
		return
	}
	// Another writer may keep what it is given: it gets a copy, and buf stays on the stack.
	_, _ = w.Write(bytes.Clone(b))
}

// UnmarshalDate reads a calendar date, rejecting anything but YYYY-MM-DD.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Inputf("", "a Date must be a string YYYY-MM-DD, got %T", v)
	}
	t, err := ParseDate(s)
	if err != nil {
		// The field is left blank: the error presenter fills in the argument's path.
		return time.Time{}, apperr.Input("", err.Error())
	}
	return t, nil
}

// ParseDate parses YYYY-MM-DD into a UTC midnight.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}
