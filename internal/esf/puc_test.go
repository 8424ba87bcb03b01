package esf_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/esf/igrue"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// pucFields splits a protocol file into records and their fields, checking the CRLF line
// endings on the way.
func pucFields(t *testing.T, body string) [][]string {
	t.Helper()
	require.True(t, strings.HasSuffix(body, "\r\n"), "records end in CRLF")
	var out [][]string
	for _, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		require.NotContains(t, line, "\n")
		out = append(out, strings.Split(line, "|"))
	}
	return out
}

func TestPUCRecords(t *testing.T) {
	t.Parallel()
	e, _ := reportData(t)
	e.tx(func(tx *store.Tx) error {
		_, err := esfimport.ImportTargets(e.ctx, tx, strings.NewReader("operation_code,indicator_type,indicator,planned\n"+
			"OP1,COM,EECO01,40\nOP1,COM,EECR04,3\nOP1,COM,EECR05,2\nOP1,DPR,ALI_HOMES,12\nOP3,COM,EECO01,10\nOP3,COM,EECR02,4\n"))
		return err
	})
	q := esf.Query{Cutoff: date("2023-12-31")}
	puc := func(pq igrue.PUCQuery) []igrue.PUCRecord {
		t.Helper()
		var recs []igrue.PUCRecord
		e.tx(func(tx *store.Tx) error {
			var err error
			recs, err = igrue.PUC(e.ctx, tx, pq)
			return err
		})
		return recs
	}
	// The values each operation reports on its own.
	value := func(op, indicator string) int64 {
		v, ok := only(t, e.compute(esf.Query{Cutoff: q.Cutoff, OperationCode: op})).Value(indicator)
		require.True(t, ok)
		return v.Total
	}

	for _, structure := range []string{igrue.StructureIN01, igrue.StructureIN00} {
		recs := puc(igrue.PUCQuery{Query: q, Structure: structure})
		// Every record is a common indicator with a target or a value, or a programme target.
		var want []string
		for _, op := range []string{"OP1", "OP2", "OP3"} {
			for _, ind := range esf.Indicators {
				if (structure == igrue.StructureIN00) != (ind.Kind == esf.Result) {
					continue
				}
				planned := map[string]bool{"OP1/EECO01": true, "OP1/EECR04": true, "OP1/EECR05": true, "OP3/EECO01": true, "OP3/EECR02": true}[op+"/"+ind.Code]
				if v := value(op, ind.Code); v > 0 || planned {
					want = append(want, op+"|COM|"+ind.Code+"|"+strconv.FormatInt(v, 10))
				}
			}
			if op == "OP1" && structure == igrue.StructureIN01 {
				want = append(want, "OP1|DPR|ALI_HOMES|")
			}
		}
		var got []string
		for _, r := range recs {
			require.Equal(t, structure, r.Structure)
			require.False(t, r.Cancelled)
			a := ""
			if r.Achieved != nil {
				a = strconv.FormatInt(*r.Achieved, 10)
			}
			got = append(got, r.OperationCode+"|"+r.Type+"|"+r.Indicator+"|"+a)
		}
		require.Equal(t, want, got, structure)
	}

	// IN01 in the protocol's layout: planned and achieved with two decimals after a comma,
	// the cancellation flag last.
	in01 := puc(igrue.PUCQuery{Query: q, Structure: igrue.StructureIN01})
	var buf bytes.Buffer
	require.NoError(t, igrue.WritePUC(&buf, in01))
	lines := pucFields(t, buf.String())
	require.Len(t, lines, len(in01))
	for _, l := range lines {
		require.Len(t, l, 6, "COD_LOCALE_PROGETTO|TIPO_INDICATORE_DI_OUTPUT|COD_INDICATORE|VAL_PROGRAMMATO|VALORE_REALIZZATO|FLG_CANCELLAZIONE")
	}
	require.Equal(t, []string{"OP1", "COM", "EECO01", "40,00", "3,00", ""}, lines[0])
	require.Contains(t, lines, []string{"OP1", "COM", "EECO12", "", "2,00", ""}, "a value without a target has no planned value")
	require.Contains(t, lines, []string{"OP1", "DPR", "ALI_HOMES", "12,00", "", ""}, "the hub does not compute programme indicators")
	require.Contains(t, lines, []string{"OP3", "COM", "EECO01", "10,00", "1,00", ""})
	require.NotContains(t, lines, []string{"OP2", "COM", "EECO02", "", "0,00", ""}, "neither a target nor a value")

	// IN00: the results, result targets included, tie the operation to its indicators; the
	// protocol's record has no value.
	in00 := puc(igrue.PUCQuery{Query: q, Structure: igrue.StructureIN00})
	buf.Reset()
	require.NoError(t, igrue.WritePUC(&buf, in00))
	lines = pucFields(t, buf.String())
	for _, l := range lines {
		require.Len(t, l, 4, "COD_LOCALE_PROGETTO|TIPO_INDICATORE_DI_RISULTATO|COD_INDICATORE|FLG_CANCELLAZIONE")
	}
	require.Contains(t, lines, []string{"OP1", "COM", "EECR04", ""})
	require.Contains(t, lines, []string{"OP1", "COM", "EECR05", ""}, "a result target")
	require.Contains(t, lines, []string{"OP3", "COM", "EECR02", ""}, "a result target with nothing achieved yet")
	require.Contains(t, lines, []string{"OP2", "COM", "EECR02", ""}, "eve in training upon leaving")

	// The review listing carries the results' targets and values.
	buf.Reset()
	require.NoError(t, igrue.WritePUCCSV(&buf, in00))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, igrue.PUCCSVHeader, rows[0])
	require.Contains(t, rows, []string{"IN00", "OP1", "COM", "EECR04", "3", strconv.FormatInt(value("OP1", "EECR04"), 10), "false"})
	require.Contains(t, rows, []string{"IN00", "OP3", "COM", "EECR02", "4", "0", "false"})

	// Against the last transmission: what the hub no longer produces comes back cancelled,
	// with the values it was sent with; what was already cancelled is not sent again.
	prev, err := igrue.ReadPUC(strings.NewReader("OP1|COM|EECO01|40,00|2,00|\r\n"+
		"OP1|COM|EECO06|5,00|0,00|\r\n"+
		"OP1|DPR|ALI_OLD|3,00||S\r\n"+
		"\r\n"+
		"GONE|COM|EECO01|7,00|7,00|N\n"), igrue.StructureIN01)
	require.NoError(t, err)
	require.Len(t, prev, 4)
	recs := puc(igrue.PUCQuery{Query: q, Structure: igrue.StructureIN01, Previous: prev})
	require.Len(t, recs, len(in01)+2)
	require.Equal(t, in01, recs[:len(in01)], "the current records come first, unchanged")
	buf.Reset()
	require.NoError(t, igrue.WritePUC(&buf, recs[len(in01):]))
	require.Equal(t, "GONE|COM|EECO01|7,00|7,00|S\r\nOP1|COM|EECO06|5,00|0,00|S\r\n", buf.String())
	// With a filter, only the operations it selects are compared.
	recs = puc(igrue.PUCQuery{Query: esf.Query{Cutoff: q.Cutoff, OperationCode: "OP1"}, Structure: igrue.StructureIN01, Previous: prev})
	var cancelled []string
	for _, r := range recs {
		if r.Cancelled {
			cancelled = append(cancelled, r.OperationCode+"/"+r.Indicator)
		}
	}
	require.Equal(t, []string{"OP1/EECO06"}, cancelled)

	// What the hub writes it reads back.
	buf.Reset()
	require.NoError(t, igrue.WritePUC(&buf, in01))
	back, err := igrue.ReadPUC(&buf, igrue.StructureIN01)
	require.NoError(t, err)
	require.Equal(t, in01, back)

	e.tx(func(tx *store.Tx) error {
		_, err := igrue.PUC(e.ctx, tx, igrue.PUCQuery{Query: q, Structure: "IN02"})
		ie, ok := apperr.AsInput(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, "structure", ie.Fields[0].Field)
		_, err = igrue.PUC(e.ctx, tx, igrue.PUCQuery{Query: q, Structure: igrue.StructureIN00, Previous: prev})
		ie, ok = apperr.AsInput(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, "previous", ie.Fields[0].Field)
		return nil
	})
}

