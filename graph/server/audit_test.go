package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGraphQLOverHTTPAudit runs the graphql-http audit suite (npm) against the real
// server: no MUST-level audit may fail. It needs Node.js and `npm ci` in
// testdata/audit (the Makefile's test target does that).
func TestGraphQLOverHTTPAudit(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the GraphQL-over-HTTP audit needs Node.js")
	}
	dir, err := filepath.Abs("testdata/audit")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http")); err != nil {
		t.Fatalf("graphql-http is not installed: run `npm ci` in %s (make test does)", dir)
	}
	b := setup(t, 1)
	out, err := exec.Command(node, filepath.Join(dir, "audit.mjs"), b.srv.URL+"/graphql").Output()
	require.NoError(t, err)
	var results []struct {
		ID, Name, Status, Reason string
	}
	require.NoError(t, json.Unmarshal(out, &results))
	require.NotEmpty(t, results)
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
		if r.Status != "ok" {
			t.Logf("%-6s %s — %s", r.Status, r.Name, r.Reason)
		}
		require.NotEqual(t, "error", r.Status, "MUST-level audit failed: %s: %s", r.Name, r.Reason)
	}
	t.Logf("graphql-http audit: %d audits: %d ok, %d warn (SHOULD), %d notice (MAY), %d error (MUST)",
		len(results), counts["ok"], counts["warn"], counts["notice"], counts["error"])
}
