package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/internal/demo/progress"
	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/demo/synth"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
)

// Synthetic participants for load tests: ALI-like households, cases and projects handled by
// the Pisa agency and the cooperatives, in operations and rounds of their own, written in
// chunks so memory stays flat whatever the scale.
const (
	scaleSeed          = 7
	scaleChunk         = 2000
	scalePerRound      = 2500
	scaleRoundsPerOp   = 4
	scaleCasesPerSW    = 300
	scaleProjectsPerCM = 120
	// ScaleProgramme is the programme of the synthetic operations.
	ScaleProgramme = "PN Inclusione e lotta alla povertà 2021-2027 (synthetic)"
	// FundingESFPlus funds the synthetic operations.
	FundingESFPlus = "ESF_PLUS"
)

// The synthetic operations start between the programme's first months and a date late
// enough before today that every round (at most four, six months apart, fifteen months
// long) has ended: whatever the scale, a cut-off of today counts every synthetic entry,
// and the dates stay a function of the scale alone, so a seed is reproducible.
var (
	scaleFirstStart = date(2021, 7, 1)
	scaleLastStart  = date(2023, 6, 1)
)

// scaleOperationStart is the start of the k-th of ops synthetic operations: the first
// month of a spread of the span, so small scales keep one operation per quarter.
func scaleOperationStart(k, ops int) time.Time {
	if ops <= 1 {
		return scaleFirstStart
	}
	span := int(scaleLastStart.Sub(scaleFirstStart).Hours() / 24)
	step := min(92, span/(ops-1))
	d := scaleFirstStart.AddDate(0, 0, k*step)
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// scaleOperationCode is the synthetic CUP code of the n-th synthetic operation.
func scaleOperationCode(n int) string { return fmt.Sprintf("B59J23%09d", n) }

var scaleObjectives = []struct{ so, priority string }{
	{"ESO4.1", "1"}, {"ESO4.8", "2"}, {"ESO4.11", "2"}, {"ESO4.12", "3"},
}

// scaleServiceWeights follow the totals of Table 8.5.
var scaleServiceWeights = map[string]int{svcInternship: 55, svcForklift: 40, svcItalian: 40, svcHACCP: 63, svcSafety: 107,
	svcHomeEdu: 66, svcIT: 29, svcSoftSkills: 9, svcHomeCare: 9, svcPsych: 46, svcOrient: 29}

type scaleRound struct {
	spec      aliRound // dates, and the outcome rules of a long round without COVID-19
	operation uuid.UUID
	id        uuid.UUID
}

// chunkLoader takes the rows of one chunk; bulk.Loader is one.
type chunkLoader interface {
	Load(ctx context.Context, data *bulk.Data) error
}

// scale writes n synthetic participants through l, chunk by chunk.
func (g *generator) scale(ctx context.Context, l chunkLoader, n int, b *progress.Bar, sum *Summary) error {
	chunk := &bulk.Data{}
	g.out, g.export, g.links = chunk, nil, map[linkKey]bool{}
	g.rng = synth.NewRand(scaleSeed, uint64(n))
	b.Phase("synthetic", n)

	workers := make([]string, max(1, n/scaleCasesPerSW))
	for i := range workers {
		workers[i] = fmt.Sprintf("sw.scale.%05d", i+1)
		g.addStaff(workers[i], fmt.Sprintf("Synthetic social worker %d", i+1), roster.OrgSdSPisa, "SOC")
	}
	coops := []string{roster.OrgArnera, roster.OrgAforisma, roster.OrgIlSimbolo}
	managers := map[string][]string{}
	for i := range max(len(coops), n/scaleProjectsPerCM) {
		coop := coops[i%len(coops)]
		s := fmt.Sprintf("cm.scale.%05d", i+1)
		g.addStaff(s, fmt.Sprintf("Synthetic case manager %d", i+1), coop, "")
		managers[coop] = append(managers[coop], s)
	}

	rounds := (n + scalePerRound - 1) / scalePerRound
	ops := (rounds + scaleRoundsPerOp - 1) / scaleRoundsPerOp
	var all []scaleRound
	for k := range ops {
		obj := scaleObjectives[k%len(scaleObjectives)]
		opStart := scaleOperationStart(k, ops)
		opID := store.NewID()
		nr := min(scaleRoundsPerOp, rounds-k*scaleRoundsPerOp)
		var opEnd time.Time
		for r := range nr {
			starts := opStart.AddDate(0, 6*r, 0)
			ends := starts.AddDate(0, 15, -1)
			opEnd = ends
			rid := store.NewID()
			chunk.OperationRounds = append(chunk.OperationRounds, bulk.OperationRound{ID: rid, OperationID: opID,
				Number: r + 1, StartsOn: starts, EndsOn: ends, FundingSource: FundingESFPlus})
			all = append(all, scaleRound{operation: opID, id: rid, spec: aliRound{starts: starts, ends: ends,
				entryFrom: starts, entryTo: starts.AddDate(0, 3, 0)}})
		}
		chunk.Operations = append(chunk.Operations, bulk.Operation{ID: opID, Code: scaleOperationCode(k + 1),
			Name: fmt.Sprintf("Synthetic inclusion operation %d", k+1), Programme: ScaleProgramme, Priority: obj.priority,
			SpecificObjective: obj.so, CategoryOfRegion: ALICategoryOfRegion, FundingSource: FundingESFPlus,
			StartsOn: opStart, EndsOn: opEnd})
	}
	sum.ScaleOperations = ops

	seq := 0
	for i := range n {
		r := &all[i/scalePerRound]
		if err := g.scaleParticipant(r, &seq, workers, managers); err != nil {
			return fmt.Errorf("demo: synthetic participant %d: %w", i+1, err)
		}
		if (i+1)%scaleChunk != 0 && i+1 != n {
			continue
		}
		if err := l.Load(ctx, chunk); err != nil {
			return fmt.Errorf("demo: load synthetic participants: %w", err)
		}
		sum.add(chunk)
		sum.ScaleParticipants = i + 1
		b.Loaded(i + 1)
		chunk.Reset()
		clear(g.links)
	}
	return nil
}

// scaleParticipant writes one synthetic participant with household, case and project.
func (g *generator) scaleParticipant(r *scaleRound, seq *int, workers []string, managers map[string][]string) error {
	spec := &aliRounds[0]
	start := g.rng.Between(r.spec.entryFrom, r.spec.entryTo)
	sex := byte('F')
	if g.rng.Chance(0.42) {
		sex = 'M'
	}
	band := synth.Weighted(g.rng, spec.Ages[:]...)
	age := g.rng.AgeIn(band)
	foreign := g.rng.Chance(0.5)
	origin := synth.Italy
	if foreign {
		origin = g.rng.Foreign()
	}
	size := 1 + synth.Weighted(g.rng, spec.Sizes[:]...)
	mother := sex == 'F' && size >= 2 && band >= 1 && band <= 3 && g.rng.Chance(0.45)
	res := g.rng.Residence()
	h, err := g.addHousehold(g.rng.PlanHousehold(synth.PlanInput{Sex: sex, Age: age, Size: size, SingleMother: mother}),
		synth.HouseholdOptions{Origin: origin, Residence: res.Belfiore, Ref: start, Naturalise: foreign && g.rng.Chance(0.15), YearsInItaly: g.rng.Span(4, 20)})
	if err != nil {
		return err
	}
	who := slices.IndexFunc(h.Members, func(m synth.HouseholdMember) bool { return m.Participant })

	d := &draft{hh: h, who: who, assessed: who, round: r.id, start: start,
		benefit: g.rng.Chance(0.5), foreign: foreign, assessedOn: start.AddDate(0, 0, -g.rng.Span(14, 45)), isced: -1, unemployed: -1,
		title: "Individual inclusion project", singleParent: mother}
	d.worker = synth.Pick(g.rng, workers)
	d.coop = []string{roster.OrgArnera, roster.OrgAforisma, roster.OrgIlSimbolo}[g.rng.IntN(3)]
	d.manager = synth.Pick(g.rng, managers[d.coop])
	opened := d.assessedOn.AddDate(-g.rng.Span(0, 5), -g.rng.Span(1, 11), 0)
	*seq++
	d.caseID = g.openCase(fmt.Sprintf("SYN-%d-%07d", opened.Year(), *seq), h, h.Members[who].ID, roster.OrgSdSPisa, "SOC",
		d.worker, opened, time.Time{}, "", "Synthetic household for load tests.")

	// Characteristics at entry, with a few gaps of every kind.
	p := &d.snap
	p.OperationID, p.RoundID = r.operation, r.id
	switch {
	case g.rng.Chance(0.003):
		p.Gender = "NB"
		for k := len(g.out.Persons) - 1; k >= 0; k-- {
			if g.out.Persons[k].ID == h.Members[who].ID {
				g.out.Persons[k].Gender = "NON_BINARY"
				break
			}
		}
	case g.rng.Chance(0.01):
	default:
		p.Gender = string(sex)
	}
	if !g.rng.Chance(0.015) {
		p.BirthDate = h.Members[who].Birth
	}
	if !g.rng.Chance(0.02) {
		p.CountryOfOrigin = origin.ISO
		p.ForeignBackground = yesNo(foreign)
		p.ThirdCountryNational = yesNo(!synth.CountryByISO(h.Members[who].Citizenship).EU)
	}
	if !g.rng.Chance(0.04) {
		p.HouseholdSize = ptr(len(h.Members))
	}
	g.employment(d, 62, 28, g.rng.Chance(0.02))
	if g.rng.Chance(0.04) {
		d.isced = -1
	} else {
		p.ISCED = ptr(d.isced)
	}
	g.flags(d, res)

	// One to four services, drawn with the weights of Table 8.5 among those that fit.
	want := 1 + synth.Weighted(g.rng, 30, 35, 25, 10)
	for range want {
		var cands []string
		var ws []int
		for _, s := range serviceOrder {
			if d.eligible(s) {
				cands = append(cands, s)
				ws = append(ws, scaleServiceWeights[s])
			}
		}
		if len(cands) == 0 {
			break
		}
		d.services = append(d.services, cands[synth.Weighted(g.rng, ws...)])
	}
	g.settle(d, &r.spec)
	g.emit(d)
	g.pisaLinks(d)
	if g.rng.Chance(0.35) {
		g.closeSomeCases(len(g.out.Cases)-1, 1, map[uuid.UUID]time.Time{d.caseID: d.end})
	}
	return nil
}
