package generated

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/ponte-hub/ponte/graph/request"
)

// marshalSliceInline marshals the elements of a list of objects one after another on
// the caller's goroutine, where gqlgen's graphql.MarshalSliceConcurrently starts one per
// element (graph/gqlgen explains the choice). Every element gets its own field context
// with its index, as there; an element that panics adds its error and the list resolves
// to null once every element has been tried. The list, its field contexts and indices
// are carved from the request's slabs.
func marshalSliceInline(l *executionLocal, ctx context.Context, length int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	if length == 0 {
		return graphql.Array{}
	}
	locked := l.lock()
	ret := graphql.Array(l.carveValues(length))
	fcs := l.carveFieldContexts(length)
	indices := l.carveInts(length)
	l.unlock(locked)
	failed := false
	for i := range length {
		indices[i] = i
		fcs[i].Index = &indices[i]
		childCtx := graphql.WithFieldContext(ctx, &fcs[i])
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					failed = true
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	if failed {
		return nil
	}
	return ret
}

// objectShape is how the objects of one selection are written: the fields collected
// from it, once per request (executionLocal), and their response keys as written, `{"a":`
// for the first and `,"b":` for the others. A field whose alias was written already has
// no key and is skipped: gqlgen's FieldSet writes every alias once too, keeping a map of
// the aliases written so that deferred fields merged into an object are not repeated, and
// no field is deferred here (graph/gqlgen).
type objectShape struct {
	fields []graphql.CollectedField
	keys   []string
}

func newShape(fields []graphql.CollectedField) *objectShape {
	s := &objectShape{fields: fields, keys: make([]string, len(fields))}
	var b strings.Builder
	for i := range fields {
		alias := fields[i].Alias
		if written(fields[:i], alias) {
			continue
		}
		b.Reset()
		if i == 0 {
			b.WriteString("{")
		} else {
			b.WriteString(",")
		}
		writeName(&b, alias)
		b.WriteString(":")
		s.keys[i] = b.String()
	}
	return s
}

// executionLocal is what one request's execution keeps besides gqlgen's state: the shapes
// of its selections and the slabs its objects and field contexts are carved from.
//
// Below the root every field runs on its root field's goroutine (graph/gqlgen), so an
// operation with one root field, or a mutation, whose root fields run in order, resolves
// everything on one goroutine and needs no lock. Only when a query's root fields start
// goroutines of their own (dispatchRoot) is the mutex taken.
type executionLocal struct {
	concurrent atomic.Bool
	mu         sync.Mutex
	// shapes are the request's shapes, by selection and object type: every object of a
	// list shares its selection, so its fields are collected, and its keys written out,
	// once for all of them. gqlgen's own cache (graphql.CollectFields) is keyed the same
	// way but hashes the type's name for every object it is asked about.
	shapes map[shapeKey]*objectShape
	// objects, values, fieldContexts and ints are what is left of the current slabs.
	// Every object, value, field context and list index of a response lives until the
	// response is written, so a page takes them a slab at a time rather than one
	// allocation each (a 50-case page resolves some 1,500 objects and as many field
	// contexts).
	objects       []objectFields
	values        []graphql.Marshaler
	fieldContexts []graphql.FieldContext
	ints          []int
	// carved counts the values carved, which the response's size follows.
	carved int
	// request is the operation's request, once a field has looked it up.
	request *request.Request
	// slab is the size of the next slab, doubled up to maxSlab: a small answer takes
	// little.
	slab int
}

const (
	firstSlab = 16
	maxSlab   = 512
)

// dispatchRoot runs a root object's fields, marking the execution concurrent first when
// they may run on goroutines of their own.
func (l *executionLocal) dispatchRoot(ctx context.Context, out *graphql.FieldSet) {
	if len(out.Values) > 1 {
		l.concurrent.Store(true)
	}
	out.Dispatch(ctx)
}

// lock takes the mutex when the execution is concurrent, and says whether it did, for
// unlock: the execution may turn concurrent in between, never back.
func (l *executionLocal) lock() bool {
	if l.concurrent.Load() {
		l.mu.Lock()
		return true
	}
	return false
}

func (l *executionLocal) unlock(locked bool) {
	if locked {
		l.mu.Unlock()
	}
}

// nextSlab is the size of the next slab, at least n.
func (l *executionLocal) nextSlab(n int) int {
	l.slab = min(max(l.slab*2, firstSlab), maxSlab)
	return max(l.slab, n)
}

// shapeKey is a selection (its elements, which the parsed query holds for the whole
// request, and their number) and the object type's implementors (a variable per type).
type shapeKey struct {
	sel          *ast.Selection
	n            int
	implementors *string
}

// objectFields is an object being resolved, then written: its shape and the values of its
// fields, carved from the request's slabs, where gqlgen's field set and the marshaller
// written from it took three allocations an object.
type objectFields struct {
	shape    *objectShape
	Values   []graphql.Marshaler
	Invalids uint32
}

// newObject starts an object of the type of implementors for the selection sel, with the
// request's shapes and slabs: graph/gqlgen rewrites every object below the root to begin
// here, in place of graphql.CollectFields and graphql.NewFieldSet.
func newObject(l *executionLocal, op *graphql.OperationContext, sel ast.SelectionSet, implementors []string) *objectFields {
	key := shapeKey{sel: unsafe.SliceData(sel), n: len(sel), implementors: unsafe.SliceData(implementors)}
	locked := l.lock()
	s, ok := l.shapes[key]
	if !ok {
		l.unlock(locked)
		s = newShape(graphql.CollectFields(op, sel, implementors))
		locked = l.lock()
		if l.shapes == nil {
			l.shapes = map[shapeKey]*objectShape{}
		}
		l.shapes[key] = s
	}
	if len(l.objects) == 0 {
		l.objects = make([]objectFields, l.nextSlab(1))
	}
	o := &l.objects[0]
	l.objects = l.objects[1:]
	o.Values = l.carveValues(len(s.fields))
	l.unlock(locked)
	o.shape = s
	return o
}

// newFieldContext is a field context carved from the request's slab: graph/gqlgen
// rewrites the fields' contexts to be built here.
func newFieldContext(l *executionLocal) *graphql.FieldContext {
	locked := l.lock()
	fc := &l.carveFieldContexts(1)[0]
	l.unlock(locked)
	return fc
}

// carveValues, carveFieldContexts and carveInts take n elements from their slab (a new
// one when it has fewer left); the lock is held.
func (l *executionLocal) carveValues(n int) []graphql.Marshaler {
	if len(l.values) < n {
		l.values = make([]graphql.Marshaler, l.nextSlab(n)*4)
	}
	out := l.values[:n:n]
	l.values = l.values[n:]
	l.carved += n
	return out
}

// bytesPerValue is about what a value takes in a response, its key included: a page of
// 50 cases writes 5,272 values in 124,696 bytes, 23.7 a value (ids are long).
const bytesPerValue = 24

// responseBuffer is the buffer the response is written into, sized for the values
// resolved so that it is not grown and copied as it is written.
func (l *executionLocal) responseBuffer() *bytes.Buffer {
	locked := l.lock()
	n := l.carved
	l.unlock(locked)
	return bytes.NewBuffer(make([]byte, 0, 512+n*bytesPerValue))
}

func (l *executionLocal) carveFieldContexts(n int) []graphql.FieldContext {
	if len(l.fieldContexts) < n {
		l.fieldContexts = make([]graphql.FieldContext, l.nextSlab(n))
	}
	out := l.fieldContexts[:n:n]
	l.fieldContexts = l.fieldContexts[n:]
	return out
}

func (l *executionLocal) carveInts(n int) []int {
	if len(l.ints) < n {
		l.ints = make([]int, l.nextSlab(n))
	}
	out := l.ints[:n:n]
	l.ints = l.ints[n:]
	return out
}

// fields are the fields of the object's selection.
func (o *objectFields) fields() []graphql.CollectedField { return o.shape.fields }

// marshalObject writes the fields of a root object (the others start with newObject).
func marshalObject(fields []graphql.CollectedField, values []graphql.Marshaler) graphql.Marshaler {
	return &objectFields{shape: newShape(fields), Values: values}
}

func (o *objectFields) MarshalGQL(w io.Writer) {
	if len(o.shape.keys) == 0 {
		io.WriteString(w, "{}")
		return
	}
	for i, k := range o.shape.keys {
		if k != "" {
			io.WriteString(w, k)
			o.Values[i].MarshalGQL(w)
		}
	}
	io.WriteString(w, "}")
}

func written(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}

// writeName writes a response key as a JSON string. GraphQL names need no escaping
// (/[_A-Za-z][_0-9A-Za-z]*/); anything else goes through gqlgen's string marshaller.
func writeName(w io.Writer, name string) {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			graphql.MarshalString(name).MarshalGQL(w)
			return
		}
	}
	io.WriteString(w, `"`)
	io.WriteString(w, name)
	io.WriteString(w, `"`)
}

