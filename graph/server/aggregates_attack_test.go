package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/intruder"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// The attack: an intruder holding every aggregate one principal can request — the three
// caseLoad groupings with all their totals, servicesActivated for every round there is,
// each asked more than once and in any order — writes each published figure as an
// equation over the unknown cells of the finest cross-classification (cases: status ×
// leading organisation × set of departments involved; a round's interventions: service
// type × status), with whole non-negative unknowns and every suppressed figure at least 1
// (zeros are shown, so a suppressed figure is not zero). It then solves exactly
// (internal/intruder: rational simplex, branch and bound) for the smallest and largest
// value of every suppressed figure and of the multi-department overlap. The case tables
// and the rounds share no unknown (a round's interventions are in no other table, and no
// figure adds rounds up or ties them to cases), so the system splits into one block per
// population, solved apart. Required, for every count from 1 to threshold-1: not
// recovered (smallest ≠ largest), and not even bounded below the threshold.

// aggregatePrincipal is someone allowed read_aggregates, and the purpose they declare.
type aggregatePrincipal struct {
	id      identity
	purpose access.Purpose
}

func (p aggregatePrincipal) String() string { return fmt.Sprintf("%s of %s", p.id.role, p.id.org) }

// asID posts a GraphQL request as any identity.
func (b *accessBundle) asID(t testing.TB, id identity, purpose access.Purpose, query string, vars map[string]any) map[string]any {
	t.Helper()
	tok, err := b.issuer.IssueDev(id.subject, id.role, id.org, nil, time.Hour)
	require.NoError(t, err)
	r := b.send(t, "Bearer "+tok, string(purpose), query, vars)
	require.Empty(t, r.Errors, "unexpected errors: %+v", r.Errors)
	return r.Data
}

// publication is every aggregate a principal got, as the intruder reads it.
type publication struct {
	caseLoad intruder.CaseLoad
	rounds   map[string]intruder.Table // by round id
	raw      map[string]string         // each answer's JSON, by what was asked
}

var caseLoadGroupings = []string{"STATUS", "ORGANISATION", "DEPARTMENT"}

// askEverything asks for every aggregate at once, then each again on its own in reverse
// order, and requires the same answers.
func (b *accessBundle) askEverything(t *testing.T, p aggregatePrincipal, rounds []string) publication {
	t.Helper()
	var q strings.Builder
	vars := map[string]any{}
	var decl []string
	for i := range rounds {
		decl = append(decl, fmt.Sprintf("$r%d: ID!", i))
	}
	q.WriteString("query")
	if len(decl) > 0 {
		q.WriteString("(" + strings.Join(decl, ", ") + ")")
	}
	q.WriteString(" {\n")
	for _, g := range caseLoadGroupings {
		fmt.Fprintf(&q, "%s: caseLoad(groupBy: %s) { %s }\n", g, g, countTableFields)
	}
	for i, r := range rounds {
		fmt.Fprintf(&q, "r%d: servicesActivated(roundId: $r%d) { %s }\n", i, i, countTableFields)
		vars[fmt.Sprintf("r%d", i)] = r
	}
	q.WriteString("}")
	d := b.asID(t, p.id, p.purpose, q.String(), vars)
	pub := publication{rounds: map[string]intruder.Table{}, raw: map[string]string{}}
	for k, v := range d {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		pub.raw[k] = string(raw)
	}
	// Again, one question at a time, last first: nothing depends on what was asked before.
	for i := len(rounds) - 1; i >= 0; i-- {
		again := b.asID(t, p.id, p.purpose, `query($r: ID!) { servicesActivated(roundId: $r) { `+countTableFields+` } }`, map[string]any{"r": rounds[i]})
		raw, err := json.Marshal(again["servicesActivated"])
		require.NoError(t, err)
		require.JSONEq(t, pub.raw[fmt.Sprintf("r%d", i)], string(raw), "%s: round %s asked again", p, rounds[i])
	}
	for i := len(caseLoadGroupings) - 1; i >= 0; i-- {
		g := caseLoadGroupings[i]
		again := b.asID(t, p.id, p.purpose, `{ caseLoad(groupBy: `+g+`) { `+countTableFields+` } }`, nil)
		raw, err := json.Marshal(again["caseLoad"])
		require.NoError(t, err)
		require.JSONEq(t, pub.raw[g], string(raw), "%s: %s asked again", p, g)
	}
	pub.caseLoad = intruder.CaseLoad{NoneKey: "NONE", Status: intruderTable(d["STATUS"]),
		Organisation: intruderTable(d["ORGANISATION"]), Department: intruderTable(d["DEPARTMENT"])}
	for i, r := range rounds {
		pub.rounds[r] = intruderTable(d[fmt.Sprintf("r%d", i)])
	}
	return pub
}

