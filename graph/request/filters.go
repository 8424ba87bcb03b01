package request

import (
	"context"
	"errors"
	"fmt"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// A filter is a read: a principal filters, searches and looks up only by what it may read,
// and a refused filter runs no statement (FORBIDDEN, naming the filter). A search also
// matches only the persons whose data the principal may read: without minors' data, only
// adults, so no answer tells it that a minor is known to the hub.

// CheckFilter refuses a filter on categories the plan may not read.
func (r *Request) CheckFilter(field string, set bool, cats ...access.Category) error {
	if !set || r.plan == nil {
		return nil
	}
	var de *access.DeniedError
	if err := r.plan.CheckRead(cats...); errors.As(err, &de) {
		return &access.DeniedError{Reason: fmt.Sprintf("%s: a filter reads what it matches, and %s", field, de.Reason)}
	} else if err != nil {
		return err
	}
	return nil
}

// SearchAges checks a search by name or tax code (identity data) and says whom it may
// match: every person, only adults when the plan may not read minors' data, only minors
// when it reads identity about minors alone.
func (r *Request) SearchAges(ctx context.Context, field string, search *string) (who casedata.SearchAges, err error) {
	if search == nil || *search == "" || r.plan == nil {
		return who, nil
	}
	plan := r.plan
	if plan.CanReadMinorsOnly(access.CategoryIdentity) && plan.CanRead(access.CategoryMinors) {
		// Identity only about minors (the school liaison): the search matches only them.
		who.MinorsBornAfter = r.adultsBornBy()
		return who, nil
	}
	if err := r.CheckFilter(field, true, access.CategoryIdentity); err != nil {
		return who, err
	}
	if !plan.CanRead(access.CategoryMinors) {
		who.AdultsBornBy = r.adultsBornBy()
	}
	// Nor a person seen only through a referral that does not share identity data.
	l, err := r.limits(ctx)
	if err != nil {
		return who, err
	}
	if l != nil {
		for id, cats := range l.persons {
			if !cats.Has(access.CategoryIdentity) {
				who.Exclude = append(who.Exclude, id)
			}
		}
	}
	return who, nil
}

// Readable reports whether the request may read category c of obj: the plan, and the
// referral the caller's organisation sees obj through.
func (r *Request) Readable(ctx context.Context, obj any, c access.Category) bool {
	if r.plan == nil {
		return true
	}
	return r.plan.CanRead(c) && r.checkReferral(ctx, obj, c, false) == nil
}

// Minor reports whether p is under 18 on the request's date (see CategoryDirective).
func (r *Request) Minor(p *casedata.Person) bool { return r.personSubject(p).minor }
