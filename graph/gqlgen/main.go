// Command gqlgen generates graph/generated and graph/model from gqlgen.yml, as gqlgen's
// own `generate` does, with two changes to how the executor runs a query's fields.
//
// Fields below the root run on the goroutine that marshals their object, one after
// another, and so do the elements of a list; gqlgen's default gives every resolver field
// and every list element a goroutine of its own. The request's loaders fetch every key
// primed when their parents were loaded (graph/loaders), and one operation's statements
// share one connection, so that concurrency bought a page nothing: it cost a goroutine,
// a growing stack and a wake-up per field (a fifth of the case page's CPU). Root fields
// keep their goroutines, and mutations run their root fields in order, as gqlgen does.
//
// Objects also compute their path for deferred fragments only when a fragment of theirs
// is deferred; gqlgen builds it for every object it marshals.
//
// The second and third changes rewrite gqlgen's output; the rewrite fails when the code
// it expects is not there (another gqlgen version), rather than leave it half done.
//
//	cd .. && go run ./graph/gqlgen    (graph/generate.go)
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
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
	if err := api.Generate(cfg, api.AddPlugin(inlineFields{})); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(cfg.Exec.Dir(), "*.generated.go"))
	if err != nil {
		return err
	}
	lists, deferred := 0, 0
	for _, f := range files {
		l, d, err := rewrite(f)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		lists, deferred = lists+l, deferred+d
	}
	if lists == 0 || deferred == 0 {
		return fmt.Errorf("found %d lists and %d objects to rewrite in %s: gqlgen's output changed", lists, deferred, cfg.Exec.Dir())
	}
	return nil
}

// inlineFields is the plugin that runs the fields of every object but the root types on
// their object's goroutine.
type inlineFields struct{}

func (inlineFields) Name() string { return "inlinefields" }

func (inlineFields) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root {
			o.DisableConcurrency = true
		}
	}
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

// rewrite applies the two rewrites to one generated file and returns how many lists and
// objects it changed.
func rewrite(path string) (lists, deferred int, err error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	text := string(src)
	lists = strings.Count(text, concurrentList)
	deferred = strings.Count(text, deferredGroup)
	text = strings.ReplaceAll(text, concurrentList, inlineList)
	text = strings.ReplaceAll(text, deferredGroup, onlyDeferred)
	if strings.Contains(text, "MarshalSliceConcurrently") {
		return 0, 0, errors.New("a call of graphql.MarshalSliceConcurrently is left")
	}
	if strings.Contains(text, "GetPath(ctx),\n\t\tFieldSet") {
		return 0, 0, errors.New("an object's deferred group is left")
	}
	out, err := format.Source([]byte(text))
	if err != nil {
		return 0, 0, err
	}
	if bytes.Equal(out, src) {
		return lists, deferred, nil
	}
	return lists, deferred, os.WriteFile(path, out, 0o644)
}
