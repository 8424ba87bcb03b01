package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/demo/synth"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// The ALI operation of the Pisa health-and-social agency (Vivaldi, Blasini and Bruno, "The
// 'Innovative Job Agency'", chapter 8). The CUP code is synthetic.
const (
	ALIOperationCode = "E51H20000130006"
	ALIOperationName = "ALI – Agenzia per il Lavoro Innovativo"
	// ALIProgramme is the CCI of the national operational programme for social inclusion,
	// co-financed by the European Social Fund, that funded the first round.
	ALIProgramme         = "2014IT05SFOP001"
	ALIPriority          = "1"
	ALISpecificObjective = "ESO4.11"
	ALICategoryOfRegion  = "MORE_DEVELOPED"
)

// Funding sources of the ALI rounds. The first round drew on both the national Poverty Fund
// (for income-support recipients) and the ESF programme (for everyone else in the social
// services' care); the schema records one source per round, so it carries the ESF one. The
// ESF money ran out before the second round, which only income-support recipients joined.
const (
	FundingESFInclusion = "ESF_NOP_INCLUSION"
	FundingPovertyFund  = "NATIONAL_POVERTY_FUND"
)

// aliRound is one ALI round as the chapter's Tables 8.1-8.5 describe it. Counts of a table
// that add up to less than withData are the values the chapter reports missing.
type aliRound struct {
	number       int
	starts, ends time.Time
	entryFrom    time.Time
	entryTo      time.Time
	funding      string
	// Tables 8.1-8.4; footnote 8: the second round has data for 50 of its 63 participants.
	synth.Tables
	singleMothers int // "single mothers with children"
	services      map[string]int
	workers       []string
	// The demo's own gaps besides the chapter's, so completeness checks have something to
	// find: education level and employment status missing at entry.
	missingISCED      int
	missingEmployment int
	// Shares of participants whose household receives income support (RdC).
	benefitItalian, benefitForeign float64
	unemployed, inactive           int // percentages of the employment status at entry
	// short: projects had to fit in six months and many ended abruptly with the round.
	short bool
	// covid: the pandemic postponed or cancelled many internships.
	covid bool
}

// Social workers of the Pisa agency. The second round drew on a partly different team: the
// chapter reports a high turnover of the agency's social workers on temporary contracts.
var (
	pisaWorkersRound1 = []string{"sw.pisa.rossi", "sw.pisa.bianchi", "sw.pisa.galli", "sw.pisa.conti", "sw.pisa.ferri"}
	pisaWorkersRound2 = []string{"sw.pisa.galli", "sw.pisa.conti", "sw.pisa.esposito", "sw.pisa.fabbri"}
)

// caseManagers are the cooperatives' counsellors who run the individual projects.
var caseManagers = map[string][]string{
	roster.OrgArnera:    {"cm.arnera.lombardi", "cm.arnera.moretti"},
	roster.OrgAforisma:  {"cm.aforisma.barbieri", "cm.aforisma.fontana"},
	roster.OrgIlSimbolo: {"cm.simbolo.santoro", "cm.simbolo.mariani"},
}

// serviceOrder is the row order of Table 8.5.
var serviceOrder = []string{svcInternship, svcForklift, svcItalian, svcHACCP, svcSafety, svcHomeEdu, svcIT, svcSoftSkills,
	svcHomeCare, svcPsych, svcOrient}

// allocationOrder hands out the most constrained services first.
var allocationOrder = []string{svcHomeEdu, svcItalian, svcInternship, svcForklift, svcIT, svcSoftSkills, svcSafety, svcHACCP,
	svcPsych, svcOrient, svcHomeCare}

