package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/graph/model"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Access is one request's access control: the plan authentication built for it (nil when
// the server runs open, with no access control), and what the request returned and
// changed, for its access-log entry. The resolvers of one request share it; it is safe
// for concurrent use.
//
// Field rule (the @category directive): a field of category c is read when the plan may
// read c, and, when the field describes a person under 18 on the request's date, also
// minors' data. A field describes a person when its object does:
//
//   - Person: the person itself;
//   - HouseholdMember, Assessment, Project (its participant), Intervention (its
//     beneficiary), Participation, Case (its person, when the case is about one person):
//     the person they name, whose birth date comes from the request's person loader
//     (persons outside the row scope count as minors: their age cannot be checked);
//   - registry records and the members of a benefit application: the person whose tax code
//     they carry, aged from the stored birth date or else from the tax code itself.
//
// Household, ActivityEntry, CaseOrganisationLink, AreaScore and SchoolQualification
// describe no single person: their fields need only their own category, and the field
// leading to them (Case.activity, Assessment.scores, …) was checked for the person of its
// object. A person whose age cannot be worked out counts as a minor.
type Access struct {
	plan      *access.Plan
	pseudo    *access.Pseudonymizer
	threshold int
	today     time.Time

	// Every field returned records its categories and person, so recording takes no
	// lock once a person is known: resolvers of one request run concurrently.
	read    atomic.Uint32
	written atomic.Uint32
	// persons maps each person whose data was returned or changed to what is known of
	// their age (personNamedOnly, personUnaged, personAged). Fields read without ageing their
	// person (the plan reads minors' data anyway) leave the age to Request.Touched, which
	// settles it once at the end: it only decides whether the log lists minors' data.
	persons sync.Map // string → personAge

	mu   sync.Mutex
	ages map[string]bool // tax code → minor, decoded once per request
}

// AccessOptions configure a request's Access.
type AccessOptions struct {
	// Pseudonyms computes Person.pseudonym; without it the field is UNAVAILABLE.
	Pseudonyms *access.Pseudonymizer
	// SuppressionThreshold is the smallest count aggregates show (default
	// access.DefaultSuppressionThreshold).
	SuppressionThreshold int
	// Now is the request's time, which decides who is a minor (default time.Now()).
	Now time.Time
}

// NewAccess returns the access control of a request under plan; a nil plan grants
// everything and records nothing (the server's open mode for local tools and tests).
func NewAccess(plan *access.Plan, opts AccessOptions) *Access {
	if opts.SuppressionThreshold <= 0 {
		opts.SuppressionThreshold = access.DefaultSuppressionThreshold
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	y, m, d := opts.Now.UTC().Date()
	return &Access{plan: plan, pseudo: opts.Pseudonyms, threshold: opts.SuppressionThreshold,
		today: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), ages: map[string]bool{}}
}

// Plan is the request's access plan; nil when the server runs open.
func (a *Access) Plan() *access.Plan { return a.plan }

// Touched returns what the request returned or changed so far: the persons, the
// categories read, and the categories written (sorted).
func (a *Access) Touched() (persons []string, read, written []access.Category) {
	a.persons.Range(func(k, _ any) bool {
		persons = append(persons, k.(string))
		return true
	})
	sort.Strings(persons)
	if persons == nil {
		persons = []string{}
	}
	return persons, access.CategorySet(a.read.Load()).List(), access.CategorySet(a.written.Load()).List()
}

// personAge is what a request knows of a person's age, for the access log.
type personAge int

const (
	// personNamedOnly: the person was named (an id, a change) with no field read about them.
	personNamedOnly personAge = iota
	// personUnaged: fields about the person were read without working out their age.
	personUnaged
	// personAged: a field read about the person was checked against their age, and the
	// minors category recorded if they are one.
	personAged
)

// record records what a field returned or a mutation changed: bits are its categories.
func (a *Access) record(person string, bits access.CategorySet, write bool) {
	if a.plan == nil {
		return
	}
	if write {
		a.written.Or(uint32(bits))
	} else {
		a.read.Or(uint32(bits))
	}
	if person == "" {
		return
	}
	if !write && bits != 0 {
		// Read through subjectOf: the age is known and the minors bit already set.
		a.persons.Store(person, personAged)
		return
	}
	a.persons.LoadOrStore(person, personNamedOnly)
}

