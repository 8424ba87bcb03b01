package store

import "strconv"

// ScopeKind is the row scope an access plan grants: which cases and persons a request may see.
type ScopeKind int

const (
	// ScopeNone sees no rows; the zero value, so a forgotten scope denies.
	ScopeNone ScopeKind = iota
	// ScopeAll sees every row (administration, migrations, imports run by operators, and
	// the data protection officer).
	ScopeAll
	// ScopeAssigned sees the cases whose lead worker is StaffID or to which StaffID is
	// assigned (case_assignments), and the persons of those cases.
	ScopeAssigned
	// ScopeOrganisation sees the cases OrganisationID leads or takes part in
	// (case_organisations), and the persons of those cases.
	ScopeOrganisation
	// ScopeProvider is ScopeOrganisation for a partner cooperative: the same cases, but of
	// their persons only those enrolled in projects or interventions OrganisationID
	// delivers, and of their projects, interventions and activity entries only its own.
	ScopeProvider
	// ScopeTerritory sees the cases led by an organisation whose territory is Territory.
	ScopeTerritory
	// ScopeParticipants sees the persons with an ESF+ participation, their participations
	// and the ESF-funded interventions they benefit from; no cases (ESF+ audit).
	ScopeParticipants
	// ScopeAggregates sees no rows: aggregate figures come from aggregate-only views.
	ScopeAggregates
)

var scopeNames = map[ScopeKind]string{
	ScopeNone: "none", ScopeAll: "all", ScopeAssigned: "assigned", ScopeOrganisation: "organisation",
	ScopeProvider: "provider", ScopeTerritory: "territory", ScopeParticipants: "participants",
	ScopeAggregates: "aggregates",
}

// String is the scope's name, as the ponte.scope claim spells it.
func (k ScopeKind) String() string {
	if n, ok := scopeNames[k]; ok {
		return n
	}
	return "none"
}

// Scope is the row scope of one transaction: the one value an access plan hands the
// store, from which the transaction's claims (what the row-level security policies read)
// and each query's filter are both derived.
type Scope struct {
	Kind ScopeKind
	// StaffID is the staff row of the principal (ScopeAssigned).
	StaffID string
	// OrganisationID is the principal's organisation (ScopeOrganisation, ScopeProvider).
	OrganisationID string
	// Territory is the principal's organisation's territory (ScopeTerritory).
	Territory string
	// HidesHealth keeps out the interventions whose service type reveals health data
	// (psychological support, home care), for principals that may not read it.
	HidesHealth bool
}

// followsCases reports whether the scope sees rows through cases (assigned,
// organisation, provider, territory): the kinds that read visibility, and that can write
// personal data.
func (k ScopeKind) FollowsCases() bool {
	switch k {
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return true
	}
	return false
}

// Grantee is the key under which the scope finds the cases and households it sees in
// case_visibility and household_visibility (migrations/00100_access_rls.sql, whose
// triggers write the same keys): "staff:<id>", "org:<id>" or "territory:<code>". Empty
// for the kinds that see all rows or none through cases.
func (s Scope) Grantee() string {
	switch s.Kind {
	case ScopeAssigned:
		if s.StaffID != "" {
			return "staff:" + s.StaffID
		}
	case ScopeOrganisation, ScopeProvider:
		if s.OrganisationID != "" {
			return "org:" + s.OrganisationID
		}
	case ScopeTerritory:
		if s.Territory != "" {
			return "territory:" + s.Territory
		}
	}
	return ""
}

// PersonGrantee is the key under which the scope finds the persons it sees in
// person_visibility: a cooperative's "provider:<id>" (only the persons it delivers to),
// else Grantee.
func (s Scope) PersonGrantee() string {
	if s.Kind == ScopeProvider && s.OrganisationID != "" {
		return "provider:" + s.OrganisationID
	}
	return s.Grantee()
}

// DatabaseRole is the role request transactions run as: it does not own the tables, has
// no BYPASSRLS, and is what the row-level security policies restrict. A request
// transaction becomes it with set_config('role', DatabaseRole, true) among its claims.
// The hub logs in as a member of it (hubrole.go), so nothing run on its connections can
// switch to a role the policies do not bind; a tool logged in as the owner gets the same
// restriction for the transactions it opens with claims.
const DatabaseRole = "ponte_app"

