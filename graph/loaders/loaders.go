// Package loaders batches one request's relations: whenever rows are loaded, the keys
// their children will ask for are primed, so a page costs one statement per relation.
package loaders

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// Loader batches one relation for one request, deterministically: whenever rows are loaded,
// the keys their children will ask for are primed; the first child to ask fetches every
// primed key in one statement. So a page of N parents costs one statement per relation,
// whatever N, without the timing windows of a classic dataloader.
type Loader[V any] struct {
	// fetchMu serialises fetches of this relation; mu guards the fields below and is never
	// held while a fetch runs, so priming from another loader's fetch cannot deadlock.
	fetchMu sync.Mutex
	mu      sync.Mutex
	done    map[string]V
	// pending are the keys primed since the last fetch, repeats and keys done included:
	// sorted out when a fetch needs them. A page primes every relation its rows have
	// (a case primes fifteen), most of which the query never asks for, so priming is an
	// append and the fetch, when there is one, pays for the set.
	pending []string
	fetch   func(ctx context.Context, keys []string) (map[string]V, error)
}

func newLoader[V any](fetch func(ctx context.Context, keys []string) (map[string]V, error)) *Loader[V] {
	return &Loader[V]{done: map[string]V{}, fetch: fetch}
}

// Prime announces keys that will probably be asked for.
func (l *Loader[V]) Prime(keys ...string) {
	l.mu.Lock()
	l.pending = append(l.pending, keys...)
	l.mu.Unlock()
}

// Load returns the value of key, fetching it together with every pending key.
func (l *Loader[V]) Load(ctx context.Context, key string) (V, error) {
	l.mu.Lock()
	v, ok := l.done[key]
	l.mu.Unlock()
	if ok {
		return v, nil
	}
	l.fetchMu.Lock()
	defer l.fetchMu.Unlock()
	l.mu.Lock()
	if v, ok := l.done[key]; ok {
		l.mu.Unlock()
		return v, nil
	}
	// The key asked for, and every primed key that is not done (nor empty, which is no key).
	keys := slices.DeleteFunc(l.pending, func(k string) bool {
		_, done := l.done[k]
		return done || k == ""
	})
	keys = append(keys, key)
	l.pending = nil
	slices.Sort(keys)
	keys = slices.Compact(keys)
	l.mu.Unlock()

	got, err := l.fetch(ctx, keys)
	if err != nil {
		var zero V
		return zero, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.done) == 0 {
		l.done = make(map[string]V, len(keys))
	}
	for _, k := range keys {
		l.done[k] = got[k]
	}
	return l.done[key], nil
}

// byID indexes rows by id, as pointers so a missing row is nil.
func byID[T any](rows []T, id func(T) string) map[string]*T {
	m := make(map[string]*T, len(rows))
	for i := range rows {
		m[id(rows[i])] = &rows[i]
	}
	return m
}

// groupBy groups rows under a key, keeping their order within a key. The groups are
// windows of one copy of the rows, counted first, rather than a slice grown for each key.
func groupBy[T any](rows []T, key func(T) string) map[string][]T {
	counts := make(map[string]int, len(rows))
	for i := range rows {
		counts[key(rows[i])]++
	}
	all := make([]T, len(rows))
	m := make(map[string][]T, len(counts))
	off := 0
	for k, n := range counts {
		m[k] = all[off : off : off+n]
		off += n
	}
	for i := range rows {
		k := key(rows[i])
		m[k] = append(m[k], rows[i])
	}
	return m
}

// Loaders are one request's batched relations.
type Loaders struct {
	organisations *Loader[*casedata.Organisation]
	departments   *Loader[*casedata.Department]
	staff         *Loader[*casedata.Staff]
	persons       *Loader[*casedata.Person]
	// personsByTaxCode finds, by tax code, the persons a registry record names: those in
	// the row scope, nil for anyone else.
	personsByTaxCode *Loader[*casedata.Person]
	households       *Loader[*casedata.Household]
	cases            *Loader[*casedata.Case]
	projects         *Loader[*casedata.Project]
	operations       *Loader[*casedata.Operation]
	rounds           *Loader[*casedata.Round]
	orgDepartments   *Loader[[]casedata.Department]
	householdMembs   *Loader[[]casedata.HouseholdMember]
	personMembs      *Loader[[]casedata.HouseholdMember]
	householdCases   *Loader[[]casedata.Case]
	caseDepts        *Loader[[]string]
	caseOrgs         *Loader[[]casedata.CaseOrganisation]
	caseAssessment   *Loader[[]casedata.Assessment]
	caseProjects     *Loader[[]casedata.Project]
	caseInterv       *Loader[[]casedata.Intervention]
	projectInterv    *Loader[[]casedata.Intervention]
	caseActivity     *Loader[[]casedata.ActivityEntry]
	opRounds         *Loader[[]casedata.Round]
	personParts      *Loader[[]casedata.Participation]
	registry         *registryLoaders
	// Working across organisations.
	caseParts     *Loader[[]casedata.CaseParticipation]
	caseEvents    *Loader[[]casedata.CaseEvent]
	caseReferrals *Loader[[]casedata.Referral]
	caseTransfers *Loader[[]casedata.Transfer]
	caseDue       *Loader[[]casedata.DueAction]
	personRects   *Loader[[]casedata.PersonDataChange]
	// today is the request's date, which due actions are computed for.
	today time.Time
}

