package access

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a principal does in the hub; the access policy grants per role.
type Role string

// The roles of the hub. A staff JWT or a partner token carries exactly one.
const (
	RoleSocialWorker      Role = "social_worker"
	RoleCaseManager       Role = "case_manager"
	RoleEmploymentOfficer Role = "employment_officer"
	RoleSchoolLiaison     Role = "school_liaison"
	RoleESFAuditor        Role = "esf_auditor"
	RoleDashboard         Role = "dashboard"
	RoleDPO               Role = "dpo"
	RoleAdmin             Role = "admin"
)

// Roles lists every role, in a stable order.
func Roles() []Role {
	return []Role{RoleSocialWorker, RoleCaseManager, RoleEmploymentOfficer, RoleSchoolLiaison,
		RoleESFAuditor, RoleDashboard, RoleDPO, RoleAdmin}
}

// Purpose is the declared purpose of use of one request (GDPR Art. 5(1)(b)): the same
// principal sees different data for different purposes.
type Purpose string

// The closed list of purposes.
const (
	PurposeCaseManagement       Purpose = "case_management"
	PurposeEmploymentServices   Purpose = "employment_services"
	PurposeSchoolAttendance     Purpose = "school_attendance"
	PurposeESFMonitoring        Purpose = "esf_monitoring"
	PurposeESFAudit             Purpose = "esf_audit"
	PurposeStatistics           Purpose = "statistics"
	PurposeDataProtectionReview Purpose = "data_protection_review"
)

// Purposes lists every purpose, in a stable order.
func Purposes() []Purpose {
	return []Purpose{PurposeCaseManagement, PurposeEmploymentServices, PurposeSchoolAttendance,
		PurposeESFMonitoring, PurposeESFAudit, PurposeStatistics, PurposeDataProtectionReview}
}

// Category is a data category: every field of personal data in the API carries one
// (the schema's @category directive), and the access plan says which ones a request may
// read or write.
type Category string

// The closed list of data categories. The GraphQL enum spells them in upper case
// (IDENTITY); ParseCategory accepts both spellings.
const (
	// CategoryIdentity: direct identifiers — names, tax code, exact birth date and place.
	CategoryIdentity Category = "identity"
	// CategoryDemographic: quasi-identifiers — gender, citizenship, country of birth, age
	// band, municipality of residence.
	CategoryDemographic Category = "demographic"
	// CategoryContact: phone, e-mail, postal address.
	CategoryContact Category = "contact"
	// CategoryHousehold: household composition and relationships.
	CategoryHousehold Category = "household"
	// CategorySocioEconomic: income, ISEE, benefits, housing, economic assessment scores.
	CategorySocioEconomic Category = "socio_economic"
	// CategoryEmployment: labour status, availability declaration, employment events, work
	// experience and interests.
	CategoryEmployment Category = "employment"
	// CategoryEducation: education level, school enrolment and attendance, titles, training.
	CategoryEducation Category = "education"
	// CategoryHealth: health data, disability, psychological support (GDPR Art. 9).
	CategoryHealth Category = "health"
	// CategorySpecialOther: the other Art. 9 categories — racial or ethnic origin (minority
	// status), religion, sexual orientation, political or trade-union opinions.
	CategorySpecialOther Category = "special_other"
	// CategoryJudicial: criminal convictions and offences, court orders (GDPR Art. 10).
	CategoryJudicial Category = "judicial"
	// CategoryMinors: any data about a person under 18, required in addition to the
	// field's own category (see RequiredForPerson).
	CategoryMinors Category = "minors"
	// CategoryCaseNotes: free text written by practitioners — the activity register, case
	// summaries, assessment notes, evaluations.
	CategoryCaseNotes Category = "case_notes"
	// CategoryCase: the case file itself — reference, status, dates, organisations and
	// staff involved.
	CategoryCase Category = "case"
	// CategoryServices: personalised projects and interventions — service, provider,
	// dates, hours, status, outcome.
	CategoryServices Category = "services"
	// CategoryParticipation: ESF+ participation records — entry and exit, results.
	CategoryParticipation Category = "participation"
	// CategoryRegistryProvenance: where registry data came from — source, reference,
	// fetch time, freshness.
	CategoryRegistryProvenance Category = "registry_provenance"
	// CategoryPseudonym: the keyed pseudonym standing in for a person.
	CategoryPseudonym Category = "pseudonym"
)

