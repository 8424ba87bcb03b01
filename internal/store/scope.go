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

// Scope is the row scope of one transaction, compiled into each list query's WHERE clause,
// and repeated by the row-level security policies from the transaction's claims.
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

	// prepared is set by Begin when the transaction computed the scope's sets once
	// (TxOptions.PrepareScope): the predicates then read those sets instead of deriving
	// them from the cases in every statement.
	prepared bool
}

// followsCases reports whether the scope sees rows through cases (assigned,
// organisation, provider, territory): the kinds with sets of cases, persons and
// households, which a transaction can prepare, and which can write personal data.
func (k ScopeKind) followsCases() bool {
	switch k {
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return true
	}
	return false
}

// scopeNamed is the kind the ponte.scope claim names; ScopeNone for anything unknown.
func scopeNamed(name string) ScopeKind {
	for k, n := range scopeNames {
		if n == name {
			return k
		}
	}
	return ScopeNone
}

// preparedSets reports whether the predicates read the transaction's prepared sets.
func (s Scope) preparedSets() bool { return s.prepared && s.Kind.followsCases() }

// The transaction's prepared sets (migrations/00106_access_scope_sets.sql).
const (
	preparedCases      = "SELECT ps.x FROM ponte_case_ids() ps(x)"
	preparedPersons    = "SELECT ps.x FROM ponte_person_ids() ps(x)"
	preparedHouseholds = "SELECT ps.x FROM ponte_household_ids() ps(x)"
)

// DatabaseRole is the role request transactions run as: it does not own the tables, has
// no BYPASSRLS, and is what the row-level security policies restrict. A request
// transaction becomes it with set_config('role', DatabaseRole, true) among its claims.
// The hub logs in as a member of it (hubrole.go), so nothing run on its connections can
// switch to a role the policies do not bind; a tool logged in as the owner gets the same
// restriction for the transactions it opens with claims.
const DatabaseRole = "ponte_app"

// Claim keys the row-level security policies read (migrations/00100_access_rls.sql).
const (
	ClaimRole         = "role" // the PostgreSQL role setting itself: SET LOCAL ROLE
	ClaimScope        = "ponte.scope"
	ClaimStaffID      = "ponte.staff_id"
	ClaimOrganisation = "ponte.org_id"
	ClaimTerritory    = "ponte.territory"
)

// Claims returns the settings that make a transaction run as DatabaseRole with this row
// scope; pass them (plus any others) as TxOptions.Claims.
func (s Scope) Claims() map[string]string {
	health := "read"
	if s.HidesHealth {
		health = ""
	}
	return map[string]string{
		ClaimRole:         DatabaseRole,
		ClaimScope:        s.Kind.String(),
		ClaimStaffID:      s.StaffID,
		ClaimOrganisation: s.OrganisationID,
		ClaimTerritory:    s.Territory,
		ClaimHealth:       health,
	}
}

// ClaimHealth is "read" for a transaction that may see the interventions whose service
// type reveals health data (migrations/00360_access_revealing_services.sql).
const ClaimHealth = "ponte.health"

// revealingHidden is the condition on an interventions row aliased alias that keeps
// out the service types revealing health data.
func revealingHidden(alias string) string {
	return "NOT EXISTS (SELECT 1 FROM service_type_categories stc WHERE stc.service_type = " + alias +
		".service_type AND stc.category = 'health')"
}

// usable reports whether the scope has the identifier its kind needs; a scope without one
// matches nothing rather than everything.
func (s Scope) usable() bool {
	switch s.Kind {
	case ScopeAssigned:
		return s.StaffID != ""
	case ScopeOrganisation, ScopeProvider:
		return s.OrganisationID != ""
	case ScopeTerritory:
		return s.Territory != ""
	case ScopeAll, ScopeParticipants:
		return true
	}
	return false
}

// casePredicate returns a SQL condition on the cases row aliased alias, appending any
// arguments it needs to args.
func (s Scope) casePredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return s.caseCond(alias, s.param(args))
	}
	return "false"
}

