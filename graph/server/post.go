package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postJSON is gqlgen's POST transport (transport.POST, as the hub configures it: no extra
// headers, application/json unless the client asks for application/graphql-response+json)
// with one difference: the response's data is written as the executor produced it.
// gqlgen's transport passes the whole response through encoding/json, which validates
// and copies the data it holds as json.RawMessage byte by byte into a second buffer: for
// a 50-case page, a tenth of the hub's CPU and a second copy of the body. The executor's
// marshallers write valid JSON already; errors and extensions still go through
// encoding/json. The GraphQL-over-HTTP audit (TestGraphQLOverHTTPAudit) runs against it.
type postJSON struct{ transport.POST }

var _ graphql.Transport = postJSON{}

func (t postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		w.WriteHeader(requestErrorStatus(contentType, opErr))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// responseContentType is the media type of the answer to a request accepting accept, as
// gqlgen's POST transport chooses it with its defaults.
func responseContentType(accept string) string {
	const plain, graphQL = "application/json", "application/graphql-response+json"
	if accept == "" {
		return plain
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", plain:
			return plain
		case graphQL:
			return graphQL
		}
	}
	return graphQL
}

// requestErrorStatus is the status of a request error, by the media type answered.
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == "application/graphql-response+json" {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// responseRest is a graphql.Response without its errors and data, as encoding/json
// writes it.
type responseRest struct {
	Label      string         `json:"label,omitempty"`
	Path       ast.Path       `json:"path,omitempty"`
	HasNext    *bool          `json:"hasNext,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// writeResponse writes resp as encoding/json would, in the same order of keys, with its
// data as it is (encoding/json would also escape <, > and & in its strings, which JSON
// does not require).
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil {
		_, _ = io.WriteString(w, "null")
		return
	}
	head := []byte{'{'}
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			panic(err) // as in gqlgen's transport: the presenter's errors always marshal
		}
		head = append(append(append(head, `"errors":`...), errs...), ',')
	}
	head = append(head, `"data":`...)
	data := []byte(resp.Data)
	if data == nil {
		data = []byte("null")
	}
	tail, err := json.Marshal(responseRest{Label: resp.Label, Path: resp.Path, HasNext: resp.HasNext, Extensions: resp.Extensions})
	if err != nil {
		panic(err)
	}
	if len(tail) > 2 { // more than {}
		tail[0] = ','
	} else {
		tail = tail[1:]
	}
	// Three writes, not one buffer: the data is most of the body.
	_, _ = w.Write(head)
	_, _ = w.Write(data)
	_, _ = w.Write(tail)
}
