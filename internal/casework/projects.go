package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
)

// CreateProjectInput starts a personalised individual project.
type CreateProjectInput struct {
	CaseID        string
	ParticipantID string
	ProviderID    string
	CaseManagerID *string
	Title         string
	Objectives    []string
	StartedOn     *time.Time
}

// CreateProject creates a project in an open case for the case's person or a household
// member; it is ACTIVE when it has a start date, DRAFT otherwise.
func CreateProject(ctx context.Context, tx *store.Tx, in CreateProjectInput) (store.Project, error) {
	var c checker
	p := store.Project{
		CaseID:                 c.id("caseId", in.CaseID, "Case"),
		ParticipantID:          c.id("participantId", in.ParticipantID, "Person"),
		ProviderOrganisationID: c.id("providerId", in.ProviderID, "Organisation"),
		CaseManagerID:          c.optID("caseManagerId", in.CaseManagerID, "Staff"),
		Title:                  c.text("title", in.Title, 200),
		Objectives:             objectives(&c, in.Objectives),
		StartedOn:              in.StartedOn,
		Status:                 "DRAFT",
	}
	if in.StartedOn != nil {
		p.Status = "ACTIVE"
		c.notFuture("startedOn", *in.StartedOn, today())
	}
	var started time.Time
	if in.StartedOn != nil {
		started = *in.StartedOn
	}
	cs, err := checkCaseOpen(ctx, tx, &c, p.CaseID, started, "startedOn")
	if err != nil {
		return store.Project{}, err
	}
	if err := checkInCase(ctx, tx, &c, cs, p.ParticipantID, "participantId"); err != nil {
		return store.Project{}, err
	}
	if err := checkManager(ctx, tx, &c, p.CaseManagerID, p.ProviderOrganisationID); err != nil {
		return store.Project{}, err
	}
	if _, _, err := one(ctx, &c, "providerId", p.ProviderOrganisationID, tx.OrganisationsByIDs); err != nil {
		return store.Project{}, err
	}
	if err := c.Err(); err != nil {
		return store.Project{}, err
	}
	id, err := tx.CreateProject(ctx, p)
	if err != nil {
		return store.Project{}, err
	}
	from := today()
	if p.StartedOn != nil {
		from = *p.StartedOn
	}
	if err := startDelivery(ctx, tx, p.CaseID, p.ProviderOrganisationID, store.BasisProject, id, from); err != nil {
		return store.Project{}, err
	}
	return reload(ctx, id, tx.ProjectsByIDs)
}

func objectives(c *checker, in []string) []string {
	out := make([]string, 0, len(in))
	for _, o := range in {
		s := o
		if t := c.optText("objectives", &s, 1000); t != nil {
			out = append(out, *t)
		}
	}
	return out
}

// checkManager requires the case manager, when given, to work for the provider.
func checkManager(ctx context.Context, tx *store.Tx, c *checker, managerID *string, providerID string) error {
	if managerID == nil {
		return nil
	}
	m, ok, err := one(ctx, c, "caseManagerId", *managerID, tx.StaffByIDs)
	if err != nil {
		return err
	}
	if ok && providerID != "" && m.OrganisationID != providerID {
		c.Add("input.caseManagerId", "does not work for the provider organisation")
	}
	return nil
}

// UpdateProjectInput changes a project; absent fields keep their value.
type UpdateProjectInput struct {
	ProjectID          string
	Title              *string
	Objectives         []string
	CaseManagerID      *string
	Status             *string
	StartedOn          *time.Time
	EndedOn            *time.Time
	ObjectivesAchieved *string
	SkillsAcquired     *string
	CriticalIssues     *string
	ResourcesActivated *string
	Outcome            *string
}

// projectTransitions lists the statuses a project may move to from each status.
var projectTransitions = map[string][]string{
	"DRAFT":       {"ACTIVE", "INTERRUPTED"},
	"ACTIVE":      {"SUSPENDED", "CONCLUDED", "INTERRUPTED"},
	"SUSPENDED":   {"ACTIVE", "CONCLUDED", "INTERRUPTED"},
	"CONCLUDED":   {},
	"INTERRUPTED": {},
}

