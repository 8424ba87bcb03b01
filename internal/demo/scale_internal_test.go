package demo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScaleOperationsEndBeforeToday: at every scale up to MaxScale the synthetic
// operations start inside the span, in order, and their last round ends long before the
// present, so a report with today's cut-off counts every synthetic entry.
func TestScaleOperationsEndBeforeToday(t *testing.T) {
	maxOps := (MaxScale/scalePerRound + scaleRoundsPerOp - 1) / scaleRoundsPerOp
	for _, ops := range []int{1, 2, 3, 10, 40, 100, 400, maxOps} {
		prev := scaleFirstStart
		for k := range ops {
			s := scaleOperationStart(k, ops)
			require.False(t, s.Before(prev), "ops %d: operation %d starts before the one before it", ops, k)
			require.False(t, s.After(scaleLastStart), "ops %d: operation %d starts %s", ops, k, s)
			lastRoundEnds := s.AddDate(0, 6*(scaleRoundsPerOp-1)+15, -1)
			require.True(t, lastRoundEnds.Before(date(2026, 6, 1)), "ops %d: operation %d ends %s", ops, k, lastRoundEnds)
			prev = s
		}
	}
	// Small scales keep the quarterly spacing they always had.
	require.Equal(t, date(2021, 10, 1), scaleOperationStart(1, 3))
}
