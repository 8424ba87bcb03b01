// Package webui serves the hub's browser pages, the GraphQL IDE and the dashboard, from the
// files web/ builds (make web), embedded in the binary so that they work with no network.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dist is web/'s build output, committed so that go build needs no Node.js.
//
//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with both pages: scripts, styles, fonts, workers and
// requests from the hub itself only, so that a page can neither load from nor send the
// caller's token to another host. Styles may be inline (the editor and the charts set
// them); data: covers the fonts and icons the bundles carry inline.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Pages serves the embedded pages and their assets.
type Pages struct {
	files fs.FS
	mu    sync.Mutex
	cache map[string]*file
}

// file is one embedded file as served: its bytes, their gzip encoding (made on first
// request) and an entity tag.
type file struct {
	body     []byte
	etag     string
	gzipOnce sync.Once
	gzipped  []byte
}

// New returns the pages built into the binary.
func New() *Pages {
	return &Pages{files: Dist(), cache: map[string]*file{}}
}

// Dist is the embedded build of web/: index.html, dashboard/index.html and assets/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embedded tree always has dist
	}
	return sub
}

// IDE is the GraphQL IDE, served at /.
func (p *Pages) IDE() http.Handler { return p.page("index.html") }

// Dashboard is the dashboard, served at /dashboard.
func (p *Pages) Dashboard() http.Handler { return p.page("dashboard/index.html") }

// Assets serves /assets/…: the pages' scripts, styles, fonts and workers. Their names
// carry a hash of their content, so they are cached for good.
func (p *Pages) Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if !strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		p.serve(w, r, name)
	})
}

func (p *Pages) page(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		// Revalidated on every load, so a new build's page names its new assets.
		h.Set("Cache-Control", "no-cache")
		p.serve(w, r, name)
	})
}

func (p *Pages) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, err := p.open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		h.Set("Content-Type", ct)
	}
	body, etag := f.body, f.etag
	if compressible(name) && len(body) > 1024 {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = f.gzip(), strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

func (p *Pages) open(name string) (*file, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f, ok := p.cache[name]; ok {
		return f, nil
	}
	b, err := fs.ReadFile(p.files, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	p.cache[name] = f
	return f, nil
}

func (f *file) gzip() []byte {
	f.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(f.body)
		_ = zw.Close()
		f.gzipped = buf.Bytes()
	})
	return f.gzipped
}

var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ttf":   "font/ttf",
	".woff":  "font/woff",
	".woff2": "font/woff2",
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".css", ".json", ".svg", ".ttf":
		return true
	}
	return false
}

// acceptsGzip reads Accept-Encoding: gzip listed with a weight above zero.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		weight, err := strconv.ParseFloat(q, 64)
		return err == nil && weight > 0
	}
	return false
}
