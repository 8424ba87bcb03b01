package casework

import (
	"context"
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
)

// Delivery follows visibility: the organisation named as provider of a project or an
// intervention takes part in the case (role PROVIDER) from the delivery's start, in the
// transaction that names it, and stops when that delivery ends, unless another reason
// (another delivery, a referral, being named a partner) keeps it in.

// startDelivery records that orgID takes part in the case while the project or
// intervention basisID runs.
func startDelivery(ctx context.Context, tx *store.Tx, caseID, orgID, basis, basisID string, from time.Time) error {
	return tx.StartParticipation(ctx, store.NewParticipation{CaseID: caseID, OrganisationID: orgID, Role: store.RoleProvider,
		Basis: basis, BasisID: &basisID, FromOn: from})
}

// endDelivery ends the participation the project or intervention basisID opened.
func endBasis(ctx context.Context, tx *store.Tx, caseID, basisID string, on time.Time, reason string) error {
	_, err := tx.EndParticipations(ctx, store.ParticipationEnd{CaseID: caseID, BasisID: &basisID, On: on, Reason: reason})
	return err
}

// requireLead refuses a command that maintains the case itself (its team, its status,
// its referrals and transfers) to an actor whose organisation does not lead it: the
// leading organisation holds the case and its legal basis.
func requireLead(ctx context.Context, cs *store.Case) error {
	a := actorFrom(ctx)
	if cs == nil || a.OrganisationID == "" || a.OrganisationID == cs.OrganisationID {
		return nil
	}
	return &access.DeniedError{Reason: "only the organisation leading the case maintains it, refers it or transfers it"}
}

// AddCaseOrganisationInput adds an organisation to an open case.
type AddCaseOrganisationInput struct {
	CaseID         string
	OrganisationID string
	// Role is PARTNER or PROVIDER.
	Role   string
	Reason string
}

// AddCaseOrganisation makes an organisation take part in a case from today, as a
// partner or a provider, until it is removed or the case closes.
func AddCaseOrganisation(ctx context.Context, tx *store.Tx, in AddCaseOrganisationInput) (store.Case, error) {
	var c checker
	caseID := c.id("caseId", in.CaseID, "Case")
	orgID := c.id("organisationId", in.OrganisationID, "Organisation")
	reason := c.text("reason", in.Reason, 2000)
	if in.Role != store.RolePartner && in.Role != store.RoleProvider {
		c.Add("input.role", "must be PARTNER or PROVIDER: the lead changes by a transfer")
	}
	cs, err := checkCaseOpen(ctx, tx, &c, caseID, time.Time{}, "")
	if err != nil {
		return store.Case{}, err
	}
	if _, _, err := one(ctx, &c, "organisationId", orgID, tx.OrganisationsByIDs); err != nil {
		return store.Case{}, err
	}
	if cs != nil && orgID != "" {
		if orgID == cs.OrganisationID {
			c.Add("input.organisationId", "leads the case")
		}
		parts, err := tx.ParticipationsByCase(ctx, []string{caseID})
		if err != nil {
			return store.Case{}, err
		}
		for _, p := range parts {
			if p.OrganisationID == orgID && p.ToOn == nil &&
				(p.Basis == store.BasisAdded || p.Basis == store.BasisOpened || p.Basis == store.BasisImported) {
				c.Addf("input.organisationId", "already takes part in the case (%s)", p.Role)
				break
			}
		}
	}
	if err := c.Err(); err != nil {
		return store.Case{}, err
	}
	if err := requireLead(ctx, cs); err != nil {
		return store.Case{}, err
	}
	if err := tx.StartParticipation(ctx, store.NewParticipation{CaseID: caseID, OrganisationID: orgID, Role: in.Role,
		Basis: store.BasisAdded, Reason: &reason, FromOn: today()}); err != nil {
		return store.Case{}, err
	}
	return reload(ctx, caseID, tx.CasesByIDs)
}

// RemoveCaseOrganisationInput ends an organisation's part in a case.
type RemoveCaseOrganisationInput struct {
	CaseID         string
	OrganisationID string
	Reason         string
}

