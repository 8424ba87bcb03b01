package graph

import (
	"context"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/rights"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// purposes lists the purposes the caller may declare with their legal bases. A hub run
// without access control answers every purpose of the embedded policy.
func purposes(ctx context.Context) ([]model.PurposeLegalBasis, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	var declared access.Purpose
	var bases []access.LegalBasis
	if p := r.access.plan; p != nil {
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

// actor names who acts in the request's records of data-subject requests.
func (a *Access) actor() string {
	if a.plan == nil {
		return "hub"
	}
	return a.plan.Principal().Subject
}

// rightsCommand runs a data-subject request command; CheckMutation has already checked
// the operation. The person the request names is logged as touched.
func rightsCommand(ctx context.Context, cmd func(*Request) (store.RightsRequest, error)) (*model.RightsRequestPayload, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	rr, err := cmd(r)
	if err != nil {
		return nil, err
	}
	if rr.PersonID != nil {
		r.access.touch(*rr.PersonID)
	}
	return &model.RightsRequestPayload{Request: rr}, nil
}

// rightsRequests lists data-subject requests for the data protection officer. The
// database shows them only to plans with manage_rights_requests; the plan is checked
// here first so anyone else is told FORBIDDEN rather than shown none.
func rightsRequests(ctx context.Context, person *string, openOnly, overdue *bool, on *time.Time, first *int) ([]store.RightsRequest, error) {
	r, err := requireOperation(ctx, access.OpManageRightsRequests)
	if err != nil {
		return nil, err
	}
	f := store.RightsRequestFilter{Limit: DefaultAccessLogPage}
	if first != nil {
		if *first < 1 || *first > store.MaxPageSize {
			return nil, apperr.Inputf("first", "must be between 1 and %d, got %d", store.MaxPageSize, *first)
		}
		f.Limit = *first
	}
	id, err := optID("person", person, "Person")
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
		day := r.access.today
		if on != nil {
			day = *on
		}
		f.OverdueOn = &day
	}
	rows, err := r.Tx.RightsRequests(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, rr := range rows {
		if rr.PersonID != nil {
			// Who asked what is the person's data too: the listing is logged.
			r.access.record(*rr.PersonID, 0, false)
		}
	}
	if rows == nil {
		rows = []store.RightsRequest{}
	}
	return rows, nil
}

func createRightsRequest(ctx context.Context, in rights.CreateInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *Request) (store.RightsRequest, error) {
		return rights.Create(ctx, r.Tx, in, r.access.actor(), r.access.today)
	})
}

func assignRightsRequest(ctx context.Context, in rights.AssignInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *Request) (store.RightsRequest, error) {
		return rights.Assign(ctx, r.Tx, in, r.access.actor())
	})
}

func extendRightsRequest(ctx context.Context, in rights.ExtendInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *Request) (store.RightsRequest, error) {
		return rights.Extend(ctx, r.Tx, in, r.access.actor(), r.access.today)
	})
}

func closeRightsRequest(ctx context.Context, in rights.CloseInput) (*model.RightsRequestPayload, error) {
	return rightsCommand(ctx, func(r *Request) (store.RightsRequest, error) {
		return rights.Close(ctx, r.Tx, in, r.access.actor(), r.access.today)
	})
}

// rightsRequestOverdue: open and past its deadline on the request's day.
func rightsRequestOverdue(ctx context.Context, obj *store.RightsRequest) (bool, error) {
	r, err := request(ctx)
	if err != nil {
		return false, err
	}
	return rights.Overdue(*obj, r.access.today), nil
}

// restricted explains a person that did not load: when the caller could see the person
// but for a restriction of processing (Art. 18), it is told so, since when and why,
// rather than that the person does not exist. Otherwise nil: not found, as before.
func restricted(ctx context.Context, r *Request, gid, personID string) error {
	rs, err := r.Tx.Restrictions(ctx, []string{personID}, true)
	if err != nil || len(rs) == 0 {
		return err
	}
	return &apperr.RestrictedError{Person: gid, Since: rs[0].Since, Reason: rs[0].Reason}
}

// processingRestrictions lists restrictions for the data protection officer.
func processingRestrictions(ctx context.Context, person *string, activeOnly *bool) ([]store.Restriction, error) {
	r, err := requireOperation(ctx, access.OpManageRightsRequests)
	if err != nil {
		return nil, err
	}
	id, err := optID("person", person, "Person")
	if err != nil {
		return nil, err
	}
	var persons []string
	if id != nil {
		persons = []string{*id}
	}
	rows, err := r.Tx.Restrictions(ctx, persons, activeOnly == nil || *activeOnly)
	if err != nil {
		return nil, err
	}
	for _, x := range rows {
		r.access.record(x.PersonID, 0, false)
	}
	if rows == nil {
		rows = []store.Restriction{}
	}
	return rows, nil
}

// restrictionCommand runs a restriction command; CheckMutation has checked the plan.
func restrictionCommand(ctx context.Context, cmd func(*Request) (store.Restriction, error)) (*model.ProcessingRestrictionPayload, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	x, err := cmd(r)
	if err != nil {
		return nil, err
	}
	r.access.touch(x.PersonID)
	return &model.ProcessingRestrictionPayload{Restriction: x}, nil
}

