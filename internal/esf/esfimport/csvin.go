package esfimport

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
	"github.com/ponte-hub/ponte/pkg/partitaiva"
)

// Problem is one thing wrong with an imported file. Row is the line the record starts on,
// the header being row 1, as a spreadsheet or an editor shows it; Column is 1-based and
// Name is the header's name for it. Row 0 means the file as a whole, Column 0 the row as
// a whole.
type Problem struct {
	Row    int
	Column int
	Name   string
	Reason string
}

// String says where the problem is and what it is, as the command line prints it.
func (p Problem) String() string {
	switch {
	case p.Row == 0:
		return p.Reason
	case p.Column == 0:
		return fmt.Sprintf("row %d: %s", p.Row, p.Reason)
	default:
		return fmt.Sprintf("row %d, column %d (%s): %s", p.Row, p.Column, p.Name, p.Reason)
	}
}

// ImportError lists every problem found in a file; a file with any problem loads nothing.
type ImportError struct {
	// File names the kind of file: operations, participants, situations, targets.
	File     string
	Problems []Problem
}

func (e *ImportError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("esf: import %s: %d %s, nothing loaded: %s", e.File, len(e.Problems), noun, strings.Join(parts, "; "))
}

// Unwrap exposes the problems as an input error, so the API reports them as bad input.
func (e *ImportError) Unwrap() error {
	ie := &apperr.InputError{}
	for _, p := range e.Problems {
		field := "file"
		if p.Row > 0 {
			field = "row " + strconv.Itoa(p.Row)
			if p.Column > 0 {
				field += " column " + p.Name
			}
		}
		ie.Fields = append(ie.Fields, apperr.FieldError{Field: field, Reason: p.Reason})
	}
	return ie
}

// Row is one parsed record and the row it came from.
type Row[T any] struct {
	Row    int
	Record T
}

// csvFile reads a separated UTF-8 file whose header must be exactly want, handing each
// data row to a rowReader that records problems against it.
//
// The separator is ',' or ';', whichever the header line uses. A spreadsheet saving "CSV"
// in an Italian locale writes ';' and comma decimals, in an English locale ',' and dot
// decimals; the numbers are read by the convention of the separator (parseDecimal), and
// dates either as YYYY-MM-DD or day first (parseDate). A UTF-8 byte-order mark and CRLF
// line ends are accepted; other encodings are converted by Decode before.
type csvFile struct {
	file string
	want []string
	sep  rune
	// width is the header's number of fields, counting the blank ones a spreadsheet
	// leaves after the last named column when cells to its right were ever touched; a row
	// may carry as many, blank beyond the named ones.
	width int
	// hinted is set once a problem has said how to read a Windows-1252 file.
	hinted bool
	// lines counts the lines before the header (a "sep=" line), which the CSV reader does
	// not see but an editor shows.
	lines    int
	problems []Problem
}

// Dates outside these years are typing errors in a participant record.
const minYear, maxYear = 1900, 2199

// maxProblems bounds the list so a wrong file does not produce millions of lines.
const maxProblems = 1000

// headerPeek bounds how much of the file is looked at to find the header line.
const headerPeek = 64 << 10

func (f *csvFile) add(p Problem) {
	if len(f.problems) < maxProblems {
		f.problems = append(f.problems, p)
	} else if len(f.problems) == maxProblems {
		f.problems = append(f.problems, Problem{Reason: fmt.Sprintf("more than %d problems; the rest are not listed", maxProblems)})
	}
}

func (f *csvFile) err() error {
	if len(f.problems) == 0 {
		return nil
	}
	return &ImportError{File: f.file, Problems: f.problems}
}