// recordUnaged records a read about person, whose age settleAges works out later.
func (a *Access) recordUnaged(person string, bits access.CategorySet) {
	a.read.Or(uint32(bits))
	if person == "" {
		return
	}
	if v, loaded := a.persons.LoadOrStore(person, personUnaged); loaded && v.(personAge) == personNamedOnly {
		a.persons.CompareAndSwap(person, personNamedOnly, personUnaged)
	}
}

// touch records persons the request changed without writing categories of theirs
// (registry refreshes).
func (a *Access) touch(persons ...string) {
	for _, p := range persons {
		a.record(p, 0, true)
	}
}

// pseudonymous reports whether persons appear to this request only through pseudonyms.
func (a *Access) pseudonymous() bool { return a.plan != nil && a.plan.Pseudonymous() }

// adultsBornBy is the latest birth date of a person who is an adult on the request's date.
func (a *Access) adultsBornBy() *time.Time {
	d := a.today.AddDate(-18, 0, 0)
	return &d
}

func (a *Access) minorBorn(birth time.Time) bool { return birth.AddDate(18, 0, 0).After(a.today) }

// minorByTaxCode ages a person from their tax code; an unreadable one counts as a minor.
func (a *Access) minorByTaxCode(code string) bool {
	a.mu.Lock()
	m, ok := a.ages[code]
	a.mu.Unlock()
	if ok {
		return m
	}
	m = true
	if c, err := codicefiscale.Parse(code); err == nil {
		m = a.minorBorn(c.BirthDate(a.today))
	}
	a.mu.Lock()
	a.ages[code] = m
	a.mu.Unlock()
	return m
}

// subject is the person a field's object describes.
type subject struct {
	person string // the person's id, when the hub holds them
	minor  bool
	some   bool // the object describes a person at all
}

func (a *Access) personSubject(p *store.Person) subject {
	if p.BirthDate != nil {
		return subject{person: p.ID, minor: a.minorBorn(*p.BirthDate), some: true}
	}
	return subject{person: p.ID, minor: a.minorByTaxCode(p.TaxCode), some: true}
}

// personByID ages a person named by id through the request's person loader.
func (a *Access) personByID(ctx context.Context, r *Request, id string) subject {
	p, err := r.loaders.persons.load(ctx, id)
	if err != nil || p == nil {
		return subject{person: id, minor: true, some: true}
	}
	return a.personSubject(p)
}

func (a *Access) registrySubject(m *store.RegistryMeta) subject {
	s := subject{some: true}
	if m.PersonID != nil {
		s.person = *m.PersonID
	}
	if m.Person != nil && m.Person.BirthDate != nil {
		s.minor = a.minorBorn(*m.Person.BirthDate)
	} else {
		s.minor = a.minorByTaxCode(m.TaxCode)
	}
	return s
}

// personNamed is the id of the person obj names without carrying their birth date (see
// Access), and whether obj is such an object; a case about no single person names "".
func personNamed(obj any) (string, bool) {
	switch o := obj.(type) {
	case *store.HouseholdMember:
		return o.PersonID, true
	case *store.Case:
		if o.PersonID != nil {
			return *o.PersonID, true
		}
		return "", true
	case *store.Assessment:
		return o.PersonID, true
	case *store.Project:
		return o.ParticipantID, true
	case *store.Intervention:
		return o.BeneficiaryID, true
	case *store.Participation:
		if o.BirthDate == nil {
			return o.PersonID, true
		}
	}
	return "", false
}

// settleAges ages the persons recorded unaged, through the request's person loader (one
// statement for those the request did not load anyway), and adds the minors category
// to what was read when one of them is a minor.
func (a *Access) settleAges(ctx context.Context, r *Request) {
	var ids []string
	a.persons.Range(func(k, v any) bool {
		if v.(personAge) == personUnaged {
			ids = append(ids, k.(string))
		}
		return true
	})
	if len(ids) == 0 {
		return
	}
	r.loaders.persons.prime(ids...)
	minor := false
	for _, id := range ids {
		if !minor && a.personByID(ctx, r, id).minor {
			a.read.Or(uint32(access.CategoryMinors.Bit()))
			minor = true
		}
		a.persons.Store(id, personAged)
	}
}

