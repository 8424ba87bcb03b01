package esfdata

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// Scope selects the operations an ESF+ report covers; an empty field does not filter.
type Scope struct {
	Programme string
	// SpecificObjective is an SFC code (ESO4.x).
	SpecificObjective string
	OperationCode     string
}

// OperationRef is an operation as the reports group it.
type OperationRef struct {
	ID                string
	Code              string
	Programme         string
	Priority          string
	SpecificObjective string
	CategoryOfRegion  string
}

// Operations lists the operations in scope, ordered by programme, priority, specific
// objective, category of region and code.
func Operations(ctx context.Context, t *store.Tx, s Scope) ([]OperationRef, error) {
	var args []any
	where := []string{"true"}
	if s.Programme != "" {
		where = append(where, "o.programme = "+store.Arg(&args, s.Programme))
	}
	if s.SpecificObjective != "" {
		where = append(where, "o.specific_objective = "+store.Arg(&args, s.SpecificObjective))
	}
	if s.OperationCode != "" {
		where = append(where, "o.code = "+store.Arg(&args, s.OperationCode))
	}
	return store.Query(ctx, t, "esf operations", `SELECT o.id, o.code, o.programme, o.priority, o.specific_objective, o.category_of_region
		FROM operations o WHERE `+strings.Join(where, " AND ")+`
		ORDER BY o.programme, o.priority, o.specific_objective, o.category_of_region, o.code`, args,
		func(r pgx.Rows) (OperationRef, error) {
			var o OperationRef
			err := r.Scan(&o.ID, &o.Code, &o.Programme, &o.Priority, &o.SpecificObjective, &o.CategoryOfRegion)
			return o, err
		})
}

// CriterionKind is the shape of an indicator's membership test. The vocabulary is
// closed so that every test compiles to SQL the store controls.
type CriterionKind int

const (
	// Participant counts every complete participant.
	Participant CriterionKind = iota + 1
	// Status tests the employment status at entry against Value.
	Status
	// LongTermUnemployed tests the status Value and the unemployment duration against the
	// age-dependent thresholds of Rules.
	LongTermUnemployed
	// Age tests the age in completed years at entry: Min ≤ age ≤ Max (Max < 0: no bound).
	Age
	// ISCED tests the education level at entry: Min ≤ isced ≤ Max.
	ISCED
	// Flag tests a point 1.2 characteristic (Value names it) for yes or informed estimate;
	// the estimates are counted beside.
	Flag
	// Leaving tests the last labour situation upon leaving against Situations.
	Leaving
	// Qualification tests for a qualification gained upon leaving.
	Qualification
	// SixMonths tests the last labour situation six months after leaving against
	// Situations; participants whose six months have not passed by the cut-off never match.
	SixMonths
	// Improved tests for an improved labour-market situation six months after leaving
	// (migrations/00330_esf_eecr06.sql): employed at entry in precarious work only, in
	// stable work on the follow-up date, by the registry's employment events and the
	// classes of their contract types; participants whose six months have not passed by the
	// cut-off never match.
	Improved
)

// Criterion is one indicator's membership test over a participant merged from all their
// entries into the operation (characteristics of the first entry, exit of the last).
type Criterion struct {
	Kind       CriterionKind
	Value      string
	Min, Max   int
	Situations []string
}

// Rules are the thresholds and windows the SQL needs.
type Rules struct {
	LTUAdultAge       int
	YouthLTUMonths    int
	AdultLTUMonths    int
	LeavingWindowDays int
	FollowUpMonths    int
}

// Missing is a set of the completeness fields a participant lacks.
type Missing uint8

// The completeness fields, as bits of Missing.
const (
	MissingGender Missing = 1 << iota
	MissingBirthDate
	MissingEmploymentStatus
	MissingUnemploymentMonths
	MissingISCED
)

// esfFlagColumns are the participation columns an Flag criterion may name, with their
// position in participations.esf_flags (two bits each).
var esfFlagColumns = map[string]int{
	"disability": 0, "third_country_national": 1, "foreign_background": 2,
	"minority": 3, "homeless": 4, "rural": 5,
}

