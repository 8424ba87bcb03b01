package esf

import (
	"strings"

	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// Kind tells which table of the Commission's report an indicator belongs to.
type Kind string

// Indicator kinds.
const (
	// Output indicators count participants by their characteristics at entry (Table 6).
	Output Kind = "OUTPUT"
	// Result indicators count participants by their situation after leaving (Table 10).
	Result Kind = "RESULT"
	// Entity indicators count the organisations an operation supports, once per operation.
	Entity Kind = "ENTITY"
)

// Test is what places a participant (or an entity) in an indicator.
type Test int

// Tests; each reads the thresholds it needs from Rules.
const (
	TestParticipant Test = iota + 1
	TestStatus
	TestLongTermUnemployed
	TestMinor
	TestYoung
	TestOlder
	TestISCED
	TestFlag
	TestLeaving
	TestQualification
	TestSixMonths
	TestImproved
	TestPublicEntity
	TestSMEEntity
)

// Indicator is one common indicator of Regulation (EU) 2021/1057 Annex I.
type Indicator struct {
	Code string
	Name string
	Kind Kind
	Test Test
	// Status is the employment status at entry TestStatus requires.
	Status string
	// ISCEDMin and ISCEDMax bound TestISCED, inclusive.
	ISCEDMin, ISCEDMax int
	// Flag names the point 1.2 characteristic TestFlag reads; such an indicator reports
	// its informed estimates beside the value.
	Flag string
	// Situations are the last situations TestLeaving and TestSixMonths accept.
	Situations []string
}

// ByGender reports whether the indicator is broken down by gender (every personal one).
func (ind Indicator) ByGender() bool { return ind.Kind != Entity }

// Estimable reports whether informed estimates may stand in for microdata.
func (ind Indicator) Estimable() bool { return ind.Test == TestFlag }

// Indicators is the table of common indicators the hub reports, in the Commission's order.
// EECR06 rests on the registry's employment events alone: their contract types, classed
// stable or precarious in the database (migrations/00330_esf_eecr06.sql), at entry and six
// months after leaving. Nothing the hub holds shows working time, competences or
// promotions, the indicator's other ways of improving.
var Indicators = []Indicator{
	{Code: "EECO01", Name: "total number of participants", Kind: Output, Test: TestParticipant},
	{Code: "EECO02", Name: "unemployed, including long-term unemployed", Kind: Output, Test: TestStatus, Status: StatusUnemployed},
	{Code: "EECO03", Name: "long-term unemployed", Kind: Output, Test: TestLongTermUnemployed, Status: StatusUnemployed},
	{Code: "EECO04", Name: "inactive", Kind: Output, Test: TestStatus, Status: StatusInactive},
	{Code: "EECO05", Name: "employed, including self-employed", Kind: Output, Test: TestStatus, Status: StatusEmployed},
	{Code: "EECO06", Name: "children below 18 years of age", Kind: Output, Test: TestMinor},
	{Code: "EECO07", Name: "young people between 18 and 29 years of age", Kind: Output, Test: TestYoung},
	{Code: "EECO08", Name: "participants of 55 years of age and above", Kind: Output, Test: TestOlder},
	{Code: "EECO09", Name: "with lower secondary education or less (ISCED 0-2)", Kind: Output, Test: TestISCED, ISCEDMin: 0, ISCEDMax: 2},
	{Code: "EECO10", Name: "with upper secondary or post-secondary non-tertiary education (ISCED 3-4)", Kind: Output, Test: TestISCED, ISCEDMin: 3, ISCEDMax: 4},
	{Code: "EECO11", Name: "with tertiary education (ISCED 5-8)", Kind: Output, Test: TestISCED, ISCEDMin: 5, ISCEDMax: 8},
	{Code: "EECO12", Name: "participants with disabilities", Kind: Output, Test: TestFlag, Flag: "disability"},
	{Code: "EECO13", Name: "third-country nationals", Kind: Output, Test: TestFlag, Flag: "third_country_national"},
	{Code: "EECO14", Name: "participants with a foreign background", Kind: Output, Test: TestFlag, Flag: "foreign_background"},
	{Code: "EECO15", Name: "minorities (including marginalised communities such as Roma)", Kind: Output, Test: TestFlag, Flag: "minority"},
	{Code: "EECO16", Name: "homeless or affected by housing exclusion", Kind: Output, Test: TestFlag, Flag: "homeless"},
	{Code: "EECO17", Name: "participants from rural areas", Kind: Output, Test: TestFlag, Flag: "rural"},
	{Code: "EECO18", Name: "public administrations or public services supported", Kind: Entity, Test: TestPublicEntity},
	{Code: "EECO19", Name: "micro, small and medium-sized enterprises (including cooperatives and social enterprises) supported", Kind: Entity, Test: TestSMEEntity},
	{Code: "EECR01", Name: "participants engaged in job searching upon leaving", Kind: Result, Test: TestLeaving, Situations: []string{SituationJobSearching}},
	{Code: "EECR02", Name: "participants in education or training upon leaving", Kind: Result, Test: TestLeaving, Situations: []string{SituationEducationTraining}},
	{Code: "EECR03", Name: "participants gaining a qualification upon leaving", Kind: Result, Test: TestQualification},
	{Code: "EECR04", Name: "participants in employment, including self-employment, upon leaving", Kind: Result, Test: TestLeaving, Situations: []string{SituationEmployed, SituationSelfEmployed}},
	{Code: "EECR05", Name: "participants in employment, including self-employment, six months after leaving", Kind: Result, Test: TestSixMonths, Situations: []string{SituationEmployed, SituationSelfEmployed}},
	{Code: "EECR06", Name: "participants with an improved labour market situation six months after leaving", Kind: Result, Test: TestImproved},
}

// CommonRanges names the codes of the common indicators, as ranges.
func CommonRanges() string {
	var out []string
	for i := 0; i < len(Indicators); {
		j := i
		for j+1 < len(Indicators) && Indicators[j+1].Code[:4] == Indicators[i].Code[:4] {
			j++
		}
		out = append(out, Indicators[i].Code+"-"+Indicators[j].Code)
		i = j + 1
	}
	return strings.Join(out, ", ")
}

// IndicatorByCode returns the indicator with the given code.
func IndicatorByCode(code string) (Indicator, bool) {
	for _, ind := range Indicators {
		if ind.Code == code {
			return ind, true
		}
	}
	return Indicator{}, false
}

// criterion compiles a participant indicator's test under rules r; entity indicators
// have none.
func (ind Indicator) criterion(r Rules) (esfdata.Criterion, bool) {
	switch ind.Test {
	case TestParticipant:
		return esfdata.Criterion{Kind: esfdata.Participant}, true
	case TestStatus:
		return esfdata.Criterion{Kind: esfdata.Status, Value: ind.Status}, true
	case TestLongTermUnemployed:
		return esfdata.Criterion{Kind: esfdata.LongTermUnemployed, Value: ind.Status}, true
	case TestMinor:
		return esfdata.Criterion{Kind: esfdata.Age, Min: 0, Max: r.MinorBelowAge - 1}, true
	case TestYoung:
		return esfdata.Criterion{Kind: esfdata.Age, Min: r.YoungFromAge, Max: r.YoungToAge}, true
	case TestOlder:
		return esfdata.Criterion{Kind: esfdata.Age, Min: r.OlderFromAge, Max: -1}, true
	case TestISCED:
		return esfdata.Criterion{Kind: esfdata.ISCED, Min: ind.ISCEDMin, Max: ind.ISCEDMax}, true
	case TestFlag:
		return esfdata.Criterion{Kind: esfdata.Flag, Value: ind.Flag}, true
	case TestLeaving:
		return esfdata.Criterion{Kind: esfdata.Leaving, Situations: ind.Situations}, true
	case TestQualification:
		return esfdata.Criterion{Kind: esfdata.Qualification}, true
	case TestSixMonths:
		return esfdata.Criterion{Kind: esfdata.SixMonths, Situations: ind.Situations}, true
	case TestImproved:
		return esfdata.Criterion{Kind: esfdata.Improved}, true
	}
	return esfdata.Criterion{}, false
}

func (r Rules) store() esfdata.Rules {
	return esfdata.Rules{
		LTUAdultAge:       r.LTUAdultAge,
		YouthLTUMonths:    r.YouthLTUMonths,
		AdultLTUMonths:    r.AdultLTUMonths,
		LeavingWindowDays: r.LeavingWindowDays,
		FollowUpMonths:    r.FollowUpMonths,
	}
}

// missingFields maps the store's completeness bits to fields, in reporting order.
var missingFields = []struct {
	bit   esfdata.Missing
	field Field
}{
	{esfdata.MissingGender, FieldGender},
	{esfdata.MissingBirthDate, FieldBirthDate},
	{esfdata.MissingEmploymentStatus, FieldEmploymentStatus},
	{esfdata.MissingUnemploymentMonths, FieldUnemploymentMonths},
	{esfdata.MissingISCED, FieldISCED},
}

func fieldsOf(m esfdata.Missing) []Field {
	var out []Field
	for _, f := range missingFields {
		if m&f.bit != 0 {
			out = append(out, f.field)
		}
	}
	return out
}
