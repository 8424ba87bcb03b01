package loaders

import (
	"context"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
)

// registryLoaders batch one request's registry data: per person and per household, five
// kinds of records, each one statement for every key primed, plus the sources' health the
// freshness verdicts read (two statements, once per request).
type registryLoaders struct {
	health            *Loader[*registrydata.Health]
	personBenefits    *Loader[[]registrydata.BenefitCase]
	personISEE        *Loader[[]registrydata.ISEE]
	personLabour      *Loader[[]registrydata.LabourStatus]
	personEvents      *Loader[[]registrydata.EmploymentEvent]
	personSchool      *Loader[[]registrydata.SchoolRecord]
	householdBenefits *Loader[[]registrydata.BenefitCase]
	householdISEE     *Loader[[]registrydata.ISEE]
	householdLabour   *Loader[[]registrydata.LabourStatus]
	householdSchool   *Loader[[]registrydata.SchoolRecord]
}

// healthKey is the one key of the health loader.
const healthKey = "health"

func newRegistryLoaders(tx *store.Tx, l *Loaders) *registryLoaders {
	r := &registryLoaders{}
	r.health = newLoader(func(ctx context.Context, _ []string) (map[string]*registrydata.Health, error) {
		h, err := registrydata.ReadHealth(ctx, tx)
		return map[string]*registrydata.Health{healthKey: &h}, err
	})
	r.personBenefits = keyedLoader(l, store.Bind(tx, registrydata.BenefitCasesByPersons), func(c *registrydata.BenefitCase) *registrydata.Meta { return &c.Meta })
	r.personBenefits.fetch = primingMembers(l, r.personBenefits.fetch)
	r.personISEE = keyedLoader(l, store.Bind(tx, registrydata.ISEEByPersons), func(c *registrydata.ISEE) *registrydata.Meta { return &c.Meta })
	r.personLabour = keyedLoader(l, store.Bind(tx, registrydata.LabourStatusByPersons), func(c *registrydata.LabourStatus) *registrydata.Meta { return &c.Meta })
	r.personEvents = keyedLoader(l, store.Bind(tx, registrydata.EmploymentEventsByPersons), func(c *registrydata.EmploymentEvent) *registrydata.Meta { return &c.Meta })
	r.personSchool = keyedLoader(l, store.Bind(tx, registrydata.SchoolRecordsByPersons), func(c *registrydata.SchoolRecord) *registrydata.Meta { return &c.Meta })
	r.householdBenefits = keyedLoader(l, store.Bind(tx, registrydata.BenefitCasesByHouseholds), func(c *registrydata.BenefitCase) *registrydata.Meta { return &c.Meta })
	r.householdBenefits.fetch = primingMembers(l, r.householdBenefits.fetch)
	r.householdISEE = keyedLoader(l, store.Bind(tx, registrydata.ISEEByHouseholds), func(c *registrydata.ISEE) *registrydata.Meta { return &c.Meta })
	r.householdLabour = keyedLoader(l, store.Bind(tx, registrydata.LabourStatusByHouseholds), func(c *registrydata.LabourStatus) *registrydata.Meta { return &c.Meta })
	r.householdSchool = keyedLoader(l, store.Bind(tx, registrydata.SchoolRecordsByHouseholds), func(c *registrydata.SchoolRecord) *registrydata.Meta { return &c.Meta })
	return r
}

// keyedLoader groups rows by the key they were loaded for. The persons the records link
// to come with them (in scope or not at all), and are primed like any loaded person.
func keyedLoader[T any](l *Loaders, fetch func(context.Context, []string) ([]registrydata.Keyed[T], error), meta func(*T) *registrydata.Meta) *Loader[[]T] {
	return newLoader(func(ctx context.Context, keys []string) (map[string][]T, error) {
		rows, err := fetch(ctx, keys)
		out := make(map[string][]T, len(keys))
		var linked []casedata.Person
		for i := range rows {
			if p := meta(&rows[i].Value).Person; p != nil {
				linked = append(linked, *p)
			}
			out[rows[i].Key] = append(out[rows[i].Key], rows[i].Value)
		}
		l.PrimePersons(linked)
		return out, err
	})
}

// primingMembers primes the persons a benefit application names among its household
// members, so that checking them (benefitCaseResolver.HouseholdMembers) costs one
// statement for every application of the page.
func primingMembers(l *Loaders, fetch func(context.Context, []string) (map[string][]registrydata.BenefitCase, error)) func(context.Context, []string) (map[string][]registrydata.BenefitCase, error) {
	return func(ctx context.Context, keys []string) (map[string][]registrydata.BenefitCase, error) {
		got, err := fetch(ctx, keys)
		for _, cases := range got {
			for _, c := range cases {
				for _, m := range c.Members {
					l.personsByTaxCode.Prime(m.TaxCode)
				}
			}
		}
		return got, err
	}
}

// primePersons announces persons whose registry data may be asked for.
func (r *registryLoaders) primePersons(ids ...string) {
	for _, ld := range []interface{ Prime(...string) }{r.personBenefits, r.personISEE, r.personLabour, r.personEvents, r.personSchool} {
		ld.Prime(ids...)
	}
}

// primeHouseholds announces households whose registry data may be asked for.
func (r *registryLoaders) primeHouseholds(ids ...string) {
	for _, ld := range []interface{ Prime(...string) }{r.householdBenefits, r.householdISEE, r.householdLabour, r.householdSchool} {
		ld.Prime(ids...)
	}
}

// RegistryHealth is the sources' health, loaded once per request.
func (l *Loaders) RegistryHealth(ctx context.Context) (*registrydata.Health, error) {
	return l.registry.health.Load(ctx, healthKey)
}