func TestReadPUCRejects(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct{ structure, body, err string }{
		"fields":    {igrue.StructureIN01, "OP1|COM|EECO01|1,00|\r\n", "line 1: not a PUC indicator file: 5 fields, want 6"},
		"in00":      {igrue.StructureIN00, "OP1|COM|EECR01|1,00|1,00|\r\n", "6 fields, want 4"},
		"type":      {igrue.StructureIN00, "\r\nOP1|XYZ|EECR01|\r\n", `line 2: not a PUC indicator file: indicator type "XYZ" is not COM or DPR`},
		"code":      {igrue.StructureIN00, "|COM|EECR01|\r\n", "the operation code and the indicator code are required"},
		"fraction":  {igrue.StructureIN01, "OP1|DPR|X|12,50||\r\n", `planned value: "12,50" is not a whole number`},
		"point":     {igrue.StructureIN01, "OP1|DPR|X|||12.00|\r\n", "7 fields, want 6"},
		"decimal":   {igrue.StructureIN01, "OP1|DPR|X||12.00|\r\n", `achieved value: "12.00" is not a number with a decimal comma`},
		"separator": {igrue.StructureIN01, "OP1|DPR|X|1.200,00||\r\n", `planned value: "1.200,00" is not a number with a decimal comma`},
		"number":    {igrue.StructureIN01, "OP1|DPR|X|-1,00||\r\n", `planned value: "-1,00" is not a number with a decimal comma`},
		"flag":      {igrue.StructureIN00, "OP1|COM|EECR01|Y\r\n", `cancellation flag "Y" is not S, N or empty`},
		"structure": {"IN02", "", `structure "IN02" is not IN00 or IN01`},
	} {
		_, err := igrue.ReadPUC(strings.NewReader(c.body), c.structure)
		require.ErrorContains(t, err, c.err, name)
		if name != "structure" {
			require.True(t, errors.Is(err, igrue.ErrPUCFile), name)
		}
	}
	recs, err := igrue.ReadPUC(strings.NewReader("OP1|DPR|X|12|0,0|\nOP1|COM|EECO01|||S"), igrue.StructureIN01)
	require.NoError(t, err, "whole numbers with or without decimals, LF endings, no final line break")
	require.Equal(t, int64(12), *recs[0].Planned)
	require.Zero(t, *recs[0].Achieved)
	require.Nil(t, recs[1].Planned)
	require.True(t, recs[1].Cancelled)

	require.ErrorContains(t, igrue.WritePUC(&bytes.Buffer{}, []igrue.PUCRecord{{Structure: "IN01", OperationCode: "A|B", Type: "COM", Indicator: "EECO01"}}),
		"field separator")
}

func FuzzReadPUC(f *testing.F) {
	f.Add("OP1|COM|EECO01|40,00|3,00|\r\nOP1|DPR|ALI_HOMES|12,00||S\r\n", true)
	f.Add("OP1|COM|EECR04|\r\n\r\nOP2|DPR|R1|N\n", false)
	f.Add("OP1|COM|EECO01|1,5|2|\n", true)
	f.Add("||||||", true)
	f.Fuzz(func(t *testing.T, body string, output bool) {
		structure := igrue.StructureIN00
		if output {
			structure = igrue.StructureIN01
		}
		recs, err := igrue.ReadPUC(strings.NewReader(body), structure)
		if err != nil {
			return
		}
		// What reads back is written and read again unchanged.
		var buf bytes.Buffer
		if err := igrue.WritePUC(&buf, recs); err != nil {
			return
		}
		again, err := igrue.ReadPUC(&buf, structure)
		require.NoError(t, err)
		require.Equal(t, recs, again)
	})
}
