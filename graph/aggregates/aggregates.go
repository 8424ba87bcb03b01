// Package aggregates answers the API's count tables: counted by the store, suppressed
// under the request's threshold by the access layer, so no answer, alone or with
// another, shows a count below it.
package aggregates

import (
	"context"
	"fmt"
	"sort"

	"github.com/ponte-hub/ponte/graph/args"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// Column orders of the aggregate tables.
var (
	caseStatuses         = []string{"OPEN", "SUSPENDED", "CLOSED"}
	interventionStatuses = []string{"PLANNED", "ACTIVE", "COMPLETED", "INTERRUPTED"}
)

// CaseLoad counts cases per group and status, suppressed. The three groupings are
// suppressed together whichever is asked for (access.SuppressCaseLoad): they are linked
// tables over the same cases, and each answer is its part of one publication, so asking
// for another grouping, or again, shows nothing that could recover a hidden count.
func CaseLoad(ctx context.Context, groupBy model.CaseLoadGroup) (*model.CountTable, error) {
	r, err := request.Require(ctx, access.OpReadAggregates)
	if err != nil {
		return nil, err
	}
	tables, err := accessdata.CaseLoadTables(ctx, r.Tx())
	if err != nil {
		return nil, err
	}
	orgs, orgLabels := rowKeys(tables["ORGANISATION"], false)
	depts, deptLabels := rowKeys(tables["DEPARTMENT"], true)
	load := access.CaseLoad{Statuses: len(caseStatuses),
		ByOrganisation: Counts(tables["ORGANISATION"], orgs, caseStatuses),
		ByDepartment:   Counts(tables["DEPARTMENT"], depts, caseStatuses),
		NoDepartment:   Counts(tables["DEPARTMENT"], []string{noDepartment}, caseStatuses)[0]}
	byStatus := Counts(tables["STATUS"], caseStatuses, caseStatuses)
	for i := range caseStatuses {
		var n int64
		for _, r := range load.ByOrganisation {
			n += r[i]
		}
		if n != byStatus[i][i] {
			return nil, fmt.Errorf("aggregates: case load: %d %s cases by status, %d by organisation", byStatus[i][i], caseStatuses[i], n)
		}
	}
	st, err := access.SuppressCaseLoad(load, r.SuppressionThreshold())
	if err != nil {
		return nil, err
	}
	switch groupBy {
	case model.CaseLoadGroupStatus:
		// Rows are the statuses, all of them, zeros included; one column of cases.
		return CountTable(st.Status, caseStatuses, nil, []string{"CASES"}, r.SuppressionThreshold()), nil
	case model.CaseLoadGroupOrganisation:
		return CountTable(st.Organisation, orgs, orgLabels, caseStatuses, r.SuppressionThreshold()), nil
	}
	// The row of cases without a department is there when there are some.
	keys := append(depts, noDepartment)
	t := st.Department
	if last := len(keys) - 1; !t.RowTotals[last].Suppressed && t.RowTotals[last].Value == 0 {
		keys, t.Cells, t.RowTotals = keys[:last], t.Cells[:last], t.RowTotals[:last]
	}
	return CountTable(t, keys, deptLabels, caseStatuses, r.SuppressionThreshold()), nil
}

// noDepartment is the department grouping's key for cases involving no department.
const noDepartment = "NONE"

// ServicesActivated counts a round's interventions per service type and status, suppressed.
// A round's table is a linked set of its own: its interventions are in no other round's
// table, and no published figure adds rounds up or ties interventions to case counts, so
// no equation links two answers.
func ServicesActivated(ctx context.Context, roundID string) (*model.CountTable, error) {
	r, err := request.Require(ctx, access.OpReadAggregates)
	if err != nil {
		return nil, err
	}
	id, err := args.OptID("roundId", &roundID, "OperationRound")
	if err != nil {
		return nil, err
	}
	cells, err := accessdata.ServicesActivated(ctx, r.Tx(), *id)
	if err != nil {
		return nil, err
	}
	keys, labels := rowKeys(cells, false)
	st, err := access.Suppress(access.Table{Counts: Counts(cells, keys, interventionStatuses), Columns: len(interventionStatuses), RowTotals: true, ColumnTotals: true, GrandTotal: true},
		r.SuppressionThreshold())
	if err != nil {
		return nil, err
	}
	return CountTable(st, keys, labels, interventionStatuses, r.SuppressionThreshold()), nil
}

// rowKeys lists the row keys of raw cells (leaving out NONE when none is set) ordered by
// label, then key, with their labels.
func rowKeys(cells []accessdata.AggregateCell, none bool) ([]string, map[string]string) {
	labels := map[string]string{}
	for _, c := range cells {
		if !none || c.Row != noDepartment {
			labels[c.Row] = c.RowLabel
		}
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if labels[a] != labels[b] {
			return labels[a] < labels[b]
		}
		return a < b
	})
	if none {
		labels[noDepartment] = "No department"
		for _, c := range cells {
			if c.Row == noDepartment {
				labels[noDepartment] = c.RowLabel
			}
		}
	}
	return keys, labels
}

// Counts lays raw cells out as rows × columns, in the given orders.
func Counts(cells []accessdata.AggregateCell, rowKeys, columns []string) [][]int64 {
	rowAt := map[string]int{}
	for i, k := range rowKeys {
		rowAt[k] = i
	}
	colAt := map[string]int{}
	for j, c := range columns {
		colAt[c] = j
	}
	out := make([][]int64, len(rowKeys))
	for i := range out {
		out[i] = make([]int64, len(columns))
	}
	for _, c := range cells {
		i, ok1 := rowAt[c.Row]
		j, ok2 := colAt[c.Column]
		if ok1 && ok2 {
			out[i][j] += c.Count
		}
	}
	return out
}

// CountTable is a suppressed table as the API shows it.
func CountTable(st access.SuppressedTable, keys []string, labels map[string]string, columns []string, threshold int) *model.CountTable {
	out := &model.CountTable{Threshold: threshold, Columns: columns, Rows: make([]model.CountRow, len(keys)),
		ColumnTotals: suppressedCounts(st.ColumnTotals), Total: suppressedCount(*st.GrandTotal)}
	for i, k := range keys {
		label := labels[k]
		if label == "" {
			label = k
		}
		out.Rows[i] = model.CountRow{Key: k, Label: label, Counts: suppressedCounts(st.Cells[i]), Total: suppressedCount(st.RowTotals[i])}
	}
	return out
}

func suppressedCount(c access.Count) model.SuppressedCount {
	if c.Suppressed {
		return model.SuppressedCount{Suppressed: true}
	}
	v := int(c.Value)
	return model.SuppressedCount{Value: &v}
}

func suppressedCounts(cs []access.Count) []model.SuppressedCount {
	out := make([]model.SuppressedCount, len(cs))
	for i, c := range cs {
		out[i] = suppressedCount(c)
	}
	return out
}
