package casework

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
)

// CaseStatusInput suspends or reopens a case, with the date and the reason.
type CaseStatusInput struct {
	CaseID string
	On     time.Time
	Reason string
}

// SuspendCase suspends an open case: it stays visible to every organisation taking
// part, its deadlines and its review stop counting until it is reopened.
func SuspendCase(ctx context.Context, tx *store.Tx, in CaseStatusInput) (store.Case, error) {
	return setStatus(ctx, tx, in, "SUSPENDED", []string{"OPEN"})
}

// ReopenCase reopens a suspended or closed case. A closed case reopens without the
// organisations closing removed: they are added or referred again.
func ReopenCase(ctx context.Context, tx *store.Tx, in CaseStatusInput) (store.Case, error) {
	return setStatus(ctx, tx, in, "OPEN", []string{"SUSPENDED", "CLOSED"})
}

func setStatus(ctx context.Context, tx *store.Tx, in CaseStatusInput, status string, from []string) (store.Case, error) {
	var c checker
	id := c.id("caseId", in.CaseID, "Case")
	reason := c.text("reason", in.Reason, 2000)
	cs, ok, err := one(ctx, &c, "caseId", id, tx.CasesByIDs)
	if err != nil {
		return store.Case{}, err
	}
	if ok {
		if !slices.Contains(from, cs.Status) {
			c.Addf("input.caseId", "a %s case cannot become %s", cs.Status, status)
		}
		c.notBefore("on", in.On, cs.OpenedOn, "the opening date")
		if cs.ClosedOn != nil {
			c.notBefore("on", in.On, *cs.ClosedOn, "the closing date")
		}
	}
	c.notFuture("on", in.On, today())
	if err := c.Err(); err != nil {
		return store.Case{}, err
	}
	if err := requireLead(ctx, &cs); err != nil {
		return store.Case{}, err
	}
	if err := tx.SetCaseStatus(ctx, id, status, nil, nil); err != nil {
		return store.Case{}, err
	}
	kind := "SUSPENDED"
	if status == "OPEN" {
		kind = "REOPENED"
	}
	ch := changes(change("status", "case", &cs.Status, &status), change("closedOn", "case", dateText(cs.ClosedOn), nil),
		change("closureReason", "case_notes", cs.ClosureReason, nil))
	if err := event(ctx, tx, store.CaseEvent{CaseID: id, Kind: kind, EffectiveOn: &in.On, Reason: &reason, Changes: ch}); err != nil {
		return store.Case{}, err
	}
	return reload(ctx, id, tx.CasesByIDs)
}

// ChangeLeadWorkerInput names a case's new lead worker, of the leading organisation.
type ChangeLeadWorkerInput struct {
	CaseID       string
	LeadWorkerID string
	Reason       string
}

// ChangeLeadWorker changes the lead worker within the leading organisation (another
// organisation takes the lead by a transfer, which it accepts).
func ChangeLeadWorker(ctx context.Context, tx *store.Tx, in ChangeLeadWorkerInput) (store.Case, error) {
	var c checker
	id := c.id("caseId", in.CaseID, "Case")
	worker := c.id("leadWorkerId", in.LeadWorkerID, "Staff")
	reason := c.text("reason", in.Reason, 2000)
	cs, err := checkCaseOpen(ctx, tx, &c, id, time.Time{}, "")
	if err != nil {
		return store.Case{}, err
	}
	w, ok, err := one(ctx, &c, "leadWorkerId", worker, tx.StaffByIDs)
	if err != nil {
		return store.Case{}, err
	}
	if ok && cs != nil {
		if w.OrganisationID != cs.OrganisationID {
			c.Add("input.leadWorkerId", "does not work for the leading organisation: transfer the case instead")
		}
		if w.ID == cs.LeadWorkerID {
			c.Add("input.leadWorkerId", "already leads the case")
		}
	}
	if err := c.Err(); err != nil {
		return store.Case{}, err
	}
	if err := requireLead(ctx, cs); err != nil {
		return store.Case{}, err
	}
	if err := tx.SetLeadWorker(ctx, id, worker); err != nil {
		return store.Case{}, err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: id, Kind: "LEAD_WORKER_CHANGED", EffectiveOn: datePtr(today()), Reason: &reason,
		Changes: changes(change("leadWorkerId", "case", &cs.LeadWorkerID, &worker))}); err != nil {
		return store.Case{}, err
	}
	return reload(ctx, id, tx.CasesByIDs)
}

