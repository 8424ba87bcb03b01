package synth

// Interviewee is what a first interview learns of the person assessed.
type Interviewee struct {
	Age              int
	Foreign          bool
	ISCED            int // -1 unknown
	UnemployedMonths int // -1 when not unemployed
	Employed         bool
	SingleParent     bool
	IncomeSupport    bool
	// HealthNote is a note known beforehand; empty draws one now and then.
	HealthNote string
}

// Interview is what the access and evaluation form records: its texts, and a score from 1
// to 5 for each of the ten areas, keyed by area.
type Interview struct {
	WorkExperience        string
	ProfessionalInterests string
	HealthNotes           string
	Scores                map[string]int
}

var workExperiences = []string{
	"Cleaning services on fixed-term contracts", "Seasonal warehouse work", "Care assistant for elderly people",
	"Kitchen help in restaurants", "Seasonal agricultural work", "Shop assistant", "No work experience declared",
	"Construction labourer", "Domestic work without a contract", "Call-centre operator",
}

var professionalInterests = []string{
	"Retail", "Logistics and warehouse", "Catering", "Cleaning services", "Care work", "Office and administration",
	"Green maintenance", "Hairdressing and beauty", "Furniture assembly and restoration", "Food production",
}

// Interview draws the form of a first interview with p, its scores following p's
// situation: Italian for the foreign-born, digital skills with age, stability with work.
func (r *Rand) Interview(p Interviewee) Interview {
	health := p.HealthNote
	if health == "" && r.Chance(0.15) {
		health = Pick(r, []string{"No relevant health issues reported", "Reports chronic back pain",
			"Reports anxiety; psychological support proposed", "Follows a treatment at the local health service"})
	}
	out := Interview{HealthNotes: health}
	out.WorkExperience = Pick(r, workExperiences)
	out.ProfessionalInterests = Pick(r, professionalInterests)
	edu := 3
	if p.ISCED >= 0 {
		edu = clamp(p.ISCED+1, 1, 5)
	}
	italian := r.Span(4, 5)
	if p.Foreign {
		italian = r.Span(1, 4)
	}
	digital := r.Span(3, 4)
	switch {
	case p.Age >= 55:
		digital = r.Span(1, 2)
	case p.Age >= 35:
		digital = r.Span(2, 3)
	}
	stability := 2
	switch {
	case p.Employed:
		stability = r.Span(2, 3)
	case p.UnemployedMonths > 12:
		stability = 1
	case p.UnemployedMonths >= 0:
		stability = r.Span(1, 2)
	}
	family := r.Span(2, 4)
	if p.SingleParent {
		family = r.Span(1, 2)
	}
	economic := r.Span(1, 3)
	if p.IncomeSupport {
		economic = r.Span(1, 2)
	}
	out.Scores = map[string]int{
		"PERSONAL_CONDITIONS": r.Span(2, 4), "FAMILY_CONDITIONS_NETWORKS": family, "ECONOMIC_SITUATION": economic,
		"EDUCATION_TRAINING_SKILLS": clamp(edu+r.Span(-1, 0), 1, 5), "COMMUNICATION_SKILLS": r.Span(2, 5),
		"ITALIAN_LANGUAGE": italian, "DIGITAL_SKILLS": digital, "EMPLOYMENT_STABILITY": stability,
		"TRANSVERSAL_SKILLS": r.Span(2, 4), "MOBILITY_AUTONOMY": r.Span(2, 5),
	}
	return out
}
