package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

type world struct {
	st     *store.Store
	authz  *access.Authorizer
	dev    *auth.DevIssuer
	authn  *auth.Authenticator
	server *httptest.Server
}

func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	for _, q := range []string{
		`INSERT INTO organisations (code, name, kind, territory) VALUES ('MUN-A', 'Comune A', 'MUNICIPALITY', 'G702'), ('COOP-1', 'Coop', 'COOPERATIVE', 'G702'), ('MUN-B', 'Comune B', 'MUNICIPALITY', 'L219')`,
		`INSERT INTO staff (subject, display_name, organisation_id) SELECT 'anna', 'Anna', id FROM organisations WHERE code = 'MUN-A'`,
	} {
		_, err := pool.Exec(ctx, q)
		require.NoError(t, err)
	}
	p, err := access.DefaultPolicy()
	require.NoError(t, err)
	authz, err := access.NewAuthorizer(p)
	require.NoError(t, err)
	dev, v := devIssuer(t)
	st := store.New(pool)
	w := &world{st: st, authz: authz, dev: dev, authn: auth.NewAuthenticator(v, accessdata.Directory{Store: st}, authz)}
	w.server = httptest.NewServer(auth.Middleware(w.authn)(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		pr, ok := access.PrincipalFrom(r.Context())
		require.True(t, ok)
		plan, ok := access.PlanFrom(r.Context())
		require.True(t, ok)
		_ = json.NewEncoder(rw).Encode(map[string]any{"subject": pr.Subject, "role": pr.Role, "org": pr.OrganisationCode,
			"staff": pr.StaffID != "", "purpose": pr.Purpose, "rows": plan.Rows()})
	})))
	t.Cleanup(w.server.Close)
	return w
}

func (w *world) call(t *testing.T, authorization, purpose string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.server.URL, nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if purpose != "" {
		req.Header.Set(auth.PurposeHeader, purpose)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func code(body map[string]any) string {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func TestMiddlewareWithPartnerTokens(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	token, rec, err := auth.IssuePartnerToken(ctx, accessdata.Directory{Store: w.st}, w.authz, auth.IssueRequest{Role: access.RoleCaseManager, OrganisationCode: "COOP-1",
		Purposes: []access.Purpose{access.PurposeCaseManagement}, TTL: time.Hour, Label: "portal", CreatedBy: "test"})
	require.NoError(t, err)

	status, body := w.call(t, "Bearer "+token, "")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "token:"+rec.ID, body["subject"])
	require.Equal(t, "case_manager", body["role"])
	require.Equal(t, "COOP-1", body["org"])
	require.Equal(t, "case_management", body["purpose"], "the only purpose granted is implied")
	require.Equal(t, "provider", body["rows"])
	got, err := accessdata.TokenByID(ctx, w.st, rec.ID)
	require.NoError(t, err)
	require.NotNil(t, got.LastUsedAt, "last use recorded")

	status, body = w.call(t, "Bearer "+token, "data_protection_review")
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "FORBIDDEN", code(body))
	status, body = w.call(t, "Bearer "+token, "gossip")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "BAD_USER_INPUT", code(body))

	_, err = accessdata.RevokeToken(ctx, w.st, rec.ID)
	require.NoError(t, err)
	status, body = w.call(t, "Bearer "+token, "")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "UNAUTHENTICATED", code(body))
	require.Contains(t, body["errors"].([]any)[0].(map[string]any)["message"], "revoked")

	status, body = w.call(t, "Bearer "+token[:len(token)-2]+"xx", "")
	require.Equal(t, http.StatusUnauthorized, status, "unknown token")
	status, _ = w.call(t, "Bearer pnt_short", "")
	require.Equal(t, http.StatusUnauthorized, status, "malformed token")
	status, _ = w.call(t, "", "")
	require.Equal(t, http.StatusUnauthorized, status, "no credentials")
	status, _ = w.call(t, "Basic YTpi", "")
	require.Equal(t, http.StatusUnauthorized, status, "wrong scheme")
}

func TestExpiredPartnerTokenRefused(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	token, _, err := auth.IssuePartnerToken(ctx, accessdata.Directory{Store: w.st}, w.authz, auth.IssueRequest{Role: access.RoleSocialWorker, OrganisationCode: "MUN-A",
		Purposes: []access.Purpose{access.PurposeStatistics, access.PurposeCaseManagement}, TTL: 2 * time.Second})
	require.NoError(t, err)
	status, body := w.call(t, "Bearer "+token, "")
	require.Equal(t, http.StatusBadRequest, status, "two purposes: the request must declare one")
	require.Equal(t, "BAD_USER_INPUT", code(body))
	status, body = w.call(t, "Bearer "+token, "statistics")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "aggregates", body["rows"])

	hash, err := auth.HashPartnerToken(token)
	require.NoError(t, err)
	tok, err := accessdata.TokenByHash(ctx, w.st, hash)
	require.NoError(t, err)
	_, _, err = auth.NewAuthenticatorAt(w.authn, tok.ExpiresAt).Authenticate(ctx, "Bearer "+token, "statistics")
	var ae *auth.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusUnauthorized, ae.Status)
	require.Contains(t, ae.Message, "expired")
}

