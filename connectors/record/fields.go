package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Object reads the fields of one JSON object strictly: each accessor
// records a FieldError naming the (nested) field when the value is
// missing, of the wrong type or out of its domain, and Finish turns the
// fields nobody asked for into warnings.
type Object struct {
	path  string
	m     map[string]json.RawMessage
	state *decodeState
}

type decodeState struct {
	errs  []FieldError
	warns []Warning
}

// ErrNotObject: the record is valid JSON but not an object.
var ErrNotObject = errors.New("record is not a JSON object")

// ParseObject starts reading body, which must be a JSON object.
func ParseObject(body []byte) (*Object, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			return nil, fmt.Errorf("malformed JSON: %w", syntaxError(trimmed))
		}
		return nil, ErrNotObject
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	return &Object{m: m, state: &decodeState{}}, nil
}

func syntaxError(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return errors.New("invalid JSON")
}

// Fail records a problem with field (relative to this object).
func (o *Object) Fail(field, reason string) {
	o.state.errs = append(o.state.errs, FieldError{Field: o.name(field), Reason: reason})
}

// Failf is Fail with formatting.
func (o *Object) Failf(field, format string, args ...any) {
	o.Fail(field, fmt.Sprintf(format, args...))
}

// Finish reports unread fields as warnings and returns the problems and
// warnings of the whole record.
func (o *Object) Finish() ([]FieldError, []Warning) {
	o.unknown()
	return o.state.errs, o.state.warns
}

func (o *Object) unknown() {
	if len(o.m) == 0 {
		return
	}
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.state.warns = append(o.state.warns, Warning{Field: o.name(k), Message: "unknown field ignored"})
	}
	clear(o.m)
}

// Has reports whether field is present and not null, without consuming it.
func (o *Object) Has(field string) bool {
	v, ok := o.m[field]
	return ok && !isNull(v)
}

// Peek returns a field's string value without consuming or validating it,
// for reading a source reference out of a record that may be broken.
func (o *Object) Peek(field string) string {
	var s string
	if json.Unmarshal(o.m[field], &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

func (o *Object) name(field string) string {
	if o.path == "" {
		return field
	}
	return o.path + "." + field
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// take consumes field; absent and null both count as missing.
func (o *Object) take(field string, required bool) (json.RawMessage, bool) {
	v, ok := o.m[field]
	delete(o.m, field)
	if !ok || isNull(v) {
		if required {
			o.Fail(field, "is required")
		}
		return nil, false
	}
	return v, true
}

func jsonKind(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func (o *Object) str(field string, required bool) (string, bool) {
	v, ok := o.take(field, required)
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		o.Failf(field, "want a string, got %s", jsonKind(v))
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			o.Fail(field, "must not be empty")
		}
		return "", false
	}
	return s, true
}

// String reads a string field (trimmed; empty counts as missing).
func (o *Object) String(field string, required bool) string {
	s, _ := o.str(field, required)
	return s
}

// Match reads a string field that must match re; what describes the
// expected shape in the error.
func (o *Object) Match(field string, required bool, re *regexp.Regexp, what string) string {
	s, ok := o.str(field, required)
	if !ok {
		return ""
	}
	if !re.MatchString(s) {
		o.Failf(field, "%q is not %s", Clip(s), what)
		return ""
	}
	return s
}

// Enum reads a string field whose value must be one of allowed (exactly).
func (o *Object) Enum(field string, required bool, allowed ...string) string {
	s, ok := o.str(field, required)
	if !ok {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	o.Failf(field, "%q is not one of %s", Clip(s), strings.Join(allowed, ", "))
	return ""
}

// DateLayout is the contract's date format.
const DateLayout = time.DateOnly

// Date reads a YYYY-MM-DD field as midnight UTC.
func (o *Object) Date(field string, required bool) (time.Time, bool) {
	s, ok := o.str(field, required)
	if !ok {
		return time.Time{}, false
	}
	t, problem := ParseDate(s)
	if problem != "" {
		o.Fail(field, problem)
		return time.Time{}, false
	}
	return t, true
}

// ParseDate reads a YYYY-MM-DD value as midnight UTC, or says what is wrong with it.
func ParseDate(s string) (time.Time, string) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", Clip(s))
	}
	return t, ""
}

// OptDate reads an optional date.
func (o *Object) OptDate(field string) *time.Time {
	if t, ok := o.Date(field, false); ok {
		return &t
	}
	return nil
}

// Time reads an RFC 3339 timestamp field, normalised to UTC.
func (o *Object) Time(field string, required bool) (time.Time, bool) {
	s, ok := o.str(field, required)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		o.Failf(field, "%q is not an RFC 3339 timestamp", Clip(s))
		return time.Time{}, false
	}
	return t.UTC(), true
}

// OptTime reads an optional timestamp.
func (o *Object) OptTime(field string) *time.Time {
	if t, ok := o.Time(field, false); ok {
		return &t
	}
	return nil
}

func (o *Object) number(field string, required bool) (json.Number, bool) {
	v, ok := o.take(field, required)
	if !ok {
		return "", false
	}
	if jsonKind(v) != "number" {
		o.Failf(field, "want a number, got %s", jsonKind(v))
		return "", false
	}
	return json.Number(bytes.TrimSpace(v)), true
}

