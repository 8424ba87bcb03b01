package store

import (
	"context"
	"fmt"
)

// ScopedTables lists the personal-data tables and, for each, the column naming a row.
var ScopedTables = map[string]string{
	"cases": "id::text", "persons": "id::text", "households": "id::text", "household_members": "id::text",
	"assessments": "id::text", "assessment_scores": "assessment_id::text", "projects": "id::text",
	"interventions": "id::text", "activity_entries": "id::text", "participations": "id::text",
	"case_organisations": "case_id::text || '/' || organisation_id::text",
	"case_assignments":   "case_id::text || '/' || staff_id::text",
	"case_departments":   "case_id::text || '/' || department_id::text",
}

// PredicateForTest returns the scope's condition on a row of table aliased alias.
func PredicateForTest(s Scope, table, alias string, args *[]any) string {
	switch table {
	case "cases":
		return s.CasePredicate(alias, args)
	case "persons":
		return s.PersonPredicate(alias, args)
	case "households":
		return s.HouseholdPredicate(alias, args)
	case "household_members":
		return s.HouseholdMemberPredicate(alias, args)
	case "assessments":
		return s.AssessmentPredicate(alias, args)
	case "assessment_scores":
		return s.assessmentScorePredicate(alias, args)
	case "projects":
		return s.ProjectPredicate(alias, args)
	case "interventions":
		return s.InterventionPredicate(alias, args)
	case "activity_entries":
		return s.ActivityPredicate(alias, args)
	case "participations":
		return s.ParticipationPredicate(alias, args)
	case "case_organisations", "case_assignments", "case_departments":
		return s.CaseLinkPredicate(alias, args)
	}
	panic(fmt.Sprintf("no predicate for %s", table))
}

// CaseForTest loads one case id through the scope, the way every lookup does.
func (t *Tx) CaseForTest(ctx context.Context, id string) (string, error) {
	args := []any{id}
	var out string
	err := QueryRow(ctx, t, "load case", "SELECT c.id::text FROM cases c WHERE c.id = $1::uuid AND "+t.scope.CasePredicate("c", &args), args, &out)
	return out, err
}

// MigrateDownToForTest rolls the hub's migrations back to version.
func MigrateDownToForTest(ctx context.Context, databaseURL string, version int64) error {
	p, db, err := provider(databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = p.DownTo(ctx, version)
	return err
}
