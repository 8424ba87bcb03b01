package esf

import "github.com/ponte-hub/ponte/pkg/apperr"

// Rules holds every threshold and window of the common indicators in one place, so a
// value the regulation's final text contradicts is corrected here and nowhere else. A
// report records the rules it was computed with, and a frozen report is re-verified
// with its own.
type Rules struct {
	// MinorBelowAge: participants younger than this at entry are children (EECO06).
	MinorBelowAge int `json:"minor_below_age"`
	// YoungFromAge and YoungToAge bound young people (EECO07), both inclusive.
	YoungFromAge int `json:"young_from_age"`
	YoungToAge   int `json:"young_to_age"`
	// OlderFromAge: participants of this age or more at entry count in EECO08.
	OlderFromAge int `json:"older_from_age"`
	// Long-term unemployment (EECO03): unemployed for more than YouthLTUMonths when younger
	// than LTUAdultAge at entry, for more than AdultLTUMonths otherwise.
	LTUAdultAge    int `json:"ltu_adult_age"`
	YouthLTUMonths int `json:"youth_ltu_months"`
	AdultLTUMonths int `json:"adult_ltu_months"`
	// LeavingWindowDays: situations dated from the exit date to exit + this many days
	// (inclusive) decide the results upon leaving (EECR01-EECR04).
	LeavingWindowDays int `json:"leaving_window_days"`
	// FollowUpMonths: the last situation up to exit + this many calendar months decides
	// EECR05, and the employment on that date EECR06, counted only once that date has
	// passed the cut-off.
	FollowUpMonths int `json:"follow_up_months"`
}

// DefaultRules are the rules of Regulation (EU) 2021/1057 Annex I as the hub reads them
// (ESF.md): the LTU thresholds are marked there as to be confirmed.
func DefaultRules() Rules {
	return Rules{
		MinorBelowAge:     18,
		YoungFromAge:      18,
		YoungToAge:        29,
		OlderFromAge:      55,
		LTUAdultAge:       25,
		YouthLTUMonths:    6,
		AdultLTUMonths:    12,
		LeavingWindowDays: 28,
		FollowUpMonths:    6,
	}
}

// Validate reports rules that cannot be applied.
func (r Rules) Validate() error {
	var c apperr.Collector
	nonNeg := func(field string, v int) {
		if v < 0 {
			c.Addf("rules."+field, "must not be negative, got %d", v)
		}
	}
	nonNeg("minor_below_age", r.MinorBelowAge)
	nonNeg("young_from_age", r.YoungFromAge)
	nonNeg("older_from_age", r.OlderFromAge)
	nonNeg("ltu_adult_age", r.LTUAdultAge)
	nonNeg("youth_ltu_months", r.YouthLTUMonths)
	nonNeg("adult_ltu_months", r.AdultLTUMonths)
	if r.YoungToAge < r.YoungFromAge {
		c.Addf("rules.young_to_age", "must not be below young_from_age (%d), got %d", r.YoungFromAge, r.YoungToAge)
	}
	if r.LeavingWindowDays < 1 || r.LeavingWindowDays > 366 {
		c.Addf("rules.leaving_window_days", "must be 1-366, got %d", r.LeavingWindowDays)
	}
	if r.FollowUpMonths < 1 || r.FollowUpMonths > 60 {
		c.Addf("rules.follow_up_months", "must be 1-60, got %d", r.FollowUpMonths)
	}
	return c.Err()
}

// Field is one item of Annex I point 1.1 a participant record needs to count.
type Field string

// The fields whose absence makes a participant incomplete, in reporting order.
const (
	FieldGender             Field = "gender"
	FieldBirthDate          Field = "birth_date"
	FieldEmploymentStatus   Field = "employment_status"
	FieldUnemploymentMonths Field = "unemployment_months"
	FieldISCED              Field = "isced"
)

// RequiredFields lists the completeness fields in reporting order.
var RequiredFields = []Field{FieldGender, FieldBirthDate, FieldEmploymentStatus, FieldUnemploymentMonths, FieldISCED}

// Employment statuses at entry; the three are exclusive and exhaustive (EECO01 =
// EECO02 + EECO04 + EECO05).
const (
	StatusUnemployed = "UNEMPLOYED"
	StatusInactive   = "INACTIVE"
	StatusEmployed   = "EMPLOYED"
)

// Labour situations after leaving, as recorded by case managers, imported, or derived from
// employment events.
const (
	SituationJobSearching        = "JOB_SEARCHING"
	SituationEducationTraining   = "EDUCATION_TRAINING"
	SituationEmployed            = "EMPLOYED"
	SituationSelfEmployed        = "SELF_EMPLOYED"
	SituationInactive            = "INACTIVE"
	SituationQualificationGained = "QUALIFICATION_GAINED"
)

// Situations lists the labour situations a file or a case manager may record.
var Situations = []string{SituationJobSearching, SituationEducationTraining, SituationEmployed,
	SituationSelfEmployed, SituationInactive, SituationQualificationGained}

// Genders as reported: the Commission's three columns.
const (
	GenderWomen     = "F"
	GenderMen       = "M"
	GenderNonBinary = "NB"
)

// Categories of region.
var CategoriesOfRegion = []string{"LESS_DEVELOPED", "TRANSITION", "MORE_DEVELOPED"}

// Flag values of Annex I point 1.2 characteristics: yes, no, informed estimate; blank is
// unknown.
const (
	FlagYes      = "Y"
	FlagNo       = "N"
	FlagEstimate = "E"
)
