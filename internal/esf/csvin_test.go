package esf_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// italian turns a comma-separated test file into what Excel saves in an Italian locale:
// ';' between fields, a byte-order mark, CRLF line ends.
func italian(s string) string {
	return "\ufeff" + strings.ReplaceAll(strings.ReplaceAll(s, ",", ";"), "\n", "\r\n")
}

// TestSemicolonFilesReadAsCommaFiles: each kind of file, saved by a spreadsheet in an
// Italian locale, gives the records of the same file separated by commas.
func TestSemicolonFilesReadAsCommaFiles(t *testing.T) {
	t.Parallel()
	woman := taxCode(1, "1990-05-10", 'F')
	ops := opsHeader + "J11B21000010001,ALI,PN Inclusione,P1,OS ix,LESS_DEVELOPED,PON Inclusione,2020-10-01,2022-12-31\n" +
		"OP2,Two,PN,P2,a,TRANSITION,FSE+,2021-01-01,\n"
	parts := strings.Join(esfimport.ParticipantsHeader, ",") + "\n" +
		"OP1," + woman + ",F,1990-05-10,2023-01-10,2023-06-30,UNEMPLOYED,14,3,Y,N,E,,N,\n"
	sits := strings.Join(esfimport.SituationsHeader, ",") + "\nOP1," + woman + ",2023-02-01,EMPLOYED\n"
	targets := strings.Join(esfimport.TargetsHeader, ",") + "\nOP1,COM,EECO01,100\nOP1,DPR,ALI_HOMES,12\n"

	sameRecords := func(t *testing.T, body string, parse func(io.Reader) (any, error)) {
		t.Helper()
		want, err := parse(strings.NewReader(body))
		require.NoError(t, err)
		got, err := parse(strings.NewReader(italian(body)))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	sameRecords(t, ops, func(r io.Reader) (any, error) { return esfimport.ParseOperations(r) })
	sameRecords(t, parts, func(r io.Reader) (any, error) { return esfimport.ParseParticipants(r) })
	sameRecords(t, sits, func(r io.Reader) (any, error) { return esfimport.ParseSituations(r) })
	sameRecords(t, targets, func(r io.Reader) (any, error) { return esfimport.ParseTargets(r) })

	t.Run("quoted fields holding the separator", func(t *testing.T) {
		rows, err := esfimport.ParseOperations(strings.NewReader(italian(opsHeader) +
			"OP3;\"Uno; due\";PN;P1;k;TRANSITION;\"FSE+, PN\";2020-10-01;\r\n"))
		require.NoError(t, err)
		require.Equal(t, "Uno; due", rows[0].Record.Name)
		require.Equal(t, "FSE+, PN", rows[0].Record.FundingSource)
	})
}

// TestNumbersFollowTheSeparator: in a ';' file the decimal mark is ',' and '.' groups
// thousands; in a ',' file the decimal mark is '.'. The numeric columns of the layouts
// (unemployment months, ISCED level, planned values) are whole numbers, so a decimal is
// accepted when it is whole and refused, with the reason, when it is not.
func TestNumbersFollowTheSeparator(t *testing.T) {
	t.Parallel()
	h := strings.Join(esfimport.TargetsHeader, ";") + "\n"
	rows, err := esfimport.ParseTargets(strings.NewReader(h + "OP1;COM;EECO01;100,00\nOP1;COM;EECO02;1.200\nOP1;DPR;HOURS;1.234.000,0\n" +
		"OP1;COM;EECO04;+7\nOP1;COM;EECO05;0,0\n"))
	require.NoError(t, err)
	var planned []int64
	for _, r := range rows {
		planned = append(planned, r.Record.Planned)
	}
	require.Equal(t, []int64{100, 1200, 1234000, 7, 0}, planned)

	_, err = esfimport.ParseTargets(strings.NewReader(h + "OP1;COM;EECO01;12,5\nOP1;COM;EECO02;12.5\nOP1;COM;EECO04;1.20\n" +
		"OP1;COM;EECO05;12,\nOP1;COM;EECO06;1,2,3\nOP1;COM;EECO07;-1\nOP1;COM;EECO08;1 200\n"))
	requireProblems(t, err,
		wantProblem{2, 4, `"12,5" is not a whole number from 0 to`},
		wantProblem{3, 4, `"12.5" is not a whole number from 0 to 9007199254740992 (in a file separated by ';' the decimal mark is ','`},
		wantProblem{4, 4, `'.' groups thousands in threes`},
		wantProblem{5, 4, `"12," is not a whole number`},
		wantProblem{6, 4, `"1,2,3" is not a whole number`},
		wantProblem{7, 4, `"-1" is not a whole number`},
		wantProblem{8, 4, `"1 200" is not a whole number`},
	)

	// A comma file: '.' is the decimal mark, a comma in a quoted number is refused.
	h = strings.Join(esfimport.TargetsHeader, ",") + "\n"
	rows, err = esfimport.ParseTargets(strings.NewReader(h + "OP1,COM,EECO01,100.0\n"))
	require.NoError(t, err)
	require.Equal(t, int64(100), rows[0].Record.Planned)
	_, err = esfimport.ParseTargets(strings.NewReader(h + "OP1,COM,EECO01,\"1,200\"\nOP1,COM,EECO02,1.200\n"))
	requireProblems(t, err,
		wantProblem{2, 4, `(in a file separated by ',' the decimal mark is '.', and nothing groups thousands)`},
		wantProblem{3, 4, `"1.200" is not a whole number`},
	)

	// The participants' whole numbers too.
	woman := taxCode(1, "1990-05-10", 'F')
	ph := strings.Join(esfimport.ParticipantsHeader, ";") + "\n"
	parts, err := esfimport.ParseParticipants(strings.NewReader(ph + "OP1;" + woman + ";F;10/05/1990;10/01/2023;;UNEMPLOYED;14,0;3,0;;;;;;\n"))
	require.NoError(t, err)
	require.Equal(t, 14, *parts[0].Record.UnemploymentMonths)
	require.Equal(t, 3, *parts[0].Record.ISCED)
	_, err = esfimport.ParseParticipants(strings.NewReader(ph + "OP1;" + woman + ";F;10/05/1990;10/01/2023;;UNEMPLOYED;14,5;3;;;;;;\n"))
	requireProblems(t, err, wantProblem{2, 8, `"14,5" is not a whole number from 0 to 1200`})
}

// TestDatesDayFirst: dates are YYYY-MM-DD or DD/MM/YYYY, as an Italian spreadsheet
// writes them, in any file.
func TestDatesDayFirst(t *testing.T) {
	t.Parallel()
	woman := taxCode(1, "1990-05-10", 'F')
	h := strings.Join(esfimport.SituationsHeader, ",") + "\n"
	rows, err := esfimport.ParseSituations(strings.NewReader(h + "OP1," + woman + ",01/02/2023,EMPLOYED\nOP1," + woman + ",3/4/2023,EMPLOYED\n"))
	require.NoError(t, err)
	require.Equal(t, "2023-02-01", rows[0].Record.Date.Format(esf.DateLayout))
	require.Equal(t, "2023-04-03", rows[1].Record.Date.Format(esf.DateLayout))
	_, err = esfimport.ParseSituations(strings.NewReader(h + "OP1," + woman + ",31/02/2023,EMPLOYED\nOP1," + woman + ",01/02/23,EMPLOYED\n" +
		"OP1," + woman + ",2023/02/01,EMPLOYED\nOP1," + woman + ",01/02/1800,EMPLOYED\nOP1," + woman + ",,EMPLOYED\n"))
	requireProblems(t, err,
		wantProblem{2, 3, `"31/02/2023" is not a date: want YYYY-MM-DD or DD/MM/YYYY`},
		wantProblem{3, 3, `"01/02/23" has a two-digit year`},
		wantProblem{4, 3, `"2023/02/01" is not a date`},
		wantProblem{5, 3, `"01/02/1800" is out of range`},
		wantProblem{6, 3, "is required (YYYY-MM-DD or DD/MM/YYYY)"},
	)
}

// TestWrongSeparatorIsNamed: a file separated by tabs or '|' is refused with one problem
// that says so, not one per missing column.
func TestWrongSeparatorIsNamed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ sep, name string }{{"\t", "tabs"}, {"|", "'|'"}} {
		body := strings.Join(esfimport.TargetsHeader, tc.sep) + "\nOP1" + tc.sep + "COM" + tc.sep + "EECO01" + tc.sep + "1\n"
		_, err := esfimport.ParseTargets(strings.NewReader(body))
		requireProblems(t, err, wantProblem{1, 0, `the header has one column "operation_code` + strings.ReplaceAll(tc.sep, "\t", `\t`) +
			"indicator_type"})
		got := problems(t, err)
		require.Contains(t, got[0].Reason, "the file seems separated by "+tc.name+"; use ',' or ';'")
		require.NotContains(t, got[0].Reason, "missing")
	}
	// Any other separator is named from the character after the first column's name.
	_, err := esfimport.ParseTargets(strings.NewReader("operation_code indicator_type indicator planned\n"))
	requireProblems(t, err, wantProblem{1, 0, "the file seems separated by spaces; use ',' or ';'"})
	_, err = esfimport.ParseTargets(strings.NewReader("\"operation_code\":\"indicator_type\":\"indicator\":\"planned\"\n"))
	requireProblems(t, err, wantProblem{1, 0, "the file seems separated by ':'"})
	_, err = esfimport.ParseTargets(strings.NewReader("operation_code \n"))
	requireProblems(t, err, wantProblem{1, 0, "column 2 (indicator_type) is missing"})

	// A first line "sep=" names the separator; the rows keep their line numbers.
	rows, err := esfimport.ParseTargets(strings.NewReader("sep=;\r\n" + strings.Join(esfimport.TargetsHeader, ";") + "\r\nOP1;COM;EECO01;1.200\r\n"))
	require.NoError(t, err)
	require.Equal(t, 3, rows[0].Row)
	require.Equal(t, int64(1200), rows[0].Record.Planned)
	_, err = esfimport.ParseTargets(strings.NewReader("SEP=,\n" + strings.Join(esfimport.TargetsHeader, ",") + "\nOP1,COM,EECO01,x\n\"OP1,COM\n"))
	requireProblems(t, err, wantProblem{3, 4, `"x" is not a whole number`}, wantProblem{4, 0, "malformed CSV at line 4"},
		wantProblem{4, 0, "the rest of the file was not read"})
	_, err = esfimport.ParseTargets(strings.NewReader("sep=;\nindicator\n"))
	requireProblems(t, err, wantProblem{2, 0, "the header must be exactly"})
	_, err = esfimport.ParseTargets(strings.NewReader("sep=|\n" + strings.Join(esfimport.TargetsHeader, "|") + "\n"))
	requireProblems(t, err, wantProblem{1, 0, `the first line "sep=|" declares the separator '|'; use ',' or ';'`})

	// A header that names the wrong columns still lists them, with the file's separator.
	_, err = esfimport.ParseSituations(strings.NewReader("operation_code;tax_code;day;situation\n"))
	requireProblems(t, err, wantProblem{1, 0, `exactly operation_code;tax_code;date;situation; column 3 is "day", expected date`})
}

