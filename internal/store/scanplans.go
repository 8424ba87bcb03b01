package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// A page of cases scans thousands of values, and two kinds cost more than they need to.
//
// The areas' rows hold nullable columns as pointers (*string, *time.Time, …) and scan
// them through a pointer to the pointer. pgx plans such a destination with reflection
// (pgtype.TryPointerPointerScanPlan): for every value it takes the destination's type
// apart, allocates through reflect.New and boxes the result to scan it. typedPointers
// does the same for the pointer types the rows use, with the types known and the values
// carved from chunks (pointerTo).
//
// Every id is a uuid scanned into a string: pgx formats it in a buffer and copies that
// into a string of its own, an allocation an id. uuidStrings formats it straight into a
// chunk of bytes that the strings of many ids share.
//
// A scan plan belongs to one connection's type map, and a connection runs one statement
// at a time, so a plan's chunk is never used by two goroutines at once. A chunk stays
// alive while any value carved from it does: it is small (chunkBytes), so a value kept
// long (a cached row) keeps at most that much beside it.

// chunkBytes is about the size of the chunks values are carved from.
const chunkBytes = 2048

// useScanPlans installs the plans on a connection's type map.
func useScanPlans(_ context.Context, c *pgx.Conn) error {
	scanPlansOn(c.TypeMap())
	return nil
}

func scanPlansOn(m *pgtype.Map) {
	m.TryWrapScanPlanFuncs = append([]pgtype.TryWrapScanPlanFunc{typedPointers}, m.TryWrapScanPlanFuncs...)
	m.RegisterType(&pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidStrings{}})
}

// uuidStrings is pgx's uuid codec, but for scanning the binary form into a string.
type uuidStrings struct{ pgtype.UUIDCodec }

func (c uuidStrings) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*string); ok && format == pgtype.BinaryFormatCode {
		return &uuidToString{}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

// uuidToString writes a uuid's canonical form (lower-case hex, as pgx writes it) into its
// chunk and points the string at it.
type uuidToString struct{ chunk []byte }

func (p *uuidToString) Scan(src []byte, dst any) error {
	s, ok := dst.(*string)
	if !ok || s == nil {
		return fmt.Errorf("cannot scan into non-pointer or nil destinations %T", dst)
	}
	if src == nil {
		return fmt.Errorf("cannot scan NULL into %T", dst)
	}
	if len(src) != 16 {
		return fmt.Errorf("invalid length for UUID: %v", len(src))
	}
	if len(p.chunk) < 36 {
		p.chunk = make([]byte, chunkBytes/36*36)
	}
	b := p.chunk[:36:36]
	p.chunk = p.chunk[36:]
	hex.Encode(b[0:8], src[:4])
	b[8] = '-'
	hex.Encode(b[9:13], src[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], src[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], src[8:10])
	b[23] = '-'
	hex.Encode(b[24:], src[10:])
	// The bytes are never written again: the chunk moves on past them.
	*s = unsafe.String(&b[0], len(b))
	return nil
}

// typedPointers wraps a destination **T of the types the rows hold; the value is scanned
// into a new T by the plan for *T.
func typedPointers(target any) (pgtype.WrappedScanPlanNextSetter, any, bool) {
	switch target.(type) {
	case **string:
		return &pointerTo[string]{}, (*string)(nil), true
	case **time.Time:
		return &pointerTo[time.Time]{}, (*time.Time)(nil), true
	case **float64:
		return &pointerTo[float64]{}, (*float64)(nil), true
	case **int:
		return &pointerTo[int]{}, (*int)(nil), true
	case **int64:
		return &pointerTo[int64]{}, (*int64)(nil), true
	case **int32:
		return &pointerTo[int32]{}, (*int32)(nil), true
	case **bool:
		return &pointerTo[bool]{}, (*bool)(nil), true
	}
	return nil, nil, false
}

// pointerTo scans into **T: nil for NULL, else a T carved from the plan's chunk and
// scanned by the next plan.
type pointerTo[T any] struct {
	next  pgtype.ScanPlan
	cells []T
}

func (p *pointerTo[T]) SetNext(next pgtype.ScanPlan) { p.next = next }

func (p *pointerTo[T]) Scan(src []byte, dst any) error {
	pp, ok := dst.(**T)
	if !ok || pp == nil {
		return fmt.Errorf("cannot scan into non-pointer or nil destinations %T", dst)
	}
	if src == nil {
		*pp = nil
		return nil
	}
	if len(p.cells) == 0 {
		var zero T
		p.cells = make([]T, max(1, chunkBytes/int(unsafe.Sizeof(zero))/4))
	}
	v := &p.cells[0]
	if err := p.next.Scan(src, v); err != nil {
		// The cell was not handed out: the next value takes it, whatever was written.
		return err
	}
	p.cells = p.cells[1:]
	*pp = v
	return nil
}