// New returns the loaders of a request reading through tx on the given day (which due
// actions are computed for).
func New(tx *store.Tx, today time.Time) *Loaders {
	l := &Loaders{today: today}
	l.organisations = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Organisation, error) {
		rows, err := casedata.OrganisationsByIDs(ctx, tx, ids)
		return byID(rows, func(o casedata.Organisation) string { return o.ID }), err
	})
	l.departments = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Department, error) {
		rows, err := casedata.DepartmentsByIDs(ctx, tx, ids)
		for _, d := range rows {
			l.organisations.Prime(d.OrganisationID)
		}
		return byID(rows, func(d casedata.Department) string { return d.ID }), err
	})
	l.staff = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Staff, error) {
		rows, err := casedata.StaffByIDs(ctx, tx, ids)
		for _, s := range rows {
			l.organisations.Prime(s.OrganisationID)
			if s.DepartmentID != nil {
				l.departments.Prime(*s.DepartmentID)
			}
		}
		return byID(rows, func(s casedata.Staff) string { return s.ID }), err
	})
	l.persons = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Person, error) {
		rows, err := casedata.PersonsByIDs(ctx, tx, ids)
		l.PrimePersons(rows)
		return byID(rows, func(p casedata.Person) string { return p.ID }), err
	})
	l.personsByTaxCode = newLoader(func(ctx context.Context, codes []string) (map[string]*casedata.Person, error) {
		rows, err := casedata.PersonsByTaxCodes(ctx, tx, codes)
		l.PrimePersons(rows)
		return byID(rows, func(p casedata.Person) string { return p.TaxCode }), err
	})
	l.households = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Household, error) {
		rows, err := casedata.HouseholdsByIDs(ctx, tx, ids)
		if len(rows) > 0 {
			hids := keys(rows, func(h *casedata.Household) string { return h.ID })
			l.householdMembs.Prime(hids...)
			l.householdCases.Prime(hids...)
			l.registry.primeHouseholds(hids...)
		}
		return byID(rows, func(h casedata.Household) string { return h.ID }), err
	})
	l.cases = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Case, error) {
		rows, err := casedata.CasesByIDs(ctx, tx, ids)
		l.PrimeCases(rows)
		return byID(rows, func(c casedata.Case) string { return c.ID }), err
	})
	l.projects = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Project, error) {
		rows, err := casedata.ProjectsByIDs(ctx, tx, ids)
		l.PrimeProjects(rows)
		return byID(rows, func(p casedata.Project) string { return p.ID }), err
	})
	l.operations = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Operation, error) {
		rows, err := casedata.OperationsByIDs(ctx, tx, ids)
		for _, o := range rows {
			l.opRounds.Prime(o.ID)
		}
		return byID(rows, func(o casedata.Operation) string { return o.ID }), err
	})
	l.rounds = newLoader(func(ctx context.Context, ids []string) (map[string]*casedata.Round, error) {
		rows, err := casedata.RoundsByIDs(ctx, tx, ids)
		for _, r := range rows {
			l.operations.Prime(r.OperationID)
		}
		return byID(rows, func(r casedata.Round) string { return r.ID }), err
	})
	l.orgDepartments = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Department, error) {
		rows, err := casedata.DepartmentsByOrganisation(ctx, tx, ids)
		return groupBy(rows, func(d casedata.Department) string { return d.OrganisationID }), err
	})
	l.householdMembs = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.HouseholdMember, error) {
		rows, err := casedata.MembersByHousehold(ctx, tx, ids)
		l.persons.Prime(keys(rows, func(m *casedata.HouseholdMember) string { return m.PersonID })...)
		return groupBy(rows, func(m casedata.HouseholdMember) string { return m.HouseholdID }), err
	})
	l.personMembs = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.HouseholdMember, error) {
		rows, err := casedata.MembershipsByPerson(ctx, tx, ids)
		l.households.Prime(keys(rows, func(m *casedata.HouseholdMember) string { return m.HouseholdID })...)
		return groupBy(rows, func(m casedata.HouseholdMember) string { return m.PersonID }), err
	})
	l.householdCases = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Case, error) {
		rows, err := casedata.CasesByHousehold(ctx, tx, ids)
		l.PrimeCases(rows)
		return groupBy(rows, func(c casedata.Case) string { return *c.HouseholdID }), err
	})
	l.caseDepts = newLoader(func(ctx context.Context, ids []string) (map[string][]string, error) {
		links, err := casedata.CaseDepartmentLinks(ctx, tx, ids)
		m := make(map[string][]string, len(ids))
		for _, lk := range links {
			m[lk[0]] = append(m[lk[0]], lk[1])
		}
		l.departments.Prime(keys(links, func(lk *[2]string) string { return lk[1] })...)
		return m, err
	})
	l.caseOrgs = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.CaseOrganisation, error) {
		rows, err := casedata.CaseOrganisations(ctx, tx, ids)
		l.organisations.Prime(keys(rows, func(co *casedata.CaseOrganisation) string { return co.OrganisationID })...)
		return groupBy(rows, func(co casedata.CaseOrganisation) string { return co.CaseID }), err
	})
	l.caseAssessment = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Assessment, error) {
		rows, err := casedata.AssessmentsByCase(ctx, tx, ids)
		for _, a := range rows {
			l.persons.Prime(a.PersonID)
			l.staff.Prime(a.AssessorID)
		}
		return groupBy(rows, func(a casedata.Assessment) string { return a.CaseID }), err
	})
	l.caseProjects = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Project, error) {
		rows, err := casedata.ProjectsByCase(ctx, tx, ids)
		l.PrimeProjects(rows)
		return groupBy(rows, func(p casedata.Project) string { return p.CaseID }), err
	})
	l.caseInterv = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Intervention, error) {
		rows, err := casedata.InterventionsByCase(ctx, tx, ids)
		l.PrimeInterventions(rows)
		return groupBy(rows, func(i casedata.Intervention) string { return i.CaseID }), err
	})
	l.projectInterv = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Intervention, error) {
		rows, err := casedata.InterventionsByProject(ctx, tx, ids)
		l.PrimeInterventions(rows)
		return groupBy(rows, func(i casedata.Intervention) string { return *i.ProjectID }), err
	})
	l.caseActivity = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.ActivityEntry, error) {
		rows, err := casedata.ActivityByCase(ctx, tx, ids)
		for _, e := range rows {
			l.staff.Prime(e.AuthorID)
		}
		return groupBy(rows, func(e casedata.ActivityEntry) string { return e.CaseID }), err
	})
	l.opRounds = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Round, error) {
		rows, err := casedata.RoundsByOperation(ctx, tx, ids)
		return groupBy(rows, func(r casedata.Round) string { return r.OperationID }), err
	})
	l.personParts = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Participation, error) {
		rows, err := casedata.ParticipationsByPerson(ctx, tx, ids)
		l.PrimeParticipations(rows)
		return groupBy(rows, func(p casedata.Participation) string { return p.PersonID }), err
	})
	l.registry = newRegistryLoaders(tx, l)
	l.caseParts = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.CaseParticipation, error) {
		rows, err := casedata.ParticipationsByCase(ctx, tx, ids)
		for _, p := range rows {
			l.organisations.Prime(p.OrganisationID)
		}
		return groupBy(rows, func(p casedata.CaseParticipation) string { return p.CaseID }), err
	})
	l.caseEvents = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.CaseEvent, error) {
		rows, err := casedata.CaseEventsByCase(ctx, tx, ids)
		for _, e := range rows {
			if e.ActorStaffID != nil {
				l.staff.Prime(*e.ActorStaffID)
			}
			if e.OrganisationID != nil {
				l.organisations.Prime(*e.OrganisationID)
			}
		}
		return groupBy(rows, func(e casedata.CaseEvent) string { return e.CaseID }), err
	})
	l.caseReferrals = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Referral, error) {
		rows, err := casedata.ReferralsByCase(ctx, tx, ids)
		for _, x := range rows {
			l.organisations.Prime(x.FromOrganisationID, x.ToOrganisationID)
		}
		return groupBy(rows, func(x casedata.Referral) string { return x.CaseID }), err
	})
	l.caseTransfers = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.Transfer, error) {
		rows, err := casedata.TransfersByCase(ctx, tx, ids)
		for _, x := range rows {
			l.organisations.Prime(x.FromOrganisationID, x.ToOrganisationID)
			l.staff.Prime(x.FromWorkerID)
		}
		return groupBy(rows, func(x casedata.Transfer) string { return x.CaseID }), err
	})
	l.caseDue = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.DueAction, error) {
		rows, err := casedata.DueActionsByCase(ctx, tx, l.today, ids)
		return groupBy(rows, func(d casedata.DueAction) string { return d.CaseID }), err
	})
	l.personRects = newLoader(func(ctx context.Context, ids []string) (map[string][]casedata.PersonDataChange, error) {
		rows, err := casedata.RectificationsByPerson(ctx, tx, ids)
		return groupBy(rows, func(x casedata.PersonDataChange) string { return x.PersonID }), err
	})
	return l
}