// Claim keys the row-level security policies read (migrations/00100_access_rls.sql).
const (
	ClaimRole          = "role" // the PostgreSQL role setting itself: SET LOCAL ROLE
	ClaimScope         = "ponte.scope"
	ClaimStaffID       = "ponte.staff_id"
	ClaimOrganisation  = "ponte.org_id"
	ClaimTerritory     = "ponte.territory"
	ClaimGrantee       = "ponte.grantee"
	ClaimPersonGrantee = "ponte.person_grantee"
)

// Claims returns the settings that make a transaction run as DatabaseRole with this row
// scope. Begin sets them for a TxOptions with Restricted.
func (s Scope) Claims() map[string]string {
	health := "read"
	if s.HidesHealth {
		health = ""
	}
	return map[string]string{
		ClaimRole:          DatabaseRole,
		ClaimScope:         s.Kind.String(),
		ClaimStaffID:       s.StaffID,
		ClaimOrganisation:  s.OrganisationID,
		ClaimTerritory:     s.Territory,
		ClaimGrantee:       s.Grantee(),
		ClaimPersonGrantee: s.PersonGrantee(),
		ClaimHealth:        health,
	}
}

// Claim keys of the aggregate functions (migrations/00103_access_aggregates.sql).
const (
	// ClaimAggregates is "read" for a request allowed to read aggregates.
	ClaimAggregates = "ponte.aggregates"
	// ClaimAggregateTerritory restricts aggregates to the cases led by organisations of a
	// territory; empty counts every case.
	ClaimAggregateTerritory = "ponte.aggregate_territory"
	// ClaimPrincipalOrganisation is the organisation of the request's principal: persons
	// and households it registers record it (migrations/00100_access_rls.sql).
	ClaimPrincipalOrganisation = "ponte.principal_org"
)

// ClaimESFReport is "read" for a request allowed to report ESF+ values: it releases the
// counts that include persons outside the participants scope (ESFProfile's services).
const ClaimESFReport = "ponte.esf_report"

// ClaimHealth is "read" for a transaction that may see the interventions whose service
// type reveals health data (migrations/00360_access_revealing_services.sql).
const ClaimHealth = "ponte.health"

// revealingHidden is the condition on an interventions row aliased alias that keeps
// out the service types revealing health data.
func revealingHidden(alias string) string {
	return "NOT EXISTS (SELECT 1 FROM service_type_categories stc WHERE stc.service_type = " + alias +
		".service_type AND stc.category = 'health')"
}

// The filters below are the policies' rules, written as lookups on the row being read: a
// case, person or household carries its grantee keys (visible_to, GIN-indexed, so a
// list can also start from the key), and the rows linked to a case probe the primary
// key of case_visibility. A query costs what its rows cost, not what the scope holds.
//
// Each probe's EXISTS ends in OFFSET 0, as the policies' do (migrations/00510): without it
// PostgreSQL turns the EXISTS into a semi join, and the generic plan a prepared statement
// settles on after five runs joins the page's rows with the grantee's whole list of keys
// (a merge or hash join over every case of the territory) instead of looking up each row.

// keyed is the condition that the row aliased alias carries the grantee key at ph.
func keyed(alias, ph string) string {
	return alias + ".visible_to @> ARRAY[" + ph + "]"
}

// caseVisible is the condition that column names a case visible under grantee ph.
func caseVisible(column, ph string) string {
	return "EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = " + ph + " AND cv.case_id = " + column + " OFFSET 0)"
}

// personVisible is the condition that column names a person visible under grantee ph.
func personVisible(column, ph string) string {
	return "EXISTS (SELECT 1 FROM person_visibility pv WHERE pv.grantee = " + ph + " AND pv.person_id = " + column + " OFFSET 0)"
}

// householdVisible is the condition that column names a household visible under grantee ph.
func householdVisible(column, ph string) string {
	return "EXISTS (SELECT 1 FROM household_visibility hv WHERE hv.grantee = " + ph + " AND hv.household_id = " + column + " OFFSET 0)"
}

// isParticipant is the condition that column names a person with an ESF+ participation.
func isParticipant(column string) string {
	return "EXISTS (SELECT 1 FROM participations spa WHERE spa.person_id = " + column + ")"
}

