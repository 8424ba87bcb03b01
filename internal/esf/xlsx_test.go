package esf_test

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/export"
	"github.com/ponte-hub/ponte/internal/store"
)

// rawRows are a sheet's cells as stored, numbers unformatted.
func rawRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	return rows
}

// cellAt is a row's cell, "" past its end.
func cellAt(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// blockAt is the index of the row whose first cell is header.
func blockAt(t *testing.T, rows [][]string, header string) int {
	t.Helper()
	for i, r := range rows {
		if cellAt(r, 0) == header {
			return i
		}
	}
	require.Failf(t, "no block", "no row reads %q", header)
	return -1
}

// requirePrintable checks what every sheet of the exports shares: the header rows frozen
// and repeated on every printed page, A4 landscape one page wide and unbounded in height.
func requirePrintable(t *testing.T, f *excelize.File, sheet string) {
	t.Helper()
	panes, err := f.GetPanes(sheet)
	require.NoError(t, err)
	require.True(t, panes.Freeze, sheet)
	require.Equal(t, 3, panes.YSplit, sheet)
	require.Equal(t, 0, panes.XSplit, sheet)
	require.Equal(t, "A4", panes.TopLeftCell, sheet)

	layout, err := f.GetPageLayout(sheet)
	require.NoError(t, err)
	require.Equal(t, "landscape", *layout.Orientation, sheet)
	require.Equal(t, 9, *layout.Size, "%s: A4", sheet)
	require.NotNil(t, layout.FitToWidth, sheet)
	require.Equal(t, 1, *layout.FitToWidth, "%s: one page wide", sheet)
	require.NotNil(t, layout.FitToHeight, sheet)
	require.Equal(t, 0, *layout.FitToHeight, "%s: as many pages tall as needed", sheet)
	props, err := f.GetSheetProps(sheet)
	require.NoError(t, err)
	require.True(t, *props.FitToPage, "%s: fit to page is on, or the fit is ignored", sheet)

	var titles []string
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" && d.Scope == sheet {
			titles = append(titles, d.RefersTo)
		}
	}
	require.Equal(t, []string{"'" + sheet + "'!$1:$3"}, titles, "%s: title, filters and column headers on every page", sheet)
}

// requireWide checks that a column is wide enough for its longest text at about a
// character of width per character.
func requireWide(t *testing.T, f *excelize.File, sheet, col string, texts ...string) {
	t.Helper()
	w, err := f.GetColWidth(sheet, col)
	require.NoError(t, err)
	for _, s := range texts {
		require.GreaterOrEqual(t, w, 0.8*float64(len(s))+1, "%s column %s: %q", sheet, col, s)
	}
}

