// Package referral refers a case to another organisation and transfers it, with the
// answers, ends and cancellations of both.
package referral

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Legal bases of a referral (GDPR Art. 6(1)).
var legalBases = []string{"CONSENT", "CONTRACT", "LEGAL_OBLIGATION", "VITAL_INTERESTS", "PUBLIC_TASK"}

// RequestReferralInput asks another organisation to take part in a case.
type RequestReferralInput struct {
	CaseID           string
	ToOrganisationID string
	Purpose          string
	// Categories are the data categories shared once the referral is accepted; CASE among
	// them (the receiving side must know which case it takes part in).
	Categories      []string
	LegalBasis      string
	LegalReference  *string
	ConsentGivenAt  *time.Time
	ConsentGivenBy  *string
	ConsentEvidence *string
}

// RequestReferral records the leading organisation's request that another take part in
// an open case, for a purpose and the data categories it names, on a legal basis: the
// person's consent (when, by whom, the evidence) or another basis and the law it rests
// on. Nothing is shared until the receiving organisation accepts.
func RequestReferral(ctx context.Context, tx *store.Tx, in RequestReferralInput) (casedata.Referral, error) {
	var c casework.Checker
	r := casedata.Referral{
		CaseID:           c.ID("caseId", in.CaseID, "Case"),
		ToOrganisationID: c.ID("toOrganisationId", in.ToOrganisationID, "Organisation"),
		Purpose:          c.Text("purpose", in.Purpose, 2000),
		LegalBasis:       in.LegalBasis,
		LegalReference:   c.OptText("legalReference", in.LegalReference, 500),
		ConsentGivenAt:   in.ConsentGivenAt,
		ConsentGivenBy:   c.OptText("consentGivenBy", in.ConsentGivenBy, 200),
		ConsentEvidence:  c.OptText("consentEvidence", in.ConsentEvidence, 500),
	}
	for _, name := range casework.Distinct(in.Categories) {
		cat, err := access.ParseCategory(name)
		if err != nil {
			c.Addf("input.categories", "%s is not a data category", name)
			continue
		}
		r.Categories = append(r.Categories, string(cat))
	}
	slices.Sort(r.Categories)
	if !slices.Contains(r.Categories, string(access.CategoryCase)) {
		c.Add("input.categories", "must include CASE: the receiving organisation takes part in a case")
	}
	if !slices.Contains(legalBases, in.LegalBasis) {
		c.Addf("input.legalBasis", "must be one of %s", strings.Join(legalBases, ", "))
	}
	if in.LegalBasis == "CONSENT" {
		if r.ConsentGivenAt == nil {
			c.Add("input.consentGivenAt", "is required when the basis is consent")
		} else if r.ConsentGivenAt.After(time.Now()) {
			c.Add("input.consentGivenAt", "is in the future")
		}
		if r.ConsentGivenBy == nil {
			c.Add("input.consentGivenBy", "is required when the basis is consent: the person, or who gave it for them")
		}
		if r.ConsentEvidence == nil {
			c.Add("input.consentEvidence", "is required when the basis is consent: where the signed consent is kept")
		}
	} else if in.LegalBasis != "" {
		if r.LegalReference == nil {
			c.Add("input.legalReference", "is required unless the basis is consent: the law the sharing rests on")
		}
		if r.ConsentGivenAt != nil || r.ConsentGivenBy != nil || r.ConsentEvidence != nil {
			c.Add("input.legalBasis", "is not consent, yet consent details are given")
		}
	}
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, r.CaseID, time.Time{}, "")
	if err != nil {
		return casedata.Referral{}, err
	}
	if _, _, err := casework.One(ctx, &c, "toOrganisationId", r.ToOrganisationID, store.Bind(tx, casedata.OrganisationsByIDs)); err != nil {
		return casedata.Referral{}, err
	}
	if cs != nil && r.ToOrganisationID != "" {
		r.FromOrganisationID = cs.OrganisationID
		if r.ToOrganisationID == cs.OrganisationID {
			c.Add("input.toOrganisationId", "leads the case")
		}
		open, err := casedata.OpenReferralsOfCase(ctx, tx, cs.ID)
		if err != nil {
			return casedata.Referral{}, err
		}
		for _, o := range open {
			if o.ToOrganisationID == r.ToOrganisationID {
				c.Addf("input.toOrganisationId", "already has a %s referral in this case", strings.ToLower(o.Status))
			}
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Referral{}, err
	}
	if err := casework.RequireLead(ctx, cs); err != nil {
		return casedata.Referral{}, err
	}
	id, err := casedata.CreateReferral(ctx, tx, r)
	if err != nil {
		return casedata.Referral{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: r.CaseID, Kind: "REFERRAL_REQUESTED", SubjectID: &id, OrganisationID: &r.ToOrganisationID,
		EffectiveOn: datePtr(casework.Today()), Changes: []casedata.FieldChange{
			{Field: "purpose", Category: "case", Value: &r.Purpose},
			{Field: "categories", Category: "case", Value: ptr(strings.Join(r.Categories, ","))},
			{Field: "legalBasis", Category: "case", Value: &r.LegalBasis}}}); err != nil {
		return casedata.Referral{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ReferralsByIDs))
}

