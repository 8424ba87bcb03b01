package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The pointer types the rows hold are scanned by the typed plans; others keep pgx's.
func TestTypedPointerPlans(t *testing.T) {
	m := pgtype.NewMap()
	typedPointersOn(m)
	for _, c := range []struct {
		oid    uint32
		target any
		want   string
	}{
		{pgtype.TextOID, new(*string), "*store.pointerTo[string]"},
		{pgtype.UUIDOID, new(*string), "*store.pointerTo[string]"},
		{pgtype.DateOID, new(*time.Time), "*store.pointerTo[time.Time]"},
		{pgtype.TimestamptzOID, new(*time.Time), "*store.pointerTo[time.Time]"},
		{pgtype.NumericOID, new(*float64), "*store.pointerTo[float64]"},
		{pgtype.Int4OID, new(*int), "*store.pointerTo[int]"},
		{pgtype.Int8OID, new(*int64), "*store.pointerTo[int64]"},
		{pgtype.Int4OID, new(*int32), "*store.pointerTo[int32]"},
		{pgtype.BoolOID, new(*bool), "*store.pointerTo[bool]"},
		{pgtype.Int2OID, new(*int16), "*pgtype.pointerPointerScanPlan"},
	} {
		if got := fmt.Sprintf("%T", m.PlanScan(c.oid, pgtype.BinaryFormatCode, c.target)); got != c.want {
			t.Errorf("%T from oid %d: plan %s, want %s", c.target, c.oid, got, c.want)
		}
	}
}

// A value scanned through a typed plan costs its own allocation and no other.
func TestTypedPointerPlanAllocations(t *testing.T) {
	m := pgtype.NewMap()
	typedPointersOn(m)
	var dst *float64
	plan := m.PlanScan(pgtype.Float8OID, pgtype.BinaryFormatCode, &dst)
	src := []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0} // 1.5
	if n := testing.AllocsPerRun(100, func() {
		if err := plan.Scan(src, &dst); err != nil {
			t.Fatal(err)
		}
	}); n != 1 {
		t.Errorf("%v allocations a value, want 1", n)
	}
	if dst == nil || *dst != 1.5 {
		t.Errorf("scanned %v, want 1.5", dst)
	}
}
