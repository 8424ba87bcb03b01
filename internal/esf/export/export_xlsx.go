package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/esf"
)

// Sheet names of the XLSX export.
const (
	SheetOutputs           = "Outputs (T6)"
	SheetResults           = "Results (T10)"
	SheetIncomplete        = "Incomplete participants"
	SheetIncompleteRecords = "Incomplete records"
)

// Column headers of the indicator sheets.
const (
	ColumnWomen     = "Women"
	ColumnMen       = "Men"
	ColumnNonBinary = "Non-binary"
	ColumnUnknown   = "Gender unknown"
	ColumnTotal     = "Total"
	ColumnEstimated = "Of which estimated"
)

// fieldLabels say in words what an incomplete participant lacks.
var fieldLabels = map[esf.Field]string{
	esf.FieldGender:             "gender",
	esf.FieldBirthDate:          "birth date (age at entry)",
	esf.FieldEmploymentStatus:   "employment status at entry",
	esf.FieldUnemploymentMonths: "months of unemployment at entry (unemployed participants)",
	esf.FieldISCED:              "education level at entry (ISCED)",
}

// categoryLabels name the categories of region as the Commission's tables do.
var categoryLabels = map[string]string{
	"LESS_DEVELOPED": "less developed", "TRANSITION": "transition", "MORE_DEVELOPED": "more developed",
}

// WriteXLSX writes the report as a workbook laid out like the Commission's tables, ready to
// print: the output and entity indicators as in Table 6, the result indicators as in
// Table 10, the participants excluded for missing data by gender and by missing field,
// and those participants themselves, pseudonymised, with what each lacks. Each group
// (programme, priority, specific objective, category of region) is a block headed by its
// key and operations; generated is the time the title rows state.
func WriteXLSX(w io.Writer, rep *esf.Report, incomplete []esf.Participant, generated time.Time) error {
	wb, err := newWorkbook()
	if err != nil {
		return err
	}
	defer wb.Close()
	meta := reportMeta(rep, generated)
	if err := writeIndicatorSheet(wb, SheetOutputs, "ESF+ common output indicators for participants and entities (Regulation (EU) "+
		"2021/1057 Annex I), Table 6 layout", meta, rep, func(ind esf.Indicator) bool { return ind.Kind != esf.Result }, true); err != nil {
		return err
	}
	if err := writeIndicatorSheet(wb, SheetResults, "ESF+ common result indicators for participants (Regulation (EU) "+
		"2021/1057 Annex I), Table 10 layout", meta, rep, func(ind esf.Indicator) bool { return ind.Kind == esf.Result }, false); err != nil {
		return err
	}
	if err := writeIncompleteSheet(wb, meta, rep); err != nil {
		return err
	}
	if err := writeIncompleteRecords(wb, meta, incomplete); err != nil {
		return err
	}
	return wb.write(w)
}

// reportMeta is the line under a report sheet's title.
func reportMeta(rep *esf.Report, generated time.Time) string {
	var filters []string
	if rep.Programme != "" {
		filters = append(filters, "programme "+rep.Programme)
	}
	if rep.SpecificObjective != "" {
		filters = append(filters, "specific objective "+rep.SpecificObjective)
	}
	if rep.OperationCode != "" {
		filters = append(filters, "operation "+rep.OperationCode)
	}
	f := "none (every operation)"
	if len(filters) > 0 {
		f = strings.Join(filters, ", ")
	}
	return fmt.Sprintf("Cut-off %s, cumulative from the start of the programme   ·   Filters: %s   ·   %s",
		rep.Cutoff.Format(esf.DateLayout), f, strings.ToUpper(generatedLine(generated)[:1])+generatedLine(generated)[1:])
}

// GroupHeader is the text of a group's block header row.
func GroupHeader(g esf.Group) string {
	so := g.SpecificObjective
	if o, ok := esf.ObjectiveByCode(so); ok {
		so += " (Art. 4(1)(" + o.Letter + "))"
	}
	cat := g.CategoryOfRegion
	if l, ok := categoryLabels[cat]; ok {
		cat = l
	}
	ops := "Operation " + strings.Join(g.Operations, ", ")
	if len(g.Operations) != 1 {
		ops = fmt.Sprintf("Operations (%d): %s", len(g.Operations), strings.Join(g.Operations, ", "))
	}
	return fmt.Sprintf("Programme %s   ·   Priority %s   ·   Specific objective %s   ·   Category of region: %s   ·   %s",
		g.Programme, g.Priority, so, cat, ops)
}