// RespondReferralInput is the receiving organisation's answer.
type RespondReferralInput struct {
	ReferralID string
	Note       *string
}

// AcceptReferral: the receiving organisation takes part in the case as a PARTNER, seeing
// of it only the categories the referral names.
func AcceptReferral(ctx context.Context, tx *store.Tx, in RespondReferralInput) (casedata.Referral, error) {
	return respondReferral(ctx, tx, in, "ACCEPTED")
}

// DeclineReferral: the receiving organisation declines; nothing is shared.
func DeclineReferral(ctx context.Context, tx *store.Tx, in RespondReferralInput) (casedata.Referral, error) {
	return respondReferral(ctx, tx, in, "DECLINED")
}

func respondReferral(ctx context.Context, tx *store.Tx, in RespondReferralInput, status string) (casedata.Referral, error) {
	var c casework.Checker
	id := c.ID("referralId", in.ReferralID, "Referral")
	note := c.OptText("note", in.Note, 2000)
	r, ok, err := casework.One(ctx, &c, "referralId", id, store.Bind(tx, casedata.ReferralsByIDs))
	if err != nil {
		return casedata.Referral{}, err
	}
	if ok && r.Status != "REQUESTED" {
		c.Addf("input.referralId", "referral is %s", strings.ToLower(r.Status))
	}
	if err := c.Err(); err != nil {
		return casedata.Referral{}, err
	}
	if a := casework.ActorFrom(ctx); a.OrganisationID != "" && a.OrganisationID != r.ToOrganisationID {
		return casedata.Referral{}, &access.DeniedError{Reason: "only the organisation a referral is addressed to answers it"}
	}
	if err := casedata.RespondReferral(ctx, tx, id, status, note); err != nil {
		return casedata.Referral{}, err
	}
	if status == "ACCEPTED" {
		if err := casedata.StartParticipation(ctx, tx, casedata.NewParticipation{CaseID: r.CaseID, OrganisationID: r.ToOrganisationID, Role: casedata.RolePartner,
			Basis: casedata.BasisReferral, BasisID: &r.ID, Reason: &r.Purpose, FromOn: casework.Today()}); err != nil {
			return casedata.Referral{}, err
		}
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: r.CaseID, Kind: "REFERRAL_" + status, SubjectID: &r.ID, OrganisationID: &r.ToOrganisationID,
		Reason: note, EffectiveOn: datePtr(casework.Today())}); err != nil {
		return casedata.Referral{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ReferralsByIDs))
}

// EndReferralInput ends a referral: withdrawn by the leading organisation before an
// answer, ended by either side after acceptance (the consent withdrawn, the service over).
type EndReferralInput struct {
	ReferralID string
	Reason     string
}

