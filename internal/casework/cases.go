package casework

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
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
func OpenCase(ctx context.Context, tx *store.Tx, in OpenCaseInput) (store.Case, error) {
	var c checker
	nc := store.NewCase{
		Reference:       c.text("reference", in.Reference, 64),
		HouseholdID:     c.optID("householdId", in.HouseholdID, "Household"),
		PersonID:        c.optID("personId", in.PersonID, "Person"),
		OrganisationID:  c.id("organisationId", in.OrganisationID, "Organisation"),
		LeadWorkerID:    c.id("leadWorkerId", in.LeadWorkerID, "Staff"),
		OpenedOn:        in.OpenedOn,
		Summary:         c.optText("summary", in.Summary, 4000),
		DepartmentIDs:   c.ids("departmentIds", in.DepartmentIDs, "Department"),
		PartnerOrgIDs:   c.ids("partnerOrganisationIds", in.PartnerOrganisationIDs, "Organisation"),
		AssignedStaffID: c.ids("assignedStaffIds", in.AssignedStaffIDs, "Staff"),
	}
	if in.HouseholdID == nil && in.PersonID == nil {
		c.Add("input.personId", "a case needs a person or a household (householdId)")
	}
	c.notFuture("openedOn", in.OpenedOn, today())
	lead, ok, err := one(ctx, &c, "leadWorkerId", nc.LeadWorkerID, tx.StaffByIDs)
	if err != nil {
		return store.Case{}, err
	}
	if ok && nc.OrganisationID != "" && lead.OrganisationID != nc.OrganisationID {
		c.Add("input.leadWorkerId", "does not work for the leading organisation")
	}
	if nc.PersonID != nil {
		if _, _, err := one(ctx, &c, "personId", *nc.PersonID, tx.PersonsByIDs); err != nil {
			return store.Case{}, err
		}
	}
	if err := checkDepartments(ctx, tx, &c, "departmentIds", nc.DepartmentIDs); err != nil {
		return store.Case{}, err
	}
	var others []store.Case
	if nc.PersonID != nil || nc.HouseholdID != nil {
		var err error
		if others, err = tx.OpenCasesOf(ctx, nc.PersonID, nc.HouseholdID); err != nil {
			return store.Case{}, err
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
		return store.Case{}, err
	}
	id, err := tx.OpenCase(ctx, nc)
	if err != nil {
		return store.Case{}, apperr.RenameFields(err, map[string]string{"reference": "input.reference"})
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: id, Kind: "OPENED", EffectiveOn: &in.OpenedOn}); err != nil {
		return store.Case{}, err
	}
	for _, o := range others {
		if err := event(ctx, tx, store.CaseEvent{CaseID: id, Kind: "SECOND_CASE_CONFIRMED", EffectiveOn: &in.OpenedOn,
			Changes: []store.FieldChange{{Field: "openCase", Category: "case", Value: &o.Reference}}}); err != nil {
			return store.Case{}, err
		}
	}
	return reload(ctx, id, tx.CasesByIDs)
}

