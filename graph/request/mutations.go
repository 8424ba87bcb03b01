package request

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// mutationRule is what a mutation field needs from the plan: an access.Mutation of the
// vocabulary, or for mutations it has no entry for, the categories written.
type mutationRule struct {
	mutation access.Mutation
	writes   []access.Category
}

// mutationRules maps every mutation field of the schema to the access vocabulary. A
// mutation field missing here is refused: new mutations must say what they write.
var mutationRules = map[string]mutationRule{
	// Registering persons and households writes their identifying, demographic and
	// contact data, and the household composition.
	"registerPerson":  {writes: []access.Category{access.CategoryIdentity, access.CategoryDemographic, access.CategoryContact}},
	"createHousehold": {writes: []access.Category{access.CategoryHousehold, access.CategoryDemographic}},

	"addHouseholdMember":     {mutation: access.MutationAddHouseholdMember},
	"endHouseholdMembership": {mutation: access.MutationEndHouseholdMembership},
	"openCase":               {mutation: access.MutationOpenCase},
	"closeCase":              {mutation: access.MutationCloseCase},
	"recordAssessment":       {mutation: access.MutationRecordAssessment},
	"createProject":          {mutation: access.MutationCreateProject},
	"updateProject":          {mutation: access.MutationUpdateProject},
	"activateIntervention":   {mutation: access.MutationActivateIntervention},
	"completeIntervention":   {mutation: access.MutationCompleteIntervention},
	"interruptIntervention":  {mutation: access.MutationInterruptIntervention},
	"addActivityEntry":       {mutation: access.MutationAddActivityEntry},
	"enrolParticipant":       {mutation: access.MutationEnrolParticipant},
	"recordParticipantExit":  {mutation: access.MutationRecordParticipantExit},
	"refreshRegistryData":    {mutation: access.MutationRefreshRegistry},
	"freezeEsfReport":        {mutation: access.MutationFreezeESFReport},
	"createRightsRequest":    {mutation: access.MutationCreateRightsRequest},
	"assignRightsRequest":    {mutation: access.MutationAssignRightsRequest},
	"extendRightsRequest":    {mutation: access.MutationExtendRightsRequest},
	"closeRightsRequest":     {mutation: access.MutationCloseRightsRequest},
	"restrictProcessing":     {mutation: access.MutationRestrictProcessing},
	"liftRestriction":        {mutation: access.MutationLiftRestriction},
	"erasePerson":            {mutation: access.MutationErasePerson},
	"rectifyPerson":          {mutation: access.MutationRectifyPerson},
	"recordConsent":          {mutation: access.MutationRecordConsent},
	"withdrawConsent":        {mutation: access.MutationWithdrawConsent},
	"addCaseOrganisation":    {mutation: access.MutationAddCaseOrganisation},
	"removeCaseOrganisation": {mutation: access.MutationRemoveCaseOrganisation},
	"changeCaseLeadWorker":   {mutation: access.MutationChangeCaseLeadWorker},
	"setCaseDepartments":     {mutation: access.MutationSetCaseDepartments},
	"suspendCase":            {mutation: access.MutationSuspendCase},
	"reopenCase":             {mutation: access.MutationReopenCase},
	"correctIntervention":    {mutation: access.MutationCorrectIntervention},
	"cancelIntervention":     {mutation: access.MutationCancelIntervention},
	"correctAssessment":      {mutation: access.MutationCorrectAssessment},
	"cancelAssessment":       {mutation: access.MutationCancelAssessment},
	"updatePerson":           {mutation: access.MutationUpdatePerson},
	"requestReferral":        {mutation: access.MutationRequestReferral},
	"acceptReferral":         {mutation: access.MutationAcceptReferral},
	"declineReferral":        {mutation: access.MutationDeclineReferral},
	"endReferral":            {mutation: access.MutationEndReferral},
	"requestTransfer":        {mutation: access.MutationRequestTransfer},
	"acceptTransfer":         {mutation: access.MutationAcceptTransfer},
	"declineTransfer":        {mutation: access.MutationDeclineTransfer},
	"cancelTransfer":         {mutation: access.MutationCancelTransfer},
}