// EndReferral ends a requested or accepted referral; an accepted one's participation
// ends with it, and with it everything the referral shared.
func EndReferral(ctx context.Context, tx *store.Tx, in EndReferralInput) (casedata.Referral, error) {
	var c casework.Checker
	id := c.ID("referralId", in.ReferralID, "Referral")
	reason := c.Text("reason", in.Reason, 2000)
	r, ok, err := casework.One(ctx, &c, "referralId", id, store.Bind(tx, casedata.ReferralsByIDs))
	if err != nil {
		return casedata.Referral{}, err
	}
	var cs []casedata.Case
	if ok {
		if r.Status != "REQUESTED" && r.Status != "ACCEPTED" {
			c.Addf("input.referralId", "referral is already %s", strings.ToLower(r.Status))
		}
		if cs, err = casedata.CasesByIDs(ctx, tx, []string{r.CaseID}); err != nil {
			return casedata.Referral{}, err
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Referral{}, err
	}
	a := casework.ActorFrom(ctx)
	if a.OrganisationID != "" {
		lead := len(cs) == 1 && cs[0].OrganisationID == a.OrganisationID
		if !lead && (a.OrganisationID != r.ToOrganisationID || r.Status != "ACCEPTED") {
			return casedata.Referral{}, &access.DeniedError{Reason: "a referral is ended by the organisation leading the case, or once accepted by the one it is addressed to"}
		}
	}
	if err := casework.CloseReferral(ctx, tx, r, casework.Today(), reason); err != nil {
		return casedata.Referral{}, err
	}
	rows, err := casedata.ReferralsByIDs(ctx, tx, []string{id})
	if err != nil {
		return casedata.Referral{}, err
	}
	if len(rows) == 0 {
		// The receiving organisation ended its own part: the referral is out of its sight now.
		r.Status, r.EndReason = "ENDED", &reason
		return r, nil
	}
	return rows[0], nil
}

// RequestTransferInput hands a case's lead over to another worker, of the leading
// organisation or of another one, effective when the receiving side accepts.
type RequestTransferInput struct {
	CaseID string
	// ToOrganisationID: another organisation; absent, the leading one.
	ToOrganisationID *string
	// ToWorkerID: the worker who will lead; required within the leading organisation,
	// otherwise the receiving organisation may choose at acceptance.
	ToWorkerID *string
	// KeepPrevious: the leading organisation stays in the case as a partner.
	KeepPrevious bool
	Reason       string
}

// RequestTransfer records a transfer of the lead of an open case.
func RequestTransfer(ctx context.Context, tx *store.Tx, in RequestTransferInput) (casedata.Transfer, error) {
	var c casework.Checker
	x := casedata.Transfer{
		CaseID:       c.ID("caseId", in.CaseID, "Case"),
		ToWorkerID:   c.OptID("toWorkerId", in.ToWorkerID, "Staff"),
		KeepPrevious: in.KeepPrevious,
		Reason:       c.Text("reason", in.Reason, 2000),
	}
	to := c.OptID("toOrganisationId", in.ToOrganisationID, "Organisation")
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, x.CaseID, time.Time{}, "")
	if err != nil {
		return casedata.Transfer{}, err
	}
	if cs != nil {
		x.FromOrganisationID, x.FromWorkerID = cs.OrganisationID, cs.LeadWorkerID
		x.ToOrganisationID = cs.OrganisationID
		if to != nil {
			x.ToOrganisationID = *to
			if _, _, err := casework.One(ctx, &c, "toOrganisationId", *to, store.Bind(tx, casedata.OrganisationsByIDs)); err != nil {
				return casedata.Transfer{}, err
			}
		}
		same := x.ToOrganisationID == cs.OrganisationID
		if same && x.ToWorkerID == nil {
			c.Add("input.toWorkerId", "is required for a transfer within the leading organisation")
		}
		if same && in.KeepPrevious {
			c.Add("input.keepPrevious", "applies to a transfer to another organisation")
		}
		if x.ToWorkerID != nil {
			w, ok, err := casework.One(ctx, &c, "toWorkerId", *x.ToWorkerID, store.Bind(tx, casedata.StaffByIDs))
			if err != nil {
				return casedata.Transfer{}, err
			}
			if ok && w.OrganisationID != x.ToOrganisationID {
				c.Add("input.toWorkerId", "does not work for the receiving organisation")
			}
			if ok && w.ID == cs.LeadWorkerID {
				c.Add("input.toWorkerId", "already leads the case")
			}
		}
		pending, err := casedata.TransfersByCase(ctx, tx, []string{cs.ID})
		if err != nil {
			return casedata.Transfer{}, err
		}
		for _, p := range pending {
			if p.Status == "REQUESTED" {
				c.Add("input.caseId", "already has a transfer waiting for an answer")
			}
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Transfer{}, err
	}
	if err := casework.RequireLead(ctx, cs); err != nil {
		return casedata.Transfer{}, err
	}
	id, err := casedata.CreateTransfer(ctx, tx, x)
	if err != nil {
		return casedata.Transfer{}, apperr.RenameFields(err, map[string]string{"case_id": "input.caseId"})
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: x.CaseID, Kind: "TRANSFER_REQUESTED", SubjectID: &id, OrganisationID: &x.ToOrganisationID,
		Reason: &x.Reason, EffectiveOn: datePtr(casework.Today()),
		Changes: casework.Changes(casework.Change("leadWorkerId", "case", &x.FromWorkerID, x.ToWorkerID))}); err != nil {
		return casedata.Transfer{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.TransfersByIDs))
}