// Categories lists every category, in a stable order (the bit order of category sets).
func Categories() []Category {
	return []Category{CategoryIdentity, CategoryDemographic, CategoryContact, CategoryHousehold,
		CategorySocioEconomic, CategoryEmployment, CategoryEducation, CategoryHealth,
		CategorySpecialOther, CategoryJudicial, CategoryMinors, CategoryCaseNotes, CategoryCase,
		CategoryServices, CategoryParticipation, CategoryRegistryProvenance, CategoryPseudonym}
}

// Protected reports whether c is a special category (GDPR Art. 9), judicial data (Art. 10)
// or minors' data: the policy never grants them by a group or a default, only by a line
// naming the category.
func (c Category) Protected() bool {
	switch c {
	case CategoryHealth, CategorySpecialOther, CategoryJudicial, CategoryMinors:
		return true
	}
	return false
}

// RevealingServiceTypes are the service types whose very value reveals a special
// category: an intervention of one of them is data of that category, whatever field of
// it is read. The table service_type_categories (migration 00360) holds the same list for
// the database's row security.
var RevealingServiceTypes = map[string]Category{
	"PSYCHOLOGICAL_SUPPORT": CategoryHealth,
	"HOME_CARE":             CategoryHealth,
}

// Operation is an action on no particular data category, granted like a category.
type Operation string

// The operations the policy grants.
const (
	// OpReadAggregates: read statistics (case load, services, indicator values), always
	// through small-cell suppression.
	OpReadAggregates Operation = "read_aggregates"
	// OpReadAccessLog: query the access log (who accessed which person's data).
	OpReadAccessLog Operation = "read_access_log"
	// OpManageTokens: issue, list and revoke partner tokens.
	OpManageTokens Operation = "manage_tokens"
	// OpRefreshRegistry: ask the registry connectors to fetch fresh data now.
	OpRefreshRegistry Operation = "refresh_registry"
	// OpFreezeESFReport: freeze an ESF+ report at a cut-off date.
	OpFreezeESFReport Operation = "freeze_esf_report"
	// OpReportESF: compute the ESF+ indicator values (esfReport, esfProfile) and verify
	// frozen reports. The values are exact, as the Commission receives them, so the plan
	// must see every participant: only a participants (or all) row scope may run it.
	OpReportESF Operation = "report_esf"
	// OpDrillESF: list the pseudonymised participants behind an ESF+ value.
	OpDrillESF Operation = "drill_esf"
	// OpManageRightsRequests: record, assign, extend, close and list data-subject
	// requests (GDPR Art. 15-21), restrict processing (Art. 18) and erase (Art. 17).
	OpManageRightsRequests Operation = "manage_rights_requests"
	// OpRecordConsent: record and withdraw a person's consents (ISO/IEC TS 27560) and
	// read them.
	OpRecordConsent Operation = "record_consent"
	// OpHandleReferrals: ask another organisation to take part in a case, or hand its
	// lead over, and answer such requests. What a referral shares is the data categories
	// it names; who may answer which request is the workflow's rule (the organisation it
	// is addressed to).
	OpHandleReferrals Operation = "handle_referrals"
)

// Operations lists every operation, in a stable order.
func Operations() []Operation {
	return []Operation{OpReadAggregates, OpReadAccessLog, OpManageTokens, OpRefreshRegistry, OpFreezeESFReport,
		OpReportESF, OpDrillESF, OpManageRightsRequests, OpRecordConsent, OpHandleReferrals}
}

// RowScope is the rows a plan lets a request see, from narrowest to broadest.
type RowScope string

// Row scopes, as named in the policy ("rows" lines).
const (
	// RowsNone: no rows at all; the default.
	RowsNone RowScope = "none"
	// RowsAggregates: no row-level data; aggregates only, with small-cell suppression.
	RowsAggregates RowScope = "aggregates"
	// RowsParticipants: persons with an ESF+ participation, and nothing about their cases.
	RowsParticipants RowScope = "participants"
	// RowsAssigned: cases the principal leads or is assigned to.
	RowsAssigned RowScope = "assigned"
	// RowsProvider: cases the principal's organisation takes part in, and within them only
	// the persons enrolled in projects or interventions the organisation delivers.
	RowsProvider RowScope = "provider"
	// RowsOrganisation: cases the principal's organisation leads or takes part in.
	RowsOrganisation RowScope = "organisation"
	// RowsTerritory: cases led by an organisation of the principal's territory.
	RowsTerritory RowScope = "territory"
	// RowsAll: every row (the data protection officer reviewing a data-subject request).
	RowsAll RowScope = "all"
)

