package loaders

import (
	"fmt"
	"testing"
)

// Grouping keeps every row, under its key, in the order the rows came.
func TestGroupByKeepsOrderWithinKeys(t *testing.T) {
	type row struct{ id, key string }
	rows := []row{{"1", "b"}, {"2", "a"}, {"3", "b"}, {"4", "c"}, {"5", "a"}, {"6", "b"}}
	got := groupBy(rows, func(r row) string { return r.key })
	want := map[string]string{"a": "[{2 a} {5 a}]", "b": "[{1 b} {3 b} {6 b}]", "c": "[{4 c}]"}
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d: %v", len(got), len(want), got)
	}
	for k, w := range want {
		if g := fmt.Sprint(got[k]); g != w {
			t.Errorf("%s: %s, want %s", k, g, w)
		}
	}
	// A group is its own: appending to one does not change another.
	a := append(got["a"], row{"7", "a"})
	if fmt.Sprint(got["b"]) != want["b"] || len(a) != 3 {
		t.Errorf("appending to a group changed another: %v", got)
	}
	if g := groupBy([]row(nil), func(r row) string { return r.key }); g == nil || len(g) != 0 {
		t.Errorf("no rows: %v", g)
	}
}
