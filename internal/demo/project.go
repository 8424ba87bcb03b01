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
)

// Service types, as the interventions table names them.
const (
	svcInternship = "INTERNSHIP"
	svcForklift   = "TRAINING_FORKLIFT"
	svcItalian    = "TRAINING_ITALIAN"
	svcHACCP      = "TRAINING_HACCP"
	svcSafety     = "TRAINING_WORKPLACE_SAFETY"
	svcIT         = "TRAINING_IT"
	svcSoftSkills = "TRAINING_SOFT_SKILLS"
	svcHomeEdu    = "HOME_EDUCATION_MINORS"
	svcHomeCare   = "HOME_CARE"
	svcPsych      = "PSYCHOLOGICAL_SUPPORT"
	svcOrient     = "ORIENTATION"
	svcHousing    = "HOUSING_EMERGENCY"
	svcOther      = "OTHER"
)

// Project outcomes.
const (
	outHiredByHost = "HIRED_BY_HOST"
	outHiredElse   = "HIRED_ELSEWHERE"
	outTraining    = "TRAINING_COMPLETED"
	outDiploma     = "DIPLOMA_OBTAINED"
	outWithdrew    = "WITHDREW"
	outInterrupted = "INTERRUPTED"
)

func isTraining(s string) bool {
	switch s {
	case svcForklift, svcItalian, svcHACCP, svcSafety, svcIT, svcSoftSkills:
		return true
	}
	return false
}

// draft is a personalised project before its rows are written: services are allocated
// across a whole round first, then every draft is emitted.
type draft struct {
	caseID     uuid.UUID
	hh         *synth.Household
	who        int    // household member the project targets
	assessed   int    // household member assessed at the first interview
	coop       string // organisation running the project: a cooperative in Pisa, the city in Turin
	manager    string
	worker     string
	round      uuid.UUID
	roundNo    int
	start, end time.Time
	services   []string
	locked     bool // services and outcome fixed by a narrated case
	outcome    string
	benefit    bool
	foreign    bool // of foreign origin (not recorded at entry when unknown)
	snap       bulk.Participation
	story      *story
	// covid: internships of the first round were often postponed or cancelled.
	covid bool
	// What the first interview learns about the person assessed.
	assessedOn   time.Time
	isced        int // -1 unknown
	unemployed   int // months; -1 when not unemployed
	employed     bool
	singleParent bool
	healthNote   string
	// ownServices: the lead organisation delivers every service itself.
	ownServices bool
	title       string
}

// story carries the texts of a case the chapter narrates.
type story struct {
	objective string
	achieved  string
	skills    string
	issues    string
	resources string
	notes     []string
	// beneficiaries override the beneficiary of a service (household member index).
	beneficiaries map[string]int
}

func (d *draft) has(s string) bool { return slices.Contains(d.services, s) }

func (d *draft) age() int { return d.hh.AgeOf(d.who, d.start) }

// eligible says whether a service fits the project: courses for foreigners need a foreign
// participant, home education needs a minor in the household, work placements need working
// age.
func (d *draft) eligible(s string) bool {
	if d.has(s) {
		return false
	}
	switch s {
	case svcItalian:
		return d.foreign
	case svcHomeEdu:
		return len(d.hh.Minors(d.start)) > 0
	case svcInternship, svcForklift:
		return d.age() <= 60
	}
	return true
}

// affinity weighs how likely a service is for a project, before the balancing by the
// number of services it already has.
func (d *draft) affinity(s string) float64 {
	switch s {
	case svcForklift:
		if d.hh.Members[d.who].Sex == 'M' {
			return 3
		}
	case svcInternship:
		if d.age() < 45 {
			return 2
		}
	case svcSafety:
		// The workplace safety course comes before an internship or a forklift licence.
		if d.has(svcInternship) || d.has(svcForklift) {
			return 4
		}
	case svcHACCP:
		if d.has(svcInternship) {
			return 1.5
		}
	case svcOrient:
		if d.foreign {
			return 2
		}
	case svcHomeCare:
		if d.age() >= 50 {
			return 2
		}
	}
	return 1
}

