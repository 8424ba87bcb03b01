package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/ponte-hub/ponte/internal/esf"
)

// ProfileCSVHeader is the header of the profile's CSV export.
var ProfileCSVHeader = []string{"round", "table", "category", "count", "percent"}

// WriteProfileCSV writes the tables as CSV: one row per round, table and category, then a
// MISSING row per table. A service type the round did not have counts "not offered".
func WriteProfileCSV(w io.Writer, rep *esf.ProfileReport) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) {
		if cw.Error() == nil {
			_ = cw.Write(rec)
		}
	}
	write(ProfileCSVHeader...)
	for _, r := range rep.Rounds {
		round := strconv.Itoa(r.Round)
		write(round, "participants", "", itoa(r.Participants), "")
		for _, t := range r.Tables {
			for _, row := range t.Rows {
				pct := ""
				if row.Percent != nil {
					pct = strconv.FormatFloat(*row.Percent, 'f', 1, 64)
				}
				count := itoa(row.Count)
				if !t.Offered(row.Category) {
					count = esf.NotOffered
				}
				write(round, t.Name, row.Category, count, pct)
			}
			write(round, t.Name, "MISSING", itoa(t.Missing), "")
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("esf: write profile csv: %w", err)
	}
	return nil
}
