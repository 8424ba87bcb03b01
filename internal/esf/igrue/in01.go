package igrue

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

// IN01Record is one indicator record of the national monitoring protocol (IGRUE
// "Protocollo Unico di Colloquio", record IN01) for one operation.
type IN01Record struct {
	OperationCode string `json:"operation_code"`
	// Type is COM for a common indicator of the regulation, DPR for a programme-specific one.
	Type      string `json:"type"`
	Indicator string `json:"indicator"`
	// Planned is the target from operation_indicator_targets; nil when none is set.
	Planned *int64 `json:"planned,omitempty"`
	// Achieved is the value at the cut-off; nil for programme-specific indicators, which the
	// hub does not compute.
	Achieved *int64 `json:"achieved,omitempty"`
}

// IN01 returns the output indicator records of every operation in scope at the cut-off:
// one COM record per common output indicator (EECO01-EECO19, zeros included), and one DPR
// record per programme-specific target stored for the operation.
func IN01(ctx context.Context, tx *store.Tx, q esf.Query) ([]IN01Record, error) {
	ov, err := esf.ValuesByOperation(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	var out []IN01Record
	for _, o := range ov.Ops {
		g := ov.Values[o.ID]
		for i, ind := range esf.Indicators {
			if ind.Kind == esf.Result {
				continue
			}
			achieved := g.Values[i].Total
			rec := IN01Record{OperationCode: o.Code, Type: "COM", Indicator: ind.Code, Achieved: &achieved}
			if x, ok := ov.Targets[o.ID][ind.Code]; ok && x.IndicatorType == "COM" {
				p := x.Planned
				rec.Planned = &p
			}
			out = append(out, rec)
		}
		for _, x := range ov.ProgrammeTargets(o.ID) {
			p := x.Planned
			out = append(out, IN01Record{OperationCode: o.Code, Type: "DPR", Indicator: x.Indicator, Planned: &p})
		}
	}
	return out, nil
}

// WriteIN01 writes the records in the protocol's layout, one per line, fields separated by
// "|": operation code | COM/DPR | indicator code | planned | achieved. An unknown value
// is an empty field. No header: the protocol's files carry none.
func WriteIN01(w io.Writer, recs []IN01Record) error {
	bw := bufio.NewWriter(w)
	for _, r := range recs {
		if strings.ContainsAny(r.OperationCode, "|\r\n") {
			return fmt.Errorf("esf: write in01: operation code %q contains a field separator or a line break", r.OperationCode)
		}
		fields := []string{r.OperationCode, r.Type, r.Indicator, optInt(r.Planned), optInt(r.Achieved)}
		if _, err := bw.WriteString(strings.Join(fields, "|") + "\n"); err != nil {
			return fmt.Errorf("esf: write in01: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("esf: write in01: %w", err)
	}
	return nil
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}
