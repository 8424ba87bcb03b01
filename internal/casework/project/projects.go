// Package project runs a case's individual projects, their interventions and activity
// register, and the ESF+ participations of the people in them.
package project

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
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
func CreateProject(ctx context.Context, tx *store.Tx, in CreateProjectInput) (casedata.Project, error) {
	var c casework.Checker
	p := casedata.Project{
		CaseID:                 c.ID("caseId", in.CaseID, "Case"),
		ParticipantID:          c.ID("participantId", in.ParticipantID, "Person"),
		ProviderOrganisationID: c.ID("providerId", in.ProviderID, "Organisation"),
		CaseManagerID:          c.OptID("caseManagerId", in.CaseManagerID, "Staff"),
		Title:                  c.Text("title", in.Title, 200),
		Objectives:             objectives(&c, in.Objectives),
		StartedOn:              in.StartedOn,
		Status:                 "DRAFT",
	}
	if in.StartedOn != nil {
		p.Status = "ACTIVE"
		c.NotFuture("startedOn", *in.StartedOn, casework.Today())
	}
	var started time.Time
	if in.StartedOn != nil {
		started = *in.StartedOn
	}
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, p.CaseID, started, "startedOn")
	if err != nil {
		return casedata.Project{}, err
	}
	if err := casework.CheckInCase(ctx, tx, &c, cs, p.ParticipantID, "participantId"); err != nil {
		return casedata.Project{}, err
	}
	if err := checkManager(ctx, tx, &c, p.CaseManagerID, p.ProviderOrganisationID); err != nil {
		return casedata.Project{}, err
	}
	if _, _, err := casework.One(ctx, &c, "providerId", p.ProviderOrganisationID, store.Bind(tx, casedata.OrganisationsByIDs)); err != nil {
		return casedata.Project{}, err
	}
	if err := c.Err(); err != nil {
		return casedata.Project{}, err
	}
	id, err := casedata.CreateProject(ctx, tx, p)
	if err != nil {
		return casedata.Project{}, err
	}
	from := casework.Today()
	if p.StartedOn != nil {
		from = *p.StartedOn
	}
	if err := casework.StartDelivery(ctx, tx, p.CaseID, p.ProviderOrganisationID, casedata.BasisProject, id, from); err != nil {
		return casedata.Project{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ProjectsByIDs))
}

func objectives(c *casework.Checker, in []string) []string {
	out := make([]string, 0, len(in))
	for _, o := range in {
		s := o
		if t := c.OptText("objectives", &s, 1000); t != nil {
			out = append(out, *t)
		}
	}
	return out
}

// checkManager requires the case manager, when given, to work for the provider.
func checkManager(ctx context.Context, tx *store.Tx, c *casework.Checker, managerID *string, providerID string) error {
	if managerID == nil {
		return nil
	}
	m, ok, err := casework.One(ctx, c, "caseManagerId", *managerID, store.Bind(tx, casedata.StaffByIDs))
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
func UpdateProject(ctx context.Context, tx *store.Tx, in UpdateProjectInput) (casedata.Project, error) {
	var c casework.Checker
	id := c.ID("projectId", in.ProjectID, "Project")
	p, ok, err := casework.One(ctx, &c, "projectId", id, store.Bind(tx, casedata.ProjectsByIDs))
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return casedata.Project{}, err
	}
	if in.Title != nil {
		p.Title = c.Text("title", *in.Title, 200)
	}
	if in.Objectives != nil {
		p.Objectives = objectives(&c, in.Objectives)
	}
	if in.CaseManagerID != nil {
		p.CaseManagerID = c.OptID("caseManagerId", in.CaseManagerID, "Staff")
		if err := checkManager(ctx, tx, &c, p.CaseManagerID, p.ProviderOrganisationID); err != nil {
			return casedata.Project{}, err
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
		c.NotFuture("endedOn", *in.EndedOn, casework.Today())
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
			*f.out = c.OptText(f.name, f.in, 4000)
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
		running, err := casedata.ActiveDeliveries(ctx, tx, p.CaseID, nil, &p.ID)
		if err != nil {
			return casedata.Project{}, err
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
	if err := casework.Guard(ctx, p.CaseID); err != nil {
		return casedata.Project{}, err
	}
	if err := c.Err(); err != nil {
		return casedata.Project{}, err
	}
	if err := casedata.UpdateProject(ctx, tx, p); err != nil {
		return casedata.Project{}, err
	}
	if ends {
		if err := casework.EndBasis(ctx, tx, p.CaseID, p.ID, *p.EndedOn, "project "+strings.ToLower(p.Status)); err != nil {
			return casedata.Project{}, err
		}
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ProjectsByIDs))
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
func AddActivityEntry(ctx context.Context, tx *store.Tx, actorStaffID string, in AddActivityEntryInput) (casedata.ActivityEntry, error) {
	var c casework.Checker
	e := casedata.ActivityEntry{
		CaseID:     c.ID("caseId", in.CaseID, "Case"),
		ProjectID:  c.OptID("projectId", in.ProjectID, "Project"),
		OccurredOn: in.OccurredOn,
		Kind:       in.Kind,
		Minutes:    in.Minutes,
		Note:       c.Text("note", in.Note, 8000),
	}
	switch {
	case in.AuthorID != nil:
		if a := c.OptID("authorId", in.AuthorID, "Staff"); a != nil {
			e.AuthorID = *a
			if _, _, err := casework.One(ctx, &c, "authorId", e.AuthorID, store.Bind(tx, casedata.StaffByIDs)); err != nil {
				return casedata.ActivityEntry{}, err
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
	c.NotFuture("occurredOn", in.OccurredOn, casework.Today())
	if _, err := casework.CheckCaseOpen(ctx, tx, &c, e.CaseID, in.OccurredOn, "occurredOn"); err != nil {
		return casedata.ActivityEntry{}, err
	}
	if e.ProjectID != nil {
		p, ok, err := casework.One(ctx, &c, "projectId", *e.ProjectID, store.Bind(tx, casedata.ProjectsByIDs))
		if err != nil {
			return casedata.ActivityEntry{}, err
		}
		if ok && p.CaseID != e.CaseID {
			c.Add("input.projectId", "belongs to another case")
		}
	}
	if err := c.Err(); err != nil {
		return casedata.ActivityEntry{}, err
	}
	id, err := casedata.AddActivityEntry(ctx, tx, e)
	if err != nil {
		return casedata.ActivityEntry{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ActivityByIDs))
}
