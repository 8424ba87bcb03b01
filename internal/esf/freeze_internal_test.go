package esf

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A report frozen before an indicator joined the table is verified on the indicators it
// holds: the new one has no frozen value to differ from.
func TestCompareReportsSkipsIndicatorsTheFrozenReportLacks(t *testing.T) {
	t.Parallel()
	key := GroupKey{"PN", "P1", "ESO4.1", "MORE_DEVELOPED"}
	current := newGroup(key)
	for i := range current.Values {
		current.Values[i].Total = 3
	}
	frozen := newGroup(key)
	frozen.Values = frozen.Values[:len(frozen.Values)-1] // without the last, EECR06
	for i := range frozen.Values {
		frozen.Values[i].Total = 3
	}
	require.Equal(t, "EECR06", current.Values[len(current.Values)-1].Indicator)
	require.Empty(t, compareReports(&Report{Groups: []Group{frozen}}, &Report{Groups: []Group{current}}))

	frozen.Values[0].Total = 2
	changes := compareReports(&Report{Groups: []Group{frozen}}, &Report{Groups: []Group{current}})
	require.Equal(t, []ValueChange{{GroupKey: key, Indicator: "EECO01", Column: "total", Frozen: 2, Current: 3}}, changes)

	// A frozen report with no group compares every indicator against zeros.
	require.Len(t, compareReports(&Report{}, &Report{Groups: []Group{current}}), len(Indicators))
}
