package esf_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// problems returns the problems of an import error as "row:column:reason-fragment" lines
// for comparison, failing the test when err is not an *ImportError.
func problems(t *testing.T, err error) []esfimport.Problem {
	t.Helper()
	var ie *esfimport.ImportError
	require.True(t, errors.As(err, &ie), "want an *ImportError, got %v", err)
	// Every import error is bad input for the API.
	_, ok := apperr.AsInput(err)
	require.True(t, ok)
	return ie.Problems
}

type wantProblem struct {
	row, col int
	reason   string
}

func requireProblems(t *testing.T, err error, want ...wantProblem) {
	t.Helper()
	got := problems(t, err)
	require.Len(t, got, len(want), "%v", got)
	for i, w := range want {
		require.Equal(t, w.row, got[i].Row, "problem %d: %v", i, got[i])
		require.Equal(t, w.col, got[i].Column, "problem %d: %v", i, got[i])
		require.Contains(t, got[i].Reason, w.reason, "problem %d", i)
	}
}

func TestParseOperations(t *testing.T) {
	t.Parallel()
	header := strings.Join(esfimport.OperationsHeader, ",") + "\n"
	t.Run("valid, with a byte-order mark, blank lines and every objective spelling", func(t *testing.T) {
		rows, err := esfimport.ParseOperations(strings.NewReader("\ufeff" + header +
			"J11B21000010001,ALI,PN Inclusione,P1,OS ix,LESS_DEVELOPED,PON Inclusione,2020-10-01,2022-12-31\n\n" +
			"OP2, Two ,PN,P2,a,TRANSITION,FSE+,2021-01-01,\n" +
			"OP3,Three,PN,P2,ESO4.8,MORE_DEVELOPED,FSE+,2021-01-01,\n"))
		require.NoError(t, err)
		require.Len(t, rows, 3)
		require.Equal(t, 2, rows[0].Row)
		require.Equal(t, "ESO4.11", rows[0].Record.SpecificObjective)
		require.Equal(t, "2022-12-31", rows[0].Record.EndsOn.Format(esf.DateLayout))
		require.Equal(t, 4, rows[1].Row)
		require.Equal(t, "Two", rows[1].Record.Name)
		require.Equal(t, "ESO4.1", rows[1].Record.SpecificObjective)
		require.Nil(t, rows[1].Record.EndsOn)
		require.Equal(t, "ESO4.8", rows[2].Record.SpecificObjective)
	})
	t.Run("every problem, with its row and column", func(t *testing.T) {
		_, err := esfimport.ParseOperations(strings.NewReader(header +
			"OP1,One,PN,P1,OS iii,NORTH,FSE+,2021-13-01,\n" +
			",Two,PN,P1,ESO4.1,TRANSITION,FSE+,2021-01-01,2020-01-01\n" +
			"OP1,One again,PN,P1,ESO4.1,TRANSITION,FSE+,2021-01-01,\n" +
			"OP4,Four,PN\n"))
		requireProblems(t, err,
			wantProblem{2, 5, "split"},
			wantProblem{2, 6, `"NORTH" is not one of LESS_DEVELOPED, TRANSITION, MORE_DEVELOPED`},
			wantProblem{2, 8, "not a date"},
			wantProblem{3, 1, "is required"},
			wantProblem{3, 9, "is before start_date"},
			wantProblem{4, 1, "already given in row 2"},
			wantProblem{5, 0, "has 3 fields, the header has 9"},
		)
	})
	t.Run("the header must be exact", func(t *testing.T) {
		_, err := esfimport.ParseOperations(strings.NewReader("code,name,programme,priority,objective,category_of_region,funding_source,start_date\n"))
		requireProblems(t, err, wantProblem{1, 0, `column 5 is "objective", expected specific_objective; column 9 (end_date) is missing`})
		_, err = esfimport.ParseOperations(strings.NewReader(""))
		requireProblems(t, err, wantProblem{0, 0, "the file is empty"})
	})
	t.Run("malformed CSV stops the reading and says where", func(t *testing.T) {
		_, err := esfimport.ParseOperations(strings.NewReader(header + `OP1,"One,PN` + "\n"))
		got := problems(t, err)
		require.Contains(t, got[0].String(), "row 2: malformed CSV")
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		_, err := esfimport.ParseOperations(strings.NewReader(header + "OP1,Caf\xe9,PN,P1,a,TRANSITION,FSE+,2021-01-01,\n"))
		requireProblems(t, err, wantProblem{2, 2, "not valid UTF-8"})
	})
}

