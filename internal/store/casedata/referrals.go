package casedata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// Referral is organisation A's request that B take part in a case, for a purpose and a
// set of data categories, on a legal basis (with the consent, when that is the basis).
type Referral struct {
	ID                 string
	CaseID             string
	FromOrganisationID string
	ToOrganisationID   string
	Purpose            string
	Categories         []string
	LegalBasis         string
	LegalReference     *string
	ConsentGivenAt     *time.Time
	ConsentGivenBy     *string
	ConsentEvidence    *string
	Status             string
	RequestedAt        time.Time
	RequestedBy        string
	RespondedAt        *time.Time
	RespondedBy        *string
	ResponseNote       *string
	EndedAt            *time.Time
	EndedBy            *string
	EndReason          *string
}

const referralCols = `r.id, r.case_id, r.from_organisation_id, r.to_organisation_id, r.purpose, r.categories, r.legal_basis,
	r.legal_reference, r.consent_given_at, r.consent_given_by, r.consent_evidence, r.status, r.requested_at, r.requested_by,
	r.responded_at, r.responded_by, r.response_note, r.ended_at, r.ended_by, r.end_reason`

func scanReferral(r pgx.Rows) (Referral, error) {
	var x Referral
	err := r.Scan(&x.ID, &x.CaseID, &x.FromOrganisationID, &x.ToOrganisationID, &x.Purpose, &x.Categories, &x.LegalBasis,
		&x.LegalReference, &x.ConsentGivenAt, &x.ConsentGivenBy, &x.ConsentEvidence, &x.Status, &x.RequestedAt, &x.RequestedBy,
		&x.RespondedAt, &x.RespondedBy, &x.ResponseNote, &x.EndedAt, &x.EndedBy, &x.EndReason)
	return x, err
}

// referralPredicate: the referrals of cases in scope, and those addressed to the scope's
// organisation, which decides on them before it sees the case.
func referralPredicate(s store.Scope, alias string, args *[]any) string {
	cond := s.CaseColumn(alias+".case_id", args)
	if s.Kind.FollowsCases() && s.OrganisationID != "" {
		cond = "(" + cond + " OR " + alias + ".to_organisation_id = " + store.Arg(args, s.OrganisationID) + "::uuid)"
	}
	return cond
}

