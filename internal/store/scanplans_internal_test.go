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
	scanPlansOn(m)
	for _, c := range []struct {
		oid    uint32
		target any
		want   string
	}{
		{pgtype.TextOID, new(*string), "*store.pointerTo[string]"},
		{pgtype.UUIDOID, new(*string), "*store.pointerTo[string]"},
		{pgtype.UUIDOID, new(string), "*store.uuidToString"},
		{pgtype.TextOID, new(string), "pgtype.scanPlanString"},
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

// Values scanned through the typed plans are carved from chunks: no allocation of their
// own.
func TestTypedPointerPlanAllocations(t *testing.T) {
	m := pgtype.NewMap()
	scanPlansOn(m)
	var dst *float64
	plan := m.PlanScan(pgtype.Float8OID, pgtype.BinaryFormatCode, &dst)
	src := []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0} // 1.5
	if n := testing.AllocsPerRun(100, func() {
		if err := plan.Scan(src, &dst); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations a value, want none but the chunks'", n)
	}
	if dst == nil || *dst != 1.5 {
		t.Errorf("scanned %v, want 1.5", dst)
	}
	first := dst
	if err := plan.Scan(src, &dst); err != nil || dst == first {
		t.Errorf("two values share a cell (%v)", err)
	}
	if err := plan.Scan(nil, &dst); err != nil || dst != nil {
		t.Errorf("NULL scanned into %v (%v)", dst, err)
	}
}

// A uuid is written as pgx writes it, every id in bytes of its own.
func FuzzUUIDToStringAsPgx(f *testing.F) {
	f.Add([]byte{0x01, 0x90, 0xa5, 0xe4, 0x7f, 0x3c, 0x7d, 0x2a, 0x9b, 0x1e, 0x4c, 0x5d, 0x6e, 0x7f, 0x80, 0x91})
	f.Add(make([]byte, 16))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 2, 3})
	plain := pgtype.NewMap()
	m := pgtype.NewMap()
	scanPlansOn(m)
	var s string
	ours := m.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &s)
	theirs := plain.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &s)
	var kept []string
	var want []string
	f.Fuzz(func(t *testing.T, src []byte) {
		var got, w string
		gotErr := ours.Scan(src, &got)
		wantErr := theirs.Scan(src, &w)
		if (gotErr == nil) != (wantErr == nil) || got != w {
			t.Fatalf("%x: scanned %q (%v), pgx scans %q (%v)", src, got, gotErr, w, wantErr)
		}
		if gotErr == nil {
			if len(kept) == 256 {
				kept, want = kept[1:], want[1:]
			}
			kept, want = append(kept, got), append(want, w)
		}
		for i := range kept {
			if kept[i] != want[i] {
				t.Fatalf("an id scanned earlier changed: %q, was %q", kept[i], want[i])
			}
		}
	})
}

// A uuid scanned into a string costs no allocation of its own.
func TestUUIDToStringAllocations(t *testing.T) {
	m := pgtype.NewMap()
	scanPlansOn(m)
	var s string
	plan := m.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &s)
	src := make([]byte, 16)
	if n := testing.AllocsPerRun(1000, func() {
		if err := plan.Scan(src, &s); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations an id, want none but the chunks'", n)
	}
	if err := plan.Scan(nil, &s); err == nil {
		t.Error("NULL scanned into a string")
	}
}
