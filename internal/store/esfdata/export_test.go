package esfdata

import (
	"context"

	"github.com/ponte-hub/ponte/internal/store"
)

// CountMaintainedForTest answers q from the maintained counts only; ok is false when
// they cannot.
func CountMaintainedForTest(ctx context.Context, t *store.Tx, q CountQuery) (rows []CountRow, ok bool, err error) {
	return esfCountMaintained(ctx, t, q)
}
