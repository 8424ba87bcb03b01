package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
)

// Source reads the stored log for verification, in sequence order.
type Source interface {
	// AccessLogPage returns up to limit records with seq > afterSeq, in seq order.
	AccessLogPage(ctx context.Context, afterSeq int64, limit int) ([]Record, error)
	// AccessLogHead returns the chain head as stored.
	AccessLogHead(ctx context.Context) (Head, error)
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// PageSize is how many rows are read per round trip (default 5000).
	PageSize int
	// Anchor, if set, is a head recorded earlier outside the database (printed by
	// `ponte audit verify`): the row at Anchor.Seq must still carry Anchor.Hash. Without
	// an anchor, someone able to rewrite the whole chain from a row onwards, head
	// included, would go unnoticed.
	Anchor *Head
}

// Result summarises a successful verification.
type Result struct {
	// Rows is how many rows were checked.
	Rows int64
	// Head is the verified end of the chain.
	Head Head
}

// Verify walks the whole chain from the first row, recomputing each row's digest and
// chain hash, and checks the rows are numbered without gaps and end at the stored head.
// It returns a *TamperError naming the first row where the chain breaks.
func Verify(ctx context.Context, src Source, opts VerifyOptions) (Result, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 5000
	}
	head, err := src.AccessLogHead(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("audit: verify: read head: %w", err)
	}
	prev := GenesisHash
	var last int64
	anchorSeen := false
	for {
		page, err := src.AccessLogPage(ctx, last, opts.PageSize)
		if err != nil {
			return Result{}, fmt.Errorf("audit: verify: read rows after %d: %w", last, err)
		}
		for _, r := range page {
			if r.Seq != last+1 {
				return Result{}, &TamperError{Seq: last + 1, Reason: fmt.Sprintf("is missing (the next row is %d)", r.Seq)}
			}
			want := ChainHash(prev, r.Seq, r.Digest())
			if !bytes.Equal(want, r.Hash) {
				return Result{}, &TamperError{Seq: r.Seq, Reason: "its content or hash was changed (the stored hash does not match the chain)"}
			}
			if opts.Anchor != nil && r.Seq == opts.Anchor.Seq {
				if !bytes.Equal(r.Hash, opts.Anchor.Hash) {
					return Result{}, &TamperError{Seq: r.Seq, Reason: "does not match the anchor recorded earlier: the chain was rewritten up to here"}
				}
				anchorSeen = true
			}
			prev, last = r.Hash, r.Seq
		}
		if len(page) < opts.PageSize {
			break
		}
	}
	switch {
	case head.Seq > last:
		return Result{}, &TamperError{Seq: last + 1, Reason: fmt.Sprintf("is missing: the head says the log ends at row %d", head.Seq)}
	case head.Seq < last:
		return Result{}, &TamperError{Seq: head.Seq + 1, Reason: fmt.Sprintf("lies beyond the head (row %d): the head was moved back", head.Seq)}
	case !bytes.Equal(head.Hash, prev):
		return Result{}, &TamperError{Seq: head.Seq, Reason: "does not match the head's hash"}
	}
	if opts.Anchor != nil && !anchorSeen {
		return Result{}, &TamperError{Seq: opts.Anchor.Seq, Reason: fmt.Sprintf("is missing, but the anchor names it (log ends at %d)", last)}
	}
	return Result{Rows: last, Head: Head{Seq: last, Hash: prev}}, nil
}

// String prints a head as "<seq>:<hex hash>", the form ParseHead reads.
func (h Head) String() string { return fmt.Sprintf("%d:%s", h.Seq, hex.EncodeToString(h.Hash)) }

// ParseHead reads an anchor printed by Head.String.
func ParseHead(s string) (Head, error) {
	var seq int64
	var hexHash string
	i := bytes.IndexByte([]byte(s), ':')
	if i <= 0 {
		return Head{}, fmt.Errorf("audit: anchor %q: want <seq>:<64 hex digits>", s)
	}
	if _, err := fmt.Sscanf(s[:i], "%d", &seq); err != nil || seq <= 0 || fmt.Sprint(seq) != s[:i] {
		return Head{}, fmt.Errorf("audit: anchor %q: sequence number must be a positive integer", s)
	}
	hexHash = s[i+1:]
	h, err := hex.DecodeString(hexHash)
	if err != nil || len(h) != 32 {
		return Head{}, fmt.Errorf("audit: anchor %q: hash must be 64 hex digits", s)
	}
	return Head{Seq: seq, Hash: h}, nil
}
