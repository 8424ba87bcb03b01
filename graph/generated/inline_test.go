package generated

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A plain field's string is written byte for byte as graphql.MarshalString writes it.
func FuzzQuotedStringAsGqlgen(f *testing.F) {
	for _, s := range []string{"", "Rossi", `a "quoted" \ note`, "tab\there\r\nnew line", "\x00\x1f\x7f", "è ü ∑ 😀", "\xff\xfe invalid utf-8", "</script>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want, got bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		q := quotedString(s)
		q.MarshalGQL(&got)
		if got.String() != want.String() {
			t.Fatalf("%q: wrote %s, gqlgen writes %s", s, got.String(), want.String())
		}
	})
}

// A quoted string costs no allocation to hand over as a Marshaler.
func TestQuotedStringDoesNotAllocate(t *testing.T) {
	type person struct{ FamilyName string }
	p := &person{FamilyName: "Rossi"}
	var m graphql.Marshaler
	if n := testing.AllocsPerRun(100, func() { m = (*quotedString)(&p.FamilyName) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	_ = m
}

// An object is written byte for byte as gqlgen's field set writes it: every alias once,
// in the order collected, whatever the values.
func TestObjectWritesAsFieldSet(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	for name, aliases := range map[string][]string{
		"none":           nil,
		"one":            {"id"},
		"several":        {"id", "taxCode", "familyName", "__typename"},
		"an alias twice": {"id", "name", "id"},
		"many":           {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"},
	} {
		fields := make([]graphql.CollectedField, len(aliases))
		values := make([]graphql.Marshaler, len(aliases))
		for i, a := range aliases {
			fields[i] = field(a)
			values[i] = graphql.MarshalString(a + `"` + string(rune('0'+i)))
		}
		want := graphql.NewFieldSet(fields)
		copy(want.Values, values)
		var w, g bytes.Buffer
		want.MarshalGQL(&w)
		got := &objectFields{shape: newShape(fields), Values: values}
		got.MarshalGQL(&g)
		if g.String() != w.String() {
			t.Errorf("%s: wrote %s, gqlgen writes %s", name, g.String(), w.String())
		}
	}
}

// The objects of one selection share its shape, collected once, and are carved, with
// their values, from the request's slabs: no allocation of their own.
func TestObjectsShareTheirShape(t *testing.T) {
	doc := &ast.QueryDocument{}
	sel := ast.SelectionSet{&ast.Field{Alias: "id", Name: "id"}, &ast.Field{Alias: "name", Name: "name"}}
	op := &graphql.OperationContext{Doc: doc}
	implementors := []string{"Thing"}
	var local executionLocal
	first := newObject(&local, op, sel, implementors)
	if got := len(first.fields()); got != 2 || len(first.Values) != 2 || cap(first.Values) != 2 {
		t.Fatalf("%d fields collected, %d values (capacity %d), want 2", got, len(first.Values), cap(first.Values))
	}
	if n := testing.AllocsPerRun(1000, func() { _ = newObject(&local, op, sel, implementors) }); n != 0 {
		t.Errorf("%v allocations an object, want none but the slabs'", n)
	}
	again := newObject(&local, op, sel, implementors)
	if again.shape != first.shape {
		t.Error("a second object of the selection collected its fields again")
	}
	if &again.Values[0] == &first.Values[0] || again == first {
		t.Error("two objects share their values")
	}
	if other := newObject(&local, op, sel, []string{"Other"}); other.shape == first.shape {
		t.Error("another type shares the shape of the first")
	}
	if n := testing.AllocsPerRun(1000, func() { _ = newFieldContext(&local) }); n != 0 {
		t.Errorf("%v allocations a field context, want none but the slabs'", n)
	}
	if newFieldContext(&local) == newFieldContext(&local) {
		t.Error("two fields share their context")
	}
}