func intruderTable(v any) intruder.Table {
	ct := readCountTable(v)
	return intruder.Table{Rows: ct.keys, Columns: ct.columns, Cells: ct.cells, RowTotals: ct.rowTotals,
		ColumnTotals: ct.columnTotals, Total: ct.total}
}

// population reads, as the tables' owner, the cases a principal's aggregates count.
func population(t *testing.T, st *store.Store, org string) (string, []intruder.Case) {
	t.Helper()
	ctx := context.Background()
	var territory string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT coalesce(territory, '') FROM organisations WHERE code = $1`, org).Scan(&territory))
	rows, err := st.Pool().Query(ctx, `
		SELECT c.status, lo.code, coalesce(array_agg(o.code || '/' || d.code) FILTER (WHERE d.id IS NOT NULL), '{}')
		  FROM cases c JOIN organisations lo ON lo.id = c.organisation_id
		  LEFT JOIN case_departments cd ON cd.case_id = c.id
		  LEFT JOIN departments d ON d.id = cd.department_id
		  LEFT JOIN organisations o ON o.id = d.organisation_id
		 WHERE $1 = '' OR lo.territory = $1
		 GROUP BY c.id, c.status, lo.code`, territory)
	require.NoError(t, err)
	defer rows.Close()
	var out []intruder.Case
	for rows.Next() {
		var c intruder.Case
		require.NoError(t, rows.Scan(&c.Status, &c.Organisation, &c.Departments))
		out = append(out, c)
	}
	require.NoError(t, rows.Err())
	return territory, out
}

// roundTruth reads a round's true counts in the published table's order.
func roundTruth(t *testing.T, st *store.Store, territory, round string, tb intruder.Table) [][]int64 {
	t.Helper()
	_, id, err := globalid.Decode(round)
	require.NoError(t, err)
	rows, err := st.Pool().Query(context.Background(), `
		SELECT i.service_type, i.status, count(*)
		  FROM interventions i JOIN cases c ON c.id = i.case_id JOIN organisations lo ON lo.id = c.organisation_id
		 WHERE i.round_id = $1 AND ($2 = '' OR lo.territory = $2)
		 GROUP BY 1, 2`, id, territory)
	require.NoError(t, err)
	defer rows.Close()
	counts := map[[2]string]int64{}
	services := map[string]bool{}
	for rows.Next() {
		var s, status string
		var n int64
		require.NoError(t, rows.Scan(&s, &status, &n))
		counts[[2]string{s, status}] = n
		services[s] = true
	}
	require.NoError(t, rows.Err())
	require.Len(t, tb.Rows, len(services), "the table lists every service of the round, and only those")
	out := make([][]int64, len(tb.Rows))
	for i, s := range tb.Rows {
		out[i] = make([]int64, len(tb.Columns))
		for j, c := range tb.Columns {
			out[i][j] = counts[[2]string{s, c}]
		}
	}
	return out
}

// attackReport sums up an attack for the test log.
type attackReport struct {
	hidden, small int
	tightest      string // the small figure with the lowest largest value
	tightestMax   int64
}

func (r *attackReport) record(t *testing.T, who string, f intruder.Finding, truth, threshold int64) {
	t.Helper()
	r.hidden++
	if truth < 1 || truth >= threshold {
		return
	}
	r.small++
	require.False(t, f.Range.Determined(), "%s: %s = %d is recovered exactly", who, f.Figure, truth)
	require.True(t, f.Range.Unbounded || f.Range.Max >= threshold,
		"%s: %s = %d can only be %v: known to be below %d", who, f.Figure, truth, f.Range, threshold)
	if !f.Range.Unbounded && (r.tightest == "" || f.Range.Max < r.tightestMax) {
		r.tightest, r.tightestMax = fmt.Sprintf("%s %v (true %d)", f.Figure, f.Range, truth), f.Range.Max
	}
}

// requireUnrecoverable runs the attack for one principal.
func requireUnrecoverable(t *testing.T, b *accessBundle, p aggregatePrincipal, rounds []string) publication {
	t.Helper()
	const threshold = access.DefaultSuppressionThreshold
	pub := b.askEverything(t, p, rounds)
	territory, cases := population(t, b.store, p.id.org)

	// Shared figures: one value, or one suppression, in every table.
	cl := pub.caseLoad
	for i := range cl.Status.Rows {
		require.Equal(t, cl.Status.Cells[i][0], cl.Organisation.ColumnTotals[i], "%s: %s cases", p, cl.Status.Rows[i])
		require.Equal(t, cl.Status.Cells[i][0], cl.Department.ColumnTotals[i], "%s: %s cases", p, cl.Status.Rows[i])
	}
	require.Equal(t, cl.Status.Total, cl.Organisation.Total)
	require.Equal(t, cl.Status.Total, cl.Department.Total)

	var rep attackReport
	a, err := intruder.AttackCaseLoad(cl)
	require.NoError(t, err)
	findings, err := a.Solve()
	require.NoError(t, err, p.String())
	truth, err := a.Truth(cases, findings) // also: the published figures are the true ones
	require.NoError(t, err, "%s: the published case load does not fit the cases", p)
	for i, f := range findings {
		rep.record(t, p.String(), f, truth[i], threshold)
	}
	for _, r := range rounds {
		tb := pub.rounds[r]
		findings, values, err := intruder.AttackTable("SERVICES", tb, roundTruth(t, b.store, territory, r, tb))
		require.NoError(t, err, "%s: round %s", p, r)
		for i, f := range findings {
			rep.record(t, p.String(), f, values[i], threshold)
		}
	}
	if rep.tightest == "" {
		rep.tightest = "every small one unbounded above"
	}
	t.Logf("%s: %d cases, %d rounds; %d figures hidden, %d of them small, none recovered; tightest: %s",
		p, len(cases), len(rounds), rep.hidden, rep.small, rep.tightest)
	return pub
}

func roundIDs(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `SELECT id::text FROM operation_rounds ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, globalid.Encode("OperationRound", id))
	}
	require.NoError(t, rows.Err())
	return out
}