// Priming goes relation by relation, each taking every row's key at once: one lock and
// one append a relation, where a row at a time took a lock a relation a row (a page of
// cases primes fifteen relations for each of its cases).

// keys are the keys rows give, "" (no key, which a fetch skips) for a row without one.
func keys[R any](rows []R, key func(*R) string) []string {
	out := make([]string, len(rows))
	for i := range rows {
		out[i] = key(&rows[i])
	}
	return out
}

// orNone is the key a nullable reference gives.
func orNone(id *string) string {
	if id == nil {
		return ""
	}
	return *id
}

func (l *Loaders) PrimeCases(rows []casedata.Case) {
	if len(rows) == 0 {
		return
	}
	l.households.Prime(keys(rows, func(c *casedata.Case) string { return orNone(c.HouseholdID) })...)
	l.persons.Prime(keys(rows, func(c *casedata.Case) string { return orNone(c.PersonID) })...)
	l.organisations.Prime(keys(rows, func(c *casedata.Case) string { return c.OrganisationID })...)
	l.staff.Prime(keys(rows, func(c *casedata.Case) string { return c.LeadWorkerID })...)
	ids := keys(rows, func(c *casedata.Case) string { return c.ID })
	for _, ld := range []interface{ Prime(...string) }{l.caseDepts, l.caseOrgs, l.caseAssessment, l.caseProjects,
		l.caseInterv, l.caseActivity, l.caseParts, l.caseEvents, l.caseReferrals, l.caseTransfers, l.caseDue} {
		ld.Prime(ids...)
	}
}

