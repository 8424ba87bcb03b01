// Command gqlgen generates graph/generated and graph/model from gqlgen.yml, as gqlgen's
// own `generate` does, and changes how the executor runs and writes a query's fields.
//
// Fields below the root run on the goroutine that marshals their object, one after
// another, and so do the elements of a list; gqlgen's default gives every resolver field
// and every list element a goroutine of its own. The request's loaders fetch every key
// primed when their parents were loaded (graph/loaders), and one operation's statements
// share one connection, so that concurrency bought a page nothing: it cost a goroutine,
// a growing stack and a wake-up per field (a fifth of the case page's CPU). Root fields
// keep their goroutines, and mutations run their root fields in order, as gqlgen does.
//
// With no field deferred any more (only a field on a goroutine of its own can be), objects
// no longer allocate an empty set of deferred fields and build their path for it, as
// gqlgen has every object do, and they are written without the map of the aliases written
// that gqlgen keeps for merging deferred fields; a fragment marked @defer arrives with the
// rest of the response (the hub's transports never sent deferred parts anyway). An object
// below the root takes its fields from the request's shape of its selection, collected
// once for every object of a list with the response keys written out, and holds its
// values itself (newObject): one allocation where gqlgen's field set took three. And the fields of a scalar type share one error for "has no child fields"
// instead of allocating it at every field resolved.
//
// A field that only reads a scalar from its object's struct (a plain field, plain.go)
// asks the request's rule of its @category (request.CheckCategory) and marshals the value
// without graphql.ResolveField's field context, closures and boxing: eight allocations a
// field, most of a page's. The other fields without arguments below the root (direct
// fields) keep their field context and lose the rest.
//
// All but the first change rewrite gqlgen's output; the rewrite fails when the code it
// expects is not there (another gqlgen version), rather than leave it half done.
//
//	cd .. && go run ./graph/gqlgen    (graph/generate.go)
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"golang.org/x/tools/imports"
)

