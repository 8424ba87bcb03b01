// Package casefile opens and closes cases and keeps them: status, lead worker, departments,
// the organisations taking part, and the assessments with their corrections.
package casefile

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// OpenCaseInput opens a case (presa in carico).
type OpenCaseInput struct {
	Reference              string
	HouseholdID            *string
	PersonID               *string
	OrganisationID         string
	LeadWorkerID           string
	OpenedOn               time.Time
	Summary                *string
	DepartmentIDs          []string
	PartnerOrganisationIDs []string
	AssignedStaffIDs       []string
	// ConfirmSecondCase opens the case although the person or household already has an
	// open case the caller can see.
	ConfirmSecondCase bool
}

// OpenCase opens a case for a household and/or a person, led by a worker of the leading
// organisation, with the departments and partner organisations involved.
func OpenCase(ctx context.Context, tx *store.Tx, in OpenCaseInput) (casedata.Case, error) {
	var c casework.Checker
	nc := casedata.NewCase{
		Reference:       c.Text("reference", in.Reference, 64),
		HouseholdID:     c.OptID("householdId", in.HouseholdID, "Household"),
		PersonID:        c.OptID("personId", in.PersonID, "Person"),
		OrganisationID:  c.ID("organisationId", in.OrganisationID, "Organisation"),
		LeadWorkerID:    c.ID("leadWorkerId", in.LeadWorkerID, "Staff"),
		OpenedOn:        in.OpenedOn,
		Summary:         c.OptText("summary", in.Summary, 4000),
		DepartmentIDs:   c.IDs("departmentIds", in.DepartmentIDs, "Department"),
		PartnerOrgIDs:   c.IDs("partnerOrganisationIds", in.PartnerOrganisationIDs, "Organisation"),
		AssignedStaffID: c.IDs("assignedStaffIds", in.AssignedStaffIDs, "Staff"),
	}
	if in.HouseholdID == nil && in.PersonID == nil {
		c.Add("input.personId", "a case needs a person or a household (householdId)")
	}
	c.NotFuture("openedOn", in.OpenedOn, casework.Today())
	lead, ok, err := casework.One(ctx, &c, "leadWorkerId", nc.LeadWorkerID, store.Bind(tx, casedata.StaffByIDs))
	if err != nil {
		return casedata.Case{}, err
	}
	if ok && nc.OrganisationID != "" && lead.OrganisationID != nc.OrganisationID {
		c.Add("input.leadWorkerId", "does not work for the leading organisation")
	}
	if nc.PersonID != nil {
		if _, _, err := casework.One(ctx, &c, "personId", *nc.PersonID, store.Bind(tx, casedata.PersonsByIDs)); err != nil {
			return casedata.Case{}, err
		}
	}
	if err := checkDepartments(ctx, tx, &c, "departmentIds", nc.DepartmentIDs); err != nil {
		return casedata.Case{}, err
	}
	var others []casedata.Case
	if nc.PersonID != nil || nc.HouseholdID != nil {
		var err error
		if others, err = casedata.OpenCasesOf(ctx, tx, nc.PersonID, nc.HouseholdID); err != nil {
			return casedata.Case{}, err
		}
		if len(others) > 0 && !in.ConfirmSecondCase {
			field := "input.personId"
			if nc.HouseholdID != nil {
				field = "input.householdId"
			}
			c.Addf(field, "already has an open case (%s): set confirmSecondCase to open another", others[0].Reference)
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Case{}, err
	}
	id, err := casedata.OpenCase(ctx, tx, nc)
	if err != nil {
		return casedata.Case{}, apperr.RenameFields(err, map[string]string{"reference": "input.reference"})
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: id, Kind: "OPENED", EffectiveOn: &in.OpenedOn}); err != nil {
		return casedata.Case{}, err
	}
	for _, o := range others {
		if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: id, Kind: "SECOND_CASE_CONFIRMED", EffectiveOn: &in.OpenedOn,
			Changes: []casedata.FieldChange{{Field: "openCase", Category: "case", Value: &o.Reference}}}); err != nil {
			return casedata.Case{}, err
		}
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.CasesByIDs))
}

// checkDepartments requires every department listed to exist.
func checkDepartments(ctx context.Context, tx *store.Tx, c *casework.Checker, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	deps, err := casedata.DepartmentsByIDs(ctx, tx, ids)
	if err != nil {
		return err
	}
	if len(deps) != len(casework.Distinct(ids)) {
		c.Add("input."+field, "lists a department that does not exist")
	}
	return nil
}

// CloseCaseInput closes a case.
type CloseCaseInput struct {
	CaseID   string
	ClosedOn time.Time
	Reason   *string
}

// CloseCase closes an open or suspended case on a date not before it opened. It refuses
// while projects or interventions of the case have not ended (closing does not conclude
// them: their end dates and outcomes are the provider's to record). Closing ends every
// organisation's part in the case but the lead's, and its open referrals.
func CloseCase(ctx context.Context, tx *store.Tx, in CloseCaseInput) (casedata.Case, error) {
	var c casework.Checker
	id := c.ID("caseId", in.CaseID, "Case")
	reason := c.OptText("reason", in.Reason, 4000)
	cs, ok, err := casework.One(ctx, &c, "caseId", id, store.Bind(tx, casedata.CasesByIDs))
	if err != nil {
		return casedata.Case{}, err
	}
	if ok {
		if cs.Status == "CLOSED" {
			c.Addf("input.caseId", "case is already closed (on %s)", cs.ClosedOn.Format("2006-01-02"))
		}
		c.NotBefore("closedOn", in.ClosedOn, cs.OpenedOn, "the opening date")
		running, err := casedata.ActiveDeliveries(ctx, tx, id, nil, nil)
		if err != nil {
			return casedata.Case{}, err
		}
		if len(running) > 0 {
			c.Addf("input.caseId", "cannot close the case: %s (conclude, complete or interrupt them first)", describeRunning(running))
		}
	}
	c.NotFuture("closedOn", in.ClosedOn, casework.Today())
	if err := c.Err(); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.RequireLead(ctx, &cs); err != nil {
		return casedata.Case{}, err
	}
	if err := casedata.CloseCase(ctx, tx, id, in.ClosedOn, reason); err != nil {
		return casedata.Case{}, err
	}
	why := "case closed"
	if err := endAllButLead(ctx, tx, id, in.ClosedOn, why); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: id, Kind: "CLOSED", EffectiveOn: &in.ClosedOn, Reason: reason,
		Changes: casework.Changes(casework.Change("status", "case", &cs.Status, ptr("CLOSED")))}); err != nil {
		return casedata.Case{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.CasesByIDs))
}
