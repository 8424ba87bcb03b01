package rights

import (
	"context"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// RestrictInput restricts the processing of a person's data (Art. 18).
type RestrictInput struct {
	PersonID  string
	RequestID *string
	Reason    string
	// LegalClaim and ClaimOrganisationIDs: the legal claim the data is still processed
	// for, and the organisations that may (Art. 18(2)); both or neither.
	LegalClaim           *string
	ClaimOrganisationIDs []string
}

// Restrict records a restriction: from the next request on, the person's data is read
// only by the data protection officer and the organisations named for the legal claim.
func Restrict(ctx context.Context, tx *store.Tx, in RestrictInput, actor string) (rightsdata.Restriction, error) {
	var c apperr.Collector
	person := decode(&c, "input.personId", in.PersonID, "Person")
	var request *string
	if in.RequestID != nil {
		if id := decode(&c, "input.requestId", *in.RequestID, "RightsRequest"); id != "" {
			request = &id
		}
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		c.Add("input.reason", "is required: those refused are told it")
	case len([]rune(reason)) > 2000:
		c.Add("input.reason", "is longer than 2000 characters")
	}
	var claim *string
	if in.LegalClaim != nil && strings.TrimSpace(*in.LegalClaim) != "" {
		v := strings.TrimSpace(*in.LegalClaim)
		claim = &v
	}
	orgs := make([]string, 0, len(in.ClaimOrganisationIDs))
	for _, g := range in.ClaimOrganisationIDs {
		if id := decode(&c, "input.claimOrganisationIds", g, "Organisation"); id != "" {
			orgs = append(orgs, id)
		}
	}
	if (claim == nil) != (len(in.ClaimOrganisationIDs) == 0) {
		c.Add("input.legalClaim", "a legal claim and the organisations processing for it (claimOrganisationIds) go together")
	}
	if person != "" {
		ps, err := casedata.PersonsByIDs(ctx, tx, []string{person})
		if err != nil {
			return rightsdata.Restriction{}, err
		}
		if len(ps) == 0 {
			c.Add("input.personId", "does not exist or is not visible to you")
		}
		active, err := rightsdata.Restrictions(ctx, tx, []string{person}, true)
		if err != nil {
			return rightsdata.Restriction{}, err
		}
		if len(active) > 0 {
			c.Addf("input.personId", "is restricted already, since %s", active[0].Since.Format(time.DateOnly))
		}
	}
	if request != nil {
		rs, err := rightsdata.RequestsByIDs(ctx, tx, []string{*request})
		if err != nil {
			return rightsdata.Restriction{}, err
		}
		if len(rs) == 0 {
			c.Add("input.requestId", "does not exist or is not visible to you")
		} else if rs[0].PersonID == nil || *rs[0].PersonID != person {
			c.Add("input.requestId", "is another person's request")
		}
	}
	if len(orgs) > 0 {
		found, err := casedata.OrganisationsByIDs(ctx, tx, orgs)
		if err != nil {
			return rightsdata.Restriction{}, err
		}
		if len(found) != len(uniq(orgs)) {
			c.Add("input.claimOrganisationIds", "lists an organisation that does not exist")
		}
	}
	if err := c.Err(); err != nil {
		return rightsdata.Restriction{}, err
	}
	id, err := rightsdata.RestrictProcessing(ctx, tx, rightsdata.NewRestriction{PersonID: person, RequestID: request, Reason: reason,
		LegalClaim: claim, ClaimOrganisationIDs: orgs, CreatedBy: actor})
	if err != nil {
		return rightsdata.Restriction{}, err
	}
	return loadRestriction(ctx, tx, id)
}

// LiftInput lifts a restriction.
type LiftInput struct {
	RestrictionID string
	Reason        string
}

// Lift ends an active restriction; the person must have been told before (Art. 18(3)).
func Lift(ctx context.Context, tx *store.Tx, in LiftInput, actor string) (rightsdata.Restriction, error) {
	var c apperr.Collector
	id := decode(&c, "input.restrictionId", in.RestrictionID, "ProcessingRestriction")
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		c.Add("input.reason", "is required")
	case len([]rune(reason)) > 2000:
		c.Add("input.reason", "is longer than 2000 characters")
	}
	if id != "" {
		rs, err := rightsdata.RestrictionsByIDs(ctx, tx, []string{id})
		if err != nil {
			return rightsdata.Restriction{}, err
		}
		switch {
		case len(rs) == 0:
			c.Add("input.restrictionId", "does not exist or is not visible to you")
		case !rs[0].Active():
			c.Addf("input.restrictionId", "was lifted on %s", rs[0].LiftedAt.Format(time.DateOnly))
		}
	}
	if err := c.Err(); err != nil {
		return rightsdata.Restriction{}, err
	}
	if err := rightsdata.LiftRestriction(ctx, tx, id, actor, reason); err != nil {
		return rightsdata.Restriction{}, err
	}
	return loadRestriction(ctx, tx, id)
}

func loadRestriction(ctx context.Context, tx *store.Tx, id string) (rightsdata.Restriction, error) {
	rs, err := rightsdata.RestrictionsByIDs(ctx, tx, []string{id})
	if err != nil {
		return rightsdata.Restriction{}, err
	}
	if len(rs) == 0 {
		return rightsdata.Restriction{}, apperr.ErrNotFound
	}
	return rs[0], nil
}

func uniq(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
