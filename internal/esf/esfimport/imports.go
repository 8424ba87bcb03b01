package esfimport

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// The import headers, exactly as a file must carry them.
var (
	OperationsHeader   = []string{"code", "name", "programme", "priority", "specific_objective", "category_of_region", "funding_source", "start_date", "end_date"}
	ParticipantsHeader = []string{"operation_code", "tax_code", "gender", "birth_date", "entry_date", "exit_date", "employment_status",
		"unemployment_months", "isced", "disability", "third_country_national", "foreign_background", "minority", "homeless", "rural"}
	SituationsHeader = []string{"operation_code", "tax_code", "date", "situation"}
	TargetsHeader    = []string{"operation_code", "indicator_type", "indicator", "planned"}
	EntitiesHeader   = []string{"operation_code", "tax_code", "name", "kind", "supported_from"}
)

// EntityKinds are what an operation may support an entity as: a public administration or
// public service (EECO18), or a micro, small or medium-sized enterprise, cooperatives and
// social enterprises included (EECO19).
//
// An entity counts when it receives the support itself: the Commission's SFC FAQ on EECO05
// and EECO19 (April 2023) makes who is supported directly decide the indicator, so an SME
// given hiring incentives or advice for the company's sake counts, one whose owner is
// trained as a person does not (the owner is the participant); by the same rule a public
// service counts when the operation pays for its own capacity. An organisation that only
// delivers the operation's services to its participants, as a contractor or partner, is
// not supported: its work is what the participants receive. An entity that is neither a
// public body nor an SME (a large enterprise, an association that is no enterprise) counts
// under no indicator, and has no row in the file.
var EntityKinds = []string{esfdata.EntityPublic, esfdata.EntitySME}

// ImportResult says what an import did. Re-importing the same file reports every row
// unchanged.
type ImportResult struct {
	Rows      int
	Inserted  int
	Updated   int
	Unchanged int
	// Organisations counts the organisations an entities file registered.
	Organisations int
}

func importResult(rows int, r esfdata.UpsertResult) ImportResult {
	return ImportResult{Rows: rows, Inserted: r.Inserted, Updated: r.Updated, Unchanged: r.Unchanged}
}

