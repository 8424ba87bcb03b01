package webui_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/webui"
)

func setup(t *testing.T) *httptest.Server {
	t.Helper()
	pages := webui.New()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pages.IDE())
	mux.Handle("GET /dashboard", pages.Dashboard())
	mux.Handle("GET /assets/", pages.Assets())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	// Ask for what a browser asks, without the transport's own decompression.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

var assetRef = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)

// Both pages come with a policy that lets them load from and talk to the hub only, and
// name only assets the hub serves, cached for good and compressed on request.
func TestPagesLoadOnlyFromTheHub(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	for _, page := range []string{"/", "/dashboard"} {
		resp, body := get(t, srv.URL+page, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, page)
		require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Equal(t, webui.ContentSecurityPolicy, resp.Header.Get("Content-Security-Policy"))
		require.Contains(t, webui.ContentSecurityPolicy, "connect-src 'self'")
		require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
		require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
		require.NotRegexp(t, `(?:src|href)="(?:https?:)?//`, string(body), "%s names another host", page)

		refs := assetRef.FindAllStringSubmatch(string(body), -1)
		require.NotEmpty(t, refs, page)
		for _, ref := range refs {
			resp, plain := get(t, srv.URL+ref[1], nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, ref[1])
			require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			require.Regexp(t, `^text/(javascript|css); charset=utf-8$`, resp.Header.Get("Content-Type"), ref[1])
			if len(plain) <= 1024 {
				continue
			}
			resp, zipped := get(t, srv.URL+ref[1], http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
			require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), ref[1])
			require.Less(t, len(zipped), len(plain))
			zr, err := gzip.NewReader(bytes.NewReader(zipped))
			require.NoError(t, err)
			unzipped, err := io.ReadAll(zr)
			require.NoError(t, err)
			require.Equal(t, plain, unzipped, ref[1])
			require.NotEqual(t, resp.Header.Get("ETag"), "", ref[1])

			resp, _ = get(t, srv.URL+ref[1], http.Header{"Accept-Encoding": {"gzip;q=0"}})
			require.Empty(t, resp.Header.Get("Content-Encoding"), "gzip refused")
			resp, _ = get(t, srv.URL+ref[1], http.Header{"If-None-Match": {resp.Header.Get("ETag")}})
			require.Equal(t, http.StatusNotModified, resp.StatusCode)
		}
	}
	for _, missing := range []string{"/assets/nothing.js", "/assets/"} {
		resp, _ := get(t, srv.URL+missing, nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, missing)
	}
}

// The committed build is what web/ builds: the sources and the lock file give the same
// files, byte for byte, so the embedded pages are the reviewed sources.
func TestEmbeddedPagesAreTheBuildOfWeb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds web/")
	}
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the rebuild check of web/ needs Node.js")
	}
	web, err := filepath.Abs("../../web")
	require.NoError(t, err)
	vite := filepath.Join(web, "node_modules", "vite", "bin", "vite.js")
	if _, err := os.Stat(vite); err != nil {
		t.Skip("web/node_modules is not installed (make web-deps, which make test runs): the rebuild check is skipped")
	}
	out := t.TempDir()
	cmd := exec.Command(node, vite, "build", "--logLevel", "warn")
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "PONTE_WEB_OUT="+out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, string(msg))

	built := readTree(t, os.DirFS(out))
	embedded := readTree(t, webui.Dist())
	require.Equal(t, keys(embedded), keys(built), "the same files (run make web and commit internal/webui/dist)")
	for name, b := range built {
		require.True(t, bytes.Equal(embedded[name], b), "%s differs from the build of web/ (run make web)", name)
	}
}

func readTree(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		out[p] = b
		return err
	}))
	return out
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