func writeIndicatorSheet(wb *workbook, sheet, title, meta string, rep *esf.Report, keep func(esf.Indicator) bool, estimates bool) error {
	var codes, names []string
	var inds []int
	for i, ind := range esf.Indicators {
		if keep(ind) {
			inds = append(inds, i)
			codes, names = append(codes, ind.Code), append(names, ind.Name)
		}
	}
	cols := []column{{header: "Code", texts: codes}, {header: "Indicator", texts: names}}
	for _, h := range []string{ColumnWomen, ColumnMen, ColumnNonBinary, ColumnTotal} {
		cols = append(cols, column{header: h, numeric: true, width: 11})
	}
	if estimates {
		cols = append(cols, column{header: ColumnEstimated, numeric: true, width: 11})
	}
	ts, err := wb.sheet(sheet, title, meta, cols)
	if err != nil {
		return err
	}
	for _, g := range rep.Groups {
		ts.block(GroupHeader(g), len(inds))
		for _, i := range inds {
			ind, v := esf.Indicators[i], g.Values[i]
			cells := []cell{code(ind.Code), text(ind.Name)}
			if ind.ByGender() {
				cells = append(cells, number(v.Women), number(v.Men), number(v.NonBinary))
			} else {
				cells = append(cells, none(), none(), none())
			}
			cells = append(cells, number(v.Total))
			if estimates {
				if ind.Estimable() {
					cells = append(cells, number(v.Estimated))
				} else {
					cells = append(cells, none())
				}
			}
			ts.line(cells...)
		}
	}
	if len(rep.Groups) == 0 {
		ts.note("No operation matches the query.")
	}
	if estimates {
		ts.gap()
		ts.note("Entity indicators (EECO18, EECO19) count organisations once per operation: they have no gender columns. " +
			"\"Of which estimated\" is the part of the total resting on informed estimates (point 1.2 characteristics). " +
			"Participants excluded for missing data are on the sheet \"" + SheetIncomplete + "\".")
	}
	return ts.err
}

func writeIncompleteSheet(wb *workbook, meta string, rep *esf.Report) error {
	descs := []string{"participants excluded for missing data"}
	for _, f := range esf.RequiredFields {
		descs = append(descs, "of which missing "+fieldLabels[f])
	}
	cols := []column{{header: "Code", texts: []string{esf.IncompleteIndicator}}, {header: "Participants", texts: descs}}
	for _, h := range []string{ColumnWomen, ColumnMen, ColumnNonBinary, ColumnUnknown, ColumnTotal} {
		cols = append(cols, column{header: h, numeric: true, width: 11})
	}
	ts, err := wb.sheet(SheetIncomplete, "Participants excluded from the indicators for missing data (Regulation (EU) "+
		"2021/1057 Art. 17(5)), by gender and by missing field", meta, cols)
	if err != nil {
		return err
	}
	for _, g := range rep.Groups {
		inc := g.Incomplete
		ts.block(GroupHeader(g), 1+len(inc.Missing))
		ts.line(code(esf.IncompleteIndicator), label(descs[0]), number(inc.Women), number(inc.Men), number(inc.NonBinary),
			number(inc.Total-inc.Women-inc.Men-inc.NonBinary), number(inc.Total))
		for _, m := range inc.Missing {
			l, ok := fieldLabels[m.Field]
			if !ok {
				l = string(m.Field)
			}
			ts.line(none(), text("of which missing "+l), none(), none(), none(), none(), number(m.Count))
		}
	}
	if len(rep.Groups) == 0 {
		ts.note("No operation matches the query.")
	}
	ts.gap()
	ts.note("A participant counts in the indicators only with gender, birth date, employment status at entry (and, when " +
		"unemployed, the months of unemployment) and education level. A participant missing two fields counts under both; " +
		"the gender columns count those whose gender is known. The participants themselves, pseudonymised, are on the sheet \"" +
		SheetIncompleteRecords + "\".")
	return ts.err
}

func writeIncompleteRecords(wb *workbook, meta string, ps []esf.Participant) error {
	var pseudonyms, ops, missing []string
	for _, p := range ps {
		pseudonyms, ops = append(pseudonyms, p.Pseudonym), append(ops, p.OperationCode)
		missing = append(missing, missingText(p.Missing))
	}
	cols := []column{{header: "Pseudonym", texts: pseudonyms}, {header: "Operation", texts: ops},
		{header: "Entry date", texts: []string{"2006-01-02"}}, {header: "Exit date", texts: []string{"2006-01-02"}},
		{header: "Missing fields", texts: append(missing, "employment_status, unemployment_months")}}
	ts, err := wb.sheet(SheetIncompleteRecords, "Incomplete participant records, pseudonymised", meta, cols)
	if err != nil {
		return err
	}
	// One block per operation, in the order the participants come.
	var order []string
	byOp := map[string][]esf.Participant{}
	for _, p := range ps {
		if _, ok := byOp[p.OperationCode]; !ok {
			order = append(order, p.OperationCode)
		}
		byOp[p.OperationCode] = append(byOp[p.OperationCode], p)
	}
	for _, op := range order {
		list := byOp[op]
		ts.block(fmt.Sprintf("Operation %s   ·   %d incomplete participant(s)", op, len(list)), len(list))
		for _, p := range list {
			exit := none()
			if p.ExitDate != nil {
				exit = code(p.ExitDate.Format(esf.DateLayout))
			}
			ts.line(code(p.Pseudonym), code(p.OperationCode), code(p.EntryDate.Format(esf.DateLayout)), exit, text(missingText(p.Missing)))
		}
	}
	if len(ps) == 0 {
		ts.note("No participant is excluded for missing data.")
	}
	return ts.err
}

func missingText(fs []esf.Field) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}