// allocate hands out count projects of each service among drafts, honouring eligibility and
// spreading services so every project gets at least one. Locked drafts keep their services;
// their services count towards the totals.
func (g *generator) allocate(drafts []*draft, order []string, totals map[string]int) error {
	for _, s := range order {
		need := totals[s]
		for _, d := range drafts {
			if d.has(s) {
				need--
			}
		}
		if need < 0 {
			return fmt.Errorf("%w: narrated projects use more %s than the round's %d", errGenerate, s, totals[s])
		}
		for ; need > 0; need-- {
			var cands []*draft
			var weights []float64
			total := 0.0
			for _, d := range drafts {
				if d.locked || !d.eligible(s) {
					continue
				}
				n := float64(len(d.services))
				w := d.affinity(s) / ((1 + n) * (1 + n))
				cands = append(cands, d)
				weights = append(weights, w)
				total += w
			}
			if len(cands) == 0 {
				return fmt.Errorf("%w: no eligible project left for %s (%d more needed)", errGenerate, s, need)
			}
			x := g.rng.Float64() * total
			chosen := cands[len(cands)-1]
			for i, w := range weights {
				if x < w {
					chosen = cands[i]
					break
				}
				x -= w
			}
			chosen.services = append(chosen.services, s)
		}
	}
	// A project without services moves one from a project that has plenty.
	for _, d := range drafts {
		if len(d.services) > 0 {
			continue
		}
		moved := false
		for _, s := range order {
			if !d.eligible(s) {
				continue
			}
			for _, donor := range drafts {
				if donor.locked || len(donor.services) < 3 || !donor.has(s) {
					continue
				}
				donor.services = slices.DeleteFunc(donor.services, func(x string) bool { return x == s })
				d.services = append(d.services, s)
				moved = true
				break
			}
			if moved {
				break
			}
		}
		if !moved {
			return fmt.Errorf("%w: project without services and no service to move to it", errGenerate)
		}
	}
	return nil
}

// service describes how a service is delivered in the demo.
type service struct {
	provider string // organisation code; empty: the project's cooperative
	hours    func(g *generator, weeks int) float64
	weeks    [2]int // usual duration
	operator string // role of the operator named in the register
}

var services = map[string]service{
	svcInternship: {"", func(g *generator, w int) float64 { return float64(min(w, 26) * 20) }, [2]int{12, 26}, "tutor"},
	svcForklift:   {roster.OrgAforisma, func(*generator, int) float64 { return 12 }, [2]int{1, 2}, "trainer"},
	svcItalian:    {roster.OrgAforisma, func(g *generator, _ int) float64 { return float64(20 * g.rng.Span(3, 5)) }, [2]int{10, 20}, "teacher"},
	svcHACCP:      {roster.OrgAforisma, func(g *generator, _ int) float64 { return float64(4 * g.rng.Span(2, 3)) }, [2]int{1, 2}, "trainer"},
	svcSafety:     {roster.OrgAforisma, func(g *generator, _ int) float64 { return float64(4 * g.rng.Span(2, 4)) }, [2]int{1, 2}, "trainer"},
	svcIT:         {roster.OrgAforisma, func(*generator, int) float64 { return 40 }, [2]int{6, 10}, "trainer"},
	svcSoftSkills: {roster.OrgAforisma, func(*generator, int) float64 { return 20 }, [2]int{4, 6}, "trainer"},
	svcHomeEdu:    {roster.OrgIlSimbolo, func(_ *generator, w int) float64 { return float64(4 * w) }, [2]int{12, 30}, "educator"},
	svcHomeCare:   {roster.OrgIlSimbolo, func(_ *generator, w int) float64 { return float64(3 * w) }, [2]int{8, 20}, "primary care worker"},
	svcPsych:      {"", func(g *generator, _ int) float64 { return float64(g.rng.Span(8, 16)) }, [2]int{10, 24}, "psychotherapist"},
	svcOrient:     {"", func(g *generator, _ int) float64 { return float64(g.rng.Span(6, 12)) }, [2]int{3, 8}, "counsellor"},
	svcHousing:    {"", nil, [2]int{8, 26}, "housing officer"},
	svcOther:      {"", nil, [2]int{4, 12}, "officer"},
}

