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
// asks its @category directive and marshals the value without graphql.ResolveField's
// field context, closures and boxing: eight allocations a field, most of a page's. The
// other fields without arguments below the root (direct fields) keep their field context
// and lose the rest.
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
		if filepath.Base(f) == scalarErrorsFile {
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
	if n.lists == 0 || n.objects == 0 || n.returns != n.objects || len(scalars) == 0 || n.plain == 0 || n.shaped == 0 || n.shapes != 1 {
		return fmt.Errorf("found %d lists, %d objects (%d returning their field set, %d shaped), %d scalar types, %d plain fields and %d execution contexts to rewrite in %s: gqlgen's output changed",
			n.lists, n.objects, n.returns, n.shaped, len(scalars), n.plain, n.shapes, dir)
	}
	return writeScalarErrors(filepath.Join(dir, scalarErrorsFile), cfg.Exec.Package, scalars)
}

// counts are the rewrites made.
type counts struct{ lists, objects, returns, plain, shaped, shapes int }

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
	inlineList     = "marshalSliceInline(ctx, len(v), func("

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
	shapedStart = "\tout := newObject(&ec.shapes, ec.OperationContext, sel, %s)\n\tfields := out.fields()\n"
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
// it the request's shapes of selections (newObject).
const (
	executionContextType = `type executionContext struct {
	*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]
}
`
	executionContextShapes = `type executionContext struct {
	*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]
	// shapes are the selections of the request's objects, collected once (inline.go).
	shapes objectShapes
}
`
)

// rewriteObjects rewrites the objects below the root to start with shapedStart and end
// with shapedEnd, counting them in n.
func rewriteObjects(src string, n *counts) (string, error) {
	var b strings.Builder
	last := 0
	for _, m := range objectStart.FindAllStringSubmatchIndex(src, -1) {
		name, implementors := src[m[2]:m[3]], src[m[4]:m[5]]
		end := strings.Index(src[m[1]:], "\n}\n")
		if end < 0 {
			return "", fmt.Errorf("_%s has no end", name)
		}
		body := src[m[1] : m[1]+end+3]
		if strings.Contains(body, "out.Concurrently(") || strings.Count(body, objectEnd) != 1 || !strings.HasSuffix(body, objectEnd) {
			return "", fmt.Errorf("_%s does not end as an object without concurrent fields: gqlgen's output changed", name)
		}
		// The header up to the field set, the new start, the loop, the new end.
		header := src[m[0]:m[1]]
		header = header[:strings.Index(header, "\tfields := ")]
		b.WriteString(src[last:m[0]])
		b.WriteString(header)
		fmt.Fprintf(&b, shapedStart, implementors)
		b.WriteString(strings.TrimSuffix(body, objectEnd))
		b.WriteString(shapedEnd)
		last = m[1] + end + 3
		n.shaped++
	}
	b.WriteString(src[last:])
	return b.String(), nil
}