// UpdateProject merges the change into the project and enforces the workflow: statuses
// move only forward, a concluded or interrupted project has an end date and an outcome.
func UpdateProject(ctx context.Context, tx *store.Tx, in UpdateProjectInput) (store.Project, error) {
	var c checker
	id := c.id("projectId", in.ProjectID, "Project")
	p, ok, err := one(ctx, &c, "projectId", id, tx.ProjectsByIDs)
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return store.Project{}, err
	}
	if in.Title != nil {
		p.Title = c.text("title", *in.Title, 200)
	}
	if in.Objectives != nil {
		p.Objectives = objectives(&c, in.Objectives)
	}
	if in.CaseManagerID != nil {
		p.CaseManagerID = c.optID("caseManagerId", in.CaseManagerID, "Staff")
		if err := checkManager(ctx, tx, &c, p.CaseManagerID, p.ProviderOrganisationID); err != nil {
			return store.Project{}, err
		}
	}
	if in.Status != nil && *in.Status != p.Status {
		if !slices.Contains(projectTransitions[p.Status], *in.Status) {
			c.Addf("input.status", "a %s project cannot become %s", p.Status, *in.Status)
		}
		p.Status = *in.Status
	}
	if in.StartedOn != nil {
		p.StartedOn = in.StartedOn
	}
	if in.EndedOn != nil {
		p.EndedOn = in.EndedOn
		c.notFuture("endedOn", *in.EndedOn, today())
	}
	for _, f := range []struct {
		name string
		in   *string
		out  **string
	}{
		{"objectivesAchieved", in.ObjectivesAchieved, &p.ObjectivesAchieved},
		{"skillsAcquired", in.SkillsAcquired, &p.SkillsAcquired},
		{"criticalIssues", in.CriticalIssues, &p.CriticalIssues},
		{"resourcesActivated", in.ResourcesActivated, &p.ResourcesActivated},
	} {
		if f.in != nil {
			*f.out = c.optText(f.name, f.in, 4000)
		}
	}
	if in.Outcome != nil {
		p.Outcome = in.Outcome
	}
	if p.Status == "ACTIVE" && p.StartedOn == nil {
		c.Add("input.startedOn", "an active project needs a start date")
	}
	ends := p.Status == "CONCLUDED" || p.Status == "INTERRUPTED"
	if ends {
		if p.EndedOn == nil {
			c.Add("input.endedOn", "is required to close a project")
		}
		if p.Outcome == nil {
			c.Add("input.outcome", "is required to close a project")
		}
		running, err := tx.ActiveDeliveries(ctx, p.CaseID, nil, &p.ID)
		if err != nil {
			return store.Project{}, err
		}
		if n := len(running) - 1; n > 0 { // the project itself is among them
			c.Addf("input.status", "the project still has %d intervention(s) planned or active: complete or interrupt them first", n)
		}
	} else if p.Outcome != nil && p.EndedOn == nil {
		c.Add("input.endedOn", "is required with an outcome")
	}
	if p.StartedOn != nil && p.EndedOn != nil && p.EndedOn.Before(*p.StartedOn) {
		c.Add("input.endedOn", "is before the start date")
	}
	if err := guard(ctx, p.CaseID); err != nil {
		return store.Project{}, err
	}
	if err := c.Err(); err != nil {
		return store.Project{}, err
	}
	if err := tx.UpdateProject(ctx, p); err != nil {
		return store.Project{}, err
	}
	if ends {
		if err := endBasis(ctx, tx, p.CaseID, p.ID, *p.EndedOn, "project "+strings.ToLower(p.Status)); err != nil {
			return store.Project{}, err
		}
	}
	return reload(ctx, id, tx.ProjectsByIDs)
}

// ActivateInterventionInput activates a service for a beneficiary.
type ActivateInterventionInput struct {
	CaseID        string
	ProjectID     *string
	RoundID       *string
	ServiceType   string
	ProviderID    string
	Operator      *string
	BeneficiaryID string
	StartsOn      time.Time
	EndsOn        *time.Time
	PlannedHours  *float64
	// DepartmentID is the provider's department that delivers the service.
	DepartmentID *string
}