// TestSpreadsheetLeftovers: the blank columns and rows a spreadsheet leaves around a
// table are ignored; a value outside the header's columns is not.
func TestSpreadsheetLeftovers(t *testing.T) {
	t.Parallel()
	woman := taxCode(1, "1990-05-10", 'F')
	h := strings.Join(esfimport.SituationsHeader, ";") + ";;\r\n"
	rows, err := esfimport.ParseSituations(strings.NewReader(h + "OP1;" + woman + ";2023-02-01;EMPLOYED;;\r\n;;;;;\r\n" +
		"OP1;" + woman + ";2023-02-02;EMPLOYED\r\n;;;;;\r\n"))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, 4, rows[1].Row)
	_, err = esfimport.ParseSituations(strings.NewReader(h + "OP1;" + woman + ";2023-02-01;EMPLOYED;note;\r\n" +
		"OP1;" + woman + ";2023-02-01;EMPLOYED;;;;\r\n"))
	requireProblems(t, err,
		wantProblem{2, 0, "has a value after the header's last column (situation)"},
		wantProblem{3, 0, "has 8 fields, the header has 4"},
	)
}

// TestEncodings: UTF-16 and lines ending in a bare CR are refused with the way out;
// Windows-1252 is read when said so, and a file that is not UTF-8 says how to read it
// once, not in every field.
func TestEncodings(t *testing.T) {
	t.Parallel()
	h := strings.Join(esfimport.OperationsHeader, ",") + "\n"
	row := "OP1,Caf\xe9 \x96 Societ\xe0,PN,P1,a,TRANSITION,FSE+,2021-01-01,\n"

	_, err := esfimport.ParseOperations(strings.NewReader(h + row + strings.Replace(row, "OP1", "OP2", 1)))
	requireProblems(t, err, wantProblem{2, 2, "--encoding windows-1252"}, wantProblem{3, 2, "is not valid UTF-8"})
	require.NotContains(t, problems(t, err)[1].Reason, "--encoding")

	r, err := esfimport.Decode(strings.NewReader(h+row), "Windows-1252")
	require.NoError(t, err)
	rows, err := esfimport.ParseOperations(r)
	require.NoError(t, err)
	require.Equal(t, "Café – Società", rows[0].Record.Name)
	for _, enc := range []string{"", "utf-8", "UTF8"} {
		r, err := esfimport.Decode(strings.NewReader("x"), enc)
		require.NoError(t, err)
		b, _ := io.ReadAll(r)
		require.Equal(t, "x", string(b))
	}
	_, err = esfimport.Decode(strings.NewReader(h+"OP1,Società,PN,P1,a,TRANSITION,FSE+,2021-01-01,\n"), "latin1")
	require.ErrorContains(t, err, "the file is UTF-8 text, not Windows-1252")
	_, err = esfimport.Decode(strings.NewReader("\ufeff"+h), "cp1252")
	require.ErrorContains(t, err, "the file is UTF-8 text")
	_, err = esfimport.Decode(strings.NewReader(h), "ebcdic")
	require.ErrorContains(t, err, `unknown encoding "ebcdic"`)

	_, err = esfimport.ParseOperations(bytes.NewReader(append([]byte{0xff, 0xfe}, []byte("c\x00o\x00")...)))
	requireProblems(t, err, wantProblem{0, 0, "UTF-16"})
	_, err = esfimport.ParseOperations(strings.NewReader(strings.ReplaceAll(h+row, "\n", "\r")))
	requireProblems(t, err, wantProblem{0, 0, "carriage return alone"})
	// A CR as the very last byte is a line end like any other.
	_, err = esfimport.ParseOperations(strings.NewReader(strings.TrimSuffix(h, "\n") + "\r"))
	require.NoError(t, err)
}

