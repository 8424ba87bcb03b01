package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// startDemo runs the demo in-process and returns its API base URL, its DATABASE_URL and
// a function that stops it (as Ctrl-C would) and returns runDemo's result.
func startDemo(t *testing.T, args ...string) (base, dbURL string, stop func() error) {
	t.Helper()
	r, w := io.Pipe()
	stdout = w
	t.Cleanup(func() { stdout = os.Stdout })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...))
		w.Close()
	}()
	apiRE := regexp.MustCompile(`GraphQL API\s+(http://\S+)/graphql`)
	dbRE := regexp.MustCompile(`DATABASE_URL\s+(\S+)`)
	sc := bufio.NewScanner(r)
	deadline := time.After(3 * time.Minute)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for base == "" || dbURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				cancel()
				t.Fatalf("demo exited before it was ready: %v", <-done)
			}
			if m := apiRE.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
			if m := dbRE.FindStringSubmatch(l); m != nil {
				dbURL = m[1]
			}
		case <-deadline:
			cancel()
			t.Fatal("demo not ready within 3 minutes")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return base, dbURL, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			return context.DeadlineExceeded
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func graphqlPost(t *testing.T, base, query string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Nil(t, out["errors"], "%v", out["errors"])
	return out["data"].(map[string]any)
}

// The demo starts its own PostgreSQL, serves, stops the database on shutdown, and a second
// run reuses the data directory without manual steps.
func TestDemoStartStopAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and the demo twice")
	}
	t.Setenv("DATABASE_URL", "")
	dir, err := os.MkdirTemp("", "ponte-demo-test-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	defer os.RemoveAll(dir)
	dataDir := filepath.Join(dir, "pg")

	for run := 1; run <= 2; run++ {
		base, dbURL, stop := startDemo(t, "--data-dir", dataDir)
		code, body := get(t, base+"/healthz")
		require.Equal(t, http.StatusOK, code)
		code, body = get(t, base+"/readyz")
		require.Equal(t, http.StatusOK, code, body)
		code, body = get(t, base+"/")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "graphql", "the IDE page")
		data := graphqlPost(t, base, `{ operations(first: 5) { edges { node { code participations { totalCount } } } } }`)
		op := data["operations"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
		require.EqualValues(t, 207, op["participations"].(map[string]any)["totalCount"], "the ALI demo data is loaded")

		// The simulated registries are synced on start.
		require.Eventually(t, func() bool {
			data := graphqlPost(t, base, `{ registryStatus { source status lastSuccessAt } }`)
			for _, s := range data["registryStatus"].([]any) {
				if s.(map[string]any)["lastSuccessAt"] == nil {
					return false
				}
			}
			return len(data["registryStatus"].([]any)) == 3
		}, 60*time.Second, 200*time.Millisecond, "every registry synced")

		require.NoError(t, stop(), "run %d must shut down cleanly", run)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := pgx.Connect(ctx, dbURL)
		cancel()
		require.Error(t, err, "run %d: the demo's PostgreSQL must be stopped", run)
	}
}