// ActivateIntervention starts a service in an open case for a person of the case; when it
// belongs to a project, the project must be of the same case and not closed.
func ActivateIntervention(ctx context.Context, tx *store.Tx, in ActivateInterventionInput) (store.Intervention, error) {
	var c checker
	iv := store.Intervention{
		CaseID:                 c.id("caseId", in.CaseID, "Case"),
		ProjectID:              c.optID("projectId", in.ProjectID, "Project"),
		RoundID:                c.optID("roundId", in.RoundID, "OperationRound"),
		ServiceType:            in.ServiceType,
		ProviderOrganisationID: c.id("providerId", in.ProviderID, "Organisation"),
		Operator:               c.optText("operator", in.Operator, 200),
		BeneficiaryID:          c.id("beneficiaryId", in.BeneficiaryID, "Person"),
		StartsOn:               &in.StartsOn,
		EndsOn:                 in.EndsOn,
		PlannedHours:           in.PlannedHours,
		DepartmentID:           c.optID("departmentId", in.DepartmentID, "Department"),
		Status:                 "ACTIVE",
	}
	if in.EndsOn != nil && in.EndsOn.Before(in.StartsOn) {
		c.Add("input.endsOn", "is before startsOn")
	}
	if in.PlannedHours != nil && (*in.PlannedHours < 0 || *in.PlannedHours > 10000) {
		c.Add("input.plannedHours", "must be between 0 and 10000")
	}
	cs, err := checkCaseOpen(ctx, tx, &c, iv.CaseID, in.StartsOn, "startsOn")
	if err != nil {
		return store.Intervention{}, err
	}
	if err := checkInCase(ctx, tx, &c, cs, iv.BeneficiaryID, "beneficiaryId"); err != nil {
		return store.Intervention{}, err
	}
	if iv.ProjectID != nil {
		p, ok, err := one(ctx, &c, "projectId", *iv.ProjectID, tx.ProjectsByIDs)
		if err != nil {
			return store.Intervention{}, err
		}
		if ok && p.CaseID != iv.CaseID {
			c.Add("input.projectId", "belongs to another case")
		}
		if ok && (p.Status == "CONCLUDED" || p.Status == "INTERRUPTED") {
			c.Addf("input.projectId", "project is %s", p.Status)
		}
	}
	if err := checkRound(ctx, tx, &c, iv.RoundID, iv.StartsOn, iv.EndsOn); err != nil {
		return store.Intervention{}, err
	}
	if _, _, err := one(ctx, &c, "providerId", iv.ProviderOrganisationID, tx.OrganisationsByIDs); err != nil {
		return store.Intervention{}, err
	}
	if err := checkDepartmentOf(ctx, tx, &c, iv.DepartmentID, iv.ProviderOrganisationID); err != nil {
		return store.Intervention{}, err
	}
	if err := c.Err(); err != nil {
		return store.Intervention{}, err
	}
	id, err := tx.CreateIntervention(ctx, iv)
	if err != nil {
		return store.Intervention{}, err
	}
	if err := startDelivery(ctx, tx, iv.CaseID, iv.ProviderOrganisationID, store.BasisIntervention, id, in.StartsOn); err != nil {
		return store.Intervention{}, err
	}
	return reload(ctx, id, tx.InterventionsByIDs)
}

// checkRound requires a funding round, when given, to exist, and the service's dates to
// fall within the round and within its operation: a service counts in the round that
// funded it, which can only be one running on its dates.
func checkRound(ctx context.Context, tx *store.Tx, c *checker, roundID *string, starts, ends *time.Time) error {
	if roundID == nil {
		return nil
	}
	r, ok, err := one(ctx, c, "roundId", *roundID, tx.RoundsByIDs)
	if err != nil || !ok {
		return err
	}
	op, ok, err := one(ctx, c, "roundId", r.OperationID, tx.OperationsByIDs)
	if err != nil || !ok {
		return err
	}
	within := func(field string, d *time.Time) {
		if d == nil {
			return
		}
		for _, w := range []struct {
			what string
			from time.Time
			to   *time.Time
		}{{fmt.Sprintf("round %d", r.Number), r.StartsOn, r.EndsOn}, {"the operation " + op.Code, op.StartsOn, op.EndsOn}} {
			if d.Before(w.from) {
				c.Addf("input."+field, "is before %s starts (%s)", w.what, w.from.Format("2006-01-02"))
			}
			if w.to != nil && d.After(*w.to) {
				c.Addf("input."+field, "is after %s ends (%s)", w.what, w.to.Format("2006-01-02"))
			}
		}
	}
	within("startsOn", starts)
	within("endsOn", ends)
	return nil
}

// checkDepartmentOf requires a department, when given, to be one of the organisation's.
func checkDepartmentOf(ctx context.Context, tx *store.Tx, c *checker, deptID *string, orgID string) error {
	if deptID == nil {
		return nil
	}
	d, ok, err := one(ctx, c, "departmentId", *deptID, tx.DepartmentsByIDs)
	if err != nil {
		return err
	}
	if ok && orgID != "" && d.OrganisationID != orgID {
		c.Add("input.departmentId", "is not a department of the provider")
	}
	return nil
}

// CompleteInterventionInput completes a service.
type CompleteInterventionInput struct {
	InterventionID string
	EndsOn         time.Time
	HoursDelivered *float64
}

// CompleteIntervention marks a planned or active intervention completed.
func CompleteIntervention(ctx context.Context, tx *store.Tx, in CompleteInterventionInput) (store.Intervention, error) {
	var c checker
	if in.HoursDelivered != nil && (*in.HoursDelivered < 0 || *in.HoursDelivered > 10000) {
		c.Add("input.hoursDelivered", "must be between 0 and 10000")
	}
	return finish(ctx, tx, &c, in.InterventionID, "COMPLETED", in.EndsOn, in.HoursDelivered, nil)
}

