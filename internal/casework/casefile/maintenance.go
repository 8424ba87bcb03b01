package casefile

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// CaseStatusInput suspends or reopens a case, with the date and the reason.
type CaseStatusInput struct {
	CaseID string
	On     time.Time
	Reason string
}

// SuspendCase suspends an open case: it stays visible to every organisation taking
// part, its deadlines and its review stop counting until it is reopened.
func SuspendCase(ctx context.Context, tx *store.Tx, in CaseStatusInput) (casedata.Case, error) {
	return setStatus(ctx, tx, in, "SUSPENDED", []string{"OPEN"})
}

// ReopenCase reopens a suspended or closed case. A closed case reopens without the
// organisations closing removed: they are added or referred again.
func ReopenCase(ctx context.Context, tx *store.Tx, in CaseStatusInput) (casedata.Case, error) {
	return setStatus(ctx, tx, in, "OPEN", []string{"SUSPENDED", "CLOSED"})
}

func setStatus(ctx context.Context, tx *store.Tx, in CaseStatusInput, status string, from []string) (casedata.Case, error) {
	var c casework.Checker
	id := c.ID("caseId", in.CaseID, "Case")
	reason := c.Text("reason", in.Reason, 2000)
	cs, ok, err := casework.One(ctx, &c, "caseId", id, store.Bind(tx, casedata.CasesByIDs))
	if err != nil {
		return casedata.Case{}, err
	}
	if ok {
		if !slices.Contains(from, cs.Status) {
			c.Addf("input.caseId", "a %s case cannot become %s", cs.Status, status)
		}
		c.NotBefore("on", in.On, cs.OpenedOn, "the opening date")
		if cs.ClosedOn != nil {
			c.NotBefore("on", in.On, *cs.ClosedOn, "the closing date")
		}
	}
	c.NotFuture("on", in.On, casework.Today())
	if err := c.Err(); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.RequireLead(ctx, &cs); err != nil {
		return casedata.Case{}, err
	}
	if err := casedata.SetCaseStatus(ctx, tx, id, status, nil, nil); err != nil {
		return casedata.Case{}, err
	}
	kind := "SUSPENDED"
	if status == "OPEN" {
		kind = "REOPENED"
	}
	ch := casework.Changes(casework.Change("status", "case", &cs.Status, &status), casework.Change("closedOn", "case", casework.DateText(cs.ClosedOn), nil),
		casework.Change("closureReason", "case_notes", cs.ClosureReason, nil))
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: id, Kind: kind, EffectiveOn: &in.On, Reason: &reason, Changes: ch}); err != nil {
		return casedata.Case{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.CasesByIDs))
}

// ChangeLeadWorkerInput names a case's new lead worker, of the leading organisation.
type ChangeLeadWorkerInput struct {
	CaseID       string
	LeadWorkerID string
	Reason       string
}

// ChangeLeadWorker changes the lead worker within the leading organisation (another
// organisation takes the lead by a transfer, which it accepts).
func ChangeLeadWorker(ctx context.Context, tx *store.Tx, in ChangeLeadWorkerInput) (casedata.Case, error) {
	var c casework.Checker
	id := c.ID("caseId", in.CaseID, "Case")
	worker := c.ID("leadWorkerId", in.LeadWorkerID, "Staff")
	reason := c.Text("reason", in.Reason, 2000)
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, id, time.Time{}, "")
	if err != nil {
		return casedata.Case{}, err
	}
	w, ok, err := casework.One(ctx, &c, "leadWorkerId", worker, store.Bind(tx, casedata.StaffByIDs))
	if err != nil {
		return casedata.Case{}, err
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
		return casedata.Case{}, err
	}
	if err := casework.RequireLead(ctx, cs); err != nil {
		return casedata.Case{}, err
	}
	if err := casedata.SetLeadWorker(ctx, tx, id, worker); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: id, Kind: "LEAD_WORKER_CHANGED", EffectiveOn: datePtr(casework.Today()), Reason: &reason,
		Changes: casework.Changes(casework.Change("leadWorkerId", "case", &cs.LeadWorkerID, &worker))}); err != nil {
		return casedata.Case{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.CasesByIDs))
}

// SetCaseDepartmentsInput makes the departments involved in a case exactly these.
type SetCaseDepartmentsInput struct {
	CaseID        string
	DepartmentIDs []string
	Reason        string
}

// SetCaseDepartments replaces the departments involved in a case.
func SetCaseDepartments(ctx context.Context, tx *store.Tx, in SetCaseDepartmentsInput) (casedata.Case, error) {
	var c casework.Checker
	id := c.ID("caseId", in.CaseID, "Case")
	deps := casework.Distinct(c.IDs("departmentIds", in.DepartmentIDs, "Department"))
	reason := c.Text("reason", in.Reason, 2000)
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, id, time.Time{}, "")
	if err != nil {
		return casedata.Case{}, err
	}
	if err := checkDepartments(ctx, tx, &c, "departmentIds", deps); err != nil {
		return casedata.Case{}, err
	}
	var before []string
	if cs != nil {
		links, err := casedata.CaseDepartmentLinks(ctx, tx, []string{id})
		if err != nil {
			return casedata.Case{}, err
		}
		for _, l := range links {
			before = append(before, l[1])
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Case{}, err
	}
	if err := casework.RequireLead(ctx, cs); err != nil {
		return casedata.Case{}, err
	}
	if err := casedata.SetCaseDepartments(ctx, tx, id, deps); err != nil {
		return casedata.Case{}, err
	}
	slices.Sort(before)
	after := slices.Clone(deps)
	slices.Sort(after)
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: id, Kind: "DEPARTMENTS_CHANGED", EffectiveOn: datePtr(casework.Today()), Reason: &reason,
		Changes: casework.Changes(casework.Change("departmentIds", "case", ptr(strings.Join(before, ",")), ptr(strings.Join(after, ","))))}); err != nil {
		return casedata.Case{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.CasesByIDs))
}
