package loaders

import (
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
)

// Pickers name one relation of a request's loaders. Lookups reach the loaders through
// the request each time (request.Required and the like), since a request that lets go of
// its transaction continues with new loaders.

func Organisations(l *Loaders) *Loader[*store.Organisation]                { return l.organisations }
func Departments(l *Loaders) *Loader[*store.Department]                    { return l.departments }
func Staff(l *Loaders) *Loader[*store.Staff]                               { return l.staff }
func Persons(l *Loaders) *Loader[*store.Person]                            { return l.persons }
func PersonsByTaxCode(l *Loaders) *Loader[*store.Person]                   { return l.personsByTaxCode }
func Households(l *Loaders) *Loader[*store.Household]                      { return l.households }
func Cases(l *Loaders) *Loader[*store.Case]                                { return l.cases }
func Projects(l *Loaders) *Loader[*store.Project]                          { return l.projects }
func Operations(l *Loaders) *Loader[*store.Operation]                      { return l.operations }
func Rounds(l *Loaders) *Loader[*store.Round]                              { return l.rounds }
func OrganisationDepartments(l *Loaders) *Loader[[]store.Department]       { return l.orgDepartments }
func HouseholdMembers(l *Loaders) *Loader[[]store.HouseholdMember]         { return l.householdMembs }
func PersonMemberships(l *Loaders) *Loader[[]store.HouseholdMember]        { return l.personMembs }
func HouseholdCases(l *Loaders) *Loader[[]store.Case]                      { return l.householdCases }
func CaseDepartments(l *Loaders) *Loader[[]string]                         { return l.caseDepts }
func CaseOrganisations(l *Loaders) *Loader[[]store.CaseOrganisation]       { return l.caseOrgs }
func CaseAssessments(l *Loaders) *Loader[[]store.Assessment]               { return l.caseAssessment }
func CaseProjects(l *Loaders) *Loader[[]store.Project]                     { return l.caseProjects }
func CaseInterventions(l *Loaders) *Loader[[]store.Intervention]           { return l.caseInterv }
func ProjectInterventions(l *Loaders) *Loader[[]store.Intervention]        { return l.projectInterv }
func CaseActivity(l *Loaders) *Loader[[]store.ActivityEntry]               { return l.caseActivity }
func OperationRounds(l *Loaders) *Loader[[]store.Round]                    { return l.opRounds }
func PersonParticipations(l *Loaders) *Loader[[]store.Participation]       { return l.personParts }
func CaseParticipations(l *Loaders) *Loader[[]store.CaseParticipation]     { return l.caseParts }
func CaseEvents(l *Loaders) *Loader[[]store.CaseEvent]                     { return l.caseEvents }
func CaseReferrals(l *Loaders) *Loader[[]store.Referral]                   { return l.caseReferrals }
func CaseTransfers(l *Loaders) *Loader[[]store.Transfer]                   { return l.caseTransfers }
func CaseDueActions(l *Loaders) *Loader[[]store.DueAction]                 { return l.caseDue }
func PersonRectifications(l *Loaders) *Loader[[]store.PersonRectification] { return l.personRects }
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