// TestFailedImportStoresNothing: an Italian file with a bad row loads none of its rows,
// and every problem names its row and column.
func TestFailedImportStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tx(func(tx *store.Tx) error {
		_, err := esfimport.ImportOperations(e.ctx, tx, strings.NewReader(opsHeader+operation("OP1")))
		return err
	})
	h := strings.Join(esfimport.TargetsHeader, ";") + "\r\n"
	err := e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
		_, err := esfimport.ImportTargets(e.ctx, tx, strings.NewReader("\ufeff"+h+"OP1;COM;EECO01;1.200\r\nOP9;COM;EECO01;10\r\n"))
		return err
	})
	requireProblems(t, err, wantProblem{3, 1, `no operation with code "OP9"`})
	err = e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
		_, err := esfimport.ImportTargets(e.ctx, tx, strings.NewReader(h+"OP1;COM;EECO01;1.200\r\nOP1;COM;EECO02;3,5\r\n"))
		return err
	})
	requireProblems(t, err, wantProblem{3, 4, `"3,5" is not a whole number`})
	e.tx(func(tx *store.Tx) error {
		targets, err := esfdata.Targets(e.ctx, tx, nil)
		require.NoError(t, err)
		require.Empty(t, targets, "neither file left a row behind")
		return nil
	})
	// The same file without the bad row loads, with the Italian number read right.
	e.tx(func(tx *store.Tx) error {
		res, err := esfimport.ImportTargets(e.ctx, tx, strings.NewReader(h+"OP1;COM;EECO01;1.200\r\n"))
		require.NoError(t, err)
		require.Equal(t, esfimport.ImportResult{Rows: 1, Inserted: 1}, res)
		targets, err := esfdata.Targets(e.ctx, tx, nil)
		require.NoError(t, err)
		require.Equal(t, int64(1200), targets[0].Planned)
		return nil
	})
}

