package esf

import (
	"context"
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// DateLayout is how the reports read and write dates.
const DateLayout = "2006-01-02"

// Query selects what a report covers. Cutoff is required; the filters are optional.
type Query struct {
	// Cutoff: outputs count participants who entered on or before it, results those who
	// left on or before it, from situations dated on or before it.
	Cutoff time.Time
	// Programme filters by the programme's code, exactly as stored.
	Programme string
	// SpecificObjective filters by specific objective, in any spelling ParseObjective
	// accepts.
	SpecificObjective string
	// OperationCode filters to one operation.
	OperationCode string
	// Rules overrides DefaultRules.
	Rules *Rules
}

// Report holds the common indicators per priority × specific objective × category of
// region, in the Commission's layout.
type Report struct {
	Cutoff            Date   `json:"cutoff"`
	Programme         string `json:"programme,omitempty"`
	SpecificObjective string `json:"specific_objective,omitempty"`
	OperationCode     string `json:"operation_code,omitempty"`
	Rules             Rules  `json:"rules"`
	// Groups come in the order of programme, priority, specific objective, category of
	// region; every group of an operation in scope appears, with zeros if need be.
	Groups []Group `json:"groups"`
}

// GroupKey identifies one row group of the Commission's tables.
type GroupKey struct {
	Programme         string `json:"programme"`
	Priority          string `json:"priority"`
	SpecificObjective string `json:"specific_objective"`
	CategoryOfRegion  string `json:"category_of_region"`
}

// Group holds one group's values.
type Group struct {
	GroupKey
	// Operations lists the codes of the operations in the group.
	Operations []string `json:"operations"`
	// Values follow the order of Indicators.
	Values []Value `json:"values"`
	// Incomplete counts the participants excluded for missing data.
	Incomplete Incomplete `json:"incomplete"`
}

// Value is one indicator's value. Entity indicators fill Total only.
type Value struct {
	Indicator string `json:"indicator"`
	Women     int64  `json:"women"`
	Men       int64  `json:"men"`
	NonBinary int64  `json:"non_binary"`
	Total     int64  `json:"total"`
	// Estimated is the part of Total that rests on informed estimates.
	Estimated int64 `json:"estimated"`
}

// Incomplete counts excluded participants by gender where it is known (Total also holds
// those of unknown gender) and by missing field; a participant missing two fields counts
// under both.
type Incomplete struct {
	Women     int64          `json:"women"`
	Men       int64          `json:"men"`
	NonBinary int64          `json:"non_binary"`
	Total     int64          `json:"total"`
	Missing   []MissingCount `json:"missing"`
}

// MissingCount is how many excluded participants lack one field.
type MissingCount struct {
	Field Field `json:"field"`
	Count int64 `json:"count"`
}

// Value returns the value of the indicator with the given code.
func (g Group) Value(code string) (Value, bool) {
	for _, v := range g.Values {
		if v.Indicator == code {
			return v, true
		}
	}
	return Value{}, false
}

// Date is a calendar date that marshals as YYYY-MM-DD.
type Date struct{ time.Time }

// MarshalText writes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.Format(DateLayout)), nil }

// UnmarshalText reads a YYYY-MM-DD date.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(DateLayout, string(b))
	if err != nil {
		return fmt.Errorf("esf: date %q: want YYYY-MM-DD", b)
	}
	d.Time = t
	return nil
}

// normalised checks a query and returns it with the specific objective as an SFC code and
// the rules filled in.
func (q Query) normalised() (Query, Rules, error) {
	var c apperr.Collector
	if q.Cutoff.IsZero() {
		c.Add("cutoff", "is required")
	}
	if q.SpecificObjective != "" {
		code, reason := ObjectiveCode(q.SpecificObjective)
		if reason != "" {
			c.Add("specificObjective", reason)
		}
		q.SpecificObjective = code
	}
	rules := DefaultRules()
	if q.Rules != nil {
		rules = *q.Rules
	}
	if err := rules.Validate(); err != nil {
		ie, _ := apperr.AsInput(err)
		for _, f := range ie.Fields {
			c.Add(f.Field, f.Reason)
		}
	}
	if err := c.Err(); err != nil {
		return q, rules, fmt.Errorf("esf: report query: %w", err)
	}
	y, m, d := q.Cutoff.Date()
	q.Cutoff = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	q.Rules = &rules
	return q, rules, nil
}

func (q Query) scope() esfdata.Scope {
	return esfdata.Scope{Programme: q.Programme, SpecificObjective: q.SpecificObjective, OperationCode: q.OperationCode}
}

// Filtered reports whether q narrows the report to a programme, specific objective or
// operation.
func (q Query) Filtered() bool {
	return q.Programme != "" || q.SpecificObjective != "" || q.OperationCode != ""
}

// tally holds the raw counts a report is assembled from.
type tally struct {
	ops      []esfdata.OperationRef
	rows     []esfdata.CountRow
	entities map[string]esfdata.EntityCount
	// participant maps an indicator's position in Indicators to its criterion's position
	// in the count query, -1 for entity indicators.
	participant []int
}

