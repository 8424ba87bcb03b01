package server_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

const countTableFields = `threshold columns rows { key label counts { value suppressed } total { value suppressed } }
  columnTotals { value suppressed } total { value suppressed }`

// countTable is a CountTable as the API returns it; a suppressed count is nil.
type countTable struct {
	columns      []string
	keys         []string
	cells        [][]*int64
	rowTotals    []*int64
	columnTotals []*int64
	total        *int64
}

func readCount(v any) *int64 {
	c := v.(map[string]any)
	if c["suppressed"].(bool) {
		if c["value"] != nil {
			panic("a suppressed count carries a value")
		}
		return nil
	}
	n := int64(c["value"].(float64))
	return &n
}

func readCountTable(v any) countTable {
	m := v.(map[string]any)
	var t countTable
	for _, c := range m["columns"].([]any) {
		t.columns = append(t.columns, c.(string))
	}
	for _, r := range m["rows"].([]any) {
		row := r.(map[string]any)
		t.keys = append(t.keys, row["key"].(string))
		var cells []*int64
		for _, c := range row["counts"].([]any) {
			cells = append(cells, readCount(c))
		}
		t.cells = append(t.cells, cells)
		t.rowTotals = append(t.rowTotals, readCount(row["total"]))
	}
	for _, c := range m["columnTotals"].([]any) {
		t.columnTotals = append(t.columnTotals, readCount(c))
	}
	t.total = readCount(m["total"])
	return t
}

// requireNoCellRecoverable checks one table as a reader would attack it: no shown total
// beside exactly one suppressed figure of its sum (which would give that figure away),
// and no suppressed group in a sum with a shown total that adds up to a small count. It
// takes columns to add up to their totals, which a department table's do only when no case
// involves two departments. aggregates_attack_test.go attacks every table at once.
func requireNoCellRecoverable(t *testing.T, ct countTable, threshold int64) {
	t.Helper()
	check := func(what string, members []*int64, total *int64) {
		if total == nil {
			return
		}
		hidden := 0
		var shown int64
		for _, m := range members {
			if m == nil {
				hidden++
			} else {
				shown += *m
			}
		}
		require.NotEqual(t, 1, hidden, "%s: one suppressed count beside its total", what)
		if hidden > 0 {
			mass := *total - shown
			require.False(t, mass > 0 && mass < threshold, "%s: the suppressed counts add up to %d", what, mass)
		}
	}
	for i, row := range ct.cells {
		check("row "+ct.keys[i], row, ct.rowTotals[i])
	}
	for j := range ct.columns {
		var col []*int64
		for i := range ct.cells {
			col = append(col, ct.cells[i][j])
		}
		check("column "+ct.columns[j], col, ct.columnTotals[j])
	}
	check("grand total by columns", ct.columnTotals, ct.total)
	check("grand total by rows", ct.rowTotals, ct.total)
	for i, row := range ct.cells {
		for j, c := range row {
			if c != nil {
				require.False(t, *c > 0 && *c < threshold, "cell %s/%s shows %d", ct.keys[i], ct.columns[j], *c)
			}
		}
	}
}