// read parses r, calling fn for each data row.
func (f *csvFile) read(r io.Reader, fn func(*rowReader)) {
	br := bufio.NewReaderSize(r, headerPeek)
	if !f.sniff(br) {
		return
	}
	cr := csv.NewReader(br)
	cr.Comma = f.sep
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		f.add(Problem{Reason: "the file is empty: it needs the header " + strings.Join(f.want, ",")})
		return
	}
	if err != nil {
		f.add(f.csvProblem(err, 1))
		return
	}
	f.width = len(header)
	for len(header) > 0 && strings.TrimSpace(header[len(header)-1]) == "" {
		header = header[:len(header)-1]
	}
	if !f.header(header) {
		return
	}
	row := 1 + f.lines
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = pe.StartLine + f.lines
			}
			f.add(f.csvProblem(err, row))
			f.add(Problem{Row: row, Reason: "the rest of the file was not read"})
			return
		}
		// The row is the line the record starts on, as an editor shows it: blank lines
		// (which the reader skips) and line breaks inside quotes count.
		row, _ = cr.FieldPos(0)
		row += f.lines
		if blank(rec) {
			continue // a line of blanks, or of separators only
		}
		if len(rec) > len(f.want) && len(rec) <= f.width {
			if !blank(rec[len(f.want):]) {
				f.add(Problem{Row: row, Reason: fmt.Sprintf("has a value after the header's last column (%s)", f.want[len(f.want)-1])})
				continue
			}
			rec = rec[:len(f.want)]
		}
		if len(rec) != len(f.want) {
			f.add(Problem{Row: row, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(f.want))})
			continue
		}
		rr := &rowReader{f: f, row: row, rec: rec}
		for i, v := range rec {
			switch {
			case !utf8.ValidString(v):
				rr.problem(i, f.notUTF8())
			case strings.ContainsRune(v, 0):
				rr.problem(i, "contains a NUL character")
			}
		}
		if !rr.bad {
			fn(rr)
		}
	}
}

func blank(fields []string) bool {
	for _, v := range fields {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// notUTF8 is the reason for a field that is not UTF-8; the first one says how to fix it.
func (f *csvFile) notUTF8() string {
	if f.hinted {
		return "is not valid UTF-8"
	}
	f.hinted = true
	return `is not valid UTF-8: the file may be Windows-1252 text, as Excel on Windows saves "CSV"; save it as "CSV UTF-8", ` +
		"or import it with --encoding windows-1252"
}

// sniff looks at the start of the file before the CSV reader does: it drops a UTF-8
// byte-order mark, refuses what is not text a spreadsheet saves as CSV (UTF-16, lines that
// end in a carriage return alone), and picks the separator from the header line. It
// reports whether reading may go on.
func (f *csvFile) sniff(br *bufio.Reader) bool {
	// A short file comes back whole with io.EOF; a read error is the CSV reader's to report.
	head, _ := br.Peek(headerPeek)
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		_, _ = br.Discard(3)
		head = head[3:]
	case bytes.HasPrefix(head, []byte("\xff\xfe")), bytes.HasPrefix(head, []byte("\xfe\xff")):
		f.add(Problem{Reason: `the file is UTF-16 text (what Excel saves as "Unicode text"): save it as "CSV UTF-8"`})
		return false
	}
	line, bareCR := headerLine(head)
	if bareCR {
		f.add(Problem{Reason: "the lines end in a carriage return alone, as old Mac spreadsheets save them: " +
			`save the file as "CSV UTF-8", or with LF or CRLF line ends`})
		return false
	}
	// A first line "sep=;" names the separator, as some programs write for Excel to read.
	if len(line) == 5 && strings.EqualFold(string(line[:4]), "sep=") {
		switch c := line[4]; c {
		case ',', ';':
			f.sep, f.lines = rune(c), 1
			if i := bytes.IndexByte(head, '\n'); i >= 0 {
				_, _ = br.Discard(i + 1)
			} else {
				_, _ = br.Discard(len(head))
			}
			return true
		default:
			f.add(Problem{Row: 1, Reason: fmt.Sprintf("the first line %q declares the separator %s; use ',' or ';'", string(line), sepName(c))})
			return false
		}
	}
	counts := map[byte]int{}
	inQuotes := false
	for _, c := range line {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case !inQuotes:
			counts[c]++
		}
	}
	switch {
	case counts[';'] > 0 && f.names(line, ';'):
		f.sep = ';'
	case counts[','] > 0 && f.names(line, ','):
		f.sep = ','
	case counts[';'] > counts[',']:
		f.sep = ';'
	default:
		f.sep = ','
	}
	if counts[byte(f.sep)] == 0 && len(f.want) > 1 {
		// One column: the character after the first name is the separator, if the header
		// starts with it; else a tab or '|' anywhere.
		other := byte(0)
		if rest, ok := bytes.CutPrefix(bytes.TrimLeft(line, ` "`), []byte(f.want[0])); ok {
			if rest = bytes.TrimLeft(rest, `"`); len(rest) > 1 && !isNameByte(rest[0]) && len(bytes.TrimSpace(rest[1:])) > 0 {
				other = rest[0]
			}
		}
		if other == 0 {
			switch {
			case counts['\t'] > 0:
				other = '\t'
			case counts['|'] > 0:
				other = '|'
			}
		}
		if other != 0 {
			f.add(Problem{Row: 1, Reason: fmt.Sprintf("the header has one column %q: the file seems separated by %s; use ',' or ';'",
				clip(string(line)), sepName(other))})
			return false
		}
	}
	return true
}

