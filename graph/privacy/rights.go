// Package privacy answers the data protection side of the API: the purposes and legal
// bases, data-subject requests (Art. 15-18 GDPR: export, rectification, restriction,
// erasure), consent records and the access log, each checked against the request's plan
// and itself recorded in the request's disclosure record.
package privacy

import (
	"context"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/graph/args"
	"github.com/ponte-hub/ponte/graph/lists"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/rights"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Purposes lists the purposes the caller may declare with their legal bases. A hub run
// without access control answers every purpose of the embedded policy.
func Purposes(ctx context.Context) ([]model.PurposeLegalBasis, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	var declared access.Purpose
	var bases []access.LegalBasis
	if p := r.Plan(); p != nil {
		declared = p.Principal().Purpose
		bases = p.LegalBases()
	} else {
		pol, err := access.DefaultPolicy()
		if err != nil {
			return nil, err
		}
		bases = pol.LegalBases()
	}
	out := make([]model.PurposeLegalBasis, 0, len(bases))
	for _, b := range bases {
		m := model.PurposeLegalBasis{Purpose: string(b.Purpose), Declared: b.Purpose == declared,
			Basis: strings.ToUpper(string(b.Basis)), Article: b.Article, Law: b.Law}
		if b.Special != "" {
			s := b.Special
			m.SpecialCategories = &s
		}
		out = append(out, m)
	}
	return out, nil
}

// rightsCommand runs a data-subject request command; CheckMutation has already checked
// the operation. The person the request names is logged as touched.
func rightsCommand(ctx context.Context, cmd func(*request.Request) (rightsdata.Request, error)) (*model.RightsRequestPayload, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	rr, err := cmd(r)
	if err != nil {
		return nil, err
	}
	if rr.PersonID != nil {
		r.RecordChanged(*rr.PersonID)
	}
	return &model.RightsRequestPayload{Request: rr}, nil
}

// RightsRequests lists data-subject requests for the data protection officer. The
// database shows them only to plans with manage_rights_requests; the plan is checked
// here first so anyone else is told FORBIDDEN rather than shown none.
func RightsRequests(ctx context.Context, person *string, openOnly, overdue *bool, on *time.Time, first *int) ([]rightsdata.Request, error) {
	r, err := request.Require(ctx, access.OpManageRightsRequests)
	if err != nil {
		return nil, err
	}
	f := rightsdata.RequestFilter{Limit: lists.DefaultAccessLogPage}
	if first != nil {
		if *first < 1 || *first > store.MaxPageSize {
			return nil, apperr.Inputf("first", "must be between 1 and %d, got %d", store.MaxPageSize, *first)
		}
		f.Limit = *first
	}
	id, err := args.OptID("person", person, "Person")
	if err != nil {
		return nil, err
	}
	if id != nil {
		f.PersonID = *id
	}
	f.OpenOnly = openOnly != nil && *openOnly
	if on != nil && (overdue == nil || !*overdue) {
		return nil, apperr.Input("on", "is the day overdue requests are counted on: pass overdue: true with it")
	}
	if overdue != nil && *overdue {
		day := r.Today()
		if on != nil {
			day = *on
		}
		f.OverdueOn = &day
	}
	rows, err := rightsdata.Requests(ctx, r.Tx(), f)
	if err != nil {
		return nil, err
	}
	for _, rr := range rows {
		if rr.PersonID != nil {
			// Who asked what is the person's data too: the listing is logged.
			r.RecordRead(*rr.PersonID, 0)
		}
	}
	if rows == nil {
		rows = []rightsdata.Request{}
	}
	return rows, nil
}

// CreateRightsRequest records a data-subject request, due by the statutory deadline.
func CreateRightsRequest(ctx context.Context, in rights.CreateInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *request.Request) (rightsdata.Request, error) {
		return rights.Create(ctx, r.Tx(), in, r.ActorName(), r.Today())
	})
}

// AssignRightsRequest assigns a data-subject request to who handles it.
func AssignRightsRequest(ctx context.Context, in rights.AssignInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *request.Request) (rightsdata.Request, error) {
		return rights.Assign(ctx, r.Tx(), in, r.ActorName())
	})
}