var objectiveFor = map[string]string{
	svcInternship: "Complete a work internship and build a relationship with an employer",
	svcForklift:   "Obtain the forklift operator licence",
	svcItalian:    "Reach everyday autonomy in Italian",
	svcHACCP:      "Obtain the HACCP food-safety certificate",
	svcSafety:     "Complete the workplace safety course required for employment",
	svcIT:         "Acquire basic digital skills (e-mail, online public services)",
	svcSoftSkills: "Strengthen soft skills for job interviews and teamwork",
	svcHomeEdu:    "Support the children's schooling and the parents' relationship with the school",
	svcHomeCare:   "Restore the care of the home and of the frail household member",
	svcPsych:      "Reduce psychological distress and rebuild self-confidence",
	svcOrient:     "Learn to use local services (schools, municipal offices, personal files)",
	svcHousing:    "Avoid the eviction or find emergency housing",
	svcOther:      "Settle the rent arrears",
}

// operatorNames are the cooperatives' educators, tutors and psychotherapists as written in
// the interventions' operator field.
var operatorNames = []string{
	"Irene Pellegrini", "Tommaso Neri", "Alice Bertini", "Michela Lenzi", "Jacopo Cecchi", "Arianna Nesti",
	"Samuele Pardini", "Debora Bacci", "Valerio Giannini", "Manuela Guidi",
}

var criticalIssues = []string{
	"Initial resistance to home interventions, felt as a criticism of the family's lifestyle",
	"Participation conditioned on concessions from the social services (rent, vouchers)",
	"Low awareness of the household's needs; the family became unresponsive",
	"Internship postponed because of COVID-19 restrictions",
	"Limited choice of internship hosts and of training courses",
	"The project had to end at short notice when the round closed",
}

// emit writes a draft's assessment, project, interventions, activity register and
// participation.
func (g *generator) emit(d *draft) {
	// The first interview proposes services; the second one, with the case manager, does
	// not always confirm them.
	proposed := slices.Clone(d.services)
	if len(proposed) > 1 && g.rng.Chance(0.2) {
		proposed = proposed[:len(proposed)-1]
	}
	if g.rng.Chance(0.2) {
		if extra := synth.Pick(g.rng, []string{svcPsych, svcOrient, svcSafety, svcInternship}); !slices.Contains(proposed, extra) {
			proposed = append(proposed, extra)
		}
	}
	assessed := d.hh.Members[d.assessed]
	g.addAssessment(assessmentInput{caseID: d.caseID, person: assessed.ID, assessor: d.worker, on: d.assessedOn,
		age: d.hh.AgeOf(d.assessed, d.assessedOn), foreign: assessed.Origin != synth.Italy, isced: d.isced, unemployed: d.unemployed,
		employed: d.employed, singleParent: d.singleParent, benefit: d.benefit, proposed: proposed, healthNote: d.healthNote})
	pid := store.NewID()
	status := "CONCLUDED"
	if d.outcome == outWithdrew || d.outcome == outInterrupted {
		status = "INTERRUPTED"
	}
	objectives := make([]string, 0, len(d.services)+1)
	if d.story != nil && d.story.objective != "" {
		objectives = append(objectives, d.story.objective)
	}
	for _, s := range d.services {
		objectives = append(objectives, objectiveFor[s])
	}
	p := bulk.Project{ID: pid, CaseID: d.caseID, ParticipantID: d.hh.Members[d.who].ID, CaseManagerID: g.staff[d.manager],
		ProviderOrganisationID: g.orgs[d.coop], Title: fmt.Sprintf("ALI individual project, round %d", d.roundNo),
		Objectives: objectives, Status: status, StartedOn: d.start, EndedOn: d.end, Outcome: d.outcome}
	if d.title != "" {
		p.Title = d.title
	}
	g.conclude(d, &p)
	g.out.Projects = append(g.out.Projects, p)
	g.linkOrg(d.caseID, d.coop, "PROVIDER")
	g.assign(d.caseID, d.manager)
	for _, s := range d.services {
		g.intervention(d, pid, s)
	}
	g.register(d, pid)
	g.exportProject(d)
	if d.snap.OperationID != uuid.Nil {
		d.snap.ID = store.NewID()
		d.snap.PersonID = d.hh.Members[d.who].ID
		d.snap.EntryDate = d.start
		d.snap.ExitDate = d.end
		g.out.Participations = append(g.out.Participations, d.snap)
	}
}