// grantee binds the scope's grantee; "" when it has none (the kind needs none, or it
// lacks the identifier its kind needs and matches nothing).
func (s Scope) grantee(args *[]any) string {
	g := s.Grantee()
	if g == "" {
		return ""
	}
	return Arg(args, g) + "::text"
}

// personGrantee binds the scope's person grantee.
func (s Scope) personGrantee(args *[]any) string {
	g := s.PersonGrantee()
	if g == "" {
		return ""
	}
	return Arg(args, g) + "::text"
}

// organisation binds the scope's organisation (the provider rules).
func (s Scope) organisation(args *[]any) string {
	return Arg(args, s.OrganisationID) + "::uuid"
}

// casePredicate returns a SQL condition on the cases row aliased alias, appending any
// arguments it needs to args.
func (s Scope) CasePredicate(alias string, args *[]any) string {
	switch {
	case s.Kind == ScopeAll:
		return "true"
	case s.Kind == ScopeTerritory:
		// A case carries at most one territory key, also as a column of its own
		// (migrations/00520_case_territory_key.sql): one short text to compare per row
		// instead of a search of the keys array, and an index in the list's order.
		if ph := s.grantee(args); ph != "" {
			return alias + ".territory_key = " + ph
		}
	case s.Kind.FollowsCases():
		if ph := s.grantee(args); ph != "" {
			return keyed(alias, ph)
		}
	}
	return "false"
}

// caseColumn returns a SQL condition that column names a case the scope sees.
func (s Scope) CaseColumn(column string, args *[]any) string {
	switch {
	case s.Kind == ScopeAll:
		return "true"
	case s.Kind.FollowsCases():
		if ph := s.grantee(args); ph != "" {
			return caseVisible(column, ph)
		}
	}
	return "false"
}

// personPredicate returns a SQL condition on the persons row aliased alias. Writable
// scopes also see the persons their own transaction inserted, before anything links them.
func (s Scope) PersonPredicate(alias string, args *[]any) string {
	if s.Kind.FollowsCases() {
		if ph := s.personGrantee(args); ph != "" {
			return s.orWrittenHere(alias, keyed(alias, ph))
		}
	}
	return s.PersonColumn(alias+".id", args)
}

// writtenHere is true for a row the current transaction inserted (persons and households
// record it in created_xact).
func writtenHere(alias string) string {
	return "(" + alias + ".created_xact = pg_current_xact_id_if_assigned())"
}

func (s Scope) orWrittenHere(alias, cond string) string {
	if s.Kind.FollowsCases() && s.Grantee() != "" {
		return "(" + cond + " OR " + writtenHere(alias) + ")"
	}
	return cond
}

// personColumn returns a SQL condition that column names a person the scope sees.
func (s Scope) PersonColumn(column string, args *[]any) string {
	switch {
	case s.Kind == ScopeAll:
		return "true"
	case s.Kind == ScopeParticipants:
		return isParticipant(column)
	case s.Kind.FollowsCases():
		if ph := s.personGrantee(args); ph != "" {
			return personVisible(column, ph)
		}
	}
	return "false"
}

// householdPredicate returns a SQL condition on the households row aliased alias: the
// households of the cases in scope, and those its organisation registered.
func (s Scope) HouseholdPredicate(alias string, args *[]any) string {
	switch {
	case s.Kind == ScopeAll:
		return "true"
	case s.Kind.FollowsCases():
		if ph := s.grantee(args); ph != "" {
			return s.orWrittenHere(alias, keyed(alias, ph))
		}
	}
	return "false"
}

// householdMemberPredicate returns a SQL condition on the household_members row aliased
// alias: memberships of the households in scope whose person is in scope (a member who
// left, or whom a cooperative does not deliver to, is not shown), or of a household the
// transaction inserted.
func (s Scope) HouseholdMemberPredicate(alias string, args *[]any) string {
	switch {
	case s.Kind == ScopeAll:
		return "true"
	case s.Kind.FollowsCases():
		hph, pph := s.grantee(args), s.personGrantee(args)
		if hph == "" {
			return "false"
		}
		return "((" + householdVisible(alias+".household_id", hph) + " AND " + personVisible(alias+".person_id", pph) + ")" +
			" OR EXISTS (SELECT 1 FROM households wh WHERE wh.id = " + alias + ".household_id AND " + writtenHere("wh") + "))"
	}
	return "false"
}