// A population built to leak: a small organisation leading two cases, a partner's
// department, cases in one, two, three or no departments, few suspended cases, and two
// rounds with rare services. Every principal allowed aggregates, together with every
// aggregate it can ask for, recovers no small count.
func TestAggregatesResistAnIntruderHoldingEverything(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 30)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := b.store.Pool().Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	refs := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, fmt.Sprintf("PI-2020-%04d", n))
		}
		return out
	}
	// Statuses: 3 suspended, 7 closed, 20 open; the cooperative leads two cases.
	exec(`UPDATE cases SET status = 'SUSPENDED' WHERE reference = ANY($1)`, refs(3, 4, 29))
	exec(`UPDATE cases SET status = 'CLOSED', closed_on = opened_on + 40 WHERE reference = ANY($1)`, refs(10, 11, 12, 13, 14, 15, 16))
	exec(`UPDATE cases SET organisation_id = (SELECT id FROM organisations WHERE code = 'COOP-ARNERA') WHERE reference = ANY($1)`, refs(29, 30))
	// Departments: CARE for all to begin with; HOUSING shared by six; WORK for one in three
	// departments and one alone; the cooperative's LAB for its own case and one shared.
	exec(`INSERT INTO departments (organisation_id, code, name, kind) SELECT id, 'WORK', 'Work', 'EMPLOYMENT' FROM organisations WHERE code = 'SDS-PISA'`)
	exec(`INSERT INTO departments (organisation_id, code, name, kind) SELECT id, 'LAB', 'Workshop', 'OTHER' FROM organisations WHERE code = 'COOP-ARNERA'`)
	link := func(dept string, ns ...int) {
		org, code, _ := strings.Cut(dept, "/")
		exec(`INSERT INTO case_departments (case_id, department_id)
			SELECT c.id, d.id FROM cases c, departments d JOIN organisations o ON o.id = d.organisation_id
			 WHERE c.reference = ANY($1) AND o.code = $2 AND d.code = $3`, refs(ns...), org, code)
	}
	unlink := func(dept string, ns ...int) {
		_, code, _ := strings.Cut(dept, "/")
		exec(`DELETE FROM case_departments cd USING cases c, departments d
			 WHERE cd.case_id = c.id AND cd.department_id = d.id AND c.reference = ANY($1) AND d.code = $2`, refs(ns...), code)
	}
	link("SDS-PISA/HOUSING", 1, 2, 3, 4, 5, 6, 7)
	link("SDS-PISA/WORK", 7, 8)
	unlink("SDS-PISA/CARE", 8, 25, 26, 29)
	link("COOP-ARNERA/LAB", 29, 20)
	// Rounds: the first keeps most interventions, with four planned psychological
	// supports and one internship completed; a second takes the first ten cases', with a
	// single HACCP course, two interrupted home cares and three orientations.
	exec(`INSERT INTO operation_rounds (operation_id, number, starts_on) SELECT operation_id, 2, '2022-01-01' FROM operation_rounds`)
	exec(`UPDATE interventions i SET round_id = (SELECT id FROM operation_rounds WHERE number = 2)
		FROM cases c WHERE c.id = i.case_id AND c.reference = ANY($1)`, refs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
	setService := func(round int, service, status string, n int) {
		exec(`UPDATE interventions SET service_type = $1, status = $2 WHERE id IN (
			SELECT i.id FROM interventions i JOIN operation_rounds r ON r.id = i.round_id
			 WHERE r.number = $3 AND i.service_type = 'INTERNSHIP' AND i.status = 'ACTIVE' ORDER BY i.id LIMIT $4)`, service, status, round, n)
	}
	setService(1, "PSYCHOLOGICAL_SUPPORT", "PLANNED", 4)
	setService(1, "INTERNSHIP", "COMPLETED", 1)
	setService(2, "TRAINING_HACCP", "COMPLETED", 1)
	setService(2, "HOME_CARE", "INTERRUPTED", 2)
	setService(2, "ORIENTATION", "ACTIVE", 3)
	// Torino's one case gets one home care in the first round: only the national view sees it.
	exec(`INSERT INTO interventions (case_id, round_id, service_type, provider_organisation_id, beneficiary_id, status)
		SELECT c.id, r.id, 'HOME_CARE', c.organisation_id, c.person_id, 'ACTIVE'
		  FROM cases c, operation_rounds r WHERE c.reference = 'TO-2021-0001' AND r.number = 1`)

	rounds := roundIDs(t, b.store)
	require.Len(t, rounds, 2)
	principals := []aggregatePrincipal{
		{identities["dashboard"], access.PurposeStatistics},
		{identities["social_worker"], access.PurposeStatistics},
		{identities["admin"], access.PurposeStatistics},
		{identities["esf_auditor"], access.PurposeESFMonitoring},
		{identities["torino"], access.PurposeStatistics},
	}
	var pisa *publication
	for _, p := range principals {
		pub := requireUnrecoverable(t, b, p, rounds)
		if p.id.org == "SDS-PISA" {
			// The answers depend on the population, not on who asks.
			if pisa == nil {
				pisa = &pub
			} else {
				require.Equal(t, pisa.raw, pub.raw, "%s answers as the other principals of its territory", p)
			}
		}
	}
	// The linked tables are suppressed as one: the department table has cases in up to
	// three departments and its totals count each once.
	ct := readCountTable(mustJSON(t, pisa.raw["DEPARTMENT"]))
	keys := append([]string(nil), ct.keys...)
	sort.Strings(keys[:len(keys)-1])
	require.Equal(t, []string{"COOP-ARNERA/LAB", "SDS-PISA/CARE", "SDS-PISA/HOUSING", "SDS-PISA/WORK", "NONE"}, keys)
}

