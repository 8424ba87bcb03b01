package project

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// ActivateInterventionInput activates a service for a beneficiary.
type ActivateInterventionInput struct {
	CaseID        string
	ProjectID     *string
	RoundID       *string
	ServiceType   string
	ProviderID    string
	Operator      *string
	BeneficiaryID string
	StartsOn      time.Time
	EndsOn        *time.Time
	PlannedHours  *float64
	// DepartmentID is the provider's department that delivers the service.
	DepartmentID *string
}

// ActivateIntervention starts a service in an open case for a person of the case; when it
// belongs to a project, the project must be of the same case and not closed.
func ActivateIntervention(ctx context.Context, tx *store.Tx, in ActivateInterventionInput) (casedata.Intervention, error) {
	var c casework.Checker
	iv := casedata.Intervention{
		CaseID:                 c.ID("caseId", in.CaseID, "Case"),
		ProjectID:              c.OptID("projectId", in.ProjectID, "Project"),
		RoundID:                c.OptID("roundId", in.RoundID, "OperationRound"),
		ServiceType:            in.ServiceType,
		ProviderOrganisationID: c.ID("providerId", in.ProviderID, "Organisation"),
		Operator:               c.OptText("operator", in.Operator, 200),
		BeneficiaryID:          c.ID("beneficiaryId", in.BeneficiaryID, "Person"),
		StartsOn:               &in.StartsOn,
		EndsOn:                 in.EndsOn,
		PlannedHours:           in.PlannedHours,
		DepartmentID:           c.OptID("departmentId", in.DepartmentID, "Department"),
		Status:                 "ACTIVE",
	}
	if in.EndsOn != nil && in.EndsOn.Before(in.StartsOn) {
		c.Add("input.endsOn", "is before startsOn")
	}
	if in.PlannedHours != nil && (*in.PlannedHours < 0 || *in.PlannedHours > 10000) {
		c.Add("input.plannedHours", "must be between 0 and 10000")
	}
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, iv.CaseID, in.StartsOn, "startsOn")
	if err != nil {
		return casedata.Intervention{}, err
	}
	if err := casework.CheckInCase(ctx, tx, &c, cs, iv.BeneficiaryID, "beneficiaryId"); err != nil {
		return casedata.Intervention{}, err
	}
	if iv.ProjectID != nil {
		p, ok, err := casework.One(ctx, &c, "projectId", *iv.ProjectID, store.Bind(tx, casedata.ProjectsByIDs))
		if err != nil {
			return casedata.Intervention{}, err
		}
		if ok && p.CaseID != iv.CaseID {
			c.Add("input.projectId", "belongs to another case")
		}
		if ok && (p.Status == "CONCLUDED" || p.Status == "INTERRUPTED") {
			c.Addf("input.projectId", "project is %s", p.Status)
		}
	}
	if err := checkRound(ctx, tx, &c, iv.RoundID, iv.StartsOn, iv.EndsOn); err != nil {
		return casedata.Intervention{}, err
	}
	if _, _, err := casework.One(ctx, &c, "providerId", iv.ProviderOrganisationID, store.Bind(tx, casedata.OrganisationsByIDs)); err != nil {
		return casedata.Intervention{}, err
	}
	if err := checkDepartmentOf(ctx, tx, &c, iv.DepartmentID, iv.ProviderOrganisationID); err != nil {
		return casedata.Intervention{}, err
	}
	if err := c.Err(); err != nil {
		return casedata.Intervention{}, err
	}
	id, err := casedata.CreateIntervention(ctx, tx, iv)
	if err != nil {
		return casedata.Intervention{}, err
	}
	if err := casework.StartDelivery(ctx, tx, iv.CaseID, iv.ProviderOrganisationID, casedata.BasisIntervention, id, in.StartsOn); err != nil {
		return casedata.Intervention{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.InterventionsByIDs))
}

// checkRound requires a funding round, when given, to exist, and the service's dates to
// fall within the round and within its operation: a service counts in the round that
// funded it, which can only be one running on its dates.
func checkRound(ctx context.Context, tx *store.Tx, c *casework.Checker, roundID *string, starts, ends *time.Time) error {
	if roundID == nil {
		return nil
	}
	r, ok, err := casework.One(ctx, c, "roundId", *roundID, store.Bind(tx, casedata.RoundsByIDs))
	if err != nil || !ok {
		return err
	}
	op, ok, err := casework.One(ctx, c, "roundId", r.OperationID, store.Bind(tx, casedata.OperationsByIDs))
	if err != nil || !ok {
		return err
	}
	within := func(field string, d *time.Time) {
		if d == nil {
			return
		}
		for _, w := range []struct {
			what string
			from time.Time
			to   *time.Time
		}{{fmt.Sprintf("round %d", r.Number), r.StartsOn, r.EndsOn}, {"the operation " + op.Code, op.StartsOn, op.EndsOn}} {
			if d.Before(w.from) {
				c.Addf("input."+field, "is before %s starts (%s)", w.what, w.from.Format("2006-01-02"))
			}
			if w.to != nil && d.After(*w.to) {
				c.Addf("input."+field, "is after %s ends (%s)", w.what, w.to.Format("2006-01-02"))
			}
		}
	}
	within("startsOn", starts)
	within("endsOn", ends)
	return nil
}

