package esf

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// The programme-specific tables an operation's coordinator asks for, per round, as the
// ALI chapter publishes them (Tables 8.1-8.5).
const (
	TableGender    = "gender"
	TableOrigin    = "origin"
	TableAgeBand   = "age_band"
	TableHousehold = "household_size"
	TableServices  = "services"
)

// ProfileBands are the categories of the profile tables, as data.
var (
	// AgeBands label the age bands at entry; AgeBandStarts are the lower bounds of all but
	// the first.
	AgeBands      = []string{"<=24", "25-34", "35-44", "45-54", "55+"}
	AgeBandStarts = []int{25, 35, 45, 55}
	// HouseholdSizes label household sizes 1 to 6, the last holding 6 and more.
	HouseholdSizes = []string{"1", "2", "3", "4", "5", "6+"}
	// HomeCountry is the country of origin reported as ITALY; any other as OTHER.
	HomeCountry = "IT"
	// ServiceTypes are the services in reporting order (the interventions vocabulary).
	ServiceTypes = []string{"INTERNSHIP", "TRAINING_FORKLIFT", "TRAINING_ITALIAN", "TRAINING_HACCP",
		"TRAINING_WORKPLACE_SAFETY", "HOME_EDUCATION_MINORS", "TRAINING_IT", "TRAINING_SOFT_SKILLS", "HOME_CARE",
		"PSYCHOLOGICAL_SUPPORT", "ORIENTATION", "HOUSING_EMERGENCY", "OTHER"}
)

// ProfileQuery selects an operation and optionally one round (0: every round).
type ProfileQuery struct {
	OperationCode string
	Round         int
}

// ProfileReport holds the tables of each round of an operation.
type ProfileReport struct {
	OperationCode string         `json:"operation_code"`
	Rounds        []RoundProfile `json:"rounds"`
	// OfferedServices are the service types activated in any round of the operation,
	// whichever rounds the report holds.
	OfferedServices []string `json:"offered_services"`
}

// RoundProfile holds one round's tables.
type RoundProfile struct {
	Round        int            `json:"round"`
	Participants int64          `json:"participants"`
	Tables       []ProfileTable `json:"tables"`
}

// ProfileTable is one table: a count per category, zeros included, and the count of
// missing values. For the person tables Missing counts participants without the value;
// for services it counts participants with no service recorded in the round.
type ProfileTable struct {
	Name    string       `json:"name"`
	Rows    []ProfileRow `json:"rows"`
	Missing int64        `json:"missing"`
	// NotOffered lists the service types the round never activated (services only): their
	// rows count 0, but the round did not have them (the chapter's "not active").
	NotOffered []string `json:"not_offered,omitempty"`
}

// Offered reports whether the round had the category: false only for a service type
// listed in NotOffered.
func (t ProfileTable) Offered(category string) bool { return !slices.Contains(t.NotOffered, category) }

// ProfileRow is one category of a table. Percent is of the participants whose value is
// known, as the chapter computes it; services, several per participant, have none.
type ProfileRow struct {
	Category string   `json:"category"`
	Count    int64    `json:"count"`
	Percent  *float64 `json:"percent,omitempty"`
}

// NotOffered is what the exports write for a service type a round did not have.
const NotOffered = "not offered"

