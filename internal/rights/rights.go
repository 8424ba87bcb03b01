// Package rights carries out the data-subject request workflow (GDPR Art. 15-21): it
// checks each command whole, works out the legal deadlines, and writes through store.
package rights

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Kinds are the rights a request exercises: access (Art. 15), rectification (16),
// erasure (17), restriction (18) and objection (21).
var Kinds = []string{"ACCESS", "RECTIFICATION", "ERASURE", "RESTRICTION", "OBJECTION"}

// Outcomes are how a request ends.
var Outcomes = []string{"GRANTED", "PARTIALLY_GRANTED", "REFUSED", "WITHDRAWN"}

// MaxExtensionMonths is the extension Art. 12(3) allows "where necessary, taking into
// account the complexity and number of the requests".
const MaxExtensionMonths = 2

// AddMonths adds n calendar months to a day, ending on the month's last day when the
// day does not exist there (31 January + 1 month = 28 or 29 February), as PostgreSQL's
// date + interval does: the deadline never slips into the month after.
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC)
}

// DueOn is the day a request received on received must be answered by: one month.
func DueOn(received time.Time) time.Time { return AddMonths(received, 1) }

// Overdue reports whether an open request is past its deadline on day today.
func Overdue(r rightsdata.Request, today time.Time) bool {
	return r.Status != "CLOSED" && r.Deadline().Before(day(today))
}

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CreateInput is a request as the data protection officer records it.
type CreateInput struct {
	PersonID   string // a Person global id
	Kind       string
	ReceivedOn time.Time
	Details    *string
}

// Create records a received request; its deadline is one month from receipt.
func Create(ctx context.Context, tx *store.Tx, in CreateInput, actor string, today time.Time) (rightsdata.Request, error) {
	var c apperr.Collector
	person := decode(&c, "input.personId", in.PersonID, "Person")
	kind := strings.TrimSpace(in.Kind)
	if !slices.Contains(Kinds, kind) {
		c.Addf("input.kind", "unknown kind %q (want one of %s)", in.Kind, strings.Join(Kinds, ", "))
	}
	received := day(in.ReceivedOn)
	if received.After(day(today)) {
		c.Addf("input.receivedOn", "is in the future (%s)", received.Format(time.DateOnly))
	}
	var details string
	if in.Details != nil {
		details = strings.TrimSpace(*in.Details)
	}
	if len([]rune(details)) > 4000 {
		c.Add("input.details", "is longer than 4000 characters")
	}
	if person != "" {
		ps, err := casedata.PersonsByIDs(ctx, tx, []string{person})
		if err != nil {
			return rightsdata.Request{}, err
		}
		if len(ps) == 0 {
			c.Add("input.personId", "does not exist or is not visible to you")
		}
	}
	if err := c.Err(); err != nil {
		return rightsdata.Request{}, err
	}
	id, err := rightsdata.CreateRequest(ctx, tx, rightsdata.NewRequest{PersonID: person, Kind: kind, ReceivedOn: received,
		DueOn: DueOn(received), Details: details, CreatedBy: actor})
	if err != nil {
		return rightsdata.Request{}, err
	}
	return load(ctx, tx, id)
}

// AssignInput gives a request to whoever handles it.
type AssignInput struct {
	RequestID string
	Assignee  string
}

// Assign gives an open request to a handler.
func Assign(ctx context.Context, tx *store.Tx, in AssignInput, actor string) (rightsdata.Request, error) {
	var c apperr.Collector
	id := decode(&c, "input.requestId", in.RequestID, "RightsRequest")
	who := strings.TrimSpace(in.Assignee)
	switch {
	case who == "":
		c.Add("input.assignee", "is required")
	case len([]rune(who)) > 200:
		c.Add("input.assignee", "is longer than 200 characters")
	}
	if _, err := open(ctx, tx, &c, id); err != nil {
		return rightsdata.Request{}, err
	}
	if err := c.Err(); err != nil {
		return rightsdata.Request{}, err
	}
	if err := rightsdata.AssignRequest(ctx, tx, id, who, actor); err != nil {
		return rightsdata.Request{}, err
	}
	return load(ctx, tx, id)
}

// ExtendInput extends a request's deadline (Art. 12(3)).
type ExtendInput struct {
	RequestID string
	Months    int
	Reason    string
}