var aliRounds = []aliRound{
	{
		number: 1, starts: date(2020, 10, 1), ends: date(2021, 12, 31),
		entryFrom: date(2020, 10, 5), entryTo: date(2021, 6, 30), funding: FundingESFInclusion,
		Tables: synth.Tables{Participants: 144, WithData: 144, Male: 59, Female: 85, Italy: 65, Other: 79,
			Ages: [5]int{17, 26, 37, 33, 31}, Sizes: [6]int{35, 28, 27, 23, 13, 12}},
		singleMothers: 37,
		services: map[string]int{svcInternship: 43, svcForklift: 21, svcItalian: 27, svcHACCP: 46, svcSafety: 68,
			svcHomeEdu: 47, svcIT: 0, svcSoftSkills: 0, svcHomeCare: 5, svcPsych: 34, svcOrient: 17},
		workers:      pisaWorkersRound1,
		missingISCED: 3, missingEmployment: 2,
		benefitItalian: 0.7, benefitForeign: 0.2,
		unemployed: 62, inactive: 28,
		covid: true,
	},
	{
		number: 2, starts: date(2022, 1, 10), ends: date(2022, 6, 30),
		entryFrom: date(2022, 1, 10), entryTo: date(2022, 3, 31), funding: FundingPovertyFund,
		Tables: synth.Tables{Participants: 63, WithData: 50, Male: 22, Female: 28, Italy: 32, Other: 18,
			Ages: [5]int{2, 7, 14, 18, 8}, Sizes: [6]int{24, 9, 7, 3, 2, 5}},
		singleMothers: 8,
		services: map[string]int{svcInternship: 12, svcForklift: 19, svcItalian: 13, svcHACCP: 17, svcSafety: 39,
			svcHomeEdu: 19, svcIT: 29, svcSoftSkills: 9, svcHomeCare: 4, svcPsych: 12, svcOrient: 12},
		workers:      pisaWorkersRound2,
		missingISCED: 2, missingEmployment: 0,
		benefitItalian: 1, benefitForeign: 1,
		unemployed: 70, inactive: 25,
		short: true,
	},
}

// aliContext carries the operation and the round being generated.
type aliContext struct {
	round     *aliRound
	operation uuid.UUID
	roundID   uuid.UUID
	caseSeq   *int
}

// addALI generates the operation, both rounds and everything their participants lead to.
func (g *generator) addALI() error {
	op := store.NewID()
	g.out.Operations = append(g.out.Operations, bulk.Operation{ID: op, Code: ALIOperationCode, Name: ALIOperationName,
		Programme: ALIProgramme, Priority: ALIPriority, SpecificObjective: ALISpecificObjective,
		CategoryOfRegion: ALICategoryOfRegion, FundingSource: FundingESFInclusion, StartsOn: date(2020, 10, 1), EndsOn: date(2022, 6, 30)})
	g.out.OperationEntities = append(g.out.OperationEntities, aliEntities(g.orgs, op)...)
	seq := 0
	for i := range aliRounds {
		r := &aliRounds[i]
		rid := store.NewID()
		g.out.OperationRounds = append(g.out.OperationRounds, bulk.OperationRound{ID: rid, OperationID: op, Number: r.number,
			StartsOn: r.starts, EndsOn: r.ends, FundingSource: r.funding})
		if err := g.aliRound(aliContext{round: r, operation: op, roundID: rid, caseSeq: &seq}); err != nil {
			return fmt.Errorf("round %d: %w", r.number, err)
		}
	}
	return nil
}

// aliEntities are the entities the ALI operation supported (EECO18, EECO19): the
// Società della Salute, a public service, from the operation's start. This is the demo's
// reading, not the chapter's: it takes the agency's own service to be part of what the
// operation paid for (the social workers on temporary contracts who assessed the
// participants and signed their pacts, and the multidimensional assessment itself), so
// the agency is supported, not only the channel of its participants' support; were it
// only that, it would count nowhere. The three social cooperatives are SMEs, but they count under no indicator: they
// ran the participants' individual projects under contract, so the participants were
// supported and the cooperatives were paid to support them (a delivering partner is not a
// supported entity; see esfimport.EntityKinds). Nor do the employment centre and the schools,
// partners that received nothing for themselves.
func aliEntities(orgs map[string]uuid.UUID, op uuid.UUID) []bulk.OperationEntity {
	return []bulk.OperationEntity{
		{OperationID: op, OrganisationID: orgs[roster.OrgSdSPisa], Kind: esfdata.EntityPublic, SupportedFrom: date(2020, 10, 1)},
	}
}

