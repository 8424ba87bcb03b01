package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/esf"
)

// startDemo runs the demo in-process and returns its API base URL, its DATABASE_URL, the
// bearer token it printed for each role (and each subject; the signed-in dashboard links
// under "link:" and the link's purpose), and a function that stops it (as Ctrl-C would)
// and returns runDemo's result.
func startDemo(t *testing.T, args ...string) (base, dbURL string, tokens map[string]string, stop func() error) {
	t.Helper()
	r, w := io.Pipe()
	cli.Stdout = w
	t.Cleanup(func() { cli.Stdout = os.Stdout })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...))
		w.Close()
	}()
	apiRE := regexp.MustCompile(`GraphQL API\s+(http://\S+)/graphql`)
	dbRE := regexp.MustCompile(`DATABASE_URL\s+(\S+)`)
	tokenRE := regexp.MustCompile(`^\s+([a-z_]+)\s+([\w.-]+)\s+(eyJ[\w-]+\.[\w-]+\.[\w-]+)$`)
	linkRE := regexp.MustCompile(`\s(http://\S+/dashboard#token=\S+&purpose=(\w+))$`)
	tokens = map[string]string{}
	ready := false
	sc := bufio.NewScanner(r)
	deadline := time.After(3 * time.Minute)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for !ready {
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
			if m := tokenRE.FindStringSubmatch(l); m != nil {
				// By role (the first printed) and by subject.
				if tokens[m[1]] == "" {
					tokens[m[1]] = m[3]
				}
				tokens[m[2]] = m[3]
			}
			if m := linkRE.FindStringSubmatch(l); m != nil {
				tokens["link:"+m[2]] = m[1]
			}
			ready = strings.Contains(l, "Press Ctrl-C to stop.")
		case <-deadline:
			cancel()
			t.Fatal("demo not ready within 3 minutes")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return base, dbURL, tokens, func() error {
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

// graphqlPost posts a query with a bearer token (and a purpose, when given) and requires
// an answer without errors.
func graphqlPost(t *testing.T, base, token, purpose, query string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if purpose != "" {
		req.Header.Set("Ponte-Purpose", purpose)
	}
	resp, err := http.DefaultClient.Do(req)
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

	var signingKey string
	for run := 1; run <= 2; run++ {
		base, dbURL, tokens, stop := startDemo(t, "--data-dir", dataDir)
		for _, role := range []string{"social_worker", "case_manager", "employment_officer", "school_liaison", "esf_auditor",
			"dashboard", "dpo", "admin"} {
			require.NotEmpty(t, tokens[role], "the demo prints a token for %s", role)
		}
		code, body := get(t, base+"/healthz")
		require.Equal(t, http.StatusOK, code)
		code, body = get(t, base+"/readyz")
		require.Equal(t, http.StatusOK, code, body)
		code, body = get(t, base+"/")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "graphql", "the IDE page")
		// Without a token the API answers 401; the IDE and the probes stay open.
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		data := graphqlPost(t, base, tokens["dpo"], "", `{ operations(first: 5) { edges { node { code participations { totalCount } } } } }`)
		op := data["operations"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
		require.EqualValues(t, 207, op["participations"].(map[string]any)["totalCount"], "the ALI demo data is loaded")
		// The monitoring officer's token reads the ALI figures the command line prints.
		data = graphqlPost(t, base, tokens["esf.monitor.serra"], "esf_monitoring",
			`{ esfReport(cutoff: "2022-12-31", operationCode: "E51H20000130006") { groups { values { indicator women men total } } } }`)
		v := data["esfReport"].(map[string]any)["groups"].([]any)[0].(map[string]any)["values"].([]any)[0].(map[string]any)
		require.Equal(t, map[string]any{"indicator": "EECO01", "women": 110.0, "men": 77.0, "total": 187.0}, v)
		require.NotEmpty(t, tokens["esf.auditor.testa"], "the auditor has a token of its own")

		// The simulated registries are synced on start.
		require.Eventually(t, func() bool {
			data := graphqlPost(t, base, tokens["admin"], "", `{ registryStatus { source status lastSuccessAt } }`)
			for _, s := range data["registryStatus"].([]any) {
				if s.(map[string]any)["lastSuccessAt"] == nil {
					return false
				}
			}
			return len(data["registryStatus"].([]any)) == 3
		}, 60*time.Second, 200*time.Millisecond, "every registry synced")

		// The social worker's token and a partner token issued with ponte token issue work.
		data = graphqlPost(t, base, tokens["social_worker"], "case_management", `{ cases(first: 1) { totalCount } }`)
		require.Positive(t, data["cases"].(map[string]any)["totalCount"])
		partner := issueWithCommand(t, dbURL, "--role", "employment_officer", "--org", "CPI-PISA", "--purpose", "employment_services", "-q")
		data = graphqlPost(t, base, partner, "", `{ cases(first: 1) { totalCount } }`)
		require.Positive(t, data["cases"].(map[string]any)["totalCount"])
		data = graphqlPost(t, base, tokens["dashboard"], "statistics", `{ caseLoad(groupBy: STATUS) { total { value suppressed } } }`)
		require.NotNil(t, data["caseLoad"])

		// The key signing frozen ESF+ reports is kept beside the data, like the pseudonym key.
		key, err := esf.LoadSigningKey(filepath.Join(dataDir+"-keys", "esf-signing.key"))
		require.NoError(t, err)
		if run == 1 {
			signingKey = key.KeyID()
		}
		require.Equal(t, signingKey, key.KeyID(), "run %d signs with the key of the first run", run)

		require.NoError(t, stop(), "run %d must shut down cleanly", run)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err = pgx.Connect(ctx, dbURL)
		cancel()
		require.Error(t, err, "run %d: the demo's PostgreSQL must be stopped", run)
	}
}

func TestDemoESFSignerKeepsItsKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "esf-signing.key")
	first, err := demoESFSigner(path)
	require.NoError(t, err)
	require.True(t, first.CanSign())
	again, err := demoESFSigner(path)
	require.NoError(t, err)
	require.Equal(t, first.KeyID(), again.KeyID())
	require.NoError(t, os.WriteFile(path, []byte("not a key"), 0o600))
	_, err = demoESFSigner(path)
	require.ErrorContains(t, err, "no PEM block", "a damaged key is reported, not replaced")
}