// CreateReferral stores a requested referral and returns its id.
func CreateReferral(ctx context.Context, t *store.Tx, x Referral) (string, error) {
	id := store.NewID().String()
	_, err := store.Exec(ctx, t, "create referral", `INSERT INTO case_referrals (id, case_id, from_organisation_id, to_organisation_id, purpose,
		categories, legal_basis, legal_reference, consent_given_at, consent_given_by, consent_evidence)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		id, x.CaseID, x.FromOrganisationID, x.ToOrganisationID, x.Purpose, x.Categories, x.LegalBasis, x.LegalReference,
		x.ConsentGivenAt, x.ConsentGivenBy, x.ConsentEvidence)
	return id, err
}

// ReferralsByIDs loads referrals within scope.
func ReferralsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Referral, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "referrals by id", `SELECT `+referralCols+` FROM case_referrals r
		WHERE r.id = ANY($1::uuid[]) AND `+referralPredicate(t.Scope(), "r", &args), args, scanReferral)
}

// ReferralsByCase loads the referrals of the given cases within scope, oldest first.
func ReferralsByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]Referral, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "referrals by case", `SELECT `+referralCols+` FROM case_referrals r
		WHERE r.case_id = ANY($1::uuid[]) AND `+referralPredicate(t.Scope(), "r", &args)+` ORDER BY r.requested_at, r.id`, args, scanReferral)
}

// ReferralFilter narrows a listing of referrals.
type ReferralFilter struct {
	// ToOrganisationID: addressed to this organisation; FromOrganisationID: asked by it.
	ToOrganisationID   *string
	FromOrganisationID *string
	Status             *string
}

// ListReferrals returns a page of referrals within scope, newest first.
func ListReferrals(ctx context.Context, t *store.Tx, f ReferralFilter, p store.Page) (store.Rows[Referral], error) {
	args := []any{}
	where := referralPredicate(t.Scope(), "r", &args)
	if f.ToOrganisationID != nil {
		where += " AND r.to_organisation_id = " + store.Arg(&args, *f.ToOrganisationID) + "::uuid"
	}
	if f.FromOrganisationID != nil {
		where += " AND r.from_organisation_id = " + store.Arg(&args, *f.FromOrganisationID) + "::uuid"
	}
	if f.Status != nil {
		where += " AND r.status = " + store.Arg(&args, *f.Status)
	}
	return store.ListPage(ctx, t, "list referrals", `SELECT `+referralCols+`,
		to_char(r.requested_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS sort_key FROM case_referrals r WHERE `+where, args, p,
		func(r pgx.Rows) (Referral, string, error) {
			var x Referral
			var key string
			err := r.Scan(&x.ID, &x.CaseID, &x.FromOrganisationID, &x.ToOrganisationID, &x.Purpose, &x.Categories, &x.LegalBasis,
				&x.LegalReference, &x.ConsentGivenAt, &x.ConsentGivenBy, &x.ConsentEvidence, &x.Status, &x.RequestedAt, &x.RequestedBy,
				&x.RespondedAt, &x.RespondedBy, &x.ResponseNote, &x.EndedAt, &x.EndedBy, &x.EndReason, &key)
			return x, invertKey(key), err
		}, func(x Referral) string { return x.ID })
}

// invertKey turns an ascending key of digits into a descending one, so one ascending
// keyset lists the newest first.
func invertKey(k string) string {
	b := []byte(k)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '9' - (c - '0')
		}
	}
	return string(b)
}

// RespondReferral records B's answer to a requested referral (ACCEPTED or DECLINED).
func RespondReferral(ctx context.Context, t *store.Tx, id, status string, note *string) error {
	_, err := store.Exec(ctx, t, "respond to referral", `UPDATE case_referrals SET status = $2, responded_at = now(), responded_by = ponte_actor(),
		response_note = $3 WHERE id = $1 AND status = 'REQUESTED'`, id, status, note)
	return err
}

// CloseReferral ends a referral: WITHDRAWN before an answer, ENDED after acceptance.
func CloseReferral(ctx context.Context, t *store.Tx, id, status string, reason string) error {
	_, err := store.Exec(ctx, t, "close referral", `UPDATE case_referrals SET status = $2, ended_at = now(), ended_by = ponte_actor(), end_reason = $3
		WHERE id = $1 AND status IN ('REQUESTED', 'ACCEPTED')`, id, status, reason)
	return err
}

// OpenReferralsOfCase lists the accepted or requested referrals of a case, past the row
// scope (closing a case ends them all).
func OpenReferralsOfCase(ctx context.Context, t *store.Tx, caseID string) ([]Referral, error) {
	return store.Query(ctx, t, "open referrals of case", `SELECT `+referralCols+` FROM case_referrals r
		WHERE r.case_id = $1 AND r.status IN ('REQUESTED', 'ACCEPTED') ORDER BY r.requested_at`, []any{caseID}, scanReferral)
}

// Transfer is a hand-over of a case's lead, effective when the receiving side accepts.
type Transfer struct {
	ID                 string
	CaseID             string
	FromOrganisationID string
	FromWorkerID       string
	ToOrganisationID   string
	ToWorkerID         *string
	KeepPrevious       bool
	Reason             string
	Status             string
	RequestedAt        time.Time
	RequestedBy        string
	RespondedAt        *time.Time
	RespondedBy        *string
	ResponseNote       *string
}

const transferCols = `t.id, t.case_id, t.from_organisation_id, t.from_worker_id, t.to_organisation_id, t.to_worker_id, t.keep_previous,
	t.reason, t.status, t.requested_at, t.requested_by, t.responded_at, t.responded_by, t.response_note`

func scanTransfer(r pgx.Rows) (Transfer, error) {
	var x Transfer
	err := r.Scan(&x.ID, &x.CaseID, &x.FromOrganisationID, &x.FromWorkerID, &x.ToOrganisationID, &x.ToWorkerID, &x.KeepPrevious,
		&x.Reason, &x.Status, &x.RequestedAt, &x.RequestedBy, &x.RespondedAt, &x.RespondedBy, &x.ResponseNote)
	return x, err
}

// CreateTransfer stores a requested transfer and returns its id.
func CreateTransfer(ctx context.Context, t *store.Tx, x Transfer) (string, error) {
	id := store.NewID().String()
	_, err := store.Exec(ctx, t, "create transfer", `INSERT INTO case_transfers (id, case_id, from_organisation_id, from_worker_id,
		to_organisation_id, to_worker_id, keep_previous, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, x.CaseID, x.FromOrganisationID, x.FromWorkerID, x.ToOrganisationID, x.ToWorkerID, x.KeepPrevious, x.Reason)
	return id, err
}

// TransfersByIDs loads transfers within scope (and those addressed to the scope's
// organisation).
func TransfersByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Transfer, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "transfers by id", `SELECT `+transferCols+` FROM case_transfers t
		WHERE t.id = ANY($1::uuid[]) AND `+referralPredicate(t.Scope(), "t", &args), args, scanTransfer)
}