// ExtendRightsRequest extends a data-subject request's deadline, with its reason.
func ExtendRightsRequest(ctx context.Context, in rights.ExtendInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *request.Request) (rightsdata.Request, error) {
		return rights.Extend(ctx, r.Tx(), in, r.ActorName(), r.Today())
	})
}

// CloseRightsRequest closes a data-subject request with its outcome.
func CloseRightsRequest(ctx context.Context, in rights.CloseInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *request.Request) (rightsdata.Request, error) {
		return rights.Close(ctx, r.Tx(), in, r.ActorName(), r.Today())
	})
}

// RightsRequestOverdue: open and past its deadline on the request's day.
func RightsRequestOverdue(ctx context.Context, obj *rightsdata.Request) (bool, error) {
	r, err := request.From(ctx)
	if err != nil {
		return false, err
	}
	return rights.Overdue(*obj, r.Today()), nil
}

// ProcessingRestrictions lists restrictions for the data protection officer.
func ProcessingRestrictions(ctx context.Context, person *string, activeOnly *bool) ([]rightsdata.Restriction, error) {
	r, err := request.Require(ctx, access.OpManageRightsRequests)
	if err != nil {
		return nil, err
	}
	id, err := args.OptID("person", person, "Person")
	if err != nil {
		return nil, err
	}
	var persons []string
	if id != nil {
		persons = []string{*id}
	}
	rows, err := rightsdata.Restrictions(ctx, r.Tx(), persons, activeOnly == nil || *activeOnly)
	if err != nil {
		return nil, err
	}
	for _, x := range rows {
		r.RecordRead(x.PersonID, 0)
	}
	if rows == nil {
		rows = []rightsdata.Restriction{}
	}
	return rows, nil
}

// restrictionCommand runs a restriction command; CheckMutation has checked the plan.
func restrictionCommand(ctx context.Context, cmd func(*request.Request) (rightsdata.Restriction, error)) (*model.ProcessingRestrictionPayload, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	x, err := cmd(r)
	if err != nil {
		return nil, err
	}
	r.RecordChanged(x.PersonID)
	return &model.ProcessingRestrictionPayload{Restriction: x}, nil
}

// RestrictProcessing restricts the processing of a person's data (Art. 18).
func RestrictProcessing(ctx context.Context, in rights.RestrictInput) (*model.ProcessingRestrictionPayload, error) {
	return restrictionCommand(ctx, func(r *request.Request) (rightsdata.Restriction, error) {
		return rights.Restrict(ctx, r.Tx(), in, r.ActorName())
	})
}

// LiftRestriction lifts a restriction of processing.
func LiftRestriction(ctx context.Context, in rights.LiftInput) (*model.ProcessingRestrictionPayload, error) {
	return restrictionCommand(ctx, func(r *request.Request) (rightsdata.Restriction, error) {
		return rights.Lift(ctx, r.Tx(), in, r.ActorName())
	})
}

// ErasePerson erases a person's data, keeping what an obligation retains.
func ErasePerson(ctx context.Context, in rights.EraseInput) (*model.ErasePersonPayload, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	e, err := rights.Erase(ctx, r.Tx(), in, r.ActorName(), r.Today())
	if err != nil {
		return nil, err
	}
	r.RecordChanged(e.PersonID)
	return &model.ErasePersonPayload{Person: globalid.Encode("Person", e.PersonID), Detail: e.Detail}, nil
}

// exportCategories are the categories a subject access export reads: all of them.
var exportCategories = access.Categories()

