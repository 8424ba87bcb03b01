package casedata

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
)

// CreatePerson registers a person and returns its id; p.ID is ignored.
func CreatePerson(ctx context.Context, t *store.Tx, p Person) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "create person", `INSERT INTO persons (tax_code, given_name, family_name, birth_date, birth_place,
		gender, citizenship, country_of_birth, residence_municipality, phone, email)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		[]any{p.TaxCode, p.GivenName, p.FamilyName, p.BirthDate, p.BirthPlace, p.Gender, p.Citizenship, p.CountryOfBirth,
			p.ResidenceMunicipality, p.Phone, p.Email}, &id)
	return id, err
}

// CreateHousehold creates an empty household and returns its id.
func CreateHousehold(ctx context.Context, t *store.Tx, label string, municipality *string) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "create household", `INSERT INTO households (label, residence_municipality) VALUES ($1, $2) RETURNING id`,
		[]any{label, municipality}, &id)
	return id, err
}

// ActiveMembership reports whether the person already has an open-ended or overlapping
// membership of the household from the given date.
func ActiveMembership(ctx context.Context, t *store.Tx, householdID, personID string, from time.Time) (bool, error) {
	var exists bool
	err := store.QueryRow(ctx, t, "active membership", `SELECT EXISTS (SELECT 1 FROM household_members
		WHERE household_id = $1 AND person_id = $2 AND (valid_to IS NULL OR valid_to >= $3))`,
		[]any{householdID, personID, from}, &exists)
	return exists, err
}

// AddHouseholdMember adds a membership and returns its id.
func AddHouseholdMember(ctx context.Context, t *store.Tx, m HouseholdMember) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "add household member", `INSERT INTO household_members (household_id, person_id, relationship, valid_from)
		VALUES ($1, $2, $3, $4) RETURNING id`, []any{m.HouseholdID, m.PersonID, m.Relationship, m.ValidFrom}, &id)
	return id, err
}

// EndHouseholdMembership sets the last day of a membership.
func EndHouseholdMembership(ctx context.Context, t *store.Tx, id string, validTo time.Time) error {
	_, err := store.Exec(ctx, t, "end household membership", `UPDATE household_members SET valid_to = $2 WHERE id = $1`, id, validTo)
	return err
}

// NewCase is a case to open.
type NewCase struct {
	Reference       string
	HouseholdID     *string
	PersonID        *string
	OrganisationID  string
	LeadWorkerID    string
	OpenedOn        time.Time
	Summary         *string
	DepartmentIDs   []string
	PartnerOrgIDs   []string
	ProviderOrgIDs  []string
	AssignedStaffID []string
}

// OpenCase inserts a case with its departments, organisations and assignments. The
// organisations take part through participations (the lead, and those named, from the
// opening date), which case_organisations follows.
func OpenCase(ctx context.Context, t *store.Tx, c NewCase) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "open case", `INSERT INTO cases (reference, household_id, person_id, organisation_id, lead_worker_id, opened_on, summary)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		[]any{c.Reference, c.HouseholdID, c.PersonID, c.OrganisationID, c.LeadWorkerID, c.OpenedOn, c.Summary}, &id)
	if err != nil {
		return "", err
	}
	if _, err := store.Exec(ctx, t, "open case: departments", `INSERT INTO case_departments (case_id, department_id)
		SELECT $1, d FROM unnest($2::uuid[]) AS d ON CONFLICT DO NOTHING`, id, store.UUIDs(c.DepartmentIDs)); err != nil {
		return "", err
	}
	if _, err := store.Exec(ctx, t, "open case: organisations", `INSERT INTO case_participations (case_id, organisation_id, role, basis, from_on)
		SELECT $1::uuid, o, r, 'OPENED', $5::date FROM (
			SELECT $2::uuid AS o, 'LEAD' AS r
			UNION SELECT o, 'PARTNER' FROM unnest($3::uuid[]) AS o WHERE o <> $2::uuid
			UNION SELECT o, 'PROVIDER' FROM unnest($4::uuid[]) AS o WHERE o <> $2::uuid AND o <> ALL($3::uuid[])) x`,
		id, c.OrganisationID, store.UUIDs(nonNil(c.PartnerOrgIDs)), store.UUIDs(nonNil(c.ProviderOrgIDs)), c.OpenedOn); err != nil {
		return "", err
	}
	if _, err := store.Exec(ctx, t, "open case: assignments", `INSERT INTO case_assignments (case_id, staff_id)
		SELECT $1, s FROM unnest($2::uuid[]) AS s ON CONFLICT DO NOTHING`, id, store.UUIDs(c.AssignedStaffID)); err != nil {
		return "", err
	}
	return id, nil
}

// CloseCase closes an open or suspended case.
func CloseCase(ctx context.Context, t *store.Tx, id string, closedOn time.Time, reason *string) error {
	args := []any{id, closedOn, reason}
	_, err := store.Exec(ctx, t, "close case", `UPDATE cases c SET status = 'CLOSED', closed_on = $2, closure_reason = $3, updated_at = now()
		WHERE c.id = $1 AND `+t.Scope().CasePredicate("c", &args), args...)
	return err
}

