package server

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// writeResponse writes what gqlgen's transport writes with encoding/json, key for key
// and in the same order; only <, > and & in the data's strings stay unescaped.
func TestWriteResponseAsEncodingJSON(t *testing.T) {
	yes := true
	for name, resp := range map[string]*graphql.Response{
		"data":           {Data: json.RawMessage(`{"cases":{"totalCount":2,"edges":[{"node":{"id":"Q2FzZTox","summary":"a \"quoted\" note"}}]}}`)},
		"no data":        {},
		"errors":         {Errors: gqlerror.List{{Message: "denied", Path: ast.Path{ast.PathName("cases"), ast.PathIndex(0)}, Extensions: map[string]any{"code": "FORBIDDEN"}}}, Data: json.RawMessage(`{"cases":null}`)},
		"errors only":    {Errors: gqlerror.List{{Message: "syntax error"}}},
		"everything":     {Errors: gqlerror.List{{Message: "x"}}, Data: json.RawMessage(`{"a":1}`), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes, Extensions: map[string]any{"cost": 3}},
		"extension only": {Data: json.RawMessage(`null`), Extensions: map[string]any{"complexity": 12}},
	} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			writeResponse(&got, resp)
			want, err := json.Marshal(resp)
			require.NoError(t, err)
			require.True(t, json.Valid(got.Bytes()), got.String())
			require.Equal(t, string(want), got.String())
		})
	}
	var got bytes.Buffer
	writeResponse(&got, nil)
	require.Equal(t, "null", got.String())
}

func TestResponseContentType(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  "application/json",
		"*/*":                               "application/json",
		"application/json":                  "application/json",
		"application/graphql-response+json": "application/graphql-response+json",
		"application/graphql-response+json, application/json;q=0.9": "application/graphql-response+json",
		"text/html, application/*":                                  "application/json",
		"text/html":                                                 "application/graphql-response+json",
		"garbage;;;":                                                "application/graphql-response+json",
	} {
		require.Equal(t, want, responseContentType(accept), "Accept: %q", accept)
	}
}
