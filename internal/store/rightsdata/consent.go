package rightsdata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// ConsentRecord is a consent in the shape of ISO/IEC TS 27560
// (migrations/00490_consent_records.sql).
type ConsentRecord struct {
	ID                       string
	PersonID                 string
	ControllerOrganisationID string
	Purposes                 []string
	DataCategories           []string
	LegalBasis               string
	State                    string
	GivenAt                  *time.Time
	WithdrawnAt              *time.Time
	ExpiresAt                *time.Time
	Method                   string
	EvidenceRef              string
	RecordedBy               string
	CreatedAt                time.Time
	History                  []ConsentEvent
}

// ConsentEvent is one change of a consent's state.
type ConsentEvent struct {
	At        time.Time
	FromState *string
	ToState   string
	Actor     string
	Note      string
}

// NewConsent is a consent as collected.
type NewConsent struct {
	PersonID                 string
	ControllerOrganisationID string
	Purposes                 []string
	DataCategories           []string
	LegalBasis               string
	State                    string
	GivenAt                  *time.Time
	ExpiresAt                *time.Time
	Method                   string
	EvidenceRef              string
	RecordedBy               string
}

const consentColumns = `c.id::text, c.person_id::text, c.controller_organisation_id::text, c.purposes, c.data_categories, c.legal_basis,
	c.state, c.given_at, c.withdrawn_at, c.expires_at, c.method, c.evidence_ref, c.recorded_by, c.created_at,
	coalesce((SELECT array_agg(e.at ORDER BY e.id) FROM consent_record_events e WHERE e.record_id = c.id), '{}'),
	coalesce((SELECT array_agg(e.from_state ORDER BY e.id) FROM consent_record_events e WHERE e.record_id = c.id), '{}'),
	coalesce((SELECT array_agg(e.to_state ORDER BY e.id) FROM consent_record_events e WHERE e.record_id = c.id), '{}'),
	coalesce((SELECT array_agg(e.actor ORDER BY e.id) FROM consent_record_events e WHERE e.record_id = c.id), '{}'),
	coalesce((SELECT array_agg(e.note ORDER BY e.id) FROM consent_record_events e WHERE e.record_id = c.id), '{}')`

func scanConsent(r pgx.Rows) (ConsentRecord, error) {
	var c ConsentRecord
	var at []time.Time
	var from []*string
	var to, actors, notes []string
	err := r.Scan(&c.ID, &c.PersonID, &c.ControllerOrganisationID, &c.Purposes, &c.DataCategories, &c.LegalBasis, &c.State,
		&c.GivenAt, &c.WithdrawnAt, &c.ExpiresAt, &c.Method, &c.EvidenceRef, &c.RecordedBy, &c.CreatedAt, &at, &from, &to, &actors, &notes)
	for i := range at {
		c.History = append(c.History, ConsentEvent{At: at[i], FromState: from[i], ToState: to[i], Actor: actors[i], Note: notes[i]})
	}
	return c, err
}

// RecordConsent stores a consent and its first event. Two statements: the event's row
// policy looks the record up, which a row inserted by the same statement would not show.
func RecordConsent(ctx context.Context, t *store.Tx, n NewConsent) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "record consent", `
		INSERT INTO consent_records (person_id, controller_organisation_id, purposes, data_categories, legal_basis, state,
			given_at, expires_at, method, evidence_ref, recorded_by)
		VALUES ($1, $2, $3, coalesce($4::text[], '{}'), $5, $6, $7, $8, $9, $10, $11) RETURNING id::text`,
		[]any{n.PersonID, n.ControllerOrganisationID, n.Purposes, n.DataCategories, n.LegalBasis, n.State, n.GivenAt, n.ExpiresAt,
			n.Method, n.EvidenceRef, n.RecordedBy}, &id)
	if err != nil {
		return "", err
	}
	_, err = store.Exec(ctx, t, "record consent", `INSERT INTO consent_record_events (record_id, to_state, actor, note) VALUES ($1, $2, $3, $4)`,
		id, n.State, n.RecordedBy, n.EvidenceRef)
	return id, err
}

// WithdrawConsent withdraws a given consent now; one missing, out of sight or not given
// is apperr.ErrNotFound.
func WithdrawConsent(ctx context.Context, t *store.Tx, id, actor, note string) error {
	var got string
	if err := store.QueryRow(ctx, t, "withdraw consent", `UPDATE consent_records SET state = 'WITHDRAWN', withdrawn_at = now()
		WHERE id = $1 AND state = 'GIVEN' RETURNING id::text`, []any{id}, &got); err != nil {
		return err
	}
	_, err := store.Exec(ctx, t, "withdraw consent", `INSERT INTO consent_record_events (record_id, from_state, to_state, actor, note)
		VALUES ($1, 'GIVEN', 'WITHDRAWN', $2, $3)`, id, actor, note)
	return err
}

// ConsentRecordsByIDs loads consents with their history.
func ConsentRecordsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]ConsentRecord, error) {
	return store.Query(ctx, t, "consents by id", `SELECT `+consentColumns+` FROM consent_records c WHERE c.id = ANY($1::uuid[]) ORDER BY c.created_at, c.id`,
		[]any{store.UUIDs(ids)}, scanConsent)
}

// ConsentRecordsOfPerson lists a person's consents, oldest first.
func ConsentRecordsOfPerson(ctx context.Context, t *store.Tx, personID string) ([]ConsentRecord, error) {
	return store.Query(ctx, t, "consents of person", `SELECT `+consentColumns+` FROM consent_records c WHERE c.person_id = $1 ORDER BY c.created_at, c.id`,
		[]any{personID}, scanConsent)
}

// ExpireConsents turns the given consents whose expiry is not after at into EXPIRED,
// recording the change, and returns how many. Reads already treat them as expired; this
// makes the record say so.
func ExpireConsents(ctx context.Context, t *store.Tx, at time.Time, actor string) (int64, error) {
	return store.Exec(ctx, t, "expire consents", `WITH x AS (
			UPDATE consent_records SET state = 'EXPIRED' WHERE state = 'GIVEN' AND expires_at <= $1 RETURNING id)
		INSERT INTO consent_record_events (record_id, at, from_state, to_state, actor, note)
		SELECT id, $1, 'GIVEN', 'EXPIRED', $2, 'expired' FROM x`, at, actor)
}