func TestMiddlewareWithStaffJWTs(t *testing.T) {
	t.Parallel()
	w := setup(t)
	tok, err := w.dev.IssueDev("anna", access.RoleSocialWorker, "MUN-A", nil, time.Hour)
	require.NoError(t, err)
	status, body := w.call(t, "Bearer "+tok, "case_management")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, true, body["staff"])
	require.Equal(t, "organisation", body["rows"])
	status, body = w.call(t, "Bearer "+tok, "")
	require.Equal(t, http.StatusBadRequest, status, "social workers have two purposes")

	// The organisation comes from the staff record when the token names none.
	tok, err = w.dev.IssueDev("anna", access.RoleSocialWorker, "", []access.Purpose{access.PurposeCaseManagement}, time.Hour)
	require.NoError(t, err)
	status, body = w.call(t, "Bearer "+tok, "")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "MUN-A", body["org"])

	for name, mk := range map[string]func() (string, error){
		"staff of another organisation": func() (string, error) {
			return w.dev.IssueDev("anna", access.RoleSocialWorker, "MUN-B", nil, time.Hour)
		},
		"unknown organisation": func() (string, error) {
			return w.dev.IssueDev("bruno", access.RoleSocialWorker, "NOWHERE", nil, time.Hour)
		},
		"no organisation at all": func() (string, error) { return w.dev.IssueDev("bruno", access.RoleSocialWorker, "", nil, time.Hour) },
		"purpose claim outside the role": func() (string, error) {
			return w.dev.IssueDev("anna", access.RoleSocialWorker, "MUN-A", []access.Purpose{access.PurposeESFAudit}, time.Hour)
		},
	} {
		tok, err := mk()
		require.NoError(t, err)
		status, body := w.call(t, "Bearer "+tok, "")
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "%s: %v", name, body)
	}
}

func TestIssuePartnerTokenChecks(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	fields := func(err error) []string {
		ie, ok := apperr.AsInput(err)
		require.True(t, ok, "%v", err)
		var out []string
		for _, f := range ie.Fields {
			out = append(out, f.Field)
		}
		return out
	}
	_, _, err := auth.IssuePartnerToken(ctx, accessdata.Directory{Store: w.st}, w.authz, auth.IssueRequest{Role: access.RoleCaseManager, OrganisationCode: "COOP-1",
		Purposes: []access.Purpose{access.PurposeESFAudit}, TTL: time.Hour})
	require.Equal(t, []string{"purpose"}, fields(err))
	_, _, err = auth.IssuePartnerToken(ctx, accessdata.Directory{Store: w.st}, w.authz, auth.IssueRequest{Role: "janitor", TTL: 0})
	require.ElementsMatch(t, []string{"role", "org", "purpose", "expires"}, fields(err))
	_, _, err = auth.IssuePartnerToken(ctx, accessdata.Directory{Store: w.st}, w.authz, auth.IssueRequest{Role: access.RoleDashboard, OrganisationCode: "NOWHERE",
		Purposes: []access.Purpose{access.PurposeStatistics}, TTL: time.Hour})
	require.Equal(t, []string{"org"}, fields(err))
	_, _, err = auth.IssuePartnerToken(ctx, accessdata.Directory{Store: w.st}, w.authz, auth.IssueRequest{Role: access.RoleDashboard, OrganisationCode: "MUN-B",
		StaffSubject: "anna", Purposes: []access.Purpose{access.PurposeStatistics}, TTL: time.Hour})
	require.Equal(t, []string{"staff"}, fields(err))
}

func TestPartnerTokenFormat(t *testing.T) {
	t.Parallel()
	a, ha, err := auth.NewPartnerToken()
	require.NoError(t, err)
	b, _, err := auth.NewPartnerToken()
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	require.Len(t, a, len(auth.TokenPrefix)+43)
	h, err := auth.HashPartnerToken(a)
	require.NoError(t, err)
	require.Equal(t, ha, h)
	for _, bad := range []string{"", "pnt_", "pnt_abc", "xyz_" + a[4:], a + "A", "pnt_" + string(make([]byte, 43))} {
		_, err := auth.HashPartnerToken(bad)
		require.ErrorIs(t, err, auth.ErrInvalidToken, bad)
	}
}

func FuzzHashPartnerToken(f *testing.F) {
	tok, _, _ := auth.NewPartnerToken()
	f.Add(tok)
	f.Add("pnt_")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := auth.HashPartnerToken(s)
		if err == nil && len(h) != 32 {
			t.Fatalf("hash of %d bytes", len(h))
		}
	})
}

func TestParseTTL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour, "30m": 30 * time.Minute, " 1d ": 24 * time.Hour, "366d": 366 * 24 * time.Hour} {
		got, err := auth.ParseTTL(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "0d", "-1d", "367d", "10y", "d", "1.5d", "0s", "-5m", "9000h"} {
		_, err := auth.ParseTTL(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParseTTL(f *testing.F) {
	for _, s := range []string{"90d", "12h", "1h30m", "x", "99999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := auth.ParseTTL(s)
		if err == nil && (d <= 0 || d > auth.MaxTokenTTL) {
			t.Fatalf("%q parsed to %v", s, d)
		}
	})
}
