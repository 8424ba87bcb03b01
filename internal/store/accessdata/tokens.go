package accessdata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Token is a partner token as stored: never the token itself, only what it grants.
type Token struct {
	ID               string
	Label            string
	Role             string
	OrganisationID   string
	OrganisationCode string
	OrganisationKind string
	Territory        string
	// StaffID and StaffSubject are set when the token acts for a staff member.
	StaffID      string
	StaffSubject string
	Purposes     []string
	CreatedAt    time.Time
	CreatedBy    string
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	LastUsedAt   *time.Time
}

// NewToken is what issuing a token stores.
type NewToken struct {
	// Hash is the SHA-256 of the token.
	Hash           []byte
	Label          string
	Role           string
	OrganisationID string
	StaffID        string
	Purposes       []string
	ExpiresAt      time.Time
	CreatedBy      string
}

const accessTokenColumns = `t.id::text, t.label, t.role, t.organisation_id::text, o.code, o.kind, coalesce(o.territory, ''),
	coalesce(t.staff_id::text, ''), coalesce(s.subject, ''), t.purposes, t.created_at, t.created_by, t.expires_at,
	t.revoked_at, t.last_used_at`

const accessTokenFrom = ` FROM access_tokens t JOIN organisations o ON o.id = t.organisation_id LEFT JOIN staff s ON s.id = t.staff_id`

func scanAccessToken(row pgx.CollectableRow) (Token, error) {
	var a Token
	err := row.Scan(&a.ID, &a.Label, &a.Role, &a.OrganisationID, &a.OrganisationCode, &a.OrganisationKind,
		&a.Territory, &a.StaffID, &a.StaffSubject, &a.Purposes, &a.CreatedAt, &a.CreatedBy, &a.ExpiresAt,
		&a.RevokedAt, &a.LastUsedAt)
	return a, err
}

// CreateToken stores a new token's hash and grants. Operators only (login role).
func CreateToken(ctx context.Context, s *store.Store, n NewToken) (Token, error) {
	var c apperr.Collector
	if len(n.Hash) != 32 {
		c.Add("hash", "must be a SHA-256 digest (32 bytes)")
	}
	if n.Role == "" {
		c.Add("role", "is required")
	}
	if n.OrganisationID == "" {
		c.Add("organisation", "is required")
	}
	if len(n.Purposes) == 0 {
		c.Add("purposes", "at least one purpose is required")
	}
	if !n.ExpiresAt.After(time.Now()) {
		c.Add("expires", "must be in the future")
	}
	if err := c.Err(); err != nil {
		return Token{}, err
	}
	var id string
	err := s.Pool().QueryRow(ctx, `INSERT INTO access_tokens (token_hash, label, role, organisation_id, staff_id, purposes, expires_at, created_by)
		VALUES ($1, $2, $3, $4::uuid, nullif($5, '')::uuid, $6, $7, $8) RETURNING id::text`,
		n.Hash, n.Label, n.Role, n.OrganisationID, n.StaffID, n.Purposes, n.ExpiresAt, n.CreatedBy).Scan(&id)
	if err != nil {
		return Token{}, store.Wrap("create access token", err)
	}
	return accessToken(ctx, s, "create access token", "t.id = $1::uuid", id)
}

// TokenByHash finds the token whose SHA-256 is hash, revoked or expired ones
// included: the caller decides, and says why it refuses. The hub's role cannot read the
// tokens' table: it asks ponte_access_token for the one token it was shown
// (migrations/00350_access_no_bypass.sql).
func TokenByHash(ctx context.Context, s *store.Store, hash []byte) (Token, error) {
	const op = "look up access token"
	rows, err := s.Pool().Query(ctx, `SELECT t.id::text, t.label, t.role, t.organisation_id::text, t.organisation_code,
		t.organisation_kind, coalesce(t.territory, ''), coalesce(t.staff_id::text, ''), coalesce(t.staff_subject, ''),
		t.purposes, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.last_used_at
		FROM ponte_access_token($1) t`, hash)
	if err != nil {
		return Token{}, store.Wrap(op, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanAccessToken)
	if err != nil {
		return Token{}, store.Wrap(op, err)
	}
	return a, nil
}

// TokenByID finds a token by its id.
func TokenByID(ctx context.Context, s *store.Store, id string) (Token, error) {
	if !globalid.IsUUID(id) {
		return Token{}, apperr.Inputf("id", "%q is not a token id (a UUID)", id)
	}
	return accessToken(ctx, s, "look up access token", "t.id = $1::uuid", id)
}

func accessToken(ctx context.Context, s *store.Store, op, where string, key any) (Token, error) {
	rows, err := s.Pool().Query(ctx, "SELECT "+accessTokenColumns+accessTokenFrom+" WHERE "+where, key)
	if err != nil {
		return Token{}, store.Wrap(op, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanAccessToken)
	if err != nil {
		return Token{}, store.Wrap(op, err)
	}
	return a, nil
}

// ListTokens lists every token, newest first.
func ListTokens(ctx context.Context, s *store.Store) ([]Token, error) {
	rows, err := s.Pool().Query(ctx, "SELECT "+accessTokenColumns+accessTokenFrom+" ORDER BY t.created_at DESC, t.id")
	if err != nil {
		return nil, store.Wrap("list access tokens", err)
	}
	out, err := pgx.CollectRows(rows, scanAccessToken)
	if err != nil {
		return nil, store.Wrap("list access tokens", err)
	}
	return out, nil
}

// RevokeToken revokes a token from now on. Revoking a revoked token keeps the first
// revocation time. An unknown id is apperr.ErrNotFound.
func RevokeToken(ctx context.Context, s *store.Store, id string) (Token, error) {
	if !globalid.IsUUID(id) {
		return Token{}, apperr.Inputf("id", "%q is not a token id (a UUID)", id)
	}
	tag, err := s.Pool().Exec(ctx, `UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1::uuid`, id)
	if err != nil {
		return Token{}, store.Wrap("revoke access token", err)
	}
	if tag.RowsAffected() == 0 {
		return Token{}, store.Wrap("revoke access token", pgx.ErrNoRows)
	}
	return accessToken(ctx, s, "revoke access token", "t.id = $1::uuid", id)
}

// TouchToken records that the token was used at at. It writes at most once a
// minute per token, so authentication does not turn every request into a write.
func TouchToken(ctx context.Context, s *store.Store, id string, at time.Time) error {
	_, err := s.Pool().Exec(ctx, `SELECT ponte_access_token_used($1::uuid, $2)`, id, at)
	if err != nil {
		return store.Wrap("record access token use", err)
	}
	return nil
}
