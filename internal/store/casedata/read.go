package casedata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// Organisation is a municipality, agency, cooperative, employment centre, school or authority.
type Organisation struct {
	ID        string
	Code      string
	Name      string
	Kind      string
	Territory *string
	IsPublic  bool
}

// Department is a unit of an organisation (housing, employment, social care…).
type Department struct {
	ID             string
	OrganisationID string
	Code           string
	Name           string
	Kind           string
}

// Staff is a person acting in the workflow on behalf of an organisation.
type Staff struct {
	ID             string
	Subject        string
	DisplayName    string
	OrganisationID string
	DepartmentID   *string
}

// Person is someone the hub holds data about, identified by tax code.
type Person struct {
	ID                    string
	TaxCode               string
	GivenName             string
	FamilyName            string
	BirthDate             *time.Time
	BirthPlace            *string
	Gender                *string
	Citizenship           *string
	CountryOfBirth        *string
	ResidenceMunicipality *string
	Phone                 *string
	Email                 *string
}

// Household is a nucleo familiare.
type Household struct {
	ID                    string
	Label                 string
	ResidenceMunicipality *string
}

// HouseholdMember links a person to a household for a period.
type HouseholdMember struct {
	ID           string
	HouseholdID  string
	PersonID     string
	Relationship string
	ValidFrom    time.Time
	ValidTo      *time.Time
}

// Case is a presa in carico.
type Case struct {
	ID             string
	Reference      string
	HouseholdID    *string
	PersonID       *string
	OrganisationID string
	LeadWorkerID   string
	Status         string
	OpenedOn       time.Time
	ClosedOn       *time.Time
	ClosureReason  *string
	Summary        *string
}

// CaseOrganisation is an organisation taking part in a case, with its role.
type CaseOrganisation struct {
	CaseID         string
	OrganisationID string
	Role           string
}

// AssessmentScore is the score of one employability area.
type AssessmentScore struct {
	Area  string  `json:"area"`
	Score int     `json:"score"`
	Note  *string `json:"note"`
	// CaseID is the case of the score's assessment, for the access layer.
	CaseID string `json:"-"`
}

// Assessment is the access & evaluation form.
type Assessment struct {
	ID                    string
	CaseID                string
	PersonID              string
	AssessorID            string
	AssessedOn            time.Time
	WorkExperience        *string
	ProfessionalInterests *string
	HealthNotes           *string
	ProposedInterventions []string
	Scores                []AssessmentScore
	// CancelledAt is set on an assessment recorded in error: it stays, with the reason.
	CancelledAt        *time.Time
	CancellationReason *string
}

// Project is a personalised individual project.
type Project struct {
	ID                     string
	CaseID                 string
	ParticipantID          string
	CaseManagerID          *string
	ProviderOrganisationID string
	Title                  string
	Objectives             []string
	Status                 string
	StartedOn              *time.Time
	EndedOn                *time.Time
	ObjectivesAchieved     *string
	SkillsAcquired         *string
	CriticalIssues         *string
	ResourcesActivated     *string
	Outcome                *string
}

// Intervention is one activated service.
type Intervention struct {
	ID                     string
	CaseID                 string
	ProjectID              *string
	RoundID                *string
	ServiceType            string
	ProviderOrganisationID string
	Operator               *string
	BeneficiaryID          string
	StartsOn               *time.Time
	EndsOn                 *time.Time
	PlannedHours           *float64
	HoursDelivered         float64
	Status                 string
	InterruptionReason     *string
	// DepartmentID is the department of the provider that delivers the service.
	DepartmentID       *string
	CancellationReason *string
}

// ActivityEntry is one line of the case manager's register.
type ActivityEntry struct {
	ID         string
	CaseID     string
	ProjectID  *string
	AuthorID   string
	OccurredOn time.Time
	Kind       string
	Minutes    *int
	Note       string
	CreatedAt  time.Time
}

const organisationCols = `o.id, o.code, o.name, o.kind, o.territory, o.is_public`

func scanOrganisation(r pgx.Rows) (Organisation, error) {
	var o Organisation
	return o, scanOrganisationInto(r, &o)
}

