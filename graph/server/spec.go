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
// Only those responses (status 400 or 422) are held back and rewritten; every other
// response streams through untouched.
func specResponses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &specWriter{w: w}
		next.ServeHTTP(sw, r)
		sw.flush()
	})
}

// specWriter passes a response through unless its status marks a request error, which
// it buffers for flush to rewrite.
type specWriter struct {
	w         http.ResponseWriter
	decided   bool
	buffering bool
	status    int
	buf       bytes.Buffer
}

func (s *specWriter) Header() http.Header { return s.w.Header() }

func (s *specWriter) WriteHeader(code int) {
	if s.decided {
		return
	}
	s.decided = true
	if code == http.StatusBadRequest || code == http.StatusUnprocessableEntity {
		s.buffering, s.status = true, code
		return
	}
	s.w.WriteHeader(code)
}

func (s *specWriter) Write(p []byte) (int, error) {
	if !s.decided {
		s.WriteHeader(http.StatusOK)
	}
	if s.buffering {
		return s.buf.Write(p)
	}
	return s.w.Write(p)
}

// flush writes a held-back request error: without its null data, and as 200 when the
// client asked for application/json.
func (s *specWriter) flush() {
	if !s.buffering {
		return
	}
	body := dropNullData(s.buf.Bytes())
	status := s.status
	if mt, _, _ := mime.ParseMediaType(s.w.Header().Get("Content-Type")); mt == "application/json" && status == http.StatusUnprocessableEntity {
		status = http.StatusOK
	}
	s.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	s.w.WriteHeader(status)
	_, _ = s.w.Write(body)
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
