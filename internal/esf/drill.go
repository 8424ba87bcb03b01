package esf

import (
	"context"
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Pseudonymiser turns a person id into a stable keyed pseudonym, so an auditor can follow
// a participant across reports and records without learning who they are. The access
// layer's *access.Pseudonymizer is one; the reports use the same pseudonyms as the API.
type Pseudonymiser interface {
	Person(personID string) string
}

// IncompleteIndicator names the pseudo-indicator of the participants excluded for missing data.
const IncompleteIndicator = "INCOMPLETE"

// DrillQuery asks for the participants behind one value of a report.
type DrillQuery struct {
	Query
	// Group narrows to one group of the report; the zero key takes the whole query.
	Group GroupKey
	// Indicator is a participant indicator's code, or IncompleteIndicator.
	Indicator string
	// Gender is F, M or NB for one column, "" for the total.
	Gender string
	// EstimatedOnly narrows a flag indicator to its informed estimates (the
	// of_which_estimated column).
	EstimatedOnly bool
	// Limit caps the participants returned; 0 returns them all.
	Limit int
}

// Participant is a participant behind a value, pseudonymised.
type Participant struct {
	Pseudonym     string  `json:"pseudonym"`
	OperationCode string  `json:"operation_code"`
	EntryDate     Date    `json:"entry_date"`
	ExitDate      *Date   `json:"exit_date,omitempty"`
	Entries       int     `json:"entries"`
	Gender        string  `json:"gender,omitempty"`
	GenderDerived bool    `json:"gender_derived"`
	Age           *int    `json:"age,omitempty"`
	AgeDerived    bool    `json:"age_derived"`
	Status        string  `json:"employment_status,omitempty"`
	ISCED         *int    `json:"isced,omitempty"`
	Leaving       string  `json:"situation_upon_leaving,omitempty"`
	Qualified     bool    `json:"qualification_upon_leaving"`
	SixMonths     string  `json:"situation_six_months_after,omitempty"`
	Missing       []Field `json:"missing,omitempty"`
	// Estimated is set when the participant counts in the indicator on an informed estimate.
	Estimated bool `json:"estimated"`
	// PersonID and BirthDate never leave the hub: the access layer uses them to apply the
	// minors' rule and to name the person in the access log.
	PersonID  string     `json:"-"`
	BirthDate *time.Time `json:"-"`
}

// DrillDown returns the participants behind one value of a report, pseudonymised with p:
// the same participants, counted by the same SQL, as the value itself.
func DrillDown(ctx context.Context, tx *store.Tx, q DrillQuery, p Pseudonymiser) ([]Participant, error) {
	if p == nil {
		return nil, fmt.Errorf("esf: drill-down: a pseudonymiser is required")
	}
	nq, rules, err := q.Query.normalised()
	if err != nil {
		return nil, err
	}
	var c apperr.Collector
	var ind Indicator
	incomplete := q.Indicator == IncompleteIndicator
	if !incomplete {
		var ok bool
		ind, ok = IndicatorByCode(q.Indicator)
		switch {
		case !ok:
			c.Addf("indicator", "%q is not a common indicator or %s", q.Indicator, IncompleteIndicator)
		case ind.Kind == Entity:
			c.Addf("indicator", "%s counts entities, not participants", ind.Code)
		case q.EstimatedOnly && !ind.Estimable():
			c.Addf("estimatedOnly", "%s has no informed estimates", ind.Code)
		}
	}
	switch q.Gender {
	case "", GenderWomen, GenderMen, GenderNonBinary:
	default:
		c.Addf("gender", "%q is not F, M, NB or empty for the total", q.Gender)
	}
	if q.Limit < 0 {
		c.Addf("limit", "must not be negative, got %d", q.Limit)
	}
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("esf: drill-down: %w", err)
	}

	ops, err := esfdata.Operations(ctx, tx, nq.scope())
	if err != nil {
		return nil, fmt.Errorf("esf: drill-down: %w", err)
	}
	ids := []string{}
	for _, o := range ops {
		k := groupKey(o)
		if q.Group == (GroupKey{}) || q.Group == k {
			ids = append(ids, o.ID)
		}
	}
	if len(ids) == 0 {
		return []Participant{}, nil
	}
	sq := esfdata.ParticipantQuery{
		Cutoff:       nq.Cutoff,
		OperationIDs: ids,
		Rules:        rules.store(),
		Incomplete:   incomplete,
		Gender:       q.Gender,
		Estimated:    q.EstimatedOnly,
		Limit:        q.Limit,
	}
	if !incomplete {
		crit, _ := ind.criterion(rules)
		sq.Criterion = &crit
	}
	rows, err := esfdata.Participants(ctx, tx, sq)
	if err != nil {
		return nil, fmt.Errorf("esf: drill-down: %w", err)
	}
	out := make([]Participant, len(rows))
	for i, r := range rows {
		out[i] = participant(r, p)
		if ind.Estimable() {
			if f := r.Flags[ind.Flag]; f != nil && *f == FlagEstimate {
				out[i].Estimated = true
			}
		}
	}
	return out, nil
}

func participant(r esfdata.ParticipantRow, p Pseudonymiser) Participant {
	x := Participant{
		Pseudonym:     p.Person(r.PersonID),
		PersonID:      r.PersonID,
		BirthDate:     r.BirthDate,
		OperationCode: r.OperationCode,
		EntryDate:     Date{r.EntryDate},
		Entries:       r.Entries,
		GenderDerived: r.GenderDerived,
		Age:           r.Age,
		AgeDerived:    r.BirthDateDerived,
		ISCED:         r.ISCED,
		Qualified:     r.Qualified,
		Missing:       fieldsOf(r.Missing),
	}
	if r.ExitDate != nil {
		x.ExitDate = &Date{*r.ExitDate}
	}
	x.Gender = deref(r.Gender)
	x.Status = deref(r.EmploymentStatus)
	x.Leaving = deref(r.Leaving)
	x.SixMonths = deref(r.SixMonths)
	return x
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
