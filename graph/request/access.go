package request

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Pseudonymous reports whether persons appear to this request only through pseudonyms.
func (r *Request) Pseudonymous() bool { return r.plan != nil && r.plan.Pseudonymous() }

// adultsBornBy is the latest birth date of a person who is an adult on the request's date.
func (r *Request) adultsBornBy() *time.Time {
	d := r.today.AddDate(-18, 0, 0)
	return &d
}

func (r *Request) minorBorn(birth time.Time) bool { return birth.AddDate(18, 0, 0).After(r.today) }

// minorByTaxCode ages a person from their tax code; an unreadable one counts as a minor.
func (r *Request) minorByTaxCode(code string) bool {
	r.mu.Lock()
	m, ok := r.ages[code]
	r.mu.Unlock()
	if ok {
		return m
	}
	m = true
	if c, err := codicefiscale.Parse(code); err == nil {
		m = r.minorBorn(c.BirthDate(r.today))
	}
	r.mu.Lock()
	r.ages[code] = m
	r.mu.Unlock()
	return m
}

// subject is the person a field's object describes.
type subject struct {
	person string // the person's id, when the hub holds them
	minor  bool
	some   bool // the object describes a person at all
}

func (r *Request) personSubject(p *casedata.Person) subject {
	if p.BirthDate != nil {
		return subject{person: p.ID, minor: r.minorBorn(*p.BirthDate), some: true}
	}
	return subject{person: p.ID, minor: r.minorByTaxCode(p.TaxCode), some: true}
}

// personByID ages a person named by id through the request's person loader.
func (r *Request) personByID(ctx context.Context, id string) subject {
	p, err := loaders.Persons(r.loaders).Load(ctx, id)
	if err != nil || p == nil {
		return subject{person: id, minor: true, some: true}
	}
	return r.personSubject(p)
}

func (r *Request) registrySubject(m *registrydata.Meta) subject {
	s := subject{some: true}
	if m.PersonID != nil {
		s.person = *m.PersonID
	}
	if m.Person != nil && m.Person.BirthDate != nil {
		s.minor = r.minorBorn(*m.Person.BirthDate)
	} else {
		s.minor = r.minorByTaxCode(m.TaxCode)
	}
	return s
}

// personNamed is the id of the person obj names without carrying their birth date (see
// CategoryDirective), and whether obj is such an object; a case about no single person names "".
func personNamed(obj any) (string, bool) {
	switch o := obj.(type) {
	case *casedata.HouseholdMember:
		return o.PersonID, true
	case *casedata.Case:
		if o.PersonID != nil {
			return *o.PersonID, true
		}
		return "", true
	case *casedata.Assessment:
		return o.PersonID, true
	case *casedata.Project:
		return o.ParticipantID, true
	case *casedata.Intervention:
		return o.BeneficiaryID, true
	case *casedata.Participation:
		if o.BirthDate == nil {
			return o.PersonID, true
		}
	}
	return "", false
}