func (g *generator) aliRound(c aliContext) error {
	r := c.round
	s, err := synth.NewProfiles(g.rng, r.Tables)
	if err != nil {
		return err
	}
	firstCase := len(g.out.Cases)
	var drafts []*draft
	// The narrated cases take their slots first, so the plain participants fill the rest.
	narrated := map[int][]func(aliContext, *synth.Profiles) ([]*draft, error){
		1: {g.familyA, g.familyB, g.familyC},
		2: {g.youngMan},
	}
	for _, f := range narrated[r.number] {
		ds, err := f(c, s)
		if err != nil {
			return err
		}
		drafts = append(drafts, ds...)
	}
	if err := s.ChooseMothers(g.rng, r.singleMothers); err != nil {
		return err
	}
	// The demo's own gaps go to participants with data who are not narrated.
	var plain []int
	for i := range s.Gender {
		if i < r.WithData && (!s.Locked[i] || s.Mother[i]) {
			plain = append(plain, i)
		}
	}
	g.rng.Shuffle(len(plain), func(i, j int) { plain[i], plain[j] = plain[j], plain[i] })
	noISCED := map[int]bool{}
	noEmployment := map[int]bool{}
	for k := range r.missingISCED {
		noISCED[plain[k]] = true
	}
	for k := range r.missingEmployment {
		noEmployment[plain[r.missingISCED+k]] = true
	}
	for i := range s.Gender {
		if s.Locked[i] && !s.Mother[i] && i < r.WithData {
			continue // narrated
		}
		d, err := g.aliParticipant(c, s, i, noISCED[i], noEmployment[i])
		if err != nil {
			return err
		}
		drafts = append(drafts, d)
	}
	if err := g.allocate(drafts, allocationOrder, r.services); err != nil {
		return err
	}
	ended := map[uuid.UUID]time.Time{}
	for _, d := range drafts {
		if !d.locked {
			g.settle(d, r)
		}
		g.emit(d)
		g.pisaLinks(d)
		if d.end.After(ended[d.caseID]) {
			ended[d.caseID] = d.end
		}
	}
	share := 0.4
	if r.number == 2 {
		share = 0.25
	}
	g.closeSomeCases(firstCase, share, ended)
	return nil
}

// aliParticipant realises one slot: household, case and the draft of the project.
func (g *generator) aliParticipant(c aliContext, s *synth.Profiles, i int, noISCED, noEmployment bool) (*draft, error) {
	r := c.round
	start := g.rng.Between(r.entryFrom, r.entryTo)
	sex := byte('F')
	switch s.Gender[i] {
	case "M":
		sex = 'M'
	case "":
		if g.rng.Chance(0.45) {
			sex = 'M'
		}
	}
	band := s.Band[i]
	if band < 0 {
		band = synth.Weighted(g.rng, r.Ages[:]...)
	}
	age := g.rng.AgeIn(band)
	foreign := s.Origin[i] == "XX"
	if s.Origin[i] == "" {
		foreign = g.rng.Chance(float64(r.Other) / float64(r.Other+r.Italy))
	}
	size := s.Size[i]
	if size == 0 {
		size = 1 + synth.Weighted(g.rng, r.Sizes[:]...)
	}
	origin := synth.Italy
	if foreign {
		origin = g.rng.Foreign()
	}
	plan := g.rng.PlanHousehold(synth.PlanInput{Sex: sex, Age: age, Size: size, SingleMother: s.Mother[i]})
	res := g.rng.Residence()
	h, err := g.addHousehold(plan, synth.HouseholdOptions{Origin: origin, Residence: res.Belfiore, Ref: start,
		Naturalise: foreign && g.rng.Chance(0.15), YearsInItaly: g.rng.Span(4, 20)})
	if err != nil {
		return nil, err
	}
	who := slices.IndexFunc(h.Members, func(m synth.HouseholdMember) bool { return m.Participant })
	benefit := g.rng.Chance(r.benefitItalian)
	if foreign {
		benefit = g.rng.Chance(r.benefitForeign)
	}
	d := g.newDraft(c, h, who, start, benefit, foreign, nil)
	d.singleParent = s.Mother[i] || (len(h.Members) == 2 && h.Members[1].Rel == "CHILD")
	g.record(d, s, i, origin, res, noISCED, noEmployment)
	if d.singleParent && g.rng.Chance(0.3) {
		d.healthNote = "Single parent without a support network"
	}
	return d, nil
}

