package graph

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Request is what one GraphQL operation works in: its transaction, its loaders, who asks
// and what they may see.
type Request struct {
	Tx *store.Tx
	// StaffID is the caller's own staff record, when the caller is a member of staff.
	StaffID string
	loaders *loaders
	access  *Access
	// reopen begins a transaction like Tx (SetReopen); nil: the request cannot let go of
	// its transaction.
	reopen func(context.Context) (*store.Tx, error)
}

// SetReopen lets the request end its transaction while it waits on something outside
// the database (WithoutTx) and continue in a fresh one that begin opens.
func (r *Request) SetReopen(begin func(context.Context) (*store.Tx, error)) { r.reopen = begin }

// errCannotRelease: WithoutTx on a request that has no way to reopen its transaction.
var errCannotRelease = errors.New("graph: the request cannot release its transaction")

// WithoutTx commits the request's transaction, runs fn holding no database connection,
// and continues the request in a fresh transaction with new loaders, whatever fn
// returned. Only for an operation whose one root field calls it: everything before is
// committed, and nothing read before is reused after.
func (r *Request) WithoutTx(ctx context.Context, fn func() error) error {
	if r.reopen == nil {
		return errCannotRelease
	}
	if err := r.Tx.Commit(ctx); err != nil {
		return err
	}
	ferr := fn()
	tx, err := r.reopen(ctx)
	if err != nil {
		return err
	}
	r.Tx, r.loaders = tx, newLoaders(tx)
	r.loaders.today = r.access.today
	return ferr
}

// NewRequest prepares a request running in tx under acc (NewAccess(nil, …) for none).
func NewRequest(tx *store.Tx, acc *Access) *Request {
	r := &Request{Tx: tx, loaders: newLoaders(tx), access: acc}
	r.loaders.today = acc.today
	if acc.plan != nil {
		r.StaffID = acc.plan.Principal().StaffID
	}
	return r
}

// Access is the request's access control.
func (r *Request) Access() *Access { return r.access }

// Touched returns what the request returned or changed (Access.Touched), after working
// out the ages of the persons whose fields were returned without checking them.
func (r *Request) Touched(ctx context.Context) (persons []string, read, written []access.Category) {
	r.access.settleAges(ctx, r)
	return r.access.Touched()
}

type requestKey struct{}

// WithRequest attaches the request to the context the resolvers receive.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request of ctx, or nil outside one.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// errNoRequest means a resolver ran without the server's request middleware.
var errNoRequest = errors.New("graph: no request transaction in context")

func request(ctx context.Context) (*Request, error) {
	if r := RequestFrom(ctx); r != nil {
		return r, nil
	}
	return nil, errNoRequest
}

func gid(typ, id string) string { return globalid.Encode(typ, id) }

// personID is a person's global id; for a request that sees persons only through their
// pseudonym (ESF+ audit), it is built from the pseudonym instead, so the hub's own ids
// never reach it.
func personID(ctx context.Context, p *store.Person) (string, error) {
	r, err := request(ctx)
	if err != nil {
		return "", err
	}
	// An id says the person is there: the access log names them, with no category.
	r.access.record(p.ID, 0, false)
	if !r.access.pseudonymous() {
		return gid("Person", p.ID), nil
	}
	ps, err := r.access.pseudonym(p.ID)
	if err != nil {
		return "", err
	}
	return gid("Person", ps), nil
}

// personTypes are the node types whose objects name a person.
var personTypes = map[string]bool{"Person": true, "HouseholdMember": true, "Participation": true, "Assessment": true,
	"Intervention": true, "Project": true, "Case": true, "Household": true}

// hidesByID reports whether node(id:) must answer null for an object of type typ: a
// request that sees persons only through pseudonyms may not turn the hub's ids, which
// other roles see, into pseudonyms; that would link the two. It answers exactly as for
// an object that does not exist.
func (a *Access) hidesByID(typ string) bool { return personTypes[typ] && a.pseudonymous() }

// isPseudonymousID reports whether gid is a person id built from a pseudonym (personID).
func isPseudonymousID(gid string) bool {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	return err == nil && strings.HasPrefix(string(b), "Person:ps_")
}

// optional loads a nullable reference: absent or out of scope is null.
func optional[T any](ctx context.Context, pick func(*loaders) *loader[*T], id *string) (*T, error) {
	if id == nil {
		return nil, nil
	}
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	return pick(r.loaders).load(ctx, *id)
}

// required loads a non-null reference; a row out of scope is NOT_FOUND at the field.
func required[T any](ctx context.Context, pick func(*loaders) *loader[*T], id string) (*T, error) {
	v, err := optional(ctx, pick, &id)
	if err == nil && v == nil {
		return nil, apperr.ErrNotFound
	}
	return v, err
}

// many loads a list relation.
func many[T any](ctx context.Context, pick func(*loaders) *loader[[]T], id string) ([]T, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	v, err := pick(r.loaders).load(ctx, id)
	if v == nil {
		v = []T{}
	}
	return v, err
}