// RowScopes lists the row scopes from narrowest to broadest: when several policy lines
// grant a row scope, the broadest wins, as allow lines add up.
func RowScopes() []RowScope {
	return []RowScope{RowsNone, RowsAggregates, RowsParticipants, RowsAssigned, RowsProvider,
		RowsOrganisation, RowsTerritory, RowsAll}
}

// RowLevel reports whether the scope shows individual rows (and so allows writes).
func (s RowScope) RowLevel() bool {
	switch s {
	case RowsNone, RowsAggregates:
		return false
	}
	return true
}

// SeesEveryParticipant reports whether the scope shows every ESF+ participant: exact
// indicator values, their drill-down and frozen reports need it, since a value counted
// over part of the participants would be a wrong value, not a smaller one.
func (s RowScope) SeesEveryParticipant() bool { return s == RowsParticipants || s == RowsAll }

// Writable reports whether rows in this scope may be written: auditors' and dashboards'
// scopes never write personal data.
func (s RowScope) Writable() bool {
	switch s {
	case RowsAssigned, RowsProvider, RowsOrganisation, RowsTerritory, RowsAll:
		return true
	}
	return false
}

// Mutation names a GraphQL mutation; each writes a fixed set of data categories and may
// need an operation.
type Mutation string

// The mutations of the API, as the schema names them.
const (
	MutationOpenCase               Mutation = "openCase"
	MutationCloseCase              Mutation = "closeCase"
	MutationAddHouseholdMember     Mutation = "addHouseholdMember"
	MutationEndHouseholdMembership Mutation = "endHouseholdMembership"
	MutationRecordAssessment       Mutation = "recordAssessment"
	MutationCreateProject          Mutation = "createProject"
	MutationUpdateProject          Mutation = "updateProject"
	MutationActivateIntervention   Mutation = "activateIntervention"
	MutationCompleteIntervention   Mutation = "completeIntervention"
	MutationInterruptIntervention  Mutation = "interruptIntervention"
	MutationAddActivityEntry       Mutation = "addActivityEntry"
	MutationEnrolParticipant       Mutation = "enrolParticipant"
	MutationRecordParticipantExit  Mutation = "recordParticipantExit"
	MutationRefreshRegistry        Mutation = "refreshRegistry"
	MutationFreezeESFReport        Mutation = "freezeEsfReport"
	MutationCreateRightsRequest    Mutation = "createRightsRequest"
	MutationAssignRightsRequest    Mutation = "assignRightsRequest"
	MutationExtendRightsRequest    Mutation = "extendRightsRequest"
	MutationCloseRightsRequest     Mutation = "closeRightsRequest"
	MutationRestrictProcessing     Mutation = "restrictProcessing"
	MutationLiftRestriction        Mutation = "liftRestriction"
	MutationErasePerson            Mutation = "erasePerson"
	MutationRectifyPerson          Mutation = "rectifyPerson"
	MutationRecordConsent          Mutation = "recordConsent"
	MutationWithdrawConsent        Mutation = "withdrawConsent"

	MutationAddCaseOrganisation    Mutation = "addCaseOrganisation"
	MutationRemoveCaseOrganisation Mutation = "removeCaseOrganisation"
	MutationChangeCaseLeadWorker   Mutation = "changeCaseLeadWorker"
	MutationSetCaseDepartments     Mutation = "setCaseDepartments"
	MutationSuspendCase            Mutation = "suspendCase"
	MutationReopenCase             Mutation = "reopenCase"
	MutationCorrectIntervention    Mutation = "correctIntervention"
	MutationCancelIntervention     Mutation = "cancelIntervention"
	MutationCorrectAssessment      Mutation = "correctAssessment"
	MutationCancelAssessment       Mutation = "cancelAssessment"
	MutationUpdatePerson           Mutation = "updatePerson"
	MutationRequestReferral        Mutation = "requestReferral"
	MutationAcceptReferral         Mutation = "acceptReferral"
	MutationDeclineReferral        Mutation = "declineReferral"
	MutationEndReferral            Mutation = "endReferral"
	MutationRequestTransfer        Mutation = "requestTransfer"
	MutationAcceptTransfer         Mutation = "acceptTransfer"
	MutationDeclineTransfer        Mutation = "declineTransfer"
	MutationCancelTransfer         Mutation = "cancelTransfer"
)

type mutationSpec struct {
	writes []Category
	op     Operation
}