// conclude fills the conclusive evaluation of a finished project.
func (g *generator) conclude(d *draft, p *bulk.Project) {
	if d.story != nil {
		p.ObjectivesAchieved, p.SkillsAcquired = d.story.achieved, d.story.skills
		p.CriticalIssues, p.ResourcesActivated = d.story.issues, d.story.resources
		return
	}
	var trained []string
	for _, s := range d.services {
		if isTraining(s) {
			trained = append(trained, objectiveFor[s])
		}
	}
	switch d.outcome {
	case outHiredByHost:
		p.ObjectivesAchieved = "Hired by the company that hosted the internship"
	case outHiredElse:
		p.ObjectivesAchieved = "Found a job with another employer during the project"
	case outTraining:
		p.ObjectivesAchieved = "Training courses completed"
	case outDiploma:
		p.ObjectivesAchieved = "Obtained the lower-secondary school diploma"
	case outWithdrew:
		p.ObjectivesAchieved = "None: the participant withdrew"
	case outInterrupted:
		p.ObjectivesAchieved = "Partly achieved before the project was interrupted"
	default:
		p.ObjectivesAchieved = "First steps towards autonomy; the household keeps working with the social worker"
	}
	if len(trained) > 0 && d.outcome != outWithdrew {
		p.SkillsAcquired = fmt.Sprintf("%d certified course(s) completed", len(trained))
	}
	if d.outcome == outWithdrew || d.outcome == outInterrupted || g.rng.Chance(0.2) {
		p.CriticalIssues = synth.Pick(g.rng, criticalIssues)
		if d.covid {
			p.CriticalIssues = criticalIssues[3]
		}
		if d.roundNo == 2 && d.outcome == outInterrupted {
			p.CriticalIssues = criticalIssues[5]
		}
	}
	p.ResourcesActivated = fmt.Sprintf("%d service(s) activated", len(d.services))
}

// intervention writes one activated service of a project.
func (g *generator) intervention(d *draft, project uuid.UUID, s string) {
	spec := services[s]
	provider := spec.provider
	if provider == "" || d.ownServices {
		provider = d.coop
	}
	g.linkOrg(d.caseID, provider, "PROVIDER")
	projectDays := int(d.end.Sub(d.start).Hours() / 24)
	offset := g.rng.IntN(max(1, min(30, projectDays/3)))
	if s == svcInternship && d.roundNo == 1 {
		offset = g.rng.IntN(max(1, min(75, projectDays/2)))
	}
	start := d.start.AddDate(0, 0, offset)
	beneficiary := d.who
	switch s {
	case svcHomeEdu:
		// The child must still be a minor when the service starts.
		m := d.hh.Minors(start)
		if len(m) == 0 {
			start, m = d.start, d.hh.Minors(d.start)
		}
		if len(m) > 0 {
			beneficiary = m[len(m)/2]
		}
	case svcHomeCare:
		for i, m := range d.hh.Members {
			if (m.Rel == "PARENT" || m.Rel == "GRANDPARENT") && d.hh.AgeOf(i, d.start) >= 65 {
				beneficiary = i
			}
		}
	}
	if d.story != nil {
		if b, ok := d.story.beneficiaries[s]; ok {
			beneficiary = b
		}
	}
	weeks := g.rng.Span(spec.weeks[0], spec.weeks[1])
	end := start.AddDate(0, 0, 7*weeks)
	if end.After(d.end) {
		end = d.end
		weeks = max(1, int(end.Sub(start).Hours()/(24*7)))
	}
	var planned float64
	var plannedHours *float64
	if spec.hours != nil {
		planned = spec.hours(g, weeks)
		plannedHours = ptr(planned)
	}
	status, delivered, reason := "COMPLETED", planned, ""
	switch {
	case d.outcome == outWithdrew:
		status, delivered, reason = "INTERRUPTED", float64(int(planned*g.rng.Float64()*0.4)), "The participant withdrew from the project"
	case d.outcome == outInterrupted:
		status, delivered, reason = "INTERRUPTED", float64(int(planned*(0.3+g.rng.Float64()*0.5))), "The project was interrupted"
		if d.roundNo == 2 {
			reason = "The round ended before the service was complete"
		}
	case s == svcInternship && d.covid:
		status, delivered, reason = "INTERRUPTED", float64(int(planned*g.rng.Float64()*0.5)), "Suspended under COVID-19 restrictions"
	}
	g.out.Interventions = append(g.out.Interventions, bulk.Intervention{ID: store.NewID(), CaseID: d.caseID, ProjectID: project,
		RoundID: d.round, ServiceType: s, ProviderOrganisationID: g.orgs[provider],
		Operator: spec.operator + " " + synth.Pick(g.rng, operatorNames), BeneficiaryID: d.hh.Members[beneficiary].ID,
		StartsOn: start, EndsOn: end, PlannedHours: plannedHours, HoursDelivered: delivered, Status: status, InterruptionReason: reason,
		DepartmentID: g.depts[provider+"/"+serviceDepartment[provider][s]]})
}