// SetCaseDepartmentsInput makes the departments involved in a case exactly these.
type SetCaseDepartmentsInput struct {
	CaseID        string
	DepartmentIDs []string
	Reason        string
}

// SetCaseDepartments replaces the departments involved in a case.
func SetCaseDepartments(ctx context.Context, tx *store.Tx, in SetCaseDepartmentsInput) (store.Case, error) {
	var c checker
	id := c.id("caseId", in.CaseID, "Case")
	deps := uniq(c.ids("departmentIds", in.DepartmentIDs, "Department"))
	reason := c.text("reason", in.Reason, 2000)
	cs, err := checkCaseOpen(ctx, tx, &c, id, time.Time{}, "")
	if err != nil {
		return store.Case{}, err
	}
	if err := checkDepartments(ctx, tx, &c, "departmentIds", deps); err != nil {
		return store.Case{}, err
	}
	var before []string
	if cs != nil {
		links, err := tx.CaseDepartmentLinks(ctx, []string{id})
		if err != nil {
			return store.Case{}, err
		}
		for _, l := range links {
			before = append(before, l[1])
		}
	}
	if err := c.Err(); err != nil {
		return store.Case{}, err
	}
	if err := requireLead(ctx, cs); err != nil {
		return store.Case{}, err
	}
	if err := tx.SetCaseDepartments(ctx, id, deps); err != nil {
		return store.Case{}, err
	}
	slices.Sort(before)
	after := slices.Clone(deps)
	slices.Sort(after)
	if err := event(ctx, tx, store.CaseEvent{CaseID: id, Kind: "DEPARTMENTS_CHANGED", EffectiveOn: datePtr(today()), Reason: &reason,
		Changes: changes(change("departmentIds", "case", ptr(strings.Join(before, ",")), ptr(strings.Join(after, ","))))}); err != nil {
		return store.Case{}, err
	}
	return reload(ctx, id, tx.CasesByIDs)
}

// CorrectInterventionInput corrects what was recorded of an intervention; absent fields
// keep their value. The provider and the beneficiary are not corrected: an intervention
// recorded for the wrong one is cancelled and activated again.
type CorrectInterventionInput struct {
	InterventionID string
	ServiceType    *string
	RoundID        *string
	DepartmentID   *string
	Operator       *string
	StartsOn       *time.Time
	EndsOn         *time.Time
	PlannedHours   *float64
	HoursDelivered *float64
	Reason         string
}