// assessmentWrites are the categories of the access and evaluation form: recording,
// correcting and cancelling one need them all.
var assessmentWrites = []Category{CategoryEmployment, CategorySocioEconomic, CategoryEducation, CategoryHealth, CategoryCaseNotes}

// mutations says what each mutation writes. A mutation is allowed when the plan may write
// every one of its categories in a writable row scope, and run its operation, if any; the
// target rows must then also lie in the scope, which the store checks.
var mutations = map[Mutation]mutationSpec{
	MutationOpenCase:               {writes: []Category{CategoryCase}},
	MutationCloseCase:              {writes: []Category{CategoryCase}},
	MutationAddHouseholdMember:     {writes: []Category{CategoryHousehold}},
	MutationEndHouseholdMembership: {writes: []Category{CategoryHousehold}},
	// The access and evaluation form records employability scores (economic, education,
	// employment areas), health notes and free-text observations.
	MutationRecordAssessment: {writes: assessmentWrites},
	MutationCreateProject:    {writes: []Category{CategoryServices}},
	// Updating a project includes its conclusive evaluation, which is practitioners' text.
	MutationUpdateProject:         {writes: []Category{CategoryServices, CategoryCaseNotes}},
	MutationActivateIntervention:  {writes: []Category{CategoryServices}},
	MutationCompleteIntervention:  {writes: []Category{CategoryServices}},
	MutationInterruptIntervention: {writes: []Category{CategoryServices}},
	MutationAddActivityEntry:      {writes: []Category{CategoryCaseNotes}},
	// Enrolment records the ESF+ characteristics at entry (Annex I), which include
	// disability (health) and minority status (special category).
	MutationEnrolParticipant: {writes: []Category{CategoryParticipation, CategoryDemographic,
		CategoryEmployment, CategoryEducation, CategorySocioEconomic, CategoryHealth, CategorySpecialOther}},
	MutationRecordParticipantExit: {writes: []Category{CategoryParticipation, CategoryEmployment, CategoryEducation}},
	// Refreshing and freezing are operations: the connectors write the registry data and
	// the ESF engine the frozen report, not the principal.
	MutationRefreshRegistry: {op: OpRefreshRegistry},
	MutationFreezeESFReport: {op: OpFreezeESFReport},
	// Data-subject requests are the data protection officer's records; they write no
	// category of the person's data.
	MutationCreateRightsRequest: {op: OpManageRightsRequests},
	MutationAssignRightsRequest: {op: OpManageRightsRequests},
	MutationExtendRightsRequest: {op: OpManageRightsRequests},
	MutationCloseRightsRequest:  {op: OpManageRightsRequests},
	MutationRestrictProcessing:  {op: OpManageRightsRequests},
	MutationLiftRestriction:     {op: OpManageRightsRequests},
	// Erasure clears identity, contact and demographic data and the free text written
	// about the person; only the DPO's request flow does it.
	MutationErasePerson: {op: OpManageRightsRequests},
	// Rectification on request corrects names, contact data and the municipality of
	// residence.
	MutationRectifyPerson: {op: OpManageRightsRequests, writes: []Category{CategoryIdentity, CategoryContact, CategoryDemographic}},
	// A consent is a record of its own; it writes no category of the person's data.
	MutationRecordConsent:   {op: OpRecordConsent},
	MutationWithdrawConsent: {op: OpRecordConsent},

	// Case maintenance writes the case file: who takes part, who leads, its status.
	MutationAddCaseOrganisation:    {writes: []Category{CategoryCase}},
	MutationRemoveCaseOrganisation: {writes: []Category{CategoryCase}},
	MutationChangeCaseLeadWorker:   {writes: []Category{CategoryCase}},
	MutationSetCaseDepartments:     {writes: []Category{CategoryCase}},
	MutationSuspendCase:            {writes: []Category{CategoryCase}},
	MutationReopenCase:             {writes: []Category{CategoryCase}},
	// Corrections need what recording needs.
	MutationCorrectIntervention: {writes: []Category{CategoryServices}},
	MutationCancelIntervention:  {writes: []Category{CategoryServices}},
	MutationCorrectAssessment:   {writes: assessmentWrites},
	MutationCancelAssessment:    {writes: assessmentWrites},
	// Rectification (GDPR Art. 16) of what registration writes.
	MutationUpdatePerson: {writes: []Category{CategoryIdentity, CategoryDemographic, CategoryContact}},
	// Asking writes the case file (a referral, a transfer); answering, and ending a
	// referral one takes part by, writes only whether one takes part, which the workflow
	// lets only the addressee decide.
	MutationRequestReferral: {writes: []Category{CategoryCase}, op: OpHandleReferrals},
	MutationAcceptReferral:  {op: OpHandleReferrals},
	MutationDeclineReferral: {op: OpHandleReferrals},
	MutationEndReferral:     {op: OpHandleReferrals},
	MutationRequestTransfer: {writes: []Category{CategoryCase}, op: OpHandleReferrals},
	MutationAcceptTransfer:  {writes: []Category{CategoryCase}, op: OpHandleReferrals},
	MutationDeclineTransfer: {op: OpHandleReferrals},
	MutationCancelTransfer:  {writes: []Category{CategoryCase}, op: OpHandleReferrals},
}