// subjectOf works out the person obj describes (see Access).
func (a *Access) subjectOf(ctx context.Context, r *Request, obj any) subject {
	switch o := obj.(type) {
	case *store.Person:
		return a.personSubject(o)
	case *store.Participation:
		if o.BirthDate != nil {
			return subject{person: o.PersonID, minor: a.minorBorn(*o.BirthDate), some: true}
		}
	case *store.BenefitCase:
		return a.registrySubject(&o.RegistryMeta)
	case *store.ISEE:
		return a.registrySubject(&o.RegistryMeta)
	case *store.LabourStatus:
		return a.registrySubject(&o.RegistryMeta)
	case *store.EmploymentEvent:
		return a.registrySubject(&o.RegistryMeta)
	case *store.SchoolRecord:
		return a.registrySubject(&o.RegistryMeta)
	case *model.EsfParticipant:
		// The birth date the ESF+ record holds (or derived from its tax code); without
		// one the participant counts as a minor, like any person whose age is unknown.
		if o.BirthDate != nil {
			return subject{person: o.PersonID, minor: a.minorBorn(*o.BirthDate), some: true}
		}
		return subject{person: o.PersonID, minor: true, some: true}
	case *model.EsfRecordChange:
		return a.personByID(ctx, r, o.PersonID)
	case *store.BenefitMember:
		if o.PersonID != "" {
			return a.personByID(ctx, r, o.PersonID)
		}
		if o.BirthDate != nil {
			return subject{minor: a.minorBorn(*o.BirthDate), some: true}
		}
		return subject{minor: a.minorByTaxCode(o.TaxCode), some: true}
	}
	// Objects naming their person by id: aged through the request's person loader.
	if id, ok := personNamed(obj); ok && id != "" {
		return a.personByID(ctx, r, id)
	}
	return subject{}
}

// schemaCategories maps the DataCategory enum of the schema to the access vocabulary;
// SPECIAL is the deprecated spelling of SPECIAL_OTHER.
var schemaCategories = func() map[string]access.Category {
	m := map[string]access.Category{"SPECIAL": access.CategorySpecialOther}
	for _, c := range access.Categories() {
		n, err := access.ParseCategory(string(c))
		if err != nil {
			panic(err)
		}
		m[strings.ToUpper(string(n))] = n
	}
	return m
}()

// SchemaCategory returns the access category of a DataCategory enum value.
func SchemaCategory(name string) (access.Category, bool) {
	c, ok := schemaCategories[name]
	return c, ok
}

// CategoryDirective implements @category: it answers the field from the request's plan
// before resolving it (see Access for the rule), and records what was returned for the
// access log. A denied field resolves to null with a FORBIDDEN error at its path.
func CategoryDirective(ctx context.Context, obj any, next graphql.Resolver, name string) (any, error) {
	r := RequestFrom(ctx)
	if r == nil {
		return nil, errNoRequest
	}
	a := r.access
	if a.plan == nil {
		return next(ctx)
	}
	cat, ok := schemaCategories[name]
	if !ok {
		return nil, &access.DeniedError{Reason: fmt.Sprintf("unknown data category %s", name)}
	}
	bits := cat.Bit()
	if a.plan.CanRead(cat) && a.plan.CanRead(access.CategoryMinors) && !r.referralHidesMinors(ctx, obj) {
		// Allowed whatever the person's age: the age only matters to the log, and is
		// settled once for the whole request instead of for every field.
		if id, ok := personNamed(obj); ok {
			if err := r.checkReferral(ctx, obj, cat, false); err != nil {
				return nil, err
			}
			res, err := next(ctx)
			if err == nil {
				a.recordUnaged(id, bits)
			}
			return res, err
		}
	}
	s := a.subjectOf(ctx, r, obj)
	if s.minor {
		bits |= access.CategoryMinors.Bit()
	}
	if !a.plan.CanReadAbout(cat, s.minor) || (s.minor && !a.plan.CanRead(access.CategoryMinors)) {
		if a.plan.CanReadMinorsOnly(cat) {
			return nil, &access.DeniedError{Reason: fmt.Sprintf("%s data may be read only about minors for this purpose", cat)}
		}
		err := a.plan.CheckRead(access.RequiredForPerson(cat, s.minor)...)
		var de *access.DeniedError
		if s.minor && errors.As(err, &de) {
			return nil, &access.DeniedError{Reason: de.Reason + " (the data is about a minor)"}
		}
		return nil, err
	}
	if err := r.checkReferral(ctx, obj, cat, s.minor); err != nil {
		return nil, err
	}
	res, err := next(ctx)
	if err == nil {
		a.record(s.person, bits, false)
	}
	return res, err
}