// CountQuery asks for indicator counts over the participants in a set of operations.
type CountQuery struct {
	Cutoff time.Time
	// OperationIDs limits the count; nil counts every operation.
	OperationIDs []string
	Criteria     []Criterion
	Rules        Rules
	// Live computes every result from the situations, ignoring the stored ones; it gives
	// the same counts, more slowly, and exists to check that they do.
	Live bool
	// PerRow counts the participations row by row, ignoring the maintained counts
	// (migrations/00540_esf_counts.sql); it gives the same counts, more slowly, and exists
	// to check that they do.
	PerRow bool
}

// CountRow holds the counts of one operation, gender (F, M, NB, "" unknown) and set of
// missing fields. Values and Estimated follow the order of the query's criteria and are
// zero unless Missing is empty: incomplete participants count nowhere but in Participants.
type CountRow struct {
	OperationID  string
	Gender       string
	Missing      Missing
	Participants int64
	Values       []int64
	Estimated    []int64
}

// Count computes indicator counts in one statement. Participants are grouped by the
// criteria whose tests have few outcomes (status, age and education bands), so the
// aggregation runs once per row; the characteristics with many combinations (point 1.2
// flags, results) are counted with filtered aggregates.
func Count(ctx context.Context, t *store.Tx, q CountQuery) ([]CountRow, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	cached, err := esfCachedWindows(ctx, t, q.Rules)
	if err != nil {
		return nil, err
	}
	if cached && !q.Live && !q.PerRow {
		rows, ok, err := esfCountMaintained(ctx, t, q)
		if err != nil || ok {
			return rows, err
		}
	}
	sql, args, err := q.sql(cached && !q.Live)
	if err != nil {
		return nil, err
	}
	n := len(q.Criteria)
	var rows []CountRow
	err = withReportSettings(ctx, t, func() error {
		var err error
		rows, err = store.Query(ctx, t, "esf count", sql, args, func(r pgx.Rows) (CountRow, error) {
			row := CountRow{Values: make([]int64, n), Estimated: make([]int64, n)}
			var miss int16
			dest := []any{&row.OperationID, &row.Gender, &miss, &row.Participants}
			for i := range n {
				dest = append(dest, &row.Values[i], &row.Estimated[i])
			}
			if err := r.Scan(dest...); err != nil {
				return row, err
			}
			row.Missing = Missing(miss)
			return row, nil
		})
		return err
	})
	return rows, err
}

// sql builds the count statement; cached says whether the stored results answer.
func (q CountQuery) sql(cached bool) (string, []any, error) {
	b := &esfSQL{}
	src := b.source(q.Cutoff, q.OperationIDs, q.Rules, cached, false)
	code := newESFCode(b, q.Criteria, q.Rules)
	if code.err != nil {
		return "", nil, code.err
	}

	var counters, outer []string
	const complete = "code & 31 = 0"
	for i, c := range q.Criteria {
		if test, ok := code.tests[i]; ok {
			outer = append(outer, "coalesce(sum(n) FILTER (WHERE "+complete+" AND "+test+"), 0)::bigint", "0::bigint")
			continue
		}
		cond, est := b.condition(c, q.Rules)
		v, e := "v"+strconv.Itoa(i), "e"+strconv.Itoa(i)
		counters = append(counters, "count(*) FILTER (WHERE "+cond+") AS "+v)
		estSum := "0::bigint"
		if est != "" {
			counters = append(counters, "count(*) FILTER (WHERE "+est+") AS "+e)
			estSum = "coalesce(sum(" + e + ") FILTER (WHERE " + complete + "), 0)::bigint"
		}
		outer = append(outer, "coalesce(sum("+v+") FILTER (WHERE "+complete+"), 0)::bigint", estSum)
	}
	inner := func(from string) string {
		return `SELECT operation_id, g, ` + code.expr + ` AS code, count(*) AS n` + prefixJoin(", ", counters) + `
			FROM (` + from + `) src GROUP BY operation_id, g, 3`
	}
	sql := src.with + `, agg AS (` + inner(src.single) + ` UNION ALL ` + inner(src.multi) + `)
		SELECT operation_id, coalesce(g, ''), code & 31, sum(n)::bigint` + prefixJoin(", ", outer) + `
		FROM agg GROUP BY operation_id, g, code & 31 ORDER BY 1, 2, 3`
	return sql, b.args, nil
}