// param appends the scope's identifier to args once and returns its placeholder.
func (s Scope) param(args *[]any) string {
	switch s.Kind {
	case ScopeAssigned:
		return arg(args, s.StaffID)
	case ScopeOrganisation, ScopeProvider:
		return arg(args, s.OrganisationID)
	case ScopeTerritory:
		return arg(args, s.Territory)
	}
	return ""
}

// setParam is param for a predicate that uses the identifier only to derive the scope's
// sets: with prepared sets it binds nothing (an unused parameter is an error).
func (s Scope) setParam(args *[]any) string {
	if s.preparedSets() {
		return ""
	}
	return s.param(args)
}

// caseCond is the case condition for the row-level kinds with the identifier at ph.
func (s Scope) caseCond(a, ph string) string {
	switch s.Kind {
	case ScopeAssigned:
		return "(" + a + ".lead_worker_id = " + ph + "::uuid OR " + a + ".id IN (SELECT case_id FROM case_assignments WHERE staff_id = " + ph + "::uuid))"
	case ScopeOrganisation, ScopeProvider:
		return "(" + a + ".organisation_id = " + ph + "::uuid OR " + a + ".id IN (SELECT case_id FROM case_organisations WHERE organisation_id = " + ph + "::uuid))"
	case ScopeTerritory:
		return a + ".organisation_id IN (SELECT id FROM organisations WHERE territory = " + ph + "::text)"
	}
	return "false"
}

// personIDs is a subquery listing the persons the scope sees, with the identifier at ph.
func (s Scope) personIDs(ph string) string {
	if s.preparedSets() {
		return preparedPersons
	}
	switch s.Kind {
	case ScopeAssigned, ScopeOrganisation, ScopeTerritory:
		// The cases in scope are read once per statement, not once per branch.
		return "WITH sc AS MATERIALIZED (SELECT id, person_id, household_id FROM cases c WHERE " + s.caseCond("c", ph) + ")" +
			" SELECT sc.person_id FROM sc" +
			" UNION ALL SELECT shm.person_id FROM household_members shm JOIN sc ON sc.household_id = shm.household_id" +
			" UNION ALL SELECT sp.participant_id FROM projects sp JOIN sc ON sc.id = sp.case_id" +
			" UNION ALL SELECT si.beneficiary_id FROM interventions si JOIN sc ON sc.id = si.case_id" +
			" UNION ALL SELECT sa.person_id FROM assessments sa JOIN sc ON sc.id = sa.case_id" +
			s.orRegistered("persons", ph)
	case ScopeProvider:
		return "WITH sc AS MATERIALIZED (SELECT id FROM cases c WHERE " + s.caseCond("c", ph) + ")" +
			" SELECT sp.participant_id FROM projects sp JOIN sc ON sc.id = sp.case_id WHERE sp.provider_organisation_id = " + ph + "::uuid" +
			" UNION ALL SELECT si.beneficiary_id FROM interventions si JOIN sc ON sc.id = si.case_id LEFT JOIN projects sip ON sip.id = si.project_id" +
			" WHERE (si.provider_organisation_id = " + ph + "::uuid OR sip.provider_organisation_id = " + ph + "::uuid)" +
			s.orRegistered("persons", ph)
	case ScopeParticipants:
		return "SELECT person_id FROM participations"
	}
	return ""
}

// registeredBy is a subquery listing the rows of table (persons or households) that the
// scope's organisation registered itself, or for a territory scope an organisation of
// the territory: they stay visible to it before any case links them, so a person can be
// registered in one request and taken in charge in another. Empty for scopes that name
// no organisation.
func (s Scope) registeredBy(table, ph string) string {
	switch s.Kind {
	case ScopeOrganisation, ScopeProvider:
		return "SELECT rg.id FROM " + table + " rg WHERE rg.registered_by = " + ph + "::uuid"
	case ScopeTerritory:
		return "SELECT rg.id FROM " + table + " rg WHERE rg.registered_by IN (SELECT id FROM organisations WHERE territory = " + ph + "::text)"
	}
	return ""
}