// Profile computes the programme-specific tables of an operation's rounds in the database.
func Profile(ctx context.Context, tx *store.Tx, q ProfileQuery) (*ProfileReport, error) {
	var c apperr.Collector
	if q.OperationCode == "" {
		c.Add("operationCode", "is required")
	}
	if q.Round < 0 {
		c.Addf("round", "must be a round number (1, 2, ...) or 0 for every round, got %d", q.Round)
	}
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("esf: profile: %w", err)
	}
	ops, err := esfdata.Operations(ctx, tx, esfdata.Scope{OperationCode: q.OperationCode})
	if err != nil {
		return nil, fmt.Errorf("esf: profile: %w", err)
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("esf: profile: %w", apperr.Inputf("operationCode", "no operation with code %q", q.OperationCode))
	}
	cells, err := esfdata.Profile(ctx, tx, esfdata.ProfileQuery{
		OperationID:   ops[0].ID,
		Round:         q.Round,
		AgeBandStarts: AgeBandStarts,
		HouseholdCap:  len(HouseholdSizes),
		HomeCountry:   HomeCountry,
	})
	if err != nil {
		return nil, fmt.Errorf("esf: profile: %w", err)
	}
	if q.Round > 0 && len(cells) == 0 {
		return nil, fmt.Errorf("esf: profile: %w", apperr.Inputf("round", "operation %q has no round %d", q.OperationCode, q.Round))
	}
	offered, err := esfdata.ProfileServiceTypes(ctx, tx, ops[0].ID)
	if err != nil {
		return nil, fmt.Errorf("esf: profile: %w", err)
	}
	rep := assembleProfile(q.OperationCode, cells)
	rep.OfferedServices = append(rep.OfferedServices, offered...)
	return rep, nil
}

func assembleProfile(code string, cells []esfdata.ProfileCell) *ProfileReport {
	rep := &ProfileReport{OperationCode: code, Rounds: []RoundProfile{}, OfferedServices: []string{}}
	byRound := map[int]map[string]map[string]int64{}
	var order []int
	for _, c := range cells {
		if byRound[c.Round] == nil {
			byRound[c.Round] = map[string]map[string]int64{}
			order = append(order, c.Round)
		}
		if byRound[c.Round][c.Table] == nil {
			byRound[c.Round][c.Table] = map[string]int64{}
		}
		byRound[c.Round][c.Table][c.Category] += c.Count
	}
	for _, n := range order {
		t := byRound[n]
		rp := RoundProfile{Round: n, Participants: t[esfdata.ProfileParticipants][""]}
		person := func(name, table string, cats []string, keys []string) {
			counts := t[table]
			pt := ProfileTable{Name: name, Missing: counts[""]}
			known := rp.Participants - pt.Missing
			for i, cat := range cats {
				row := ProfileRow{Category: cat, Count: counts[keys[i]]}
				if known > 0 {
					p := math.Round(float64(row.Count)*1000/float64(known)) / 10
					row.Percent = &p
				}
				pt.Rows = append(pt.Rows, row)
			}
			rp.Tables = append(rp.Tables, pt)
		}
		person(TableGender, esfdata.ProfileGender, []string{GenderWomen, GenderMen, GenderNonBinary},
			[]string{GenderWomen, GenderMen, GenderNonBinary})
		person(TableOrigin, esfdata.ProfileOrigin, []string{"ITALY", "OTHER"}, []string{"HOME", "OTHER"})
		person(TableAgeBand, esfdata.ProfileAgeBand, AgeBands, indexKeys(len(AgeBands), 0))
		person(TableHousehold, esfdata.ProfileHousehold, HouseholdSizes, indexKeys(len(HouseholdSizes), 1))

		services := ProfileTable{Name: TableServices, Missing: t[esfdata.ProfileNoService][""]}
		listed := map[string]bool{}
		for _, s := range ServiceTypes {
			n, activated := t[esfdata.ProfileServices][s]
			services.Rows = append(services.Rows, ProfileRow{Category: s, Count: n})
			if !activated {
				services.NotOffered = append(services.NotOffered, s)
			}
			listed[s] = true
		}
		for s, n := range t[esfdata.ProfileServices] {
			if !listed[s] {
				services.Rows = append(services.Rows, ProfileRow{Category: s, Count: n})
			}
		}
		rp.Tables = append(rp.Tables, services)
		rep.Rounds = append(rep.Rounds, rp)
	}
	return rep
}

// indexKeys returns the store's category keys "from", "from+1", ... for n categories.
func indexKeys(n, from int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(from + i)
	}
	return out
}
