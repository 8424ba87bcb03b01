package rights

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// ConsentMethods are how a consent may be collected.
var ConsentMethods = []string{"WRITTEN", "ELECTRONIC", "ORAL_RECORDED"}

// RecordConsentInput is a consent (or its refusal) as collected from the person.
type RecordConsentInput struct {
	PersonID                 string
	ControllerOrganisationID string
	Purposes                 []string
	DataCategories           []string
	// Refused records a refusal instead of a consent.
	Refused     *bool
	ExpiresAt   *time.Time
	Method      string
	EvidenceRef string
}

// RecordConsent checks and stores a consent. Its legal basis follows from the categories:
// Art. 9(2)(a) explicit consent when one is a special category, else Art. 6(1)(a).
func RecordConsent(ctx context.Context, tx *store.Tx, in RecordConsentInput, actor string, now time.Time) (rightsdata.ConsentRecord, error) {
	var c apperr.Collector
	person := decode(&c, "input.personId", in.PersonID, "Person")
	org := decode(&c, "input.controllerOrganisationId", in.ControllerOrganisationID, "Organisation")
	if len(in.Purposes) == 0 {
		c.Add("input.purposes", "names no purpose")
	}
	var purposes, cats []string
	for _, p := range in.Purposes {
		pu, err := access.ParsePurpose(p)
		if err != nil {
			c.Add("input.purposes", strings.TrimPrefix(err.Error(), "access: "))
			continue
		}
		if !slices.Contains(purposes, string(pu)) {
			purposes = append(purposes, string(pu))
		}
	}
	basis := "GDPR Art. 6(1)(a)"
	for _, s := range in.DataCategories {
		cat, err := access.ParseCategory(s)
		if err != nil {
			c.Add("input.dataCategories", strings.TrimPrefix(err.Error(), "access: "))
			continue
		}
		if cat == access.CategoryHealth || cat == access.CategorySpecialOther {
			basis = "GDPR Art. 9(2)(a)"
		}
		if !slices.Contains(cats, string(cat)) {
			cats = append(cats, string(cat))
		}
	}
	method := strings.TrimSpace(in.Method)
	if !slices.Contains(ConsentMethods, method) {
		c.Addf("input.method", "unknown method %q (want one of %s)", in.Method, strings.Join(ConsentMethods, ", "))
	}
	evidence := strings.TrimSpace(in.EvidenceRef)
	switch {
	case evidence == "":
		c.Add("input.evidenceRef", "is required: where the signed form or the recording is kept (Art. 7(1))")
	case len([]rune(evidence)) > 500:
		c.Add("input.evidenceRef", "is longer than 500 characters")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		c.Addf("input.expiresAt", "is not in the future (%s)", in.ExpiresAt.Format(time.RFC3339))
	}
	if person != "" {
		ps, err := casedata.PersonsByIDs(ctx, tx, []string{person})
		if err != nil {
			return rightsdata.ConsentRecord{}, err
		}
		if len(ps) == 0 {
			c.Add("input.personId", "does not exist or is not visible to you")
		}
	}
	if org != "" {
		os, err := casedata.OrganisationsByIDs(ctx, tx, []string{org})
		if err != nil {
			return rightsdata.ConsentRecord{}, err
		}
		if len(os) == 0 {
			c.Add("input.controllerOrganisationId", "does not exist")
		}
	}
	if err := c.Err(); err != nil {
		return rightsdata.ConsentRecord{}, err
	}
	n := rightsdata.NewConsent{PersonID: person, ControllerOrganisationID: org, Purposes: purposes, DataCategories: cats, LegalBasis: basis,
		State: "GIVEN", GivenAt: &now, ExpiresAt: in.ExpiresAt, Method: method, EvidenceRef: evidence, RecordedBy: actor}
	if in.Refused != nil && *in.Refused {
		n.State, n.GivenAt = "REFUSED", nil
	}
	id, err := rightsdata.RecordConsent(ctx, tx, n)
	if err != nil {
		return rightsdata.ConsentRecord{}, err
	}
	return loadConsent(ctx, tx, id)
}

// WithdrawConsentInput withdraws a consent (Art. 7(3)).
type WithdrawConsentInput struct {
	RecordID string
	Note     *string
}

// WithdrawConsent withdraws a given consent: from the next request on, it grants nothing.
func WithdrawConsent(ctx context.Context, tx *store.Tx, in WithdrawConsentInput, actor string) (rightsdata.ConsentRecord, error) {
	var c apperr.Collector
	id := decode(&c, "input.recordId", in.RecordID, "ConsentRecord")
	note := ""
	if in.Note != nil {
		note = strings.TrimSpace(*in.Note)
		if len([]rune(note)) > 2000 {
			c.Add("input.note", "is longer than 2000 characters")
		}
	}
	if id != "" {
		rs, err := rightsdata.ConsentRecordsByIDs(ctx, tx, []string{id})
		if err != nil {
			return rightsdata.ConsentRecord{}, err
		}
		switch {
		case len(rs) == 0:
			c.Add("input.recordId", "does not exist or is not visible to you")
		case rs[0].State != "GIVEN":
			c.Addf("input.recordId", "is %s, not GIVEN", rs[0].State)
		}
	}
	if err := c.Err(); err != nil {
		return rightsdata.ConsentRecord{}, err
	}
	if err := rightsdata.WithdrawConsent(ctx, tx, id, actor, note); err != nil {
		return rightsdata.ConsentRecord{}, err
	}
	return loadConsent(ctx, tx, id)
}

func loadConsent(ctx context.Context, tx *store.Tx, id string) (rightsdata.ConsentRecord, error) {
	rs, err := rightsdata.ConsentRecordsByIDs(ctx, tx, []string{id})
	if err != nil {
		return rightsdata.ConsentRecord{}, err
	}
	if len(rs) == 0 {
		return rightsdata.ConsentRecord{}, apperr.ErrNotFound
	}
	return rs[0], nil
}