// checkDepartmentOf requires a department, when given, to be one of the organisation's.
func checkDepartmentOf(ctx context.Context, tx *store.Tx, c *casework.Checker, deptID *string, orgID string) error {
	if deptID == nil {
		return nil
	}
	d, ok, err := casework.One(ctx, c, "departmentId", *deptID, store.Bind(tx, casedata.DepartmentsByIDs))
	if err != nil {
		return err
	}
	if ok && orgID != "" && d.OrganisationID != orgID {
		c.Add("input.departmentId", "is not a department of the provider")
	}
	return nil
}

// CompleteInterventionInput completes a service.
type CompleteInterventionInput struct {
	InterventionID string
	EndsOn         time.Time
	HoursDelivered *float64
}

// CompleteIntervention marks a planned or active intervention completed.
func CompleteIntervention(ctx context.Context, tx *store.Tx, in CompleteInterventionInput) (casedata.Intervention, error) {
	var c casework.Checker
	if in.HoursDelivered != nil && (*in.HoursDelivered < 0 || *in.HoursDelivered > 10000) {
		c.Add("input.hoursDelivered", "must be between 0 and 10000")
	}
	return finish(ctx, tx, &c, in.InterventionID, "COMPLETED", in.EndsOn, in.HoursDelivered, nil)
}

// InterruptInterventionInput interrupts a service.
type InterruptInterventionInput struct {
	InterventionID string
	EndsOn         time.Time
	Reason         string
}

// InterruptIntervention marks a planned or active intervention interrupted, with the reason.
func InterruptIntervention(ctx context.Context, tx *store.Tx, in InterruptInterventionInput) (casedata.Intervention, error) {
	var c casework.Checker
	reason := c.Text("reason", in.Reason, 2000)
	return finish(ctx, tx, &c, in.InterventionID, "INTERRUPTED", in.EndsOn, nil, &reason)
}

func finish(ctx context.Context, tx *store.Tx, c *casework.Checker, gid, status string, endsOn time.Time, hours *float64, reason *string) (casedata.Intervention, error) {
	id := c.ID("interventionId", gid, "Intervention")
	iv, ok, err := casework.One(ctx, c, "interventionId", id, store.Bind(tx, casedata.InterventionsByIDs))
	if err != nil {
		return casedata.Intervention{}, err
	}
	if ok {
		if iv.Status == "COMPLETED" || iv.Status == "INTERRUPTED" {
			c.Addf("input.interventionId", "intervention is already %s", iv.Status)
		}
		if iv.Status == "CANCELLED" {
			c.Add("input.interventionId", "intervention is cancelled")
		}
		if iv.StartsOn != nil {
			c.NotBefore("endsOn", endsOn, *iv.StartsOn, "the start date")
		}
		if err := checkRound(ctx, tx, c, iv.RoundID, nil, &endsOn); err != nil {
			return casedata.Intervention{}, err
		}
		if err := casework.Guard(ctx, iv.CaseID); err != nil {
			return casedata.Intervention{}, err
		}
	}
	c.NotFuture("endsOn", endsOn, casework.Today())
	if err := c.Err(); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casedata.FinishIntervention(ctx, tx, id, status, endsOn, hours, reason); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casework.EndBasis(ctx, tx, iv.CaseID, id, endsOn, "intervention "+strings.ToLower(status)); err != nil {
		return casedata.Intervention{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.InterventionsByIDs))
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
func CorrectIntervention(ctx context.Context, tx *store.Tx, in CorrectInterventionInput) (casedata.Intervention, error) {
	var c casework.Checker
	id := c.ID("interventionId", in.InterventionID, "Intervention")
	reason := c.Text("reason", in.Reason, 2000)
	iv, ok, err := casework.One(ctx, &c, "interventionId", id, store.Bind(tx, casedata.InterventionsByIDs))
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return casedata.Intervention{}, err
	}
	before := iv
	if iv.Status == "CANCELLED" {
		c.Add("input.interventionId", "intervention is cancelled")
	}
	if in.ServiceType != nil {
		iv.ServiceType = *in.ServiceType
	}
	if in.RoundID != nil {
		iv.RoundID = c.OptID("roundId", in.RoundID, "OperationRound")
	}
	if in.DepartmentID != nil {
		iv.DepartmentID = c.OptID("departmentId", in.DepartmentID, "Department")
	}
	if in.Operator != nil {
		iv.Operator = c.OptText("operator", in.Operator, 200)
	}
	if in.StartsOn != nil {
		iv.StartsOn = in.StartsOn
		c.NotFuture("startsOn", *in.StartsOn, casework.Today())
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
	if _, err := casework.CheckCaseOpen(ctx, tx, &c, iv.CaseID, starts, "startsOn"); err != nil {
		return casedata.Intervention{}, err
	}
	if err := checkRound(ctx, tx, &c, iv.RoundID, iv.StartsOn, iv.EndsOn); err != nil {
		return casedata.Intervention{}, err
	}
	if err := checkDepartmentOf(ctx, tx, &c, iv.DepartmentID, iv.ProviderOrganisationID); err != nil {
		return casedata.Intervention{}, err
	}
	ch := interventionChanges(before, iv)
	if len(ch) == 0 {
		c.Add("input", "changes nothing")
	}
	if err := c.Err(); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casedata.CorrectIntervention(ctx, tx, iv); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: iv.CaseID, Kind: "INTERVENTION_CORRECTED", Category: interventionCategory(before, iv),
		SubjectID: &iv.ID, Reason: &reason, EffectiveOn: datePtr(casework.Today()), Changes: ch}); err != nil {
		return casedata.Intervention{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.InterventionsByIDs))
}