// categoryAllows asks the request whether a plain field of obj, of category c, may be
// read (checkCategory, the rule of the @category directive), records the read
// when it may, and reports its refusal at the field's path.
func (ec *executionContext) categoryAllows(l *executionLocal, ctx context.Context, field graphql.CollectedField,
	fieldContext func(*executionContext, context.Context, graphql.CollectedField) (*graphql.FieldContext, error),
	obj any, c request.FieldCategory) bool {
	read, err := checkCategory(l, ctx, obj, c)
	if err == nil {
		read.Record()
		return true
	}
	ec.plainFieldError(ctx, field, fieldContext, err)
	return false
}

// checkCategory decides a field of category c of obj (request.CheckCategory) with the
// operation's request, looked up in ctx once: the context of a field deep in a page is a
// long chain to walk, at every field.
func checkCategory(l *executionLocal, ctx context.Context, obj any, c request.FieldCategory) (request.Read, error) {
	locked := l.lock()
	r := l.request
	l.unlock(locked)
	if r == nil {
		var err error
		if r, err = request.From(ctx); err != nil {
			return request.Read{}, err
		}
		locked := l.lock()
		l.request = r
		l.unlock(locked)
	}
	return r.CheckCategory(ctx, obj, c)
}

// recoverPlainField, deferred by a plain field, turns a panic into the field's error and
// a null, as graphql.ResolveField does.
func (ec *executionContext) recoverPlainField(ctx context.Context, field graphql.CollectedField,
	fieldContext func(*executionContext, context.Context, graphql.CollectedField) (*graphql.FieldContext, error),
	ret *graphql.Marshaler) {
	r := recover()
	if r == nil {
		return
	}
	if fc, err := fieldContext(ec, ctx, field); err == nil {
		ctx = graphql.WithFieldContext(ctx, fc)
	}
	ec.Error(ctx, ec.Recover(ctx, r))
	*ret = graphql.Null
}