// isNameByte reports whether c may be part of a column name.
func isNameByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= utf8.RuneSelf
}

// sepName names a separator for a message.
func sepName(c byte) string {
	switch c {
	case '\t':
		return "tabs"
	case ' ':
		return "spaces"
	}
	return fmt.Sprintf("%q", rune(c))
}

// names reports whether line, split at sep, names the columns f wants.
func (f *csvFile) names(line []byte, sep byte) bool {
	got := strings.Split(string(line), string(sep))
	for len(got) > len(f.want) && strings.TrimSpace(got[len(got)-1]) == "" {
		got = got[:len(got)-1]
	}
	if len(got) != len(f.want) {
		return false
	}
	for i, g := range got {
		if strings.Trim(strings.TrimSpace(g), `"`) != f.want[i] {
			return false
		}
	}
	return true
}

// headerLine returns the first line of head, up to its line end outside quotes, and
// whether that line end is a carriage return not followed by a line feed.
func headerLine(head []byte) (line []byte, bareCR bool) {
	inQuotes := false
	for i, c := range head {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case c == '\n':
			return bytes.TrimSuffix(head[:i], []byte("\r")), false
		case c == '\r' && (i+1 >= len(head) || head[i+1] != '\n'):
			return head[:i], i+1 < len(head)
		}
	}
	return head, false
}

// clip shortens s for a message.
func clip(s string) string {
	const maxLen = 80
	if utf8.RuneCountInString(s) <= maxLen {
		return s
	}
	return string([]rune(s)[:maxLen]) + "…"
}

func (f *csvFile) csvProblem(err error, row int) Problem {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Problem{Row: row, Reason: fmt.Sprintf("malformed CSV at line %d, character %d: %v", pe.Line+f.lines, pe.Column, pe.Err)}
	}
	return Problem{Row: row, Reason: "cannot read: " + err.Error()}
}

func (f *csvFile) header(got []string) bool {
	ok := len(got) == len(f.want)
	for i := range got {
		got[i] = strings.TrimSpace(got[i])
		if i >= len(f.want) || got[i] != f.want[i] {
			ok = false
		}
	}
	if ok {
		return true
	}
	reason := "the header must be exactly " + strings.Join(f.want, string(f.sep))
	for i := 0; i < max(len(got), len(f.want)); i++ {
		switch {
		case i >= len(got):
			reason += fmt.Sprintf("; column %d (%s) is missing", i+1, f.want[i])
		case i >= len(f.want):
			reason += fmt.Sprintf("; column %d (%q) is not expected", i+1, got[i])
		case got[i] != f.want[i]:
			reason += fmt.Sprintf("; column %d is %q, expected %s", i+1, got[i], f.want[i])
		}
	}
	f.add(Problem{Row: 1 + f.lines, Reason: reason})
	return false
}

// rowReader converts the fields of one row, recording a problem per bad field.
type rowReader struct {
	f   *csvFile
	row int
	rec []string
	bad bool
}

func (r *rowReader) problem(col int, reason string) {
	r.bad = true
	r.f.add(Problem{Row: r.row, Column: col + 1, Name: r.f.want[col], Reason: reason})
}

func (r *rowReader) value(col int) string { return strings.TrimSpace(r.rec[col]) }

func (r *rowReader) required(col int) string {
	v := r.value(col)
	if v == "" {
		r.problem(col, "is required")
	}
	return v
}

func (r *rowReader) optional(col int) *string {
	if v := r.value(col); v != "" {
		return &v
	}
	return nil
}

