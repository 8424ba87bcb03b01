package esf

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// CSVHeader is the header of the report's CSV export.
var CSVHeader = []string{"programme", "priority", "specific_objective", "category_of_region", "indicator",
	"women", "men", "non_binary", "total", "of_which_estimated"}

// WriteCSV writes the report as CSV: one row per group and indicator, zeros included, and
// per group an INCOMPLETE row counting the participants excluded for missing data (its
// total also holds those of unknown gender). Entity indicators have no gender columns.
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("esf: write csv: %w", err)
	}
	for _, g := range rep.Groups {
		lead := []string{g.Programme, g.Priority, g.SpecificObjective, g.CategoryOfRegion}
		for i, ind := range Indicators {
			v := g.Values[i]
			rec := append(append([]string(nil), lead...), ind.Code)
			if ind.ByGender() {
				rec = append(rec, itoa(v.Women), itoa(v.Men), itoa(v.NonBinary))
			} else {
				rec = append(rec, "", "", "")
			}
			rec = append(rec, itoa(v.Total), itoa(v.Estimated))
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("esf: write csv: %w", err)
			}
		}
		inc := g.Incomplete
		rec := append(append([]string(nil), lead...), IncompleteIndicator,
			itoa(inc.Women), itoa(inc.Men), itoa(inc.NonBinary), itoa(inc.Total), "0")
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("esf: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("esf: write csv: %w", err)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Sheet names of the XLSX export.
const (
	SheetOutputs    = "Outputs"
	SheetResults    = "Results"
	SheetIncomplete = "Incomplete participants"
)

// WriteXLSX writes the report as a workbook laid out like the Commission's tables: the
// output indicators (Table 6) with, per group, the count of incomplete participants and
// of each missing field; the result indicators (Table 10); and the incomplete
// participants themselves, pseudonymised, with what each lacks.
func WriteXLSX(w io.Writer, rep *Report, incomplete []Participant) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("esf: write xlsx: %w", err)
	}
	if err := f.SetSheetName("Sheet1", SheetOutputs); err != nil {
		return fmt.Errorf("esf: write xlsx: %w", err)
	}
	for _, s := range []string{SheetResults, SheetIncomplete} {
		if _, err := f.NewSheet(s); err != nil {
			return fmt.Errorf("esf: write xlsx: %w", err)
		}
	}
	if err := writeIndicatorSheet(f, SheetOutputs, rep, bold, func(ind Indicator) bool { return ind.Kind != Result }, true); err != nil {
		return err
	}
	if err := writeIndicatorSheet(f, SheetResults, rep, bold, func(ind Indicator) bool { return ind.Kind == Result }, false); err != nil {
		return err
	}
	if err := writeIncompleteSheet(f, incomplete, bold); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("esf: write xlsx: %w", err)
	}
	return nil
}

func writeIndicatorSheet(f *excelize.File, sheet string, rep *Report, bold int, keep func(Indicator) bool, withIncomplete bool) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("esf: write xlsx %s: %w", sheet, err)
	}
	if err := sw.SetColWidth(6, 6, 60); err != nil {
		return fmt.Errorf("esf: write xlsx %s: %w", sheet, err)
	}
	row := 1
	put := func(values []any, opts ...excelize.RowOpts) error {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		if err := sw.SetRow(cell, values, opts...); err != nil {
			return fmt.Errorf("esf: write xlsx %s: %w", sheet, err)
		}
		return nil
	}
	title := fmt.Sprintf("Common %s indicators for participants, cumulative to %s", strings.ToLower(sheet), rep.Cutoff.Format(DateLayout))
	if err := put([]any{title}, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	if err := put([]any{"Programme", "Priority", "Specific objective", "Category of region", "Indicator", "Name",
		"Women", "Men", "Non-binary", "Total", "Of which informed estimates"}, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	for _, g := range rep.Groups {
		for i, ind := range Indicators {
			if !keep(ind) {
				continue
			}
			v := g.Values[i]
			vals := []any{g.Programme, g.Priority, g.SpecificObjective, g.CategoryOfRegion, ind.Code, ind.Name}
			if ind.ByGender() {
				vals = append(vals, v.Women, v.Men, v.NonBinary)
			} else {
				vals = append(vals, nil, nil, nil)
			}
			vals = append(vals, v.Total)
			if ind.Estimable() {
				vals = append(vals, v.Estimated)
			}
			if err := put(vals); err != nil {
				return err
			}
		}
		if !withIncomplete {
			continue
		}
		inc := g.Incomplete
		if err := put([]any{g.Programme, g.Priority, g.SpecificObjective, g.CategoryOfRegion, IncompleteIndicator,
			"participants excluded for missing data (total includes unknown gender)", inc.Women, inc.Men, inc.NonBinary, inc.Total}); err != nil {
			return err
		}
		for _, m := range inc.Missing {
			if err := put([]any{g.Programme, g.Priority, g.SpecificObjective, g.CategoryOfRegion, IncompleteIndicator,
				"of which missing " + string(m.Field), nil, nil, nil, m.Count}); err != nil {
				return err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("esf: write xlsx %s: %w", sheet, err)
	}
	return nil
}

func writeIncompleteSheet(f *excelize.File, ps []Participant, bold int) error {
	sw, err := f.NewStreamWriter(SheetIncomplete)
	if err != nil {
		return fmt.Errorf("esf: write xlsx incomplete: %w", err)
	}
	if err := sw.SetColWidth(1, 1, 36); err != nil {
		return fmt.Errorf("esf: write xlsx incomplete: %w", err)
	}
	if err := sw.SetRow("A1", []any{"Pseudonym", "Operation", "Entry date", "Exit date", "Missing fields"},
		excelize.RowOpts{StyleID: bold}); err != nil {
		return fmt.Errorf("esf: write xlsx incomplete: %w", err)
	}
	for i, p := range ps {
		missing := make([]string, len(p.Missing))
		for j, m := range p.Missing {
			missing[j] = string(m)
		}
		var exit any
		if p.ExitDate != nil {
			exit = p.ExitDate.Format(DateLayout)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{p.Pseudonym, p.OperationCode, p.EntryDate.Format(DateLayout), exit,
			strings.Join(missing, ", ")}); err != nil {
			return fmt.Errorf("esf: write xlsx incomplete: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("esf: write xlsx incomplete: %w", err)
	}
	return nil
}
