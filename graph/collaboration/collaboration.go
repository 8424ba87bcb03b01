// Package collaboration answers working across organisations: the histories, due
// actions and field changes a request may read, referrals and transfers, the caller's
// own description (me) and the staff directory.
package collaboration

import (
	"context"
	"slices"
	"strings"

	"github.com/ponte-hub/ponte/graph/aggregates"
	"github.com/ponte-hub/ponte/graph/args"
	"github.com/ponte-hub/ponte/graph/lists"
	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// basisTypes are the node types of what a participation comes from.
var basisTypes = map[string]string{casedata.BasisProject: "Project", casedata.BasisIntervention: "Intervention", casedata.BasisReferral: "Referral", casedata.BasisTransfer: "Transfer"}

// BasisGID is the global id of what a participation comes from.
func BasisGID(basis string, id *string) *string {
	if id == nil {
		return nil
	}
	v := globalid.Encode(basisTypes[basis], *id)
	return &v
}

// ReadableChanges keeps the changes of a step the request may read, by their own
// categories, and records them for the access log.
func ReadableChanges(ctx context.Context, obj any, changes []casedata.FieldChange) ([]casedata.FieldChange, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]casedata.FieldChange, 0, len(changes))
	for _, ch := range changes {
		c, err := access.ParseCategory(ch.Category)
		if err != nil || !r.Readable(ctx, obj, c) {
			continue
		}
		r.RecordRead("", c.Bit())
		out = append(out, ch)
	}
	return out, nil
}

// ReadableEvents keeps the steps of a history whose category the request may read.
func ReadableEvents(ctx context.Context, events []casedata.CaseEvent) ([]casedata.CaseEvent, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]casedata.CaseEvent, 0, len(events))
	for i := range events {
		if c, err := access.ParseCategory(events[i].Category); err == nil && r.Readable(ctx, &events[i], c) {
			out = append(out, events[i])
		}
	}
	return out, nil
}

// deadlineKinds are the due actions that tell the benefit a household receives.
var deadlineKinds = []string{"CONVENE", "SIGN_PACT"}

// ReadableDue keeps the due actions the request may read: a programme deadline tells the
// benefit a household receives (socio-economic data).
func ReadableDue(ctx context.Context, due []casedata.DueAction) ([]casedata.DueAction, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]casedata.DueAction, 0, len(due))
	for i := range due {
		if !slices.Contains(deadlineKinds, due[i].Kind) || r.Readable(ctx, &due[i], access.CategorySocioEconomic) {
			out = append(out, due[i])
		}
	}
	return out, nil
}

// callerOrg is the caller's organisation for a listing of what it sent or received.
func callerOrg(r *request.Request, field string) (string, error) {
	if r.Plan() == nil || r.Plan().Principal().OrganisationID == "" {
		return "", apperr.Input(field, "needs a caller with an organisation")
	}
	return r.Plan().Principal().OrganisationID, nil
}

