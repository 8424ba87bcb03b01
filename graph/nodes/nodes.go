// Package nodes resolves node(id:) and nodes(ids:): a global id names a type and a row,
// fetched through the request's loaders where the type has one.
package nodes

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// isPseudonymousID reports whether gid is a person id built from a pseudonym (personID).
func isPseudonymousID(gid string) bool {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	return err == nil && strings.HasPrefix(string(b), "Person:ps_")
}

// nodeLoader fetches the nodes of one type through the request's loader.
type nodeLoader struct {
	prime func(*loaders.Loaders, string)
	load  func(context.Context, string) (any, error)
}

func byLoader[T any](pick func(*loaders.Loaders) *loaders.Loader[*T]) nodeLoader {
	return nodeLoader{
		prime: func(l *loaders.Loaders, id string) { pick(l).Prime(id) },
		load:  func(ctx context.Context, id string) (any, error) { return nilIfNone(request.Optional(ctx, pick, &id)) },
	}
}

// loadedNodes are the node types with a loader: nodes(ids:) primes them all first, so
// the nodes of one type cost one statement.
var loadedNodes = map[string]nodeLoader{
	"Organisation": byLoader(loaders.Organisations), "Department": byLoader(loaders.Departments), "Staff": byLoader(loaders.Staff),
	"Person": byLoader(loaders.Persons), "Household": byLoader(loaders.Households), "Case": byLoader(loaders.Cases),
	"Project": byLoader(loaders.Projects), "Operation": byLoader(loaders.Operations), "OperationRound": byLoader(loaders.Rounds),
}

// ByIDs resolves nodes(ids:): ByID for each id, the loader-backed ones primed
// together first.
func ByIDs(ctx context.Context, ids []string) ([]any, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if typ, rowID, err := globalid.Decode(id); err == nil && !r.HidesByID(typ) {
			if nl, ok := loadedNodes[typ]; ok {
				nl.prime(r.Loaders(), rowID)
			}
		}
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		if out[i], err = ByID(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ByID resolves node(id:) for every type that implements Node.
func ByID(ctx context.Context, id string) (any, error) {
	// Decode accepts only a type and a UUID, so what passes names a row.
	typ, rowID, err := globalid.Decode(id)
	if err != nil {
		if isPseudonymousID(id) {
			// A person's id as a pseudonymous caller sees it names no row it may fetch.
			return nil, nil
		}
		return nil, apperr.Input("id", err.Error())
	}
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	if r.HidesByID(typ) {
		return nil, nil
	}
	if nl, ok := loadedNodes[typ]; ok {
		v, err := nl.load(ctx, rowID)
		if err == nil && v == nil && typ == "Person" {
			return nil, restricted(ctx, r, id, rowID)
		}
		return v, err
	}
	tx, ids := r.Tx(), []string{rowID}
	switch typ {
	case "HouseholdMember":
		m, err := casedata.MemberByID(ctx, tx, rowID)
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, nil
		}
		return nilIfNone(&m, err)
	case "Assessment":
		return firstRow(casedata.AssessmentsByIDs(ctx, tx, ids))
	case "Intervention":
		rows, err := casedata.InterventionsByIDs(ctx, tx, ids)
		r.Loaders().PrimeInterventions(rows)
		return firstRow(rows, err)
	case "ActivityEntry":
		return firstRow(casedata.ActivityByIDs(ctx, tx, ids))
	case "Referral":
		return firstRow(casedata.ReferralsByIDs(ctx, tx, ids))
	case "Transfer":
		return firstRow(casedata.TransfersByIDs(ctx, tx, ids))
	case "Participation":
		rows, err := casedata.ParticipationsByIDs(ctx, tx, ids)
		r.Loaders().PrimeParticipations(rows)
		return firstRow(rows, err)
	}
	return nil, apperr.Input("id", fmt.Sprintf("objects of type %s cannot be fetched by id", typ))
}

// firstRow is the node of a by-id lookup: its row, or null when the row is missing or
// out of scope.
func firstRow[T any](rows []T, err error) (any, error) {
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// nilIfNone keeps a typed nil pointer from becoming a non-nil interface value.
func nilIfNone[T any](v *T, err error) (any, error) {
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}

// restricted explains a person that did not load: when the caller could see the person
// but for a restriction of processing (Art. 18), it is told so, since when and why,
// rather than that the person does not exist. Otherwise nil: not found, as before.
func restricted(ctx context.Context, r *request.Request, gid, personID string) error {
	rs, err := rightsdata.Restrictions(ctx, r.Tx(), []string{personID}, true)
	if err != nil || len(rs) == 0 {
		return err
	}
	return &apperr.RestrictedError{Person: gid, Since: rs[0].Since, Reason: rs[0].Reason}
}
