package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// The pull API shared by the registries. A listing answers
//
//	{"records": [ {...}, ... ], "next_cursor": "opaque", "has_more": true}
//
// and is paged by passing next_cursor back as ?cursor= with ?limit=. The
// records array is split element by element before any record is decoded,
// so one malformed record (bad JSON inside it, a wrong type, a bad date)
// becomes a RecordError and the others still decode; only a page whose
// structure is broken (truncated, unbalanced) fails as a whole.

// Envelope is a page split into its records, not yet decoded.
type Envelope struct {
	Records    [][]byte
	NextCursor string
	HasMore    bool
}

// ErrPage reports a page whose structure is broken: the records cannot be
// told apart, so nothing from it can be trusted.
var ErrPage = errors.New("malformed page")

// SplitPage splits a page envelope into its records.
func SplitPage(b []byte) (*Envelope, error) {
	pageErr := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrPage, fmt.Sprintf(format, args...))
	}
	env := &Envelope{}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, pageErr("want a JSON object at offset %d", i)
	}
	i++
	seenRecords, seenHasMore := false, false
	for first := true; ; first = false {
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, pageErr("unexpected end of page")
		}
		if b[i] == '}' {
			i++
			break
		}
		if !first {
			if b[i] != ',' {
				return nil, pageErr("want ',' or '}' at offset %d", i)
			}
			i = skipSpace(b, i+1)
		}
		end, ok := skipString(b, i)
		if !ok {
			return nil, pageErr("want a member name at offset %d", i)
		}
		var key string
		if err := json.Unmarshal(b[i:end], &key); err != nil {
			return nil, pageErr("member name at offset %d: %v", i, err)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, pageErr("want ':' after %q", key)
		}
		i = skipSpace(b, i+1)
		switch key {
		case "records":
			if seenRecords {
				return nil, pageErr("duplicate records member")
			}
			seenRecords = true
			next, recs, err := splitArray(b, i)
			if err != nil {
				return nil, pageErr("records: %v", err)
			}
			env.Records, i = recs, next
		default:
			end, err := scanValue(b, i)
			if err != nil {
				return nil, pageErr("%s: %v", key, err)
			}
			v := bytes.TrimSpace(b[i:end])
			switch key {
			case "next_cursor":
				if !isNull(v) {
					if err := json.Unmarshal(v, &env.NextCursor); err != nil {
						return nil, pageErr("next_cursor: want a string")
					}
				}
			case "has_more":
				seenHasMore = true
				if err := json.Unmarshal(v, &env.HasMore); err != nil {
					return nil, pageErr("has_more: want a boolean")
				}
			default:
				if !json.Valid(v) {
					return nil, pageErr("member %q is not valid JSON", key)
				}
			}
			i = end
		}
	}
	if i = skipSpace(b, i); i != len(b) {
		return nil, pageErr("trailing data at offset %d", i)
	}
	switch {
	case !seenRecords:
		return nil, pageErr("records member missing")
	case !seenHasMore:
		return nil, pageErr("has_more member missing")
	case env.HasMore && env.NextCursor == "":
		return nil, pageErr("has_more is true but next_cursor is empty")
	}
	return env, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset after the string starting at b[i].
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(b), false
}

// scanValue finds the end of the value starting at b[i] by balancing
// brackets outside strings, without judging what is inside: that is left
// to the record's decoder so that its errors stay local to it.
func scanValue(b []byte, i int) (int, error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, ok := skipString(b, i)
			if !ok {
				return 0, errors.New("unterminated string")
			}
			i = end
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, nil
			}
			depth--
		case ',':
			if depth == 0 {
				return i, nil
			}
		}
		i++
	}
	if depth > 0 {
		return 0, errors.New("unexpected end inside a value")
	}
	return i, nil
}

func splitArray(b []byte, i int) (int, [][]byte, error) {
	if i >= len(b) || b[i] != '[' {
		return 0, nil, errors.New("want an array")
	}
	i = skipSpace(b, i+1)
	var out [][]byte
	if i < len(b) && b[i] == ']' {
		return i + 1, out, nil
	}
	for {
		end, err := scanValue(b, i)
		if err != nil {
			return 0, nil, fmt.Errorf("element %d: %v", len(out), err)
		}
		out = append(out, bytes.TrimSpace(b[i:end]))
		if end >= len(b) {
			return 0, nil, errors.New("unexpected end of array")
		}
		switch b[end] {
		case ',':
			i = skipSpace(b, end+1)
		case ']':
			return end + 1, out, nil
		default:
			return 0, nil, fmt.Errorf("unbalanced %q at offset %d", b[end], end)
		}
	}
}