// Page sizes when a client passes first: null (the schema's defaults otherwise apply);
// the complexity limit weighs such requests by the same sizes.
const (
	// DefaultPageSize is a connection's page.
	DefaultPageSize = 20
	// DefaultAccessLogPage is a page of accessLog.
	DefaultAccessLogPage = 50
	// DefaultDrillDownLimit is the participants esfDrillDown lists.
	DefaultDrillDownLimit = 100
)

// page turns the connection arguments into a store page, within the size limit. A
// connection asked without totalCount skips the count, the one part of a page whose cost
// grows with everything the principal may see.
func page(ctx context.Context, first *int, after *string) store.Page {
	p := store.Page{First: DefaultPageSize, SkipTotal: !selects(ctx, "totalCount")}
	if first != nil {
		p.First = *first
	}
	if after != nil {
		p.After = *after
	}
	return p
}

// optID decodes an optional global id argument of type typ.
func optID(field string, id *string, typ string) (*string, error) {
	if id == nil {
		return nil, nil
	}
	v, err := globalid.DecodeAs(*id, typ)
	if err != nil {
		return nil, apperr.Input(field, err.Error())
	}
	return &v, nil
}

func pageInfo[T any](rows store.Rows[T]) model.PageInfo {
	pi := model.PageInfo{HasNextPage: rows.HasNextPage}
	if n := len(rows.Rows); n > 0 {
		c := rows.Rows[n-1].Cursor
		pi.EndCursor = &c
	}
	return pi
}

// edges maps store rows to the connection's edge type.
func edges[T, E any](rows store.Rows[T], edge func(cursor string, node T) E) []E {
	out := make([]E, len(rows.Rows))
	for i, r := range rows.Rows {
		out[i] = edge(r.Cursor, r.Node)
	}
	return out
}

// nodeByID resolves node(id:) for every type that implements Node.
// nodeLoader fetches the nodes of one type through the request's loader.
type nodeLoader struct {
	prime func(*loaders, string)
	load  func(context.Context, string) (any, error)
}

func byLoader[T any](pick func(*loaders) *loader[*T]) nodeLoader {
	return nodeLoader{
		prime: func(l *loaders, id string) { pick(l).prime(id) },
		load:  func(ctx context.Context, id string) (any, error) { return nilIfNone(optional(ctx, pick, &id)) },
	}
}

// loadedNodes are the node types with a loader: nodes(ids:) primes them all first, so
// the nodes of one type cost one statement.
var loadedNodes = map[string]nodeLoader{
	"Organisation": byLoader(organisationsL), "Department": byLoader(departmentsL), "Staff": byLoader(staffL),
	"Person": byLoader(personsL), "Household": byLoader(householdsL), "Case": byLoader(casesL),
	"Project": byLoader(projectsL), "Operation": byLoader(operationsL), "OperationRound": byLoader(roundsL),
}

// nodesByID resolves nodes(ids:): nodeByID for each id, the loader-backed ones primed
// together first.
func nodesByID(ctx context.Context, ids []string) ([]any, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if typ, rowID, err := globalid.Decode(id); err == nil && !r.access.hidesByID(typ) {
			if nl, ok := loadedNodes[typ]; ok {
				nl.prime(r.loaders, rowID)
			}
		}
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		if out[i], err = nodeByID(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func nodeByID(ctx context.Context, id string) (any, error) {
	// Decode accepts only a type and a UUID, so what passes names a row.
	typ, rowID, err := globalid.Decode(id)
	if err != nil {
		if isPseudonymousID(id) {
			// A person's id as a pseudonymous caller sees it names no row it may fetch.
			return nil, nil
		}
		return nil, apperr.Input("id", err.Error())
	}
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	if r.access.hidesByID(typ) {
		return nil, nil
	}
	if nl, ok := loadedNodes[typ]; ok {
		v, err := nl.load(ctx, rowID)
		if err == nil && v == nil && typ == "Person" {
			return nil, restricted(ctx, r, id, rowID)
		}
		return v, err
	}
	tx, ids := r.Tx, []string{rowID}
	switch typ {
	case "HouseholdMember":
		m, err := tx.MemberByID(ctx, rowID)
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, nil
		}
		return nilIfNone(&m, err)
	case "Assessment":
		return firstRow(tx.AssessmentsByIDs(ctx, ids))
	case "Intervention":
		rows, err := tx.InterventionsByIDs(ctx, ids)
		r.loaders.primeInterventions(rows)
		return firstRow(rows, err)
	case "ActivityEntry":
		return firstRow(tx.ActivityByIDs(ctx, ids))
	case "Referral":
		return firstRow(tx.ReferralsByIDs(ctx, ids))
	case "Transfer":
		return firstRow(tx.TransfersByIDs(ctx, ids))
	case "Participation":
		rows, err := tx.ParticipationsByIDs(ctx, ids)
		r.loaders.primeParticipations(rows)
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

// selects says whether the field being resolved selects the named subfield (fragments
// included). Outside a field's context (a direct call) it answers true, the safe side.
func selects(ctx context.Context, name string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return true
	}
	// The connection's own type, so fragments on it count too.
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{fc.Field.Definition.Type.Name()}) {
		if f.Name == name {
			return true
		}
	}
	return false
}
