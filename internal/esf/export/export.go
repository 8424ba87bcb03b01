package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/ponte-hub/ponte/internal/esf"
)

// CSVHeader is the header of the report's CSV export.
var CSVHeader = []string{"programme", "priority", "specific_objective", "category_of_region", "indicator",
	"women", "men", "non_binary", "total", "of_which_estimated"}

// WriteCSV writes the report as CSV: one row per group and indicator, zeros included, and
// per group an INCOMPLETE row counting the participants excluded for missing data (its
// total also holds those of unknown gender). Entity indicators have no gender columns.
func WriteCSV(w io.Writer, rep *esf.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("esf: write csv: %w", err)
	}
	for _, g := range rep.Groups {
		lead := []string{g.Programme, g.Priority, g.SpecificObjective, g.CategoryOfRegion}
		for i, ind := range esf.Indicators {
			v := g.Values[i]
			rec := append(append([]string(nil), lead...), ind.Code)
			if ind.ByGender() {
				rec = append(rec, itoa(v.Women), itoa(v.Men), itoa(v.NonBinary))
			} else {
				rec = append(rec, "", "", "")
			}
			rec = append(rec, itoa(v.Total), itoa(v.Estimated))
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("esf: write csv: %w", err)
			}
		}
		inc := g.Incomplete
		rec := append(append([]string(nil), lead...), esf.IncompleteIndicator,
			itoa(inc.Women), itoa(inc.Men), itoa(inc.NonBinary), itoa(inc.Total), "0")
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("esf: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("esf: write csv: %w", err)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
