package esfdata

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// The columns of esf_counts_by_day and esf_counts_by_month (migrations/00540_esf_counts.sql),
// in their order: the participants, then what they count for.
var esfCountColumns = []string{
	"n", "unemployed", "inactive", "employed", "ltu", "age_0", "age_1", "age_2", "age_3", "isced_0", "isced_1", "isced_2",
	"flag_0", "flag_1", "flag_2", "flag_3", "flag_4", "flag_5", "est_0", "est_1", "est_2", "est_3", "est_4", "est_5",
	"leaving_job_searching", "leaving_education_training", "leaving_employed", "leaving_self_employed", "leaving_inactive",
	"leaving_employment_ended", "qualified",
	"six_job_searching", "six_education_training", "six_employed", "six_self_employed", "six_inactive", "six_employment_ended",
	"improved",
}

// esfCountSituations are the last situations the counts keep apart, as the column suffixes
// name them.
var esfCountSituations = []string{"JOB_SEARCHING", "EDUCATION_TRAINING", "EMPLOYED", "SELF_EMPLOYED", "INACTIVE", "EMPLOYMENT_ENDED"}

func esfCountColumn(name string) int {
	i := slices.Index(esfCountColumns, name)
	if i < 0 {
		panic("store: no esf count column " + name)
	}
	return i
}

// esfCountBands are the bands and thresholds the maintained counts were computed with
// (esf_count_rules()).
type esfCountBands struct {
	ageLimits, iscedLimits                      []int
	ltuAdultAge, youthLTUMonths, adultLTUMonths int
}

// esfCountAtoms are the columns whose sum is a criterion's value, and the column of its
// informed estimates (-1: none).
type esfCountAtoms struct {
	values    []int
	estimated int
}

// atoms maps a criterion onto the count columns; ok is false when the counts do not hold
// it (bounds other than the bands', long-term unemployment under other thresholds).
func (bands esfCountBands) atoms(c Criterion, r Rules) (a esfCountAtoms, ok bool) {
	a.estimated = -1
	col := esfCountColumn
	// ranges maps [min, max] (max < 0: no bound) onto the bands that cut the scale at
	// limits, starting at 0, up to top (the largest value there is): the bands wholly
	// inside it, if the bounds fall on limits.
	ranges := func(prefix string, limits []int, top, min, max int) bool {
		if max >= top {
			max = -1
		}
		if max >= 0 && max < min {
			return true // an empty range
		}
		cuts := append([]int{0}, limits...)
		lo := slices.Index(cuts, min)
		hi := len(cuts) // one past the last band
		if max >= 0 {
			hi = slices.Index(cuts, max+1)
		}
		if lo < 0 || hi < 0 {
			return false
		}
		for i := lo; i < hi; i++ {
			a.values = append(a.values, col(fmt.Sprintf("%s_%d", prefix, i)))
		}
		return true
	}
	situations := func(prefix string) {
		for _, s := range esfCountSituations {
			if slices.Contains(c.Situations, s) {
				a.values = append(a.values, col(prefix+strings.ToLower(s)))
			}
		}
	}
	switch c.Kind {
	case Participant:
		a.values = []int{col("n")}
	case Status:
		switch c.Value {
		case "UNEMPLOYED", "INACTIVE", "EMPLOYED":
			a.values = []int{col(strings.ToLower(c.Value))}
		}
	case LongTermUnemployed:
		if c.Value != "UNEMPLOYED" || r.LTUAdultAge != bands.ltuAdultAge || r.YouthLTUMonths != bands.youthLTUMonths ||
			r.AdultLTUMonths != bands.adultLTUMonths {
			return a, false
		}
		a.values = []int{col("ltu")}
	case Age:
		// Ages at entry are whole years from 0; the last band has no top.
		if !ranges("age", bands.ageLimits, 1<<15-1, c.Min, c.Max) {
			return a, false
		}
	case ISCED:
		if !ranges("isced", bands.iscedLimits, 8, max(c.Min, 0), c.Max) {
			return a, false
		}
	case Flag:
		k := esfFlagColumns[c.Value]
		a.values = []int{col(fmt.Sprintf("flag_%d", k))}
		a.estimated = col(fmt.Sprintf("est_%d", k))
	case Leaving:
		situations("leaving_")
	case Qualification:
		a.values = []int{col("qualified")}
	case SixMonths:
		situations("six_")
	case Improved:
		a.values = []int{col("improved")}
	default:
		return a, false
	}
	return a, true
}

// esfCountMaintained answers q from the maintained counts when they hold what it asks
// (ok false otherwise: the caller counts row by row). Whole months and the days of the
// cut-off's month are summed from the tables; the exits of the last leaving window, whose
// results the cut-off truncates, and the re-entered participants with an entry after the
// cut-off are computed from the participations as Count's row-by-row statement does.
func esfCountMaintained(ctx context.Context, t *store.Tx, q CountQuery) (rows []CountRow, ok bool, err error) {
	var answer bool
	var bands esfCountBands
	if err := store.QueryRow(ctx, t, "esf count rules", `SELECT esf_counts_answer(), age_limits, isced_limits, ltu_adult_age,
		youth_ltu_months, adult_ltu_months FROM esf_count_rules()`, nil,
		&answer, &bands.ageLimits, &bands.iscedLimits, &bands.ltuAdultAge, &bands.youthLTUMonths, &bands.adultLTUMonths); err != nil {
		return nil, false, err
	}
	if !answer {
		return nil, false, nil
	}
	atoms := make([]esfCountAtoms, len(q.Criteria))
	for i, c := range q.Criteria {
		a, ok := bands.atoms(c, q.Rules)
		if !ok {
			return nil, false, nil
		}
		atoms[i] = a
	}
	sql, args := q.maintainedSQL()
	err = withReportSettings(ctx, t, func() error {
		var err error
		rows, err = store.Query(ctx, t, "esf count", sql, args, func(r pgx.Rows) (CountRow, error) {
			sums := make([]int64, len(esfCountColumns))
			var miss int16
			row := CountRow{Values: make([]int64, len(q.Criteria)), Estimated: make([]int64, len(q.Criteria))}
			dest := []any{&row.OperationID, &row.Gender, &miss}
			for i := range sums {
				dest = append(dest, &sums[i])
			}
			if err := r.Scan(dest...); err != nil {
				return row, err
			}
			row.Missing = Missing(miss)
			row.Participants = sums[0]
			if row.Missing != 0 {
				return row, nil // incomplete participants count nowhere else
			}
			for i, a := range atoms {
				for _, k := range a.values {
					row.Values[i] += sums[k]
				}
				if a.estimated >= 0 {
					row.Estimated[i] = sums[a.estimated]
				}
			}
			return row, nil
		})
		return err
	})
	return rows, err == nil, err
}

