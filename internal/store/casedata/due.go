package casedata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// DueAction is something due on an open case by a date, computed from the stored dates
// and the programme rules (migrations/00420_programme_rules.sql): a programme's deadline
// not yet met, or the review of a case with nothing active.
type DueAction struct {
	CaseID       string
	Kind         string
	Programme    string
	Label        string
	CountedFrom  time.Time
	DueOn        time.Time
	LeadWorkerID string
}

// DueFilter narrows the due actions to the cases a member of staff leads or is assigned
// to, that involve a department, or that an organisation leads; OverdueOnly keeps those
// due before Today.
type DueFilter struct {
	Today          time.Time
	StaffID        *string
	DepartmentID   *string
	OrganisationID *string
	OverdueOnly    bool
	// Kinds keeps these kinds only; empty: every kind.
	Kinds []string
}

// ListDueActions returns a page of the due actions of the cases within scope, soonest
// (most overdue) first.
func ListDueActions(ctx context.Context, t *store.Tx, f DueFilter, p store.Page) (store.Rows[DueAction], error) {
	args := []any{f.Today, f.StaffID, f.DepartmentID, f.OrganisationID}
	where := t.Scope().CasePredicate("c", &args)
	if f.OverdueOnly {
		where += " AND d.due_on < $1::date"
	}
	if len(f.Kinds) > 0 {
		where += " AND d.kind = ANY(" + store.Arg(&args, f.Kinds) + "::text[])"
	}
	return store.ListPage(ctx, t, "list due actions", `SELECT d.case_id AS id, d.kind, d.programme, d.label, d.counted_from, d.due_on,
		c.lead_worker_id, to_char(d.due_on, 'YYYYMMDD') || d.kind || d.programme AS sort_key
		FROM ponte_case_due_actions($1::date, $2::uuid, $3::uuid, $4::uuid) d JOIN cases c ON c.id = d.case_id WHERE `+where, args, p,
		func(r pgx.Rows) (DueAction, string, error) {
			var d DueAction
			var key string
			err := r.Scan(&d.CaseID, &d.Kind, &d.Programme, &d.Label, &d.CountedFrom, &d.DueOn, &d.LeadWorkerID, &key)
			return d, key, err
		}, func(d DueAction) string { return d.CaseID })
}

// DueActionsByCase loads the due actions of the given cases within scope.
func DueActionsByCase(ctx context.Context, t *store.Tx, today time.Time, caseIDs []string) ([]DueAction, error) {
	args := []any{today, store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "due actions by case", `SELECT d.case_id, d.kind, d.programme, d.label, d.counted_from, d.due_on, c.lead_worker_id
		FROM ponte_case_due_actions($1::date, NULL, NULL, NULL) d JOIN cases c ON c.id = d.case_id
		WHERE d.case_id = ANY($2::uuid[]) AND `+t.Scope().CasePredicate("c", &args)+` ORDER BY d.due_on, d.kind`, args,
		func(r pgx.Rows) (DueAction, error) {
			var d DueAction
			err := r.Scan(&d.CaseID, &d.Kind, &d.Programme, &d.Label, &d.CountedFrom, &d.DueOn, &d.LeadWorkerID)
			return d, err
		})
}

// DueActionCount is a raw count of due actions of one kind, overdue or not, for the
// dashboard (suppressed by the hub before it leaves).
type DueActionCount struct {
	Kind    string
	Overdue bool
	Count   int64
}

// DueActionCounts counts the due actions of the aggregate population (the claims'
// territory); it needs the aggregates claim.
func DueActionCounts(ctx context.Context, t *store.Tx, today time.Time) ([]DueActionCount, error) {
	return store.Query(ctx, t, "due action counts", `SELECT kind, overdue, actions FROM ponte_due_action_counts($1::date)`, []any{today},
		func(r pgx.Rows) (DueActionCount, error) {
			var c DueActionCount
			err := r.Scan(&c.Kind, &c.Overdue, &c.Count)
			return c, err
		})
}

// StaffFilter narrows the staff directory.
type StaffFilter struct {
	OrganisationID *string
	DepartmentID   *string
	// Search matches any part of the display name.
	Search *string
}

// ListStaff returns a page of the staff directory ordered by name: the principal's own
// organisation's staff, and those of the organisations taking part in the cases within
// scope (the colleagues a case page names); every member of staff for scope all.
func ListStaff(ctx context.Context, t *store.Tx, orgID string, f StaffFilter, p store.Page) (store.Rows[Staff], error) {
	args := []any{}
	where := "true"
	if t.Scope().Kind != store.ScopeAll {
		if !t.Scope().Kind.FollowsCases() || t.Scope().Grantee() == "" {
			where = "false"
		} else {
			// Per member of staff, whether one case in scope names their organisation: a
			// probe by organisation that stops at the first case, whatever the scope holds.
			o := store.Arg(&args, orgID)
			cases := t.Scope().CasePredicate("c", &args)
			where = `(s.organisation_id = ` + o + `::uuid
				OR EXISTS (SELECT 1 FROM cases c WHERE c.organisation_id = s.organisation_id AND ` + cases + `)
				OR EXISTS (SELECT 1 FROM case_organisations co JOIN cases c ON c.id = co.case_id
				            WHERE co.organisation_id = s.organisation_id AND ` + cases + `))`
		}
	}
	if f.OrganisationID != nil {
		where += " AND s.organisation_id = " + store.Arg(&args, *f.OrganisationID) + "::uuid"
	}
	if f.DepartmentID != nil {
		where += " AND s.department_id = " + store.Arg(&args, *f.DepartmentID) + "::uuid"
	}
	if f.Search != nil && *f.Search != "" {
		where += " AND s.display_name ILIKE '%' || " + store.Arg(&args, likeLiteral(*f.Search)) + " || '%'"
	}
	return store.ListPage(ctx, t, "list staff", `SELECT s.id, s.subject, s.display_name, s.organisation_id, s.department_id,
		s.display_name AS sort_key FROM staff s WHERE `+where, args, p,
		func(r pgx.Rows) (Staff, string, error) {
			var s Staff
			var key string
			err := r.Scan(&s.ID, &s.Subject, &s.DisplayName, &s.OrganisationID, &s.DepartmentID, &key)
			return s, key, err
		}, func(s Staff) string { return s.ID })
}
