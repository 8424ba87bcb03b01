package rights_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/rights"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// A month from receipt ends on the same day of the next month, or on its last day when
// that day does not exist there (as PostgreSQL's date + interval '1 month', which the
// table's check repeats).
func TestDueOnIsOneCalendarMonth(t *testing.T) {
	for received, due := range map[string]string{
		"2025-01-15": "2025-02-15", "2025-01-31": "2025-02-28", "2024-01-31": "2024-02-29",
		"2025-03-31": "2025-04-30", "2025-12-31": "2026-01-31", "2025-02-28": "2025-03-28",
	} {
		require.Equal(t, due, rights.DueOn(day(received)).Format(time.DateOnly), received)
	}
	require.Equal(t, "2025-04-30", rights.AddMonths(day("2025-01-31"), 3).Format(time.DateOnly))
}

func TestOverdueFromTheDayAfterTheDeadline(t *testing.T) {
	r := rightsdata.Request{Status: "RECEIVED", DueOn: day("2025-02-28")}
	require.False(t, rights.Overdue(r, day("2025-02-28").Add(23*time.Hour)))
	require.True(t, rights.Overdue(r, day("2025-03-01")))
	ext := day("2025-04-30")
	r.ExtendedDueOn = &ext
	require.False(t, rights.Overdue(r, day("2025-03-01")))
	r.Status = "CLOSED"
	require.False(t, rights.Overdue(r, day("2026-01-01")))
}