// record fills the characteristics at entry, only where the round's tables have them.
func (g *generator) record(d *draft, s *synth.Profiles, i int, origin *synth.Country, res synth.Municipality, noISCED, noEmployment bool) {
	r := aliRounds[d.roundNo-1]
	h, who := d.hh, d.who
	p := &d.snap
	p.Gender = s.Gender[i]
	if s.Band[i] >= 0 {
		p.BirthDate = h.Members[who].Birth
	}
	if s.Origin[i] != "" {
		p.CountryOfOrigin = origin.ISO
		p.ForeignBackground = yesNo(origin != synth.Italy)
		p.ThirdCountryNational = yesNo(!synth.CountryByISO(h.Members[who].Citizenship).EU)
	}
	if s.Size[i] > 0 {
		p.HouseholdSize = ptr(len(h.Members))
	}
	noData := i >= r.WithData
	g.employment(d, r.unemployed, r.inactive, noData || noEmployment)
	if noData || noISCED {
		d.isced = -1
	} else {
		p.ISCED = ptr(d.isced)
	}
	if !noData {
		g.flags(d, res)
	}
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// newDraft starts the draft of an ALI participant's project. The first participant of a
// household opens its case; further ones (shared) join it.
func (g *generator) newDraft(c aliContext, h *synth.Household, who int, start time.Time, benefit, foreign bool, shared *draft) *draft {
	r := c.round
	d := &draft{hh: h, who: who, assessed: who, round: c.roundID, roundNo: r.number, start: start,
		benefit: benefit, foreign: foreign, assessedOn: start.AddDate(0, 0, -g.rng.Span(14, 45)), isced: -1, unemployed: -1}
	d.snap.OperationID, d.snap.RoundID = c.operation, c.roundID
	if shared != nil {
		d.caseID, d.worker, d.coop, d.manager = shared.caseID, shared.worker, shared.coop, shared.manager
		return d
	}
	d.worker = synth.Pick(g.rng, r.workers)
	d.coop = []string{roster.OrgArnera, roster.OrgAforisma, roster.OrgIlSimbolo}[synth.Weighted(g.rng, 40, 30, 30)]
	d.manager = synth.Pick(g.rng, caseManagers[d.coop])
	opened := d.assessedOn.AddDate(-g.rng.Span(0, 7), -g.rng.Span(1, 11), 0)
	*c.caseSeq++
	ref := fmt.Sprintf("SDS-PI-%d-%05d", opened.Year(), *c.caseSeq)
	summary := fmt.Sprintf("Household in the care of the Pisa social services; selected for ALI round %d.", r.number)
	d.caseID = g.openCase(ref, h, h.Members[who].ID, roster.OrgSdSPisa, "SOC", d.worker, opened, time.Time{}, "", summary)
	return d
}

// employment records the employment status at entry, unless unrecorded, and the education
// level the first interview learns.
func (g *generator) employment(d *draft, unemployed, inactive int, unrecorded bool) {
	e := g.rng.Entry(d.age(), d.foreign, unemployed, inactive)
	switch e.Status {
	case "UNEMPLOYED":
		d.unemployed = e.UnemployedMonths
	case "EMPLOYED":
		d.employed = true
	}
	if !unrecorded {
		d.snap.EmploymentStatus = e.Status
		if e.Status == "UNEMPLOYED" {
			d.snap.UnemploymentMonths = ptr(e.UnemployedMonths)
		}
	}
	d.isced = e.ISCED
}

// flags records the disadvantage flags at entry (Annex I point 1.2), with unknowns.
func (g *generator) flags(d *draft, res synth.Municipality) {
	f := g.rng.Disadvantages(res)
	p := &d.snap
	p.Disability, p.Minority, p.Homeless, p.Rural = f.Disability, f.Minority, f.Homeless, f.Rural
}

// settle draws a project's outcome and dates from its services and round.
func (g *generator) settle(d *draft, r *aliRound) {
	internship := d.has(svcInternship)
	training := slices.ContainsFunc(d.services, isTraining)
	outcomes := []string{outHiredByHost, outHiredElse, outTraining, outDiploma, outWithdrew, outInterrupted, ""}
	var w []int
	switch {
	case !r.short && internship:
		w = []int{35, 10, 25, 0, 6, 12, 12}
	case !r.short && training:
		w = []int{0, 8, 50, 4, 8, 0, 30}
	case !r.short:
		w = []int{0, 5, 0, 5, 10, 5, 75}
	case internship:
		w = []int{20, 8, 20, 0, 12, 30, 10}
	case training:
		w = []int{0, 0, 45, 0, 12, 25, 18}
	default:
		w = []int{0, 0, 0, 0, 15, 35, 50}
	}
	d.outcome = outcomes[synth.Weighted(g.rng, w...)]
	d.covid = r.covid && internship && d.outcome != outWithdrew && d.outcome != outHiredByHost && g.rng.Chance(0.25)
	switch d.outcome {
	case outWithdrew:
		d.end = d.start.AddDate(0, 0, g.rng.Span(21, 60))
	case outInterrupted:
		if r.short {
			d.end = r.ends
		} else {
			d.end = d.start.AddDate(0, g.rng.Span(2, 8), 0)
		}
	default:
		if r.short {
			d.end = d.start.AddDate(0, g.rng.Span(3, 5), 0)
		} else {
			d.end = d.start.AddDate(0, g.rng.Span(6, 14), 0)
		}
	}
	if d.end.After(r.ends) {
		d.end = r.ends
	}
}

// pisaLinks involves the employment centre, the schools and the agency's other
// departments in a case as its project requires, and closes some cases after the project.
func (g *generator) pisaLinks(d *draft) {
	if d.benefit || d.has(svcInternship) {
		// Income-support recipients sign their pact at the employment centre.
		g.linkOrg(d.caseID, roster.OrgCPIPisa, "PARTNER")
		g.linkDept(d.caseID, roster.OrgSdSPisa, "INCL")
		g.assign(d.caseID, roster.SubjectEmploymentPisa)
	}
	if d.has(svcHomeEdu) {
		g.linkOrg(d.caseID, roster.OrgSchoolsPisa, "PARTNER")
		g.assign(d.caseID, roster.SubjectSchoolPisa)
	}
	if d.has(svcPsych) {
		g.linkDept(d.caseID, roster.OrgSdSPisa, "PSI")
	}
}

// closeSomeCases closes a share of the cases whose projects have ended: the rest stay in
// the social services' care after the project, as most did.
func (g *generator) closeSomeCases(from int, share float64, ended map[uuid.UUID]time.Time) {
	for i := from; i < len(g.out.Cases); i++ {
		c := &g.out.Cases[i]
		end, ok := ended[c.ID]
		if !ok || !g.rng.Chance(share) {
			continue
		}
		c.Status = "CLOSED"
		c.ClosedOn = end.AddDate(0, g.rng.Span(1, 10), 0)
		c.ClosureReason = synth.Pick(g.rng, []string{"Objectives of the individual project achieved",
			"Moved out of the agency's territory", "No further need of support", "The household refused further contact"})
	}
}