// InterruptInterventionInput interrupts a service.
type InterruptInterventionInput struct {
	InterventionID string
	EndsOn         time.Time
	Reason         string
}

// InterruptIntervention marks a planned or active intervention interrupted, with the reason.
func InterruptIntervention(ctx context.Context, tx *store.Tx, in InterruptInterventionInput) (store.Intervention, error) {
	var c checker
	reason := c.text("reason", in.Reason, 2000)
	return finish(ctx, tx, &c, in.InterventionID, "INTERRUPTED", in.EndsOn, nil, &reason)
}

func finish(ctx context.Context, tx *store.Tx, c *checker, gid, status string, endsOn time.Time, hours *float64, reason *string) (store.Intervention, error) {
	id := c.id("interventionId", gid, "Intervention")
	iv, ok, err := one(ctx, c, "interventionId", id, tx.InterventionsByIDs)
	if err != nil {
		return store.Intervention{}, err
	}
	if ok {
		if iv.Status == "COMPLETED" || iv.Status == "INTERRUPTED" {
			c.Addf("input.interventionId", "intervention is already %s", iv.Status)
		}
		if iv.Status == "CANCELLED" {
			c.Add("input.interventionId", "intervention is cancelled")
		}
		if iv.StartsOn != nil {
			c.notBefore("endsOn", endsOn, *iv.StartsOn, "the start date")
		}
		if err := checkRound(ctx, tx, c, iv.RoundID, nil, &endsOn); err != nil {
			return store.Intervention{}, err
		}
		if err := guard(ctx, iv.CaseID); err != nil {
			return store.Intervention{}, err
		}
	}
	c.notFuture("endsOn", endsOn, today())
	if err := c.Err(); err != nil {
		return store.Intervention{}, err
	}
	if err := tx.FinishIntervention(ctx, id, status, endsOn, hours, reason); err != nil {
		return store.Intervention{}, err
	}
	if err := endBasis(ctx, tx, iv.CaseID, id, endsOn, "intervention "+strings.ToLower(status)); err != nil {
		return store.Intervention{}, err
	}
	return reload(ctx, id, tx.InterventionsByIDs)
}

// AddActivityEntryInput appends to the activity register.
type AddActivityEntryInput struct {
	CaseID     string
	ProjectID  *string
	AuthorID   *string
	OccurredOn time.Time
	Kind       string
	Minutes    *int
	Note       string
}

// AddActivityEntry appends an entry to a case's register; the author defaults to the
// caller's own staff record (actorStaffID).
func AddActivityEntry(ctx context.Context, tx *store.Tx, actorStaffID string, in AddActivityEntryInput) (store.ActivityEntry, error) {
	var c checker
	e := store.ActivityEntry{
		CaseID:     c.id("caseId", in.CaseID, "Case"),
		ProjectID:  c.optID("projectId", in.ProjectID, "Project"),
		OccurredOn: in.OccurredOn,
		Kind:       in.Kind,
		Minutes:    in.Minutes,
		Note:       c.text("note", in.Note, 8000),
	}
	switch {
	case in.AuthorID != nil:
		if a := c.optID("authorId", in.AuthorID, "Staff"); a != nil {
			e.AuthorID = *a
			if _, _, err := one(ctx, &c, "authorId", e.AuthorID, tx.StaffByIDs); err != nil {
				return store.ActivityEntry{}, err
			}
		}
	case actorStaffID != "":
		e.AuthorID = actorStaffID
	default:
		c.Add("input.authorId", "is required when the caller has no staff record")
	}
	if in.Minutes != nil && (*in.Minutes < 0 || *in.Minutes > 24*60) {
		c.Add("input.minutes", "must be between 0 and 1440")
	}
	c.notFuture("occurredOn", in.OccurredOn, today())
	if _, err := checkCaseOpen(ctx, tx, &c, e.CaseID, in.OccurredOn, "occurredOn"); err != nil {
		return store.ActivityEntry{}, err
	}
	if e.ProjectID != nil {
		p, ok, err := one(ctx, &c, "projectId", *e.ProjectID, tx.ProjectsByIDs)
		if err != nil {
			return store.ActivityEntry{}, err
		}
		if ok && p.CaseID != e.CaseID {
			c.Add("input.projectId", "belongs to another case")
		}
	}
	if err := c.Err(); err != nil {
		return store.ActivityEntry{}, err
	}
	id, err := tx.AddActivityEntry(ctx, e)
	if err != nil {
		return store.ActivityEntry{}, err
	}
	return reload(ctx, id, tx.ActivityByIDs)
}