// Referrals lists referrals, those the caller's organisation sent or received when
// direction is set.
func Referrals(ctx context.Context, direction *model.Direction, status *string, p store.Page) (*model.ReferralConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.CheckFilter("referrals", true, access.CategoryCase); err != nil {
		return nil, err
	}
	f := casedata.ReferralFilter{Status: status}
	if direction != nil {
		org, err := callerOrg(r, "direction")
		if err != nil {
			return nil, err
		}
		if *direction == model.DirectionReceived {
			f.ToOrganisationID = &org
		} else {
			f.FromOrganisationID = &org
		}
	}
	rows, err := casedata.ListReferrals(ctx, r.Tx(), f, p)
	if err != nil {
		return nil, err
	}
	return &model.ReferralConnection{
		Edges:      lists.Edges(rows, func(c string, n casedata.Referral) model.ReferralEdge { return model.ReferralEdge{Cursor: c, Node: n} }),
		PageInfo:   lists.PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// Transfers lists transfers, those the caller's organisation sent or received when
// direction is set.
func Transfers(ctx context.Context, direction *model.Direction, status *string, p store.Page) (*model.TransferConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.CheckFilter("transfers", true, access.CategoryCase); err != nil {
		return nil, err
	}
	f := casedata.TransferFilter{Status: status}
	if direction != nil {
		org, err := callerOrg(r, "direction")
		if err != nil {
			return nil, err
		}
		if *direction == model.DirectionReceived {
			f.ToOrganisationID = &org
		} else {
			f.FromOrganisationID = &org
		}
	}
	rows, err := casedata.ListTransfers(ctx, r.Tx(), f, p)
	if err != nil {
		return nil, err
	}
	return &model.TransferConnection{
		Edges:      lists.Edges(rows, func(c string, n casedata.Transfer) model.TransferEdge { return model.TransferEdge{Cursor: c, Node: n} }),
		PageInfo:   lists.PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// Me describes the caller and its plan; null when the hub runs without access control.
func Me(ctx context.Context) (*model.Me, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	plan := r.Plan()
	if plan == nil {
		return nil, nil
	}
	pr := plan.Principal()
	names := func(cs []access.Category) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = strings.ToUpper(string(c))
		}
		return out
	}
	m := &model.Me{Subject: pr.Subject, Role: string(pr.Role), Purpose: string(pr.Purpose), RowScope: string(plan.Rows()),
		Reads: names(plan.Readable()), Writes: names(plan.Writable()), PolicyVersion: plan.PolicyVersion(),
		Purposes: []string{}, ReadsAboutMinors: []string{}, Operations: []string{}, Mutations: []string{}}
	for _, p := range pr.Purposes {
		m.Purposes = append(m.Purposes, string(p))
	}
	for _, c := range access.Categories() {
		if plan.CanReadMinorsOnly(c) {
			m.ReadsAboutMinors = append(m.ReadsAboutMinors, strings.ToUpper(string(c)))
		}
	}
	for _, o := range access.Operations() {
		if plan.Can(o) {
			m.Operations = append(m.Operations, string(o))
		}
	}
	for _, f := range request.MutationFields() {
		if request.CheckMutationRule(plan, f) == nil {
			m.Mutations = append(m.Mutations, f)
		}
	}
	if pr.StaffID != "" {
		if m.Staff, err = request.Optional(ctx, loaders.Staff, &pr.StaffID); err != nil {
			return nil, err
		}
	}
	if pr.OrganisationID != "" {
		if m.Organisation, err = request.Optional(ctx, loaders.Organisations, &pr.OrganisationID); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Staff is the staff directory, for plans that see rows.
func Staff(ctx context.Context, orgID, deptID, search *string, p store.Page) (*model.StaffConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	var org string
	if plan := r.Plan(); plan != nil {
		if !plan.Rows().RowLevel() {
			return nil, &access.DeniedError{Reason: "the staff directory needs a plan that sees rows"}
		}
		org = plan.Principal().OrganisationID
	}
	f := casedata.StaffFilter{Search: search}
	if f.OrganisationID, err = args.OptID("organisationId", orgID, "Organisation"); err != nil {
		return nil, err
	}
	if f.DepartmentID, err = args.OptID("departmentId", deptID, "Department"); err != nil {
		return nil, err
	}
	rows, err := casedata.ListStaff(ctx, r.Tx(), org, f, p)
	if err != nil {
		return nil, err
	}
	return &model.StaffConnection{
		Edges:      lists.Edges(rows, func(c string, n casedata.Staff) model.StaffEdge { return model.StaffEdge{Cursor: c, Node: n} }),
		PageInfo:   lists.PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// DueActions lists what is due on the caller's cases (MINE) or its team's (TEAM: its
// department's, else its organisation's).
func DueActions(ctx context.Context, scope *model.WorkScope, overdueOnly *bool, kind *string, p store.Page) (*model.DueActionConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.CheckFilter("dueActions", true, access.CategoryCase); err != nil {
		return nil, err
	}
	f := casedata.DueFilter{Today: r.Today(), OverdueOnly: overdueOnly != nil && *overdueOnly}
	if kind != nil {
		f.Kinds = []string{*kind}
	}
	if r.Plan() != nil && !r.Plan().CanRead(access.CategorySocioEconomic) {
		kept := []string{}
		for _, k := range append(f.Kinds, "REVIEW_STALE_CASE") {
			if !slices.Contains(deadlineKinds, k) && (kind == nil || k == *kind) {
				kept = append(kept, k)
			}
		}
		if f.Kinds = kept; len(kept) == 0 {
			f.Kinds = []string{"NONE"}
		}
	}
	team := scope != nil && *scope == model.WorkScopeTeam
	staffID := r.StaffID()
	switch {
	case staffID == "" && r.Plan() != nil:
		return nil, apperr.Input("for", "needs a caller with a staff record")
	case !team:
		if staffID != "" {
			f.StaffID = &staffID
		}
	default:
		s, err := request.Optional(ctx, loaders.Staff, &staffID)
		if err != nil {
			return nil, err
		}
		if s != nil && s.DepartmentID != nil {
			f.DepartmentID = s.DepartmentID
		} else if s != nil {
			f.OrganisationID = &s.OrganisationID
		}
	}
	rows, err := casedata.ListDueActions(ctx, r.Tx(), f, p)
	if err != nil {
		return nil, err
	}
	for _, x := range rows.Rows {
		loaders.Cases(r.Loaders()).Prime(x.Node.CaseID)
	}
	return &model.DueActionConnection{
		Edges: lists.Edges(rows, func(c string, n casedata.DueAction) model.DueActionEdge {
			return model.DueActionEdge{Cursor: c, Node: n}
		}),
		PageInfo:   lists.PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// Rows and columns of the due actions' counts.
var (
	dueKinds   = []string{"CONVENE", "SIGN_PACT", "REVIEW_STALE_CASE"}
	dueColumns = []string{"DUE", "OVERDUE"}
)

// DueActionCounts counts due actions per kind, due and overdue, suppressed: a linked set
// of its own, like a round's services (no published figure adds its cells to the case
// load's).
func DueActionCounts(ctx context.Context) (*model.CountTable, error) {
	r, err := request.Require(ctx, access.OpReadAggregates)
	if err != nil {
		return nil, err
	}
	raw, err := casedata.DueActionCounts(ctx, r.Tx(), r.Today())
	if err != nil {
		return nil, err
	}
	cells := make([]accessdata.AggregateCell, 0, len(raw))
	for _, c := range raw {
		col := "DUE"
		if c.Overdue {
			col = "OVERDUE"
		}
		cells = append(cells, accessdata.AggregateCell{Row: c.Kind, RowLabel: c.Kind, Column: col, Count: c.Count})
	}
	labels := map[string]string{"CONVENE": "Convene the household", "SIGN_PACT": "Sign the inclusion pact",
		"REVIEW_STALE_CASE": "Review a case with nothing active"}
	st, err := access.Suppress(access.Table{Counts: aggregates.Counts(cells, dueKinds, dueColumns), Columns: len(dueColumns), RowTotals: true,
		ColumnTotals: true, GrandTotal: true}, r.SuppressionThreshold())
	if err != nil {
		return nil, err
	}
	return aggregates.CountTable(st, dueKinds, labels, dueColumns, r.SuppressionThreshold()), nil
}