// mutationRule is what a mutation field needs from the plan: an access.Mutation of the
// vocabulary, or for mutations it has no entry for, the categories written.
type mutationRule struct {
	mutation access.Mutation
	writes   []access.Category
}

// mutationRules maps every mutation field of the schema to the access vocabulary. A
// mutation field missing here is refused: new mutations must say what they write.
var mutationRules = map[string]mutationRule{
	// Registering persons and households writes their identifying, demographic and
	// contact data, and the household composition.
	"registerPerson":  {writes: []access.Category{access.CategoryIdentity, access.CategoryDemographic, access.CategoryContact}},
	"createHousehold": {writes: []access.Category{access.CategoryHousehold, access.CategoryDemographic}},

	"addHouseholdMember":     {mutation: access.MutationAddHouseholdMember},
	"endHouseholdMembership": {mutation: access.MutationEndHouseholdMembership},
	"openCase":               {mutation: access.MutationOpenCase},
	"closeCase":              {mutation: access.MutationCloseCase},
	"recordAssessment":       {mutation: access.MutationRecordAssessment},
	"createProject":          {mutation: access.MutationCreateProject},
	"updateProject":          {mutation: access.MutationUpdateProject},
	"activateIntervention":   {mutation: access.MutationActivateIntervention},
	"completeIntervention":   {mutation: access.MutationCompleteIntervention},
	"interruptIntervention":  {mutation: access.MutationInterruptIntervention},
	"addActivityEntry":       {mutation: access.MutationAddActivityEntry},
	"enrolParticipant":       {mutation: access.MutationEnrolParticipant},
	"recordParticipantExit":  {mutation: access.MutationRecordParticipantExit},
	"refreshRegistryData":    {mutation: access.MutationRefreshRegistry},
	"freezeEsfReport":        {mutation: access.MutationFreezeESFReport},
	"createRightsRequest":    {mutation: access.MutationCreateRightsRequest},
	"assignRightsRequest":    {mutation: access.MutationAssignRightsRequest},
	"extendRightsRequest":    {mutation: access.MutationExtendRightsRequest},
	"closeRightsRequest":     {mutation: access.MutationCloseRightsRequest},
	"restrictProcessing":     {mutation: access.MutationRestrictProcessing},
	"liftRestriction":        {mutation: access.MutationLiftRestriction},
	"erasePerson":            {mutation: access.MutationErasePerson},
	"rectifyPerson":          {mutation: access.MutationRectifyPerson},
	"recordConsent":          {mutation: access.MutationRecordConsent},
	"withdrawConsent":        {mutation: access.MutationWithdrawConsent},
	"addCaseOrganisation":    {mutation: access.MutationAddCaseOrganisation},
	"removeCaseOrganisation": {mutation: access.MutationRemoveCaseOrganisation},
	"changeCaseLeadWorker":   {mutation: access.MutationChangeCaseLeadWorker},
	"setCaseDepartments":     {mutation: access.MutationSetCaseDepartments},
	"suspendCase":            {mutation: access.MutationSuspendCase},
	"reopenCase":             {mutation: access.MutationReopenCase},
	"correctIntervention":    {mutation: access.MutationCorrectIntervention},
	"cancelIntervention":     {mutation: access.MutationCancelIntervention},
	"correctAssessment":      {mutation: access.MutationCorrectAssessment},
	"cancelAssessment":       {mutation: access.MutationCancelAssessment},
	"updatePerson":           {mutation: access.MutationUpdatePerson},
	"requestReferral":        {mutation: access.MutationRequestReferral},
	"acceptReferral":         {mutation: access.MutationAcceptReferral},
	"declineReferral":        {mutation: access.MutationDeclineReferral},
	"endReferral":            {mutation: access.MutationEndReferral},
	"requestTransfer":        {mutation: access.MutationRequestTransfer},
	"acceptTransfer":         {mutation: access.MutationAcceptTransfer},
	"declineTransfer":        {mutation: access.MutationDeclineTransfer},
	"cancelTransfer":         {mutation: access.MutationCancelTransfer},
}