// count runs the report's statements: the operations in scope, the participant counts in
// one aggregation, and the entity counts.
func count(ctx context.Context, tx *store.Tx, q Query, rules Rules) (*tally, error) {
	ops, err := esfdata.Operations(ctx, tx, q.scope())
	if err != nil {
		return nil, fmt.Errorf("esf: report: %w", err)
	}
	if q.OperationCode != "" && len(ops) == 0 {
		return nil, fmt.Errorf("esf: report: %w", apperr.Inputf("operationCode", "no operation with code %q matches the query", q.OperationCode))
	}
	t := &tally{ops: ops, entities: map[string]esfdata.EntityCount{}}
	if len(ops) == 0 {
		return t, nil
	}
	ids := scopeIDs(q, ops)
	var criteria []esfdata.Criterion
	for _, ind := range Indicators {
		c, ok := ind.criterion(rules)
		if !ok {
			t.participant = append(t.participant, -1)
			continue
		}
		t.participant = append(t.participant, len(criteria))
		criteria = append(criteria, c)
	}
	t.rows, err = esfdata.Count(ctx, tx, esfdata.CountQuery{Cutoff: q.Cutoff, OperationIDs: ids, Criteria: criteria, Rules: rules.store()})
	if err != nil {
		return nil, fmt.Errorf("esf: report: %w", err)
	}
	ents, err := esfdata.EntityCounts(ctx, tx, q.Cutoff, ids)
	if err != nil {
		return nil, fmt.Errorf("esf: report: %w", err)
	}
	for _, e := range ents {
		t.entities[e.OperationID] = e
	}
	return t, nil
}

// Compute computes the common indicators for q in the database: a handful of statements
// whatever the number of participants.
func Compute(ctx context.Context, tx *store.Tx, q Query) (*Report, error) {
	q, rules, err := q.normalised()
	if err != nil {
		return nil, err
	}
	t, err := count(ctx, tx, q, rules)
	if err != nil {
		return nil, err
	}
	return t.report(q, rules), nil
}

// report assembles the groups from the per-operation counts.
func (t *tally) report(q Query, rules Rules) *Report {
	rep := &Report{
		Cutoff:            Date{q.Cutoff},
		Programme:         q.Programme,
		SpecificObjective: q.SpecificObjective,
		OperationCode:     q.OperationCode,
		Rules:             rules,
		Groups:            []Group{},
	}
	groupIndex := map[string]int{} // operation id -> group index
	index := map[GroupKey]int{}
	for _, o := range t.ops {
		k := groupKey(o)
		i, ok := index[k]
		if !ok {
			i = len(rep.Groups)
			index[k] = i
			rep.Groups = append(rep.Groups, newGroup(k))
		}
		rep.Groups[i].Operations = append(rep.Groups[i].Operations, o.Code)
		groupIndex[o.ID] = i
	}
	groupOf := make(map[string]*Group, len(groupIndex))
	for id, i := range groupIndex {
		groupOf[id] = &rep.Groups[i]
	}
	t.fill(groupOf)
	return rep
}

func newGroup(k GroupKey) Group {
	g := Group{GroupKey: k, Values: make([]Value, len(Indicators))}
	for i, ind := range Indicators {
		g.Values[i].Indicator = ind.Code
	}
	for _, f := range RequiredFields {
		g.Incomplete.Missing = append(g.Incomplete.Missing, MissingCount{Field: f})
	}
	return g
}

// add adds one count row (an operation, gender and set of missing fields) to a group.
func (t *tally) add(g *Group, row esfdata.CountRow) {
	if row.Missing != 0 {
		inc := &g.Incomplete
		inc.Total += row.Participants
		addByGender(row.Gender, row.Participants, &inc.Women, &inc.Men, &inc.NonBinary)
		for _, f := range fieldsOf(row.Missing) {
			for j := range inc.Missing {
				if inc.Missing[j].Field == f {
					inc.Missing[j].Count += row.Participants
				}
			}
		}
		return
	}
	for i, pos := range t.participant {
		if pos < 0 {
			continue
		}
		v := &g.Values[i]
		n := row.Values[pos]
		v.Total += n
		v.Estimated += row.Estimated[pos]
		addByGender(row.Gender, n, &v.Women, &v.Men, &v.NonBinary)
	}
}

func addByGender(gender string, n int64, women, men, nonBinary *int64) {
	switch gender {
	case GenderWomen:
		*women += n
	case GenderMen:
		*men += n
	case GenderNonBinary:
		*nonBinary += n
	}
}

func addEntities(g *Group, e esfdata.EntityCount) {
	for i, ind := range Indicators {
		switch ind.Test {
		case TestPublicEntity:
			g.Values[i].Total += e.Public
		case TestSMEEntity:
			g.Values[i].Total += e.SME
		}
	}
}

// groupKey is the reporting group of an operation.
func groupKey(o esfdata.OperationRef) GroupKey {
	return GroupKey{o.Programme, o.Priority, o.SpecificObjective, o.CategoryOfRegion}
}

// fill adds the counted rows and the supported entities of each operation to its group.
func (t *tally) fill(groupOf map[string]*Group) {
	for _, row := range t.rows {
		if g, ok := groupOf[row.OperationID]; ok {
			t.add(g, row)
		}
	}
	for opID, e := range t.entities {
		if g, ok := groupOf[opID]; ok {
			addEntities(g, e)
		}
	}
}
