// Package request is one GraphQL operation's access, as one object with one lifetime: the
// server creates it when the operation's transaction begins (Begin) and finishes it with
// that transaction (Finish). It holds what the operation works with and under: the
// transaction, the access plan (nil when the server runs open), the loaders, the one
// reading of the clock taken at the start, and the disclosure record of what the
// operation returned and changed, which Finish appends to the access log as the
// transaction commits. The resolvers of one operation share it; it is safe for
// concurrent use.
package request

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Options are what an operation runs under; the server's gate decides them.
type Options struct {
	// Plan is the caller's access plan; nil runs the operation open: every row, every
	// field, no disclosure record (local tools and tests).
	Plan *access.Plan
	// Tx scopes the operation's transaction.
	Tx store.TxOptions
	// Pseudonyms computes Person.pseudonym; without it the field is UNAVAILABLE.
	Pseudonyms *access.Pseudonymizer
	// SuppressionThreshold is the smallest count aggregates show (default
	// access.DefaultSuppressionThreshold).
	SuppressionThreshold int
	// Clock is read once, when the request is created (default time.Now): that time
	// decides who is a minor and what is due, and stamps the disclosure record.
	Clock func() time.Time
}

// Request is one operation's access (see the package documentation).
type Request struct {
	tx *store.Tx
	// reopen begins a transaction like tx (Begin); nil: the request cannot let go of its
	// transaction.
	reopen    func(context.Context) (*store.Tx, error)
	loaders   *loaders.Loaders
	referrals *referralLimits

	plan *access.Plan
	// rules are the plan's verdicts on each data category, for the field rule.
	rules     []categoryRule
	pseudo    *access.Pseudonymizer
	threshold int
	now       time.Time
	today     time.Time

	disclosed disclosure

	mu   sync.Mutex
	ages map[string]bool // tax code → minor, decoded once per request
}

// Begin begins the operation's transaction in st and returns the request working in it.
// Whoever begins a request defers Close, and calls Finish when the operation succeeded.
func Begin(ctx context.Context, st *store.Store, o Options) (*Request, error) {
	tx, err := st.Begin(ctx, o.Tx)
	if err != nil {
		return nil, err
	}
	r := New(tx, o)
	r.reopen = func(ctx context.Context) (*store.Tx, error) { return st.Begin(ctx, o.Tx) }
	return r, nil
}