// interventionCategory is the category of a step about an intervention: the special
// category its service type, before or after, reveals, else services.
func interventionCategory(ivs ...casedata.Intervention) string {
	for _, iv := range ivs {
		if c, ok := access.RevealingServiceTypes[iv.ServiceType]; ok {
			return string(c)
		}
	}
	return "services"
}

func interventionChanges(a, b casedata.Intervention) []casedata.FieldChange {
	num := func(f *float64) *string {
		if f == nil {
			return nil
		}
		return ptr(strconv.FormatFloat(*f, 'f', -1, 64))
	}
	cat := interventionCategory(a, b)
	return casework.Changes(
		casework.Change("serviceType", cat, &a.ServiceType, &b.ServiceType),
		casework.Change("roundId", "services", a.RoundID, b.RoundID),
		casework.Change("departmentId", "services", a.DepartmentID, b.DepartmentID),
		casework.Change("operator", "services", a.Operator, b.Operator),
		casework.Change("startsOn", "services", casework.DateText(a.StartsOn), casework.DateText(b.StartsOn)),
		casework.Change("endsOn", "services", casework.DateText(a.EndsOn), casework.DateText(b.EndsOn)),
		casework.Change("plannedHours", "services", num(a.PlannedHours), num(b.PlannedHours)),
		casework.Change("hoursDelivered", "services", num(&a.HoursDelivered), num(&b.HoursDelivered)))
}

// CancelInterventionInput cancels an intervention recorded in error.
type CancelInterventionInput struct {
	InterventionID string
	Reason         string
}

// CancelIntervention keeps an intervention recorded in error as CANCELLED, with the
// reason: it counts nowhere, and its provider's part in the case ends with it.
func CancelIntervention(ctx context.Context, tx *store.Tx, in CancelInterventionInput) (casedata.Intervention, error) {
	var c casework.Checker
	id := c.ID("interventionId", in.InterventionID, "Intervention")
	reason := c.Text("reason", in.Reason, 2000)
	iv, ok, err := casework.One(ctx, &c, "interventionId", id, store.Bind(tx, casedata.InterventionsByIDs))
	if err != nil {
		return casedata.Intervention{}, err
	}
	if ok {
		if iv.Status == "CANCELLED" {
			c.Add("input.interventionId", "intervention is already cancelled")
		}
		if _, err := casework.CheckCaseOpen(ctx, tx, &c, iv.CaseID, time.Time{}, ""); err != nil {
			return casedata.Intervention{}, err
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casedata.CancelIntervention(ctx, tx, id, reason); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casework.EndBasis(ctx, tx, iv.CaseID, id, casework.Today(), "intervention cancelled"); err != nil {
		return casedata.Intervention{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: iv.CaseID, Kind: "INTERVENTION_CANCELLED", Category: interventionCategory(iv),
		SubjectID: &iv.ID, Reason: &reason, EffectiveOn: datePtr(casework.Today()),
		Changes: casework.Changes(casework.Change("status", "services", &iv.Status, ptr("CANCELLED")))}); err != nil {
		return casedata.Intervention{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.InterventionsByIDs))
}

// checkHours bounds a number of hours.
func checkHours(c *casework.Checker, field string, h float64) {
	if h < 0 || h > 10000 {
		c.Add("input."+field, "must be between 0 and 10000")
	}
}

func ptr[T any](v T) *T { return &v }

func datePtr(d time.Time) *time.Time { return &d }
