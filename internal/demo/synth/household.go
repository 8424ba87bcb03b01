package synth

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// People realises household plans as rows. It remembers every tax code handed out, so
// synthetic namesakes born on the same day in the same place get another first name
// instead of a duplicate key, and numbers households in the order they are made.
type People struct {
	taxCodes map[string]struct{}
	seq      int
}

// NewPeople returns a People that has handed out no tax code yet.
func NewPeople() *People { return &People{taxCodes: map[string]struct{}{}} }

// Household is a realised household: its row, and its members' persons.
type Household struct {
	ID  uuid.UUID
	Key string // stable across runs: HH and the household's number
	// Label is the household's label as stored: "Nucleo" and the surname of its head.
	Label     string
	Residence string // Belfiore code
	Members   []HouseholdMember
}

// HouseholdMember is one person of a realised household.
type HouseholdMember struct {
	ID          uuid.UUID // the person's
	Rel         string
	Sex         byte
	Birth       time.Time
	Origin      *Country
	BornAbroad  bool
	Citizenship string // ISO 3166 alpha-2
	Participant bool
	TaxCode     string
	GivenName   string
	FamilyName  string
	BirthPlace  string // Belfiore code
}

// AgeOf returns the completed years of member i on day.
func (h *Household) AgeOf(i int, day time.Time) int { return AgeAt(h.Members[i].Birth, day) }

// Minors returns the members under 18 on day, eldest first.
func (h *Household) Minors(day time.Time) []int {
	var out []int
	for i := range h.Members {
		if a := h.AgeOf(i, day); a < 18 {
			out = append(out, i)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && h.Members[out[j]].Birth.Before(h.Members[out[j-1]].Birth); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// HouseholdOptions describe where and how a household lives.
type HouseholdOptions struct {
	Origin    *Country
	Residence string    // Belfiore code
	Ref       time.Time // reference date of the members' ages (entry date)
	// Naturalise: foreign-born members hold Italian citizenship.
	Naturalise bool
	// YearsInItaly: children of a foreign household younger than this were born in Italy.
	YearsInItaly int
}

// AddHousehold realises a plan with draws from r: it appends the persons, the household
// and its memberships to out.
func (p *People) AddHousehold(r *Rand, out *bulk.Data, plan []Member, o HouseholdOptions) (*Household, error) {
	p.seq++
	h := &Household{ID: store.NewID(), Key: fmt.Sprintf("HH%06d", p.seq), Residence: o.Residence}
	// The family name passes down the father's line; a woman heading the household alone
	// passes on her own.
	carrier := -1
	for i, m := range plan {
		if (m.Rel == "HEAD" || m.Rel == "SPOUSE" || m.Rel == "PARTNER") && m.Sex == 'M' {
			carrier = i
			break
		}
	}
	if carrier < 0 {
		for i, m := range plan {
			if m.Rel == "HEAD" {
				carrier = i
			}
		}
	}
	carrierOrigin := o.Origin
	if carrier >= 0 && plan[carrier].Origin != nil {
		carrierOrigin = plan[carrier].Origin
	}
	family := Pick(r, carrierOrigin.surnames)
	formed := o.Ref.AddDate(-r.Span(2, 18), 0, -r.IntN(365))
	used := map[string]bool{}
	label := ""
	for i, m := range plan {
		origin := o.Origin
		if m.Origin != nil {
			origin = m.Origin
		}
		surname := Pick(r, origin.surnames)
		switch {
		case i == carrier, m.Rel == "CHILD", m.Rel == "SIBLING", m.Rel == "GRANDCHILD":
			surname = family
		case m.Rel == "PARENT" && m.Sex == 'M' && carrier >= 0 && plan[carrier].Rel == "HEAD":
			surname = family
		}
		birth := r.BirthFor(m.Age, o.Ref)
		bornAbroad := origin != Italy && m.Age >= o.YearsInItaly
		citizenship := origin.ISO
		if o.Naturalise {
			citizenship = "IT"
		}
		hm := HouseholdMember{Rel: m.Rel, Sex: m.Sex, Birth: birth, Origin: origin, BornAbroad: bornAbroad,
			Citizenship: citizenship, Participant: m.Participant}
		given := m.Given
		if given == "" {
			// Nobody in a household shares a first name.
			names := origin.male
			if m.Sex == 'F' {
				names = origin.female
			}
			given = Pick(r, names)
			for try := 0; used[given] && try < 20; try++ {
				given = Pick(r, names)
			}
		}
		used[given] = true
		if err := p.addPerson(r, out, surname, given, &hm, o.Residence); err != nil {
			return nil, err
		}
		h.Members = append(h.Members, hm)
		if m.Rel == "HEAD" {
			label = surname
		}
	}
	if label == "" {
		label = family
	}
	h.Label = "Nucleo " + label
	out.Households = append(out.Households, bulk.Household{ID: h.ID, Label: h.Label, ResidenceMunicipality: o.Residence})
	for _, m := range h.Members {
		from := formed
		if m.Birth.After(from) {
			from = m.Birth
		}
		out.HouseholdMembers = append(out.HouseholdMembers, bulk.HouseholdMember{
			ID: store.NewID(), HouseholdID: h.ID, PersonID: m.ID, Relationship: m.Rel, ValidFrom: from})
	}
	return h, nil
}

// addPerson creates the person of m with a valid, unused tax code, and fills in m's
// identity.
func (p *People) addPerson(r *Rand, out *bulk.Data, surname, given string, m *HouseholdMember, residence string) error {
	names := m.Origin.male
	if m.Sex == 'F' {
		names = m.Origin.female
	}
	if given == "" {
		given = Pick(r, names)
	}
	place := m.Origin.Belfiore
	countryOfBirth := m.Origin.ISO
	if !m.BornAbroad {
		countryOfBirth = "IT"
		place = BelfiorePisa
		if m.Origin == Italy {
			place = r.italianBirthplace()
		}
		if residence == BelfioreTorino {
			place = BelfioreTorino
		}
	}
	var code string
	for try := 0; ; try++ {
		var err error
		code, err = codicefiscale.Generate(surname, given, m.Birth, m.Sex, place)
		if err != nil {
			return fmt.Errorf("synth: tax code for %s %s: %w", given, surname, err)
		}
		if _, used := p.taxCodes[code]; !used {
			break
		}
		if try > 200 {
			return fmt.Errorf("%w: no free tax code for %s %s born %s", ErrUnrealisable, given, surname, m.Birth.Format(time.DateOnly))
		}
		given = Pick(r, names)
	}
	p.taxCodes[code] = struct{}{}
	gender := "MALE"
	if m.Sex == 'F' {
		gender = "FEMALE"
	}
	m.ID = store.NewID()
	m.TaxCode, m.GivenName, m.FamilyName, m.BirthPlace = code, given, surname, place
	out.Persons = append(out.Persons, bulk.Person{ID: m.ID, TaxCode: code, GivenName: given, FamilyName: surname,
		BirthDate: m.Birth, BirthPlace: place, Gender: gender, Citizenship: m.Citizenship, CountryOfBirth: countryOfBirth,
		ResidenceMunicipality: residence})
	return nil
}
