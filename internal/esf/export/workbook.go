package export

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The XLSX exports are filed as printed: every sheet is a table with a title row, a row
// with the cut-off, filters and generation time, and a column header row, those three
// repeated on every printed page and frozen on screen; the body is a sequence of blocks,
// each opened by a header row, kept on one page when it fits; pages are A4 landscape, one
// page wide and as many tall as needed.

// Page geometry, in points, and the margins, in inches, the page breaks are planned with.
const (
	pageWidthPt    = 841.9 // A4 landscape
	pageHeightPt   = 595.3
	marginSideIn   = 0.4
	marginTopIn    = 0.6
	marginBottomIn = 0.6
	marginHFIn     = 0.3
	paperA4        = 9
	rowHeightPt    = 15.0
)

// boldFactor is how much wider bold text runs.
const boldFactor = 1.07

// titleRows is the number of rows above the body; they are the print titles.
const titleRows = 3

// cellKind is how a body cell is shown.
type cellKind int

const (
	cellText cellKind = iota
	cellCode
	cellNumber
	// cellNone is a cell that does not apply to the row (a gender column of an entity
	// indicator): shaded and empty.
	cellNone
	// cellWord is a word standing where a number would, such as "not offered".
	cellWord
	cellLabel
)

// cell is one body cell.
type cell struct {
	kind  cellKind
	value any
}

func text(s string) cell      { return cell{kind: cellText, value: s} }
func label(s string) cell     { return cell{kind: cellLabel, value: s} }
func code(s string) cell      { return cell{kind: cellCode, value: s} }
func number(n int64) cell     { return cell{kind: cellNumber, value: n} }
func word(s string) cell      { return cell{kind: cellWord, value: s} }
func none() cell              { return cell{kind: cellNone} }
func fraction(f float64) cell { return cell{kind: cellNumber, value: f} }

// column is one column of a table sheet: its header and the texts it must show in full,
// from which its width follows.
type column struct {
	header  string
	numeric bool
	// width is in characters of the default font; 0 derives it from header and texts.
	width float64
	texts []string
}

// workbook is an XLSX export under construction.
type workbook struct {
	f      *excelize.File
	styles map[string]int
	sheets int
}

