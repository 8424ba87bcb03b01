package graph

import (
	"context"
	"sort"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
)

// Column orders of the aggregate tables.
var (
	caseStatuses         = []string{"OPEN", "SUSPENDED", "CLOSED"}
	interventionStatuses = []string{"PLANNED", "ACTIVE", "COMPLETED", "INTERRUPTED"}
)

// caseLoad counts cases per group and status, suppressed.
func caseLoad(ctx context.Context, groupBy model.CaseLoadGroup) (*model.CountTable, error) {
	r, err := requireOperation(ctx, access.OpReadAggregates)
	if err != nil {
		return nil, err
	}
	cells, err := r.Tx.CaseLoad(ctx, string(groupBy))
	if err != nil {
		return nil, err
	}
	if groupBy == model.CaseLoadGroupStatus {
		// Rows are the statuses, all of them, zeros included; one column of cases.
		for i := range cells {
			cells[i].Column = "CASES"
		}
		return countTable(cells, caseStatuses, []string{"CASES"}, r.access.threshold)
	}
	return countTable(cells, nil, caseStatuses, r.access.threshold)
}

// servicesActivated counts a round's interventions per service type and status, suppressed.
func servicesActivated(ctx context.Context, roundID string) (*model.CountTable, error) {
	r, err := requireOperation(ctx, access.OpReadAggregates)
	if err != nil {
		return nil, err
	}
	id, err := optID("roundId", &roundID, "OperationRound")
	if err != nil {
		return nil, err
	}
	cells, err := r.Tx.ServicesActivated(ctx, *id)
	if err != nil {
		return nil, err
	}
	return countTable(cells, nil, interventionStatuses, r.access.threshold)
}

// countTable lays raw cells out as rows × columns (rows: the given keys in order, or else
// every row key found, by label, NONE last) and suppresses small cells with their row,
// column and grand totals shown.
func countTable(cells []store.AggregateCell, rowKeys, columns []string, threshold int) (*model.CountTable, error) {
	labels := map[string]string{}
	for _, c := range cells {
		labels[c.Row] = c.RowLabel
	}
	if rowKeys == nil {
		for k := range labels {
			rowKeys = append(rowKeys, k)
		}
		sort.Slice(rowKeys, func(i, j int) bool {
			a, b := rowKeys[i], rowKeys[j]
			if (a == "NONE") != (b == "NONE") {
				return b == "NONE"
			}
			if labels[a] != labels[b] {
				return labels[a] < labels[b]
			}
			return a < b
		})
	}
	rowAt := map[string]int{}
	for i, k := range rowKeys {
		rowAt[k] = i
	}
	colAt := map[string]int{}
	for j, c := range columns {
		colAt[c] = j
	}
	counts := make([][]int64, len(rowKeys))
	for i := range counts {
		counts[i] = make([]int64, len(columns))
	}
	for _, c := range cells {
		i, ok1 := rowAt[c.Row]
		j, ok2 := colAt[c.Column]
		if ok1 && ok2 {
			counts[i][j] += c.Count
		}
	}
	st, err := access.Suppress(access.Table{Counts: counts, RowTotals: true, ColumnTotals: true, GrandTotal: true}, threshold)
	if err != nil {
		return nil, err
	}
	out := &model.CountTable{Threshold: threshold, Columns: columns, Rows: make([]model.CountRow, len(rowKeys)),
		ColumnTotals: suppressedCounts(st.ColumnTotals), Total: suppressedCount(*st.GrandTotal)}
	for i, k := range rowKeys {
		label := labels[k]
		if label == "" {
			label = k
		}
		out.Rows[i] = model.CountRow{Key: k, Label: label, Counts: suppressedCounts(st.Cells[i]), Total: suppressedCount(st.RowTotals[i])}
	}
	return out, nil
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
