package demo

import (
	"time"

	"github.com/ponte-hub/ponte/internal/demo/synth"
)

// The cases the ALI chapter narrates, retold with synthetic people. Their participants take
// slots of the round like everyone else, so the round's tables still add up.

// narrated marks a draft as fixed by its story.
func narrated(d *draft, end time.Time, outcome string, st *story, services ...string) {
	d.locked, d.end, d.outcome, d.story, d.services = true, end, outcome, st, services
}

func setStatus(d *draft, status string, months int) {
	d.snap.EmploymentStatus, d.snap.UnemploymentMonths = status, nil
	d.employed, d.unemployed = status == "EMPLOYED", -1
	if status == "UNEMPLOYED" {
		d.snap.UnemploymentMonths, d.unemployed = ptr(months), months
	}
}

func (g *generator) setSummary(d *draft, summary string) {
	for i := len(g.out.Cases) - 1; i >= 0; i-- {
		if g.out.Cases[i].ID == d.caseID {
			g.out.Cases[i].Summary = summary
			return
		}
	}
}

// familyA: a foreign family in Italy for many years, father, mother and four children. The
// adult daughter, who looked after her younger siblings, was placed in an internship in a
// fashion store and hired; the mother took the Italian course; the father the forklift and
// workplace safety courses; the children had school educational support.
func (g *generator) familyA(c aliContext, s *synth.Profiles) ([]*draft, error) {
	var slot [3]int
	for k, p := range []struct {
		gender string
		band   int
	}{{"M", 3}, {"F", 3}, {"F", 0}} {
		i, err := s.Claim(p.gender, "XX", p.band, 6)
		if err != nil {
			return nil, err
		}
		slot[k] = i
	}
	start := date(2020, 11, 9)
	al := synth.CountryByISO("AL")
	pisa := synth.ZonaPisana()[0]
	h, err := g.addHousehold([]synth.Member{
		{Rel: "HEAD", Sex: 'M', Age: 49, Participant: true},
		{Rel: "SPOUSE", Sex: 'F', Age: 46, Participant: true},
		{Rel: "CHILD", Sex: 'M', Age: 24},
		{Rel: "CHILD", Sex: 'F', Age: 21, Participant: true},
		{Rel: "CHILD", Sex: 'M', Age: 13},
		{Rel: "CHILD", Sex: 'F', Age: 10},
	}, synth.HouseholdOptions{Origin: al, Residence: pisa.Belfiore, Ref: start, YearsInItaly: 17})
	if err != nil {
		return nil, err
	}
	father := g.newDraft(c, h, 0, start, false, true, nil)
	mother := g.newDraft(c, h, 1, start, false, true, father)
	daughter := g.newDraft(c, h, 3, start, false, true, father)
	g.setSummary(father, "Foreign family living in Italy for many years. The father works on very short temporary "+
		"contracts; he and the eldest son support the family. The adult daughter looks after her two younger siblings "+
		"and keeps in touch with their teachers; the mother hardly speaks Italian and cannot deal with services alone.")
	for k, d := range []*draft{father, mother, daughter} {
		g.record(d, s, slot[k], al, pisa, false, false)
	}
	setStatus(father, "EMPLOYED", 0)
	setStatus(mother, "INACTIVE", 0)
	setStatus(daughter, "INACTIVE", 0)
	narrated(father, date(2021, 7, 9), outTraining, &story{
		objective: "Move from very short temporary contracts to steadier work",
		achieved:  "Forklift licence and workplace safety certificate obtained",
		skills:    "Forklift operation; workplace safety",
		resources: "Training courses of A.FO.RI.S.MA.",
	}, svcForklift, svcSafety)
	narrated(mother, date(2021, 11, 5), outTraining, &story{
		objective:     "Gain autonomy outside the home",
		achieved:      "Completed the Italian course; now leaves the house alone and deals with the school",
		skills:        "Everyday Italian",
		resources:     "Italian course; orientation to local services; school educational support for the children",
		notes:         []string{"The children's educational support frees the daughter and the mother from looking after them"},
		beneficiaries: map[string]int{svcHomeEdu: 5},
	}, svcItalian, svcOrient, svcHomeEdu)
	narrated(daughter, date(2021, 8, 6), outHiredByHost, &story{
		objective: "Find a job that lets her contribute to the household",
		achieved:  "Hired by the fashion store that hosted the internship",
		skills:    "Retail sales and customer relations",
		resources: "Internship in a fashion store; workplace safety course",
		notes:     []string{"Internship started in a fashion store in the city centre", "The store offers a contract at the end of the internship"},
	}, svcInternship, svcSafety)
	return []*draft{father, mother, daughter}, nil
}