// esfCode packs into one integer per participant what the tests with few outcomes need:
// the missing fields (bits 0-4), the index of the employment status among those the
// criteria name, the age and education bands bounded by the criteria's limits, and one
// bit per long-term-unemployment test. Participants are grouped by it, so the aggregation
// runs once per row and the tests run on the few groups. One integer, rather than one
// column per test, keeps the planner's estimate of the groups small enough for a parallel
// partial aggregation.
type esfCode struct {
	expr string
	// tests maps a criterion's position to its condition on the packed code.
	tests map[int]string
	err   error
}

func newESFCode(b *esfSQL, criteria []Criterion, r Rules) (ec esfCode) {
	ec = esfCode{expr: "miss::bigint", tests: map[int]string{}}
	shift := 5
	field := func(width int) (int, string) {
		s := shift
		shift += width
		return s, strconv.Itoa(1<<width - 1)
	}
	defer func() {
		if shift > 62 {
			ec.err = fmt.Errorf("store: esf count: %d criteria need %d bits of grouping code, more than 62", len(criteria), shift)
		}
	}()
	// Employment statuses.
	var statuses []string
	index := map[string]int{}
	for _, c := range criteria {
		if c.Kind == Status {
			if _, ok := index[c.Value]; !ok {
				statuses = append(statuses, c.Value)
				index[c.Value] = len(statuses)
			}
		}
	}
	if len(statuses) > 0 {
		at, mask := field(bitsFor(len(statuses)))
		var cases strings.Builder
		for i, st := range statuses {
			fmt.Fprintf(&cases, " WHEN %s::text THEN %d", b.arg(st), i+1)
		}
		ec.expr += " | (CASE st" + cases.String() + " ELSE 0 END::bigint << " + strconv.Itoa(at) + ")"
		for i, c := range criteria {
			if c.Kind == Status {
				ec.tests[i] = fmt.Sprintf("(code >> %d) & %s = %d", at, mask, index[c.Value])
			}
		}
	}
	// Age and education bands: the limits of the criteria cut the scale into bands, each
	// of which lies wholly inside or outside every criterion's range.
	for _, dim := range []struct {
		kind CriterionKind
		col  string
	}{{Age, "age"}, {ISCED, "isced"}} {
		var limits []int
		seen := map[int]bool{}
		for _, c := range criteria {
			if c.Kind != dim.kind {
				continue
			}
			bounds := []int{c.Min}
			if c.Max >= 0 {
				bounds = append(bounds, c.Max+1)
			}
			for _, v := range bounds {
				if !seen[v] {
					seen[v] = true
					limits = append(limits, v)
				}
			}
		}
		if len(limits) == 0 {
			continue
		}
		sort.Ints(limits)
		at, mask := field(bitsFor(len(limits)))
		ec.expr += " | (coalesce(width_bucket(" + dim.col + ", " + b.arg(limits) + "::int[]), 0)::bigint << " + strconv.Itoa(at) + ")"
		band := func(v int) int { return sort.SearchInts(limits, v+1) } // limits ≤ v
		for i, c := range criteria {
			if c.Kind != dim.kind {
				continue
			}
			hi := len(limits)
			if c.Max >= 0 {
				hi = band(c.Max)
			}
			ec.tests[i] = fmt.Sprintf("(code >> %d) & %s BETWEEN %d AND %d", at, mask, band(c.Min), hi)
		}
	}
	// Long-term unemployment.
	for i, c := range criteria {
		if c.Kind != LongTermUnemployed {
			continue
		}
		cond, _ := b.condition(c, r)
		at, _ := field(1)
		ec.expr += " | CASE WHEN " + cond + " THEN " + strconv.Itoa(1<<at) + "::bigint ELSE 0 END"
		ec.tests[i] = fmt.Sprintf("code & %d <> 0", 1<<at)
	}
	// Every complete participant.
	for i, c := range criteria {
		if c.Kind == Participant {
			ec.tests[i] = "true"
		}
	}
	return ec
}

// bitsFor returns the bits needed to hold 0..n.
func bitsFor(n int) int {
	b := 1
	for 1<<b <= n {
		b++
	}
	return b
}

