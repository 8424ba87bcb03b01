package scalar

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// MarshalDateTime writes a point in time, RFC 3339 with the fraction of a second it has.
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads a point in time: RFC 3339, with a time and a zone offset. A
// bare date is refused rather than guessed at: which midnight, in which zone, is the
// client's to say.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Inputf("", "a DateTime must be a string such as 2024-01-01T00:00:00Z, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		reason := "is not a date and time RFC 3339 such as 2024-01-01T00:00:00Z"
		if _, derr := ParseDate(s); derr == nil {
			reason = "is a date without a time: write a point in time such as " + s + "T00:00:00Z (or with the offset meant)"
		}
		// The field is left blank: the error presenter fills in the argument's path.
		return time.Time{}, apperr.Input("", reason)
	}
	return t, nil
}
