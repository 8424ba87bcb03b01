// Package casework holds what the case workflow's commands share: the actor who runs them,
// the checker that gathers every problem of an input, the case's history, and the rules about
// a case every area applies. The commands live by area in person, casefile, project and
// referral.
package casework

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Checker gathers every problem of one input, with field paths as the client wrote them.
type Checker struct {
	apperr.Collector
}

// ID decodes a required global id of type typ at input.field.
func (c *Checker) ID(field, gid, typ string) string {
	if strings.TrimSpace(gid) == "" {
		c.Add("input."+field, "is required")
		return ""
	}
	id, err := globalid.DecodeAs(gid, typ)
	if err != nil {
		c.Add("input."+field, err.Error())
		return ""
	}
	return id
}

// OptID decodes an optional global id.
func (c *Checker) OptID(field string, gid *string, typ string) *string {
	if gid == nil {
		return nil
	}
	id := c.ID(field, *gid, typ)
	if id == "" {
		return nil
	}
	return &id
}

// IDs decodes a list of global ids.
func (c *Checker) IDs(field string, gids []string, typ string) []string {
	out := make([]string, 0, len(gids))
	for _, g := range gids {
		if id := c.ID(field, g, typ); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Text requires a non-blank string no longer than max runes.
func (c *Checker) Text(field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		c.Add("input."+field, "is required")
	case len([]rune(s)) > max:
		c.Addf("input."+field, "is longer than %d characters", max)
	}
	return s
}

// OptText trims an optional string, turning blank into absent.
func (c *Checker) OptText(field string, s *string, max int) *string {
	if s == nil {
		return nil
	}
	v := strings.TrimSpace(*s)
	if v == "" {
		return nil
	}
	if len([]rune(v)) > max {
		c.Addf("input."+field, "is longer than %d characters", max)
	}
	return &v
}

// NotFuture rejects dates after today: the workflow records what happened.
func (c *Checker) NotFuture(field string, d time.Time, now time.Time) {
	if d.After(now) {
		c.Addf("input."+field, "is in the future (%s)", d.Format("2006-01-02"))
	}
}

// NotBefore requires d on or after min.
func (c *Checker) NotBefore(field string, d, min time.Time, what string) {
	if d.Before(min) {
		c.Addf("input."+field, "is before %s (%s)", what, min.Format("2006-01-02"))
	}
}

// Exists turns a lookup's not-found into an input error on field, so a client learns which
// reference was wrong; other errors pass through.
func (c *Checker) Exists(field string, err error) error {
	if errors.Is(err, apperr.ErrNotFound) {
		c.Add("input."+field, "does not exist or is not visible to you")
		return nil
	}
	return err
}

// One loads the single row with id, or reports field as not found.
func One[T any](ctx context.Context, c *Checker, field, id string, load func(context.Context, []string) ([]T, error)) (T, bool, error) {
	var zero T
	if id == "" {
		return zero, false, nil
	}
	rows, err := load(ctx, []string{id})
	if err != nil {
		return zero, false, err
	}
	if len(rows) == 0 {
		c.Add("input."+field, "does not exist or is not visible to you")
		return zero, false, nil
	}
	return rows[0], true, nil
}

// Today is the date the workflow compares with; a variable so tests can pin it.
var Today = func() time.Time {
	n := time.Now().UTC()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// Reload fetches a row just written, which must be visible in the same transaction.
func Reload[T any](ctx context.Context, id string, load func(context.Context, []string) ([]T, error)) (T, error) {
	rows, err := load(ctx, []string{id})
	var zero T
	if err != nil {
		return zero, err
	}
	if len(rows) == 0 {
		return zero, apperr.ErrNotFound
	}
	return rows[0], nil
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// Country checks an optional ISO 3166 alpha-2 country code, upper-casing it.
func (c *Checker) Country(field string, v *string) *string {
	s := c.OptText(field, v, 2)
	if s == nil {
		return nil
	}
	u := strings.ToUpper(*s)
	if !countryRE.MatchString(u) {
		c.Add("input."+field, "must be an ISO 3166 alpha-2 country code such as IT")
		return nil
	}
	return &u
}