func newWorkbook() (*workbook, error) {
	wb := &workbook{f: excelize.NewFile(), styles: map[string]int{}}
	thin := []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}
	fill := func(rgb string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{rgb}}
	}
	font := &excelize.Font{Family: "Calibri", Size: 11}
	defs := map[string]*excelize.Style{
		"title": {Font: &excelize.Font{Family: "Calibri", Size: 14, Bold: true}, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"meta":  {Font: &excelize.Font{Family: "Calibri", Size: 10, Color: "404040"}, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"header": {Font: &excelize.Font{Family: "Calibri", Size: 11, Bold: true}, Border: thin, Fill: fill("D9E1F2"),
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"headerNum": {Font: &excelize.Font{Family: "Calibri", Size: 11, Bold: true}, Border: thin, Fill: fill("D9E1F2"),
			Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center", WrapText: true}},
		"block": {Font: &excelize.Font{Family: "Calibri", Size: 11, Bold: true}, Border: thin, Fill: fill("EDEDED"),
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"text":  {Font: font, Border: thin, Alignment: &excelize.Alignment{Vertical: "center"}},
		"label": {Font: &excelize.Font{Family: "Calibri", Size: 11, Bold: true}, Border: thin, Alignment: &excelize.Alignment{Vertical: "center"}},
		"code":  {Font: font, Border: thin, Alignment: &excelize.Alignment{Vertical: "center"}},
		// Number format 3 is #,##0: whole numbers, no decimals.
		"number":  {Font: font, Border: thin, NumFmt: 3, Alignment: &excelize.Alignment{Vertical: "center"}},
		"decimal": {Font: font, Border: thin, CustomNumFmt: ptr("0.0"), Alignment: &excelize.Alignment{Vertical: "center"}},
		"none":    {Border: thin, Fill: fill("F2F2F2")},
		"word": {Font: &excelize.Font{Family: "Calibri", Size: 10, Italic: true, Color: "595959"}, Border: thin,
			Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}},
		"note": {Font: &excelize.Font{Family: "Calibri", Size: 10, Italic: true, Color: "404040"},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
	}
	// In a fixed order, so the same report makes the same workbook.
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		id, err := wb.f.NewStyle(defs[name])
		if err != nil {
			wb.f.Close()
			return nil, fmt.Errorf("esf: xlsx style %s: %w", name, err)
		}
		wb.styles[name] = id
	}
	return wb, nil
}

func ptr[T any](v T) *T { return &v }

// Close releases the workbook.
func (wb *workbook) Close() error { return wb.f.Close() }

// tableSheet is one sheet of the workbook being written row by row.
type tableSheet struct {
	wb    *workbook
	name  string
	cols  []column
	width float64 // sum of the column widths, in characters
	row   int     // the next row to write
	// Page planning: the height of the body written on the current page, and what a page
	// holds, both in unscaled points.
	used, capacity float64
	err            error
}

// sheet adds a table sheet with its title rows, column widths, frozen panes and page
// setup. The first sheet takes the place of the workbook's default one.
func (wb *workbook) sheet(name, title, meta string, cols []column) (*tableSheet, error) {
	f := wb.f
	var err error
	if wb.sheets == 0 {
		err = f.SetSheetName(f.GetSheetName(0), name)
	} else {
		_, err = f.NewSheet(name)
	}
	if err != nil {
		return nil, fmt.Errorf("esf: xlsx sheet %s: %w", name, err)
	}
	wb.sheets++
	ts := &tableSheet{wb: wb, name: name, cols: cols, row: 1}
	headerLines := 1
	for i := range ts.cols {
		c := &ts.cols[i]
		if c.width == 0 {
			c.width = columnWidth(c)
		}
		if c.numeric {
			// Numbers and the words that stand for them sit right; their header may wrap.
			for _, w := range strings.Fields(c.header) {
				c.width = math.Max(c.width, textWidth(w)+1)
			}
		}
		headerLines = max(headerLines, int(math.Ceil(textWidth(c.header)/(c.width-1))))
		ts.width += c.width
	}
	last := ts.colName(len(cols))
	check := func(err error) {
		if err != nil && ts.err == nil {
			ts.err = fmt.Errorf("esf: xlsx sheet %s: %w", name, err)
		}
	}
	for i, c := range ts.cols {
		n := ts.colName(i + 1)
		check(f.SetColWidth(name, n, n, c.width))
	}
	check(f.SetCellStr(name, "A1", title))
	check(f.MergeCell(name, "A1", last+"1"))
	check(f.SetCellStyle(name, "A1", last+"1", wb.styles["title"]))
	titleLines := math.Ceil(textWidth(title) * 14 / 11 * boldFactor / (ts.width - 1))
	check(f.SetRowHeight(name, 1, 21*titleLines))
	check(f.SetCellStr(name, "A2", meta))
	check(f.MergeCell(name, "A2", last+"2"))
	check(f.SetCellStyle(name, "A2", last+"2", wb.styles["meta"]))
	metaLines := math.Ceil(textWidth(meta) * 10 / 11 / (ts.width - 1))
	check(f.SetRowHeight(name, 2, 16*metaLines))
	for i, c := range ts.cols {
		ref := ts.colName(i+1) + "3"
		check(f.SetCellStr(name, ref, c.header))
		style := wb.styles["header"]
		if c.numeric {
			style = wb.styles["headerNum"]
		}
		check(f.SetCellStyle(name, ref, ref, style))
	}
	headerHeight := float64(max(2, headerLines)) * rowHeightPt
	check(f.SetRowHeight(name, 3, headerHeight))
	ts.capacity = ts.pageCapacity(21*titleLines + 16*metaLines + headerHeight)
	ts.row = titleRows + 1
	check(f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: titleRows, TopLeftCell: fmt.Sprintf("A%d", titleRows+1),
		ActivePane: "bottomLeft", Selection: []excelize.Selection{{SQRef: fmt.Sprintf("A%d", titleRows+1),
			ActiveCell: fmt.Sprintf("A%d", titleRows+1), Pane: "bottomLeft"}}}))
	check(f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: ptr(paperA4), Orientation: ptr("landscape"),
		FitToWidth: ptr(1), FitToHeight: ptr(0)}))
	check(f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: ptr(true)}))
	check(f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: ptr(marginSideIn), Right: ptr(marginSideIn),
		Top: ptr(marginTopIn), Bottom: ptr(marginBottomIn), Header: ptr(marginHFIn), Footer: ptr(marginHFIn),
		Horizontally: ptr(true)}))
	check(f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddFooter: "&L&8" + excelFooterText(title) + "&R&8&A – page &P of &N"}))
	check(f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: name,
		RefersTo: fmt.Sprintf("'%s'!$1:$%d", strings.ReplaceAll(name, "'", "''"), titleRows)}))
	if ts.err != nil {
		return nil, ts.err
	}
	return ts, nil
}

