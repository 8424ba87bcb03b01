package server

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
)

// specResponses brings request-error responses in line with the GraphQL-over-HTTP spec
// where gqlgen's defaults differ: a request error (parse, validation, variable coercion)
// carries no "data" entry, and with application/json it answers 200 rather than 422.
// Responses are small (pages are bounded), so they are buffered and adjusted whole.
func specResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &bufferedWriter{header: w.Header(), status: http.StatusOK}
		next.ServeHTTP(bw, r)
		body := bw.buf.Bytes()
		status := bw.status
		if status == http.StatusBadRequest || status == http.StatusUnprocessableEntity {
			body = dropNullData(body)
			mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
			if mt == "application/json" && status == http.StatusUnprocessableEntity {
				status = http.StatusOK
			}
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// dropNullData removes `"data": null` from an error response; other bodies pass unchanged.
func dropNullData(body []byte) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	d, ok := m["data"]
	if !ok || !bytes.Equal(bytes.TrimSpace(d), []byte("null")) || m["errors"] == nil {
		return body
	}
	delete(m, "data")
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

type bufferedWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	buf         bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.wroteHeader {
		return
	}
	b.wroteHeader = true
	b.status = code
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.buf.Write(p)
}