// plainFieldError reports a plain field's resolver error at the field's path.
func (ec *executionContext) plainFieldError(ctx context.Context, field graphql.CollectedField,
	fieldContext func(*executionContext, context.Context, graphql.CollectedField) (*graphql.FieldContext, error),
	err error) {
	if fc, fcErr := fieldContext(ec, ctx, field); fcErr == nil {
		ctx = graphql.WithFieldContext(ctx, fc)
		ec.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
	}
}

// directFieldError reports a direct field's error at its path; ctx holds the field's
// context. The null it returns is graphql.ResolveField's.
func (ec *executionContext) directFieldError(ctx context.Context, fc *graphql.FieldContext, err error, nonNull bool) graphql.Marshaler {
	ec.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
	if fc.NonNull && !nonNull {
		return graphql.RequiredNull
	}
	return graphql.Null
}

// recoverDirectField, deferred by a direct field once ctx holds its field context, turns
// a panic into the field's error and a null, as graphql.ResolveField does.
func (ec *executionContext) recoverDirectField(ctx context.Context, ret *graphql.Marshaler) {
	if r := recover(); r != nil {
		ec.Error(ctx, ec.Recover(ctx, r))
		*ret = graphql.Null
	}
}

// quotedString is a plain field's string written straight from the object that holds
// it: a pointer to the field is a graphql.Marshaler that costs no allocation, where
// graphql.MarshalString allocates a closure for every value. The objects a request
// resolves are not changed once loaded, and the response is written before the request
// ends. The escaping is gqlgen's (FuzzQuotedStringAsGqlgen).
type quotedString string

func (s *quotedString) MarshalGQL(w io.Writer) { writeQuoted(w, string(*s)) }

const hexDigits = "0123456789ABCDEF"

// writeQuoted writes s as a JSON string, escaping what graphql.MarshalString escapes:
// quotes, backslashes and control characters.
func writeQuoted(w io.Writer, s string) {
	io.WriteString(w, `"`)
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		io.WriteString(w, s[start:i])
		switch c {
		case '\t':
			io.WriteString(w, `\t`)
		case '\r':
			io.WriteString(w, `\r`)
		case '\n':
			io.WriteString(w, `\n`)
		case '\\':
			io.WriteString(w, `\\`)
		case '"':
			io.WriteString(w, `\"`)
		default:
			w.Write([]byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf]})
		}
		start = i + 1
	}
	io.WriteString(w, s[start:])
	io.WriteString(w, `"`)
}