// Kind describes one record type of the contract.
type Kind[T any] struct {
	// Name identifies the record type, e.g. "benefit_case".
	Name string
	// Ref reads the source reference without consuming fields (use
	// Object.Peek), so it also works on records that fail decoding.
	Ref func(o *Object) string
	// Decode reads the record; problems are recorded on o.
	Decode func(o *Object) T
	// Keys lists the sets of top-level string fields that identify a record by its
	// content, each set on its own: the fields the reference is made of, and others
	// that identify the same record when one of those is broken.
	Keys [][]string
}

// DecodeRecord decodes one record's body.
func (k Kind[T]) DecodeRecord(index int, body []byte) (Decoded[T], *RecordError) {
	o, err := ParseObject(body)
	if err != nil {
		return Decoded[T]{}, &RecordError{Index: index, Raw: NewRaw("", body, "application/json"), Problems: []FieldError{{Reason: err.Error()}}}
	}
	raw := NewRaw(k.Ref(o), body, "application/json")
	keys := k.matchKeys(o) // before Decode, which consumes the fields
	v := k.Decode(o)
	problems, warnings := o.Finish()
	raw.MatchKeys = clearOf(keys, problems)
	if len(problems) > 0 {
		return Decoded[T]{}, &RecordError{Index: index, Raw: raw, Problems: problems}
	}
	return Decoded[T]{Index: index, Raw: raw, Value: v, Warnings: warnings}, nil
}

// matchKey is one of a record's content keys and the fields it is made of.
type matchKey struct {
	fields []string
	key    string
}

// matchKeys makes a key of each field set whose fields are all present: the field
// names and their values, trimmed and in upper case (tax codes and protocols are
// compared without regard to case), in a form no two different sets of values share.
func (k Kind[T]) matchKeys(o *Object) []matchKey {
	var out []matchKey
	for _, fields := range k.Keys {
		vals := make([]string, 0, len(fields))
		for _, f := range fields {
			v := strings.ToUpper(o.Peek(f))
			if v == "" {
				break
			}
			vals = append(vals, v)
		}
		if len(vals) < len(fields) {
			continue
		}
		enc, _ := json.Marshal(vals) // strings only
		out = append(out, matchKey{fields: fields, key: strings.Join(fields, "+") + "=" + string(enc)})
	}
	return out
}

// clearOf keeps the keys made of no field a problem names (by its top-level field); a
// problem about the record as a whole leaves none.
func clearOf(keys []matchKey, problems []FieldError) []string {
	broken := map[string]bool{}
	for _, p := range problems {
		if p.Field == "" {
			return nil
		}
		top := p.Field
		if i := strings.IndexAny(top, ".["); i >= 0 {
			top = top[:i]
		}
		broken[top] = true
	}
	var out []string
next:
	for _, k := range keys {
		for _, f := range k.fields {
			if broken[f] {
				continue next
			}
		}
		out = append(out, k.key)
	}
	return out
}

// DecodePage splits and decodes a page, record by record.
func DecodePage[T any](body []byte, k Kind[T]) (*Page[T], error) {
	env, err := SplitPage(body)
	if err != nil {
		return nil, err
	}
	return decodeEnvelope(env, k), nil
}

func decodeEnvelope[T any](env *Envelope, k Kind[T]) *Page[T] {
	p := &Page[T]{NextCursor: env.NextCursor, HasMore: env.HasMore, Raw: make([]RawRecord, 0, len(env.Records))}
	for i, rec := range env.Records {
		d, rerr := k.DecodeRecord(i, rec)
		if rerr != nil {
			p.Raw = append(p.Raw, rerr.Raw)
			p.Errors = append(p.Errors, *rerr)
			continue
		}
		p.Raw = append(p.Raw, d.Raw)
		p.Records = append(p.Records, d)
	}
	return p
}