// serviceDepartment is the department of an organisation that delivers a service type:
// in TO-HOME the City's housing department runs the housing measures, social care the
// home care, the employment department the rest.
var serviceDepartment = map[string]map[string]string{
	roster.OrgTorino: {svcHousing: "HOUSING", svcHomeCare: "SOC", svcInternship: "LAVORO", svcOrient: "LAVORO", svcItalian: "LAVORO",
		svcHACCP: "LAVORO", svcOther: "SOC"},
}

// register writes the case manager's activity register: the second interview, regular
// coordination with the social worker, contacts with the household and the conclusive note.
func (g *generator) register(d *draft, project uuid.UUID) {
	add := func(on time.Time, author, kind string, minutes int, note string) {
		g.out.ActivityEntries = append(g.out.ActivityEntries, bulk.ActivityEntry{ID: store.NewID(), CaseID: d.caseID,
			ProjectID: project, AuthorID: g.staff[author], OccurredOn: on, Kind: kind, Minutes: ptr(minutes), Note: note})
	}
	add(d.start, d.manager, "MEETING", 60, "Second interview: personalised individual project agreed with the participant")
	home := d.has(svcHomeEdu) || d.has(svcHomeCare)
	for on := d.start.AddDate(0, 0, g.rng.Span(10, 21)); on.Before(d.end); on = on.AddDate(0, 0, g.rng.Span(14, 35)) {
		switch r := g.rng.IntN(10); {
		case r < 5:
			add(on, d.manager, "COORDINATION", 30+15*g.rng.IntN(3), "Update with the social worker on the project's progress")
		case r < 7:
			add(on, d.manager, "CALL", 10+5*g.rng.IntN(3), "Phone call with the participant")
		case r < 9 && home:
			add(on, d.manager, "HOME_VISIT", 60, "Home visit with the educator")
		default:
			add(on, d.manager, "MEETING", 45, "Meeting with the participant to review the objectives")
		}
	}
	if d.story != nil {
		for i, n := range d.story.notes {
			on := d.start.AddDate(0, 0, (i+1)*int(d.end.Sub(d.start).Hours()/24)/(len(d.story.notes)+1))
			add(on, d.manager, "NOTE", 15, n)
		}
	}
	switch d.outcome {
	case outWithdrew:
		add(d.end, d.manager, "NOTE", 15, "The participant withdrew from the project")
	default:
		add(d.end, d.manager, "NOTE", 30, "Conclusive evaluation drafted and shared with the social worker")
	}
}

// exportProject tells the dataset export what the project meant for its household.
func (g *generator) exportProject(d *draft) {
	if g.export == nil {
		return
	}
	if d.benefit {
		for _, m := range d.hh.Members {
			(*g.export)[g.exported[m.ID]].IncomeSupport = true
		}
	}
	if d.snap.OperationID == uuid.Nil {
		return
	}
	p := &(*g.export)[g.exported[d.hh.Members[d.who].ID]]
	p.Participant = true
	p.EmploymentAtEntry = d.snap.EmploymentStatus
	p.EntryDate, p.ExitDate = d.start, d.end
	if d.outcome == outHiredByHost || d.outcome == outHiredElse {
		p.HiredOn = d.end
	}
}
