package casework

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// Actor is who runs a command: their staff record and organisation, when the caller has
// them (an open hub's tools have neither).
type Actor struct {
	StaffID        string
	OrganisationID string
	// Guard, when set, is asked before a command writes to a case whether the caller may
	// write there what the command writes (an organisation that takes part through a
	// referral writes only the categories the referral names). nil allows.
	Guard func(ctx context.Context, caseID string) error
}

type actorKey struct{}

// WithActor returns ctx carrying the actor of the commands run with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the actor WithActor put in ctx; the zero Actor without one.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// StaffRef is the actor's staff id for the history, nil without one.
func (a Actor) StaffRef() *string {
	if a.StaffID == "" {
		return nil
	}
	return &a.StaffID
}

// Guard asks the actor's guard about a write to caseID.
func Guard(ctx context.Context, caseID string) error {
	if g := ActorFrom(ctx).Guard; g != nil && caseID != "" {
		return g(ctx, caseID)
	}
	return nil
}

// Event appends a step to a case's history, by the context's actor.
func Event(ctx context.Context, tx *store.Tx, e casedata.CaseEvent) error {
	e.ActorStaffID = ActorFrom(ctx).StaffRef()
	return casedata.AddCaseEvent(ctx, tx, e)
}

// Change is a field change for the history; nil when the value did not change.
func Change(field, category string, previous, value *string) *casedata.FieldChange {
	if (previous == nil) == (value == nil) && (previous == nil || *previous == *value) {
		return nil
	}
	return &casedata.FieldChange{Field: field, Category: category, Previous: previous, Value: value}
}

// Changes keeps the non-nil changes.
func Changes(cs ...*casedata.FieldChange) []casedata.FieldChange {
	out := []casedata.FieldChange{}
	for _, c := range cs {
		if c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// DateText is a date as the history writes it, nil for none.
func DateText(d *time.Time) *string {
	if d == nil {
		return nil
	}
	s := d.Format("2006-01-02")
	return &s
}