func TestXLSXExport(t *testing.T) {
	t.Parallel()
	e, codes := reportData(t)
	q := esf.Query{Cutoff: date("2023-12-31")}
	rep := e.compute(q)
	require.Len(t, rep.Groups, 2)
	var incomplete []esf.Participant
	e.tx(func(tx *store.Tx) error {
		var err error
		incomplete, err = esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Indicator: esf.IncompleteIndicator}, pseudonymiser(t))
		return err
	})
	require.Len(t, incomplete, 2)
	generated := time.Date(2024, 1, 31, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	var buf bytes.Buffer
	require.NoError(t, export.WriteXLSX(&buf, rep, incomplete, generated))

	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{export.SheetOutputs, export.SheetResults, export.SheetIncomplete, export.SheetIncompleteRecords}, f.GetSheetList())
	require.Equal(t, "Outputs (T6)", export.SheetOutputs)
	require.Equal(t, "Results (T10)", export.SheetResults)

	for _, sheet := range f.GetSheetList() {
		requirePrintable(t, f, sheet)
		rows := rawRows(t, f, sheet)
		require.Contains(t, rows[1][0], "Cut-off 2023-12-31", sheet)
		require.Contains(t, rows[1][0], "Filters: none", sheet)
		require.Contains(t, rows[1][0], "Generated 2024-01-31 08:30 UTC", sheet)
	}

	g1, g2 := rep.Groups[0], rep.Groups[1]
	require.Equal(t, "Programme PN-R   ·   Priority P1   ·   Specific objective ESO4.1 (Art. 4(1)(a))   ·   "+
		"Category of region: more developed   ·   Operations (2): OP1, OP2", export.GroupHeader(g1))
	require.Equal(t, "Programme PN-R   ·   Priority P2   ·   Specific objective ESO4.11 (Art. 4(1)(k))   ·   "+
		"Category of region: less developed   ·   Operation OP3", export.GroupHeader(g2))

	// Table 6 and Table 10: per group a block, its indicators in the Commission's order,
	// every value the report's.
	for _, sheet := range []struct {
		name    string
		kind    func(esf.Indicator) bool
		columns []string
	}{
		{export.SheetOutputs, func(ind esf.Indicator) bool { return ind.Kind != esf.Result },
			[]string{"Code", "Indicator", "Women", "Men", "Non-binary", "Total", "Of which estimated"}},
		{export.SheetResults, func(ind esf.Indicator) bool { return ind.Kind == esf.Result },
			[]string{"Code", "Indicator", "Women", "Men", "Non-binary", "Total"}},
	} {
		rows := rawRows(t, f, sheet.name)
		require.Equal(t, sheet.columns, rows[2], sheet.name)
		var codesOf, names []string
		for _, g := range rep.Groups {
			at := blockAt(t, rows, export.GroupHeader(g))
			for i, ind := range esf.Indicators {
				if !sheet.kind(ind) {
					continue
				}
				at++
				v := g.Values[i]
				want := []string{ind.Code, ind.Name, itoa(v.Women), itoa(v.Men), itoa(v.NonBinary), itoa(v.Total)}
				if !ind.ByGender() {
					want[2], want[3], want[4] = "", "", ""
				}
				if len(sheet.columns) == 7 {
					want = append(want, "")
					if ind.Estimable() {
						want[6] = itoa(v.Estimated)
					}
				}
				got := make([]string, len(want))
				for c := range got {
					got[c] = cellAt(rows[at], c)
				}
				require.Equal(t, want, got, "%s %s %s", sheet.name, g.Priority, ind.Code)
				codesOf, names = append(codesOf, ind.Code), append(names, ind.Name)
			}
		}
		requireWide(t, f, sheet.name, "A", codesOf...)
		requireWide(t, f, sheet.name, "B", names...)
	}
	out := rawRows(t, f, export.SheetOutputs)
	at := blockAt(t, out, export.GroupHeader(g1))
	require.Equal(t, []string{"EECO12", "participants with disabilities", "1", "0", "1", "2", "1"}, out[at+12])
	require.Equal(t, []string{"EECO18", "public administrations or public services supported", "", "", "", "0", ""}, out[at+18][:7],
		"entities show only the total")

	// Number cells are numbers, without decimals.
	cellRef := fmt.Sprintf("C%d", at+2)
	typ, err := f.GetCellType(export.SheetOutputs, cellRef)
	require.NoError(t, err)
	require.Contains(t, []excelize.CellType{excelize.CellTypeNumber, excelize.CellTypeUnset}, typ, "a number, not a text")
	style, err := f.GetCellStyle(export.SheetOutputs, cellRef)
	require.NoError(t, err)
	st, err := f.GetStyle(style)
	require.NoError(t, err)
	require.Equal(t, 3, st.NumFmt, "#,##0")
	require.NotEmpty(t, st.Border)
	style, err = f.GetCellStyle(export.SheetOutputs, "A3")
	require.NoError(t, err)
	st, err = f.GetStyle(style)
	require.NoError(t, err)
	require.True(t, st.Font.Bold, "column headers in bold")

	// The block header spans the table.
	merged, err := f.GetMergeCells(export.SheetOutputs)
	require.NoError(t, err)
	var spans []string
	for _, m := range merged {
		if m.GetCellValue() == export.GroupHeader(g2) {
			spans = append(spans, m.GetStartAxis()+":"+m.GetEndAxis())
		}
	}
	require.Len(t, spans, 1)
	require.True(t, strings.HasSuffix(spans[0], fmt.Sprintf("G%d", blockAt(t, out, export.GroupHeader(g2))+1)), spans[0])

	// Incomplete participants: the same blocks, by gender and by missing field.
	inc := rawRows(t, f, export.SheetIncomplete)
	require.Equal(t, []string{"Code", "Participants", "Women", "Men", "Non-binary", "Gender unknown", "Total"}, inc[2])
	for _, g := range rep.Groups {
		at := blockAt(t, inc, export.GroupHeader(g))
		n := g.Incomplete
		require.Equal(t, []string{esf.IncompleteIndicator, "participants excluded for missing data", itoa(n.Women), itoa(n.Men),
			itoa(n.NonBinary), itoa(n.Total - n.Women - n.Men - n.NonBinary), itoa(n.Total)}, inc[at+1][:7])
		for j, m := range n.Missing {
			row := inc[at+2+j]
			require.True(t, strings.HasPrefix(row[1], "of which missing "), row[1])
			require.Equal(t, itoa(m.Count), cellAt(row, 6), "%s missing %s", g.Priority, m.Field)
		}
	}
	at = blockAt(t, inc, export.GroupHeader(g1))
	require.Equal(t, "2", inc[at+1][6], "dee and fay")
	require.Equal(t, "of which missing months of unemployment at entry (unemployed participants)", inc[at+5][1])
	require.Equal(t, "1", inc[at+5][6])

	records := rawRows(t, f, export.SheetIncompleteRecords)
	require.Equal(t, []string{"Pseudonym", "Operation", "Entry date", "Exit date", "Missing fields"}, records[2])
	missing := map[string]string{}
	for _, r := range records[3:] {
		if strings.HasPrefix(cellAt(r, 0), "ps_") {
			missing[r[0]] = r[4]
		}
	}
	p := pseudonymiser(t)
	require.Equal(t, map[string]string{p.Person(e.personID(codes["dee"])): "isced",
		p.Person(e.personID(codes["fay"])): "unemployment_months"}, missing)
	requireWide(t, f, export.SheetIncompleteRecords, "A", p.Person(e.personID(codes["dee"])))

	// No tax code anywhere in the workbook.
	for _, sheet := range f.GetSheetList() {
		for _, r := range rawRows(t, f, sheet) {
			for _, c := range r {
				for name, code := range codes {
					require.NotContains(t, c, code, "tax code of %s in sheet %s", name, sheet)
				}
			}
		}
	}

	// Filters are named in the title rows; a query matching nothing still makes a workbook.
	rep = e.compute(esf.Query{Cutoff: date("2023-12-31"), SpecificObjective: "k", Programme: "PN-R"})
	buf.Reset()
	require.NoError(t, export.WriteXLSX(&buf, rep, nil, generated))
	f2, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f2.Close()
	require.Contains(t, rawRows(t, f2, export.SheetOutputs)[1][0], "Filters: programme PN-R, specific objective ESO4.11")
	rep = e.compute(esf.Query{Cutoff: date("2023-12-31"), Programme: "NONE"})
	buf.Reset()
	require.NoError(t, export.WriteXLSX(&buf, rep, nil, generated))
	f3, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f3.Close()
	require.Equal(t, "No operation matches the query.", rawRows(t, f3, export.SheetOutputs)[3][0])
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// requireProfileXLSX checks the profile's workbook against the report it was written from.
func requireProfileXLSX(t *testing.T, rep *esf.ProfileReport) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, export.WriteProfileXLSX(&buf, rep, time.Date(2024, 7, 31, 12, 0, 0, 0, time.UTC)))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{export.SheetProfile}, f.GetSheetList())
	requirePrintable(t, f, export.SheetProfile)
	rows := rawRows(t, f, export.SheetProfile)
	require.Contains(t, rows[0][0], "operation "+rep.OperationCode)
	require.Contains(t, rows[1][0], "Generated 2024-07-31 12:00 UTC")
	header := []string{"Code", "Category"}
	for _, r := range rep.Rounds {
		header = append(header, fmt.Sprintf("Round %d (n)", r.Round), fmt.Sprintf("Round %d (%%)", r.Round))
	}
	require.Equal(t, header, rows[2])

	at := blockAt(t, rows, "Participants")
	for i, r := range rep.Rounds {
		require.Equal(t, itoa(r.Participants), cellAt(rows[at+1], 2+2*i))
	}
	titles := map[string]string{esf.TableGender: "Table 8.1", esf.TableOrigin: "Table 8.2", esf.TableAgeBand: "Table 8.3",
		esf.TableHousehold: "Table 8.4", esf.TableServices: "Table 8.5"}
	for ti, table := range rep.Rounds[0].Tables {
		at := -1
		for i, r := range rows {
			if strings.HasPrefix(cellAt(r, 0), titles[table.Name]) {
				at = i
			}
		}
		require.NotEqual(t, -1, at, table.Name)
		byCode := map[string][]string{}
		for _, r := range rows[at+1:] {
			if len(r) < 3 {
				break
			}
			byCode[r[0]] = r
		}
		for i, r := range rep.Rounds {
			tb := r.Tables[ti]
			require.Equal(t, itoa(tb.Missing), cellAt(byCode["MISSING"], 2+2*i), "%s round %d missing", table.Name, r.Round)
			for _, row := range tb.Rows {
				got, listed := byCode[row.Category]
				if table.Name == esf.TableServices && !slices.Contains(rep.OfferedServices, row.Category) {
					require.False(t, listed, "%s, never offered, has no row", row.Category)
					continue
				}
				require.True(t, listed, "%s %s", table.Name, row.Category)
				switch {
				case !tb.Offered(row.Category):
					require.Equal(t, esf.NotOffered, cellAt(got, 2+2*i), "%s round %d", row.Category, r.Round)
				default:
					require.Equal(t, itoa(row.Count), cellAt(got, 2+2*i), "%s %s round %d", table.Name, row.Category, r.Round)
				}
				if row.Percent != nil {
					pct, err := strconv.ParseFloat(cellAt(got, 3+2*i), 64)
					require.NoError(t, err)
					require.InDelta(t, *row.Percent, pct, 1e-9)
				}
			}
		}
	}
	never := []string{}
	for _, s := range esf.ServiceTypes {
		if !slices.Contains(rep.OfferedServices, s) {
			never = append(never, s)
		}
	}
	var note string
	for _, r := range rows {
		if strings.HasPrefix(cellAt(r, 0), "Not offered in any round") {
			note = r[0]
		}
	}
	for _, s := range never {
		require.Contains(t, note, "("+s+")")
	}
}
