// Package esfreport answers the ESF+ reporting side of the API: reports, drill-downs,
// profiles, and frozen reports with their verification, computed by internal/esf for
// plans whose row scope sees every participant, which they show only through pseudonyms.
package esfreport

import (
	"context"
	"errors"
	"time"

	"github.com/ponte-hub/ponte/graph/lists"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// esfQuery builds the engine's query from the report arguments; the engine validates it.
func esfQuery(cutoff time.Time, programme, specificObjective, operationCode *string) esf.Query {
	return esf.Query{Cutoff: cutoff, Programme: deref(programme), SpecificObjective: deref(specificObjective), OperationCode: deref(operationCode)}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pseudonyms adapts the request's pseudonymizer to the ESF engine; without a configured
// key the engine is not called, so no report ever shows a blank where a pseudonym belongs.
type pseudonyms struct{ r *request.Request }

func (p pseudonyms) Person(id string) string {
	s, _ := p.r.Pseudonym(id)
	return s
}

// requireESF returns the request when its plan may run the ESF+ operation op with a row
// scope that sees every participant (access.Plan.CheckESF); always when the server runs
// open.
func requireESF(ctx context.Context, op access.Operation) (*request.Request, error) {
	return request.RequirePlan(ctx, func(p *access.Plan) error { return p.CheckESF(op) })
}

// requestPseudonyms is requireESF for operations that show participants, which they do
// only through pseudonyms: it fails UNAVAILABLE when the hub has no pseudonym key.
func requestPseudonyms(ctx context.Context, op access.Operation) (*request.Request, esf.Pseudonymiser, error) {
	r, err := requireESF(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	if _, err := r.Pseudonym(""); err != nil {
		return nil, nil, err
	}
	return r, pseudonyms{r}, nil
}

var genderColumn = map[string]string{"WOMEN": esf.GenderWomen, "MEN": esf.GenderMen, "NON_BINARY": esf.GenderNonBinary}

func esfReportModel(rep *esf.Report) model.EsfReport {
	out := model.EsfReport{Cutoff: rep.Cutoff.Time, Programme: optString(rep.Programme),
		SpecificObjective: optString(rep.SpecificObjective), OperationCode: optString(rep.OperationCode),
		Groups: make([]model.EsfGroup, len(rep.Groups))}
	for i, g := range rep.Groups {
		mg := model.EsfGroup{Programme: g.Programme, Priority: g.Priority, SpecificObjective: g.SpecificObjective,
			CategoryOfRegion: g.CategoryOfRegion, Operations: append([]string{}, g.Operations...),
			Values: make([]model.EsfIndicatorValue, len(g.Values)),
			Incomplete: model.EsfIncomplete{Women: int(g.Incomplete.Women), Men: int(g.Incomplete.Men),
				NonBinary: int(g.Incomplete.NonBinary), Total: int(g.Incomplete.Total), Missing: []model.EsfMissingCount{}}}
		for j, v := range g.Values {
			name := v.Indicator
			if ind, ok := esf.IndicatorByCode(v.Indicator); ok {
				name = ind.Name
			}
			mg.Values[j] = model.EsfIndicatorValue{Indicator: v.Indicator, Name: name, Women: int(v.Women), Men: int(v.Men),
				NonBinary: int(v.NonBinary), Total: int(v.Total), OfWhichEstimated: int(v.Estimated)}
		}
		for _, m := range g.Incomplete.Missing {
			mg.Incomplete.Missing = append(mg.Incomplete.Missing, model.EsfMissingCount{Field: string(m.Field), Count: int(m.Count)})
		}
		out.Groups[i] = mg
	}
	return out
}

func esfParticipantModel(p esf.Participant) model.EsfParticipant {
	entry := p.EntryDate.Time
	out := model.EsfParticipant{Pseudonym: &p.Pseudonym, OperationCode: p.OperationCode, EntryDate: &entry,
		Entries: &p.Entries, Gender: optString(p.Gender), GenderDerived: &p.GenderDerived, Age: p.Age, AgeDerived: &p.AgeDerived,
		EmploymentStatus: optString(p.Status), Isced: p.ISCED, SituationUponLeaving: optString(p.Leaving),
		QualificationUponLeaving: &p.Qualified, SituationSixMonthsAfter: optString(p.SixMonths),
		Missing: make([]string, len(p.Missing)), Estimated: &p.Estimated, PersonID: p.PersonID, BirthDate: p.BirthDate}
	if p.ExitDate != nil {
		t := p.ExitDate.Time
		out.ExitDate = &t
	}
	for i, f := range p.Missing {
		out.Missing[i] = string(f)
	}
	return out
}

func esfProfileModel(rep *esf.ProfileReport) model.EsfProfile {
	out := model.EsfProfile{OperationCode: rep.OperationCode, Rounds: make([]model.EsfRoundProfile, len(rep.Rounds))}
	for i, r := range rep.Rounds {
		mr := model.EsfRoundProfile{Round: r.Round, Participants: int(r.Participants), Tables: make([]model.EsfProfileTable, len(r.Tables))}
		for j, t := range r.Tables {
			mt := model.EsfProfileTable{Name: t.Name, Missing: int(t.Missing), Rows: make([]model.EsfProfileRow, len(t.Rows))}
			for k, row := range t.Rows {
				mt.Rows[k] = model.EsfProfileRow{Category: row.Category, Count: int(row.Count), Percent: row.Percent, Offered: t.Offered(row.Category)}
			}
			mr.Tables[j] = mt
		}
		out.Rounds[i] = mr
	}
	return out
}

func frozenModel(f *esf.Frozen) model.FrozenEsfReport {
	return model.FrozenEsfReport{ID: f.ID, FrozenAt: f.FrozenAt, FrozenBy: f.FrozenBy, Note: optString(f.Note),
		RecordCount: int(f.RecordCount), RecordsDigest: f.RecordsDigest, Hash: f.Hash, Report: esfReportModel(f.Report),
		SignedBy: optString(f.SignedBy), Signature: optString(f.Signature)}
}

func verificationModel(v *esf.Verification) model.EsfVerification {
	out := model.EsfVerification{Frozen: frozenModel(v.Frozen), Intact: v.Intact, Unchanged: v.Unchanged(),
		ChangedRecords: make([]model.EsfRecordChange, len(v.ChangedRecords)), ChangedValues: make([]model.EsfValueChange, len(v.ChangedValues))}
	for i, c := range v.ChangedRecords {
		out.ChangedRecords[i] = model.EsfRecordChange{OperationCode: c.OperationCode, Pseudonym: &c.Pseudonym, Change: c.Change, PersonID: c.PersonID}
	}
	for i, c := range v.ChangedValues {
		out.ChangedValues[i] = model.EsfValueChange{Programme: c.Programme, Priority: c.Priority, SpecificObjective: c.SpecificObjective,
			CategoryOfRegion: c.CategoryOfRegion, Indicator: c.Indicator, Column: c.Column, Frozen: int(c.Frozen), Current: int(c.Current)}
	}
	out.SignatureValid = v.SignatureValid
	out.ChangedFields = append([]string{}, v.ChangedFields...)
	return out
}

// frozenBy names who froze a report: the caller's subject, or the local operator when the
// server runs open.
func frozenBy(r *request.Request) string {
	if r.Plan() != nil {
		return r.Plan().Principal().Subject
	}
	return "local-operator"
}

// Freeze freezes a report: signed by signer when there is one.
func Freeze(ctx context.Context, input model.FreezeEsfReportInput, signer *esf.Signer) (*model.FreezeEsfReportPayload, error) {
	// The server checked the mutation's operation; a freeze also needs a scope that sees
	// every participant, or the report it stores would be partial.
	req, err := requireESF(ctx, access.OpFreezeESFReport)
	if err != nil {
		return nil, err
	}
	f, err := esf.Freeze(ctx, req.Tx(), esf.FreezeRequest{Query: esfQuery(input.Cutoff, input.Programme, input.SpecificObjective, input.OperationCode),
		FrozenBy: frozenBy(req), Note: deref(input.Note), Signer: signer})
	if err != nil {
		return nil, err
	}
	return &model.FreezeEsfReportPayload{Frozen: frozenModel(f)}, nil
}

// Report computes a report.
func Report(ctx context.Context, cutoff time.Time, programme *string, specificObjective *string, operationCode *string) (*model.EsfReport, error) {
	req, err := requireESF(ctx, access.OpReportESF)
	if err != nil {
		return nil, err
	}
	rep, err := esf.Compute(ctx, req.Tx(), esfQuery(cutoff, programme, specificObjective, operationCode))
	if err != nil {
		return nil, err
	}
	m := esfReportModel(rep)
	return &m, nil
}

// DrillDown lists the participants behind one value of a report, by pseudonym.
func DrillDown(ctx context.Context, cutoff time.Time, programme *string, specificObjective *string, operationCode *string, group *model.EsfGroupInput, indicator string, gender *model.EsfGenderColumn, estimatedOnly *bool, first *int) ([]model.EsfParticipant, error) {
	req, ps, err := requestPseudonyms(ctx, access.OpDrillESF)
	if err != nil {
		return nil, err
	}
	q := esf.DrillQuery{Query: esfQuery(cutoff, programme, specificObjective, operationCode), Indicator: indicator}
	if group != nil {
		q.Group = esf.GroupKey{Programme: group.Programme, Priority: group.Priority, SpecificObjective: group.SpecificObjective, CategoryOfRegion: group.CategoryOfRegion}
	}
	if gender != nil {
		q.Gender = genderColumn[string(*gender)]
	}
	if estimatedOnly != nil {
		q.EstimatedOnly = *estimatedOnly
	}
	q.Limit = lists.DefaultDrillDownLimit
	if first != nil {
		if *first < 1 || *first > 1000 {
			return nil, apperr.Input("first", "must be between 1 and 1000")
		}
		q.Limit = *first
	}
	rows, err := esf.DrillDown(ctx, req.Tx(), q, ps)
	if err != nil {
		return nil, err
	}
	out := make([]model.EsfParticipant, len(rows))
	for i, p := range rows {
		out[i] = esfParticipantModel(p)
	}
	return out, nil
}

// Profile describes the participants of an operation's rounds.
func Profile(ctx context.Context, operationCode string, round *int) (*model.EsfProfile, error) {
	req, err := requireESF(ctx, access.OpReportESF)
	if err != nil {
		return nil, err
	}
	q := esf.ProfileQuery{OperationCode: operationCode}
	if round != nil {
		q.Round = *round
	}
	rep, err := esf.Profile(ctx, req.Tx(), q)
	if err != nil {
		return nil, err
	}
	m := esfProfileModel(rep)
	return &m, nil
}

// Frozen loads a frozen report; null when there is none of that id.
func Frozen(ctx context.Context, id string) (*model.FrozenEsfReport, error) {
	req, err := requireESF(ctx, access.OpReportESF)
	if err != nil {
		return nil, err
	}
	f, err := esf.LoadFrozen(ctx, req.Tx(), id)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := frozenModel(f)
	return &m, nil
}

// Verify checks a frozen report against its signature and today's records.
func Verify(ctx context.Context, id string, signer *esf.Signer) (*model.EsfVerification, error) {
	req, ps, err := requestPseudonyms(ctx, access.OpReportESF)
	if err != nil {
		return nil, err
	}
	v, err := esf.Verify(ctx, req.Tx(), id, ps, signer)
	if err != nil {
		return nil, err
	}
	m := verificationModel(v)
	return &m, nil
}