// checkMutationRule is what CheckMutation asks the plan about a mutation field.
func checkMutationRule(plan *access.Plan, field string) error {
	rule, ok := mutationRules[field]
	if !ok {
		return &access.DeniedError{Reason: fmt.Sprintf("mutation %s has no access rule", field)}
	}
	if rule.mutation != "" {
		return plan.CheckMutation(rule.mutation)
	}
	if err := plan.CheckWrite(rule.writes...); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// MutationFields lists the mutation fields the access rules know, sorted.
func MutationFields() []string {
	out := make([]string, 0, len(mutationRules))
	for f := range mutationRules {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// CheckMutation returns nil when the request's plan allows the mutation field, and
// records the categories it writes; else a FORBIDDEN error (*access.DeniedError). The
// server calls it before the field runs, so a denied mutation writes nothing.
func CheckMutation(ctx context.Context, field string) error {
	r, err := request(ctx)
	if err != nil {
		return err
	}
	a := r.access
	if a.plan == nil {
		return nil
	}
	if err := checkMutationRule(a.plan, field); err != nil {
		return err
	}
	rule := mutationRules[field]
	writes := rule.writes
	if rule.mutation != "" {
		writes = rule.mutation.Writes()
	}
	var bits access.CategorySet
	for _, c := range writes {
		bits |= c.Bit()
	}
	a.record("", bits, true)
	return nil
}

// recordWritten records the person a mutation's result is about.
func recordWritten(ctx context.Context, r *Request, out any) {
	if r.access.plan == nil {
		return
	}
	var person string
	switch o := out.(type) {
	case store.Person:
		person = o.ID
	case store.HouseholdMember:
		person = o.PersonID
	case store.Case:
		if o.PersonID != nil {
			person = *o.PersonID
		}
	case store.Assessment:
		person = o.PersonID
	case store.Project:
		person = o.ParticipantID
	case store.Intervention:
		person = o.BeneficiaryID
	case store.Participation:
		person = o.PersonID
	case store.ActivityEntry:
		person = casePerson(ctx, r, o.CaseID)
	case store.Referral:
		person = casePerson(ctx, r, o.CaseID)
	case store.Transfer:
		person = casePerson(ctx, r, o.CaseID)
	}
	if person != "" {
		r.access.touch(person)
	}
}

// casePerson is the person a case is about, when the request sees the case and it is
// about one person.
func casePerson(ctx context.Context, r *Request, caseID string) string {
	if c, err := r.loaders.cases.load(ctx, caseID); err == nil && c != nil && c.PersonID != nil {
		return *c.PersonID
	}
	return ""
}

// requireOperation returns nil when the plan allows op (always, when open).
func requireOperation(ctx context.Context, op access.Operation) (*Request, error) {
	return requirePlan(ctx, func(p *access.Plan) error { return p.CheckOperation(op) })
}

// requirePlan returns the request when check passes on its plan; always when the server
// runs open.
func requirePlan(ctx context.Context, check func(*access.Plan) error) (*Request, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	if r.access.plan != nil {
		if err := check(r.access.plan); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// pseudonym returns the keyed pseudonym of a person.
func (a *Access) pseudonym(personID string) (string, error) {
	if a.pseudo == nil {
		return "", fmt.Errorf("graph: pseudonyms are not configured on this hub (PONTE_PSEUDONYM_KEY): %w", apperr.ErrUnavailable)
	}
	return a.pseudo.Person(personID), nil
}