// CorrectIntervention applies a correction, checked like an activation (dates within the
// case, the round and its operation), and keeps the previous values in the case's
// history.
func CorrectIntervention(ctx context.Context, tx *store.Tx, in CorrectInterventionInput) (store.Intervention, error) {
	var c checker
	id := c.id("interventionId", in.InterventionID, "Intervention")
	reason := c.text("reason", in.Reason, 2000)
	iv, ok, err := one(ctx, &c, "interventionId", id, tx.InterventionsByIDs)
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return store.Intervention{}, err
	}
	before := iv
	if iv.Status == "CANCELLED" {
		c.Add("input.interventionId", "intervention is cancelled")
	}
	if in.ServiceType != nil {
		iv.ServiceType = *in.ServiceType
	}
	if in.RoundID != nil {
		iv.RoundID = c.optID("roundId", in.RoundID, "OperationRound")
	}
	if in.DepartmentID != nil {
		iv.DepartmentID = c.optID("departmentId", in.DepartmentID, "Department")
	}
	if in.Operator != nil {
		iv.Operator = c.optText("operator", in.Operator, 200)
	}
	if in.StartsOn != nil {
		iv.StartsOn = in.StartsOn
		c.notFuture("startsOn", *in.StartsOn, today())
	}
	if in.EndsOn != nil {
		iv.EndsOn = in.EndsOn
	}
	if in.PlannedHours != nil {
		iv.PlannedHours = in.PlannedHours
		checkHours(&c, "plannedHours", *in.PlannedHours)
	}
	if in.HoursDelivered != nil {
		iv.HoursDelivered = *in.HoursDelivered
		checkHours(&c, "hoursDelivered", *in.HoursDelivered)
	}
	if iv.StartsOn != nil && iv.EndsOn != nil && iv.EndsOn.Before(*iv.StartsOn) {
		c.Add("input.endsOn", "is before startsOn")
	}
	var starts time.Time
	if iv.StartsOn != nil {
		starts = *iv.StartsOn
	}
	if _, err := checkCaseOpen(ctx, tx, &c, iv.CaseID, starts, "startsOn"); err != nil {
		return store.Intervention{}, err
	}
	if err := checkRound(ctx, tx, &c, iv.RoundID, iv.StartsOn, iv.EndsOn); err != nil {
		return store.Intervention{}, err
	}
	if err := checkDepartmentOf(ctx, tx, &c, iv.DepartmentID, iv.ProviderOrganisationID); err != nil {
		return store.Intervention{}, err
	}
	ch := interventionChanges(before, iv)
	if len(ch) == 0 {
		c.Add("input", "changes nothing")
	}
	if err := c.Err(); err != nil {
		return store.Intervention{}, err
	}
	if err := tx.CorrectIntervention(ctx, iv); err != nil {
		return store.Intervention{}, err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: iv.CaseID, Kind: "INTERVENTION_CORRECTED", Category: interventionCategory(before, iv),
		SubjectID: &iv.ID, Reason: &reason, EffectiveOn: datePtr(today()), Changes: ch}); err != nil {
		return store.Intervention{}, err
	}
	return reload(ctx, id, tx.InterventionsByIDs)
}

// interventionCategory is the category of a step about an intervention: the special
// category its service type, before or after, reveals, else services.
func interventionCategory(ivs ...store.Intervention) string {
	for _, iv := range ivs {
		if c, ok := access.RevealingServiceTypes[iv.ServiceType]; ok {
			return string(c)
		}
	}
	return "services"
}

func interventionChanges(a, b store.Intervention) []store.FieldChange {
	num := func(f *float64) *string {
		if f == nil {
			return nil
		}
		return ptr(strconv.FormatFloat(*f, 'f', -1, 64))
	}
	cat := interventionCategory(a, b)
	return changes(
		change("serviceType", cat, &a.ServiceType, &b.ServiceType),
		change("roundId", "services", a.RoundID, b.RoundID),
		change("departmentId", "services", a.DepartmentID, b.DepartmentID),
		change("operator", "services", a.Operator, b.Operator),
		change("startsOn", "services", dateText(a.StartsOn), dateText(b.StartsOn)),
		change("endsOn", "services", dateText(a.EndsOn), dateText(b.EndsOn)),
		change("plannedHours", "services", num(a.PlannedHours), num(b.PlannedHours)),
		change("hoursDelivered", "services", num(&a.HoursDelivered), num(&b.HoursDelivered)))
}

// CancelInterventionInput cancels an intervention recorded in error.
type CancelInterventionInput struct {
	InterventionID string
	Reason         string
}