func (l *Loaders) PrimePersons(rows []casedata.Person) {
	if len(rows) == 0 {
		return
	}
	ids := keys(rows, func(p *casedata.Person) string { return p.ID })
	l.personMembs.Prime(ids...)
	l.personParts.Prime(ids...)
	l.registry.primePersons(ids...)
}

func (l *Loaders) PrimeProjects(rows []casedata.Project) {
	if len(rows) == 0 {
		return
	}
	l.cases.Prime(keys(rows, func(p *casedata.Project) string { return p.CaseID })...)
	l.persons.Prime(keys(rows, func(p *casedata.Project) string { return p.ParticipantID })...)
	l.organisations.Prime(keys(rows, func(p *casedata.Project) string { return p.ProviderOrganisationID })...)
	l.staff.Prime(keys(rows, func(p *casedata.Project) string { return orNone(p.CaseManagerID) })...)
	l.projectInterv.Prime(keys(rows, func(p *casedata.Project) string { return p.ID })...)
}

func (l *Loaders) PrimeInterventions(rows []casedata.Intervention) {
	if len(rows) == 0 {
		return
	}
	l.persons.Prime(keys(rows, func(i *casedata.Intervention) string { return i.BeneficiaryID })...)
	l.organisations.Prime(keys(rows, func(i *casedata.Intervention) string { return i.ProviderOrganisationID })...)
	l.projects.Prime(keys(rows, func(i *casedata.Intervention) string { return orNone(i.ProjectID) })...)
	l.rounds.Prime(keys(rows, func(i *casedata.Intervention) string { return orNone(i.RoundID) })...)
}

func (l *Loaders) PrimeParticipations(rows []casedata.Participation) {
	if len(rows) == 0 {
		return
	}
	l.persons.Prime(keys(rows, func(p *casedata.Participation) string { return p.PersonID })...)
	l.operations.Prime(keys(rows, func(p *casedata.Participation) string { return p.OperationID })...)
	l.rounds.Prime(keys(rows, func(p *casedata.Participation) string { return orNone(p.RoundID) })...)
}