// Int reads an integer field within [lo, hi].
func (o *Object) Int(field string, required bool, lo, hi int) (int, bool) {
	n, ok := o.number(field, required)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		o.Failf(field, "%s is not an integer", Clip(string(n)))
		return 0, false
	}
	if i < int64(lo) || i > int64(hi) {
		o.Failf(field, "%d is outside [%d, %d]", i, lo, hi)
		return 0, false
	}
	return int(i), true
}

// OptInt reads an optional integer.
func (o *Object) OptInt(field string, lo, hi int) *int {
	if i, ok := o.Int(field, false, lo, hi); ok {
		return &i
	}
	return nil
}

// Float reads a number field within [lo, hi].
func (o *Object) Float(field string, required bool, lo, hi float64) (float64, bool) {
	n, ok := o.number(field, required)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		o.Failf(field, "%s is not a finite number", Clip(string(n)))
		return 0, false
	}
	if f < lo || f > hi {
		o.Failf(field, "%v is outside [%v, %v]", f, lo, hi)
		return 0, false
	}
	return f, true
}

// OptFloat reads an optional number.
func (o *Object) OptFloat(field string, lo, hi float64) *float64 {
	if f, ok := o.Float(field, false, lo, hi); ok {
		return &f
	}
	return nil
}

// Euro reads a non-negative amount with at most two decimals.
func (o *Object) Euro(field string, required bool) (Euro, bool) {
	n, ok := o.number(field, required)
	if !ok {
		return 0, false
	}
	e, err := ParseEuro(string(n))
	if err != nil {
		o.Fail(field, err.Error())
		return 0, false
	}
	if e < 0 {
		o.Failf(field, "%s is negative", e)
		return 0, false
	}
	return e, true
}

// OptEuro reads an optional amount.
func (o *Object) OptEuro(field string) *Euro {
	if e, ok := o.Euro(field, false); ok {
		return &e
	}
	return nil
}

// TaxCode reads a codice fiscale, validated (layout, date, check
// character) and returned upper-case as written, omocodes included.
func (o *Object) TaxCode(field string, required bool) string {
	s, ok := o.str(field, required)
	if !ok {
		return ""
	}
	c, err := codicefiscale.Parse(s)
	if err != nil {
		o.Fail(field, "invalid tax code: "+codicefiscale.Reason(err))
		return ""
	}
	return c.String()
}

// Object reads a nested object with fn; nested fields are named
// "field.sub" in problems and warnings.
func (o *Object) Object(field string, required bool, fn func(*Object)) bool {
	v, ok := o.take(field, required)
	if !ok {
		return false
	}
	var m map[string]json.RawMessage
	if jsonKind(v) != "object" || json.Unmarshal(v, &m) != nil {
		o.Failf(field, "want an object, got %s", jsonKind(v))
		return false
	}
	sub := &Object{path: o.name(field), m: m, state: o.state}
	fn(sub)
	sub.unknown()
	return true
}

// Array reads an array of objects, calling fn for each with the element
// named "field[i]".
func (o *Object) Array(field string, required bool, fn func(i int, elem *Object)) int {
	v, ok := o.take(field, required)
	if !ok {
		return 0
	}
	var elems []json.RawMessage
	if jsonKind(v) != "array" || json.Unmarshal(v, &elems) != nil {
		o.Failf(field, "want an array, got %s", jsonKind(v))
		return 0
	}
	for i, e := range elems {
		name := fmt.Sprintf("%s[%d]", field, i)
		var m map[string]json.RawMessage
		if jsonKind(e) != "object" || json.Unmarshal(e, &m) != nil {
			o.Failf(name, "want an object, got %s", jsonKind(e))
			continue
		}
		sub := &Object{path: o.name(name), m: m, state: o.state}
		fn(i, sub)
		sub.unknown()
	}
	return len(elems)
}

// Clip keeps a quoted bad value short in messages.
func Clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// MapLabel looks a source's free-text label up in labels, ignoring case and spacing.
func MapLabel[S ~string](labels map[string]S, raw string) (S, bool) {
	s, ok := labels[strings.Join(strings.Fields(strings.ToLower(raw)), " ")]
	return s, ok
}

// Labelled reads a status a source sends as a free-text label in rawField and, when it
// can, also as one of allowed in field. The label maps through labels; an enum that
// contradicts the label, or a label that maps to nothing with no enum beside it, is a
// problem. It returns the status and the label as sent.
func Labelled[S ~string](o *Object, field, rawField string, labels map[string]S, allowed ...string) (status S, raw string) {
	raw = o.String(rawField, true)
	mapped, known := MapLabel(labels, raw)
	if o.Has(field) {
		status = S(o.Enum(field, true, allowed...))
		if known && status != "" && status != mapped {
			o.Failf(field, "%s contradicts %s %q (%s)", status, rawField, raw, mapped)
		}
	} else if raw != "" {
		if !known {
			o.Failf(rawField, "label %q maps to no known status and no %s was sent", raw, field)
		}
		status = mapped
	}
	return status, raw
}