// excelFooterText escapes the header and footer codes' ampersand.
func excelFooterText(s string) string { return strings.ReplaceAll(s, "&", "&&") }

func (ts *tableSheet) colName(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

// pageCapacity is the height of body a printed page holds, in unscaled points, once the
// sheet is scaled to one page wide and the print titles, titles points high, are repeated.
func (ts *tableSheet) pageCapacity(titles float64) float64 {
	// A column of w characters of the default font (7 pixels a digit) is 7w+5 pixels wide,
	// at 0.75 points a pixel.
	widthPt := 0.0
	for _, c := range ts.cols {
		widthPt += (7*c.width + 5) * 0.75
	}
	printable := pageWidthPt - 2*marginSideIn*72
	scale := 1.0
	if widthPt > printable {
		// Spreadsheets round the fitted scale down to a whole percent.
		scale = math.Floor(printable/widthPt*100) / 100
	}
	height := pageHeightPt - (marginTopIn+marginBottomIn)*72
	return height/scale - titles
}

// block starts a block of n rows after its header: on a new page when it would not fit
// on what is left of this one but fits on a page of its own. A block follows the last
// one after an empty row.
func (ts *tableSheet) block(header string, n int) {
	if ts.err != nil {
		return
	}
	if ts.row > titleRows+1 {
		ts.gap()
	}
	lines := max(1, int(math.Ceil(textWidth(header)*boldFactor/(ts.width-1))))
	height := float64(lines)*rowHeightPt + 3
	need := height + float64(n)*rowHeightPt
	if ts.used > 0 && ts.used+need > ts.capacity && need <= ts.capacity {
		if err := ts.wb.f.InsertPageBreak(ts.name, fmt.Sprintf("A%d", ts.row)); err != nil {
			ts.err = fmt.Errorf("esf: xlsx sheet %s: %w", ts.name, err)
			return
		}
		ts.used = 0
	}
	ts.merged(header, "block", height)
}

// note writes a text across the table, unbordered.
func (ts *tableSheet) note(s string) {
	lines := max(1, int(math.Ceil(textWidth(s)*1.05/ts.width)))
	ts.merged(s, "note", float64(lines)*14+2)
}

func (ts *tableSheet) merged(s, style string, height float64) {
	if ts.err != nil {
		return
	}
	f, r := ts.wb.f, ts.row
	first, last := fmt.Sprintf("A%d", r), fmt.Sprintf("%s%d", ts.colName(len(ts.cols)), r)
	for _, err := range []error{f.SetCellStr(ts.name, first, s), f.MergeCell(ts.name, first, last),
		f.SetCellStyle(ts.name, first, last, ts.wb.styles[style]), f.SetRowHeight(ts.name, r, height)} {
		if err != nil {
			ts.err = fmt.Errorf("esf: xlsx sheet %s row %d: %w", ts.name, r, err)
			return
		}
	}
	ts.advance(height)
}

// gap writes an empty row.
func (ts *tableSheet) gap() {
	if ts.err != nil {
		return
	}
	if err := ts.wb.f.SetRowHeight(ts.name, ts.row, 8); err != nil {
		ts.err = fmt.Errorf("esf: xlsx sheet %s: %w", ts.name, err)
		return
	}
	ts.advance(8)
}

// line writes one body row, a cell per column.
func (ts *tableSheet) line(cells ...cell) {
	if ts.err != nil {
		return
	}
	f, r := ts.wb.f, ts.row
	for i := range ts.cols {
		c := none()
		if i < len(cells) {
			c = cells[i]
		}
		ref := fmt.Sprintf("%s%d", ts.colName(i+1), r)
		var err error
		style := "none"
		switch c.kind {
		case cellText, cellCode, cellLabel, cellWord:
			err = f.SetCellStr(ts.name, ref, c.value.(string))
			style = map[cellKind]string{cellText: "text", cellCode: "code", cellLabel: "label", cellWord: "word"}[c.kind]
		case cellNumber:
			err = f.SetCellValue(ts.name, ref, c.value)
			style = "number"
			if _, ok := c.value.(float64); ok {
				style = "decimal"
			}
		}
		if err == nil {
			err = f.SetCellStyle(ts.name, ref, ref, ts.wb.styles[style])
		}
		if err != nil {
			ts.err = fmt.Errorf("esf: xlsx sheet %s cell %s: %w", ts.name, ref, err)
			return
		}
	}
	if err := f.SetRowHeight(ts.name, r, rowHeightPt); err != nil {
		ts.err = fmt.Errorf("esf: xlsx sheet %s: %w", ts.name, err)
		return
	}
	ts.advance(rowHeightPt)
}

// advance moves past a row of the given height: a row that does not fit on what is left of
// the page starts the next one.
func (ts *tableSheet) advance(height float64) {
	ts.row++
	if ts.used+height > ts.capacity {
		ts.used = height
		return
	}
	ts.used += height
}

// columnWidth is the width, in characters, that shows the column's header words and
// every text in full, with a character's margin each side.
func columnWidth(c *column) float64 {
	w := 6.0
	for _, h := range strings.Fields(c.header) {
		w = math.Max(w, textWidth(h)*boldFactor)
	}
	for _, s := range c.texts {
		w = math.Max(w, textWidth(s))
	}
	return math.Ceil(w + 2)
}

// calibriEm is the advance width of Calibri's printable ASCII characters, space to
// tilde, in thousandths of an em; Carlito, which LibreOffice substitutes, has the same.
var calibriEm = [95]int{
	226, 326, 401, 498, 507, 715, 682, 221, 303, 303, 498, 498, 250, 306, 252, 386, // space to /
	507, 507, 507, 507, 507, 507, 507, 507, 507, 507, 268, 268, 498, 498, 498, 463, // 0 to ?
	894, 579, 544, 533, 615, 488, 459, 631, 623, 252, 319, 520, 420, 855, 646, 662, // @ to O
	517, 673, 543, 459, 487, 642, 567, 890, 519, 487, 468, 307, 386, 307, 498, 498, // P to _
	291, 479, 525, 423, 525, 498, 305, 471, 525, 229, 239, 455, 229, 799, 525, 527, // ` to o
	525, 525, 349, 391, 335, 525, 452, 715, 433, 453, 395, 314, 460, 314, 498, //      p to ~
}

// textWidth is a text's width in characters of the default font (Calibri 11, whose
// character is the width of a digit).
func textWidth(s string) float64 {
	em := 0
	for _, r := range s {
		if r >= ' ' && r <= '~' {
			em += calibriEm[r-' ']
		} else {
			em += 560
		}
	}
	return float64(em) / float64(calibriEm['0'-' '])
}

// write stores the workbook in w, the first sheet active.
func (wb *workbook) write(w io.Writer) error {
	wb.f.SetActiveSheet(0)
	if _, err := wb.f.WriteTo(w); err != nil {
		return fmt.Errorf("esf: write xlsx: %w", err)
	}
	return nil
}

// generatedLine is how the title rows state when a workbook was made.
func generatedLine(t time.Time) string {
	return "generated " + t.UTC().Format("2006-01-02 15:04") + " UTC"
}
