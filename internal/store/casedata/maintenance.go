package casedata

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// SetCaseStatus moves a case to OPEN, SUSPENDED or CLOSED; closedOn and reason are the
// closure's, cleared when the case is open or suspended.
func SetCaseStatus(ctx context.Context, t *store.Tx, id, status string, closedOn *time.Time, reason *string) error {
	args := []any{id, status, closedOn, reason}
	_, err := store.Exec(ctx, t, "set case status", `UPDATE cases c SET status = $2, closed_on = $3, closure_reason = $4, updated_at = now()
		WHERE c.id = $1 AND `+t.Scope().CasePredicate("c", &args), args...)
	return err
}

// SetLeadWorker changes a case's lead worker.
func SetLeadWorker(ctx context.Context, t *store.Tx, caseID, staffID string) error {
	args := []any{caseID, staffID}
	_, err := store.Exec(ctx, t, "set lead worker", `UPDATE cases c SET lead_worker_id = $2, updated_at = now()
		WHERE c.id = $1 AND `+t.Scope().CasePredicate("c", &args), args...)
	return err
}

// SetCaseDepartments makes the departments of a case exactly ids.
func SetCaseDepartments(ctx context.Context, t *store.Tx, caseID string, ids []string) error {
	if _, err := store.Exec(ctx, t, "set case departments: remove", `DELETE FROM case_departments WHERE case_id = $1 AND department_id <> ALL($2::uuid[])`,
		caseID, store.UUIDs(nonNil(ids))); err != nil {
		return err
	}
	_, err := store.Exec(ctx, t, "set case departments: add", `INSERT INTO case_departments (case_id, department_id)
		SELECT $1, d FROM unnest($2::uuid[]) AS d ON CONFLICT DO NOTHING`, caseID, store.UUIDs(nonNil(ids)))
	return err
}

// CorrectIntervention writes the correctable fields of an intervention (the caller merged
// the correction).
func CorrectIntervention(ctx context.Context, t *store.Tx, i Intervention) error {
	args := []any{i.ID, i.ServiceType, i.RoundID, i.Operator, i.StartsOn, i.EndsOn, i.PlannedHours, i.HoursDelivered, i.DepartmentID}
	_, err := store.Exec(ctx, t, "correct intervention", `UPDATE interventions i SET service_type = $2, round_id = $3, operator = $4, starts_on = $5,
		ends_on = $6, planned_hours = $7, hours_delivered = $8, department_id = $9, updated_at = now()
		WHERE i.id = $1 AND `+t.Scope().InterventionPredicate("i", &args), args...)
	return err
}

// CancelIntervention marks an intervention recorded in error CANCELLED, with the reason.
func CancelIntervention(ctx context.Context, t *store.Tx, id, reason string) error {
	args := []any{id, reason}
	_, err := store.Exec(ctx, t, "cancel intervention", `UPDATE interventions i SET status = 'CANCELLED', cancellation_reason = $2, updated_at = now()
		WHERE i.id = $1 AND `+t.Scope().InterventionPredicate("i", &args), args...)
	return err
}

// CorrectAssessment writes the correctable fields of an assessment and its scores.
func CorrectAssessment(ctx context.Context, t *store.Tx, a Assessment) error {
	args := []any{a.ID, a.AssessedOn, a.WorkExperience, a.ProfessionalInterests, a.HealthNotes, nonNil(a.ProposedInterventions)}
	if _, err := store.Exec(ctx, t, "correct assessment", `UPDATE assessments a SET assessed_on = $2, work_experience = $3,
		professional_interests = $4, health_notes = $5, proposed_interventions = $6
		WHERE a.id = $1 AND `+t.Scope().AssessmentPredicate("a", &args), args...); err != nil {
		return err
	}
	areas := make([]string, len(a.Scores))
	scores := make([]int32, len(a.Scores))
	notes := make([]*string, len(a.Scores))
	for i, s := range a.Scores {
		areas[i], scores[i], notes[i] = s.Area, int32(s.Score), s.Note
	}
	_, err := store.Exec(ctx, t, "correct assessment: scores", `INSERT INTO assessment_scores (assessment_id, area, score, note)
		SELECT $1, x.a, x.s, x.n FROM unnest($2::text[], $3::int[], $4::text[]) AS x(a, s, n)
		ON CONFLICT (assessment_id, area) DO UPDATE SET score = EXCLUDED.score, note = EXCLUDED.note`, a.ID, areas, scores, notes)
	return err
}