// CancelIntervention keeps an intervention recorded in error as CANCELLED, with the
// reason: it counts nowhere, and its provider's part in the case ends with it.
func CancelIntervention(ctx context.Context, tx *store.Tx, in CancelInterventionInput) (store.Intervention, error) {
	var c checker
	id := c.id("interventionId", in.InterventionID, "Intervention")
	reason := c.text("reason", in.Reason, 2000)
	iv, ok, err := one(ctx, &c, "interventionId", id, tx.InterventionsByIDs)
	if err != nil {
		return store.Intervention{}, err
	}
	if ok {
		if iv.Status == "CANCELLED" {
			c.Add("input.interventionId", "intervention is already cancelled")
		}
		if _, err := checkCaseOpen(ctx, tx, &c, iv.CaseID, time.Time{}, ""); err != nil {
			return store.Intervention{}, err
		}
	}
	if err := c.Err(); err != nil {
		return store.Intervention{}, err
	}
	if err := tx.CancelIntervention(ctx, id, reason); err != nil {
		return store.Intervention{}, err
	}
	if err := endBasis(ctx, tx, iv.CaseID, id, today(), "intervention cancelled"); err != nil {
		return store.Intervention{}, err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: iv.CaseID, Kind: "INTERVENTION_CANCELLED", Category: interventionCategory(iv),
		SubjectID: &iv.ID, Reason: &reason, EffectiveOn: datePtr(today()),
		Changes: changes(change("status", "services", &iv.Status, ptr("CANCELLED")))}); err != nil {
		return store.Intervention{}, err
	}
	return reload(ctx, id, tx.InterventionsByIDs)
}

// CorrectAssessmentInput corrects an assessment; absent fields keep their value, and the
// scores given replace those of their areas.
type CorrectAssessmentInput struct {
	AssessmentID          string
	AssessedOn            *time.Time
	Scores                []AreaScoreInput
	WorkExperience        *string
	ProfessionalInterests *string
	HealthNotes           *string
	ProposedInterventions []string
	Reason                string
}

// CorrectAssessment applies a correction and keeps the previous values in the case's
// history, each with its data category.
func CorrectAssessment(ctx context.Context, tx *store.Tx, in CorrectAssessmentInput) (store.Assessment, error) {
	var c checker
	id := c.id("assessmentId", in.AssessmentID, "Assessment")
	reason := c.text("reason", in.Reason, 2000)
	a, ok, err := one(ctx, &c, "assessmentId", id, tx.AssessmentsByIDs)
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return store.Assessment{}, err
	}
	before := a
	before.Scores = slices.Clone(a.Scores)
	if a.CancelledAt != nil {
		c.Add("input.assessmentId", "assessment is cancelled")
	}
	if in.AssessedOn != nil {
		a.AssessedOn = *in.AssessedOn
		c.notFuture("assessedOn", *in.AssessedOn, today())
	}
	if _, err := checkCaseOpen(ctx, tx, &c, a.CaseID, a.AssessedOn, "assessedOn"); err != nil {
		return store.Assessment{}, err
	}
	seen := map[string]bool{}
	for i, s := range in.Scores {
		if !slices.Contains(Areas, s.Area) {
			c.Addf("input.scores", "area %s is not an employability area", s.Area)
		}
		if seen[s.Area] {
			c.Addf("input.scores", "area %s is scored twice", s.Area)
		}
		seen[s.Area] = true
		if s.Score < 1 || s.Score > 5 {
			c.Addf("input.scores", "score %d of area %s (item %d) is outside 1-5", s.Score, s.Area, i+1)
		}
		note := c.optText("scores.note", s.Note, 2000)
		replaced := false
		for j := range a.Scores {
			if a.Scores[j].Area == s.Area {
				a.Scores[j].Score, a.Scores[j].Note, replaced = s.Score, note, true
			}
		}
		if !replaced {
			a.Scores = append(a.Scores, store.AssessmentScore{Area: s.Area, Score: s.Score, Note: note, CaseID: a.CaseID})
		}
	}
	for _, f := range []struct {
		name string
		in   *string
		out  **string
	}{
		{"workExperience", in.WorkExperience, &a.WorkExperience},
		{"professionalInterests", in.ProfessionalInterests, &a.ProfessionalInterests},
		{"healthNotes", in.HealthNotes, &a.HealthNotes},
	} {
		if f.in != nil {
			*f.out = c.optText(f.name, f.in, 4000)
		}
	}
	if in.ProposedInterventions != nil {
		a.ProposedInterventions = uniq(in.ProposedInterventions)
	}
	ch := assessmentChanges(before, a)
	if len(ch) == 0 {
		c.Add("input", "changes nothing")
	}
	if err := c.Err(); err != nil {
		return store.Assessment{}, err
	}
	if err := tx.CorrectAssessment(ctx, a); err != nil {
		return store.Assessment{}, err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: a.CaseID, Kind: "ASSESSMENT_CORRECTED", Category: "services", SubjectID: &a.ID,
		Reason: &reason, EffectiveOn: datePtr(today()), Changes: ch}); err != nil {
		return store.Assessment{}, err
	}
	return reload(ctx, id, tx.AssessmentsByIDs)
}

