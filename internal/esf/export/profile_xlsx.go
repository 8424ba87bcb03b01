package export

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/esf"
)

// SheetProfile is the sheet of the profile's XLSX export.
const SheetProfile = "Profile"

// profileTables title the blocks of the profile's sheet, after the ALI chapter's tables.
var profileTables = map[string]string{
	esf.TableGender:    "Table 8.1   ·   Participants by gender",
	esf.TableOrigin:    "Table 8.2   ·   Participants by country of origin",
	esf.TableAgeBand:   "Table 8.3   ·   Participants by age band at entry",
	esf.TableHousehold: "Table 8.4   ·   Participants by household size",
	esf.TableServices:  "Table 8.5   ·   Services activated by type",
}

// profileLabels name the categories in words; the codes are those of the CSV.
var profileLabels = map[string]string{
	esf.GenderWomen: "Women", esf.GenderMen: "Men", esf.GenderNonBinary: "Non-binary",
	"ITALY": "Italy", "OTHER": "Other country",
	"<=24": "24 or younger", "25-34": "25 to 34", "35-44": "35 to 44", "45-54": "45 to 54", "55+": "55 or older",
	"1": "1 member", "2": "2 members", "3": "3 members", "4": "4 members", "5": "5 members", "6+": "6 members or more",
	"INTERNSHIP": "Internship", "TRAINING_FORKLIFT": "Training: forklift licence", "TRAINING_ITALIAN": "Training: Italian language",
	"TRAINING_HACCP": "Training: food hygiene (HACCP)", "TRAINING_WORKPLACE_SAFETY": "Training: workplace safety",
	"HOME_EDUCATION_MINORS": "Home education for minors", "TRAINING_IT": "Training: IT skills",
	"TRAINING_SOFT_SKILLS": "Training: soft skills", "HOME_CARE": "Home care", "PSYCHOLOGICAL_SUPPORT": "Psychological support",
	"ORIENTATION": "Orientation", "HOUSING_EMERGENCY": "Emergency housing", "OTHER_SERVICE": "Other",
}

func profileLabel(table, category string) string {
	if table == esf.TableServices && category == "OTHER" {
		category = "OTHER_SERVICE"
	}
	if l, ok := profileLabels[category]; ok {
		return l
	}
	return category
}