// AcceptTransferInput is the receiving side's acceptance, naming the worker who leads
// when the transfer did not.
type AcceptTransferInput struct {
	TransferID   string
	LeadWorkerID *string
	Note         *string
}

// AcceptTransfer makes the transfer effective: the receiving organisation leads the case
// from today (and takes part in it as LEAD), its worker is the lead worker, and the
// previous lead organisation stops taking part, or stays as a partner when the transfer
// says so.
func AcceptTransfer(ctx context.Context, tx *store.Tx, in AcceptTransferInput) (casedata.Transfer, error) {
	var c casework.Checker
	id := c.ID("transferId", in.TransferID, "Transfer")
	note := c.OptText("note", in.Note, 2000)
	lead := c.OptID("leadWorkerId", in.LeadWorkerID, "Staff")
	x, ok, err := casework.One(ctx, &c, "transferId", id, store.Bind(tx, casedata.TransfersByIDs))
	if err != nil {
		return casedata.Transfer{}, err
	}
	if ok {
		if x.Status != "REQUESTED" {
			c.Addf("input.transferId", "transfer is %s", strings.ToLower(x.Status))
		}
		switch {
		case lead != nil && x.ToWorkerID != nil && *lead != *x.ToWorkerID:
			c.Add("input.leadWorkerId", "the transfer names another worker")
		case lead == nil && x.ToWorkerID == nil:
			c.Add("input.leadWorkerId", "is required: the transfer names no worker")
		case lead != nil:
			w, ok, err := casework.One(ctx, &c, "leadWorkerId", *lead, store.Bind(tx, casedata.StaffByIDs))
			if err != nil {
				return casedata.Transfer{}, err
			}
			if ok && w.OrganisationID != x.ToOrganisationID {
				c.Add("input.leadWorkerId", "does not work for the receiving organisation")
			}
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Transfer{}, err
	}
	if err := requireReceiver(ctx, x); err != nil {
		return casedata.Transfer{}, err
	}
	if err := casedata.RespondTransfer(ctx, tx, id, "ACCEPTED", lead, note); err != nil {
		return casedata.Transfer{}, err
	}
	on := casework.Today()
	if x.ToOrganisationID != x.FromOrganisationID {
		if err := casedata.StartParticipation(ctx, tx, casedata.NewParticipation{CaseID: x.CaseID, OrganisationID: x.ToOrganisationID, Role: casedata.RoleLead,
			Basis: casedata.BasisTransfer, BasisID: &x.ID, Reason: &x.Reason, FromOn: on}); err != nil {
			return casedata.Transfer{}, err
		}
	}
	if err := casedata.HandOverCase(ctx, tx, id); err != nil {
		return casedata.Transfer{}, err
	}
	if x.ToOrganisationID != x.FromOrganisationID {
		if _, err := casedata.EndParticipations(ctx, tx, casedata.ParticipationEnd{CaseID: x.CaseID, OrganisationID: &x.FromOrganisationID,
			Roles: []string{casedata.RoleLead}, On: on, Reason: "lead transferred"}); err != nil {
			return casedata.Transfer{}, err
		}
		if x.KeepPrevious {
			if err := casedata.StartParticipation(ctx, tx, casedata.NewParticipation{CaseID: x.CaseID, OrganisationID: x.FromOrganisationID,
				Role: casedata.RolePartner, Basis: casedata.BasisTransfer, BasisID: &x.ID, Reason: ptr("previous lead"), FromOn: on}); err != nil {
				return casedata.Transfer{}, err
			}
		}
	}
	worker := x.ToWorkerID
	if worker == nil {
		worker = lead
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: x.CaseID, Kind: "TRANSFER_ACCEPTED", SubjectID: &x.ID, OrganisationID: &x.ToOrganisationID,
		Reason: note, EffectiveOn: &on, Changes: casework.Changes(
			casework.Change("organisationId", "case", &x.FromOrganisationID, &x.ToOrganisationID),
			casework.Change("leadWorkerId", "case", &x.FromWorkerID, worker))}); err != nil {
		return casedata.Transfer{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.TransfersByIDs))
}

