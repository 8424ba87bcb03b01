package accessdata

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// AggregateCell is one raw count of an aggregate table, before small-cell suppression:
// the row it belongs to (a key and a label for people) and its column.
type AggregateCell struct {
	Row      string
	RowLabel string
	Column   string
	Count    int64
}

// CaseLoadGroupings are the groupings CaseLoad accepts.
var CaseLoadGroupings = []string{"STATUS", "ORGANISATION", "DEPARTMENT"}

// CaseLoad counts cases per group and status (groupBy: STATUS, ORGANISATION or
// DEPARTMENT). The counts are raw: suppress them before showing them. A request
// transaction needs the ClaimAggregates claim.
func CaseLoad(ctx context.Context, t *store.Tx, groupBy string) ([]AggregateCell, error) {
	known := false
	for _, g := range CaseLoadGroupings {
		known = known || g == groupBy
	}
	if !known {
		return nil, apperr.Inputf("groupBy", "unknown grouping %q", groupBy)
	}
	return store.Query(ctx, t, "case load", `SELECT group_key, group_label, status, cases FROM ponte_case_load($1)`, []any{groupBy}, scanAggregateCell)
}

// CaseLoadTables counts cases the three ways at once (every grouping of
// CaseLoadGroupings, by name), in one statement so that the three see the same cases:
// they are suppressed together. The counts are raw.
func CaseLoadTables(ctx context.Context, t *store.Tx) (map[string][]AggregateCell, error) {
	type groupedCell struct {
		grouping string
		AggregateCell
	}
	rows, err := store.Query(ctx, t, "case load tables",
		`SELECT g, l.group_key, l.group_label, l.status, l.cases FROM unnest($1::text[]) g, LATERAL ponte_case_load(g) l`,
		[]any{CaseLoadGroupings}, func(r pgx.Rows) (groupedCell, error) {
			var c groupedCell
			err := r.Scan(&c.grouping, &c.Row, &c.RowLabel, &c.Column, &c.Count)
			return c, err
		})
	if err != nil {
		return nil, err
	}
	out := map[string][]AggregateCell{}
	for _, g := range CaseLoadGroupings {
		out[g] = nil
	}
	for _, c := range rows {
		out[c.grouping] = append(out[c.grouping], c.AggregateCell)
	}
	return out, nil
}

// ServicesActivated counts the interventions of a funding round per service type and
// status. The counts are raw: suppress them before showing them.
func ServicesActivated(ctx context.Context, t *store.Tx, roundID string) ([]AggregateCell, error) {
	if !globalid.IsUUID(roundID) {
		return nil, apperr.Inputf("roundId", "%q is not a round id", roundID)
	}
	return store.Query(ctx, t, "services activated", `SELECT service_type, service_type, status, interventions FROM ponte_services_activated($1::uuid)`,
		[]any{roundID}, scanAggregateCell)
}

func scanAggregateCell(r pgx.Rows) (AggregateCell, error) {
	var c AggregateCell
	err := r.Scan(&c.Row, &c.RowLabel, &c.Column, &c.Count)
	return c, err
}
