package accessdata

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// OrganisationRef is what authentication needs to know about an organisation.
type OrganisationRef struct {
	ID        string
	Code      string
	Name      string
	Kind      string
	Territory string
}

// StaffRef is what authentication needs to know about a staff member.
type StaffRef struct {
	ID             string
	Subject        string
	OrganisationID string
}

// OrganisationByCode finds an organisation by its code; none is apperr.ErrNotFound.
func OrganisationByCode(ctx context.Context, s *store.Store, code string) (OrganisationRef, error) {
	return organisation(ctx, s, "o.code = $1", code)
}

// OrganisationByID finds an organisation by its id; none is apperr.ErrNotFound.
func OrganisationByID(ctx context.Context, s *store.Store, id string) (OrganisationRef, error) {
	if !globalid.IsUUID(id) {
		return OrganisationRef{}, apperr.Inputf("organisation", "%q is not an organisation id (a UUID)", id)
	}
	return organisation(ctx, s, "o.id = $1::uuid", id)
}

func organisation(ctx context.Context, s *store.Store, where string, key string) (OrganisationRef, error) {
	var o OrganisationRef
	err := s.Pool().QueryRow(ctx, `SELECT o.id::text, o.code, o.name, o.kind, coalesce(o.territory, '')
		FROM organisations o WHERE `+where, key).Scan(&o.ID, &o.Code, &o.Name, &o.Kind, &o.Territory)
	if err != nil {
		return OrganisationRef{}, store.Wrap("look up organisation", err)
	}
	return o, nil
}

// StaffBySubject finds the staff member an identity-provider subject belongs to; none is
// apperr.ErrNotFound. Authentication runs before the request has claims, so it asks
// ponte_staff_by_subject rather than the staff table, which shows nothing without them.
func StaffBySubject(ctx context.Context, s *store.Store, subject string) (StaffRef, error) {
	var r StaffRef
	err := s.Pool().QueryRow(ctx, `SELECT id::text, subject, organisation_id::text FROM ponte_staff_by_subject($1)`, subject).
		Scan(&r.ID, &r.Subject, &r.OrganisationID)
	if err != nil {
		return StaffRef{}, store.Wrap("look up staff", err)
	}
	return r, nil
}

// Directory is the store as authentication reads and issues tokens through it
// (auth.Directory, auth.TokenStore): each method runs the function of this package
// whose name it shortens, on Store.
type Directory struct{ Store *store.Store }

func (d Directory) AccessTokenByHash(ctx context.Context, hash []byte) (Token, error) {
	return TokenByHash(ctx, d.Store, hash)
}

func (d Directory) TouchAccessToken(ctx context.Context, id string, at time.Time) error {
	return TouchToken(ctx, d.Store, id, at)
}

func (d Directory) CreateAccessToken(ctx context.Context, n NewToken) (Token, error) {
	return CreateToken(ctx, d.Store, n)
}

func (d Directory) OrganisationByCode(ctx context.Context, code string) (OrganisationRef, error) {
	return OrganisationByCode(ctx, d.Store, code)
}

func (d Directory) OrganisationByID(ctx context.Context, id string) (OrganisationRef, error) {
	return OrganisationByID(ctx, d.Store, id)
}

func (d Directory) StaffBySubject(ctx context.Context, subject string) (StaffRef, error) {
	return StaffBySubject(ctx, d.Store, subject)
}
