package loaders

import (
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
)

// Pickers name one relation of a request's loaders. Lookups reach the loaders through
// the request each time (request.Required and the like), since a request that lets go of
// its transaction continues with new loaders.

func Organisations(l *Loaders) *Loader[*casedata.Organisation]             { return l.organisations }
func Departments(l *Loaders) *Loader[*casedata.Department]                 { return l.departments }
func Staff(l *Loaders) *Loader[*casedata.Staff]                            { return l.staff }
func Persons(l *Loaders) *Loader[*casedata.Person]                         { return l.persons }
func PersonsByTaxCode(l *Loaders) *Loader[*casedata.Person]                { return l.personsByTaxCode }
func Households(l *Loaders) *Loader[*casedata.Household]                   { return l.households }
func Cases(l *Loaders) *Loader[*casedata.Case]                             { return l.cases }
func Projects(l *Loaders) *Loader[*casedata.Project]                       { return l.projects }
func Operations(l *Loaders) *Loader[*casedata.Operation]                   { return l.operations }
func Rounds(l *Loaders) *Loader[*casedata.Round]                           { return l.rounds }
func OrganisationDepartments(l *Loaders) *Loader[[]casedata.Department]    { return l.orgDepartments }
func HouseholdMembers(l *Loaders) *Loader[[]casedata.HouseholdMember]      { return l.householdMembs }
func PersonMemberships(l *Loaders) *Loader[[]casedata.HouseholdMember]     { return l.personMembs }
func HouseholdCases(l *Loaders) *Loader[[]casedata.Case]                   { return l.householdCases }
func CaseDepartments(l *Loaders) *Loader[[]string]                         { return l.caseDepts }
func CaseOrganisations(l *Loaders) *Loader[[]casedata.CaseOrganisation]    { return l.caseOrgs }
func CaseAssessments(l *Loaders) *Loader[[]casedata.Assessment]            { return l.caseAssessment }
func CaseProjects(l *Loaders) *Loader[[]casedata.Project]                  { return l.caseProjects }
func CaseInterventions(l *Loaders) *Loader[[]casedata.Intervention]        { return l.caseInterv }
func ProjectInterventions(l *Loaders) *Loader[[]casedata.Intervention]     { return l.projectInterv }
func CaseActivity(l *Loaders) *Loader[[]casedata.ActivityEntry]            { return l.caseActivity }
func OperationRounds(l *Loaders) *Loader[[]casedata.Round]                 { return l.opRounds }
func PersonParticipations(l *Loaders) *Loader[[]casedata.Participation]    { return l.personParts }
func CaseParticipations(l *Loaders) *Loader[[]casedata.CaseParticipation]  { return l.caseParts }
func CaseEvents(l *Loaders) *Loader[[]casedata.CaseEvent]                  { return l.caseEvents }
func CaseReferrals(l *Loaders) *Loader[[]casedata.Referral]                { return l.caseReferrals }
func CaseTransfers(l *Loaders) *Loader[[]casedata.Transfer]                { return l.caseTransfers }
func CaseDueActions(l *Loaders) *Loader[[]casedata.DueAction]              { return l.caseDue }
func PersonRectifications(l *Loaders) *Loader[[]casedata.PersonDataChange] { return l.personRects }
func PersonBenefits(l *Loaders) *Loader[[]registrydata.BenefitCase]        { return l.registry.personBenefits }
func PersonISEE(l *Loaders) *Loader[[]registrydata.ISEE]                   { return l.registry.personISEE }
func PersonLabourStatuses(l *Loaders) *Loader[[]registrydata.LabourStatus] {
	return l.registry.personLabour
}
func PersonEmploymentEvents(l *Loaders) *Loader[[]registrydata.EmploymentEvent] {
	return l.registry.personEvents
}
func PersonSchoolRecords(l *Loaders) *Loader[[]registrydata.SchoolRecord] {
	return l.registry.personSchool
}
func HouseholdBenefits(l *Loaders) *Loader[[]registrydata.BenefitCase] {
	return l.registry.householdBenefits
}
func HouseholdISEE(l *Loaders) *Loader[[]registrydata.ISEE] { return l.registry.householdISEE }
func HouseholdLabourStatuses(l *Loaders) *Loader[[]registrydata.LabourStatus] {
	return l.registry.householdLabour
}
func HouseholdSchoolRecords(l *Loaders) *Loader[[]registrydata.SchoolRecord] {
	return l.registry.householdSchool
}