// checkDepartments requires every department listed to exist.
func checkDepartments(ctx context.Context, tx *store.Tx, c *checker, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	deps, err := tx.DepartmentsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	if len(deps) != len(uniq(ids)) {
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
func CloseCase(ctx context.Context, tx *store.Tx, in CloseCaseInput) (store.Case, error) {
	var c checker
	id := c.id("caseId", in.CaseID, "Case")
	reason := c.optText("reason", in.Reason, 4000)
	cs, ok, err := one(ctx, &c, "caseId", id, tx.CasesByIDs)
	if err != nil {
		return store.Case{}, err
	}
	if ok {
		if cs.Status == "CLOSED" {
			c.Addf("input.caseId", "case is already closed (on %s)", cs.ClosedOn.Format("2006-01-02"))
		}
		c.notBefore("closedOn", in.ClosedOn, cs.OpenedOn, "the opening date")
		running, err := tx.ActiveDeliveries(ctx, id, nil, nil)
		if err != nil {
			return store.Case{}, err
		}
		if len(running) > 0 {
			c.Addf("input.caseId", "cannot close the case: %s (conclude, complete or interrupt them first)", describeRunning(running))
		}
	}
	c.notFuture("closedOn", in.ClosedOn, today())
	if err := c.Err(); err != nil {
		return store.Case{}, err
	}
	if err := requireLead(ctx, &cs); err != nil {
		return store.Case{}, err
	}
	if err := tx.CloseCase(ctx, id, in.ClosedOn, reason); err != nil {
		return store.Case{}, err
	}
	why := "case closed"
	if err := endAllButLead(ctx, tx, id, in.ClosedOn, why); err != nil {
		return store.Case{}, err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: id, Kind: "CLOSED", EffectiveOn: &in.ClosedOn, Reason: reason,
		Changes: changes(change("status", "case", &cs.Status, ptr("CLOSED")))}); err != nil {
		return store.Case{}, err
	}
	return reload(ctx, id, tx.CasesByIDs)
}

// AreaScoreInput scores one employability area.
type AreaScoreInput struct {
	Area  string
	Score int
	Note  *string
}

// RecordAssessmentInput records the access & evaluation form.
type RecordAssessmentInput struct {
	CaseID                string
	PersonID              string
	AssessorID            string
	AssessedOn            time.Time
	Scores                []AreaScoreInput
	WorkExperience        *string
	ProfessionalInterests *string
	HealthNotes           *string
	ProposedInterventions []string
}

// Areas are the ten employability areas every assessment scores.
var Areas = []string{"PERSONAL_CONDITIONS", "FAMILY_CONDITIONS_NETWORKS", "ECONOMIC_SITUATION",
	"EDUCATION_TRAINING_SKILLS", "COMMUNICATION_SKILLS", "ITALIAN_LANGUAGE", "DIGITAL_SKILLS",
	"EMPLOYMENT_STABILITY", "TRANSVERSAL_SKILLS", "MOBILITY_AUTONOMY"}

// RecordAssessment stores an assessment of a person in an open case, scored on all ten areas.
func RecordAssessment(ctx context.Context, tx *store.Tx, in RecordAssessmentInput) (store.Assessment, error) {
	var c checker
	a := store.NewAssessment{
		CaseID:                c.id("caseId", in.CaseID, "Case"),
		PersonID:              c.id("personId", in.PersonID, "Person"),
		AssessorID:            c.id("assessorId", in.AssessorID, "Staff"),
		AssessedOn:            in.AssessedOn,
		WorkExperience:        c.optText("workExperience", in.WorkExperience, 4000),
		ProfessionalInterests: c.optText("professionalInterests", in.ProfessionalInterests, 4000),
		HealthNotes:           c.optText("healthNotes", in.HealthNotes, 4000),
		ProposedInterventions: uniq(in.ProposedInterventions),
	}
	seen := map[string]bool{}
	for i, s := range in.Scores {
		if seen[s.Area] {
			c.Addf("input.scores", "area %s is scored twice", s.Area)
		}
		seen[s.Area] = true
		if s.Score < 1 || s.Score > 5 {
			c.Addf("input.scores", "score %d of area %s (item %d) is outside 1-5", s.Score, s.Area, i+1)
		}
		a.Scores = append(a.Scores, store.AssessmentScore{Area: s.Area, Score: s.Score, Note: c.optText("scores.note", s.Note, 2000)})
	}
	for _, area := range Areas {
		if !seen[area] {
			c.Addf("input.scores", "area %s is not scored (all ten areas are required)", area)
		}
	}
	c.notFuture("assessedOn", in.AssessedOn, today())
	cs, err := checkCaseOpen(ctx, tx, &c, a.CaseID, in.AssessedOn, "assessedOn")
	if err != nil {
		return store.Assessment{}, err
	}
	if err := checkInCase(ctx, tx, &c, cs, a.PersonID, "personId"); err != nil {
		return store.Assessment{}, err
	}
	if _, _, err := one(ctx, &c, "assessorId", a.AssessorID, tx.StaffByIDs); err != nil {
		return store.Assessment{}, err
	}
	if err := c.Err(); err != nil {
		return store.Assessment{}, err
	}
	id, err := tx.RecordAssessment(ctx, a)
	if err != nil {
		return store.Assessment{}, apperr.RenameFields(err, map[string]string{"assessment_id, area": "input.scores"})
	}
	return reload(ctx, id, tx.AssessmentsByIDs)
}

// checkCaseOpen requires the case to exist, be visible, not be closed, and have opened on
// or before the given date. It returns the case (nil when it failed) for further checks.
func checkCaseOpen(ctx context.Context, tx *store.Tx, c *checker, caseID string, on time.Time, dateField string) (*store.Case, error) {
	cs, ok, err := one(ctx, c, "caseId", caseID, tx.CasesByIDs)
	if err != nil || !ok {
		return nil, err
	}
	if cs.Status == "CLOSED" {
		c.Add("input.caseId", "case is closed")
	}
	if !on.IsZero() {
		c.notBefore(dateField, on, cs.OpenedOn, "the case's opening date")
	}
	if err := guard(ctx, cs.ID); err != nil {
		return nil, err
	}
	return &cs, nil
}

// checkInCase requires the person to be the case's person or a member of its household;
// cs nil (the case failed its own check) checks nothing.
func checkInCase(ctx context.Context, tx *store.Tx, c *checker, cs *store.Case, personID, field string) error {
	if cs == nil || personID == "" {
		return nil
	}
	if cs.PersonID != nil && *cs.PersonID == personID {
		return nil
	}
	if cs.HouseholdID != nil {
		members, err := tx.MembersByHousehold(ctx, []string{*cs.HouseholdID})
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

func uniq(ss []string) []string {
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