func assessmentChanges(a, b store.Assessment) []store.FieldChange {
	score := func(x store.Assessment, area string) (*string, *string) {
		for _, s := range x.Scores {
			if s.Area == area {
				return ptr(strconv.Itoa(s.Score)), s.Note
			}
		}
		return nil, nil
	}
	out := changes(
		change("assessedOn", "services", dateText(&a.AssessedOn), dateText(&b.AssessedOn)),
		change("workExperience", "employment", a.WorkExperience, b.WorkExperience),
		change("professionalInterests", "employment", a.ProfessionalInterests, b.ProfessionalInterests),
		change("healthNotes", "health", a.HealthNotes, b.HealthNotes),
		change("proposedInterventions", "services", ptr(strings.Join(a.ProposedInterventions, ",")), ptr(strings.Join(b.ProposedInterventions, ","))))
	for _, area := range Areas {
		as, an := score(a, area)
		bs, bn := score(b, area)
		out = append(out, changes(change(fmt.Sprintf("scores.%s", area), "employment", as, bs),
			change(fmt.Sprintf("scores.%s.note", area), "case_notes", an, bn))...)
	}
	return out
}

// CancelAssessmentInput cancels an assessment recorded in error.
type CancelAssessmentInput struct {
	AssessmentID string
	Reason       string
}

// CancelAssessment keeps an assessment recorded in error, cancelled, with the reason.
func CancelAssessment(ctx context.Context, tx *store.Tx, in CancelAssessmentInput) (store.Assessment, error) {
	var c checker
	id := c.id("assessmentId", in.AssessmentID, "Assessment")
	reason := c.text("reason", in.Reason, 2000)
	a, ok, err := one(ctx, &c, "assessmentId", id, tx.AssessmentsByIDs)
	if err != nil {
		return store.Assessment{}, err
	}
	if ok {
		if a.CancelledAt != nil {
			c.Add("input.assessmentId", "assessment is already cancelled")
		}
		if _, err := checkCaseOpen(ctx, tx, &c, a.CaseID, time.Time{}, ""); err != nil {
			return store.Assessment{}, err
		}
	}
	if err := c.Err(); err != nil {
		return store.Assessment{}, err
	}
	if err := tx.CancelAssessment(ctx, id, reason); err != nil {
		return store.Assessment{}, err
	}
	if err := event(ctx, tx, store.CaseEvent{CaseID: a.CaseID, Kind: "ASSESSMENT_CANCELLED", Category: "services", SubjectID: &a.ID,
		Reason: &reason, EffectiveOn: datePtr(today())}); err != nil {
		return store.Assessment{}, err
	}
	return reload(ctx, id, tx.AssessmentsByIDs)
}

// checkHours bounds a number of hours.
func checkHours(c *checker, field string, h float64) {
	if h < 0 || h > 10000 {
		c.Add("input."+field, "must be between 0 and 10000")
	}
}