// The demo's data, attacked by its dashboard, its territory's other aggregate roles, the
// managing authority (every territory) and Torino's social worker (four cases).
func TestDemoAggregatesResistAnIntruderHoldingEverything(t *testing.T) {
	t.Parallel()
	b := setupAccessOn(t, func(st *store.Store) (fixture, accessFixture) {
		_, err := demo.Load(context.Background(), st, demo.Options{}, nil)
		require.NoError(t, err)
		return fixture{}, accessFixture{}
	})
	rounds := roundIDs(t, b.store)
	require.NotEmpty(t, rounds)
	principals := []aggregatePrincipal{
		{identity{"dash.demo", access.RoleDashboard, roster.OrgSdSPisa}, access.PurposeStatistics},
		{identity{"sw.demo", access.RoleSocialWorker, roster.OrgSdSPisa}, access.PurposeStatistics},
		{identity{"admin.demo", access.RoleAdmin, roster.OrgSdSPisa}, access.PurposeStatistics},
		{identity{"esf.demo", access.RoleESFAuditor, roster.OrgMinistryMA}, access.PurposeESFMonitoring},
		{identity{"sw.torino.demo", access.RoleSocialWorker, roster.OrgTorino}, access.PurposeStatistics},
	}
	for _, p := range principals {
		requireUnrecoverable(t, b, p, rounds)
	}
}

func mustJSON(t *testing.T, raw string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return v
}
