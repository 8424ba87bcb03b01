package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// BenchmarkCasePageAtScale times the 50-case page (casePage) over HTTP, access control
// on, for a Pisa social worker whose territory scope covers nearly every case and for the
// data protection officer, who sees every row, on the demo data seeded at 1,000, 10,000
// and 100,000 cases (PONTE_BENCH_SCALES, comma-separated, chooses others; or
// PONTE_BENCH_DATABASE_URL names a database already seeded, as its owner). Requests
// alternate between the two principals, so both see the same machine; each scale reports
// both medians and their ratio. Row scope read as visibility data costs what the page's
// rows cost: the ratio stays flat as the territory grows.
//
//	go run ./cmd/ponte with-db -- go test -run '^$' -bench CasePageAtScale -benchtime 100x -timeout 60m ./graph/server/
func BenchmarkCasePageAtScale(b *testing.B) {
	scales := []int{1000, 10000, 100000}
	if s := os.Getenv("PONTE_BENCH_SCALES"); s != "" {
		scales = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(b, err, "PONTE_BENCH_SCALES: %q is not a number", f)
			scales = append(scales, n)
		}
	}
	seeded := os.Getenv("PONTE_BENCH_DATABASE_URL")
	if seeded != "" {
		scales = []int{0}
	}
	for _, n := range scales {
		name := fmt.Sprintf("cases-%d", n)
		if seeded != "" {
			name = "seeded"
		}
		b.Run(name, func(b *testing.B) {
			srv, tokens := seededServer(b, n, seeded)
			vars := map[string]any{"first": 50}
			page := func(who string) time.Duration {
				start := time.Now()
				r := postAs(b, srv, tokens[who], casePage, vars)
				d := time.Since(start)
				if len(r.Errors) > 0 || len(at[[]any](b, r.Data, "cases.edges")) != 50 {
					b.Fatalf("%s: unexpected answer: %+v", who, r.Errors)
				}
				return d
			}
			// Warm the connections' plans and authentication's lookups.
			for range 5 {
				page("social_worker")
				page("dpo")
			}
			var sw, dpo []time.Duration
			for b.Loop() {
				sw = append(sw, page("social_worker"))
				dpo = append(dpo, page("dpo"))
			}
			ms, md := median(sw), median(dpo)
			b.ReportMetric(float64(ms.Microseconds())/1000, "social-worker-ms")
			b.ReportMetric(float64(md.Microseconds())/1000, "dpo-ms")
			b.ReportMetric(float64(ms)/float64(md), "ratio")
		})
	}
}

// scaleToken is a demo identity's token and purpose.
type scaleToken struct{ bearer, purpose string }

// seededServer is the hub over the demo data at scale n, behind staff JWTs, with tokens
// for the Pisa social worker and the data protection officer.
func seededServer(b *testing.B, n int, ownerURL string) (*httptest.Server, map[string]scaleToken) {
	b.Helper()
	ctx := context.Background()
	if ownerURL == "" {
		ownerURL = pgtest.URL(b)
		owner, err := store.Open(ctx, ownerURL, store.Config{MaxConns: 4})
		require.NoError(b, err)
		defer owner.Close()
		start := time.Now()
		_, err = demo.Load(ctx, owner, demo.Options{Scale: n}, io.Discard)
		require.NoError(b, err)
		b.Logf("seeded %d in %s", n, time.Since(start).Round(time.Second))
	}
	hub, err := store.Open(ctx, pgtest.HubURL(b, ownerURL), store.Config{MaxConns: 4})
	require.NoError(b, err)
	b.Cleanup(hub.Close)
	issuer, err := auth.LoadOrCreateDevIssuer(filepath.Join(b.TempDir(), "issuer.pem"))
	require.NoError(b, err)
	verifier, err := auth.NewVerifier(issuer.VerifierConfig())
	require.NoError(b, err)
	policy, err := access.DefaultPolicy()
	require.NoError(b, err)
	authz, err := access.NewAuthorizer(policy)
	require.NoError(b, err)
	srv := httptest.NewServer(server.Mux(server.Config{Store: hub, Gate: server.PlanGate{},
		Middleware: auth.Middleware(auth.NewAuthenticator(verifier, accessdata.Directory{Store: hub}, authz))}))
	b.Cleanup(srv.Close)
	tokens := map[string]scaleToken{}
	for who, id := range map[string]struct {
		subject string
		role    access.Role
		purpose access.Purpose
	}{
		"social_worker": {"sw.pisa.rossi", access.RoleSocialWorker, access.PurposeCaseManagement},
		"dpo":           {"dpo.sds-pisa.valentini", access.RoleDPO, access.PurposeDataProtectionReview},
	} {
		tok, err := issuer.IssueDev(id.subject, id.role, "SDS-PISA", nil, time.Hour)
		require.NoError(b, err)
		tokens[who] = scaleToken{bearer: "Bearer " + tok, purpose: string(id.purpose)}
	}
	return srv, tokens
}

func postAs(b *testing.B, srv *httptest.Server, tok scaleToken, query string, vars map[string]any) gqlResponse {
	b.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(b, err)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	require.NoError(b, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", tok.bearer)
	req.Header.Set(auth.PurposeHeader, tok.purpose)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b, err)
	var out gqlResponse
	require.NoError(b, json.Unmarshal(raw, &out), string(raw))
	return out
}
