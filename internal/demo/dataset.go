package demo

import (
	"sync"
	"time"
)

// Person is one person of the demo as the registry simulators need it: who they are, the
// household they live in, and what their projects led to, so simulated benefit, labour and
// school records agree with the demo's cases.
type Person struct {
	TaxCode    string
	GivenName  string
	FamilyName string
	BirthDate  time.Time
	BirthPlace string // Belfiore code
	Sex        string // "F" or "M", as encoded in the tax code
	// Citizenship is an ISO 3166 alpha-2 code.
	Citizenship string
	// Residence is the Belfiore code of the municipality of residence.
	Residence string
	// Household is a key shared by the members of one household, stable across runs.
	Household      string
	HouseholdLabel string
	// Relationship to the head of the household, as in household_members.
	Relationship string
	// Participant: the person takes part in the ALI operation.
	Participant bool
	// IncomeSupport: the household received citizenship income (RdC) during the project.
	IncomeSupport bool
	// EmploymentAtEntry is UNEMPLOYED, INACTIVE or EMPLOYED for participants whose status
	// was recorded at entry, empty otherwise.
	EmploymentAtEntry string
	// EntryDate and ExitDate bound the participation; zero for non-participants.
	EntryDate, ExitDate time.Time
	// HiredOn is the day a project ended with the person hired; zero otherwise.
	HiredOn time.Time
}

var base struct {
	once   sync.Once
	people []Person
	err    error
}

// Persons returns the demo's persons (the ALI households and the TO-HOME households), the
// same on every call and in every process: the generation is seeded.
func Persons() ([]Person, error) {
	base.once.Do(func() {
		g, err := generateBase()
		if err != nil {
			base.err = err
			return
		}
		base.people = *g.export
	})
	return append([]Person(nil), base.people...), base.err
}