// RemoveCaseOrganisation ends every reason an organisation takes part in a case (its
// accepted referrals end with it). Refused for the lead, and while the organisation
// still delivers a project or an intervention there: delivery needs visibility.
func RemoveCaseOrganisation(ctx context.Context, tx *store.Tx, in RemoveCaseOrganisationInput) (store.Case, error) {
	var c checker
	caseID := c.id("caseId", in.CaseID, "Case")
	orgID := c.id("organisationId", in.OrganisationID, "Organisation")
	reason := c.text("reason", in.Reason, 2000)
	cs, ok, err := one(ctx, &c, "caseId", caseID, tx.CasesByIDs)
	if err != nil {
		return store.Case{}, err
	}
	var referrals []store.Referral
	if ok && orgID != "" {
		if orgID == cs.OrganisationID {
			c.Add("input.organisationId", "leads the case: transfer the lead instead")
		}
		orgs, err := tx.CaseOrganisations(ctx, []string{caseID})
		if err != nil {
			return store.Case{}, err
		}
		takesPart := false
		for _, o := range orgs {
			takesPart = takesPart || o.OrganisationID == orgID
		}
		if !takesPart {
			c.Add("input.organisationId", "does not take part in the case")
		}
		running, err := tx.ActiveDeliveries(ctx, caseID, &orgID, nil)
		if err != nil {
			return store.Case{}, err
		}
		if len(running) > 0 {
			c.Addf("input.organisationId", "still delivers %d project(s) or intervention(s) in the case: end them first", len(running))
		}
		if referrals, err = tx.OpenReferralsOfCase(ctx, caseID); err != nil {
			return store.Case{}, err
		}
	}
	if err := c.Err(); err != nil {
		return store.Case{}, err
	}
	if err := requireLead(ctx, &cs); err != nil {
		return store.Case{}, err
	}
	for _, r := range referrals {
		if r.ToOrganisationID == orgID {
			if err := closeReferral(ctx, tx, r, today(), reason); err != nil {
				return store.Case{}, err
			}
		}
	}
	if _, err := tx.EndParticipations(ctx, store.ParticipationEnd{CaseID: caseID, OrganisationID: &orgID, On: today(), Reason: reason}); err != nil {
		return store.Case{}, err
	}
	return reload(ctx, caseID, tx.CasesByIDs)
}

// endAllButLead ends every participation of a case but the lead's, and its open
// referrals, when the case closes.
func endAllButLead(ctx context.Context, tx *store.Tx, caseID string, on time.Time, reason string) error {
	referrals, err := tx.OpenReferralsOfCase(ctx, caseID)
	if err != nil {
		return err
	}
	for _, r := range referrals {
		if err := closeReferral(ctx, tx, r, on, reason); err != nil {
			return err
		}
	}
	_, err = tx.EndParticipations(ctx, store.ParticipationEnd{CaseID: caseID, ExceptLead: true, On: on, Reason: reason})
	return err
}

// closeReferral ends an open referral (WITHDRAWN before an answer, ENDED after
// acceptance), with its step in the history; the participation it opened ends with it.
func closeReferral(ctx context.Context, tx *store.Tx, r store.Referral, on time.Time, reason string) error {
	status := "ENDED"
	if r.Status == "REQUESTED" {
		status = "WITHDRAWN"
	}
	if err := tx.CloseReferral(ctx, r.ID, status, reason); err != nil {
		return err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: r.CaseID, Kind: "REFERRAL_" + status, SubjectID: &r.ID,
		OrganisationID: &r.ToOrganisationID, Reason: &reason, EffectiveOn: &on}); err != nil {
		return err
	}
	if status == "ENDED" {
		return endBasis(ctx, tx, r.CaseID, r.ID, on, reason)
	}
	return nil
}

// describeRunning names what still runs, for an error.
func describeRunning(ds []store.ActiveDelivery) string {
	var p, i int
	for _, d := range ds {
		if d.Kind == "PROJECT" {
			p++
		} else {
			i++
		}
	}
	return fmt.Sprintf("%d project(s) and %d intervention(s) have not ended", p, i)
}