func (r *rowReader) date(col int, required bool) *time.Time {
	v := r.value(col)
	if v == "" {
		if required {
			r.problem(col, "is required (YYYY-MM-DD or DD/MM/YYYY)")
		}
		return nil
	}
	d, reason := parseDate(v)
	if reason != "" {
		r.problem(col, reason)
		return nil
	}
	if y := d.Year(); y < minYear || y > maxYear {
		r.problem(col, fmt.Sprintf("%q is out of range: years %d-%d", v, minYear, maxYear))
		return nil
	}
	return &d
}

// parseDate reads a date written YYYY-MM-DD, or day first as a spreadsheet in an Italian
// locale writes it: DD/MM/YYYY, with one-digit days and months too. A slash date is never
// read month first: no Italian office writes one so.
func parseDate(v string) (time.Time, string) {
	if d, err := time.Parse(esf.DateLayout, v); err == nil {
		return d, ""
	}
	notDate := fmt.Sprintf("%q is not a date: want YYYY-MM-DD or DD/MM/YYYY", v)
	parts := strings.Split(v, "/")
	if len(parts) != 3 {
		return time.Time{}, notDate
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return time.Time{}, notDate
		}
		n[i], _ = strconv.Atoi(p)
	}
	switch {
	case len(parts[0]) > 2 || len(parts[1]) > 2:
		return time.Time{}, notDate
	case len(parts[2]) == 2:
		return time.Time{}, fmt.Sprintf("%q has a two-digit year: write the year in full (DD/MM/YYYY)", v)
	case len(parts[2]) != 4:
		return time.Time{}, notDate
	}
	d := time.Date(n[2], time.Month(n[1]), n[0], 0, 0, 0, 0, time.UTC)
	if d.Day() != n[0] || int(d.Month()) != n[1] {
		return time.Time{}, notDate
	}
	return d, ""
}

func (r *rowReader) oneOf(col int, required bool, allowed ...string) *string {
	v := r.value(col)
	if v == "" {
		if required {
			r.problem(col, "is required: one of "+strings.Join(allowed, ", "))
		}
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return &v
		}
	}
	r.problem(col, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", ")))
	return nil
}

// integer reads a whole number from lo to hi; blank is nil. The number is read as a decimal
// in the file's convention, so 1.200 (';' file) and 14,0 are whole, 14,5 is not.
func (r *rowReader) integer(col int, lo, hi int64) *int64 {
	v := r.value(col)
	if v == "" {
		return nil
	}
	fail := func(why string) *int64 {
		reason := fmt.Sprintf("%q is not a whole number from %d to %d", v, lo, hi)
		if why != "" {
			reason += " (" + why + ")"
		}
		r.problem(col, reason)
		return nil
	}
	d, ok, why := parseDecimal(v, r.f.sep)
	if !ok || d.frac != "" {
		return fail(why)
	}
	n, err := strconv.ParseInt(cmp.Or(d.whole, "0"), 10, 64)
	if d.neg {
		n = -n
	}
	if err != nil || n < lo || n > hi {
		return fail("")
	}
	return &n
}

// decimal is a number as read from a file: its sign, and its digits before and after the
// decimal mark without leading or trailing zeros (zero has none).
type decimal struct {
	neg         bool
	whole, frac string
}

// parseDecimal reads a number written the way a spreadsheet writes it in the locale the
// file's separator shows. In a file separated by ';' (an Italian locale) the decimal mark is
// ',' and '.' may group thousands in threes: 1.234,5. In a file separated by ',' the
// decimal mark is '.' and nothing groups: 1234.5. A sign may lead. When s is not a number,
// the reason names the convention if s looks written in the other one.
func parseDecimal(s string, sep rune) (d decimal, ok bool, reason string) {
	mark, group, other := ",", ".", ""
	if sep != ';' {
		mark, group, other = ".", "", ","
	}
	t := s
	if t != "" && (t[0] == '-' || t[0] == '+') {
		d.neg, t = t[0] == '-', t[1:]
	}
	whole, frac, _ := strings.Cut(t, mark)
	switch {
	case other != "" && strings.Contains(t, other):
		return decimal{}, false, "in a file separated by ',' the decimal mark is '.', and nothing groups thousands"
	case group != "" && strings.Contains(frac, group):
		return decimal{}, false, "in a file separated by ';' the decimal mark is ','"
	case group != "" && strings.Contains(whole, group):
		groups := strings.Split(whole, group)
		ok := len(groups[0]) >= 1 && len(groups[0]) <= 3
		for _, g := range groups[1:] {
			ok = ok && len(g) == 3
		}
		if !ok {
			return decimal{}, false, "in a file separated by ';' the decimal mark is ',' and '.' groups thousands in threes"
		}
		whole = strings.ReplaceAll(whole, group, "")
	}
	digits := func(x string) bool { return strings.Trim(x, "0123456789") == "" }
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) || strings.HasSuffix(t, mark) {
		return decimal{}, false, ""
	}
	d.whole, d.frac = strings.TrimLeft(whole, "0"), strings.TrimRight(frac, "0")
	if d.whole == "" && d.frac == "" {
		d.neg = false
	}
	return d, true, ""
}

