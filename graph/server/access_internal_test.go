package server

import (
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
)

func withHeader(id string) context.Context {
	h := http.Header{}
	if id != "" {
		h.Set(RequestIDHeader, id)
	}
	return graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Headers: h})
}

var madeUp = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"req-42":                               "req-42",
		"0d4e7c1a-5b7f-4e0e-9f0a-1c2b3d4e5f60": "0d4e7c1a-5b7f-4e0e-9f0a-1c2b3d4e5f60",
		"":                                     "",
		"has space":                            "",
		"line\nbreak":                          "",
		"è-not-ascii":                          "",
		string(make([]byte, 129)):              "",
	} {
		got := requestID(withHeader(in))
		if want == "" {
			require.Regexp(t, madeUp, got, "%q is refused: a fresh id instead", in)
		} else {
			require.Equal(t, want, got)
		}
	}
	require.NotEqual(t, requestID(withHeader("")), requestID(withHeader("")), "fresh ids differ")
}

// Whatever the client sends, the logged request id is short and printable.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"req-42", "", " ", "a\x00b", "ünïcode", "x-" + string(make([]byte, 200))} {
		f.Add(s)
	}
	printableRE := regexp.MustCompile(`^[!-~]{1,128}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got := requestID(withHeader(s))
		if !printableRE.MatchString(got) {
			t.Fatalf("request id %q from %q", got, s)
		}
		if printableRE.MatchString(s) && got != s {
			t.Fatalf("a valid id %q was replaced by %q", s, got)
		}
	})
}