// Extend moves an open request's deadline by one or two months beyond the first, with
// the reason the person is told. Art. 12(3) lets the controller extend only while the
// first month runs, and by at most two further months in all.
func Extend(ctx context.Context, tx *store.Tx, in ExtendInput, actor string, today time.Time) (rightsdata.Request, error) {
	var c apperr.Collector
	id := decode(&c, "input.requestId", in.RequestID, "RightsRequest")
	if in.Months < 1 || in.Months > MaxExtensionMonths {
		c.Addf("input.months", "must be 1 or %d (Art. 12(3) allows two further months at most), got %d", MaxExtensionMonths, in.Months)
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		c.Add("input.reason", "is required: the person must be told why the answer is late (Art. 12(3))")
	case len([]rune(reason)) > 2000:
		c.Add("input.reason", "is longer than 2000 characters")
	}
	r, err := open(ctx, tx, &c, id)
	if err != nil {
		return r, err
	}
	if r.ID != "" {
		if r.ExtendedDueOn != nil {
			c.Addf("input.requestId", "was extended already, to %s", r.ExtendedDueOn.Format(time.DateOnly))
		} else if day(today).After(r.DueOn) {
			c.Addf("input.requestId", "its first month ended on %s: an extension must be decided within it (Art. 12(3))", r.DueOn.Format(time.DateOnly))
		}
	}
	if err := c.Err(); err != nil {
		return rightsdata.Request{}, err
	}
	to := AddMonths(r.ReceivedOn, 1+in.Months)
	if err := rightsdata.ExtendRequest(ctx, tx, id, to, reason, actor); err != nil {
		return rightsdata.Request{}, err
	}
	return load(ctx, tx, id)
}

// CloseInput closes a request with what was done.
type CloseInput struct {
	RequestID  string
	Outcome    string
	Answer     string
	AnsweredOn time.Time
}

// Close records the answer given and closes the request.
func Close(ctx context.Context, tx *store.Tx, in CloseInput, actor string, today time.Time) (rightsdata.Request, error) {
	var c apperr.Collector
	id := decode(&c, "input.requestId", in.RequestID, "RightsRequest")
	if !slices.Contains(Outcomes, strings.TrimSpace(in.Outcome)) {
		c.Addf("input.outcome", "unknown outcome %q (want one of %s)", in.Outcome, strings.Join(Outcomes, ", "))
	}
	answer := strings.TrimSpace(in.Answer)
	switch {
	case answer == "":
		c.Add("input.answer", "is required: what was done, as the person was told")
	case len([]rune(answer)) > 8000:
		c.Add("input.answer", "is longer than 8000 characters")
	}
	answered := day(in.AnsweredOn)
	if answered.After(day(today)) {
		c.Addf("input.answeredOn", "is in the future (%s)", answered.Format(time.DateOnly))
	}
	r, err := open(ctx, tx, &c, id)
	if err != nil {
		return r, err
	}
	if r.ID != "" && answered.Before(r.ReceivedOn) {
		c.Addf("input.answeredOn", "is before the request was received (%s)", r.ReceivedOn.Format(time.DateOnly))
	}
	if err := c.Err(); err != nil {
		return rightsdata.Request{}, err
	}
	if err := rightsdata.CloseRequest(ctx, tx, id, strings.TrimSpace(in.Outcome), answer, answered, actor); err != nil {
		return rightsdata.Request{}, err
	}
	return load(ctx, tx, id)
}

// decode reads a global id of type typ at field.
func decode(c *apperr.Collector, field, gid, typ string) string {
	if strings.TrimSpace(gid) == "" {
		c.Add(field, "is required")
		return ""
	}
	id, err := globalid.DecodeAs(gid, typ)
	if err != nil {
		c.Add(field, err.Error())
		return ""
	}
	return id
}

// open loads the request id, reporting at input.requestId one that is missing or closed.
func open(ctx context.Context, tx *store.Tx, c *apperr.Collector, id string) (rightsdata.Request, error) {
	if id == "" {
		return rightsdata.Request{}, nil
	}
	rs, err := rightsdata.RequestsByIDs(ctx, tx, []string{id})
	if err != nil {
		return rightsdata.Request{}, err
	}
	switch {
	case len(rs) == 0:
		c.Add("input.requestId", "does not exist or is not visible to you")
		return rightsdata.Request{}, nil
	case rs[0].Status == "CLOSED":
		c.Addf("input.requestId", "was closed on %s", rs[0].AnsweredOn.Format(time.DateOnly))
	}
	return rs[0], nil
}

func load(ctx context.Context, tx *store.Tx, id string) (rightsdata.Request, error) {
	rs, err := rightsdata.RequestsByIDs(ctx, tx, []string{id})
	if err != nil {
		return rightsdata.Request{}, err
	}
	if len(rs) == 0 {
		return rightsdata.Request{}, apperr.ErrNotFound
	}
	return rs[0], nil
}
