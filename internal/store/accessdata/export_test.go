package accessdata

import (
	"context"

	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/store"
)

// AppendLogForTest appends e at once, inside the transaction, and returns the record, for
// tests that look at the chain entry by entry (the hub appends on commit).
func AppendLogForTest(ctx context.Context, t *store.Tx, e audit.Entry) (audit.Record, error) {
	n, args, err := accessLogArgs(e)
	if err != nil {
		return audit.Record{}, err
	}
	rec := audit.Record{Entry: n}
	if err := store.QueryRow(ctx, t, "append access log", appendAccessLog, args, &rec.Seq, &rec.Hash); err != nil {
		return audit.Record{}, err
	}
	return rec, nil
}
