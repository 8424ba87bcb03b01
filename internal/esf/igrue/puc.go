package igrue

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// The indicator structures of the national monitoring protocol (IGRUE "Protocollo Unico di
// Colloquio", PUC) as the 2014-2020 protocol defines them, version 1.4 of November 2016:
// section 4.8 "Indicatori di Risultato e Fisici" holds IN00 (result indicators) and IN01
// (output indicators), and its Appendix A1 splits each into common (COM) and programme
// (DPR) indicators. The fields, their order, the number format and the cancellation flag
// are those of a system in production that transmits these structures: Regione
// Emilia-Romagna's SFINGE 2020 (github.com/RegioneER/rer.sfinge2020, MonitoraggioBundle
// entities IN00IndicatoriRisultato, IN01IndicatoriOutput and StrutturaCancellabile):
//
//	IN00  COD_LOCALE_PROGETTO | TIPO_INDICATORE_DI_RISULTATO | COD_INDICATORE | FLG_CANCELLAZIONE
//	IN01  COD_LOCALE_PROGETTO | TIPO_INDICATORE_DI_OUTPUT | COD_INDICATORE | VAL_PROGRAMMATO | VALORE_REALIZZATO | FLG_CANCELLAZIONE
//
// Values carry two decimals after a decimal comma and no thousands separator ("1234,00");
// FLG_CANCELLAZIONE is "S" on a record that withdraws one sent before, empty otherwise.
// IN00 carries no value: it ties the operation to a result indicator, and the planned and
// achieved values of results travel only in the review listing (WritePUCCSV). The
// 2021-2027 protocol (RGS circulars 20/2023 and 2/2024) was not available; nor was the
// file envelope (header and trailer records) the transmitting system adds, nor the
// protocol's national codes of the common indicators (context tables TC42 and TC44): the
// records carry the Commission's codes (EECO01, EECR04).
const (
	StructureIN00 = "IN00"
	StructureIN01 = "IN01"
)

// PUC indicator types: a common indicator of the regulation, or one the programme defines.
const (
	IndicatorCommon    = "COM"
	IndicatorProgramme = "DPR"
)

// pucCancelled is the value of FLG_CANCELLAZIONE on a withdrawn record.
const pucCancelled = "S"

// PUCRecord is one record of the protocol's IN00 or IN01 structure for one operation.
type PUCRecord struct {
	Structure     string `json:"structure"`
	OperationCode string `json:"operation_code"`
	// Type is COM or DPR.
	Type      string `json:"type"`
	Indicator string `json:"indicator"`
	// Planned is the target from operation_indicator_targets; nil when none is set.
	Planned *int64 `json:"planned,omitempty"`
	// Achieved is the value at the cut-off; nil for programme-specific indicators, which the
	// hub does not compute.
	Achieved *int64 `json:"achieved,omitempty"`
	// Cancelled sets FLG_CANCELLAZIONE: the record withdraws one transmitted before.
	Cancelled bool `json:"cancelled,omitempty"`
}

// PUCQuery asks for the records of one structure.
type PUCQuery struct {
	esf.Query
	// Structure is IN00 or IN01.
	Structure string
	// Previous are the records of the structure as last transmitted: each one the
	// operations in scope no longer produce comes back cancelled. With a filter, only the
	// operations the filter selects are compared.
	Previous []PUCRecord
}

// PUC returns the records of one indicator structure for the operations in scope at the
// cut-off, by operation code. An operation has a record for each common indicator of the
// structure that has a target or a value above zero; IN01 also has one for each
// programme-specific target (the targets file does not say whether one measures an output
// or a result, and the hub computes neither). A common indicator with a value but no
// target comes without a planned value, which the national system requires: import its
// target. Records of q.Previous that are no longer produced follow, cancelled.
func PUC(ctx context.Context, tx *store.Tx, q PUCQuery) ([]PUCRecord, error) {
	var kind func(esf.Indicator) bool
	switch q.Structure {
	case StructureIN00:
		kind = func(ind esf.Indicator) bool { return ind.Kind == esf.Result }
	case StructureIN01:
		kind = func(ind esf.Indicator) bool { return ind.Kind != esf.Result }
	default:
		return nil, fmt.Errorf("esf: puc: %w", apperr.Inputf("structure", "must be %s or %s, got %q", StructureIN00, StructureIN01, q.Structure))
	}
	for i, p := range q.Previous {
		if p.Structure != q.Structure {
			return nil, fmt.Errorf("esf: puc: %w", apperr.Inputf("previous", "record %d is of structure %s, not %s", i+1, p.Structure, q.Structure))
		}
	}
	ov, err := esf.ValuesByOperation(ctx, tx, q.Query)
	if err != nil {
		return nil, err
	}
	var out []PUCRecord
	key := func(r PUCRecord) string { return r.OperationCode + "\x00" + r.Type + "\x00" + r.Indicator }
	produced := map[string]bool{}
	inScope := map[string]bool{}
	for _, o := range ov.Ops {
		inScope[o.Code] = true
		g := ov.Values[o.ID]
		for i, ind := range esf.Indicators {
			if !kind(ind) {
				continue
			}
			rec := PUCRecord{Structure: q.Structure, OperationCode: o.Code, Type: IndicatorCommon, Indicator: ind.Code}
			if x, ok := ov.Targets[o.ID][ind.Code]; ok && x.IndicatorType == IndicatorCommon {
				rec.Planned = ptr(x.Planned)
			}
			if achieved := g.Values[i].Total; achieved > 0 || rec.Planned != nil {
				rec.Achieved = ptr(achieved)
				out = append(out, rec)
			}
		}
		if q.Structure == StructureIN01 {
			for _, x := range ov.ProgrammeTargets(o.ID) {
				out = append(out, PUCRecord{Structure: q.Structure, OperationCode: o.Code, Type: IndicatorProgramme,
					Indicator: x.Indicator, Planned: ptr(x.Planned)})
			}
		}
	}
	for _, r := range out {
		produced[key(r)] = true
	}
	var cancelled []PUCRecord
	for _, p := range q.Previous {
		if p.Cancelled || produced[key(p)] || (q.Filtered() && !inScope[p.OperationCode]) {
			continue
		}
		produced[key(p)] = true
		p.Cancelled = true
		cancelled = append(cancelled, p)
	}
	sort.SliceStable(cancelled, func(i, j int) bool { return key(cancelled[i]) < key(cancelled[j]) })
	return append(out, cancelled...), nil
}

