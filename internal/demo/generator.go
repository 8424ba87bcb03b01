package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/internal/casework/casefile"
	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/demo/synth"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
)

// generator turns plans of households, cases and projects into rows. One generator serves
// the whole demo; the scale generator reuses it chunk by chunk with a fresh output batch.
type generator struct {
	rng *synth.Rand
	out *bulk.Data
	// people makes the households' persons; it keeps their tax codes unique across the
	// whole load.
	people *synth.People
	orgs   map[string]uuid.UUID
	depts  map[string]uuid.UUID // "ORG/DEPT"
	staff  map[string]uuid.UUID
	// export collects the dataset export; nil when not wanted (scale chunks). exported
	// finds a person's entry in it.
	export   *[]Person
	exported map[uuid.UUID]int
	// links de-duplicates the case link tables within one output batch.
	links map[linkKey]bool
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
		rng:      synth.NewRand(seed, seed^0x9e3779b97f4a7c15),
		out:      out,
		people:   synth.NewPeople(),
		exported: map[uuid.UUID]int{},
		orgs:     map[string]uuid.UUID{},
		depts:    map[string]uuid.UUID{},
		staff:    map[string]uuid.UUID{},
		links:    map[linkKey]bool{},
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// addOrganisations creates the demo's organisations, departments and staff.
func (g *generator) addOrganisations() {
	for _, o := range roster.Organisations() {
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
	for _, s := range roster.Identities() {
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
	for _, o := range roster.Organisations() {
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

// addHousehold realises a plan and adds its members to the dataset export, if wanted.
func (g *generator) addHousehold(plan []synth.Member, o synth.HouseholdOptions) (*synth.Household, error) {
	h, err := g.people.AddHousehold(g.rng, g.out, plan, o)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if g.export == nil {
		return h, nil
	}
	for _, m := range h.Members {
		g.exported[m.ID] = len(*g.export)
		*g.export = append(*g.export, Person{TaxCode: m.TaxCode, GivenName: m.GivenName, FamilyName: m.FamilyName,
			BirthDate: m.Birth, BirthPlace: m.BirthPlace, Sex: string(m.Sex), Citizenship: m.Citizenship,
			Residence: h.Residence, Household: h.Key, HouseholdLabel: h.Label, Relationship: m.Rel})
	}
	return h, nil
}

// openCase creates a case on a household and links its lead organisation and department.
func (g *generator) openCase(ref string, h *synth.Household, person uuid.UUID, org, dept, lead string,
	opened, closed time.Time, closure, summary string) uuid.UUID {
	id := store.NewID()
	status := "OPEN"
	if !closed.IsZero() {
		status = "CLOSED"
	}
	g.out.Cases = append(g.out.Cases, bulk.Case{ID: id, Reference: ref, HouseholdID: h.ID, PersonID: person,
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
	if health == "" && g.rng.Chance(0.15) {
		health = synth.Pick(g.rng, []string{"No relevant health issues reported", "Reports chronic back pain",
			"Reports anxiety; psychological support proposed", "Follows a treatment at the local health service"})
	}
	g.out.Assessments = append(g.out.Assessments, bulk.Assessment{ID: id, CaseID: in.caseID, PersonID: in.person,
		AssessorID: g.staff[in.assessor], AssessedOn: in.on, WorkExperience: synth.Pick(g.rng, workExperiences),
		ProfessionalInterests: synth.Pick(g.rng, professionalInterests), HealthNotes: health, ProposedInterventions: in.proposed})
	edu := 3
	if in.isced >= 0 {
		edu = clamp(in.isced+1, 1, 5)
	}
	italian := g.rng.Span(4, 5)
	if in.foreign {
		italian = g.rng.Span(1, 4)
	}
	digital := g.rng.Span(3, 4)
	switch {
	case in.age >= 55:
		digital = g.rng.Span(1, 2)
	case in.age >= 35:
		digital = g.rng.Span(2, 3)
	}
	stability := 2
	switch {
	case in.employed:
		stability = g.rng.Span(2, 3)
	case in.unemployed > 12:
		stability = 1
	case in.unemployed >= 0:
		stability = g.rng.Span(1, 2)
	}
	family := g.rng.Span(2, 4)
	if in.singleParent {
		family = g.rng.Span(1, 2)
	}
	economic := g.rng.Span(1, 3)
	if in.benefit {
		economic = g.rng.Span(1, 2)
	}
	scores := map[string]int{
		"PERSONAL_CONDITIONS": g.rng.Span(2, 4), "FAMILY_CONDITIONS_NETWORKS": family, "ECONOMIC_SITUATION": economic,
		"EDUCATION_TRAINING_SKILLS": clamp(edu+g.rng.Span(-1, 0), 1, 5), "COMMUNICATION_SKILLS": g.rng.Span(2, 5),
		"ITALIAN_LANGUAGE": italian, "DIGITAL_SKILLS": digital, "EMPLOYMENT_STABILITY": stability,
		"TRANSVERSAL_SKILLS": g.rng.Span(2, 4), "MOBILITY_AUTONOMY": g.rng.Span(2, 5),
	}
	for _, area := range casefile.Areas {
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
