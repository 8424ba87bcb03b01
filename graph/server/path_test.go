package server_test

import (
	"strconv"
	"strings"
	"testing"
)

// path walks a decoded JSON value (objects as map[string]any, lists as []any) along a
// dotted path, keys for objects and indexes for lists: path(t, data, "cases.edges.0.node.id").
// A key missing from the last object is nil, like a map lookup; anything else that does not
// fit (a step through null, a list where an object was expected, an index out of range)
// fails the test, naming the path as far as it got.
func path(t testing.TB, v any, p string) any {
	t.Helper()
	if p == "" {
		return v
	}
	steps := strings.Split(p, ".")
	for i, step := range steps {
		at := strings.Join(steps[:i], ".")
		if at == "" {
			at = "(the root)"
		}
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[step]
			if !ok && i < len(steps)-1 {
				t.Fatalf("path %q: %s has no %q", p, at, step)
			}
			v = next
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil {
				t.Fatalf("path %q: %s is a list, indexed by %q", p, at, step)
			}
			if n < 0 || n >= len(c) {
				t.Fatalf("path %q: %s has %d elements, no %d", p, at, len(c), n)
			}
			v = c[n]
		default:
			t.Fatalf("path %q: %s is %T (%v), not an object or a list", p, at, v, v)
		}
	}
	return v
}

// at is path for a value of a known type: an object (map[string]any), a list ([]any), a
// string, a number (float64) or a bool. A value of another type fails the test.
func at[T any](t testing.TB, v any, p string) T {
	t.Helper()
	got := path(t, v, p)
	out, ok := got.(T)
	if !ok {
		var want T
		t.Fatalf("path %q: %T (%v), not %T", p, got, got, want)
	}
	return out
}