func main() {
	if err := generate(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func generate() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	plugin := &inlineFields{}
	if err := api.Generate(cfg, api.AddPlugin(plugin)); err != nil {
		return err
	}
	dir := cfg.Exec.Dir()
	files, err := filepath.Glob(filepath.Join(dir, "*.generated.go"))
	if err != nil {
		return err
	}
	srcs := map[string]string{}
	marshallers := map[string]string{}
	for _, f := range files {
		if base := filepath.Base(f); base == scalarErrorsFile || base == categoriesFile {
			continue
		}
		src, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		srcs[f] = string(src)
		maps.Copy(marshallers, functions(string(src), marshalFunc))
	}
	kinds := classifyMarshallers(marshallers)
	var n counts
	scalars := map[string]bool{}
	for _, f := range files {
		if src, ok := srcs[f]; ok {
			if err := rewrite(f, src, plugin.plain, kinds, &n, scalars); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	if n.lists == 0 || n.objects == 0 || n.returns != n.objects || len(scalars) == 0 || n.plain == 0 || n.shaped == 0 || n.shapes != 1 || n.fieldContexts == 0 || n.roots == 0 || n.buffers < 2 {
		return fmt.Errorf("found %d lists, %d objects (%d returning their field set, %d shaped), %d scalar types, %d plain fields, %d field contexts, %d concurrent roots, %d response buffers and %d execution contexts to rewrite in %s: gqlgen's output changed",
			n.lists, n.objects, n.returns, n.shaped, len(scalars), n.plain, n.fieldContexts, n.roots, n.buffers, n.shapes, dir)
	}
	if err := writeCategories(filepath.Join(dir, categoriesFile), cfg); err != nil {
		return err
	}
	return writeScalarErrors(filepath.Join(dir, scalarErrorsFile), cfg.Exec.Package, scalars)
}

// categoriesFile declares the DataCategory values the rewritten fields check, numbered
// once (categoryVar).
const categoriesFile = "categories.generated.go"

// writeCategories writes a request.FieldCategory for every value of the schema's
// DataCategory enum.
func writeCategories(path string, cfg *config.Config) error {
	enum := cfg.Schema.Types["DataCategory"]
	if enum == nil || len(enum.EnumValues) == 0 {
		return errors.New("the schema has no DataCategory enum: the @category rewrite has nothing to check")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by graph/gqlgen, DO NOT EDIT.\n\npackage %s\n\nimport \"github.com/ponte-hub/ponte/graph/request\"\n\n", cfg.Exec.Package)
	b.WriteString("// The schema's data categories, as the fields' @category checks name them.\nvar (\n")
	for _, v := range enum.EnumValues {
		fmt.Fprintf(&b, "\t%s = request.MustFieldCategory(%q)\n", categoryVar(v.Name), v.Name)
	}
	b.WriteString(")\n")
	out, err := imports.Process(path, []byte(b.String()), nil)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// counts are the rewrites made.
type counts struct{ lists, objects, returns, plain, shaped, shapes, fieldContexts, roots, buffers int }

// inlineFields is the plugin that runs the fields of every object but the root types on
// their object's goroutine, and finds the fields that can be plain (plain.go).
type inlineFields struct{ plain map[string]plainField }

func (*inlineFields) Name() string { return "inlinefields" }

func (p *inlineFields) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root {
			o.DisableConcurrency = true
		}
	}
	p.plain = plainFields(data)
	return nil
}

const (
	// concurrentList starts the marshalling of a list of objects, each element on its
	// own goroutine.
	concurrentList = "graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func("
	inlineList     = "marshalSliceInline(&ec.local, ctx, len(v), func("

	// deferredGroup hands an object's deferred fragments over, building its path first.
	deferredGroup = `	ec.ProcessDeferredGroup(graphql.DeferredGroup{
		Defers:   deferLabelToView,
		Path:     graphql.GetPath(ctx),
		FieldSet: deferredFieldSet,
		Context:  ctx,
	})
`
	onlyDeferred = `	if len(deferLabelToView) > 0 {
		ec.ProcessDeferredGroup(graphql.DeferredGroup{
			Defers:   deferLabelToView,
			Path:     graphql.GetPath(ctx),
			FieldSet: deferredFieldSet,
			Context:  ctx,
		})
	}
`
)

// noDeferredSet is how every object starts its set of deferred fields, and noDeferred
// what it starts instead: nil, since no field of it is deferred.
const (
	noDeferredSet = `	deferredFieldSet := graphql.NewFieldSet(nil)
	deferLabelToView := make(map[string]*graphql.FieldSetView)
`
	noDeferred = `	var deferredFieldSet *graphql.FieldSet // no field is deferred (graph/gqlgen)
	var deferLabelToView map[string]*graphql.FieldSetView
`
)

// fieldSetReturn ends every object's marshaller, returning gqlgen's field set, which
// writes the object keeping a map of the aliases written (for deferred fields); objectReturn
// writes it without (marshalObject).
const (
	fieldSetReturn = "\n\treturn out\n}\n"
	objectReturn   = "\n\treturn marshalObject(fields, out.Values)\n}\n"
)

// scalarChildren is the error of a field of a scalar type, allocated at every field.
var scalarChildren = regexp.MustCompile(`errors\.New\("field of type (\w+) does not have child fields"\)`)

// scalarErrorsFile declares the errors scalarChildren is rewritten to use.
const scalarErrorsFile = "scalarerrors.generated.go"

func scalarError(typ string) string { return "errNoChildFields" + typ }

// rewrite applies the rewrites to src, the text of one generated file, counting them in
// n and adding the scalar types whose error it shares to scalars.
func rewrite(path, src string, plain map[string]plainField, kinds map[string]marshaller, n *counts, scalars map[string]bool) error {
	text, p, err := rewritePlain(src, plain, kinds)
	if err != nil {
		return err
	}
	n.plain += p
	n.lists += strings.Count(text, concurrentList)
	n.objects += strings.Count(text, deferredGroup)
	text = strings.ReplaceAll(text, concurrentList, inlineList)
	text = strings.ReplaceAll(text, deferredGroup, onlyDeferred)
	text = strings.ReplaceAll(text, noDeferredSet, noDeferred)
	n.returns += strings.Count(text, fieldSetReturn)
	text = strings.ReplaceAll(text, fieldSetReturn, objectReturn)
	text, err = rewriteObjects(text, n)
	if err != nil {
		return err
	}
	text, err = rewriteRoots(text, n)
	if err != nil {
		return err
	}
	n.fieldContexts += strings.Count(text, fieldContextAlloc)
	text = strings.ReplaceAll(text, fieldContextAlloc, fieldContextCarved)
	if c := strings.Count(text, responseBuffer); c > 0 {
		n.buffers += c
		text = strings.ReplaceAll(text, responseBuffer, responseBufferSized)
		text = strings.ReplaceAll(text, "data.MarshalGQL(&buf)", "data.MarshalGQL(buf)")
	}
	if strings.Contains(text, executionContextType) {
		text = strings.Replace(text, executionContextType, executionContextShapes, 1)
		n.shapes++
	}
	text = scalarChildren.ReplaceAllStringFunc(text, func(m string) string {
		typ := scalarChildren.FindStringSubmatch(m)[1]
		scalars[typ] = true
		return scalarError(typ)
	})
	for _, left := range []string{"MarshalSliceConcurrently", "GetPath(ctx),\n\t\tFieldSet", "deferredFieldSet.AddField",
		"deferLabelToView[", "graphql.NewFieldSet(nil)"} {
		if strings.Contains(text, left) {
			return fmt.Errorf("%q is left after the rewrite", left)
		}
	}
	out, err := imports.Process(path, []byte(text), nil)
	if err != nil {
		return err
	}
	if bytes.Equal(out, []byte(src)) {
		return nil
	}
	return os.WriteFile(path, out, 0o644)
}

// writeScalarErrors writes the errors of the scalar types' fields.
func writeScalarErrors(path, pkg string, scalars map[string]bool) error {
	types := make([]string, 0, len(scalars))
	for t := range scalars {
		types = append(types, t)
	}
	slices.Sort(types)
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by graph/gqlgen, DO NOT EDIT.\n\npackage %s\n\nimport \"errors\"\n\n", pkg)
	b.WriteString("// The error of a field of a scalar type asked for child fields, one per type.\nvar (\n")
	for _, t := range types {
		fmt.Fprintf(&b, "\t%s = errors.New(%q)\n", scalarError(t), "field of type "+t+" does not have child fields")
	}
	b.WriteString(")\n")
	out, err := imports.Process(path, []byte(b.String()), nil)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// An object below the root starts by collecting its fields into gqlgen's field set, which
// it writes through marshalObject: three allocations an object, and a cache key hashed for
// every object of a list although all of them share one selection. objectStart is that
// start; shapedStart takes the request's shape of the selection instead (collected
// once, with the response keys written out) and one object holding the values.
var objectStart = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _(\w+)\(ctx context\.Context, sel ast\.SelectionSet, obj [^)]*\) graphql\.Marshaler \{
	fields := graphql\.CollectFields\(ec\.OperationContext, sel, (\w+Implementors)\)

	out := graphql\.NewFieldSet\(fields\)
	var deferredFieldSet \*graphql\.FieldSet // no field is deferred \(graph/gqlgen\)
	var deferLabelToView map\[string\]\*graphql\.FieldSetView
`)

const (
	shapedStart = "\tout := newObject(&ec.local, ec.OperationContext, sel, %s)\n\tfields := out.fields()\n"
	// objectEnd is how such an object ends once the other rewrites are done; shapedEnd
	// drops the dispatch of concurrent fields (it has none) and the deferred groups (nor
	// those), and returns the object itself.
	objectEnd = `	out.Dispatch(ctx)
	if out.Invalids > 0 {
		return graphql.Null
	}

	atomic.AddInt32(&ec.Deferred, int32(min(len(deferLabelToView), math.MaxInt32)))

` + onlyDeferred + `
	return marshalObject(fields, out.Values)
}
`
	shapedEnd = `	if out.Invalids > 0 {
		return graphql.Null
	}
	return out
}
`
)

// executionContextType is the request's execution context; executionContextShapes gives
// it the request's shapes of selections and slabs (newObject, newFieldContext).
const (
	executionContextType = `type executionContext struct {
	*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]
}
`
	executionContextShapes = `type executionContext struct {
	*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]
	// local holds the shapes of the request's selections and the slabs its objects and
	// field contexts are carved from (inline.go).
	local executionLocal
}
`
)

// fieldContextAlloc is how a field's context is built, an allocation a field resolved;
// fieldContextCarved takes it from the request's slab (newFieldContext).
const (
	fieldContextAlloc  = "\tfc = &graphql.FieldContext{\n"
	fieldContextCarved = "\tfc = newFieldContext(&ec.local)\n\t*fc = graphql.FieldContext{\n"
)

// rewriteObjects rewrites the objects below the root to start with shapedStart and end
// with shapedEnd, counting them in n.
func rewriteObjects(src string, n *counts) (string, error) {
	return rewriteFunctions(src, objectStart, func(start []string, body string) (string, bool, error) {
		name, implementors := start[1], start[2]
		if strings.Contains(body, "out.Concurrently(") || strings.Count(body, objectEnd) != 1 || !strings.HasSuffix(body, objectEnd) {
			return "", false, fmt.Errorf("_%s does not end as an object without concurrent fields: gqlgen's output changed", name)
		}
		// The signature, the new start, the loop over the fields, the new end.
		header := start[0][:strings.Index(start[0], "\tfields := ")]
		n.shaped++
		return header + fmt.Sprintf(shapedStart, implementors) + strings.TrimSuffix(body, objectEnd) + shapedEnd, true, nil
	})
}

// rewriteFunctions gives every function of src whose start re matches to rewrite, with
// the start's match and submatches and the rest of the function (its closing brace
// included), and puts what rewrite returns in its place; a function rewrite does not
// keep (false) stays as it is.
func rewriteFunctions(src string, re *regexp.Regexp, rewrite func(start []string, body string) (string, bool, error)) (string, error) {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(src, -1) {
		start := make([]string, len(m)/2)
		for i := range start {
			if m[2*i] >= 0 {
				start[i] = src[m[2*i]:m[2*i+1]]
			}
		}
		end := strings.Index(src[m[1]:], "\n}\n")
		if end < 0 {
			return "", fmt.Errorf("%q has no end", start[0])
		}
		body := src[m[1] : m[1]+end+3]
		out, ok, err := rewrite(start, body)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		b.WriteString(src[last:m[0]])
		b.WriteString(out)
		last = m[1] + end + 3
	}
	b.WriteString(src[last:])
	return b.String(), nil
}

// responseBuffer is the buffer a response is written into, grown as it is written (a
// page's 125 kB in a dozen steps); responseBufferSized starts it at the size the values
// resolved suggest (executionLocal.responseBuffer).
const (
	responseBuffer      = "var buf bytes.Buffer\n"
	responseBufferSized = "buf := ec.local.responseBuffer()\n"
)

// rootStart is the start of a root object's marshaller; one whose fields run concurrently
// dispatches them through dispatchRoot, which tells the request's slabs to take their lock.
var rootStart = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _(\w+)\(ctx context\.Context, sel ast\.SelectionSet\) graphql\.Marshaler \{\n`)

const (
	rootDispatch        = "\tout.Dispatch(ctx)\n"
	rootDispatchLocking = "\tec.local.dispatchRoot(ctx, out)\n"
)

// rewriteRoots rewrites the dispatch of the root objects whose fields run concurrently,
// counting them in n.
func rewriteRoots(src string, n *counts) (string, error) {
	return rewriteFunctions(src, rootStart, func(start []string, body string) (string, bool, error) {
		if !strings.Contains(body, "out.Concurrently(") {
			return "", false, nil
		}
		if strings.Count(body, rootDispatch) != 1 {
			return "", false, fmt.Errorf("_%s does not dispatch its fields once: gqlgen's output changed", start[1])
		}
		n.roots++
		return start[0] + strings.Replace(body, rootDispatch, rootDispatchLocking, 1), true, nil
	})
}