func scanOrganisationInto(r pgx.Rows, o *Organisation, extra ...any) error {
	dest := []any{&o.ID, &o.Code, &o.Name, &o.Kind, &o.Territory, &o.IsPublic}
	return r.Scan(append(dest, extra...)...)
}

// OrganisationsByIDs loads organisations; organisations are not personal data.
func OrganisationsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Organisation, error) {
	return store.Query(ctx, t, "organisations by id", `SELECT `+organisationCols+` FROM organisations o WHERE o.id = ANY($1::uuid[])`, []any{store.UUIDs(ids)}, scanOrganisation)
}

// ListOrganisations returns a page of organisations ordered by name.
func ListOrganisations(ctx context.Context, t *store.Tx, kind *string, p store.Page) (store.Rows[Organisation], error) {
	args := []any{}
	where := "true"
	if kind != nil {
		where = "o.kind = " + store.Arg(&args, *kind)
	}
	return store.ListPage(ctx, t, "list organisations", `SELECT `+organisationCols+`, o.name AS sort_key FROM organisations o WHERE `+where, args, p,
		func(r pgx.Rows) (Organisation, string, error) {
			var o Organisation
			var key string
			err := scanOrganisationInto(r, &o, &key)
			return o, key, err
		}, func(o Organisation) string { return o.ID })
}

// DepartmentsByOrganisation loads the departments of the given organisations.
func DepartmentsByOrganisation(ctx context.Context, t *store.Tx, orgIDs []string) ([]Department, error) {
	return store.Query(ctx, t, "departments by organisation",
		`SELECT `+departmentCols+` FROM departments WHERE organisation_id = ANY($1::uuid[]) ORDER BY code`, []any{store.UUIDs(orgIDs)}, scanDepartment)
}

// DepartmentsByIDs loads departments.
func DepartmentsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Department, error) {
	return store.Query(ctx, t, "departments by id",
		`SELECT `+departmentCols+` FROM departments WHERE id = ANY($1::uuid[])`, []any{store.UUIDs(ids)}, scanDepartment)
}

const departmentCols = `id, organisation_id, code, name, kind`

func scanDepartment(r pgx.Rows) (Department, error) {
	var d Department
	err := r.Scan(&d.ID, &d.OrganisationID, &d.Code, &d.Name, &d.Kind)
	return d, err
}

// StaffByIDs loads staff members.
func StaffByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Staff, error) {
	return store.Query(ctx, t, "staff by id",
		`SELECT id, subject, display_name, organisation_id, department_id FROM staff WHERE id = ANY($1::uuid[])`, []any{store.UUIDs(ids)}, scanStaff)
}

func scanStaff(r pgx.Rows) (Staff, error) {
	var s Staff
	err := r.Scan(&s.ID, &s.Subject, &s.DisplayName, &s.OrganisationID, &s.DepartmentID)
	return s, err
}

const personCols = `p.id, p.tax_code, p.given_name, p.family_name, p.birth_date, p.birth_place, p.gender,
	p.citizenship, p.country_of_birth, p.residence_municipality, p.phone, p.email`

func scanPersonInto(r pgx.Rows, p *Person, extra ...any) error {
	dest := []any{&p.ID, &p.TaxCode, &p.GivenName, &p.FamilyName, &p.BirthDate, &p.BirthPlace, &p.Gender,
		&p.Citizenship, &p.CountryOfBirth, &p.ResidenceMunicipality, &p.Phone, &p.Email}
	return r.Scan(append(dest, extra...)...)
}

// PersonsByIDs loads persons within the transaction's scope.
func PersonsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Person, error) {
	return personsWhere(ctx, t, "persons by id", "p.id = ANY($1::uuid[])", store.UUIDs(ids))
}

// PersonsByTaxCodes loads the persons with the given tax codes, within scope.
func PersonsByTaxCodes(ctx context.Context, t *store.Tx, codes []string) ([]Person, error) {
	return personsWhere(ctx, t, "persons by tax code", "p.tax_code = ANY($1::text[])", codes)
}

// personsWhere loads the persons in scope matching cond, whose one parameter is $1 = key.
func personsWhere(ctx context.Context, t *store.Tx, op, cond string, key any) ([]Person, error) {
	args := []any{key}
	return store.Query(ctx, t, op, `SELECT `+personCols+` FROM persons p WHERE `+cond+` AND `+t.Scope().PersonPredicate("p", &args), args,
		func(r pgx.Rows) (Person, error) {
			var p Person
			return p, scanPersonInto(r, &p)
		})
}

