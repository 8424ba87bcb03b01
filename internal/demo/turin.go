package demo

import (
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/demo/synth"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
)

// TO-HOME (Turin, 2017): officers of the city's housing, employment and social-care
// departments work together on households at risk of eviction. Each case is led by a
// social worker and involves all three departments.

type turinCase struct {
	summary  string
	origin   string // ISO code of the household's origin
	plan     []synth.Member
	who      int
	start    time.Time
	months   int
	outcome  string
	services []string
	achieved string
	notes    []string
}

var turinCases = []turinCase{
	{
		summary: "Father alone with two children; rent arrears after losing his job; eviction notice served.",
		origin:  "IT",
		plan: []synth.Member{{Rel: "HEAD", Sex: 'M', Age: 44, Participant: true},
			{Rel: "CHILD", Sex: 'F', Age: 12}, {Rel: "CHILD", Sex: 'M', Age: 9}},
		start: date(2017, 4, 3), months: 7, outcome: outHiredElse,
		services: []string{svcHousing, svcOrient, svcInternship},
		achieved: "Temporary housing found before the eviction; hired after an internship",
		notes:    []string{"Eviction postponed while the housing department looks for a temporary solution"},
	},
	{
		summary: "Couple of Moroccan origin with three children, both unemployed; eviction for arrears.",
		origin:  "MA",
		plan: []synth.Member{{Rel: "HEAD", Sex: 'M', Age: 39, Participant: true}, {Rel: "SPOUSE", Sex: 'F', Age: 34},
			{Rel: "CHILD", Sex: 'M', Age: 11}, {Rel: "CHILD", Sex: 'F', Age: 8}, {Rel: "CHILD", Sex: 'F', Age: 3}},
		start: date(2017, 5, 15), months: 8, outcome: outTraining,
		services: []string{svcHousing, svcInternship, svcItalian},
		achieved: "Allocated a social housing flat; the father completed a work internship",
		notes:    []string{"Application for social housing filed by the housing department"},
	},
	{
		summary: "Woman living alone with health problems; rent arrears accumulated over two years.",
		origin:  "IT",
		plan:    []synth.Member{{Rel: "HEAD", Sex: 'F', Age: 58, Participant: true}},
		start:   date(2017, 6, 12), months: 6,
		services: []string{svcHousing, svcHomeCare, svcOther},
		achieved: "Arrears settled with a rent support contribution; home care started",
	},
	{
		summary: "Young mother alone with a small child, of Romanian origin; lost her room in a shared flat.",
		origin:  "RO",
		plan:    []synth.Member{{Rel: "HEAD", Sex: 'F', Age: 24, Participant: true}, {Rel: "CHILD", Sex: 'M', Age: 3}},
		start:   date(2017, 9, 4), months: 4, outcome: outTraining,
		services: []string{svcHousing, svcHACCP, svcOrient},
		achieved: "Placed in emergency housing; HACCP course completed; the child enrolled in a nursery",
	},
}

// addTurin generates the TO-HOME cases.
func (g *generator) addTurin() error {
	for i, tc := range turinCases {
		origin := synth.CountryByISO(tc.origin)
		h, err := g.addHousehold(tc.plan, synth.HouseholdOptions{Origin: origin, Residence: synth.BelfioreTorino, Ref: tc.start, YearsInItaly: 6})
		if err != nil {
			return fmt.Errorf("TO-HOME case %d: %w", i+1, err)
		}
		opened := tc.start.AddDate(0, -g.rng.Span(2, 14), 0)
		end := tc.start.AddDate(0, tc.months, 0)
		closed := time.Time{}
		closure := ""
		if i%2 == 0 {
			closed, closure = end.AddDate(0, 2, 0), "Housing emergency resolved"
		}
		id := g.openCase(fmt.Sprintf("TO-HOME-%d-%03d", opened.Year(), i+1), h, h.Members[tc.who].ID, roster.OrgTorino, "SOC",
			roster.SubjectTorinoSocial, opened, closed, closure, tc.summary)
		for _, dept := range []string{"HOUSING", "LAVORO"} {
			g.linkDept(id, roster.OrgTorino, dept)
		}
		g.assign(id, roster.SubjectTorinoWork)
		d := &draft{caseID: id, hh: h, who: tc.who, assessed: tc.who, coop: roster.OrgTorino, manager: roster.SubjectTorinoHousing,
			worker: roster.SubjectTorinoSocial, ownServices: true, title: "TO-HOME integrated project", start: tc.start, end: end, services: tc.services, locked: true, outcome: tc.outcome,
			foreign: origin != synth.Italy, assessedOn: tc.start.AddDate(0, 0, -10), isced: 2, unemployed: 12,
			story: &story{achieved: tc.achieved, notes: tc.notes,
				resources: "Joint work of the housing, employment and social-care departments"}}
		g.emit(d)
		for on := tc.start.AddDate(0, 0, 14); on.Before(end); on = on.AddDate(0, 1, 0) {
			for _, author := range []string{roster.SubjectTorinoSocial, roster.SubjectTorinoWork} {
				g.out.ActivityEntries = append(g.out.ActivityEntries, bulk.ActivityEntry{ID: store.NewID(), CaseID: id,
					AuthorID: g.staff[author], OccurredOn: on, Kind: "COORDINATION", Minutes: ptr(60),
					Note: "Joint meeting of the housing, employment and social-care officers"})
			}
		}
	}
	return nil
}