func TestParseParticipants(t *testing.T) {
	t.Parallel()
	header := strings.Join(esfimport.ParticipantsHeader, ",") + "\n"
	woman := taxCode(1, "1990-05-10", 'F')
	rows, err := esfimport.ParseParticipants(strings.NewReader(header +
		"OP1," + strings.ToLower(woman) + ",F,1990-05-10,2023-01-10,2023-06-30,UNEMPLOYED,14,3,Y,N,E,,N,\n" +
		"OP1," + woman + ",,,2023-09-01,,INACTIVE,,,,,,,,\n"))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	r := rows[0].Record
	require.Equal(t, woman, r.TaxCode, "tax codes are stored upper-case")
	require.Equal(t, "F", *r.Gender)
	require.Equal(t, 14, *r.UnemploymentMonths)
	require.Equal(t, 3, *r.ISCED)
	require.Equal(t, "E", *r.ForeignBackground)
	require.Nil(t, r.Minority, "a blank flag is unknown")
	r = rows[1].Record
	require.Nil(t, r.Gender)
	require.Nil(t, r.BirthDate)
	require.Nil(t, r.ExitDate)
	require.Nil(t, r.ISCED)

	_, err = esfimport.ParseParticipants(strings.NewReader(header +
		"OP1,RSSMRA68A01H501X,W,1990-02-30,,2023-01-01,WORKING,x,9,YES,,,,,\n" +
		"OP1," + woman + ",F,2024-01-01,2023-01-10,2023-01-09,EMPLOYED,12,3,,,,,,\n" +
		"OP1," + woman + ",F,1990-05-10,2023-01-10,,INACTIVE,,3,,,,,,\n" +
		"OP1," + woman + ",F,1990-05-10,2023-01-10,,INACTIVE,,3,,,,,,\n"))
	requireProblems(t, err,
		wantProblem{2, 2, "not a valid tax code: check character"},
		wantProblem{2, 3, `"W" is not one of F, M, NB`},
		wantProblem{2, 4, `"1990-02-30" is not a date`},
		wantProblem{2, 7, `"WORKING" is not one of UNEMPLOYED, INACTIVE, EMPLOYED`},
		wantProblem{2, 10, `"YES" is not one of Y, N, E`},
		wantProblem{2, 5, "is required"},
		wantProblem{2, 8, `"x" is not a whole number from 0 to 1200`},
		wantProblem{2, 9, `"9" is not a whole number from 0 to 8`},
		wantProblem{3, 8, "only given for employment_status UNEMPLOYED"},
		wantProblem{3, 6, "is before entry_date"},
		wantProblem{3, 4, "is after entry_date"},
		wantProblem{4, 5, "already given in row 3"},
		wantProblem{5, 5, "already given in row 4"},
	)
}

func TestParseSituationsAndTargets(t *testing.T) {
	t.Parallel()
	woman := taxCode(1, "1990-05-10", 'F')
	sits, err := esfimport.ParseSituations(strings.NewReader("operation_code,tax_code,date,situation\nOP1," + woman + ",2023-02-01,EMPLOYED\n"))
	require.NoError(t, err)
	require.Equal(t, "EMPLOYED", sits[0].Record.Situation)
	_, err = esfimport.ParseSituations(strings.NewReader("operation_code,tax_code,date,situation\nOP1," + woman + ",,HIRED\n,ABC,2023-01-01,INACTIVE\n"))
	requireProblems(t, err,
		wantProblem{2, 3, "is required"},
		wantProblem{2, 4, `"HIRED" is not one of JOB_SEARCHING`},
		wantProblem{3, 1, "is required"},
		wantProblem{3, 2, "must be 16 characters"},
	)

	targets, err := esfimport.ParseTargets(strings.NewReader("operation_code,indicator_type,indicator,planned\nOP1,COM,eeco01,100\nOP1,DPR,ALI_HOMES,12\n"))
	require.NoError(t, err)
	require.Equal(t, "EECO01", targets[0].Record.Indicator)
	require.Equal(t, int64(12), targets[1].Record.Planned)
	_, err = esfimport.ParseTargets(strings.NewReader("operation_code,indicator_type,indicator,planned\nOP1,COM,EECO99,1\nOP1,XYZ,EECO01,-1\nOP1,DPR,BAD-CODE,\nOP1,COM,EECO02,1\nOP1,COM,EECO02,2\n"))
	requireProblems(t, err,
		wantProblem{2, 3, "not a common indicator"},
		wantProblem{3, 2, `"XYZ" is not one of COM, DPR`},
		wantProblem{3, 4, "not a whole number"},
		wantProblem{4, 3, "not an indicator code"},
		wantProblem{4, 4, "is required"},
		wantProblem{6, 3, "already given in row 5"},
	)
}

func TestImportIdempotentAndAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ops := opsHeader + operation("OP1") + operation("OP2")
	a, b := taxCode(1, "1990-05-10", 'F'), taxCode(2, "1985-01-20", 'M')
	parts := strings.Join(esfimport.ParticipantsHeader, ",") + "\n" +
		"OP1," + a + ",F,1990-05-10,2023-01-10,2023-03-31,UNEMPLOYED,8,3,N,N,N,N,N,N\n" +
		"OP1," + b + ",,,2023-02-10,,EMPLOYED,,6,E,,,,,\n" +
		"OP2," + a + ",F,1990-05-10,2023-04-01,,INACTIVE,,3,N,N,N,N,N,N\n"
	sits := "operation_code,tax_code,date,situation\nOP1," + a + ",2023-04-10,EMPLOYED\nOP1," + a + ",2023-04-10,EMPLOYED\n"

	imp := func(kind, body string) (esfimport.ImportResult, error) {
		var res esfimport.ImportResult
		err := e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
			var err error
			switch kind {
			case "operations":
				res, err = esfimport.ImportOperations(e.ctx, tx, strings.NewReader(body))
			case "participants":
				res, err = esfimport.ImportParticipants(e.ctx, tx, strings.NewReader(body))
			case "situations":
				res, err = esfimport.ImportSituations(e.ctx, tx, strings.NewReader(body))
			}
			return err
		})
		return res, err
	}
	res, err := imp("operations", ops)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 2, Inserted: 2}, res)
	res, err = imp("participants", parts)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 3, Inserted: 3}, res)
	res, err = imp("situations", sits)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 2, Inserted: 1, Unchanged: 1}, res)
	before := e.compute(esf.Query{Cutoff: date("2024-12-31")})

	// The same files again change nothing.
	res, err = imp("operations", ops)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 2, Unchanged: 2}, res)
	res, err = imp("participants", parts)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 3, Unchanged: 3}, res)
	res, err = imp("situations", sits)
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 2, Unchanged: 2}, res)
	require.Equal(t, before, e.compute(esf.Query{Cutoff: date("2024-12-31")}))

	// A changed row is updated in place.
	res, err = imp("participants", strings.Replace(parts, "2023-02-10,,EMPLOYED", "2023-02-10,2023-05-31,EMPLOYED", 1))
	require.NoError(t, err)
	require.Equal(t, esfimport.ImportResult{Rows: 3, Updated: 1, Unchanged: 2}, res)

	// A file with one bad reference loads nothing and names the row and column.
	c := taxCode(3, "1970-01-01", 'M')
	_, err = imp("participants", strings.Join(esfimport.ParticipantsHeader, ",")+"\n"+
		"OP1,"+c+",M,1970-01-01,2023-05-01,,INACTIVE,,3,,,,,,\n"+
		"OP9,"+c+",M,1970-01-01,2023-05-01,,INACTIVE,,3,,,,,,\n")
	requireProblems(t, err, wantProblem{3, 1, `no operation with code "OP9"`})
	_, err = imp("situations", "operation_code,tax_code,date,situation\nOP1,"+c+",2023-06-01,EMPLOYED\nOP2,"+b+",2023-06-01,EMPLOYED\nOP3,"+a+",2023-06-01,EMPLOYED\n")
	requireProblems(t, err,
		wantProblem{2, 2, `no participation in operation "OP1"`},
		wantProblem{3, 2, `no participation in operation "OP2"`},
		wantProblem{4, 1, `no operation with code "OP3"`})
	after := e.compute(esf.Query{Cutoff: date("2024-12-31"), OperationCode: "OP1"})
	v, _ := only(t, after).Value("EECO01")
	require.Equal(t, int64(2), v.Total, "the failed file left nothing behind")

	// The person the file introduced is registered with empty names and its birth data.
	e.tx(func(tx *store.Tx) error {
		id, err := esfdata.PersonIDByTaxCode(e.ctx, tx, b)
		require.NoError(t, err)
		ps, err := casedata.PersonsByIDs(e.ctx, tx, []string{id})
		require.NoError(t, err)
		require.Len(t, ps, 1)
		require.Equal(t, "", ps[0].GivenName)
		require.Equal(t, "", ps[0].FamilyName)
		return nil
	})
}