// maintainedSQL builds the statement of esfCountMaintained.
func (q CountQuery) maintainedSQL() (string, []any) {
	b := &esfSQL{}
	src := b.source(q.Cutoff, q.OperationIDs, q.Rules, true, true)
	c := b.arg(q.Cutoff) + "::date"
	days := b.arg(q.Rules.LeavingWindowDays) + "::int"
	months := b.arg(q.Rules.FollowUpMonths) + "::int"
	opFilter := func(alias string) string { return "" }
	if q.OperationIDs != nil {
		opsArg := b.arg(store.UUIDs(q.OperationIDs)) + "::uuid[]"
		opFilter = func(alias string) string { return " AND " + alias + ".operation_id = ANY (" + opsArg + ")" }
	}
	// Outputs and six-month results are summed up to the cut-off, results upon leaving up
	// to a leaving window before it: whole months from the monthly counts, the rest from
	// the daily ones.
	x := "(" + c + " - " + days + ")"
	month := func(d string) string { return "date_trunc('month', (" + d + " + 1)::timestamp)::date" }
	monthly := `(t.kind IN ('E', 'F') AND t.period < ` + month(c) + ` OR t.kind = 'X' AND t.period < ` + month(x) + `)`
	daily := `(t.kind IN ('E', 'F') AND t.period >= ` + month(c) + ` AND t.period <= ` + c + `
		OR t.kind = 'X' AND t.period >= ` + month(x) + ` AND t.period <= ` + x + `)`
	cols := "t." + strings.Join(esfCountColumns, ", t.")
	// results lays out a participant's results (aliased a) as the count columns.
	results := func(a string, six bool) string {
		var out []string
		for _, col := range esfCountColumns {
			var v string
			switch {
			case strings.HasPrefix(col, "leaving_"):
				v = "(" + a + ".leaving IS NOT DISTINCT FROM '" + strings.ToUpper(strings.TrimPrefix(col, "leaving_")) + "')"
			case col == "qualified":
				v = a + ".qualified"
			case six && strings.HasPrefix(col, "six_"):
				v = "(" + a + ".six IS NOT DISTINCT FROM '" + strings.ToUpper(strings.TrimPrefix(col, "six_")) + "')"
			case six && col == "improved":
				v = a + ".improved"
			default:
				out = append(out, "0")
				continue
			}
			out = append(out, "CASE WHEN "+v+" THEN 1 ELSE 0 END")
		}
		return strings.Join(out, ", ")
	}
	var sums []string
	for _, col := range esfCountColumns {
		sums = append(sums, "sum("+col+")::bigint")
	}
	leaveEnd := "least(e.exit_date + " + days + ", " + c + ")"
	sql := src.with + `,
	lw AS (
		SELECT e.operation_id, e.gender,
			esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on, e.exit_date, ` + leaveEnd + `))) AS leaving,
			coalesce(bool_or(s.situation = 'QUALIFICATION_GAINED' AND NOT s.spell AND s.starts_on BETWEEN e.exit_date AND ` + leaveEnd + `), false) AS qualified
		FROM esf_participants e
		LEFT JOIN esf_labour_situations s ON s.person_id = e.person_id AND (s.operation_id IS NULL OR s.operation_id = e.operation_id)
			AND s.starts_on <= least(greatest(e.exit_date + ` + days + `, (e.exit_date + make_interval(months => ` + months + `))::date), ` + c + `)
			AND (s.ends_on IS NULL OR s.ends_on >= e.exit_date)
		WHERE e.miss = 0 AND e.last_entry <= ` + c + ` AND e.exit_date <= ` + c + ` AND e.exit_date > ` + x + opFilter("e") + `
		GROUP BY e.operation_id, e.person_id, e.gender
	),
	cnt AS (
		SELECT t.operation_id, t.gender, t.miss, ` + cols + ` FROM esf_counts_by_month t WHERE ` + monthly + opFilter("t") + `
		UNION ALL
		SELECT t.operation_id, t.gender, t.miss, ` + cols + ` FROM esf_counts_by_day t WHERE ` + daily + opFilter("t") + `
		UNION ALL
		SELECT l.operation_id, l.gender, 0::smallint, ` + results("l", false) + ` FROM lw l
		UNION ALL
		SELECT m.operation_id, coalesce(m.g, ''), 0::smallint, ` + results("m", true) + ` FROM (` + src.multi + `) m WHERE m.miss = 0
	)
	SELECT operation_id, gender, miss, ` + strings.Join(sums, ", ") + `
	FROM cnt GROUP BY 1, 2, 3 HAVING sum(n) > 0 ORDER BY 1, 2, 3`
	return sql, b.args
}