// Mutations lists every mutation, in a stable order.
func Mutations() []Mutation {
	return []Mutation{MutationOpenCase, MutationCloseCase, MutationAddHouseholdMember,
		MutationEndHouseholdMembership, MutationRecordAssessment, MutationCreateProject,
		MutationUpdateProject, MutationActivateIntervention, MutationCompleteIntervention,
		MutationInterruptIntervention, MutationAddActivityEntry, MutationEnrolParticipant,
		MutationRecordParticipantExit, MutationRefreshRegistry, MutationFreezeESFReport,
		MutationCreateRightsRequest, MutationAssignRightsRequest, MutationExtendRightsRequest, MutationCloseRightsRequest,
		MutationRestrictProcessing, MutationLiftRestriction, MutationErasePerson, MutationRectifyPerson,
		MutationRecordConsent, MutationWithdrawConsent,
		MutationAddCaseOrganisation, MutationRemoveCaseOrganisation, MutationChangeCaseLeadWorker,
		MutationSetCaseDepartments, MutationSuspendCase, MutationReopenCase, MutationCorrectIntervention,
		MutationCancelIntervention, MutationCorrectAssessment, MutationCancelAssessment, MutationUpdatePerson,
		MutationRequestReferral, MutationAcceptReferral, MutationDeclineReferral, MutationEndReferral,
		MutationRequestTransfer, MutationAcceptTransfer, MutationDeclineTransfer, MutationCancelTransfer}
}

// Writes lists the categories m writes; nil for an unknown mutation.
func (m Mutation) Writes() []Category {
	return append([]Category(nil), mutations[m].writes...)
}

// Operation returns the operation m needs, if any.
func (m Mutation) Operation() (Operation, bool) {
	op := mutations[m].op
	return op, op != ""
}

// Known reports whether m is a mutation of the API.
func (m Mutation) Known() bool { _, ok := mutations[m]; return ok }

// RequiredForPerson returns the categories needed to read or write a field of category c
// about a person: a minor's data also needs CategoryMinors.
func RequiredForPerson(c Category, minor bool) []Category {
	if minor && c != CategoryMinors {
		return []Category{c, CategoryMinors}
	}
	return []Category{c}
}

// normalise turns "Case-Management", "CASE_MANAGEMENT" and " case management " into
// "case_management".
func normalise(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

// ParseRole reads a role name, accepting any case and '-' or ' ' for '_'.
func ParseRole(s string) (Role, error) { return parseName(s, "role", Roles()) }

// ParsePurpose reads a purpose name, accepting any case and '-' or ' ' for '_'.
func ParsePurpose(s string) (Purpose, error) { return parseName(s, "purpose", Purposes()) }

// ParseCategory reads a category name, accepting the GraphQL enum spelling (IDENTITY).
func ParseCategory(s string) (Category, error) { return parseName(s, "data category", Categories()) }

// ParseOperation reads an operation name.
func ParseOperation(s string) (Operation, error) { return parseName(s, "operation", Operations()) }

// ParseRowScope reads a row scope name.
func ParseRowScope(s string) (RowScope, error) { return parseName(s, "row scope", RowScopes()) }

// parseName finds s, normalised, among the names of a vocabulary; noun names the
// vocabulary in the error.
func parseName[T ~string](s, noun string, known []T) (T, error) {
	n := T(normalise(s))
	if slices.Contains(known, n) {
		return n, nil
	}
	return "", fmt.Errorf("access: unknown %s %q (known: %s)", noun, s, JoinNames(known))
}

// JoinNames lists names of a vocabulary for messages: "a, b, c".
func JoinNames[T ~string](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = string(x)
	}
	return strings.Join(parts, ", ")
}