// subjectOf works out the person obj describes (see CategoryDirective).
func (r *Request) subjectOf(ctx context.Context, obj any) subject {
	switch o := obj.(type) {
	case *casedata.Person:
		return r.personSubject(o)
	case *casedata.Participation:
		if o.BirthDate != nil {
			return subject{person: o.PersonID, minor: r.minorBorn(*o.BirthDate), some: true}
		}
	case *registrydata.BenefitCase:
		return r.registrySubject(&o.Meta)
	case *registrydata.ISEE:
		return r.registrySubject(&o.Meta)
	case *registrydata.LabourStatus:
		return r.registrySubject(&o.Meta)
	case *registrydata.EmploymentEvent:
		return r.registrySubject(&o.Meta)
	case *registrydata.SchoolRecord:
		return r.registrySubject(&o.Meta)
	case *model.EsfParticipant:
		// The birth date the ESF+ record holds (or derived from its tax code); without
		// one the participant counts as a minor, like any person whose age is unknown.
		if o.BirthDate != nil {
			return subject{person: o.PersonID, minor: r.minorBorn(*o.BirthDate), some: true}
		}
		return subject{person: o.PersonID, minor: true, some: true}
	case *model.EsfRecordChange:
		return r.personByID(ctx, o.PersonID)
	case *registrydata.BenefitMember:
		if o.PersonID != "" {
			return r.personByID(ctx, o.PersonID)
		}
		if o.BirthDate != nil {
			return subject{minor: r.minorBorn(*o.BirthDate), some: true}
		}
		return subject{minor: r.minorByTaxCode(o.TaxCode), some: true}
	}
	// Objects naming their person by id: aged through the request's person loader.
	if id, ok := personNamed(obj); ok && id != "" {
		return r.personByID(ctx, id)
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

// categoryIndex numbers the DataCategory enum values, for the request's rules.
var categoryIndex, categoryOf = func() (map[string]int, []access.Category) {
	idx := make(map[string]int, len(schemaCategories))
	cats := make([]access.Category, 0, len(schemaCategories))
	for name, c := range schemaCategories {
		idx[name] = len(cats)
		cats = append(cats, c)
	}
	return idx, cats
}()

// categoryRule is what the request's plan says of the fields of one data category,
// worked out once per request (rules) rather than at every field of every object.
type categoryRule struct {
	cat  access.Category
	bits access.CategorySet
	// anyAge: the plan reads the category about anyone and minors' data too, so the
	// field is read whatever its person's age (unless a referral narrows its object).
	anyAge bool
	// adults, minors: the plan reads the category about an adult, about a minor (minors'
	// data included).
	adults, minors bool
}

// minorsBit is the minors category's bit, which a read about a minor adds.
var minorsBit = access.CategoryMinors.Bit()

// newRules works out the plan's rule for every DataCategory (nil without a plan).
func newRules(p *access.Plan) []categoryRule {
	if p == nil {
		return nil
	}
	minors := p.CanRead(access.CategoryMinors)
	rules := make([]categoryRule, len(categoryOf))
	for i, c := range categoryOf {
		rules[i] = categoryRule{cat: c, bits: c.Bit(), anyAge: minors && p.CanRead(c),
			adults: p.CanReadAbout(c, false), minors: minors && p.CanReadAbout(c, true)}
	}
	return rules
}

// CategoryDirective implements @category: it answers the field from the request's plan
// before resolving it, and records what was returned in the disclosure record. A denied
// field resolves to null with a FORBIDDEN error at its path.
//
// The rule: a field of category c is read when the plan may
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
func CategoryDirective(ctx context.Context, obj any, next graphql.Resolver, name string) (any, error) {
	i, ok := categoryIndex[name]
	if !ok {
		return nil, &access.DeniedError{Reason: fmt.Sprintf("unknown data category %s", name)}
	}
	read, err := CheckCategory(ctx, obj, FieldCategory(i))
	if err != nil {
		return nil, err
	}
	res, err := next(ctx)
	if err == nil {
		read.Record()
	}
	return res, err
}

// FieldCategory is a DataCategory of the schema, numbered for the request's rules: the
// executor's fields name theirs once (MustFieldCategory), not at every field resolved.
type FieldCategory int

// MustFieldCategory is the FieldCategory of a DataCategory enum value; it panics on a
// name the schema does not have, which the executor's fields are generated from.
func MustFieldCategory(name string) FieldCategory {
	i, ok := categoryIndex[name]
	if !ok {
		panic("request: unknown data category " + name)
	}
	return FieldCategory(i)
}

// Read is a field read that CheckCategory allowed: Record logs it once the field's
// resolver succeeded.
type Read struct {
	r      *Request
	person string
	bits   access.CategorySet
	// unaged: the person's age is worked out at the end (settleAges), not for the field.
	unaged bool
}

// Record adds the read to the request's disclosure record.
func (d Read) Record() {
	switch {
	case d.r == nil:
	case d.unaged:
		d.r.recordUnaged(d.person, d.bits)
	default:
		d.r.record(d.person, d.bits, false)
	}
}

// CheckCategory decides whether a field of category c of obj may be read, by the rule of
// CategoryDirective, before the field is resolved. The executor's fields without
// arguments call it directly, without a resolver closure for the directive to wrap.
func CheckCategory(ctx context.Context, obj any, c FieldCategory) (Read, error) {
	r, err := From(ctx)
	if err != nil {
		return Read{}, err
	}
	return r.CheckCategory(ctx, obj, c)
}

// CheckCategory is the package's CheckCategory for a caller holding the request already
// (the executor keeps it for the operation rather than look it up at every field).
func (r *Request) CheckCategory(ctx context.Context, obj any, c FieldCategory) (Read, error) {
	if r.plan == nil {
		return Read{}, nil
	}
	rule := &r.rules[c]
	cat, bits := rule.cat, rule.bits
	if rule.anyAge && !r.referralHidesMinors(ctx, obj) {
		// Allowed whatever the person's age: the age only matters to the log, and is
		// settled once for the whole request instead of for every field.
		if id, ok := personNamed(obj); ok {
			if err := r.checkReferral(ctx, obj, cat, false); err != nil {
				return Read{}, err
			}
			return Read{r: r, person: id, bits: bits, unaged: true}, nil
		}
	}
	s := r.subjectOf(ctx, obj)
	allowed := rule.adults
	if s.minor {
		bits |= minorsBit
		allowed = rule.minors
	}
	if !allowed {
		if r.plan.CanReadMinorsOnly(cat) {
			return Read{}, &access.DeniedError{Reason: fmt.Sprintf("%s data may be read only about minors for this purpose", cat)}
		}
		err := r.plan.CheckRead(access.RequiredForPerson(cat, s.minor)...)
		if err == nil {
			// Not allowed is denied, whatever CheckRead says: the caller reads the field
			// when the error is nil.
			err = &access.DeniedError{Reason: fmt.Sprintf("%s data may not be read for this purpose", cat)}
		}
		var de *access.DeniedError
		if s.minor && errors.As(err, &de) {
			return Read{}, &access.DeniedError{Reason: de.Reason + " (the data is about a minor)"}
		}
		return Read{}, err
	}
	if err := r.checkReferral(ctx, obj, cat, s.minor); err != nil {
		return Read{}, err
	}
	return Read{r: r, person: s.person, bits: bits}, nil
}

// Pseudonym returns the keyed pseudonym of a person.
func (r *Request) Pseudonym(personID string) (string, error) {
	if r.pseudo == nil {
		return "", fmt.Errorf("graph: pseudonyms are not configured on this hub (PONTE_PSEUDONYM_KEY): %w", apperr.ErrUnavailable)
	}
	return r.pseudo.Person(personID), nil
}