// PersonFilter narrows a person listing.
type PersonFilter struct {
	// Search matches the start of the tax code or any part of the name, case-insensitively.
	Search *string
	// SearchAges narrows whom Search may match.
	SearchAges SearchAges
}

// SearchAges narrows a search to adults or to minors: a principal without minors' data
// must not learn from a search that a minor is known to the hub, and one that reads
// identity only about minors must not find adults. A person whose birth date is unknown
// matches neither restriction.
type SearchAges struct {
	// AdultsBornBy: only persons born on or before it (18 years before the request's date).
	AdultsBornBy *time.Time
	// MinorsBornAfter: only persons born after it.
	MinorsBornAfter *time.Time
	// Exclude: persons the search must not match (their identity is not the caller's to
	// read: it sees them through a referral that does not share it).
	Exclude []string
}

// ListPersons returns a page of persons ordered by family and given name.
func ListPersons(ctx context.Context, t *store.Tx, f PersonFilter, p store.Page) (store.Rows[Person], error) {
	args := []any{}
	where := t.Scope().PersonPredicate("p", &args)
	if f.Search != nil && *f.Search != "" {
		where += ` AND ` + personSearch{Text: *f.Search, Ages: f.SearchAges}.predicate("p", &args)
	}
	return store.ListPage(ctx, t, "list persons",
		`SELECT `+personCols+`, p.family_name || ' ' || p.given_name AS sort_key FROM persons p WHERE `+where, args, p,
		func(r pgx.Rows) (Person, string, error) {
			var ps Person
			var key string
			err := scanPersonInto(r, &ps, &key)
			return ps, key, err
		}, func(p Person) string { return p.ID })
}

// HouseholdsByIDs loads households within the transaction's scope: those of its cases,
// those its organisation registered, and those its own transaction created.
func HouseholdsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Household, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "households by id",
		`SELECT h.id, h.label, h.residence_municipality FROM households h WHERE h.id = ANY($1::uuid[])
		   AND `+t.Scope().HouseholdPredicate("h", &args), args,
		func(r pgx.Rows) (Household, error) {
			var h Household
			err := r.Scan(&h.ID, &h.Label, &h.ResidenceMunicipality)
			return h, err
		})
}

const memberCols = `m.id, m.household_id, m.person_id, m.relationship, m.valid_from, m.valid_to`

func scanMember(r pgx.Rows) (HouseholdMember, error) {
	var m HouseholdMember
	err := r.Scan(&m.ID, &m.HouseholdID, &m.PersonID, &m.Relationship, &m.ValidFrom, &m.ValidTo)
	return m, err
}

// MembersByHousehold loads the memberships of the given households within scope, current
// ones first; a provider sees only the memberships of its own persons.
func MembersByHousehold(ctx context.Context, t *store.Tx, householdIDs []string) ([]HouseholdMember, error) {
	args := []any{store.UUIDs(householdIDs)}
	return store.Query(ctx, t, "members by household",
		`SELECT `+memberCols+` FROM household_members m
		  WHERE m.household_id = ANY($1::uuid[]) AND `+t.Scope().HouseholdMemberPredicate("m", &args)+`
		  ORDER BY m.valid_to NULLS FIRST, m.valid_from, m.id`, args, scanMember)
}

// MembershipsByPerson loads the household memberships of the given persons within scope.
func MembershipsByPerson(ctx context.Context, t *store.Tx, personIDs []string) ([]HouseholdMember, error) {
	args := []any{store.UUIDs(personIDs)}
	return store.Query(ctx, t, "memberships by person",
		`SELECT `+memberCols+` FROM household_members m
		  WHERE m.person_id = ANY($1::uuid[]) AND `+t.Scope().HouseholdMemberPredicate("m", &args)+`
		  ORDER BY m.valid_to NULLS FIRST, m.valid_from, m.id`, args, scanMember)
}

// MemberByID loads one membership within scope.
func MemberByID(ctx context.Context, t *store.Tx, id string) (HouseholdMember, error) {
	args := []any{id}
	rows, err := store.Query(ctx, t, "membership by id",
		`SELECT `+memberCols+` FROM household_members m
		  WHERE m.id = $1 AND `+t.Scope().HouseholdMemberPredicate("m", &args), args, scanMember)
	return first(rows, err, "membership by id")
}