// familyB: an Italian mother, a father of foreign origin and three children, evicted during
// the project. The mother had psychological support and parenting support, one child had
// an educator of his own; the social worker found an emergency apartment; both parents
// found a job.
func (g *generator) familyB(c aliContext, s *synth.Profiles) ([]*draft, error) {
	mi, err := s.Claim("F", "IT", 2, 5)
	if err != nil {
		return nil, err
	}
	fi, err := s.Claim("M", "XX", 2, 5)
	if err != nil {
		return nil, err
	}
	start := date(2020, 12, 1)
	ma := synth.CountryByISO("MA")
	cascina := synth.ZonaPisana()[1]
	h, err := g.addHousehold([]synth.Member{
		{Rel: "HEAD", Sex: 'F', Age: 38, Participant: true},
		{Rel: "SPOUSE", Sex: 'M', Age: 41, Participant: true, Origin: ma},
		{Rel: "CHILD", Sex: 'M', Age: 9},
		{Rel: "CHILD", Sex: 'F', Age: 7},
		{Rel: "CHILD", Sex: 'F', Age: 4},
	}, synth.HouseholdOptions{Origin: synth.Italy, Residence: cascina.Belfiore, Ref: start, YearsInItaly: 15})
	if err != nil {
		return nil, err
	}
	mother := g.newDraft(c, h, 0, start, false, false, nil)
	father := g.newDraft(c, h, 1, start, false, true, mother)
	g.setSummary(mother, "Italian mother, father of foreign origin and three children with personal difficulties. "+
		"The family was evicted during the project; the social worker found them an emergency apartment.")
	g.record(mother, s, mi, synth.Italy, cascina, false, false)
	g.record(father, s, fi, ma, cascina, false, false)
	setStatus(mother, "INACTIVE", 0)
	setStatus(father, "UNEMPLOYED", 14)
	mother.snap.Homeless, father.snap.Homeless = "N", "N"
	mother.healthNote = "Psychological distress; feels unable to relate to her children"
	narrated(mother, date(2021, 11, 1), outHiredElse, &story{
		objective: "Regain time for herself and a better relationship with the children and their school",
		achieved:  "Deals with the teachers on her own; found a job",
		skills:    "Parenting; relations with the school",
		issues:    "Eviction in the middle of the project",
		resources: "Psychological support; an educator for one child; parenting support; emergency apartment",
		notes: []string{"Eviction executed; the social worker found the family an emergency apartment",
			"At the end of the school year the mother meets the teachers on her own"},
		beneficiaries: map[string]int{svcHomeEdu: 2},
	}, svcPsych, svcHomeEdu, svcOrient)
	narrated(father, date(2021, 10, 1), outHiredElse, &story{
		objective: "Find stable work",
		achieved:  "Found a job with the operators' help",
		resources: "Workplace safety course; orientation to local services",
	}, svcSafety, svcOrient)
	return []*draft{mother, father}, nil
}

// familyC: the project was first designed around the father of a household in particularly
// disadvantaged conditions; the operators refocused it on the young adult daughter, who was
// hired after an internship and now contributes to the family's income.
func (g *generator) familyC(c aliContext, s *synth.Profiles) ([]*draft, error) {
	di, err := s.Claim("F", "IT", 0, 4)
	if err != nil {
		return nil, err
	}
	start := date(2021, 1, 18)
	pisa := synth.ZonaPisana()[0]
	h, err := g.addHousehold([]synth.Member{
		{Rel: "HEAD", Sex: 'M', Age: 52},
		{Rel: "SPOUSE", Sex: 'F', Age: 47},
		{Rel: "CHILD", Sex: 'F', Age: 22, Participant: true},
		{Rel: "CHILD", Sex: 'M', Age: 15},
	}, synth.HouseholdOptions{Origin: synth.Italy, Residence: pisa.Belfiore, Ref: start})
	if err != nil {
		return nil, err
	}
	d := g.newDraft(c, h, 2, start, true, false, nil)
	d.assessed = 0
	g.setSummary(d, "Household in particularly disadvantaged conditions. The project was designed around the father; "+
		"the operators refocused it on the young adult daughter.")
	g.record(d, s, di, synth.Italy, pisa, false, false)
	setStatus(d, "INACTIVE", 0)
	d.unemployed = 30 // the father's, as the first interview found it
	narrated(d, date(2021, 10, 15), outHiredByHost, &story{
		objective: "Bring an income into the household through the daughter's employment",
		achieved:  "Hired by the company that hosted the internship; contributes significantly to the family's income",
		skills:    "Food handling; workplace safety; punctuality and teamwork",
		resources: "Internship; HACCP and workplace safety courses",
		notes:     []string{"Project refocused from the father to the daughter after the first weeks"},
	}, svcInternship, svcSafety, svcHACCP)
	return []*draft{d}, nil
}

// youngMan: a young adult of the second round whose internship went well until he learned
// the project would end in six weeks; his absences grew and he gave up.
func (g *generator) youngMan(c aliContext, s *synth.Profiles) ([]*draft, error) {
	i, err := s.Claim("M", "IT", 0, 3)
	if err != nil {
		return nil, err
	}
	start := date(2022, 1, 17)
	sgt := synth.ZonaPisana()[2]
	h, err := g.addHousehold([]synth.Member{
		{Rel: "HEAD", Sex: 'M', Age: 54},
		{Rel: "SPOUSE", Sex: 'F', Age: 51},
		{Rel: "CHILD", Sex: 'M', Age: 23, Participant: true},
	}, synth.HouseholdOptions{Origin: synth.Italy, Residence: sgt.Belfiore, Ref: start})
	if err != nil {
		return nil, err
	}
	d := g.newDraft(c, h, 2, start, true, false, nil)
	g.record(d, s, i, synth.Italy, sgt, false, false)
	setStatus(d, "UNEMPLOYED", 10)
	narrated(d, date(2022, 5, 20), outWithdrew, &story{
		objective: "Complete an internship and gain a first stable job",
		achieved:  "The internship went well, with ups and downs, until the end of the round was announced",
		issues: "Told the project would end in six weeks, he felt that everything he relied on was ending; his absences " +
			"from the internship grew until he gave up, saying it made no sense to go on",
		resources: "Internship; workplace safety and soft-skills courses",
		notes:     []string{"Informed that the round ends on 30 June", "Repeated absences from the internship"},
	}, svcInternship, svcSafety, svcSoftSkills)
	return []*draft{d}, nil
}
