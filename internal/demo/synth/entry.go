package synth

// Entry is a participant's situation at entry: employment status and education level.
type Entry struct {
	Status           string // UNEMPLOYED, INACTIVE or EMPLOYED
	UnemployedMonths int    // -1 when not unemployed
	ISCED            int    // ISCED 2011 level
}

// Entry draws the situation at entry of a participant aged age; unemployed and inactive
// are the percentages of those statuses among the participants.
func (r *Rand) Entry(age int, foreign bool, unemployed, inactive int) Entry {
	e := Entry{UnemployedMonths: -1}
	switch Weighted(r, unemployed, inactive, 100-unemployed-inactive) {
	case 0:
		months := r.Span(1, 12)
		if age >= 25 && r.Chance(0.6) {
			months = r.Span(13, 72)
		} else if age < 25 {
			months = r.Span(1, 18)
		}
		e.Status, e.UnemployedMonths = "UNEMPLOYED", months
	case 1:
		e.Status = "INACTIVE"
	default:
		e.Status = "EMPLOYED"
	}
	if foreign {
		e.ISCED = []int{0, 1, 2, 3, 6}[Weighted(r, 5, 20, 40, 28, 7)]
	} else {
		e.ISCED = []int{1, 2, 3, 4, 6}[Weighted(r, 10, 50, 32, 3, 5)]
	}
	return e
}

// Disadvantages are the disadvantage flags at entry (Annex I point 1.2): Y, N, E for an
// ethnic minority, or empty when unknown.
type Disadvantages struct {
	Disability, Minority, Homeless, Rural string
}

// Disadvantages draws the flags of a participant living in home, with unknowns; rural
// follows the municipality.
func (r *Rand) Disadvantages(home Municipality) Disadvantages {
	var f Disadvantages
	f.Disability = []string{"N", "Y", ""}[Weighted(r, 85, 5, 10)]
	f.Minority = []string{"N", "E", ""}[Weighted(r, 80, 3, 17)]
	f.Homeless = []string{"N", "Y", ""}[Weighted(r, 90, 4, 6)]
	f.Rural = "N"
	if home.ThinlyPopulated {
		f.Rural = "Y"
	}
	return f
}
