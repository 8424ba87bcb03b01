package rightsdata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// Restriction is a restriction of processing (GDPR Art. 18) of one person's data
// (migrations/00460_processing_restrictions.sql).
type Restriction struct {
	ID                   string
	PersonID             string
	RequestID            *string
	Reason               string
	LegalClaim           *string
	ClaimOrganisationIDs []string
	Since                time.Time
	CreatedBy            string
	LiftedAt             *time.Time
	LiftedBy             *string
	LiftReason           *string
}

// Active reports whether the restriction is in force.
func (r Restriction) Active() bool { return r.LiftedAt == nil }

// NewRestriction restricts the processing of a person's data.
type NewRestriction struct {
	PersonID             string
	RequestID            *string
	Reason               string
	LegalClaim           *string
	ClaimOrganisationIDs []string
	CreatedBy            string
}

const restrictionColumns = `r.id::text, r.person_id::text, r.request_id::text, r.reason, r.legal_claim,
	r.claim_organisation_ids::text[], r.since, r.created_by, r.lifted_at, r.lifted_by, r.lift_reason`

func scanRestriction(rows pgx.Rows) (Restriction, error) {
	var r Restriction
	err := rows.Scan(&r.ID, &r.PersonID, &r.RequestID, &r.Reason, &r.LegalClaim, &r.ClaimOrganisationIDs, &r.Since,
		&r.CreatedBy, &r.LiftedAt, &r.LiftedBy, &r.LiftReason)
	return r, err
}

// RestrictProcessing records a restriction; the person's tax code is kept with it for
// the registry copies keyed by it. A person with an active restriction already is an
// input error at person_id.
func RestrictProcessing(ctx context.Context, t *store.Tx, n NewRestriction) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "restrict processing", `
		INSERT INTO processing_restrictions (person_id, tax_code, request_id, reason, legal_claim, claim_organisation_ids, created_by)
		SELECT p.id, p.tax_code, $2, $3, $4, coalesce($5::uuid[], '{}'), $6 FROM persons p WHERE p.id = $1
		RETURNING id::text`,
		[]any{n.PersonID, n.RequestID, n.Reason, n.LegalClaim, store.UUIDs(n.ClaimOrganisationIDs), n.CreatedBy}, &id)
	return id, err
}

// LiftRestriction ends an active restriction; one missing, out of sight or lifted is
// apperr.ErrNotFound.
func LiftRestriction(ctx context.Context, t *store.Tx, id, by, reason string) error {
	var got string
	return store.QueryRow(ctx, t, "lift restriction", `UPDATE processing_restrictions SET lifted_at = now(), lifted_by = $2, lift_reason = $3
		WHERE id = $1 AND lifted_at IS NULL RETURNING id::text`, []any{id, by, reason}, &got)
}

// RestrictionsByIDs loads restrictions.
func RestrictionsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Restriction, error) {
	return store.Query(ctx, t, "restrictions by id", `SELECT `+restrictionColumns+` FROM processing_restrictions r
		WHERE r.id = ANY($1::uuid[]) ORDER BY r.since, r.id`, []any{store.UUIDs(ids)}, scanRestriction)
}

// Restrictions lists the restrictions the transaction may see, of some persons (all when
// persons is nil), the active ones only when activeOnly.
func Restrictions(ctx context.Context, t *store.Tx, persons []string, activeOnly bool) ([]Restriction, error) {
	return store.Query(ctx, t, "restrictions", `SELECT `+restrictionColumns+` FROM processing_restrictions r
		WHERE ($1::uuid[] IS NULL OR r.person_id = ANY($1::uuid[])) AND (NOT $2 OR r.lifted_at IS NULL)
		ORDER BY r.since DESC, r.id LIMIT 1000`, []any{store.UUIDs(persons), activeOnly}, scanRestriction)
}
