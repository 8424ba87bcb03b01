package esf

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ponte-hub/ponte/internal/apperr"
	"github.com/ponte-hub/ponte/internal/codicefiscale"
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

// csvFile reads a comma-separated UTF-8 file whose header must be exactly want, handing
// each data row to a rowReader that records problems against it.
type csvFile struct {
	file     string
	want     []string
	problems []Problem
}

// Dates outside these years are typing errors in a participant record.
const minYear, maxYear = 1900, 2199

// maxProblems bounds the list so a wrong file does not produce millions of lines.
const maxProblems = 1000

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
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		f.add(Problem{Reason: "the file is empty: it needs the header " + strings.Join(f.want, ",")})
		return
	}
	if err != nil {
		f.add(csvProblem(err, 1))
		return
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if !f.header(header) {
		return
	}
	row := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = pe.StartLine
			}
			f.add(csvProblem(err, row))
			f.add(Problem{Row: row, Reason: "the rest of the file was not read"})
			return
		}
		// The row is the line the record starts on, as an editor shows it: blank lines
		// (which the reader skips) and line breaks inside quotes count.
		row, _ = cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of blanks
		}
		if len(rec) != len(f.want) {
			f.add(Problem{Row: row, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(f.want))})
			continue
		}
		rr := &rowReader{f: f, row: row, rec: rec}
		for i, v := range rec {
			switch {
			case !utf8.ValidString(v):
				rr.problem(i, "is not valid UTF-8")
			case strings.ContainsRune(v, 0):
				rr.problem(i, "contains a NUL character")
			}
		}
		if !rr.bad {
			fn(rr)
		}
	}
}

func csvProblem(err error, row int) Problem {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Problem{Row: row, Reason: fmt.Sprintf("malformed CSV at line %d, character %d: %v", pe.Line, pe.Column, pe.Err)}
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
	reason := "the header must be exactly " + strings.Join(f.want, ",")
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
	f.add(Problem{Row: 1, Reason: reason})
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
			r.problem(col, "is required (YYYY-MM-DD)")
		}
		return nil
	}
	d, err := time.Parse(DateLayout, v)
	if err != nil {
		r.problem(col, fmt.Sprintf("%q is not a date: want YYYY-MM-DD", v))
		return nil
	}
	if y := d.Year(); y < minYear || y > maxYear {
		r.problem(col, fmt.Sprintf("%q is out of range: years %d-%d", v, minYear, maxYear))
		return nil
	}
	return &d
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

func (r *rowReader) integer(col int, lo, hi int64) *int64 {
	v := r.value(col)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		r.problem(col, fmt.Sprintf("%q is not a whole number from %d to %d", v, lo, hi))
		return nil
	}
	return &n
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

func (r *rowReader) text(col int, maxLen int) string {
	v := r.required(col)
	if utf8.RuneCountInString(v) > maxLen {
		r.problem(col, fmt.Sprintf("is longer than %d characters", maxLen))
	}
	return v
}
