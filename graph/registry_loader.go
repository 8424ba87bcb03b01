package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// registryLoaders batch one request's registry data: per person and per household, five
// kinds of records, each one statement for every key primed, plus the sources' health the
// freshness verdicts read (two statements, once per request).
type registryLoaders struct {
	health            *loader[*store.RegistryHealth]
	personBenefits    *loader[[]store.BenefitCase]
	personISEE        *loader[[]store.ISEE]
	personLabour      *loader[[]store.LabourStatus]
	personEvents      *loader[[]store.EmploymentEvent]
	personSchool      *loader[[]store.SchoolRecord]
	householdBenefits *loader[[]store.BenefitCase]
	householdISEE     *loader[[]store.ISEE]
	householdLabour   *loader[[]store.LabourStatus]
	householdSchool   *loader[[]store.SchoolRecord]
}

// healthKey is the one key of the health loader.
const healthKey = "health"

func newRegistryLoaders(tx *store.Tx, l *loaders) *registryLoaders {
	r := &registryLoaders{}
	r.health = newLoader(func(ctx context.Context, _ []string) (map[string]*store.RegistryHealth, error) {
		h, err := tx.RegistryHealth(ctx)
		return map[string]*store.RegistryHealth{healthKey: &h}, err
	})
	r.personBenefits = keyedLoader(l, tx.BenefitCasesByPersons, func(c *store.BenefitCase) *store.RegistryMeta { return &c.RegistryMeta })
	r.personBenefits.fetch = primingMembers(l, r.personBenefits.fetch)
	r.personISEE = keyedLoader(l, tx.ISEEByPersons, func(c *store.ISEE) *store.RegistryMeta { return &c.RegistryMeta })
	r.personLabour = keyedLoader(l, tx.LabourStatusByPersons, func(c *store.LabourStatus) *store.RegistryMeta { return &c.RegistryMeta })
	r.personEvents = keyedLoader(l, tx.EmploymentEventsByPersons, func(c *store.EmploymentEvent) *store.RegistryMeta { return &c.RegistryMeta })
	r.personSchool = keyedLoader(l, tx.SchoolRecordsByPersons, func(c *store.SchoolRecord) *store.RegistryMeta { return &c.RegistryMeta })
	r.householdBenefits = keyedLoader(l, tx.BenefitCasesByHouseholds, func(c *store.BenefitCase) *store.RegistryMeta { return &c.RegistryMeta })
	r.householdBenefits.fetch = primingMembers(l, r.householdBenefits.fetch)
	r.householdISEE = keyedLoader(l, tx.ISEEByHouseholds, func(c *store.ISEE) *store.RegistryMeta { return &c.RegistryMeta })
	r.householdLabour = keyedLoader(l, tx.LabourStatusByHouseholds, func(c *store.LabourStatus) *store.RegistryMeta { return &c.RegistryMeta })
	r.householdSchool = keyedLoader(l, tx.SchoolRecordsByHouseholds, func(c *store.SchoolRecord) *store.RegistryMeta { return &c.RegistryMeta })
	return r
}

// keyedLoader groups rows by the key they were loaded for. The persons the records link
// to come with them (in scope or not at all), and are primed like any loaded person.
func keyedLoader[T any](l *loaders, fetch func(context.Context, []string) ([]store.Keyed[T], error), meta func(*T) *store.RegistryMeta) *loader[[]T] {
	return newLoader(func(ctx context.Context, keys []string) (map[string][]T, error) {
		rows, err := fetch(ctx, keys)
		out := make(map[string][]T, len(keys))
		var linked []store.Person
		for i := range rows {
			if p := meta(&rows[i].Value).Person; p != nil {
				linked = append(linked, *p)
			}
			out[rows[i].Key] = append(out[rows[i].Key], rows[i].Value)
		}
		l.primePersons(linked)
		return out, err
	})
}

