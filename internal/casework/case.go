package casework

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// CheckCaseOpen requires the case to exist, be visible, not be closed, and have opened on
// or before the given date. It returns the case (nil when it failed) for further checks.
func CheckCaseOpen(ctx context.Context, tx *store.Tx, c *Checker, caseID string, on time.Time, dateField string) (*casedata.Case, error) {
	cs, ok, err := One(ctx, c, "caseId", caseID, store.Bind(tx, casedata.CasesByIDs))
	if err != nil || !ok {
		return nil, err
	}
	if cs.Status == "CLOSED" {
		c.Add("input.caseId", "case is closed")
	}
	if !on.IsZero() {
		c.NotBefore(dateField, on, cs.OpenedOn, "the case's opening date")
	}
	if err := Guard(ctx, cs.ID); err != nil {
		return nil, err
	}
	return &cs, nil
}

// CheckInCase requires the person to be the case's person or a member of its household;
// cs nil (the case failed its own check) checks nothing.
func CheckInCase(ctx context.Context, tx *store.Tx, c *Checker, cs *casedata.Case, personID, field string) error {
	if cs == nil || personID == "" {
		return nil
	}
	if cs.PersonID != nil && *cs.PersonID == personID {
		return nil
	}
	if cs.HouseholdID != nil {
		members, err := casedata.MembersByHousehold(ctx, tx, []string{*cs.HouseholdID})
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.PersonID == personID {
				return nil
			}
		}
	}
	c.Add("input."+field, "is neither the case's person nor a member of its household")
	return nil
}

// RequireLead refuses a command that maintains the case itself (its team, its status,
// its referrals and transfers) to an actor whose organisation does not lead it: the
// leading organisation holds the case and its legal basis.
func RequireLead(ctx context.Context, cs *casedata.Case) error {
	a := ActorFrom(ctx)
	if cs == nil || a.OrganisationID == "" || a.OrganisationID == cs.OrganisationID {
		return nil
	}
	return &access.DeniedError{Reason: "only the organisation leading the case maintains it, refers it or transfers it"}
}

// Delivery follows visibility: the organisation named as provider of a project or an
// intervention takes part in the case (role PROVIDER) from the delivery's start, in the
// transaction that names it, and stops when that delivery ends, unless another reason
// (another delivery, a referral, being named a partner) keeps it in.

// StartDelivery records that orgID takes part in the case while the project or
// intervention basisID runs.
func StartDelivery(ctx context.Context, tx *store.Tx, caseID, orgID, basis, basisID string, from time.Time) error {
	return casedata.StartParticipation(ctx, tx, casedata.NewParticipation{CaseID: caseID, OrganisationID: orgID, Role: casedata.RoleProvider,
		Basis: basis, BasisID: &basisID, FromOn: from})
}

// EndBasis ends the participation the project or intervention basisID opened.
func EndBasis(ctx context.Context, tx *store.Tx, caseID, basisID string, on time.Time, reason string) error {
	_, err := casedata.EndParticipations(ctx, tx, casedata.ParticipationEnd{CaseID: caseID, BasisID: &basisID, On: on, Reason: reason})
	return err
}

// CloseReferral ends an open referral (WITHDRAWN before an answer, ENDED after
// acceptance), with its step in the history; the participation it opened ends with it.
func CloseReferral(ctx context.Context, tx *store.Tx, r casedata.Referral, on time.Time, reason string) error {
	status := "ENDED"
	if r.Status == "REQUESTED" {
		status = "WITHDRAWN"
	}
	if err := casedata.CloseReferral(ctx, tx, r.ID, status, reason); err != nil {
		return err
	}
	if err := Event(ctx, tx, casedata.CaseEvent{CaseID: r.CaseID, Kind: "REFERRAL_" + status, SubjectID: &r.ID,
		OrganisationID: &r.ToOrganisationID, Reason: &reason, EffectiveOn: &on}); err != nil {
		return err
	}
	if status == "ENDED" {
		return EndBasis(ctx, tx, r.CaseID, r.ID, on, reason)
	}
	return nil
}

// Distinct keeps the first of each string, in order.
func Distinct(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