// fuzzParser checks what every parser promises whatever the input: no panic, and either
// records or an *ImportError whose problems name a row and a column of the header.
func fuzzParser[T any](t *testing.T, header []string, data []byte, parse func(*strings.Reader) ([]esfimport.Row[T], error)) {
	rows, err := parse(strings.NewReader(string(data)))
	if err != nil {
		var ie *esfimport.ImportError
		require.True(t, errors.As(err, &ie), "%v", err)
		require.NotEmpty(t, ie.Problems)
		for _, p := range ie.Problems {
			require.GreaterOrEqual(t, p.Row, 0)
			require.GreaterOrEqual(t, p.Column, 0)
			require.LessOrEqual(t, p.Column, len(header))
			if p.Column > 0 {
				require.Equal(t, header[p.Column-1], p.Name)
			}
			require.True(t, utf8.ValidString(p.Reason) || strings.Contains(p.Reason, "UTF-8"), "reason %q", p.Reason)
		}
		require.Nil(t, rows)
		return
	}
	for _, r := range rows {
		require.GreaterOrEqual(t, r.Row, 2)
	}
}

func FuzzParseOperations(f *testing.F) {
	h := strings.Join(esfimport.OperationsHeader, ",") + "\n"
	f.Add([]byte(h + "OP1,One,PN,P1,OS ix,LESS_DEVELOPED,FSE+,2020-10-01,2022-12-31\n"))
	f.Add([]byte(h + "OP1,\"One, two\",PN,P1,k,TRANSITION,FSE+,2020-10-01,\n\n"))
	f.Add([]byte(h + "OP1,One,PN\n\"unterminated"))
	f.Add([]byte("code\n"))
	f.Add([]byte{})
	f.Add([]byte("\ufeff" + strings.ReplaceAll(h, ",", ";") + "OP1;\"Uno; due\";PN;P1;k;TRANSITION;FSE+;01/10/2020;\r\n;;;;;;;;\r\n"))
	f.Add([]byte(strings.ReplaceAll(h, ",", "\t")))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParser(t, esfimport.OperationsHeader, data, func(r *strings.Reader) ([]esfimport.Row[casedata.Operation], error) {
			return esfimport.ParseOperations(r)
		})
	})
}

func FuzzParseParticipants(f *testing.F) {
	h := strings.Join(esfimport.ParticipantsHeader, ",") + "\n"
	w := taxCode(1, "1990-05-10", 'F')
	f.Add([]byte(h + "OP1," + w + ",F,1990-05-10,2023-01-10,2023-06-30,UNEMPLOYED,14,3,Y,N,E,,N,\n"))
	f.Add([]byte(h + "OP1," + w + ",,,2023-09-01,,,,,,,,,,\n"))
	f.Add([]byte(h + "OP1,RSSMRA68A01H501X,W,1990-02-30,,2023-01-01,WORKING,x,9,YES,,,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParser(t, esfimport.ParticipantsHeader, data, func(r *strings.Reader) ([]esfimport.Row[esfdata.ParticipationRecord], error) {
			return esfimport.ParseParticipants(r)
		})
	})
}

func FuzzParseSituations(f *testing.F) {
	h := strings.Join(esfimport.SituationsHeader, ",") + "\n"
	f.Add([]byte(h + "OP1," + taxCode(1, "1990-05-10", 'F') + ",2023-02-01,EMPLOYED\n"))
	f.Add([]byte(h + "OP1,abc,2023-02-31,HIRED\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParser(t, esfimport.SituationsHeader, data, func(r *strings.Reader) ([]esfimport.Row[esfdata.SituationRecord], error) {
			return esfimport.ParseSituations(r)
		})
	})
}

func FuzzParseTargets(f *testing.F) {
	h := strings.Join(esfimport.TargetsHeader, ",") + "\n"
	f.Add([]byte(h + "OP1,COM,EECO01,100\nOP1,DPR,ALI_HOMES,12\n"))
	f.Add([]byte(h + "OP1,COM,EECO99,-1\n"))
	f.Add([]byte(strings.ReplaceAll(h, ",", ";") + "OP1;COM;EECO01;1.200,00\r\nOP1;DPR;X;12,5;;\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParser(t, esfimport.TargetsHeader, data, func(r *strings.Reader) ([]esfimport.Row[esfdata.TargetRecord], error) {
			return esfimport.ParseTargets(r)
		})
	})
}