// WritePUC writes the records in the protocol's layout, one per line (CRLF), fields
// separated by "|", values with two decimals after a comma; an unknown value is an empty
// field. No header: the transmitting system wraps the records in its own envelope.
func WritePUC(w io.Writer, recs []PUCRecord) error {
	bw := bufio.NewWriter(w)
	for i, r := range recs {
		for _, f := range []string{r.OperationCode, r.Type, r.Indicator} {
			if f == "" || strings.ContainsAny(f, "|\r\n") {
				return fmt.Errorf("esf: write puc: record %d: field %q is empty or holds a field separator or a line break", i+1, f)
			}
		}
		fields := []string{r.OperationCode, r.Type, r.Indicator}
		switch r.Structure {
		case StructureIN00:
		case StructureIN01:
			fields = append(fields, pucNumber(r.Planned), pucNumber(r.Achieved))
		default:
			return fmt.Errorf("esf: write puc: record %d: structure %q is not %s or %s", i+1, r.Structure, StructureIN00, StructureIN01)
		}
		flag := ""
		if r.Cancelled {
			flag = pucCancelled
		}
		fields = append(fields, flag)
		if _, err := bw.WriteString(strings.Join(fields, "|") + "\r\n"); err != nil {
			return fmt.Errorf("esf: write puc: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("esf: write puc: %w", err)
	}
	return nil
}

// pucNumber writes a count in the protocol's number format: 1234 is "1234,00".
func pucNumber(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10) + ",00"
}

// ErrPUCFile reports a previous transmission the hub cannot read.
var ErrPUCFile = errors.New("not a PUC indicator file")

// ReadPUC reads the records of one structure in the protocol's layout, as WritePUC
// writes them: lines ending in CRLF or LF, blank lines ignored. Values must be whole
// numbers ("12", "12,00"): the hub's indicators count people and entities.
func ReadPUC(r io.Reader, structure string) ([]PUCRecord, error) {
	want := map[string]int{StructureIN00: 4, StructureIN01: 6}[structure]
	if want == 0 {
		return nil, fmt.Errorf("esf: read puc: structure %q is not %s or %s", structure, StructureIN00, StructureIN01)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var out []PUCRecord
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("esf: read puc %s line %d: %w: %s", structure, n, ErrPUCFile, fmt.Sprintf(format, args...))
		}
		f := strings.Split(line, "|")
		if len(f) != want {
			return nil, bad("%d fields, want %d", len(f), want)
		}
		rec := PUCRecord{Structure: structure, OperationCode: f[0], Type: f[1], Indicator: f[2]}
		if rec.OperationCode == "" || rec.Indicator == "" {
			return nil, bad("the operation code and the indicator code are required")
		}
		if rec.Type != IndicatorCommon && rec.Type != IndicatorProgramme {
			return nil, bad("indicator type %q is not %s or %s", rec.Type, IndicatorCommon, IndicatorProgramme)
		}
		if structure == StructureIN01 {
			var err error
			if rec.Planned, err = readPUCNumber(f[3]); err != nil {
				return nil, bad("planned value: %v", err)
			}
			if rec.Achieved, err = readPUCNumber(f[4]); err != nil {
				return nil, bad("achieved value: %v", err)
			}
		}
		switch flag := f[want-1]; flag {
		case "", "N":
		case pucCancelled:
			rec.Cancelled = true
		default:
			return nil, bad("cancellation flag %q is not S, N or empty", flag)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("esf: read puc %s: %w", structure, err)
	}
	return out, nil
}

func readPUCNumber(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	whole, frac, hasFrac := strings.Cut(s, ",")
	if hasFrac && strings.Trim(frac, "0") != "" {
		return nil, fmt.Errorf("%q is not a whole number", s)
	}
	if whole == "" || strings.Trim(whole, "0123456789") != "" || (hasFrac && frac == "") {
		return nil, fmt.Errorf("%q is not a number with a decimal comma (1234,00)", s)
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is out of range", s)
	}
	return &v, nil
}

// PUCCSVHeader is the header of the records' review listing.
var PUCCSVHeader = []string{"structure", "operation_code", "indicator_type", "indicator", "planned", "achieved", "cancelled"}

// WritePUCCSV writes the records as a CSV listing to review before transmission: the
// planned and achieved values of every record, the results' included, as whole numbers.
func WritePUCCSV(w io.Writer, recs []PUCRecord) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(PUCCSVHeader)
	for _, r := range recs {
		_ = cw.Write([]string{r.Structure, r.OperationCode, r.Type, r.Indicator, optInt(r.Planned), optInt(r.Achieved),
			strconv.FormatBool(r.Cancelled)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("esf: write puc csv: %w", err)
	}
	return nil
}

// ptr is v's address, for the optional values of a record.
func ptr[T any](v T) *T { return &v }