// orRegistered appends the registered rows of table to a UNION ALL list of ids.
func (s Scope) orRegistered(table, ph string) string {
	if r := s.registeredBy(table, ph); r != "" {
		return " UNION ALL " + r
	}
	return ""
}

// personPredicate returns a SQL condition on the persons row aliased alias. Writable
// scopes also see the persons their own transaction inserted, before anything links them.
func (s Scope) personPredicate(alias string, args *[]any) string {
	return s.orWrittenHere(alias, s.personColumn(alias+".id", args))
}

// writtenHere is true for a row the current transaction inserted (persons and households
// record it in created_xact).
func writtenHere(alias string) string {
	return "(" + alias + ".created_xact = pg_current_xact_id_if_assigned())"
}

func (s Scope) orWrittenHere(alias, cond string) string {
	if s.preparedSets() {
		// A transaction with prepared sets is a query's: it inserts nothing.
		return cond
	}
	if s.Kind.followsCases() && s.usable() {
		return "(" + cond + " OR " + writtenHere(alias) + ")"
	}
	return cond
}

// personColumn returns a SQL condition that column names a person the scope sees.
func (s Scope) personColumn(column string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeParticipants:
		return column + " IN (" + s.personIDs("") + ")"
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return column + " IN (" + s.personIDs(s.setParam(args)) + ")"
	}
	return "false"
}

// caseColumn returns a SQL condition that column names a case the scope sees.
func (s Scope) caseColumn(column string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return s.casesIn(column, s.setParam(args))
	}
	return "false"
}

// casesIn is the condition that column names a case the scope sees, with the scope's
// identifier already at ph (so a predicate that needs it twice binds it once).
func (s Scope) casesIn(column, ph string) string {
	if s.preparedSets() {
		return column + " IN (" + preparedCases + ")"
	}
	return column + " IN (SELECT sc.id FROM cases sc WHERE " + s.caseCond("sc", ph) + ")"
}

// householdPredicate returns a SQL condition on the households row aliased alias: the
// households of the cases in scope.
func (s Scope) householdPredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return s.orWrittenHere(alias, alias+".id IN ("+s.householdIDs(s.setParam(args))+")")
	}
	return "false"
}

// householdIDs is a subquery listing the households the scope sees, with the identifier
// at ph: those of its cases, and those its organisation registered.
func (s Scope) householdIDs(ph string) string {
	if s.preparedSets() {
		return preparedHouseholds
	}
	return "SELECT sc.household_id FROM cases sc WHERE " + s.caseCond("sc", ph) + s.orRegistered("households", ph)
}

// householdMemberPredicate returns a SQL condition on the household_members row aliased
// alias: memberships of the households in scope; a provider sees only its own persons'.
func (s Scope) householdMemberPredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeTerritory:
		return "(" + alias + ".household_id IN (" + s.householdIDs(s.setParam(args)) + ")" +
			s.orMemberOfHouseholdWrittenHere(alias) + ")"
	case ScopeProvider:
		ph := s.setParam(args)
		return "((" + alias + ".household_id IN (" + s.householdIDs(ph) + ") AND " +
			alias + ".person_id IN (" + s.personIDs(ph) + "))" +
			s.orMemberOfHouseholdWrittenHere(alias) + ")"
	}
	return "false"
}

// orMemberOfHouseholdWrittenHere admits the memberships of households the transaction
// inserted. A query's transaction (prepared sets) inserts none, and is spared the scan.
func (s Scope) orMemberOfHouseholdWrittenHere(alias string) string {
	if s.preparedSets() {
		return ""
	}
	return " OR " + alias + ".household_id IN (SELECT wh.id FROM households wh WHERE " + writtenHere("wh") + ")"
}