// ParseOperations reads an operations file. It returns every problem in one *ImportError.
func ParseOperations(r io.Reader) ([]Row[casedata.Operation], error) {
	f := &csvFile{file: "operations", want: OperationsHeader}
	var out []Row[casedata.Operation]
	seen := map[string]int{}
	f.read(r, func(rr *rowReader) {
		rec := casedata.Operation{
			Code:          rr.text(0, 64),
			Name:          rr.text(1, 500),
			Programme:     rr.text(2, 100),
			Priority:      rr.text(3, 100),
			FundingSource: rr.text(6, 200),
		}
		if so := rr.required(4); so != "" {
			code, reason := esf.ObjectiveCode(so)
			if reason != "" {
				rr.problem(4, reason)
			}
			rec.SpecificObjective = code
		}
		if c := rr.oneOf(5, true, esf.CategoriesOfRegion...); c != nil {
			rec.CategoryOfRegion = *c
		}
		if d := rr.date(7, true); d != nil {
			rec.StartsOn = *d
		}
		rec.EndsOn = rr.date(8, false)
		if rec.EndsOn != nil && !rec.StartsOn.IsZero() && rec.EndsOn.Before(rec.StartsOn) {
			rr.problem(8, "is before start_date")
		}
		if prev, ok := seen[rec.Code]; ok && rec.Code != "" {
			rr.problem(0, fmt.Sprintf("operation %q is already given in row %d", rec.Code, prev))
		}
		seen[rec.Code] = rr.row
		if !rr.bad {
			out = append(out, Row[casedata.Operation]{rr.row, rec})
		}
	})
	if err := f.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseParticipants reads a participants file.
func ParseParticipants(r io.Reader) ([]Row[esfdata.ParticipationRecord], error) {
	f := &csvFile{file: "participants", want: ParticipantsHeader}
	var out []Row[esfdata.ParticipationRecord]
	seen := map[string]int{}
	flag := func(rr *rowReader, col int) *string {
		return rr.oneOf(col, false, esf.FlagYes, esf.FlagNo, esf.FlagEstimate)
	}
	f.read(r, func(rr *rowReader) {
		rec := esfdata.ParticipationRecord{
			OperationCode:        rr.text(0, 64),
			TaxCode:              rr.taxCode(1),
			Gender:               rr.oneOf(2, false, esf.GenderWomen, esf.GenderMen, esf.GenderNonBinary),
			BirthDate:            rr.date(3, false),
			ExitDate:             rr.date(5, false),
			EmploymentStatus:     rr.oneOf(6, false, esf.StatusUnemployed, esf.StatusInactive, esf.StatusEmployed),
			Disability:           flag(rr, 9),
			ThirdCountryNational: flag(rr, 10),
			ForeignBackground:    flag(rr, 11),
			Minority:             flag(rr, 12),
			Homeless:             flag(rr, 13),
			Rural:                flag(rr, 14),
		}
		if d := rr.date(4, true); d != nil {
			rec.EntryDate = *d
		}
		if m := rr.integer(7, 0, 1200); m != nil {
			v := int(*m)
			rec.UnemploymentMonths = &v
			if rec.EmploymentStatus == nil || *rec.EmploymentStatus != esf.StatusUnemployed {
				rr.problem(7, "is only given for employment_status UNEMPLOYED")
			}
		}
		if l := rr.integer(8, 0, 8); l != nil {
			v := int(*l)
			rec.ISCED = &v
		}
		if !rec.EntryDate.IsZero() {
			if rec.ExitDate != nil && rec.ExitDate.Before(rec.EntryDate) {
				rr.problem(5, "is before entry_date")
			}
			if rec.BirthDate != nil && rec.BirthDate.After(rec.EntryDate) {
				rr.problem(3, "is after entry_date")
			}
		}
		key := rec.OperationCode + "\x00" + rec.TaxCode + "\x00" + rec.EntryDate.Format(esf.DateLayout)
		if prev, ok := seen[key]; ok && rec.TaxCode != "" && !rec.EntryDate.IsZero() {
			rr.problem(4, fmt.Sprintf("this person's entry into operation %q on this date is already given in row %d", rec.OperationCode, prev))
		}
		seen[key] = rr.row
		if !rr.bad {
			out = append(out, Row[esfdata.ParticipationRecord]{rr.row, rec})
		}
	})
	if err := f.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSituations reads a situations file.
func ParseSituations(r io.Reader) ([]Row[esfdata.SituationRecord], error) {
	f := &csvFile{file: "situations", want: SituationsHeader}
	var out []Row[esfdata.SituationRecord]
	f.read(r, func(rr *rowReader) {
		rec := esfdata.SituationRecord{
			OperationCode: rr.text(0, 64),
			TaxCode:       rr.taxCode(1),
		}
		if d := rr.date(2, true); d != nil {
			rec.Date = *d
		}
		if s := rr.oneOf(3, true, esf.Situations...); s != nil {
			rec.Situation = *s
		}
		if !rr.bad {
			out = append(out, Row[esfdata.SituationRecord]{rr.row, rec})
		}
	})
	if err := f.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseTargets reads a file of planned indicator values per operation.
func ParseTargets(r io.Reader) ([]Row[esfdata.TargetRecord], error) {
	f := &csvFile{file: "targets", want: TargetsHeader}
	var out []Row[esfdata.TargetRecord]
	seen := map[string]int{}
	f.read(r, func(rr *rowReader) {
		rec := esfdata.TargetRecord{OperationCode: rr.text(0, 64)}
		if t := rr.oneOf(1, true, "COM", "DPR"); t != nil {
			rec.IndicatorType = *t
		}
		rec.Indicator = strings.ToUpper(rr.required(2))
		if rec.Indicator != "" {
			_, common := esf.IndicatorByCode(rec.Indicator)
			switch {
			case rec.IndicatorType == "COM" && !common:
				rr.problem(2, fmt.Sprintf("%q is not a common indicator (%s)", rec.Indicator, esf.CommonRanges()))
			case rec.IndicatorType == "DPR" && !validProgrammeIndicator(rec.Indicator):
				rr.problem(2, fmt.Sprintf("%q is not an indicator code: 1-20 letters, digits or underscores", rec.Indicator))
			}
		}
		if rr.value(3) == "" {
			rr.problem(3, "is required")
		} else if p := rr.integer(3, 0, 1<<53); p != nil {
			rec.Planned = *p
		}
		key := rec.OperationCode + "\x00" + rec.Indicator
		if prev, ok := seen[key]; ok && rec.Indicator != "" {
			rr.problem(2, fmt.Sprintf("indicator %s of operation %q is already given in row %d", rec.Indicator, rec.OperationCode, prev))
		}
		seen[key] = rr.row
		if !rr.bad {
			out = append(out, Row[esfdata.TargetRecord]{rr.row, rec})
		}
	})
	if err := f.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseEntities reads a file of the entities operations support.
func ParseEntities(r io.Reader) ([]Row[esfdata.EntityRecord], error) {
	f := &csvFile{file: "entities", want: EntitiesHeader}
	var out []Row[esfdata.EntityRecord]
	seen := map[string]int{}
	kinds := map[string]struct {
		kind string
		row  int
	}{}
	f.read(r, func(rr *rowReader) {
		rec := esfdata.EntityRecord{
			OperationCode: rr.text(0, 64),
			TaxCode:       rr.organisationTaxCode(1),
			Name:          rr.text(2, 500),
		}
		switch v := rr.value(3); {
		case v == "":
			rr.problem(3, "is required: one of "+strings.Join(EntityKinds, ", "))
		case slices.Contains(EntityKinds, v):
			rec.Kind = v
		default:
			rr.problem(3, fmt.Sprintf("%q is not one of %s: EECO18 counts public administrations and public services, "+
				"EECO19 micro, small and medium-sized enterprises (cooperatives and social enterprises included); "+
				"an entity that is neither counts under no indicator", v, strings.Join(EntityKinds, ", ")))
		}
		if d := rr.date(4, true); d != nil {
			rec.SupportedFrom = *d
		}
		if rec.TaxCode != "" && rec.Kind != "" {
			if k, ok := kinds[rec.TaxCode]; ok && k.kind != rec.Kind {
				rr.problem(3, fmt.Sprintf("row %d gives this organisation as %s: it is one or the other", k.row, k.kind))
			} else if !ok {
				kinds[rec.TaxCode] = struct {
					kind string
					row  int
				}{rec.Kind, rr.row}
			}
		}
		key := rec.OperationCode + "\x00" + rec.TaxCode
		if prev, ok := seen[key]; ok && rec.TaxCode != "" {
			rr.problem(1, fmt.Sprintf("this entity of operation %q is already given in row %d: an entity counts once per operation", rec.OperationCode, prev))
		}
		seen[key] = rr.row
		if !rr.bad {
			out = append(out, Row[esfdata.EntityRecord]{rr.row, rec})
		}
	})
	if err := f.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func validProgrammeIndicator(s string) bool {
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ImportOperations loads an operations file in tx: every row or none.
func ImportOperations(ctx context.Context, tx *store.Tx, r io.Reader) (ImportResult, error) {
	rows, err := ParseOperations(r)
	if err != nil {
		return ImportResult{}, err
	}
	res, err := esfdata.UpsertOperations(ctx, tx, records(rows))
	if err != nil {
		return ImportResult{}, fmt.Errorf("esf: import operations: %w", err)
	}
	return importResult(len(rows), res), nil
}

// ImportParticipants loads a participants file in tx: every row or none. Unknown persons
// are registered by tax code.
func ImportParticipants(ctx context.Context, tx *store.Tx, r io.Reader) (ImportResult, error) {
	rows, err := ParseParticipants(r)
	if err != nil {
		return ImportResult{}, err
	}
	res, problems, err := esfdata.UpsertParticipations(ctx, tx, records(rows))
	if err != nil {
		return ImportResult{}, fmt.Errorf("esf: import participants: %w", err)
	}
	if err := recordProblems("participants", ParticipantsHeader, rows, problems); err != nil {
		return ImportResult{}, err
	}
	return importResult(len(rows), res), nil
}

// ImportSituations loads a situations file in tx: every row or none.
func ImportSituations(ctx context.Context, tx *store.Tx, r io.Reader) (ImportResult, error) {
	rows, err := ParseSituations(r)
	if err != nil {
		return ImportResult{}, err
	}
	res, problems, err := esfdata.InsertSituations(ctx, tx, records(rows))
	if err != nil {
		return ImportResult{}, fmt.Errorf("esf: import situations: %w", err)
	}
	if err := recordProblems("situations", SituationsHeader, rows, problems); err != nil {
		return ImportResult{}, err
	}
	return importResult(len(rows), res), nil
}

// ImportTargets loads a file of planned values in tx: every row or none.
func ImportTargets(ctx context.Context, tx *store.Tx, r io.Reader) (ImportResult, error) {
	rows, err := ParseTargets(r)
	if err != nil {
		return ImportResult{}, err
	}
	res, problems, err := esfdata.UpsertTargets(ctx, tx, records(rows))
	if err != nil {
		return ImportResult{}, fmt.Errorf("esf: import targets: %w", err)
	}
	if err := recordProblems("targets", TargetsHeader, rows, problems); err != nil {
		return ImportResult{}, err
	}
	return importResult(len(rows), res), nil
}

// ImportEntities loads a file of supported entities in tx: every row or none. Organisations
// the hub does not hold are registered by tax code.
func ImportEntities(ctx context.Context, tx *store.Tx, r io.Reader) (ImportResult, error) {
	rows, err := ParseEntities(r)
	if err != nil {
		return ImportResult{}, err
	}
	res, problems, err := esfdata.UpsertEntities(ctx, tx, records(rows))
	if err != nil {
		return ImportResult{}, fmt.Errorf("esf: import entities: %w", err)
	}
	if err := recordProblems("entities", EntitiesHeader, rows, problems); err != nil {
		return ImportResult{}, err
	}
	out := importResult(len(rows), res.UpsertResult)
	out.Organisations = res.Registered
	return out, nil
}

func records[T any](rows []Row[T]) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = r.Record
	}
	return out
}

// recordProblems turns the store's problems (records referring to what does not exist)
// into an ImportError with rows and columns.
func recordProblems[T any](file string, header []string, rows []Row[T], problems []esfdata.RecordProblem) error {
	if len(problems) == 0 {
		return nil
	}
	e := &ImportError{File: file}
	for _, p := range problems {
		col := 0
		for i, h := range header {
			if h == p.Field {
				col = i + 1
			}
		}
		e.Problems = append(e.Problems, Problem{Row: rows[p.Index].Row, Column: col, Name: p.Field, Reason: p.Reason})
	}
	return e
}