func prefixJoin(sep string, parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return sep + strings.Join(parts, sep)
}

func (q CountQuery) validate() error {
	if q.Cutoff.IsZero() {
		return fmt.Errorf("store: esf count: cut-off date is required")
	}
	for i, c := range q.Criteria {
		if err := c.validate(); err != nil {
			return fmt.Errorf("store: esf count: criterion %d: %w", i, err)
		}
	}
	return nil
}

func (c Criterion) validate() error {
	switch c.Kind {
	case Participant, Qualification, Age, ISCED, Improved:
	case Status, LongTermUnemployed:
		if c.Value == "" {
			return fmt.Errorf("status criterion without a status")
		}
	case Flag:
		if _, ok := esfFlagColumns[c.Value]; !ok {
			return fmt.Errorf("unknown characteristic %q", c.Value)
		}
	case Leaving, SixMonths:
		if len(c.Situations) == 0 {
			return fmt.Errorf("result criterion without situations")
		}
	default:
		return fmt.Errorf("unknown criterion kind %d", c.Kind)
	}
	return nil
}

// esfCachedWindows reports whether the stored results (computed over the database's
// windows) answer for rules r, or whether every result must be computed live.
func esfCachedWindows(ctx context.Context, t *store.Tx, r Rules) (bool, error) {
	days, months, err := ResultWindows(ctx, t)
	if err != nil {
		return false, err
	}
	return days == r.LeavingWindowDays && months == r.FollowUpMonths, nil
}

// ResultWindows returns the windows the stored results were computed over.
func ResultWindows(ctx context.Context, t *store.Tx) (leavingDays, followUpMonths int, err error) {
	err = store.QueryRow(ctx, t, "esf result windows", `SELECT leaving_days, follow_up_months FROM esf_result_windows()`, nil, &leavingDays, &followUpMonths)
	return leavingDays, followUpMonths, err
}

// withReportSettings runs fn with planner settings fit for one large aggregation: no JIT
// (compiling costs more than it saves on a single pass), enough memory for the hash
// tables, and parallel scans. The previous values are restored afterwards, so the rest of
// the caller's transaction runs as before.
func withReportSettings(ctx context.Context, t *store.Tx, fn func() error) error {
	var jit, workMem, tupleCost string
	if err := store.QueryRow(ctx, t, "esf report settings", `SELECT current_setting('jit'), current_setting('work_mem'),
		current_setting('parallel_tuple_cost'),
		set_config('jit', 'off', true), set_config('work_mem', '128MB', true), set_config('parallel_tuple_cost', '0.001', true)`,
		nil, &jit, &workMem, &tupleCost, new(string), new(string), new(string)); err != nil {
		return err
	}
	ferr := fn()
	if _, err := store.Exec(ctx, t, "esf report settings", `SELECT set_config('jit', $1, true), set_config('work_mem', $2, true),
		set_config('parallel_tuple_cost', $3, true)`, jit, workMem, tupleCost); err != nil && ferr == nil {
		return err
	}
	return ferr
}

// esfSQL builds the statements of the ESF+ reports, collecting their arguments.
type esfSQL struct {
	args []any
}

func (b *esfSQL) arg(v any) string { return store.Arg(&b.args, v) }

// esfSource is the participant population of a report: a WITH clause and two
// subqueries over it, one row per participant (operation and person) with entry date ≤
// cut-off, holding the first entry's characteristics, the final exit when it lies on or
// before the cut-off (x), the results, and the missing fields (miss). single holds the
// participants who entered once, nearly all of them, and is scanned in parallel; multi
// holds those who re-entered, merged.
type esfSource struct {
	with, single, multi string
}

// union returns the whole population as one subquery.
func (s esfSource) union() string { return s.single + " UNION ALL " + s.multi }