// assessmentPredicate returns a SQL condition on the assessments row aliased alias: the
// assessments of cases in scope about persons in scope.
func (s Scope) assessmentPredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeTerritory:
		// The assessed person of a case in scope is in scope by construction.
		return s.caseColumn(alias+".case_id", args)
	case ScopeProvider:
		return "(" + s.caseColumn(alias+".case_id", args) + " AND " + s.personColumn(alias+".person_id", args) + ")"
	}
	return "false"
}

// assessmentScorePredicate returns a SQL condition on the assessment_scores row aliased
// alias: the scores of assessments in scope.
func (s Scope) assessmentScorePredicate(alias string, args *[]any) string {
	if s.Kind == ScopeAll {
		return "true"
	}
	return alias + ".assessment_id IN (SELECT sa.id FROM assessments sa WHERE " + s.assessmentPredicate("sa", args) + ")"
}

// caseLinkPredicate returns a SQL condition on a row of case_organisations,
// case_assignments or case_departments aliased alias: the links of cases in scope.
func (s Scope) caseLinkPredicate(alias string, args *[]any) string {
	return s.caseColumn(alias+".case_id", args)
}

// projectPredicate returns a SQL condition on the projects row aliased alias: projects of
// cases in scope; a provider sees only the projects it delivers.
func (s Scope) projectPredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeTerritory:
		return s.caseColumn(alias+".case_id", args)
	case ScopeProvider:
		ph := s.param(args)
		return "(" + alias + ".provider_organisation_id = " + ph + "::uuid AND " + s.casesIn(alias+".case_id", ph) + ")"
	}
	return "false"
}

// interventionPredicate returns a SQL condition on the interventions row aliased alias:
// interventions of cases in scope; a provider sees those it delivers or that belong to its
// projects; an ESF auditor sees the ESF-funded interventions of participants.
func (s Scope) interventionPredicate(alias string, args *[]any) string {
	if s.HidesHealth {
		return "(" + revealingHidden(alias) + " AND " + s.interventionScope(alias, args) + ")"
	}
	return s.interventionScope(alias, args)
}

func (s Scope) interventionScope(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeTerritory:
		return s.caseColumn(alias+".case_id", args)
	case ScopeProvider:
		ph := s.param(args)
		return "((" + alias + ".provider_organisation_id = " + ph + "::uuid OR " + alias + ".project_id IN (SELECT id FROM projects WHERE provider_organisation_id = " + ph + "::uuid))" +
			" AND " + s.casesIn(alias+".case_id", ph) + ")"
	case ScopeParticipants:
		return "(" + alias + ".round_id IS NOT NULL AND " + s.personColumn(alias+".beneficiary_id", args) + ")"
	}
	return "false"
}

// activityPredicate returns a SQL condition on the activity_entries row aliased alias:
// entries of cases in scope; a provider sees those of its projects or written by its staff.
func (s Scope) activityPredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeTerritory:
		return s.caseColumn(alias+".case_id", args)
	case ScopeProvider:
		ph := s.param(args)
		return "((" + alias + ".project_id IN (SELECT id FROM projects WHERE provider_organisation_id = " + ph + "::uuid) OR " +
			alias + ".author_id IN (SELECT id FROM staff WHERE organisation_id = " + ph + "::uuid))" +
			" AND " + s.casesIn(alias+".case_id", ph) + ")"
	}
	return "false"
}

// participationPredicate returns a SQL condition on the participations row aliased alias:
// participations of persons in scope.
func (s Scope) participationPredicate(alias string, args *[]any) string {
	if !s.usable() {
		return "false"
	}
	switch s.Kind {
	case ScopeAll, ScopeParticipants:
		return "true"
	case ScopeAssigned, ScopeOrganisation, ScopeProvider, ScopeTerritory:
		return s.personColumn(alias+".person_id", args)
	}
	return "false"
}

// arg appends v to args and returns its placeholder.
func arg(args *[]any, v any) string {
	*args = append(*args, v)
	return "$" + strconv.Itoa(len(*args))
}