// NewAssessment is an access & evaluation form to record.
type NewAssessment struct {
	CaseID                string
	PersonID              string
	AssessorID            string
	AssessedOn            time.Time
	WorkExperience        *string
	ProfessionalInterests *string
	HealthNotes           *string
	ProposedInterventions []string
	Scores                []AssessmentScore
}

// RecordAssessment inserts an assessment with its scores.
func RecordAssessment(ctx context.Context, t *store.Tx, a NewAssessment) (string, error) {
	var id string
	if a.ProposedInterventions == nil {
		a.ProposedInterventions = []string{}
	}
	err := store.QueryRow(ctx, t, "record assessment", `INSERT INTO assessments (case_id, person_id, assessor_id, assessed_on,
		work_experience, professional_interests, health_notes, proposed_interventions)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		[]any{a.CaseID, a.PersonID, a.AssessorID, a.AssessedOn, a.WorkExperience, a.ProfessionalInterests, a.HealthNotes, a.ProposedInterventions}, &id)
	if err != nil {
		return "", err
	}
	areas := make([]string, len(a.Scores))
	scores := make([]int32, len(a.Scores))
	notes := make([]*string, len(a.Scores))
	for i, s := range a.Scores {
		areas[i], scores[i], notes[i] = s.Area, int32(s.Score), s.Note
	}
	_, err = store.Exec(ctx, t, "record assessment: scores", `INSERT INTO assessment_scores (assessment_id, area, score, note)
		SELECT $1, a, s, n FROM unnest($2::text[], $3::int[], $4::text[]) AS x(a, s, n)`, id, areas, scores, notes)
	return id, err
}

// CreateProject inserts a project.
func CreateProject(ctx context.Context, t *store.Tx, p Project) (string, error) {
	var id string
	if p.Objectives == nil {
		p.Objectives = []string{}
	}
	err := store.QueryRow(ctx, t, "create project", `INSERT INTO projects (case_id, participant_id, case_manager_id, provider_organisation_id,
		title, objectives, status, started_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		[]any{p.CaseID, p.ParticipantID, p.CaseManagerID, p.ProviderOrganisationID, p.Title, p.Objectives, p.Status, p.StartedOn}, &id)
	return id, err
}

// UpdateProject writes every mutable field of a project (the caller merged the change).
func UpdateProject(ctx context.Context, t *store.Tx, p Project) error {
	args := []any{p.ID, p.Title, p.Objectives, p.Status, p.StartedOn, p.EndedOn, p.CaseManagerID, p.ObjectivesAchieved,
		p.SkillsAcquired, p.CriticalIssues, p.ResourcesActivated, p.Outcome}
	_, err := store.Exec(ctx, t, "update project", `UPDATE projects pr SET title = $2, objectives = $3, status = $4, started_on = $5,
		ended_on = $6, case_manager_id = $7, objectives_achieved = $8, skills_acquired = $9, critical_issues = $10,
		resources_activated = $11, outcome = $12, updated_at = now()
		WHERE pr.id = $1 AND `+t.Scope().CaseColumn("pr.case_id", &args), args...)
	return err
}

// CreateIntervention inserts an intervention.
func CreateIntervention(ctx context.Context, t *store.Tx, i Intervention) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "create intervention", `INSERT INTO interventions (case_id, project_id, round_id, service_type,
		provider_organisation_id, operator, beneficiary_id, starts_on, ends_on, planned_hours, status, department_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		[]any{i.CaseID, i.ProjectID, i.RoundID, i.ServiceType, i.ProviderOrganisationID, i.Operator, i.BeneficiaryID,
			i.StartsOn, i.EndsOn, i.PlannedHours, i.Status, i.DepartmentID}, &id)
	return id, err
}

// FinishIntervention moves an intervention to COMPLETED or INTERRUPTED.
func FinishIntervention(ctx context.Context, t *store.Tx, id, status string, endsOn time.Time, hours *float64, reason *string) error {
	args := []any{id, status, endsOn, hours, reason}
	_, err := store.Exec(ctx, t, "finish intervention", `UPDATE interventions i SET status = $2, ends_on = $3,
		hours_delivered = COALESCE($4, hours_delivered), interruption_reason = $5, updated_at = now()
		WHERE i.id = $1 AND `+t.Scope().CaseColumn("i.case_id", &args), args...)
	return err
}

// AddActivityEntry appends to the register.
func AddActivityEntry(ctx context.Context, t *store.Tx, e ActivityEntry) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "add activity entry", `INSERT INTO activity_entries (case_id, project_id, author_id, occurred_on, kind, minutes, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		[]any{e.CaseID, e.ProjectID, e.AuthorID, e.OccurredOn, e.Kind, e.Minutes, e.Note}, &id)
	return id, err
}