// TransfersByCase loads the transfers of the given cases within scope, oldest first.
func TransfersByCase(ctx context.Context, t *store.Tx, caseIDs []string) ([]Transfer, error) {
	args := []any{store.UUIDs(caseIDs)}
	return store.Query(ctx, t, "transfers by case", `SELECT `+transferCols+` FROM case_transfers t
		WHERE t.case_id = ANY($1::uuid[]) AND `+referralPredicate(t.Scope(), "t", &args)+` ORDER BY t.requested_at, t.id`, args, scanTransfer)
}

// TransferFilter narrows a listing of transfers.
type TransferFilter struct {
	ToOrganisationID   *string
	FromOrganisationID *string
	ToWorkerID         *string
	Status             *string
}

// ListTransfers returns a page of transfers within scope, newest first.
func ListTransfers(ctx context.Context, t *store.Tx, f TransferFilter, p store.Page) (store.Rows[Transfer], error) {
	args := []any{}
	where := referralPredicate(t.Scope(), "t", &args)
	if f.ToOrganisationID != nil {
		where += " AND t.to_organisation_id = " + store.Arg(&args, *f.ToOrganisationID) + "::uuid"
	}
	if f.FromOrganisationID != nil {
		where += " AND t.from_organisation_id = " + store.Arg(&args, *f.FromOrganisationID) + "::uuid"
	}
	if f.ToWorkerID != nil {
		where += " AND t.to_worker_id = " + store.Arg(&args, *f.ToWorkerID) + "::uuid"
	}
	if f.Status != nil {
		where += " AND t.status = " + store.Arg(&args, *f.Status)
	}
	return store.ListPage(ctx, t, "list transfers", `SELECT `+transferCols+`,
		to_char(t.requested_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS sort_key FROM case_transfers t WHERE `+where, args, p,
		func(r pgx.Rows) (Transfer, string, error) {
			var x Transfer
			var key string
			err := r.Scan(&x.ID, &x.CaseID, &x.FromOrganisationID, &x.FromWorkerID, &x.ToOrganisationID, &x.ToWorkerID, &x.KeepPrevious,
				&x.Reason, &x.Status, &x.RequestedAt, &x.RequestedBy, &x.RespondedAt, &x.RespondedBy, &x.ResponseNote, &key)
			return x, invertKey(key), err
		}, func(x Transfer) string { return x.ID })
}

// RespondTransfer records the receiving side's answer (ACCEPTED, with the worker who
// takes the lead, or DECLINED), or the requester's cancellation (CANCELLED).
func RespondTransfer(ctx context.Context, t *store.Tx, id, status string, toWorker *string, note *string) error {
	_, err := store.Exec(ctx, t, "respond to transfer", `UPDATE case_transfers SET status = $2, to_worker_id = coalesce($3, to_worker_id),
		responded_at = now(), responded_by = ponte_actor(), response_note = $4 WHERE id = $1 AND status = 'REQUESTED'`, id, status, toWorker, note)
	return err
}

// HandOverCase makes an accepted transfer's organisation and worker the case's lead
// (migrations/00400_case_participation.sql, ponte_hand_over_case).
func HandOverCase(ctx context.Context, t *store.Tx, transferID string) error {
	_, err := store.Exec(ctx, t, "hand over case", `SELECT ponte_hand_over_case($1)`, transferID)
	return err
}