const caseCols = `c.id, c.reference, c.household_id, c.person_id, c.organisation_id, c.lead_worker_id, c.status,
	c.opened_on, c.closed_on, c.closure_reason, c.summary`

func scanCaseInto(r pgx.Rows, c *Case, extra ...any) error {
	dest := []any{&c.ID, &c.Reference, &c.HouseholdID, &c.PersonID, &c.OrganisationID, &c.LeadWorkerID, &c.Status,
		&c.OpenedOn, &c.ClosedOn, &c.ClosureReason, &c.Summary}
	return r.Scan(append(dest, extra...)...)
}

func scanCase(r pgx.Rows) (Case, error) {
	var c Case
	return c, scanCaseInto(r, &c)
}

// CasesByIDs loads cases within scope.
func CasesByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Case, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "cases by id",
		`SELECT `+caseCols+` FROM cases c WHERE c.id = ANY($1::uuid[]) AND `+t.Scope().CasePredicate("c", &args), args, scanCase)
}

// CasesByHousehold loads the cases of the given households.
func CasesByHousehold(ctx context.Context, t *store.Tx, householdIDs []string) ([]Case, error) {
	args := []any{store.UUIDs(householdIDs)}
	return store.Query(ctx, t, "cases by household",
		`SELECT `+caseCols+` FROM cases c WHERE c.household_id = ANY($1::uuid[]) AND `+t.Scope().CasePredicate("c", &args)+` ORDER BY c.opened_on DESC, c.id`, args, scanCase)
}

// CaseFilter narrows a case listing.
type CaseFilter struct {
	Status         *string
	DepartmentID   *string
	OrganisationID *string
	OpenedFrom     *time.Time
	OpenedTo       *time.Time
	// Search matches the case reference, or the name or tax code of the person or of a
	// household member.
	Search *string
	// SearchAges: as in PersonFilter, for the persons the search matches.
	SearchAges SearchAges
}

// ListCases returns a page of cases, most recently opened first.
func ListCases(ctx context.Context, t *store.Tx, f CaseFilter, p store.Page) (store.Rows[Case], error) {
	args := []any{}
	where := t.Scope().CasePredicate("c", &args)
	if f.Status != nil {
		where += " AND c.status = " + store.Arg(&args, *f.Status)
	}
	if f.DepartmentID != nil {
		where += " AND EXISTS (SELECT 1 FROM case_departments cd WHERE cd.case_id = c.id AND cd.department_id = " + store.Arg(&args, *f.DepartmentID) + ")"
	}
	if f.OrganisationID != nil {
		o := store.Arg(&args, *f.OrganisationID)
		where += " AND (c.organisation_id = " + o + " OR EXISTS (SELECT 1 FROM case_organisations co WHERE co.case_id = c.id AND co.organisation_id = " + o + "))"
	}
	if f.OpenedFrom != nil {
		where += " AND c.opened_on >= " + store.Arg(&args, *f.OpenedFrom)
	}
	if f.OpenedTo != nil {
		where += " AND c.opened_on <= " + store.Arg(&args, *f.OpenedTo)
	}
	if f.Search != nil && *f.Search != "" {
		ref := store.Arg(&args, likeLiteral(*f.Search))
		who := personSearch{Text: *f.Search, Ages: f.SearchAges}.predicate("p", &args)
		where += ` AND (c.reference ILIKE '%' || ` + ref + ` || '%' OR EXISTS (
			SELECT 1 FROM persons p
			 WHERE (p.id = c.person_id OR p.id IN (SELECT m.person_id FROM household_members m WHERE m.household_id = c.household_id))
			   AND ` + who + `))`
	}
	// Most recent first: the sort key inverts the date so one ascending keyset serves; it is
	// the expression of the index cases_list_order_idx (migration 00500), so a page reads
	// the index in order and stops after the page.
	return store.ListPage(ctx, t, "list cases",
		`SELECT `+caseCols+`, lpad((DATE '9999-12-31' - c.opened_on)::text, 7, '0') AS sort_key FROM cases c WHERE `+where, args, p,
		func(r pgx.Rows) (Case, string, error) {
			var c Case
			var key string
			err := scanCaseInto(r, &c, &key)
			return c, key, err
		}, func(c Case) string { return c.ID })
}