// primingMembers primes the persons a benefit application names among its household
// members, so that checking them (benefitCaseResolver.HouseholdMembers) costs one
// statement for every application of the page.
func primingMembers(l *loaders, fetch func(context.Context, []string) (map[string][]store.BenefitCase, error)) func(context.Context, []string) (map[string][]store.BenefitCase, error) {
	return func(ctx context.Context, keys []string) (map[string][]store.BenefitCase, error) {
		got, err := fetch(ctx, keys)
		for _, cases := range got {
			for _, c := range cases {
				for _, m := range c.Members {
					l.personsByTaxCode.prime(m.TaxCode)
				}
			}
		}
		return got, err
	}
}

// linkedPerson is the person a record links to, nil when unknown or out of scope.
func linkedPerson(m *store.RegistryMeta) (*store.Person, error) { return m.Person, nil }

// primePersons announces persons whose registry data may be asked for.
func (r *registryLoaders) primePersons(ids ...string) {
	for _, ld := range []interface{ prime(...string) }{r.personBenefits, r.personISEE, r.personLabour, r.personEvents, r.personSchool} {
		ld.prime(ids...)
	}
}

// primeHouseholds announces households whose registry data may be asked for.
func (r *registryLoaders) primeHouseholds(ids ...string) {
	for _, ld := range []interface{ prime(...string) }{r.householdBenefits, r.householdISEE, r.householdLabour, r.householdSchool} {
		ld.prime(ids...)
	}
}

// registryMany loads one registry relation of a person or household.
func registryMany[T any](ctx context.Context, pick func(*registryLoaders) *loader[[]T], key string) ([]T, error) {
	return many(ctx, func(l *loaders) *loader[[]T] { return pick(l.registry) }, key)
}

// registryFirst loads one registry relation and keeps its first (latest) record.
func registryFirst[T any](ctx context.Context, pick func(*registryLoaders) *loader[[]T], key string) (*T, error) {
	rows, err := registryMany(ctx, pick, key)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// freshness judges a record of collection against the sources' health, now.
func freshness(ctx context.Context, collection string, m *store.RegistryMeta) (*model.Freshness, error) {
	req, err := request(ctx)
	if err != nil {
		return nil, err
	}
	h, err := req.loaders.registry.health.load(ctx, healthKey)
	if err != nil {
		return nil, err
	}
	f := h.Verdict(time.Now(), collection, m)
	out := &model.Freshness{Status: model.FreshnessStatus(f.Status), FetchedAt: f.FetchedAt,
		Age: int(f.Age / time.Second), MaxAge: int(f.MaxAge / time.Second)}
	if f.LastError != nil {
		msg, at := f.LastError.Error, f.LastError.At
		out.LastError, out.LastErrorAt = &msg, &at
	}
	return out, nil
}

func registrySource(s string) model.RegistrySource { return model.RegistrySource(strings.ToUpper(s)) }

var breakerStates = map[string]model.BreakerState{
	"closed": model.BreakerStateClosed, "half-open": model.BreakerStateHalfOpen, "open": model.BreakerStateOpen,
}

// euro formats cents as a decimal with two places.
func euro(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// RegistryRefresher runs on-demand refreshes of registry data: the job queue
// (*syncjob.Queue) on a hub that runs one.
type RegistryRefresher interface {
	Refresh(ctx context.Context, taxCodes, sources []string, wait time.Duration) (syncjob.RefreshResult, error)
}

type refresherKey struct{}

// WithRegistryRefresher makes r serve the refreshRegistryData mutation of requests in ctx.
func WithRegistryRefresher(ctx context.Context, r RegistryRefresher) context.Context {
	return context.WithValue(ctx, refresherKey{}, r)
}

// RegistryMiddleware attaches r to every request (for server.Config.Middleware); without
// it, refreshRegistryData answers UNAVAILABLE.
func RegistryMiddleware(r RegistryRefresher) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(w, req.WithContext(WithRegistryRefresher(req.Context(), r)))
		})
	}
}

func registryRefresher(ctx context.Context) RegistryRefresher {
	r, _ := ctx.Value(refresherKey{}).(RegistryRefresher)
	return r
}