// source builds the population. Single-entry participants read their stored results once
// the windows lie before the cut-off (cached); the others are computed live from the
// situations. truncated narrows multi to the re-entered participants with an entry after
// the cut-off besides one on or before it, those the maintained counts cannot merge.
func (b *esfSQL) source(cutoff time.Time, ops []string, r Rules, cached, truncated bool) esfSource {
	c := b.arg(cutoff) + "::date"
	days := b.arg(r.LeavingWindowDays) + "::int"
	months := b.arg(r.FollowUpMonths) + "::int"
	opFilter := func(alias string) string { return "" }
	if ops != nil {
		opsArg := b.arg(store.UUIDs(ops)) + "::uuid[]"
		opFilter = func(alias string) string { return " AND " + alias + ".operation_id = ANY (" + opsArg + ")" }
	}
	sixEnd := func(x string) string { return "(" + x + " + make_interval(months => " + months + "))::date" }
	leaveEnd := func(x string) string { return "least(" + x + " + " + days + ", " + c + ")" }
	// results are the aggregates over the situations s of a participant row aliased alias
	// whose final exit is x; situations joins them.
	results := `esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on, {x}, ` + leaveEnd("{x}") + `))) AS leaving,
			coalesce(bool_or(s.situation = 'QUALIFICATION_GAINED' AND NOT s.spell AND s.starts_on BETWEEN {x} AND ` + leaveEnd("{x}") + `), false) AS qualified,
			esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on, {x}, ` + sixEnd("{x}") + `))) AS six`
	situations := `s.person_id = {a}.person_id AND (s.operation_id IS NULL OR s.operation_id = {a}.operation_id)
			AND s.starts_on <= least(greatest({x} + ` + days + `, ` + sixEnd("{x}") + `), ` + c + `)
			AND (s.ends_on IS NULL OR s.ends_on >= {x})`
	fill := func(tmpl, alias, x string) string {
		return strings.NewReplacer("{a}", alias, "{x}", x).Replace(tmpl)
	}
	chars := func(a string) string {
		return a + `.esf_gender AS g, ` + a + `.esf_gender_derived AS g_derived, ` + a + `.esf_birth_date AS birth, ` +
			a + `.esf_birth_date_derived AS birth_derived, ` + a + `.esf_age AS age, ` + a + `.employment_status AS st, ` +
			a + `.unemployment_months AS um, ` + a + `.isced, ` + a + `.disability, ` + a + `.third_country_national, ` +
			a + `.foreign_background, ` + a + `.minority, ` + a + `.homeless, ` + a + `.rural, ` + a + `.esf_flags`
	}
	miss := func(a string) string {
		return `(CASE WHEN ` + a + `.g IS NULL THEN 1 ELSE 0 END
			| CASE WHEN ` + a + `.age IS NULL THEN 2 ELSE 0 END
			| CASE WHEN ` + a + `.st IS NULL THEN 4 ELSE 0 END
			| CASE WHEN ` + a + `.st = 'UNEMPLOYED' AND ` + a + `.um IS NULL THEN 8 ELSE 0 END
			| CASE WHEN ` + a + `.isced IS NULL THEN 16 ELSE 0 END)::smallint AS miss`
	}

	// improvedLive computes the improvement of a participant row aliased a whose status at
	// entry is status and final exit x; when the stored results answer, it is read instead,
	// like the six-month situation. The function runs only for the employed whose six months
	// have passed and who have employment events: the set of those persons is built once
	// per statement (a hashed subplan) and probed per row.
	improvedLive := func(a, status, x string) string {
		return `CASE WHEN ` + status + ` = 'EMPLOYED' AND ` + sixEnd(x) + ` <= ` + c + ` AND ` + a + `.person_id IN (
				SELECT pe.id FROM persons pe JOIN registry_employment_events e ON e.tax_code = pe.tax_code)
			THEN coalesce(esf_participant_improved(` + a + `.person_id, ` + status + `, ` + a + `.entry_date, ` + x + `, ` + months + `), false)
			ELSE false END`
	}
	// ls: live results of single-entry leavers, either those whose upon-leaving window
	// runs past the cut-off (a few days' worth), or all of them.
	var ls, leaving, qualified, six, improved string
	if cached {
		ls = `ls AS (
		SELECT t.id, ` + fill(results, "t", "t.exit_date") + `
		FROM participations t JOIN esf_labour_situations s ON ` + fill(situations, "t", "t.exit_date") + `
		WHERE t.esf_entries = 1 AND t.entry_date <= ` + c + ` AND t.exit_date <= ` + c + ` AND t.exit_date > ` + c + ` - ` + days + opFilter("t") + `
		GROUP BY t.id
	)`
		leaving = `CASE WHEN p.exit_date IS NULL OR p.exit_date > ` + c + ` THEN NULL
			WHEN p.exit_date > ` + c + ` - ` + days + ` THEN ls.leaving ELSE p.esf_leaving END`
		qualified = `CASE WHEN p.exit_date IS NULL OR p.exit_date > ` + c + ` THEN false
			WHEN p.exit_date > ` + c + ` - ` + days + ` THEN coalesce(ls.qualified, false) ELSE p.esf_qualified END`
		six = `CASE WHEN p.esf_follow_up_on <= ` + c + ` THEN p.esf_six_month END`
		improved = `coalesce(p.esf_follow_up_on <= ` + c + ` AND p.esf_improved, false)`
	} else {
		// Materialised: computed once, not once per parallel worker.
		ls = `ls AS MATERIALIZED (
		SELECT t.id, ` + fill(results, "t", "t.exit_date") + `
		FROM participations t JOIN esf_labour_situations s ON ` + fill(situations, "t", "t.exit_date") + `
		WHERE t.esf_entries = 1 AND t.entry_date <= ` + c + ` AND t.exit_date <= ` + c + opFilter("t") + `
		GROUP BY t.id
	)`
		leaving = `ls.leaving`
		qualified = `coalesce(ls.qualified, false)`
		six = `CASE WHEN ` + sixEnd("p.exit_date") + ` <= ` + c + ` THEN ls.six END`
		improved = improvedLive("p", "p.employment_status", "p.exit_date")
	}

	truncatedFilter := ""
	if truncated {
		truncatedFilter = ` AND EXISTS (SELECT 1 FROM participations q WHERE q.esf_entries > 1
			AND q.operation_id = p.operation_id AND q.person_id = p.person_id AND q.entry_date > ` + c + `)`
	}
	with := `WITH ` + ls + `, mf AS MATERIALIZED (
		SELECT DISTINCT ON (p.operation_id, p.person_id) p.id, p.operation_id, p.person_id, p.entry_date,
			CASE WHEN bool_and(coalesce(p.exit_date <= ` + c + `, false)) OVER w THEN max(p.exit_date) OVER w END AS x,
			count(*) OVER w AS entries, ` + chars("p") + `
		FROM participations p
		WHERE p.esf_entries > 1 AND p.entry_date <= ` + c + opFilter("p") + truncatedFilter + `
		WINDOW w AS (PARTITION BY p.operation_id, p.person_id)
		ORDER BY p.operation_id, p.person_id, p.entry_date
	)`
	single := `SELECT u.*, ` + miss("u") + ` FROM (
			SELECT p.id, p.operation_id, p.person_id, p.entry_date,
				CASE WHEN p.exit_date <= ` + c + ` THEN p.exit_date END AS x, 1::bigint AS entries, ` + chars("p") + `,
				` + leaving + ` AS leaving, ` + qualified + ` AS qualified, ` + six + ` AS six, ` + improved + ` AS improved
			FROM participations p LEFT JOIN ls ON ls.id = p.id
			WHERE p.esf_entries = 1 AND p.entry_date <= ` + c + opFilter("p") + `
		) u`
	// Re-entered participants are few: their results come from an index lookup each.
	multi := `SELECT m.id, m.operation_id, m.person_id, m.entry_date, m.x, m.entries, m.g, m.g_derived, m.birth,
			m.birth_derived, m.age, m.st, m.um, m.isced, m.disability, m.third_country_national,
			m.foreign_background, m.minority, m.homeless, m.rural, m.esf_flags,
			ml.leaving, coalesce(ml.qualified, false) AS qualified,
			CASE WHEN ` + sixEnd("m.x") + ` <= ` + c + ` THEN ml.six END AS six, ` + improvedLive("m", "m.st", "m.x") + ` AS improved, ` + miss("m") + `
		FROM mf m
		LEFT JOIN LATERAL (
			SELECT ` + fill(results, "m", "m.x") + `
			FROM esf_labour_situations s WHERE m.x IS NOT NULL AND ` + fill(situations, "m", "m.x") + `
		) ml ON true`
	return esfSource{with: with, single: single, multi: multi}
}