// CaseDepartmentLinks loads the departments involved in the given cases within scope.
func CaseDepartmentLinks(ctx context.Context, t *store.Tx, caseIDs []string) ([][2]string, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "case departments",
		`SELECT l.case_id, l.department_id FROM case_departments l WHERE l.case_id = ANY($1::uuid[]) AND `+t.Scope().CaseLinkPredicate("l", &args), args,
		func(r pgx.Rows) ([2]string, error) {
			var v [2]string
			err := r.Scan(&v[0], &v[1])
			return v, err
		})
}

// CaseOrganisations loads the organisations taking part in the given cases within scope.
func CaseOrganisations(ctx context.Context, t *store.Tx, caseIDs []string) ([]CaseOrganisation, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "case organisations",
		`SELECT l.case_id, l.organisation_id, l.role FROM case_organisations l
		  WHERE l.case_id = ANY($1::uuid[]) AND `+t.Scope().CaseLinkPredicate("l", &args)+` ORDER BY l.role, l.organisation_id`, args,
		func(r pgx.Rows) (CaseOrganisation, error) {
			var v CaseOrganisation
			err := r.Scan(&v.CaseID, &v.OrganisationID, &v.Role)
			return v, err
		})
}

const assessmentCols = `a.id, a.case_id, a.person_id, a.assessor_id, a.assessed_on, a.work_experience,
	a.professional_interests, a.health_notes, a.proposed_interventions, a.cancelled_at, a.cancellation_reason,
	COALESCE((SELECT json_agg(json_build_object('area', s.area, 'score', s.score, 'note', s.note) ORDER BY s.area)
	            FROM assessment_scores s WHERE s.assessment_id = a.id), '[]'::json)`

func scanAssessment(r pgx.Rows) (Assessment, error) {
	var a Assessment
	err := r.Scan(&a.ID, &a.CaseID, &a.PersonID, &a.AssessorID, &a.AssessedOn, &a.WorkExperience,
		&a.ProfessionalInterests, &a.HealthNotes, &a.ProposedInterventions, &a.CancelledAt, &a.CancellationReason, &a.Scores)
	for i := range a.Scores {
		a.Scores[i].CaseID = a.CaseID
	}
	return a, err
}

// AssessmentsByCase loads the assessments of the given cases within scope, newest first;
// a provider sees only those of its own persons.
func AssessmentsByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]Assessment, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "assessments by case",
		`SELECT `+assessmentCols+` FROM assessments a
		  WHERE a.case_id = ANY($1::uuid[]) AND `+t.Scope().AssessmentPredicate("a", &args)+` ORDER BY a.assessed_on DESC, a.id`, args, scanAssessment)
}

// AssessmentsByIDs loads assessments within scope.
func AssessmentsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Assessment, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "assessments by id",
		`SELECT `+assessmentCols+` FROM assessments a
		  WHERE a.id = ANY($1::uuid[]) AND `+t.Scope().AssessmentPredicate("a", &args), args, scanAssessment)
}

const projectCols = `pr.id, pr.case_id, pr.participant_id, pr.case_manager_id, pr.provider_organisation_id, pr.title,
	pr.objectives, pr.status, pr.started_on, pr.ended_on, pr.objectives_achieved, pr.skills_acquired,
	pr.critical_issues, pr.resources_activated, pr.outcome`

func scanProject(r pgx.Rows) (Project, error) {
	var p Project
	err := r.Scan(&p.ID, &p.CaseID, &p.ParticipantID, &p.CaseManagerID, &p.ProviderOrganisationID, &p.Title,
		&p.Objectives, &p.Status, &p.StartedOn, &p.EndedOn, &p.ObjectivesAchieved, &p.SkillsAcquired,
		&p.CriticalIssues, &p.ResourcesActivated, &p.Outcome)
	return p, err
}

// ProjectsByCase loads the projects of the given cases within scope; a provider sees only
// the projects it delivers.
func ProjectsByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]Project, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "projects by case",
		`SELECT `+projectCols+` FROM projects pr
		  WHERE pr.case_id = ANY($1::uuid[]) AND `+t.Scope().ProjectPredicate("pr", &args)+` ORDER BY pr.started_on NULLS LAST, pr.id`, args, scanProject)
}