// Fetcher pulls pages of one record kind through a source's client.
type Fetcher[T any] struct {
	Client *client.Client
	Kind   Kind[T]
	// Now stamps FetchedAt; time.Now when nil.
	Now func() time.Time
}

func (f Fetcher[T]) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// MaxLimit is the largest page a caller may ask for.
const MaxLimit = 1000

// List fetches one page of a listing. An empty cursor starts from the
// beginning; limit must be in [1, MaxLimit].
func (f Fetcher[T]) List(ctx context.Context, op, path, cursor string, limit int, extra url.Values) (*Page[T], error) {
	if limit < 1 || limit > MaxLimit {
		return nil, &client.Error{Source: f.Client.Source(), Operation: op, Err: fmt.Errorf("limit %d outside [1, %d]", limit, MaxLimit)}
	}
	q := url.Values{}
	for k, v := range extra {
		q[k] = v
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	q.Set("limit", strconv.Itoa(limit))
	return f.page(ctx, client.Request{Operation: op, Path: path, Query: q})
}

// Search POSTs a JSON body and decodes the page answered.
func (f Fetcher[T]) Search(ctx context.Context, op, path string, body any) (*Page[T], error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, &client.Error{Source: f.Client.Source(), Operation: op, Err: fmt.Errorf("encode request: %w", err)}
	}
	return f.page(ctx, client.Request{Operation: op, Method: http.MethodPost, Path: path, Body: data})
}

// Get fetches a paged resource with no cursor (e.g. all records of one person).
func (f Fetcher[T]) Get(ctx context.Context, op, path string, q url.Values) (*Page[T], error) {
	return f.page(ctx, client.Request{Operation: op, Path: path, Query: q})
}

func (f Fetcher[T]) page(ctx context.Context, req client.Request) (*Page[T], error) {
	req.Endpoint = f.Kind.Name
	var env *Envelope
	req.Check = func(b []byte) error {
		var err error
		env, err = SplitPage(b)
		return err
	}
	if _, err := f.Client.Do(ctx, req); err != nil {
		return nil, err
	}
	p := decodeEnvelope(env, f.Kind)
	p.FetchedAt = f.now()
	return p, nil
}

// One fetches a single-record resource (e.g. a person's current ISEE);
// the page holds that record, decoded or as a RecordError. A 404 comes
// back as a *client.Error matching client.ErrNotFound.
func (f Fetcher[T]) One(ctx context.Context, op, path string) (*Page[T], error) {
	resp, err := f.Client.Do(ctx, client.Request{Operation: op, Endpoint: f.Kind.Name, Path: path, Check: func(b []byte) error {
		if _, err := scanValue(b, skipSpace(b, 0)); err != nil {
			return fmt.Errorf("%w: %v", ErrPage, err)
		}
		return nil
	}})
	if err != nil {
		return nil, err
	}
	env := &Envelope{Records: [][]byte{bytes.TrimSpace(resp.Body)}}
	p := decodeEnvelope(env, f.Kind)
	p.FetchedAt = f.now()
	return p, nil
}

// MaxSearch bounds the tax codes of one search request.
const MaxSearch = 100

// SearchRequest is the body of the POST …/search endpoints.
type SearchRequest struct {
	TaxCodes []string `json:"tax_codes"`
}

// LookupCode validates a tax code a caller asks about, so that a typo is
// reported before anything is sent to the source.
func LookupCode(source, op, taxCode string) (string, error) {
	c, err := codicefiscale.Parse(taxCode)
	if err != nil {
		return "", &client.Error{Source: source, Operation: op, Err: err}
	}
	return c.String(), nil
}

// NewSearch validates the tax codes of a search.
func NewSearch(source, op string, taxCodes []string) (SearchRequest, error) {
	if len(taxCodes) == 0 || len(taxCodes) > MaxSearch {
		return SearchRequest{}, &client.Error{Source: source, Operation: op, Err: fmt.Errorf("%d tax codes, want 1 to %d", len(taxCodes), MaxSearch)}
	}
	req := SearchRequest{TaxCodes: make([]string, len(taxCodes))}
	for i, tc := range taxCodes {
		c, err := LookupCode(source, op, tc)
		if err != nil {
			return SearchRequest{}, err
		}
		req.TaxCodes[i] = c
	}
	return req, nil
}