// assessmentPredicate returns a SQL condition on the assessments row aliased alias: the
// assessments of cases in scope; a provider's only about the persons it delivers to.
func (s Scope) AssessmentPredicate(alias string, args *[]any) string {
	if s.Kind == ScopeProvider {
		return "(" + s.CaseColumn(alias+".case_id", args) + " AND " + s.PersonColumn(alias+".person_id", args) + ")"
	}
	if s.Kind == ScopeParticipants {
		return "false"
	}
	return s.CaseColumn(alias+".case_id", args)
}

// assessmentScorePredicate returns a SQL condition on the assessment_scores row aliased
// alias: the scores of assessments in scope.
func (s Scope) assessmentScorePredicate(alias string, args *[]any) string {
	if s.Kind == ScopeAll {
		return "true"
	}
	return "EXISTS (SELECT 1 FROM assessments sa WHERE sa.id = " + alias + ".assessment_id AND " + s.AssessmentPredicate("sa", args) + ")"
}

// caseLinkPredicate returns a SQL condition on a row of case_organisations,
// case_assignments or case_departments aliased alias: the links of cases in scope.
func (s Scope) CaseLinkPredicate(alias string, args *[]any) string {
	return s.CaseColumn(alias+".case_id", args)
}

// projectPredicate returns a SQL condition on the projects row aliased alias: projects of
// cases in scope; a provider sees only the projects it delivers.
func (s Scope) ProjectPredicate(alias string, args *[]any) string {
	cond := s.CaseColumn(alias+".case_id", args)
	if s.Kind == ScopeProvider && cond != "false" {
		return "(" + alias + ".provider_organisation_id = " + s.organisation(args) + " AND " + cond + ")"
	}
	return cond
}

// interventionPredicate returns a SQL condition on the interventions row aliased alias:
// interventions of cases in scope; a provider sees those it delivers or that belong to its
// projects; an ESF auditor sees the ESF-funded interventions of participants.
func (s Scope) InterventionPredicate(alias string, args *[]any) string {
	if s.HidesHealth {
		return "(" + revealingHidden(alias) + " AND " + s.interventionScope(alias, args) + ")"
	}
	return s.interventionScope(alias, args)
}

func (s Scope) interventionScope(alias string, args *[]any) string {
	if s.Kind == ScopeParticipants {
		return "(" + alias + ".round_id IS NOT NULL AND " + isParticipant(alias+".beneficiary_id") + ")"
	}
	cond := s.CaseColumn(alias+".case_id", args)
	if s.Kind == ScopeProvider && cond != "false" {
		org := s.organisation(args)
		return "((" + alias + ".provider_organisation_id = " + org +
			" OR EXISTS (SELECT 1 FROM projects ip WHERE ip.id = " + alias + ".project_id AND ip.provider_organisation_id = " + org + "))" +
			" AND " + cond + ")"
	}
	return cond
}

// activityPredicate returns a SQL condition on the activity_entries row aliased alias:
// entries of cases in scope; a provider sees those of its projects or written by its staff.
func (s Scope) ActivityPredicate(alias string, args *[]any) string {
	cond := s.CaseColumn(alias+".case_id", args)
	if s.Kind == ScopeProvider && cond != "false" {
		org := s.organisation(args)
		return "((EXISTS (SELECT 1 FROM projects ap WHERE ap.id = " + alias + ".project_id AND ap.provider_organisation_id = " + org + ")" +
			" OR EXISTS (SELECT 1 FROM staff aps WHERE aps.id = " + alias + ".author_id AND aps.organisation_id = " + org + "))" +
			" AND " + cond + ")"
	}
	return cond
}

// participationPredicate returns a SQL condition on the participations row aliased alias:
// participations of persons in scope.
func (s Scope) ParticipationPredicate(alias string, args *[]any) string {
	if s.Kind == ScopeParticipants {
		return "true"
	}
	return s.PersonColumn(alias+".person_id", args)
}

// arg appends v to args and returns its placeholder.
func Arg(args *[]any, v any) string {
	*args = append(*args, v)
	return "$" + strconv.Itoa(len(*args))
}