// WriteProfileXLSX writes an operation's programme-specific tables as a workbook laid out
// like the ALI chapter's Tables 8.1-8.5: one block per table, a pair of columns (count,
// percentage of the known values) per round, the missing values counted in their own
// row. A service type activated in some round of the operation but not in another reads
// "not offered" there, never 0; types no round had are named under the table.
func WriteProfileXLSX(w io.Writer, rep *esf.ProfileReport, generated time.Time) error {
	wb, err := newWorkbook()
	if err != nil {
		return err
	}
	defer wb.Close()

	codes := []string{"MISSING", "TOTAL"}
	labels := []string{"Participants in the round", "Missing", "No service recorded (participants)"}
	for _, r := range rep.Rounds {
		for _, t := range r.Tables {
			for _, row := range t.Rows {
				codes, labels = append(codes, row.Category), append(labels, profileLabel(t.Name, row.Category))
			}
		}
	}
	cols := []column{{header: "Code", texts: codes}, {header: "Category", texts: labels}}
	var numbers []string
	for _, r := range rep.Rounds {
		numbers = append(numbers, strconv.Itoa(r.Round))
		cols = append(cols, column{header: fmt.Sprintf("Round %d (n)", r.Round), numeric: true, width: 11},
			column{header: fmt.Sprintf("Round %d (%%)", r.Round), numeric: true, width: 11})
	}
	rounds := "none"
	if len(numbers) > 0 {
		rounds = strings.Join(numbers, ", ")
	}
	meta := fmt.Sprintf("Operation %s   ·   Rounds: %s   ·   %% of the participants whose value is known   ·   %s",
		rep.OperationCode, rounds, strings.ToUpper(generatedLine(generated)[:1])+generatedLine(generated)[1:])
	ts, err := wb.sheet(SheetProfile, "Programme-specific monitoring tables (ALI chapter, Tables 8.1-8.5), operation "+
		rep.OperationCode, meta, cols)
	if err != nil {
		return err
	}
	if len(rep.Rounds) == 0 {
		ts.note("The operation has no rounds.")
		if ts.err != nil {
			return ts.err
		}
		return wb.write(w)
	}

	ts.block("Participants", 1)
	cells := []cell{code("TOTAL"), label("Participants in the round")}
	for _, r := range rep.Rounds {
		cells = append(cells, number(r.Participants), none())
	}
	ts.line(cells...)

	first := rep.Rounds[0]
	for ti, t := range first.Tables {
		rows := t.Rows
		if t.Name == esf.TableServices {
			rows = offeredRows(rep, ti)
		}
		ts.block(profileTables[t.Name], len(rows)+1)
		for _, row := range rows {
			cells := []cell{code(row.Category), text(profileLabel(t.Name, row.Category))}
			for _, r := range rep.Rounds {
				cells = append(cells, profileCells(r.Tables[ti], row.Category)...)
			}
			ts.line(cells...)
		}
		missing := "Missing"
		if t.Name == esf.TableServices {
			missing = "No service recorded (participants)"
		}
		cells := []cell{code("MISSING"), text(missing)}
		for _, r := range rep.Rounds {
			cells = append(cells, number(r.Tables[ti].Missing), none())
		}
		ts.line(cells...)
		if t.Name == esf.TableServices {
			var never []string
			for _, s := range esf.ServiceTypes {
				if !slices.Contains(rep.OfferedServices, s) {
					never = append(never, profileLabel(t.Name, s)+" ("+s+")")
				}
			}
			if len(never) > 0 {
				ts.note("Not offered in any round of the operation: " + strings.Join(never, ", ") + ".")
			}
		}
	}
	ts.gap()
	ts.note("Counts are of participants, each once per round with the data of their first entry, except services: " +
		"the activated services by type, several per participant. \"" + esf.NotOffered + "\" marks a service type the round did " +
		"not have; \"Missing\" counts participants without the value, who are left out of the percentages.")
	if ts.err != nil {
		return ts.err
	}
	return wb.write(w)
}

// offeredRows are the rows of the services table: the types offered in any round of the
// operation, in reporting order.
func offeredRows(rep *esf.ProfileReport, ti int) []esf.ProfileRow {
	var out []esf.ProfileRow
	seen := map[string]bool{}
	for _, r := range rep.Rounds {
		for _, row := range r.Tables[ti].Rows {
			if seen[row.Category] || (!r.Tables[ti].Offered(row.Category) && !slices.Contains(rep.OfferedServices, row.Category)) {
				continue
			}
			seen[row.Category] = true
			out = append(out, row)
		}
	}
	order := map[string]int{}
	for i, s := range esf.ServiceTypes {
		order[s] = i + 1
	}
	slices.SortStableFunc(out, func(a, b esf.ProfileRow) int {
		oa, ob := order[a.Category], order[b.Category]
		if oa == 0 {
			oa = len(esf.ServiceTypes) + 1
		}
		if ob == 0 {
			ob = len(esf.ServiceTypes) + 1
		}
		return oa - ob
	})
	return out
}

// profileCells are a round's count and percentage of one category.
func profileCells(t esf.ProfileTable, category string) []cell {
	for _, row := range t.Rows {
		if row.Category != category {
			continue
		}
		if !t.Offered(category) {
			return []cell{word(esf.NotOffered), none()}
		}
		if row.Percent == nil {
			return []cell{number(row.Count), none()}
		}
		return []cell{number(row.Count), fraction(*row.Percent)}
	}
	return []cell{word(esf.NotOffered), none()}
}
