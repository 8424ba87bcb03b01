package generated

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
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