// CheckMutationRule is what CheckMutation asks plan about a mutation field.
func CheckMutationRule(plan *access.Plan, field string) error {
	rule, ok := mutationRules[field]
	if !ok {
		return &access.DeniedError{Reason: fmt.Sprintf("mutation %s has no access rule", field)}
	}
	if rule.mutation != "" {
		return plan.CheckMutation(rule.mutation)
	}
	if err := plan.CheckWrite(rule.writes...); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// MutationFields lists the mutation fields the access rules know, sorted.
func MutationFields() []string {
	out := make([]string, 0, len(mutationRules))
	for f := range mutationRules {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// CheckMutation returns nil when the request's plan allows the mutation field, and
// records the categories it writes; else a FORBIDDEN error (*access.DeniedError). The
// server calls it before the field runs, so a denied mutation writes nothing.
func CheckMutation(ctx context.Context, field string) error {
	r, err := From(ctx)
	if err != nil {
		return err
	}
	if r.plan == nil {
		return nil
	}
	if err := CheckMutationRule(r.plan, field); err != nil {
		return err
	}
	rule := mutationRules[field]
	writes := rule.writes
	if rule.mutation != "" {
		writes = rule.mutation.Writes()
	}
	var bits access.CategorySet
	for _, c := range writes {
		bits |= c.Bit()
	}
	r.record("", bits, true)
	return nil
}

// RecordWritten records the person a mutation's result is about.
func (r *Request) RecordWritten(ctx context.Context, out any) {
	if r.plan == nil {
		return
	}
	var person string
	switch o := out.(type) {
	case casedata.Person:
		person = o.ID
	case casedata.HouseholdMember:
		person = o.PersonID
	case casedata.Case:
		if o.PersonID != nil {
			person = *o.PersonID
		}
	case casedata.Assessment:
		person = o.PersonID
	case casedata.Project:
		person = o.ParticipantID
	case casedata.Intervention:
		person = o.BeneficiaryID
	case casedata.Participation:
		person = o.PersonID
	case casedata.ActivityEntry:
		person = r.casePerson(ctx, o.CaseID)
	case casedata.Referral:
		person = r.casePerson(ctx, o.CaseID)
	case casedata.Transfer:
		person = r.casePerson(ctx, o.CaseID)
	}
	if person != "" {
		r.touch(person)
	}
}

// casePerson is the person a case is about, when the request sees the case and it is
// about one person.
func (r *Request) casePerson(ctx context.Context, caseID string) string {
	if c, err := loaders.Cases(r.loaders).Load(ctx, caseID); err == nil && c != nil && c.PersonID != nil {
		return *c.PersonID
	}
	return ""
}

// Mutate runs a workflow command in the request's transaction and wraps its result. The
// server rolls the whole transaction back when any mutation fails, so nothing partial lands.
func Mutate[In, Out, P any](ctx context.Context, in In, cmd func(context.Context, *store.Tx, In) (Out, error), payload func(Out) P) (P, error) {
	var zero P
	r, err := From(ctx)
	if err != nil {
		return zero, err
	}
	out, err := cmd(casework.WithActor(ctx, r.Actor()), r.tx, in)
	if err != nil {
		return zero, apperr.MapFields(err, inputField)
	}
	r.RecordWritten(ctx, out)
	return payload(out), nil
}

// inputField names a problem's field as the mutation's client wrote it. The workflow
// commands name their input's fields already ("input.taxCode"); what reaches them from
// the database names a column ("household_id", or the columns of a key), which becomes
// the input field of the same name, and a problem with no column is the input's.
func inputField(f string) string {
	switch {
	case f == "":
		return "input"
	case f == "input" || strings.HasPrefix(f, "input."):
		return f
	}
	col, _, _ := strings.Cut(f, ",")
	parts := strings.Split(strings.TrimSpace(col), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return "input." + strings.Join(parts, "")
}
