package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The areas' rows hold nullable columns as pointers (*string, *time.Time, …) and scan
// them through a pointer to the pointer. pgx plans such a destination with reflection
// (pgtype.TryPointerPointerScanPlan): for every value it takes the destination's type
// apart, allocates through reflect.New and boxes the result to scan it; a page of cases
// scans thousands of them. typedPointers does the same for the pointer types the rows
// use, with the types known: one allocation of the value itself and no reflection.
// Other pointers to pointers keep pgx's plan.

// useTypedPointers puts the typed plans in front of pgx's on a connection's type map.
func useTypedPointers(_ context.Context, c *pgx.Conn) error {
	typedPointersOn(c.TypeMap())
	return nil
}

func typedPointersOn(m *pgtype.Map) {
	m.TryWrapScanPlanFuncs = append([]pgtype.TryWrapScanPlanFunc{typedPointers}, m.TryWrapScanPlanFuncs...)
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

// pointerTo scans into **T: nil for NULL, else a new T scanned by the next plan.
type pointerTo[T any] struct{ next pgtype.ScanPlan }

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
	v := new(T)
	if err := p.next.Scan(src, v); err != nil {
		return err
	}
	*pp = v
	return nil
}
