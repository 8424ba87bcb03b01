// Package record owns what every registry page is made of: raw records with
// their hash, per-record decoding into contract types, and per-record errors.
package record

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// RawRecord is one record exactly as the source sent it, kept for audit.
type RawRecord struct {
	// SourceRef is the record's identity at the source (e.g. an application
	// protocol). When it cannot be read it is "sha256:<hash>", so that a
	// broken record can still be quarantined under a stable key.
	SourceRef string
	// Body holds the bytes as received. For a malformed record they are
	// not valid JSON (or XML), which is why it is not a json.RawMessage.
	Body []byte
	// SHA256 is the hex SHA-256 of Body.
	SHA256 string
	// ContentType is "application/json" or "application/xml".
	ContentType string
	// MatchKeys identify the record by its content (see Kind.Keys), so that a corrected
	// record can be matched with a broken version whose reference was made from the
	// broken field. A broken record has only the keys made from fields it did not fail on.
	MatchKeys []string
}

// hashRefPrefix marks a SourceRef made from the body's hash, for a record too broken to
// read its own reference.
const hashRefPrefix = "sha256:"

// NewRaw hashes body into a RawRecord; an empty ref falls back to the hash.
func NewRaw(ref string, body []byte, contentType string) RawRecord {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	if ref == "" {
		ref = hashRefPrefix + h
	}
	return RawRecord{SourceRef: ref, Body: body, SHA256: h, ContentType: contentType}
}

// OwnRef is the record's reference as the source gave it, or "" when the record was too
// broken to read one and SourceRef stands in with the body's hash.
func (r RawRecord) OwnRef() string {
	if strings.HasPrefix(r.SourceRef, hashRefPrefix) {
		return ""
	}
	return r.SourceRef
}

// Decoded is a record that passed decoding.
type Decoded[T any] struct {
	Index    int // position in the page or file
	Raw      RawRecord
	Value    T
	Warnings []Warning
}

// Warning is something odd about a record that does not stop it landing,
// such as a field the contract does not know.
type Warning struct {
	Field   string
	Message string
}

func (w Warning) String() string { return w.Field + ": " + w.Message }

// FieldError names a field and why its value was refused. Field is empty
// when the record as a whole is unreadable.
type FieldError struct {
	Field  string
	Reason string
}

func (e FieldError) String() string {
	if e.Field == "" {
		return e.Reason
	}
	return "field " + e.Field + ": " + e.Reason
}

// RecordError is a record that failed decoding: to be quarantined with its
// raw body and the reasons, while the rest of the page lands.
type RecordError struct {
	Index    int
	Raw      RawRecord
	Problems []FieldError
}

func (e *RecordError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("record %d (%s): %s", e.Index, e.Raw.SourceRef, strings.Join(parts, "; "))
}

// Field returns the first refused field, "" for an unreadable record.
func (e *RecordError) Field() string {
	if len(e.Problems) == 0 {
		return ""
	}
	return e.Problems[0].Field
}

// Page is one page of a listing, or the answer to a lookup.
type Page[T any] struct {
	Raw        []RawRecord // every record in the order received
	Records    []Decoded[T]
	Errors     []RecordError
	NextCursor string // opaque; pass back to get the next page
	HasMore    bool
	FetchedAt  time.Time
}

// Warnings counts the warnings over the page's decoded records.
func (p *Page[T]) Warnings() int {
	n := 0
	for _, d := range p.Records {
		n += len(d.Warnings)
	}
	return n
}

// Values returns the decoded values, in order.
func (p *Page[T]) Values() []T {
	out := make([]T, len(p.Records))
	for i, d := range p.Records {
		out[i] = d.Value
	}
	return out
}