// New returns a request working in tx, which stays its caller's to end; it cannot let go
// of it (WithoutTx). A nil tx serves requests that read nothing (tests of the field rule).
func New(tx *store.Tx, o Options) *Request {
	if o.SuppressionThreshold <= 0 {
		o.SuppressionThreshold = access.DefaultSuppressionThreshold
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	now := o.Clock()
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &Request{tx: tx, loaders: loaders.New(tx, today), referrals: &referralLimits{},
		plan: o.Plan, rules: newRules(o.Plan), pseudo: o.Pseudonyms, threshold: o.SuppressionThreshold, now: now, today: today,
		ages: map[string]bool{}, disclosed: disclosure{persons: map[string]personAge{}}}
}

// Finish ends a successful operation: when it returned or changed personal data under a
// plan, its disclosure record (labelled with the operation and the request id) is
// appended to the access log in the round trip that commits, so the record and the
// operation's reads commit or vanish together, and the transaction commits.
func (r *Request) Finish(ctx context.Context, operation, requestID string) error {
	if rec, ok := r.disclosureRecord(ctx, operation, requestID); ok {
		if err := accessdata.AppendLogOnCommit(r.tx, rec); err != nil {
			return fmt.Errorf("request: access log: %w", err)
		}
	}
	return r.tx.Commit(ctx)
}

// Close rolls back whatever Finish did not commit. It runs detached from ctx's
// cancellation: a cancelled request still gives its connection back clean.
func (r *Request) Close(ctx context.Context) { _ = r.tx.Rollback(context.WithoutCancel(ctx)) }

// errCannotRelease: WithoutTx on a request that has no way to reopen its transaction.
var errCannotRelease = errors.New("request: the request cannot release its transaction")

// WithoutTx commits the request's transaction, runs fn holding no database connection,
// and continues the request in a fresh transaction with new loaders, whatever fn
// returned. Only for an operation whose one root field calls it: everything before is
// committed, and nothing read before is reused after.
func (r *Request) WithoutTx(ctx context.Context, fn func() error) error {
	if r.reopen == nil {
		return errCannotRelease
	}
	if err := r.tx.Commit(ctx); err != nil {
		return err
	}
	ferr := fn()
	tx, err := r.reopen(ctx)
	if err != nil {
		return err
	}
	r.tx, r.loaders, r.referrals = tx, loaders.New(tx, r.today), &referralLimits{}
	return ferr
}

// Tx is the request's current transaction.
func (r *Request) Tx() *store.Tx { return r.tx }

// Loaders are the request's batched relations.
func (r *Request) Loaders() *loaders.Loaders { return r.loaders }

// Plan is the request's access plan; nil when the server runs open.
func (r *Request) Plan() *access.Plan { return r.plan }

// Today is the request's date (UTC), from its one reading of the clock.
func (r *Request) Today() time.Time { return r.today }

// SuppressionThreshold is the smallest count the request's aggregates show.
func (r *Request) SuppressionThreshold() int { return r.threshold }

// StaffID is the caller's own staff record, when the caller is a member of staff.
func (r *Request) StaffID() string {
	if r.plan == nil {
		return ""
	}
	return r.plan.Principal().StaffID
}

type requestKey struct{}

// With attaches the request to the context the resolvers receive.
func With(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// errNoRequest means a resolver ran without the server's request middleware.
var errNoRequest = errors.New("request: no request transaction in context")

// From returns the request of ctx; an error outside one.
func From(ctx context.Context) (*Request, error) {
	if r, _ := ctx.Value(requestKey{}).(*Request); r != nil {
		return r, nil
	}
	return nil, errNoRequest
}

// Require returns the request when its plan allows op (always, when open).
func Require(ctx context.Context, op access.Operation) (*Request, error) {
	return RequirePlan(ctx, func(p *access.Plan) error { return p.CheckOperation(op) })
}

// RequirePlan returns the request when check passes on its plan; always when the server
// runs open.
func RequirePlan(ctx context.Context, check func(*access.Plan) error) (*Request, error) {
	r, err := From(ctx)
	if err != nil {
		return nil, err
	}
	if r.plan != nil {
		if err := check(r.plan); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Optional loads a nullable reference: absent or out of scope is null.
func Optional[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[*T], id *string) (*T, error) {
	if id == nil {
		return nil, nil
	}
	r, err := From(ctx)
	if err != nil {
		return nil, err
	}
	return pick(r.loaders).Load(ctx, *id)
}

// Required loads a non-null reference; a row out of scope is NOT_FOUND at the field.
func Required[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[*T], id string) (*T, error) {
	v, err := Optional(ctx, pick, &id)
	if err == nil && v == nil {
		return nil, apperr.ErrNotFound
	}
	return v, err
}

// Many loads a list relation.
func Many[T any](ctx context.Context, pick func(*loaders.Loaders) *loaders.Loader[[]T], id string) ([]T, error) {
	r, err := From(ctx)
	if err != nil {
		return nil, err
	}
	v, err := pick(r.loaders).Load(ctx, id)
	if v == nil {
		v = []T{}
	}
	return v, err
}

// PersonID is a person's global id; for a request that sees persons only through their
// pseudonym (ESF+ audit), it is built from the pseudonym instead, so the hub's own ids
// never reach it.
func PersonID(ctx context.Context, p *casedata.Person) (string, error) {
	r, err := From(ctx)
	if err != nil {
		return "", err
	}
	// An id says the person is there: the access log names them, with no category.
	r.record(p.ID, 0, false)
	if !r.Pseudonymous() {
		return globalid.Encode("Person", p.ID), nil
	}
	ps, err := r.Pseudonym(p.ID)
	if err != nil {
		return "", err
	}
	return globalid.Encode("Person", ps), nil
}

// personTypes are the node types whose objects name a person.
var personTypes = map[string]bool{"Person": true, "HouseholdMember": true, "Participation": true, "Assessment": true,
	"Intervention": true, "Project": true, "Case": true, "Household": true}

// HidesByID reports whether node(id:) must answer null for an object of type typ: a
// request that sees persons only through pseudonyms may not turn the hub's ids, which
// other roles see, into pseudonyms; that would link the two. It answers exactly as for
// an object that does not exist.
func (r *Request) HidesByID(typ string) bool { return personTypes[typ] && r.Pseudonymous() }
