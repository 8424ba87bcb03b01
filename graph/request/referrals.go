package request

import (
	"context"
	"fmt"
	"sync"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
)

// referralLimits narrows the plan on what the caller's organisation sees only through
// accepted referrals: on such a case (and its persons and household, when the
// organisation sees them through nothing else) the plan is intersected with the
// categories the referrals name. Loaded once per request, on the first field that needs
// it, in one statement.
type referralLimits struct {
	once sync.Once
	// none: the plan's rows are never narrowed by referrals (no organisation, or a row
	// scope referrals do not apply to), settled once rather than at every field.
	none bool
	err  error
	// nil: nothing narrowed.
	cases, persons, households map[string]access.CategorySet
}

func toSets(m map[string][]string) map[string]access.CategorySet {
	out := make(map[string]access.CategorySet, len(m))
	for k, cats := range m {
		var s access.CategorySet
		for _, c := range cats {
			if cat, err := access.ParseCategory(c); err == nil {
				s |= cat.Bit()
			}
		}
		out[k] = s
	}
	return out
}

// limits returns the request's referral limits; nil when the plan names no organisation
// whose row scope follows cases (nothing to narrow).
func (r *Request) limits(ctx context.Context) (*referralLimits, error) {
	plan := r.plan
	if plan == nil || r.tx == nil {
		return nil, nil
	}
	l := r.referrals
	l.once.Do(func() {
		switch plan.Rows() {
		case access.RowsAssigned, access.RowsProvider, access.RowsOrganisation, access.RowsTerritory:
			l.none = plan.Principal().OrganisationID == ""
		default:
			l.none = true
		}
		if l.none {
			return
		}
		var got casedata.ReferralLimits
		got, l.err = casedata.ReferralLimitsOf(ctx, r.tx, plan.Principal().OrganisationID)
		if l.err == nil && !got.Empty() {
			l.cases, l.persons, l.households = toSets(got.Cases), toSets(got.Persons), toSets(got.Households)
		}
	})
	if l.none {
		return nil, nil
	}
	return l, l.err
}

// limitOf returns the categories a referral lets the request read of obj, and whether
// obj is narrowed at all.
func (l *referralLimits) limitOf(obj any) (access.CategorySet, bool) {
	if l == nil || (l.cases == nil && l.persons == nil && l.households == nil) {
		return 0, false
	}
	var m map[string]access.CategorySet
	var key string
	switch o := obj.(type) {
	case *casedata.Case:
		m, key = l.cases, o.ID
	case *casedata.Project:
		m, key = l.cases, o.CaseID
	case *casedata.Intervention:
		m, key = l.cases, o.CaseID
	case *casedata.Assessment:
		m, key = l.cases, o.CaseID
	case *casedata.AssessmentScore:
		m, key = l.cases, o.CaseID
	case *casedata.ActivityEntry:
		m, key = l.cases, o.CaseID
	case *casedata.CaseOrganisation:
		m, key = l.cases, o.CaseID
	case *casedata.CaseParticipation:
		m, key = l.cases, o.CaseID
	case *casedata.CaseEvent:
		m, key = l.cases, o.CaseID
	case *casedata.Referral:
		m, key = l.cases, o.CaseID
	case *casedata.Transfer:
		m, key = l.cases, o.CaseID
	case *casedata.DueAction:
		m, key = l.cases, o.CaseID
	case *casedata.Person:
		m, key = l.persons, o.ID
	case *casedata.Participation:
		m, key = l.persons, o.PersonID
	case *casedata.Household:
		m, key = l.households, o.ID
	case *casedata.HouseholdMember:
		m, key = l.households, o.HouseholdID
	case *casedata.PersonDataChange:
		m, key = l.persons, o.PersonID
	default:
		if id, ok := registryPerson(obj); ok {
			m, key = l.persons, id
		}
	}
	s, ok := m[key]
	return s, ok
}

// registryPerson is the person a registry record names, when the hub holds them.
func registryPerson(obj any) (string, bool) {
	var meta *registrydata.Meta
	switch o := obj.(type) {
	case *registrydata.BenefitCase:
		meta = &o.Meta
	case *registrydata.ISEE:
		meta = &o.Meta
	case *registrydata.LabourStatus:
		meta = &o.Meta
	case *registrydata.EmploymentEvent:
		meta = &o.Meta
	case *registrydata.SchoolRecord:
		meta = &o.Meta
	case *registrydata.BenefitMember:
		return o.PersonID, o.PersonID != ""
	}
	if meta == nil || meta.PersonID == nil {
		return "", false
	}
	return *meta.PersonID, true
}

// checkReferral refuses a field of category cat (about a minor: also minors' data) on
// an object the caller sees through a referral that does not name it.
func (r *Request) checkReferral(ctx context.Context, obj any, cat access.Category, minor bool) error {
	l, err := r.limits(ctx)
	if err != nil || l == nil {
		return err
	}
	allowed, narrowed := l.limitOf(obj)
	if !narrowed {
		return nil
	}
	if _, ok := obj.(*casedata.Case); ok {
		// The case file itself (its reference, status, team) tells no one's age; the
		// person's own fields are asked about on the person.
		minor = false
	}
	for _, c := range access.RequiredForPerson(cat, minor) {
		if !allowed.Has(c) {
			return &access.DeniedError{Reason: fmt.Sprintf("your organisation takes part in this case through a referral that does not share %s data", c)}
		}
	}
	return nil
}

// referralHidesMinors reports whether obj is narrowed by a referral that does not share
// minors' data: its person's age then matters, and is worked out.
func (r *Request) referralHidesMinors(ctx context.Context, obj any) bool {
	l, err := r.limits(ctx)
	if err != nil || l == nil {
		return err != nil
	}
	if _, ok := obj.(*casedata.Case); ok {
		return false
	}
	allowed, narrowed := l.limitOf(obj)
	return narrowed && !allowed.Has(access.CategoryMinors)
}

// caseGuard is the workflow's guard on writes (casework.Actor.Guard): a command may write
// to a case the caller's organisation takes part in through referrals only the
// categories they name.
func (r *Request) caseGuard(ctx context.Context, caseID string) error {
	l, err := r.limits(ctx)
	if err != nil || l == nil {
		return err
	}
	allowed, narrowed := l.cases[caseID]
	if !narrowed {
		return nil
	}
	_, _, written := r.Touched()
	for _, c := range written {
		if !allowed.Has(c) {
			return &access.DeniedError{Reason: fmt.Sprintf("your organisation takes part in this case through a referral that does not share %s data", c)}
		}
	}
	return nil
}

// Actor is the request's principal as the workflow sees it.
func (r *Request) Actor() casework.Actor {
	a := casework.Actor{StaffID: r.StaffID(), Guard: r.caseGuard}
	if r.plan != nil {
		a.OrganisationID = r.plan.Principal().OrganisationID
	}
	return a
}

// ActorName names who acts in the request's records of data-subject requests: the
// caller's subject, or the hub when it runs open.
func (r *Request) ActorName() string {
	if r.plan == nil {
		return "hub"
	}
	return r.plan.Principal().Subject
}
