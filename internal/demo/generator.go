package demo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// generator turns plans of households, cases and projects into rows. One generator serves
// the whole demo; the scale generator reuses it chunk by chunk with a fresh output batch.
type generator struct {
	rng *rand.Rand
	out *bulk.Data
	// taxCodes holds every code handed out, so synthetic namesakes born on the same day in
	// the same place get another first name instead of a duplicate key.
	taxCodes map[string]struct{}
	orgs     map[string]uuid.UUID
	depts    map[string]uuid.UUID // "ORG/DEPT"
	staff    map[string]uuid.UUID
	// people collects the dataset export; nil when not wanted (scale chunks).
	people *[]Person
	// links de-duplicates the case link tables within one output batch.
	links map[linkKey]bool
	hhSeq int
}

type linkKey struct {
	caseID uuid.UUID
	table  byte
	key    uuid.UUID
}

// errGenerate marks a plan the generator could not realise; it names a bug in the demo's
// own tables, never bad user input.
var errGenerate = errors.New("demo: generate")

func newGenerator(seed uint64, out *bulk.Data) *generator {
	return &generator{
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		out:      out,
		taxCodes: map[string]struct{}{},
		orgs:     map[string]uuid.UUID{},
		depts:    map[string]uuid.UUID{},
		staff:    map[string]uuid.UUID{},
		links:    map[linkKey]bool{},
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// between returns a date drawn uniformly from [from, to].
func (g *generator) between(from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, g.rng.IntN(days+1))
}

// chance is true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// span returns an integer drawn uniformly from [lo, hi].
func (g *generator) span(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.IntN(hi-lo+1)
}

// ageAt returns the completed years of someone born on birth, on day.
func ageAt(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}

// birthFor returns a birth date giving exactly age completed years on ref.
func (g *generator) birthFor(age int, ref time.Time) time.Time {
	b := ref.AddDate(-age, 0, -g.rng.IntN(365))
	// AddDate normalises 29 February to 1 March, one day too late in common years.
	for ageAt(b, ref) < age {
		b = b.AddDate(0, 0, -1)
	}
	return b
}

// addOrganisations creates the demo's organisations, departments and staff.
func (g *generator) addOrganisations() {
	for _, o := range organisations {
		id := store.NewID()
		g.orgs[o.Code] = id
		g.out.Organisations = append(g.out.Organisations, bulk.Organisation{
			ID: id, Code: o.Code, Name: o.Name, Kind: o.Kind, Territory: o.Territory, IsPublic: o.Public, TaxCode: o.TaxCode})
		for _, d := range o.Departments {
			did := store.NewID()
			g.depts[o.Code+"/"+d.Code] = did
			g.out.Departments = append(g.out.Departments, bulk.Department{
				ID: did, OrganisationID: id, Code: d.Code, Name: d.Name, Kind: d.Kind})
		}
	}
	for _, s := range identities {
		g.addStaff(s.Subject, s.DisplayName, s.OrganisationCode, s.DepartmentCode)
	}
}

func (g *generator) addStaff(subject, name, org, dept string) uuid.UUID {
	id := store.NewID()
	g.staff[subject] = id
	var did uuid.UUID
	if dept != "" {
		did = g.depts[org+"/"+dept]
	}
	g.out.Staff = append(g.out.Staff, bulk.Staff{ID: id, Subject: subject, DisplayName: name,
		OrganisationID: g.orgs[org], DepartmentID: did})
	return id
}

// useKeys points the generator at reference rows already stored.
func (g *generator) useKeys(k *bulk.Keys) error {
	for _, o := range organisations {
		id, ok := k.Organisations[o.Code]
		if !ok {
			return fmt.Errorf("demo: organisation %s is missing from a database that holds the demo operation", o.Code)
		}
		g.orgs[o.Code] = id
		for _, d := range o.Departments {
			g.depts[o.Code+"/"+d.Code] = k.Departments[o.Code+"/"+d.Code]
		}
	}
	for s, id := range k.Staff {
		g.staff[s] = id
	}
	return nil
}

// member is one person of a household plan, before names and codes are drawn.
type member struct {
	rel         string // relationship to the head of the household
	sex         byte   // 'F' or 'M'
	age         int    // completed years on the household's reference date
	participant bool
	origin      *country // nil: the household's origin
	given       string   // fixed first name; empty draws one
}

// household is a realised household: its row, and its members' persons.
type household struct {
	id        uuid.UUID
	key       string
	label     string
	residence string
	ref       time.Time
	members   []hhMember
}

type hhMember struct {
	id          uuid.UUID
	rel         string
	sex         byte
	birth       time.Time
	origin      *country
	bornAbroad  bool
	citizenship string
	participant bool
	export      int // index in the dataset export, -1 when not exported
}

func (h *household) ageOf(i int, day time.Time) int { return ageAt(h.members[i].birth, day) }

// minors returns the members under 18 on day, eldest first.
func (h *household) minors(day time.Time) []int {
	var out []int
	for i := range h.members {
		if a := h.ageOf(i, day); a < 18 {
			out = append(out, i)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && h.members[out[j]].birth.Before(h.members[out[j-1]].birth); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// hhOptions describe where and how a household lives.
type hhOptions struct {
	origin     *country
	residence  string
	ref        time.Time // reference date of the members' ages (entry date)
	naturalise bool      // foreign-born members hold Italian citizenship
	// yearsInItaly: children of a foreign household younger than this were born in Italy.
	yearsInItaly int
}

// addHousehold realises a plan: persons, the household and its memberships.
func (g *generator) addHousehold(plan []member, o hhOptions) (*household, error) {
	g.hhSeq++
	h := &household{id: store.NewID(), key: fmt.Sprintf("HH%06d", g.hhSeq), residence: o.residence, ref: o.ref}
	// The family name passes down the father's line; a woman heading the household alone
	// passes on her own.
	carrier := -1
	for i, m := range plan {
		if (m.rel == "HEAD" || m.rel == "SPOUSE" || m.rel == "PARTNER") && m.sex == 'M' {
			carrier = i
			break
		}
	}
	if carrier < 0 {
		for i, m := range plan {
			if m.rel == "HEAD" {
				carrier = i
			}
		}
	}
	carrierOrigin := o.origin
	if carrier >= 0 && plan[carrier].origin != nil {
		carrierOrigin = plan[carrier].origin
	}
	family := pick(g.rng, carrierOrigin.surnames)
	formed := o.ref.AddDate(-g.span(2, 18), 0, -g.rng.IntN(365))
	used := map[string]bool{}
	for i, m := range plan {
		origin := o.origin
		if m.origin != nil {
			origin = m.origin
		}
		surname := pick(g.rng, origin.surnames)
		switch {
		case i == carrier, m.rel == "CHILD", m.rel == "SIBLING", m.rel == "GRANDCHILD":
			surname = family
		case m.rel == "PARENT" && m.sex == 'M' && carrier >= 0 && plan[carrier].rel == "HEAD":
			surname = family
		}
		birth := g.birthFor(m.age, o.ref)
		bornAbroad := origin != italy && m.age >= o.yearsInItaly
		citizenship := origin.iso
		if o.naturalise {
			citizenship = "IT"
		}
		hm := hhMember{rel: m.rel, sex: m.sex, birth: birth, origin: origin, bornAbroad: bornAbroad,
			citizenship: citizenship, participant: m.participant, export: -1}
		given := m.given
		if given == "" {
			// Nobody in a household shares a first name.
			names := origin.male
			if m.sex == 'F' {
				names = origin.female
			}
			given = pick(g.rng, names)
			for try := 0; used[given] && try < 20; try++ {
				given = pick(g.rng, names)
			}
		}
		used[given] = true
		id, export, err := g.addPerson(surname, given, hm, o.residence)
		if err != nil {
			return nil, err
		}
		hm.id, hm.export = id, export
		h.members = append(h.members, hm)
		if m.rel == "HEAD" {
			h.label = surname
		}
	}
	if h.label == "" {
		h.label = family
	}
	g.out.Households = append(g.out.Households, bulk.Household{ID: h.id, Label: "Nucleo " + h.label, ResidenceMunicipality: o.residence})
	for i, m := range h.members {
		from := formed
		if m.birth.After(from) {
			from = m.birth
		}
		g.out.HouseholdMembers = append(g.out.HouseholdMembers, bulk.HouseholdMember{
			ID: store.NewID(), HouseholdID: h.id, PersonID: m.id, Relationship: m.rel, ValidFrom: from})
		if m.export >= 0 {
			p := &(*g.people)[m.export]
			p.Household = h.key
			p.HouseholdLabel = "Nucleo " + h.label
			p.Relationship = h.members[i].rel
		}
	}
	return h, nil
}

// addPerson creates a person with a valid, unused tax code.
func (g *generator) addPerson(surname, given string, m hhMember, residence string) (uuid.UUID, int, error) {
	names := m.origin.male
	if m.sex == 'F' {
		names = m.origin.female
	}
	if given == "" {
		given = pick(g.rng, names)
	}
	place := m.origin.belfiore
	countryOfBirth := m.origin.iso
	if !m.bornAbroad {
		countryOfBirth = "IT"
		place = belfiorePisa
		if m.origin == italy {
			place = pickItalianBirthplace(g.rng)
		}
		if residence == belfioreTorino {
			place = belfioreTorino
		}
	}
	var code string
	for try := 0; ; try++ {
		var err error
		code, err = codicefiscale.Generate(surname, given, m.birth, m.sex, place)
		if err != nil {
			return uuid.Nil, -1, fmt.Errorf("demo: tax code for %s %s: %w", given, surname, err)
		}
		if _, used := g.taxCodes[code]; !used {
			break
		}
		if try > 200 {
			return uuid.Nil, -1, fmt.Errorf("%w: no free tax code for %s %s born %s", errGenerate, given, surname, m.birth.Format(time.DateOnly))
		}
		given = pick(g.rng, names)
	}
	g.taxCodes[code] = struct{}{}
	gender := "MALE"
	if m.sex == 'F' {
		gender = "FEMALE"
	}
	id := store.NewID()
	g.out.Persons = append(g.out.Persons, bulk.Person{ID: id, TaxCode: code, GivenName: given, FamilyName: surname,
		BirthDate: m.birth, BirthPlace: place, Gender: gender, Citizenship: m.citizenship, CountryOfBirth: countryOfBirth,
		ResidenceMunicipality: residence})
	export := -1
	if g.people != nil {
		*g.people = append(*g.people, Person{TaxCode: code, GivenName: given, FamilyName: surname, BirthDate: m.birth,
			BirthPlace: place, Sex: string(m.sex), Citizenship: m.citizenship, Residence: residence})
		export = len(*g.people) - 1
	}
	return id, export, nil
}

// openCase creates a case on a household and links its lead organisation and department.
func (g *generator) openCase(ref string, h *household, person uuid.UUID, org, dept, lead string,
	opened, closed time.Time, closure, summary string) uuid.UUID {
	id := store.NewID()
	status := "OPEN"
	if !closed.IsZero() {
		status = "CLOSED"
	}
	g.out.Cases = append(g.out.Cases, bulk.Case{ID: id, Reference: ref, HouseholdID: h.id, PersonID: person,
		OrganisationID: g.orgs[org], LeadWorkerID: g.staff[lead], Status: status, OpenedOn: opened, ClosedOn: closed,
		ClosureReason: closure, Summary: summary})
	// The lead worker sees the case as its lead; an assignment row would say nothing more.
	g.links[linkKey{id, 's', g.staff[lead]}] = true
	g.linkOrg(id, org, "LEAD")
	g.linkDept(id, org, dept)
	return id
}

// linkOrg involves an organisation in a case; the first role given to it stays.
func (g *generator) linkOrg(caseID uuid.UUID, org, role string) {
	k := linkKey{caseID, 'o', g.orgs[org]}
	if g.links[k] {
		return
	}
	g.links[k] = true
	g.out.CaseOrganisations = append(g.out.CaseOrganisations, bulk.CaseOrganisation{
		CaseID: caseID, OrganisationID: g.orgs[org], Role: role})
}

func (g *generator) linkDept(caseID uuid.UUID, org, dept string) {
	id := g.depts[org+"/"+dept]
	k := linkKey{caseID, 'd', id}
	if g.links[k] {
		return
	}
	g.links[k] = true
	g.out.CaseDepartments = append(g.out.CaseDepartments, bulk.CaseDepartment{CaseID: caseID, DepartmentID: id})
}

// assign gives a member of staff explicit access to a case.
func (g *generator) assign(caseID uuid.UUID, subject string) {
	id := g.staff[subject]
	k := linkKey{caseID, 's', id}
	if g.links[k] {
		return
	}
	g.links[k] = true
	g.out.CaseAssignments = append(g.out.CaseAssignments, bulk.CaseAssignment{CaseID: caseID, StaffID: id})
}

// assessmentInput is what the first interview knows about the person assessed.
type assessmentInput struct {
	caseID       uuid.UUID
	person       uuid.UUID
	assessor     string
	on           time.Time
	age          int
	foreign      bool
	isced        int // -1 unknown
	unemployed   int // months; -1 when not unemployed
	employed     bool
	singleParent bool
	benefit      bool
	proposed     []string
	healthNote   string
}

var workExperiences = []string{
	"Cleaning services on fixed-term contracts", "Seasonal warehouse work", "Care assistant for elderly people",
	"Kitchen help in restaurants", "Seasonal agricultural work", "Shop assistant", "No work experience declared",
	"Construction labourer", "Domestic work without a contract", "Call-centre operator",
}

var professionalInterests = []string{
	"Retail", "Logistics and warehouse", "Catering", "Cleaning services", "Care work", "Office and administration",
	"Green maintenance", "Hairdressing and beauty", "Furniture assembly and restoration", "Food production",
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

// addAssessment writes the access and evaluation form with its ten scores.
func (g *generator) addAssessment(in assessmentInput) {
	id := store.NewID()
	health := in.healthNote
	if health == "" && g.chance(0.15) {
		health = pick(g.rng, []string{"No relevant health issues reported", "Reports chronic back pain",
			"Reports anxiety; psychological support proposed", "Follows a treatment at the local health service"})
	}
	g.out.Assessments = append(g.out.Assessments, bulk.Assessment{ID: id, CaseID: in.caseID, PersonID: in.person,
		AssessorID: g.staff[in.assessor], AssessedOn: in.on, WorkExperience: pick(g.rng, workExperiences),
		ProfessionalInterests: pick(g.rng, professionalInterests), HealthNotes: health, ProposedInterventions: in.proposed})
	edu := 3
	if in.isced >= 0 {
		edu = clamp(in.isced+1, 1, 5)
	}
	italian := g.span(4, 5)
	if in.foreign {
		italian = g.span(1, 4)
	}
	digital := g.span(3, 4)
	switch {
	case in.age >= 55:
		digital = g.span(1, 2)
	case in.age >= 35:
		digital = g.span(2, 3)
	}
	stability := 2
	switch {
	case in.employed:
		stability = g.span(2, 3)
	case in.unemployed > 12:
		stability = 1
	case in.unemployed >= 0:
		stability = g.span(1, 2)
	}
	family := g.span(2, 4)
	if in.singleParent {
		family = g.span(1, 2)
	}
	economic := g.span(1, 3)
	if in.benefit {
		economic = g.span(1, 2)
	}
	scores := map[string]int{
		"PERSONAL_CONDITIONS": g.span(2, 4), "FAMILY_CONDITIONS_NETWORKS": family, "ECONOMIC_SITUATION": economic,
		"EDUCATION_TRAINING_SKILLS": clamp(edu+g.span(-1, 0), 1, 5), "COMMUNICATION_SKILLS": g.span(2, 5),
		"ITALIAN_LANGUAGE": italian, "DIGITAL_SKILLS": digital, "EMPLOYMENT_STABILITY": stability,
		"TRANSVERSAL_SKILLS": g.span(2, 4), "MOBILITY_AUTONOMY": g.span(2, 5),
	}
	for _, area := range casework.Areas {
		note := ""
		if area == "ITALIAN_LANGUAGE" && scores[area] <= 2 {
			note = "Needs an Italian course to deal with services and employers"
		}
		if area == "MOBILITY_AUTONOMY" && scores[area] == 2 {
			note = "No driving licence; depends on public transport"
		}
		g.out.AssessmentScores = append(g.out.AssessmentScores, bulk.AssessmentScore{AssessmentID: id, Area: area, Score: scores[area], Note: note})
	}
}