// CancelAssessment marks an assessment recorded in error cancelled, with the reason.
func CancelAssessment(ctx context.Context, t *store.Tx, id, reason string) error {
	args := []any{id, reason}
	_, err := store.Exec(ctx, t, "cancel assessment", `UPDATE assessments a SET cancelled_at = now(), cancellation_reason = $2
		WHERE a.id = $1 AND a.cancelled_at IS NULL AND `+t.Scope().AssessmentPredicate("a", &args), args...)
	return err
}

// UpdatePerson writes a person's rectifiable fields (the caller merged the change).
func UpdatePerson(ctx context.Context, t *store.Tx, p Person) error {
	args := []any{p.ID, p.GivenName, p.FamilyName, p.BirthDate, p.BirthPlace, p.Gender, p.Citizenship, p.CountryOfBirth,
		p.ResidenceMunicipality, p.Phone, p.Email, p.TaxCode}
	_, err := store.Exec(ctx, t, "update person", `UPDATE persons p SET given_name = $2, family_name = $3, birth_date = $4, birth_place = $5,
		gender = $6, citizenship = $7, country_of_birth = $8, residence_municipality = $9, phone = $10, email = $11, tax_code = $12,
		updated_at = now() WHERE p.id = $1 AND `+t.Scope().PersonColumn("p.id", &args), args...)
	return err
}

// PersonDataChange is one rectification of a person's data, with the previous values.
type PersonDataChange struct {
	ID                  string
	PersonID            string
	At                  time.Time
	Reason              string
	Changes             []FieldChange
	ActorSubject        string
	ActorStaffID        *string
	ActorOrganisationID *string
}

// AddPersonDataChange records a rectification.
func AddPersonDataChange(ctx context.Context, t *store.Tx, personID, reason string, changes []FieldChange, staffID *string) error {
	b, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	_, err = store.Exec(ctx, t, "add person rectification", `INSERT INTO person_data_changes (person_id, reason, changes, actor_staff_id)
		VALUES ($1, $2, $3, $4)`, personID, reason, b, staffID)
	return err
}

// RectificationsByPerson loads the rectifications of the given persons within scope,
// oldest first.
func RectificationsByPerson(ctx context.Context, t *store.Tx, personIDs []string) ([]PersonDataChange, error) {
	args := []any{store.UUIDs(personIDs)}
	return store.Query(ctx, t, "rectifications by person", `SELECT r.id, r.person_id, r.at, r.reason, r.changes, r.actor_subject,
		r.actor_staff_id, r.actor_organisation_id FROM person_data_changes r
		WHERE r.person_id = ANY($1::uuid[]) AND `+t.Scope().PersonColumn("r.person_id", &args)+` ORDER BY r.at, r.id`, args,
		func(r pgx.Rows) (PersonDataChange, error) {
			var x PersonDataChange
			err := r.Scan(&x.ID, &x.PersonID, &x.At, &x.Reason, &x.Changes, &x.ActorSubject, &x.ActorStaffID, &x.ActorOrganisationID)
			return x, err
		})
}

// OpenCasesOf lists the open or suspended cases within scope that take in charge the
// person (as the case's person or a current member of its household) or the household.
// Cases outside the scope are not looked at: saying that one exists would tell the
// caller about another organisation's case.
func OpenCasesOf(ctx context.Context, t *store.Tx, personID, householdID *string) ([]Case, error) {
	args := []any{personID, householdID}
	return store.Query(ctx, t, "open cases of", `SELECT `+caseCols+` FROM cases c
		WHERE c.status IN ('OPEN', 'SUSPENDED') AND `+t.Scope().CasePredicate("c", &args)+`
		  AND (c.household_id = $2::uuid OR c.person_id = $1::uuid
		       OR c.household_id IN (SELECT m.household_id FROM household_members m
		                              WHERE m.person_id = $1::uuid AND (m.valid_to IS NULL OR m.valid_to >= current_date)))
		ORDER BY c.opened_on, c.id`, args, scanCase)
}
