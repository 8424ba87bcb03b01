package casefile

import (
	"context"
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

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
func AddCaseOrganisation(ctx context.Context, tx *store.Tx, in AddCaseOrganisationInput) (casedata.Case, error) {
	var c casework.Checker
	caseID := c.ID("caseId", in.CaseID, "Case")
	orgID := c.ID("organisationId", in.OrganisationID, "Organisation")
	reason := c.Text("reason", in.Reason, 2000)
	if in.Role != casedata.RolePartner && in.Role != casedata.RoleProvider {
		c.Add("input.role", "must be PARTNER or PROVIDER: the lead changes by a transfer")
	}
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, caseID, time.Time{}, "")
	if err != nil {
		return casedata.Case{}, err
	}
	if _, _, err := casework.One(ctx, &c, "organisationId", orgID, store.Bind(tx, casedata.OrganisationsByIDs)); err != nil {
		return casedata.Case{}, err
	}
	if cs != nil && orgID != "" {
		if orgID == cs.OrganisationID {
			c.Add("input.organisationId", "leads the case")
		}
		parts, err := casedata.ParticipationsByCase(ctx, tx, []string{caseID})
		if err != nil {
			return casedata.Case{}, err
		}
		for _, p := range parts {
			if p.OrganisationID == orgID && p.ToOn == nil &&
				(p.Basis == casedata.BasisAdded || p.Basis == casedata.BasisOpened || p.Basis == casedata.BasisImported) {
				c.Addf("input.organisationId", "already takes part in the case (%s)", p.Role)
				break
			}
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.RequireLead(ctx, cs); err != nil {
		return casedata.Case{}, err
	}
	if err := casedata.StartParticipation(ctx, tx, casedata.NewParticipation{CaseID: caseID, OrganisationID: orgID, Role: in.Role,
		Basis: casedata.BasisAdded, Reason: &reason, FromOn: casework.Today()}); err != nil {
		return casedata.Case{}, err
	}
	return casework.Reload(ctx, caseID, store.Bind(tx, casedata.CasesByIDs))
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
func RemoveCaseOrganisation(ctx context.Context, tx *store.Tx, in RemoveCaseOrganisationInput) (casedata.Case, error) {
	var c casework.Checker
	caseID := c.ID("caseId", in.CaseID, "Case")
	orgID := c.ID("organisationId", in.OrganisationID, "Organisation")
	reason := c.Text("reason", in.Reason, 2000)
	cs, ok, err := casework.One(ctx, &c, "caseId", caseID, store.Bind(tx, casedata.CasesByIDs))
	if err != nil {
		return casedata.Case{}, err
	}
	var referrals []casedata.Referral
	if ok && orgID != "" {
		if orgID == cs.OrganisationID {
			c.Add("input.organisationId", "leads the case: transfer the lead instead")
		}
		orgs, err := casedata.CaseOrganisations(ctx, tx, []string{caseID})
		if err != nil {
			return casedata.Case{}, err
		}
		takesPart := false
		for _, o := range orgs {
			takesPart = takesPart || o.OrganisationID == orgID
		}
		if !takesPart {
			c.Add("input.organisationId", "does not take part in the case")
		}
		running, err := casedata.ActiveDeliveries(ctx, tx, caseID, &orgID, nil)
		if err != nil {
			return casedata.Case{}, err
		}
		if len(running) > 0 {
			c.Addf("input.organisationId", "still delivers %d project(s) or intervention(s) in the case: end them first", len(running))
		}
		if referrals, err = casedata.OpenReferralsOfCase(ctx, tx, caseID); err != nil {
			return casedata.Case{}, err
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.RequireLead(ctx, &cs); err != nil {
		return casedata.Case{}, err
	}
	for _, r := range referrals {
		if r.ToOrganisationID == orgID {
			if err := casework.CloseReferral(ctx, tx, r, casework.Today(), reason); err != nil {
				return casedata.Case{}, err
			}
		}
	}
	if _, err := casedata.EndParticipations(ctx, tx, casedata.ParticipationEnd{CaseID: caseID, OrganisationID: &orgID, On: casework.Today(), Reason: reason}); err != nil {
		return casedata.Case{}, err
	}
	return casework.Reload(ctx, caseID, store.Bind(tx, casedata.CasesByIDs))
}

// endAllButLead ends every participation of a case but the lead's, and its open
// referrals, when the case closes.
func endAllButLead(ctx context.Context, tx *store.Tx, caseID string, on time.Time, reason string) error {
	referrals, err := casedata.OpenReferralsOfCase(ctx, tx, caseID)
	if err != nil {
		return err
	}
	for _, r := range referrals {
		if err := casework.CloseReferral(ctx, tx, r, on, reason); err != nil {
			return err
		}
	}
	_, err = casedata.EndParticipations(ctx, tx, casedata.ParticipationEnd{CaseID: caseID, ExceptLead: true, On: on, Reason: reason})
	return err
}

// describeRunning names what still runs, for an error.
func describeRunning(ds []casedata.ActiveDelivery) string {
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