// FuzzSeparators: any situations file, written with ',' or with ';' (and with a
// byte-order mark and CRLF line ends), reads the same: the same records, the same problems
// at the same rows and columns.
func FuzzSeparators(f *testing.F) {
	w := taxCode(1, "1990-05-10", 'F')
	f.Add("OP1", w, "2023-02-01", "EMPLOYED", "OP2", "x", "01/02/2023", "HIRED")
	f.Add("O;P", "a,b", "\"", "\r\n", "", "", "", "")
	f.Add("OP1", w, "1,5", "1.200", " ", "Caf\xe9", "31/02/2023", "EMPLOYED")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h, i string) {
		write := func(sep rune, crlf bool) string {
			var buf bytes.Buffer
			cw := csv.NewWriter(&buf)
			cw.Comma, cw.UseCRLF = sep, crlf
			for _, rec := range [][]string{esfimport.SituationsHeader, {a, b, c, d}, {e, g, h, i}} {
				if err := cw.Write(rec); err != nil {
					t.Skip("not writable as CSV")
				}
			}
			cw.Flush()
			return buf.String()
		}
		type outcome struct {
			Rows     []esfimport.Row[esfdata.SituationRecord]
			Problems [][2]int
		}
		parse := func(body string) outcome {
			rows, err := esfimport.ParseSituations(strings.NewReader(body))
			var o outcome
			o.Rows = rows
			var ie *esfimport.ImportError
			if errors.As(err, &ie) {
				for _, p := range ie.Problems {
					o.Problems = append(o.Problems, [2]int{p.Row, p.Column})
				}
			} else {
				require.NoError(t, err)
			}
			return o
		}
		comma := parse(write(',', false))
		require.Equal(t, comma, parse("\ufeff"+write(';', true)))
		require.Equal(t, comma, parse(write(';', false)))
	})
}
