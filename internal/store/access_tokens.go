package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// AccessToken is a partner token as stored: never the token itself, only what it grants.
type AccessToken struct {
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

// NewAccessToken is what issuing a token stores.
type NewAccessToken struct {
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

func scanAccessToken(row pgx.CollectableRow) (AccessToken, error) {
	var a AccessToken
	err := row.Scan(&a.ID, &a.Label, &a.Role, &a.OrganisationID, &a.OrganisationCode, &a.OrganisationKind,
		&a.Territory, &a.StaffID, &a.StaffSubject, &a.Purposes, &a.CreatedAt, &a.CreatedBy, &a.ExpiresAt,
		&a.RevokedAt, &a.LastUsedAt)
	return a, err
}

// CreateAccessToken stores a new token's hash and grants. Operators only (login role).
func (s *Store) CreateAccessToken(ctx context.Context, n NewAccessToken) (AccessToken, error) {
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
		return AccessToken{}, err
	}
	var id string
	err := s.pool.QueryRow(ctx, `INSERT INTO access_tokens (token_hash, label, role, organisation_id, staff_id, purposes, expires_at, created_by)
		VALUES ($1, $2, $3, $4::uuid, nullif($5, '')::uuid, $6, $7, $8) RETURNING id::text`,
		n.Hash, n.Label, n.Role, n.OrganisationID, n.StaffID, n.Purposes, n.ExpiresAt, n.CreatedBy).Scan(&id)
	if err != nil {
		return AccessToken{}, Wrap("create access token", err)
	}
	return s.accessToken(ctx, "create access token", "t.id = $1::uuid", id)
}

// AccessTokenByHash finds the token whose SHA-256 is hash, revoked or expired ones
// included: the caller decides, and says why it refuses. The hub's role cannot read the
// tokens' table: it asks ponte_access_token for the one token it was shown
// (migrations/00350_access_no_bypass.sql).
func (s *Store) AccessTokenByHash(ctx context.Context, hash []byte) (AccessToken, error) {
	const op = "look up access token"
	rows, err := s.pool.Query(ctx, `SELECT t.id::text, t.label, t.role, t.organisation_id::text, t.organisation_code,
		t.organisation_kind, coalesce(t.territory, ''), coalesce(t.staff_id::text, ''), coalesce(t.staff_subject, ''),
		t.purposes, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.last_used_at
		FROM ponte_access_token($1) t`, hash)
	if err != nil {
		return AccessToken{}, Wrap(op, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanAccessToken)
	if err != nil {
		return AccessToken{}, Wrap(op, err)
	}
	return a, nil
}

// AccessTokenByID finds a token by its id.
func (s *Store) AccessTokenByID(ctx context.Context, id string) (AccessToken, error) {
	if !globalid.IsUUID(id) {
		return AccessToken{}, apperr.Inputf("id", "%q is not a token id (a UUID)", id)
	}
	return s.accessToken(ctx, "look up access token", "t.id = $1::uuid", id)
}

func (s *Store) accessToken(ctx context.Context, op, where string, key any) (AccessToken, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+accessTokenColumns+accessTokenFrom+" WHERE "+where, key)
	if err != nil {
		return AccessToken{}, Wrap(op, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanAccessToken)
	if err != nil {
		return AccessToken{}, Wrap(op, err)
	}
	return a, nil
}

// ListAccessTokens lists every token, newest first.
func (s *Store) ListAccessTokens(ctx context.Context) ([]AccessToken, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+accessTokenColumns+accessTokenFrom+" ORDER BY t.created_at DESC, t.id")
	if err != nil {
		return nil, Wrap("list access tokens", err)
	}
	out, err := pgx.CollectRows(rows, scanAccessToken)
	if err != nil {
		return nil, Wrap("list access tokens", err)
	}
	return out, nil
}

// RevokeAccessToken revokes a token from now on. Revoking a revoked token keeps the first
// revocation time. An unknown id is apperr.ErrNotFound.
func (s *Store) RevokeAccessToken(ctx context.Context, id string) (AccessToken, error) {
	if !globalid.IsUUID(id) {
		return AccessToken{}, apperr.Inputf("id", "%q is not a token id (a UUID)", id)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1::uuid`, id)
	if err != nil {
		return AccessToken{}, Wrap("revoke access token", err)
	}
	if tag.RowsAffected() == 0 {
		return AccessToken{}, Wrap("revoke access token", pgx.ErrNoRows)
	}
	return s.accessToken(ctx, "revoke access token", "t.id = $1::uuid", id)
}

// TouchAccessToken records that the token was used at at. It writes at most once a
// minute per token, so authentication does not turn every request into a write.
func (s *Store) TouchAccessToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `SELECT ponte_access_token_used($1::uuid, $2)`, id, at)
	if err != nil {
		return Wrap("record access token use", err)
	}
	return nil
}
