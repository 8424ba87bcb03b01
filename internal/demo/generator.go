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

// addAssessment writes the access and evaluation form with its ten scores.
func (g *generator) addAssessment(in assessmentInput) {
	id := store.NewID()
	f := g.rng.Interview(synth.Interviewee{Age: in.age, Foreign: in.foreign, ISCED: in.isced, UnemployedMonths: in.unemployed,
		Employed: in.employed, SingleParent: in.singleParent, IncomeSupport: in.benefit, HealthNote: in.healthNote})
	g.out.Assessments = append(g.out.Assessments, bulk.Assessment{ID: id, CaseID: in.caseID, PersonID: in.person,
		AssessorID: g.staff[in.assessor], AssessedOn: in.on, WorkExperience: f.WorkExperience,
		ProfessionalInterests: f.ProfessionalInterests, HealthNotes: f.HealthNotes, ProposedInterventions: in.proposed})
	for _, area := range casefile.Areas {
		note := ""
		if area == "ITALIAN_LANGUAGE" && f.Scores[area] <= 2 {
			note = "Needs an Italian course to deal with services and employers"
		}
		if area == "MOBILITY_AUTONOMY" && f.Scores[area] == 2 {
			note = "No driving licence; depends on public transport"
		}
		g.out.AssessmentScores = append(g.out.AssessmentScores, bulk.AssessmentScore{AssessmentID: id, Area: area, Score: f.Scores[area], Note: note})
	}
}
