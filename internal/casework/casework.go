// Package casework carries out the case workflow's commands (open a case, record an
// assessment, activate an intervention…): it checks each input whole and writes through store.
package casework

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// checker gathers every problem of one input, with field paths as the client wrote them.
type checker struct {
	apperr.Collector
}

// id decodes a required global id of type typ at input.field.
func (c *checker) id(field, gid, typ string) string {
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

// optID decodes an optional global id.
func (c *checker) optID(field string, gid *string, typ string) *string {
	if gid == nil {
		return nil
	}
	id := c.id(field, *gid, typ)
	if id == "" {
		return nil
	}
	return &id
}

// ids decodes a list of global ids.
func (c *checker) ids(field string, gids []string, typ string) []string {
	out := make([]string, 0, len(gids))
	for _, g := range gids {
		if id := c.id(field, g, typ); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// text requires a non-blank string no longer than max runes.
func (c *checker) text(field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		c.Add("input."+field, "is required")
	case len([]rune(s)) > max:
		c.Addf("input."+field, "is longer than %d characters", max)
	}
	return s
}

// optText trims an optional string, turning blank into absent.
func (c *checker) optText(field string, s *string, max int) *string {
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

// notFuture rejects dates after today: the workflow records what happened.
func (c *checker) notFuture(field string, d time.Time, now time.Time) {
	if d.After(now) {
		c.Addf("input."+field, "is in the future (%s)", d.Format("2006-01-02"))
	}
}

// notBefore requires d on or after min.
func (c *checker) notBefore(field string, d, min time.Time, what string) {
	if d.Before(min) {
		c.Addf("input."+field, "is before %s (%s)", what, min.Format("2006-01-02"))
	}
}

// exists turns a lookup's not-found into an input error on field, so a client learns which
// reference was wrong; other errors pass through.
func (c *checker) exists(field string, err error) error {
	if errors.Is(err, apperr.ErrNotFound) {
		c.Add("input."+field, "does not exist or is not visible to you")
		return nil
	}
	return err
}

// one loads the single row with id, or reports field as not found.
func one[T any](ctx context.Context, c *checker, field, id string, load func(context.Context, []string) ([]T, error)) (T, bool, error) {
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

// today is the date the workflow compares with; a variable so tests can pin it.
var today = func() time.Time {
	n := time.Now().UTC()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// reload fetches a row just written, which must be visible in the same transaction.
func reload[T any](ctx context.Context, id string, load func(context.Context, []string) ([]T, error)) (T, error) {
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
