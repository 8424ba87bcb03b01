package store

import (
	"context"

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
func (s *Store) OrganisationByCode(ctx context.Context, code string) (OrganisationRef, error) {
	return s.organisation(ctx, "o.code = $1", code)
}

// OrganisationByID finds an organisation by its id; none is apperr.ErrNotFound.
func (s *Store) OrganisationByID(ctx context.Context, id string) (OrganisationRef, error) {
	if !globalid.IsUUID(id) {
		return OrganisationRef{}, apperr.Inputf("organisation", "%q is not an organisation id (a UUID)", id)
	}
	return s.organisation(ctx, "o.id = $1::uuid", id)
}

func (s *Store) organisation(ctx context.Context, where string, key string) (OrganisationRef, error) {
	var o OrganisationRef
	err := s.pool.QueryRow(ctx, `SELECT o.id::text, o.code, o.name, o.kind, coalesce(o.territory, '')
		FROM organisations o WHERE `+where, key).Scan(&o.ID, &o.Code, &o.Name, &o.Kind, &o.Territory)
	if err != nil {
		return OrganisationRef{}, Wrap("look up organisation", err)
	}
	return o, nil
}

// StaffBySubject finds the staff member an identity-provider subject belongs to; none is
// apperr.ErrNotFound. Authentication runs before the request has claims, so it asks
// ponte_staff_by_subject rather than the staff table, which shows nothing without them.
func (s *Store) StaffBySubject(ctx context.Context, subject string) (StaffRef, error) {
	var r StaffRef
	err := s.pool.QueryRow(ctx, `SELECT id::text, subject, organisation_id::text FROM ponte_staff_by_subject($1)`, subject).
		Scan(&r.ID, &r.Subject, &r.OrganisationID)
	if err != nil {
		return StaffRef{}, Wrap("look up staff", err)
	}
	return r, nil
}