func (r *rowReader) taxCode(col int) string {
	v := r.required(col)
	if v == "" {
		return ""
	}
	c, err := codicefiscale.Parse(v)
	if err != nil {
		r.problem(col, "is not a valid tax code: "+codicefiscale.Reason(err))
		return ""
	}
	return c.String()
}

// organisationTaxCode reads an organisation's tax number: the 11 digits of its partita IVA
// (or of the numeric codice fiscale of a body without one), with or without the IT of the
// EU VAT form, or a sole trader's personal codice fiscale.
func (r *rowReader) organisationTaxCode(col int) string {
	v := strings.ToUpper(strings.Join(strings.Fields(r.required(col)), ""))
	if v == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(v, "IT"); ok && len(rest) == partitaiva.Len {
		v = rest
	}
	digits := strings.Trim(v, "0123456789") == ""
	switch {
	case len(v) == 16 && !digits:
		c, err := codicefiscale.Parse(v)
		if err != nil {
			r.problem(col, "is not a valid codice fiscale of a sole trader: "+codicefiscale.Reason(err))
			return ""
		}
		return c.String()
	case digits && len(v) < partitaiva.Len:
		reason := fmt.Sprintf("has %d digits, a VAT number %d: a spreadsheet drops leading zeros from a column of numbers "+
			"(format the column as text)", len(v), partitaiva.Len)
		if padded, err := partitaiva.Parse(strings.Repeat("0", partitaiva.Len-len(v)) + v); err == nil {
			reason += "; " + padded + " would be valid"
		}
		r.problem(col, reason)
		return ""
	}
	p, err := partitaiva.Parse(v)
	if err != nil {
		r.problem(col, "is not a valid VAT number (partita IVA): "+partitaiva.Reason(err))
		return ""
	}
	return p
}

func (r *rowReader) text(col int, maxLen int) string {
	v := r.required(col)
	if utf8.RuneCountInString(v) > maxLen {
		r.problem(col, fmt.Sprintf("is longer than %d characters", maxLen))
	}
	return v
}

// Text encodings of the files an import reads.
const (
	EncodingUTF8 = "utf-8"
	// EncodingWindows1252 is what Excel on Windows writes when a sheet is saved as plain
	// "CSV" rather than "CSV UTF-8".
	EncodingWindows1252 = "windows-1252"
)

// Decode returns the content of r as UTF-8, read in the named encoding: "" or utf-8 as it
// is, windows-1252 (also called latin1, iso-8859-1 or cp1252, which browsers read as
// Windows-1252 too) converted. A file said to be Windows-1252 that is UTF-8 is refused
// rather than garbled: one that starts with a UTF-8 byte-order mark, or whose non-ASCII
// bytes all form UTF-8 characters.
func Decode(r io.Reader, encoding string) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", EncodingUTF8, "utf8":
		return r, nil
	case EncodingWindows1252, "cp1252", "latin1", "iso-8859-1":
	default:
		return nil, fmt.Errorf("esf: unknown encoding %q: use %s or %s", encoding, EncodingUTF8, EncodingWindows1252)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("esf: read: %w", err)
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || utf8.Valid(b) && !isASCII(b) {
		return nil, errors.New("esf: the file is UTF-8 text, not Windows-1252: import it without --encoding")
	}
	return charmap.Windows1252.NewDecoder().Reader(bytes.NewReader(b)), nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
