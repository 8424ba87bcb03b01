package loaders

import (
	"context"

	"github.com/ponte-hub/ponte/internal/store"
)

// registryLoaders batch one request's registry data: per person and per household, five
// kinds of records, each one statement for every key primed, plus the sources' health the
// freshness verdicts read (two statements, once per request).
type registryLoaders struct {
	health            *Loader[*store.RegistryHealth]
	personBenefits    *Loader[[]store.BenefitCase]
	personISEE        *Loader[[]store.ISEE]
	personLabour      *Loader[[]store.LabourStatus]
	personEvents      *Loader[[]store.EmploymentEvent]
	personSchool      *Loader[[]store.SchoolRecord]
	householdBenefits *Loader[[]store.BenefitCase]
	householdISEE     *Loader[[]store.ISEE]
	householdLabour   *Loader[[]store.LabourStatus]
	householdSchool   *Loader[[]store.SchoolRecord]
}

// healthKey is the one key of the health loader.
const healthKey = "health"

func newRegistryLoaders(tx *store.Tx, l *Loaders) *registryLoaders {
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
func keyedLoader[T any](l *Loaders, fetch func(context.Context, []string) ([]store.Keyed[T], error), meta func(*T) *store.RegistryMeta) *Loader[[]T] {
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
		l.PrimePersons(linked)
		return out, err
	})
}

// primingMembers primes the persons a benefit application names among its household
// members, so that checking them (benefitCaseResolver.HouseholdMembers) costs one
// statement for every application of the page.
func primingMembers(l *Loaders, fetch func(context.Context, []string) (map[string][]store.BenefitCase, error)) func(context.Context, []string) (map[string][]store.BenefitCase, error) {
	return func(ctx context.Context, keys []string) (map[string][]store.BenefitCase, error) {
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
func (l *Loaders) RegistryHealth(ctx context.Context) (*store.RegistryHealth, error) {
	return l.registry.health.Load(ctx, healthKey)
}
