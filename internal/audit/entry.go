// Package audit owns the access log's content and its integrity: the entry every request
// appends, its canonical digest, the hash chain, and the verification that walks it.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// Entry is one access: who (subject, role, organisation), why (purpose), what
// (operation), whose data (persons) and which kinds of data (categories).
type Entry struct {
	At             time.Time
	Subject        string
	Role           string
	OrganisationID string // empty when the principal has no organisation
	Purpose        string
	// Operation names what was done, e.g. "query cases" or "mutation openCase".
	Operation string
	// RequestID ties the entry to the request's logs and traces.
	RequestID  string
	PersonIDs  []string
	Categories []string
}

// Record is an entry as stored: its place in the chain and its chain hash.
type Record struct {
	Seq  int64
	Hash []byte
	Entry
}

// Head is the end of the chain: the last sequence number and its hash.
type Head struct {
	Seq  int64
	Hash []byte
}

// GenesisHash is the hash before the first row.
var GenesisHash = make([]byte, sha256.Size)

const maxText = 512

// Normalize checks e and returns it in canonical form: time in UTC at microsecond
// precision (what PostgreSQL keeps), person ids in lower case, persons and categories
// sorted without duplicates. Problems are reported per field.
func (e Entry) Normalize() (Entry, error) {
	var c apperr.Collector
	if e.At.IsZero() {
		c.Add("at", "is required")
	}
	for _, f := range []struct{ name, v string }{
		{"subject", e.Subject}, {"role", e.Role}, {"purpose", e.Purpose}, {"operation", e.Operation},
	} {
		switch {
		case strings.TrimSpace(f.v) == "":
			c.Add(f.name, "is required")
		case len(f.v) > maxText:
			c.Addf(f.name, "is longer than %d bytes", maxText)
		}
	}
	if len(e.RequestID) > maxText {
		c.Addf("requestId", "is longer than %d bytes", maxText)
	}
	out := e
	out.At = e.At.UTC().Truncate(time.Microsecond)
	if e.OrganisationID != "" {
		out.OrganisationID = strings.ToLower(e.OrganisationID)
		if !globalid.IsUUID(out.OrganisationID) {
			c.Addf("organisationId", "%q is not a UUID", e.OrganisationID)
		}
	}
	out.PersonIDs = make([]string, 0, len(e.PersonIDs))
	for i, p := range e.PersonIDs {
		p = strings.ToLower(p)
		if !globalid.IsUUID(p) {
			c.Addf(fmt.Sprintf("personIds[%d]", i), "%q is not a UUID", e.PersonIDs[i])
			continue
		}
		out.PersonIDs = append(out.PersonIDs, p)
	}
	slices.Sort(out.PersonIDs)
	out.PersonIDs = slices.Compact(out.PersonIDs)
	out.Categories = make([]string, 0, len(e.Categories))
	for i, cat := range e.Categories {
		if strings.TrimSpace(cat) == "" || len(cat) > maxText {
			c.Add(fmt.Sprintf("categories[%d]", i), "must be a category name")
			continue
		}
		out.Categories = append(out.Categories, cat)
	}
	slices.Sort(out.Categories)
	out.Categories = slices.Compact(out.Categories)
	if err := c.Err(); err != nil {
		return Entry{}, fmt.Errorf("audit: entry: %w", err)
	}
	return out, nil
}

// digestVersion prefixes the canonical encoding, so a future layout cannot collide.
const digestVersion = "ponte/access-log/v1"

// Digest is the SHA-256 of e's canonical content: every field, length-prefixed, in a fixed
// order, with the time as microseconds since the epoch in UTC and the lists sorted. It
// does not depend on how PostgreSQL returns the row (time zone, array order).
func (e Entry) Digest() [sha256.Size]byte {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	str := func(s string) {
		n := binary.PutUvarint(buf[:], uint64(len(s)))
		h.Write(buf[:n])
		h.Write([]byte(s))
	}
	list := func(xs []string) {
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		n := binary.PutUvarint(buf[:], uint64(len(sorted)))
		h.Write(buf[:n])
		for _, x := range sorted {
			str(x)
		}
	}
	str(digestVersion)
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(e.At.UTC().UnixMicro()))
	h.Write(ts[:])
	str(e.Subject)
	str(e.Role)
	str(strings.ToLower(e.OrganisationID))
	str(e.Purpose)
	str(e.Operation)
	str(e.RequestID)
	persons := make([]string, len(e.PersonIDs))
	for i, p := range e.PersonIDs {
		persons[i] = strings.ToLower(p)
	}
	list(persons)
	list(e.Categories)
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// ChainHash is the hash of row seq: SHA-256(prev || seq as 8 big-endian bytes || digest).
// The database computes the same in access_log_append.
func ChainHash(prev []byte, seq int64, digest [sha256.Size]byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(seq))
	h.Write(s[:])
	h.Write(digest[:])
	return h.Sum(nil)
}

// ErrTampered marks every verification failure that shows the log was changed.
var ErrTampered = errors.New("access log tampered")

// TamperError names the first row at which the chain breaks.
type TamperError struct {
	Seq    int64
	Reason string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("audit: access log row %d: %s", e.Seq, e.Reason)
}

// Unwrap makes errors.Is(err, ErrTampered) hold.
func (e *TamperError) Unwrap() error { return ErrTampered }