// Dashboards see counts and nothing else: small cells are suppressed, no suppressed cell
// can be worked out from the totals shown, and the population is their territory's.
func TestDashboardAggregatesSuppressSmallCells(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 12)
	ctx := context.Background()
	// Of Pisa's 12 cases: 9 open, 1 suspended, 2 closed. Torino has 1 open case.
	_, err := b.store.Pool().Exec(ctx, `UPDATE cases SET status = 'CLOSED', closed_on = opened_on + 30 WHERE reference IN ('PI-2020-0001', 'PI-2020-0002')`)
	require.NoError(t, err)
	_, err = b.store.Pool().Exec(ctx, `UPDATE cases SET status = 'SUSPENDED' WHERE reference = 'PI-2020-0003'`)
	require.NoError(t, err)
	// Of the round's 24 interventions: 21 active, 3 completed.
	_, err = b.store.Pool().Exec(ctx, `UPDATE interventions SET status = 'COMPLETED' WHERE id IN (SELECT id FROM interventions ORDER BY id LIMIT 3)`)
	require.NoError(t, err)

	d := b.okAs(t, "dashboard", access.PurposeStatistics, `{ caseLoad(groupBy: STATUS) { `+countTableFields+` } cases(first: 5) { totalCount } }`, nil)
	require.EqualValues(t, 0, path(t, d, "cases.totalCount"), "no rows for a dashboard")
	ct := readCountTable(d["caseLoad"])
	require.Equal(t, []string{"CASES"}, ct.columns)
	require.Equal(t, []string{"OPEN", "SUSPENDED", "CLOSED"}, ct.keys)
	require.Nil(t, ct.cells[1][0], "1 suspended case")
	require.Nil(t, ct.cells[2][0], "2 closed cases")
	require.Nil(t, ct.cells[0][0], "the open cases would give the small ones away beside the total")
	require.NotNil(t, ct.total)
	require.EqualValues(t, 12, *ct.total, "Pisa's territory only")
	requireNoCellRecoverable(t, ct, access.DefaultSuppressionThreshold)

	d = b.okAs(t, "dashboard", access.PurposeStatistics, `{ caseLoad(groupBy: ORGANISATION) { `+countTableFields+` } }`, nil)
	ct = readCountTable(d["caseLoad"])
	require.Equal(t, []string{"OPEN", "SUSPENDED", "CLOSED"}, ct.columns)
	require.Equal(t, []string{"SDS-PISA"}, ct.keys)
	requireNoCellRecoverable(t, ct, access.DefaultSuppressionThreshold)

	d = b.okAs(t, "dashboard", access.PurposeStatistics, `{ caseLoad(groupBy: DEPARTMENT) { `+countTableFields+` } }`, nil)
	ct = readCountTable(d["caseLoad"])
	require.Equal(t, []string{"SDS-PISA/CARE"}, ct.keys)
	requireNoCellRecoverable(t, ct, access.DefaultSuppressionThreshold)

	// A managing authority serves no territory: every case, Torino's single one suppressed.
	d = b.okAs(t, "esf_auditor", access.PurposeESFMonitoring, `{ caseLoad(groupBy: ORGANISATION) { `+countTableFields+` } }`, nil)
	ct = readCountTable(d["caseLoad"])
	require.Equal(t, []string{"TORINO", "SDS-PISA"}, ct.keys, "by name: Città di Torino, Società della Salute")
	require.Nil(t, ct.cells[0][0], "Torino's one open case")
	requireNoCellRecoverable(t, ct, access.DefaultSuppressionThreshold)

	d = b.okAs(t, "esf_auditor", access.PurposeESFMonitoring, `query($r: ID!) { servicesActivated(roundId: $r) { `+countTableFields+` } }`,
		map[string]any{"r": b.fx.round})
	ct = readCountTable(d["servicesActivated"])
	require.Equal(t, []string{"PLANNED", "ACTIVE", "COMPLETED", "INTERRUPTED"}, ct.columns)
	require.Equal(t, []string{"INTERNSHIP"}, ct.keys)
	require.EqualValues(t, 0, *ct.cells[0][0], "zeros are shown")
	require.Nil(t, ct.cells[0][2], "3 completed")
	requireNoCellRecoverable(t, ct, access.DefaultSuppressionThreshold)

	// Aggregates need the read_aggregates operation: not for case management.
	r := b.as(t, "social_worker", access.PurposeCaseManagement, `{ caseLoad(groupBy: STATUS) { total { value } } }`, nil)
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])
	d = b.okAs(t, "social_worker", access.PurposeStatistics, `{ caseLoad(groupBy: STATUS) { total { value } } }`, nil)
	require.EqualValues(t, 12, path(t, d, "caseLoad.total.value"))
	r = b.as(t, "dashboard", access.PurposeStatistics, `{ servicesActivated(roundId: "bad") { total { value } } }`, nil)
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"])
	require.Equal(t, "roundId", r.Errors[0].Extensions["field"])
}
