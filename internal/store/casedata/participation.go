package casedata

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// Participation roles and the reasons an organisation takes part in a case
// (migrations/00400_case_participation.sql).
const (
	RoleLead     = "LEAD"
	RolePartner  = "PARTNER"
	RoleProvider = "PROVIDER"

	BasisOpened       = "OPENED"
	BasisAdded        = "ADDED"
	BasisProject      = "PROJECT"
	BasisIntervention = "INTERVENTION"
	BasisReferral     = "REFERRAL"
	BasisTransfer     = "TRANSFER"
	BasisImported     = "IMPORTED"
)

// CaseParticipation is one reason an organisation takes part in a case, open while it
// holds; ended ones are the case's participation history.
type CaseParticipation struct {
	ID             string
	CaseID         string
	OrganisationID string
	Role           string
	Basis          string
	BasisID        *string
	StartReason    *string
	FromOn         time.Time
	ToOn           *time.Time
	StartedBy      string
	EndedBy        *string
	EndReason      *string
}

// NewParticipation is a reason to take part that starts.
type NewParticipation struct {
	CaseID         string
	OrganisationID string
	Role           string
	Basis          string
	BasisID        *string
	Reason         *string
	FromOn         time.Time
}

// StartParticipation records that an organisation takes part in a case for a reason;
// case_organisations follows (a trigger). An organisation already taking part in the
// case by a row loaded in bulk first gets that row's reason recorded (IMPORTED), so that
// the part it had does not end with the new reason.
func StartParticipation(ctx context.Context, t *store.Tx, p NewParticipation) error {
	if err := recordImported(ctx, t, p.CaseID, p.OrganisationID); err != nil {
		return err
	}
	_, err := store.Exec(ctx, t, "start participation", `INSERT INTO case_participations (id, case_id, organisation_id, role, basis, basis_id,
		start_reason, from_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, store.NewID(), p.CaseID, p.OrganisationID, p.Role, p.Basis, p.BasisID, p.Reason, p.FromOn)
	return err
}

// recordImported records the reason of a case_organisations row that has none (loaded in
// bulk): basis IMPORTED, from the case's opening.
func recordImported(ctx context.Context, t *store.Tx, caseID, orgID string) error {
	_, err := store.Exec(ctx, t, "record imported participation", `INSERT INTO case_participations (case_id, organisation_id, role, basis, from_on)
		SELECT co.case_id, co.organisation_id, co.role, 'IMPORTED', c.opened_on
		  FROM case_organisations co JOIN cases c ON c.id = co.case_id
		 WHERE co.case_id = $1 AND co.organisation_id = $2
		   AND NOT EXISTS (SELECT 1 FROM case_participations p WHERE p.case_id = $1 AND p.organisation_id = $2)`, caseID, orgID)
	return err
}

// ParticipationEnd selects the open participations to end: those of a basis (a
// project, an intervention, a referral or a transfer), or those of an organisation in a
// case, or every one of a case but its lead's.
type ParticipationEnd struct {
	CaseID         string
	OrganisationID *string
	BasisID        *string
	// ExceptLead keeps the LEAD participations.
	ExceptLead bool
	// Roles, when set, ends only participations of these roles.
	Roles  []string
	On     time.Time
	Reason string
}

// EndParticipations ends the selected open participations on e.On (not before each
// one's start) and returns how many it ended.
func EndParticipations(ctx context.Context, t *store.Tx, e ParticipationEnd) (int64, error) {
	if e.OrganisationID != nil {
		if err := recordImported(ctx, t, e.CaseID, *e.OrganisationID); err != nil {
			return 0, err
		}
	} else if e.BasisID == nil {
		// Every organisation of the case: those loaded in bulk first get their reason.
		if _, err := store.Exec(ctx, t, "record imported participations", `INSERT INTO case_participations (case_id, organisation_id, role, basis, from_on)
			SELECT co.case_id, co.organisation_id, co.role, 'IMPORTED', c.opened_on
			  FROM case_organisations co JOIN cases c ON c.id = co.case_id
			 WHERE co.case_id = $1
			   AND NOT EXISTS (SELECT 1 FROM case_participations p WHERE p.case_id = co.case_id AND p.organisation_id = co.organisation_id)`,
			e.CaseID); err != nil {
			return 0, err
		}
	}
	return store.Exec(ctx, t, "end participations", `UPDATE case_participations p
		SET ended_at = now(), ended_by = ponte_actor(), to_on = greatest($5::date, p.from_on), end_reason = $6
		WHERE p.case_id = $1 AND p.ended_at IS NULL
		  AND ($2::uuid IS NULL OR p.organisation_id = $2) AND ($3::uuid IS NULL OR p.basis_id = $3)
		  AND (NOT $4 OR p.role <> 'LEAD') AND (cardinality($7::text[]) = 0 OR p.role = ANY($7))`,
		e.CaseID, e.OrganisationID, e.BasisID, e.ExceptLead, e.On, e.Reason, nonNil(e.Roles))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const caseParticipationCols = `p.id, p.case_id, p.organisation_id, p.role, p.basis, p.basis_id, p.start_reason, p.from_on, p.to_on,
	p.started_by, p.ended_by, p.end_reason`

// ParticipationsByCase loads the participation history of the given cases within scope,
// oldest first. A case_organisations row loaded in bulk, with no reason recorded yet,
// reads as an open IMPORTED participation from the case's opening.
func ParticipationsByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]CaseParticipation, error) {
	args := []any{store.UUIDs(caseIDs)}
	scope := t.Scope().CaseColumn("p.case_id", &args)
	scope2 := t.Scope().CaseColumn("co.case_id", &args)
	return store.Query(ctx, t, "participations by case", `SELECT * FROM (
		SELECT `+caseParticipationCols+`, p.started_at FROM case_participations p WHERE p.case_id = ANY($1::uuid[]) AND `+scope+`
		UNION ALL
		SELECT co.case_id, co.case_id, co.organisation_id, co.role, 'IMPORTED', NULL::uuid, NULL::text, c.opened_on, NULL::date, '',
		       NULL::text, NULL::text, c.created_at
		  FROM case_organisations co JOIN cases c ON c.id = co.case_id
		 WHERE co.case_id = ANY($1::uuid[]) AND `+scope2+`
		   AND NOT EXISTS (SELECT 1 FROM case_participations x WHERE x.case_id = co.case_id AND x.organisation_id = co.organisation_id)
		) p ORDER BY p.started_at, p.from_on, p.id`, args,
		func(r pgx.Rows) (CaseParticipation, error) {
			var p CaseParticipation
			var at time.Time
			err := r.Scan(&p.ID, &p.CaseID, &p.OrganisationID, &p.Role, &p.Basis, &p.BasisID, &p.StartReason, &p.FromOn, &p.ToOn,
				&p.StartedBy, &p.EndedBy, &p.EndReason, &at)
			return p, err
		})
}

// FieldChange is one field a step of a case's history (or a rectification) changed: its
// data category, the value before and the value after, as text.
type FieldChange struct {
	Field    string  `json:"field"`
	Category string  `json:"category"`
	Previous *string `json:"previous"`
	Value    *string `json:"value"`
}

// CaseEvent is one step of a case's history.
type CaseEvent struct {
	ID                  string
	CaseID              string
	At                  time.Time
	EffectiveOn         *time.Time
	Kind                string
	Category            string
	SubjectID           *string
	OrganisationID      *string
	Reason              *string
	Changes             []FieldChange
	ActorSubject        string
	ActorStaffID        *string
	ActorOrganisationID *string
}

// AddCaseEvent appends a step to a case's history; the actor is the request's principal
// (its claims), ActorStaffID its staff record when it has one. Nothing is read back: the
// organisation answering a referral may not see the case.
func AddCaseEvent(ctx context.Context, t *store.Tx, e CaseEvent) error {
	if e.Category == "" {
		e.Category = "case"
	}
	if e.Changes == nil {
		e.Changes = []FieldChange{}
	}
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return err
	}
	_, err = store.Exec(ctx, t, "add case event", `INSERT INTO case_events (id, case_id, effective_on, kind, category, subject_id, organisation_id,
		reason, changes, actor_staff_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, store.NewID(), e.CaseID, e.EffectiveOn, e.Kind, e.Category, e.SubjectID, e.OrganisationID, e.Reason, changes, e.ActorStaffID)
	return err
}

// CaseEventsByCase loads the history of the given cases within scope, oldest first: a
// provider sees the steps about the case itself, about itself and about what it delivers.
func CaseEventsByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]CaseEvent, error) {
	args := []any{store.UUIDs(caseIDs)}
	where := t.Scope().CaseColumn("e.case_id", &args)
	if t.Scope().Kind == store.ScopeProvider {
		o := store.Arg(&args, t.Scope().OrganisationID)
		where += ` AND (e.subject_id IS NULL OR e.organisation_id = ` + o + `::uuid
			OR e.subject_id IN (SELECT pr.id FROM projects pr WHERE ` + t.Scope().ProjectPredicate("pr", &args) + `)
			OR e.subject_id IN (SELECT i.id FROM interventions i WHERE ` + t.Scope().InterventionPredicate("i", &args) + `)
			OR e.subject_id IN (SELECT a.id FROM assessments a WHERE ` + t.Scope().AssessmentPredicate("a", &args) + `))`
	}
	if t.Scope().HidesHealth {
		where += ` AND e.category <> 'health'`
	}
	return store.Query(ctx, t, "case events by case", `SELECT e.id, e.case_id, e.at, e.effective_on, e.kind, e.category, e.subject_id,
		e.organisation_id, e.reason, e.changes, e.actor_subject, e.actor_staff_id, e.actor_organisation_id
		FROM case_events e WHERE e.case_id = ANY($1::uuid[]) AND `+where+` ORDER BY e.at, e.id`, args,
		func(r pgx.Rows) (CaseEvent, error) {
			var e CaseEvent
			err := r.Scan(&e.ID, &e.CaseID, &e.At, &e.EffectiveOn, &e.Kind, &e.Category, &e.SubjectID, &e.OrganisationID, &e.Reason,
				&e.Changes, &e.ActorSubject, &e.ActorStaffID, &e.ActorOrganisationID)
			return e, err
		})
}

// ActiveDelivery is a project or intervention of a case still running.
type ActiveDelivery struct {
	Kind           string // PROJECT or INTERVENTION
	ID             string
	OrganisationID string
	Status         string
}

// ActiveDeliveries lists the projects (draft, active, suspended) and interventions
// (planned, active) of a case that have not ended, optionally only those of an
// organisation or of a project. It reads past the row scope: a rule about the whole case
// (close it, conclude a project) must not pass because the caller sees part of it; it
// returns only kinds, ids and organisations, to the workflow, never to the client.
func ActiveDeliveries(ctx context.Context, t *store.Tx, caseID string, orgID, projectID *string) ([]ActiveDelivery, error) {
	return store.Query(ctx, t, "active deliveries", `SELECT kind, id, organisation_id, status FROM ponte_case_active_deliveries($1)
		WHERE ($2::uuid IS NULL OR organisation_id = $2) AND ($3::uuid IS NULL OR project_id = $3) ORDER BY kind, id`,
		[]any{caseID, orgID, projectID},
		func(r pgx.Rows) (ActiveDelivery, error) {
			var d ActiveDelivery
			err := r.Scan(&d.Kind, &d.ID, &d.OrganisationID, &d.Status)
			return d, err
		})
}