// requireReceiver refuses an answer to a transfer by anyone but its receiving side: the
// worker it names, else the receiving organisation.
func requireReceiver(ctx context.Context, x casedata.Transfer) error {
	a := casework.ActorFrom(ctx)
	if a.OrganisationID != "" && a.OrganisationID != x.ToOrganisationID {
		return &access.DeniedError{Reason: "only the receiving side answers a transfer"}
	}
	if a.StaffID != "" && x.ToWorkerID != nil && a.StaffID != *x.ToWorkerID {
		return &access.DeniedError{Reason: "only the worker a transfer names answers it"}
	}
	return nil
}

// AnswerTransferInput declines or cancels a transfer.
type AnswerTransferInput struct {
	TransferID string
	Note       *string
}

// DeclineTransfer: the receiving side declines; the lead stays as it was.
func DeclineTransfer(ctx context.Context, tx *store.Tx, in AnswerTransferInput) (casedata.Transfer, error) {
	return closeTransfer(ctx, tx, in, "DECLINED")
}

// CancelTransfer: the leading organisation withdraws a transfer not yet answered.
func CancelTransfer(ctx context.Context, tx *store.Tx, in AnswerTransferInput) (casedata.Transfer, error) {
	return closeTransfer(ctx, tx, in, "CANCELLED")
}

func closeTransfer(ctx context.Context, tx *store.Tx, in AnswerTransferInput, status string) (casedata.Transfer, error) {
	var c casework.Checker
	id := c.ID("transferId", in.TransferID, "Transfer")
	note := c.OptText("note", in.Note, 2000)
	x, ok, err := casework.One(ctx, &c, "transferId", id, store.Bind(tx, casedata.TransfersByIDs))
	if err != nil {
		return casedata.Transfer{}, err
	}
	if ok && x.Status != "REQUESTED" {
		c.Addf("input.transferId", "transfer is %s", strings.ToLower(x.Status))
	}
	if err := c.Err(); err != nil {
		return casedata.Transfer{}, err
	}
	if status == "DECLINED" {
		if err := requireReceiver(ctx, x); err != nil {
			return casedata.Transfer{}, err
		}
	} else if a := casework.ActorFrom(ctx); a.OrganisationID != "" && a.OrganisationID != x.FromOrganisationID {
		return casedata.Transfer{}, &access.DeniedError{Reason: "only the organisation leading the case cancels its transfer"}
	}
	if err := casedata.RespondTransfer(ctx, tx, id, status, nil, note); err != nil {
		return casedata.Transfer{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: x.CaseID, Kind: "TRANSFER_" + status, SubjectID: &x.ID, OrganisationID: &x.ToOrganisationID,
		Reason: note, EffectiveOn: datePtr(casework.Today())}); err != nil {
		return casedata.Transfer{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.TransfersByIDs))
}

func ptr[T any](v T) *T { return &v }

func datePtr(d time.Time) *time.Time { return &d }