// condition compiles a criterion into a SQL condition on src, and for flags the condition
// selecting the informed estimates among them.
func (b *esfSQL) condition(c Criterion, r Rules) (cond, est string) {
	bounds := func(col string) string {
		parts := []string{col + " >= " + b.arg(c.Min) + "::int"}
		if c.Max >= 0 {
			parts = append(parts, col+" <= "+b.arg(c.Max)+"::int")
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	}
	switch c.Kind {
	case Participant:
		return "true", ""
	case Status:
		return "(st = " + b.arg(c.Value) + "::text)", ""
	case LongTermUnemployed:
		a := b.arg(r.LTUAdultAge) + "::int"
		return "(st = " + b.arg(c.Value) + "::text AND (age < " + a + " AND um > " + b.arg(r.YouthLTUMonths) + "::int OR age >= " +
			a + " AND um > " + b.arg(r.AdultLTUMonths) + "::int))", ""
	case Age:
		return bounds("age"), ""
	case ISCED:
		return bounds("isced"), ""
	case Flag:
		k := esfFlagColumns[c.Value]
		return "(esf_flags & " + strconv.Itoa(1<<(2*k)) + " <> 0)", "(esf_flags & " + strconv.Itoa(2<<(2*k)) + " <> 0)"
	case Leaving:
		return "(leaving = ANY (" + b.arg(c.Situations) + "::text[]))", ""
	case Qualification:
		return "qualified", ""
	case SixMonths:
		return "(six = ANY (" + b.arg(c.Situations) + "::text[]))", ""
	case Improved:
		return "improved", ""
	}
	return "false", ""
}

// EntityCount is the number of entities an operation supports, by kind.
type EntityCount struct {
	OperationID string
	// Public counts public administrations and public services (EECO18).
	Public int64
	// SME counts micro, small and medium-sized enterprises (EECO19).
	SME int64
}

// EntityCounts counts the organisations each operation supported from a date on or
// before the cut-off, once each, by the kind they were supported as.
func EntityCounts(ctx context.Context, t *store.Tx, cutoff time.Time, operationIDs []string) ([]EntityCount, error) {
	args := []any{cutoff}
	where := ""
	if operationIDs != nil {
		where = " AND oe.operation_id = ANY (" + store.Arg(&args, store.UUIDs(operationIDs)) + "::uuid[])"
	}
	return store.Query(ctx, t, "esf entity counts", `SELECT oe.operation_id, count(*) FILTER (WHERE oe.kind = 'PUBLIC_ADMINISTRATION'),
			count(*) FILTER (WHERE oe.kind = 'SME')
		FROM operation_entities oe
		WHERE oe.supported_from <= $1::date`+where+`
		GROUP BY oe.operation_id`, args,
		func(r pgx.Rows) (EntityCount, error) {
			var e EntityCount
			err := r.Scan(&e.OperationID, &e.Public, &e.SME)
			return e, err
		})
}

// ParticipantQuery selects the participants behind a value, or the incomplete ones.
type ParticipantQuery struct {
	Cutoff       time.Time
	OperationIDs []string
	Rules        Rules
	// Criterion selects complete participants passing it; nil with Incomplete false selects
	// every complete participant.
	Criterion *Criterion
	// Incomplete selects the participants excluded for missing data instead.
	Incomplete bool
	// Gender narrows to F, M or NB; "" takes all.
	Gender string
	// Estimated narrows a flag criterion to its informed estimates.
	Estimated bool
	// Limit caps the rows returned (0: no cap).
	Limit int
}

// ParticipantRow is one participant as the indicators see it.
type ParticipantRow struct {
	ParticipationID    string
	OperationID        string
	OperationCode      string
	PersonID           string
	EntryDate          time.Time
	ExitDate           *time.Time
	Entries            int
	Gender             *string
	GenderDerived      bool
	BirthDate          *time.Time
	BirthDateDerived   bool
	Age                *int
	EmploymentStatus   *string
	UnemploymentMonths *int
	ISCED              *int
	Flags              map[string]*string
	Leaving            *string
	Qualified          bool
	SixMonths          *string
	Missing            Missing
}

// Participants lists participants the way Count counts them, ordered by operation
// code and person. Rows are limited to the transaction's person scope; tax codes are not
// read, the caller pseudonymises the person ids.
func Participants(ctx context.Context, t *store.Tx, q ParticipantQuery) ([]ParticipantRow, error) {
	if q.Cutoff.IsZero() {
		return nil, fmt.Errorf("store: esf participants: cut-off date is required")
	}
	if q.Criterion != nil {
		if err := q.Criterion.validate(); err != nil {
			return nil, fmt.Errorf("store: esf participants: %w", err)
		}
	}
	cached, err := esfCachedWindows(ctx, t, q.Rules)
	if err != nil {
		return nil, err
	}
	b := &esfSQL{}
	src := b.source(q.Cutoff, q.OperationIDs, q.Rules, cached, false)
	where := []string{t.Scope().PersonPredicate("pe", &b.args)}
	switch {
	case q.Incomplete:
		where = append(where, "src.miss <> 0")
	case q.Criterion != nil:
		cond, est := b.condition(*q.Criterion, q.Rules)
		where = append(where, "src.miss = 0", cond)
		if q.Estimated {
			if est == "" {
				est = "false"
			}
			where = append(where, est)
		}
	default:
		where = append(where, "src.miss = 0")
	}
	if q.Gender != "" {
		where = append(where, "src.g = "+b.arg(q.Gender)+"::text")
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + b.arg(q.Limit) + "::int"
	}
	sql := src.with + `
		SELECT src.id, src.operation_id, o.code, src.person_id, src.entry_date, src.x, src.entries::int,
			src.g, src.g_derived, src.birth, src.birth_derived, src.age, src.st, src.um, src.isced,
			src.disability, src.third_country_national, src.foreign_background, src.minority, src.homeless, src.rural,
			src.leaving, src.qualified, src.six, src.miss
		FROM (` + src.union() + `) src JOIN operations o ON o.id = src.operation_id JOIN persons pe ON pe.id = src.person_id
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY o.code, src.person_id` + limit
	var rows []ParticipantRow
	err = withReportSettings(ctx, t, func() error {
		var err error
		rows, err = store.Query(ctx, t, "esf participants", sql, b.args, func(r pgx.Rows) (ParticipantRow, error) {
			var x ParticipantRow
			var age, isced *int16
			var um *int32
			var miss int16
			var f [6]*string
			err := r.Scan(&x.ParticipationID, &x.OperationID, &x.OperationCode, &x.PersonID, &x.EntryDate, &x.ExitDate,
				&x.Entries, &x.Gender, &x.GenderDerived, &x.BirthDate, &x.BirthDateDerived, &age, &x.EmploymentStatus, &um, &isced,
				&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &x.Leaving, &x.Qualified, &x.SixMonths, &miss)
			if err != nil {
				return x, err
			}
			x.Age, x.ISCED, x.UnemploymentMonths = intPtr(age), intPtr(isced), intPtr(um)
			x.Missing = Missing(miss)
			x.Flags = map[string]*string{"disability": f[0], "third_country_national": f[1], "foreign_background": f[2],
				"minority": f[3], "homeless": f[4], "rural": f[5]}
			return x, nil
		})
		return err
	})
	return rows, err
}

func intPtr[T int16 | int32](v *T) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

// Target is a planned value of an indicator for an operation.
type Target struct {
	OperationID   string
	IndicatorType string
	Indicator     string
	Planned       int64
}

// Targets lists the planned values of the given operations (nil: all).
func Targets(ctx context.Context, t *store.Tx, operationIDs []string) ([]Target, error) {
	var args []any
	where := "true"
	if operationIDs != nil {
		where = "operation_id = ANY (" + store.Arg(&args, store.UUIDs(operationIDs)) + "::uuid[])"
	}
	return store.Query(ctx, t, "esf targets", `SELECT operation_id, indicator_type, indicator, planned
		FROM operation_indicator_targets WHERE `+where+` ORDER BY operation_id, indicator_type, indicator`, args,
		func(r pgx.Rows) (Target, error) {
			var x Target
			err := r.Scan(&x.OperationID, &x.IndicatorType, &x.Indicator, &x.Planned)
			return x, err
		})
}