func restrictProcessing(ctx context.Context, in rights.RestrictInput) (*model.ProcessingRestrictionPayload, error) {
	return restrictionCommand(ctx, func(r *Request) (store.Restriction, error) {
		return rights.Restrict(ctx, r.Tx, in, r.access.actor())
	})
}

func liftRestriction(ctx context.Context, in rights.LiftInput) (*model.ProcessingRestrictionPayload, error) {
	return restrictionCommand(ctx, func(r *Request) (store.Restriction, error) {
		return rights.Lift(ctx, r.Tx, in, r.access.actor())
	})
}

func erasePerson(ctx context.Context, in rights.EraseInput) (*model.ErasePersonPayload, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	e, err := rights.Erase(ctx, r.Tx, in, r.access.actor(), r.access.today)
	if err != nil {
		return nil, err
	}
	r.access.touch(e.PersonID)
	return &model.ErasePersonPayload{Person: gid("Person", e.PersonID), Detail: e.Detail}, nil
}

// exportCategories are the categories a subject access export reads: all of them.
var exportCategories = access.Categories()

// subjectAccessExport builds the Art. 15 export through the request's transaction, so
// row security holds; the plan must handle rights requests and read every category, and
// the access log records the person with every category read.
func subjectAccessExport(ctx context.Context, person string) (*model.SubjectAccessExport, error) {
	r, err := requirePlan(ctx, func(p *access.Plan) error {
		if err := p.CheckOperation(access.OpManageRightsRequests); err != nil {
			return err
		}
		return p.CheckRead(exportCategories...)
	})
	if err != nil {
		return nil, err
	}
	id, err := optID("person", &person, "Person")
	if err != nil {
		return nil, err
	}
	e, err := rights.BuildExport(ctx, r.Tx, *id, time.Now())
	if err != nil {
		return nil, err
	}
	var bases []access.LegalBasis
	if p := r.access.plan; p != nil {
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
	r.access.record(*id, bits, false)
	js, err := e.JSON()
	if err != nil {
		return nil, err
	}
	html, err := e.HTML()
	if err != nil {
		return nil, err
	}
	return &model.SubjectAccessExport{Person: gid("Person", *id), GeneratedAt: e.GeneratedAt, JSON: js, HTML: html}, nil
}

func rectifyPerson(ctx context.Context, in rights.RectifyInput) (*model.RectifyPersonPayload, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := rights.Rectify(ctx, r.Tx, in, r.access.actor())
	if err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []store.Rectification{}
	}
	for _, ch := range changes {
		r.access.touch(ch.PersonID)
	}
	return &model.RectifyPersonPayload{Changes: changes}, nil
}

// personRectifications is a person's correction history, for the DPO; logged.
func personRectifications(ctx context.Context, person string) ([]store.Rectification, error) {
	r, err := requirePlan(ctx, func(p *access.Plan) error {
		if err := p.CheckOperation(access.OpManageRightsRequests); err != nil {
			return err
		}
		return p.CheckRead(access.CategoryIdentity, access.CategoryContact, access.CategoryDemographic)
	})
	if err != nil {
		return nil, err
	}
	id, err := optID("person", &person, "Person")
	if err != nil {
		return nil, err
	}
	out, err := r.Tx.Rectifications(ctx, *id)
	if err != nil {
		return nil, err
	}
	r.access.record(*id, access.CategoryIdentity.Bit()|access.CategoryContact.Bit()|access.CategoryDemographic.Bit(), false)
	if out == nil {
		out = []store.Rectification{}
	}
	return out, nil
}

func recordConsent(ctx context.Context, in rights.RecordConsentInput) (*model.ConsentRecordPayload, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := rights.RecordConsent(ctx, r.Tx, in, r.access.actor(), time.Now())
	if err != nil {
		return nil, err
	}
	r.access.touch(rec.PersonID)
	return &model.ConsentRecordPayload{Record: rec}, nil
}

func withdrawConsent(ctx context.Context, in rights.WithdrawConsentInput) (*model.ConsentRecordPayload, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := rights.WithdrawConsent(ctx, r.Tx, in, r.access.actor())
	if err != nil {
		return nil, err
	}
	r.access.touch(rec.PersonID)
	return &model.ConsentRecordPayload{Record: rec}, nil
}

// consentRecords lists a person's consents; logged like a read of the person.
func consentRecords(ctx context.Context, person string) ([]store.ConsentRecord, error) {
	r, err := requireOperation(ctx, access.OpRecordConsent)
	if err != nil {
		return nil, err
	}
	id, err := optID("person", &person, "Person")
	if err != nil {
		return nil, err
	}
	out, err := r.Tx.ConsentRecordsOfPerson(ctx, *id)
	if err != nil {
		return nil, err
	}
	r.access.record(*id, 0, false)
	if out == nil {
		out = []store.ConsentRecord{}
	}
	return out, nil
}