// issueWithCommand runs ponte token issue against dbURL and returns what it printed.
func issueWithCommand(t *testing.T, dbURL string, args ...string) string {
	t.Helper()
	t.Setenv("DATABASE_URL", dbURL)
	defer os.Setenv("DATABASE_URL", "")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	saved := os.Stdout
	os.Stdout = w
	err = runToken(context.Background(), append([]string{"issue"}, args...))
	os.Stdout = saved
	w.Close()
	out, _ := io.ReadAll(r)
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// The demo's hints name the command that runs ponte for whoever started it.
func TestDemoHintsNameTheCommandThatRunsPonte(t *testing.T) {
	t.Parallel()
	onPath := func(p string) func(string) (string, error) {
		return func(string) (string, error) {
			if p == "" {
				return "", exec.ErrNotFound
			}
			return p, nil
		}
	}
	for _, tc := range []struct {
		exe, path, want string
	}{
		{"/usr/local/bin/ponte", "/usr/local/bin/ponte", "ponte"},
		{"/tmp/go-build123/b001/exe/ponte", "", "go run ./cmd/ponte"},
		{"/root/.cache/go-build/ab/cd/ponte", "/usr/local/bin/ponte", "go run ./cmd/ponte"},
		{"/tmp/other/ponte", "", "go run ./cmd/ponte"},
		{"/opt/ponte/bin/ponte", "/usr/local/bin/ponte", "/opt/ponte/bin/ponte"},
	} {
		require.Equal(t, tc.want, commandFor(tc.exe, onPath(tc.path), "/tmp"), tc.exe)
	}
}
