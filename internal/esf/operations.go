package esf

import (
	"context"
	"fmt"
	"sort"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// OperationValues are the indicator values of every operation in scope at a cut-off, and
// the targets stored for them: what the national monitoring protocol reports per
// operation (internal/esf/igrue).
type OperationValues struct {
	// Ops are sorted by code.
	Ops []esfdata.OperationRef
	// Values holds each operation's values as a group of its own, by operation id.
	Values map[string]*Group
	// Targets holds the planned values by operation id and indicator code.
	Targets map[string]map[string]esfdata.Target
}

// ValuesByOperation counts the report of q once per operation in scope.
func ValuesByOperation(ctx context.Context, tx *store.Tx, q Query) (*OperationValues, error) {
	q, rules, err := q.normalised()
	if err != nil {
		return nil, err
	}
	t, err := count(ctx, tx, q, rules)
	if err != nil {
		return nil, err
	}
	targets, err := esfdata.Targets(ctx, tx, scopeIDs(q, t.ops))
	if err != nil {
		return nil, fmt.Errorf("esf: operation targets: %w", err)
	}
	ov := &OperationValues{Values: map[string]*Group{}, Targets: map[string]map[string]esfdata.Target{}}
	for _, x := range targets {
		if ov.Targets[x.OperationID] == nil {
			ov.Targets[x.OperationID] = map[string]esfdata.Target{}
		}
		ov.Targets[x.OperationID][x.Indicator] = x
	}
	for _, o := range t.ops {
		g := newGroup(groupKey(o))
		ov.Values[o.ID] = &g
	}
	t.fill(ov.Values)
	ov.Ops = append([]esfdata.OperationRef(nil), t.ops...)
	sort.Slice(ov.Ops, func(i, j int) bool { return ov.Ops[i].Code < ov.Ops[j].Code })
	return ov, nil
}

// ProgrammeTargets are an operation's programme-specific (DPR) targets, by indicator code.
func (ov *OperationValues) ProgrammeTargets(opID string) []esfdata.Target {
	var dpr []esfdata.Target
	for _, x := range ov.Targets[opID] {
		if x.IndicatorType == "DPR" {
			dpr = append(dpr, x)
		}
	}
	sort.Slice(dpr, func(i, j int) bool { return dpr[i].Indicator < dpr[j].Indicator })
	return dpr
}