// ProjectsByIDs loads projects within scope.
func ProjectsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Project, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "projects by id",
		`SELECT `+projectCols+` FROM projects pr
		  WHERE pr.id = ANY($1::uuid[]) AND `+t.Scope().ProjectPredicate("pr", &args), args, scanProject)
}

const interventionCols = `i.id, i.case_id, i.project_id, i.round_id, i.service_type, i.provider_organisation_id, i.operator,
	i.beneficiary_id, i.starts_on, i.ends_on, i.planned_hours::float8, i.hours_delivered::float8, i.status, i.interruption_reason,
	i.department_id, i.cancellation_reason`

func scanIntervention(r pgx.Rows) (Intervention, error) {
	var i Intervention
	err := r.Scan(&i.ID, &i.CaseID, &i.ProjectID, &i.RoundID, &i.ServiceType, &i.ProviderOrganisationID, &i.Operator,
		&i.BeneficiaryID, &i.StartsOn, &i.EndsOn, &i.PlannedHours, &i.HoursDelivered, &i.Status, &i.InterruptionReason,
		&i.DepartmentID, &i.CancellationReason)
	return i, err
}

// InterventionsByCase loads the interventions of the given cases within scope; a provider
// sees only those it delivers or that belong to its projects.
func InterventionsByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]Intervention, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "interventions by case",
		`SELECT `+interventionCols+` FROM interventions i
		  WHERE i.case_id = ANY($1::uuid[]) AND `+t.Scope().InterventionPredicate("i", &args)+` ORDER BY i.starts_on NULLS LAST, i.id`, args, scanIntervention)
}

// InterventionsByProject loads the interventions of the given projects within scope.
func InterventionsByProject(ctx context.Context, t *store.Tx, projectIDs []string) ([]Intervention, error) {
	args := []any{store.UUIDs(projectIDs)}
	return store.Query(ctx, t, "interventions by project",
		`SELECT `+interventionCols+` FROM interventions i
		  WHERE i.project_id = ANY($1::uuid[]) AND `+t.Scope().InterventionPredicate("i", &args)+` ORDER BY i.starts_on NULLS LAST, i.id`, args, scanIntervention)
}

// InterventionsByIDs loads interventions within scope (for an ESF+ auditor, the ESF-funded
// interventions of participants).
func InterventionsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Intervention, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "interventions by id",
		`SELECT `+interventionCols+` FROM interventions i
		  WHERE i.id = ANY($1::uuid[]) AND `+t.Scope().InterventionPredicate("i", &args), args, scanIntervention)
}

const activityCols = `e.id, e.case_id, e.project_id, e.author_id, e.occurred_on, e.kind, e.minutes, e.note, e.created_at`

func scanActivity(r pgx.Rows) (ActivityEntry, error) {
	var e ActivityEntry
	err := r.Scan(&e.ID, &e.CaseID, &e.ProjectID, &e.AuthorID, &e.OccurredOn, &e.Kind, &e.Minutes, &e.Note, &e.CreatedAt)
	return e, err
}

// ActivityByCase loads the register entries of the given cases within scope, newest
// first; a provider sees those of its projects or written by its staff.
func ActivityByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]ActivityEntry, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "activity by case",
		`SELECT `+activityCols+` FROM activity_entries e
		  WHERE e.case_id = ANY($1::uuid[]) AND `+t.Scope().ActivityPredicate("e", &args)+` ORDER BY e.occurred_on DESC, e.created_at DESC, e.id`, args, scanActivity)
}

// ActivityByIDs loads register entries within scope.
func ActivityByIDs(ctx context.Context, t *store.Tx, ids []string) ([]ActivityEntry, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "activity by id",
		`SELECT `+activityCols+` FROM activity_entries e
		  WHERE e.id = ANY($1::uuid[]) AND `+t.Scope().ActivityPredicate("e", &args), args, scanActivity)
}

func first[T any](rows []T, err error, op string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(rows) == 0 {
		return zero, store.Wrap(op, pgx.ErrNoRows)
	}
	return rows[0], nil
}