// SubjectAccessExport builds the Art. 15 export through the request's transaction, so
// row security holds; the plan must handle rights requests and read every category, and
// the access log records the person with every category read.
func SubjectAccessExport(ctx context.Context, person string) (*model.SubjectAccessExport, error) {
	r, err := request.RequirePlan(ctx, func(p *access.Plan) error {
		if err := p.CheckOperation(access.OpManageRightsRequests); err != nil {
			return err
		}
		return p.CheckRead(exportCategories...)
	})
	if err != nil {
		return nil, err
	}
	id, err := args.OptID("person", &person, "Person")
	if err != nil {
		return nil, err
	}
	e, err := rights.BuildExport(ctx, r.Tx(), *id, time.Now())
	if err != nil {
		return nil, err
	}
	var bases []access.LegalBasis
	if p := r.Plan(); p != nil {
		bases = p.PolicyLegalBases()
	} else if pol, err := access.DefaultPolicy(); err == nil {
		bases = pol.LegalBases()
	}
	for _, b := range bases {
		e.Purposes = append(e.Purposes, b)
	}
	var bits access.CategorySet
	for _, c := range exportCategories {
		bits |= c.Bit()
	}
	r.RecordRead(*id, bits)
	js, err := e.JSON()
	if err != nil {
		return nil, err
	}
	html, err := e.HTML()
	if err != nil {
		return nil, err
	}
	return &model.SubjectAccessExport{Person: globalid.Encode("Person", *id), GeneratedAt: e.GeneratedAt, JSON: js, HTML: html}, nil
}

// RectifyPerson corrects a person's data; each change is kept in their history.
func RectifyPerson(ctx context.Context, in rights.RectifyInput) (*model.RectifyPersonPayload, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := rights.Rectify(ctx, r.Tx(), in, r.ActorName())
	if err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []rightsdata.Rectification{}
	}
	for _, ch := range changes {
		r.RecordChanged(ch.PersonID)
	}
	return &model.RectifyPersonPayload{Changes: changes}, nil
}

// PersonRectifications is a person's correction history, for the DPO; logged.
func PersonRectifications(ctx context.Context, person string) ([]rightsdata.Rectification, error) {
	r, err := request.RequirePlan(ctx, func(p *access.Plan) error {
		if err := p.CheckOperation(access.OpManageRightsRequests); err != nil {
			return err
		}
		return p.CheckRead(access.CategoryIdentity, access.CategoryContact, access.CategoryDemographic)
	})
	if err != nil {
		return nil, err
	}
	id, err := args.OptID("person", &person, "Person")
	if err != nil {
		return nil, err
	}
	out, err := rightsdata.Rectifications(ctx, r.Tx(), *id)
	if err != nil {
		return nil, err
	}
	r.RecordRead(*id, access.CategoryIdentity.Bit()|access.CategoryContact.Bit()|access.CategoryDemographic.Bit())
	if out == nil {
		out = []rightsdata.Rectification{}
	}
	return out, nil
}

// RecordConsent records a person's consent.
func RecordConsent(ctx context.Context, in rights.RecordConsentInput) (*model.ConsentRecordPayload, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := rights.RecordConsent(ctx, r.Tx(), in, r.ActorName(), time.Now())
	if err != nil {
		return nil, err
	}
	r.RecordChanged(rec.PersonID)
	return &model.ConsentRecordPayload{Record: rec}, nil
}

// WithdrawConsent withdraws a consent.
func WithdrawConsent(ctx context.Context, in rights.WithdrawConsentInput) (*model.ConsentRecordPayload, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := rights.WithdrawConsent(ctx, r.Tx(), in, r.ActorName())
	if err != nil {
		return nil, err
	}
	r.RecordChanged(rec.PersonID)
	return &model.ConsentRecordPayload{Record: rec}, nil
}

// ConsentRecords lists a person's consents; logged like a read of the person.
func ConsentRecords(ctx context.Context, person string) ([]rightsdata.ConsentRecord, error) {
	r, err := request.Require(ctx, access.OpRecordConsent)
	if err != nil {
		return nil, err
	}
	id, err := args.OptID("person", &person, "Person")
	if err != nil {
		return nil, err
	}
	out, err := rightsdata.ConsentRecordsOfPerson(ctx, r.Tx(), *id)
	if err != nil {
		return nil, err
	}
	r.RecordRead(*id, 0)
	if out == nil {
		out = []rightsdata.ConsentRecord{}
	}
	return out, nil
}
