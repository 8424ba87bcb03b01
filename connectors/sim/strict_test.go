package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/sim"
)

// jws signs claims as the registered client, with the given header fields on top.
func jws(t *testing.T, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	key, _ := testKeys(t)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "kid-1"
	tok.Header["typ"] = "JWT"
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func assertionClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"iss": clientID, "sub": clientID, "aud": pdnd.DefaultAssertionAudience, "jti": uuid.NewString(),
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "purposeId": purposeID}
}

func evidenceClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"iss": clientID, "sub": clientID, "aud": sim.DefaultAudience, "jti": uuid.NewString(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(), "dnonce": 4817263540193,
		"purposeId": purposeID, "userID": "social-worker-7", "userLocation": "ws-1", "LoA": "substantial"}
}

// tokenRequest posts a form to the token endpoint and decodes its OAuth answer.
func tokenRequest(t *testing.T, b *testBundle, contentType string, form url.Values) (int, http.Header, map[string]string) {
	t.Helper()
	resp, err := http.Post(b.srv.URL+"/token.oauth2", contentType, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	var raw map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw))
	body := map[string]string{}
	for k, v := range raw {
		body[k] = fmt.Sprint(v)
	}
	return resp.StatusCode, resp.Header, body
}

func form(assertion string) url.Values {
	return url.Values{"client_id": {clientID}, "client_assertion": {assertion},
		"client_assertion_type": {pdnd.ClientAssertionType}, "grant_type": {"client_credentials"}}
}

// voucher gets a voucher bound to evidence (unbound when evidence is "").
func voucher(t *testing.T, b *testBundle, evidence string) string {
	t.Helper()
	c := assertionClaims(time.Now())
	if evidence != "" {
		c["digest"] = map[string]string{"alg": "SHA256", "value": pdnd.EvidenceDigest(evidence)}
	}
	status, _, body := tokenRequest(t, b, "application/x-www-form-urlencoded", form(jws(t, c, nil)))
	require.Equal(t, http.StatusOK, status, body)
	return body["access_token"]
}

func TestTokenEndpointAnswersRFC6749Errors(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 5}})
	_, other := testKeys(t)
	now := time.Now()
	with := func(mutate func(jwt.MapClaims)) string {
		c := assertionClaims(now)
		mutate(c)
		return jws(t, c, nil)
	}
	otherKey := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, assertionClaims(now))
		tok.Header["kid"], tok.Header["typ"] = "kid-1", "JWT"
		s, err := tok.SignedString(other)
		require.NoError(t, err)
		return s
	}
	replayed := jws(t, assertionClaims(now), nil)
	status, _, _ := tokenRequest(t, b, "application/x-www-form-urlencoded", form(replayed))
	require.Equal(t, http.StatusOK, status)

	for _, tc := range []struct {
		name        string
		contentType string
		form        url.Values
		status      int
		code, why   string
	}{
		{"not a form", "application/json", form(jws(t, assertionClaims(now), nil)), 400, "invalid_request", "x-www-form-urlencoded"},
		{"no grant type", "", url.Values{"client_id": {clientID}}, 400, "invalid_request", "grant_type is required"},
		{"other grant type", "", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type", ""},
		{"other assertion type", "", url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"saml"}}, 400, "invalid_request", "client_assertion_type"},
		{"no assertion", "", url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {pdnd.ClientAssertionType}}, 400, "invalid_request", "client_assertion is required"},
		{"unknown client", "", func() url.Values { f := form(jws(t, assertionClaims(now), nil)); f.Set("client_id", "x"); return f }(), 401, "invalid_client", "unknown client_id"},
		{"signed with another key", "", form(otherKey()), 401, "invalid_client", "signature invalid"},
		{"no typ", "", form(jws(t, assertionClaims(now), map[string]any{"typ": nil})), 401, "invalid_client", "typ must be JWT"},
		{"with nbf", "", form(with(func(c jwt.MapClaims) { c["nbf"] = now.Unix() })), 401, "invalid_client", "must not carry nbf"},
		{"expired", "", form(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), 400, "invalid_grant", "expired"},
		{"issued in the future", "", form(with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), 400, "invalid_grant", "issued in the future"},
		{"issued long ago", "", form(with(func(c jwt.MapClaims) { c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(time.Hour).Unix() })), 400, "invalid_grant", "ago, more than"},
		{"replayed", "", form(replayed), 400, "invalid_grant", "already used"},
		{"purpose not granted", "", form(with(func(c jwt.MapClaims) { c["purposeId"] = "another" })), 400, "invalid_scope", "not authorised"},
		{"bad digest", "", form(with(func(c jwt.MapClaims) { c["digest"] = map[string]string{"alg": "MD5", "value": "x"} })), 400, "invalid_request", "digest must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			status, h, body := tokenRequest(t, b, ct, tc.form)
			require.Equal(t, tc.status, status, body)
			require.Equal(t, "application/json", h.Get("Content-Type"))
			require.Equal(t, "no-store", h.Get("Cache-Control"))
			require.Equal(t, tc.code, body["error"])
			require.Contains(t, body["error_description"], tc.why)
			require.Empty(t, body["access_token"])
		})
	}
}

func TestVouchersAreRS256AccessTokensAndTheKeysArePublished(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 5}})
	v := voucher(t, b, "")
	claims := jwt.MapClaims{}
	tok, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(sim.DefaultAudience), jwt.WithIssuer(sim.VoucherIssuer)).
		ParseWithClaims(v, claims, func(*jwt.Token) (any, error) { return b.sim.VoucherKey(), nil })
	require.NoError(t, err)
	require.Equal(t, "at+jwt", tok.Header["typ"])
	require.Equal(t, clientID, claims["client_id"])
	require.Equal(t, purposeID, claims["purposeId"])

	resp, err := http.Get(b.srv.URL + sim.PathJWKS)
	require.NoError(t, err)
	set, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	keys, err := pdnd.ParseJWKS(set)
	require.NoError(t, err)
	require.True(t, keys[tok.Header["kid"].(string)].Equal(b.sim.VoucherKey()))
	require.True(t, keys[pdnd.Thumbprint(b.sim.ResponseKey())].Equal(b.sim.ResponseKey()))
}

func TestDataEndpointsCheckWhatAStrictEServiceChecks(t *testing.T) {
	t.Parallel()
	forger, _ := testKeys(t) // the client's key, not the simulated PDND's
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 5}})
	get := func(voucher, evidence string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/v1/isee?limit=2", nil)
		req.Header.Set("Authorization", "Bearer "+voucher)
		if evidence != "" {
			req.Header.Set(pdnd.HeaderTrackingEvidence, evidence)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		code, msg := client.ParseErrorBody(resp.Header.Get("Content-Type"), mustRead(t, resp.Body))
		return resp.StatusCode, code + ": " + msg
	}
	now := time.Now()
	evidence := func(mutate func(jwt.MapClaims), header map[string]any) string {
		c := evidenceClaims(now)
		if mutate != nil {
			mutate(c)
		}
		return jws(t, c, header)
	}
	for _, tc := range []struct {
		name     string
		evidence string
		want     string // "" passes
	}{
		{"complete", evidence(nil, nil), ""},
		{"dnonce as a string of digits", evidence(func(c jwt.MapClaims) { c["dnonce"] = "0000000000042" }, nil), ""},
		{"no dnonce", evidence(func(c jwt.MapClaims) { delete(c, "dnonce") }, nil), "TRACKING_EVIDENCE_INVALID: tracking evidence claim dnonce must be"},
		{"short dnonce", evidence(func(c jwt.MapClaims) { c["dnonce"] = 123456789012 }, nil), "dnonce must be"},
		{"fractional dnonce", evidence(func(c jwt.MapClaims) { c["dnonce"] = 1234567890123.5 }, nil), "dnonce must be"},
		{"typ", evidence(nil, map[string]any{"typ": "at+jwt"}), "typ must be JWT"},
		{"issued in the future", evidence(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() }, nil), "issued in the future"},
		{"issued long ago", evidence(func(c jwt.MapClaims) { c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(time.Hour).Unix() }, nil), "ago, more than the 5m0s accepted"},
		{"expired", evidence(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }, nil), "expired"},
		{"no user", evidence(func(c jwt.MapClaims) { delete(c, "userID") }, nil), "claim userID is required"},
		{"unknown LoA", evidence(func(c jwt.MapClaims) { c["LoA"] = "SpidL2" }, nil), `LoA "SpidL2"`},
		{"another purpose", evidence(func(c jwt.MapClaims) { c["purposeId"] = "p2" }, nil), "purposeId differs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, msg := get(voucher(t, b, tc.evidence), tc.evidence)
			if tc.want == "" {
				require.Equal(t, http.StatusOK, status, msg)
				return
			}
			require.Equal(t, http.StatusForbidden, status)
			require.Contains(t, msg, tc.want)
		})
	}

	t.Run("replayed evidence", func(t *testing.T) {
		e := evidence(nil, nil)
		v := voucher(t, b, e)
		status, _ := get(v, e)
		require.Equal(t, http.StatusOK, status)
		status, msg := get(v, e)
		require.Equal(t, http.StatusForbidden, status, "a replay filter refuses the second call")
		require.Contains(t, msg, "TRACKING_EVIDENCE_REPLAYED")
	})
	t.Run("evidence the voucher was not issued for", func(t *testing.T) {
		status, msg := get(voucher(t, b, evidence(nil, nil)), evidence(nil, nil))
		require.Equal(t, http.StatusForbidden, status)
		require.Contains(t, msg, "TRACKING_EVIDENCE_MISMATCH")
	})
	t.Run("voucher forged by the client", func(t *testing.T) {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": sim.VoucherIssuer, "aud": sim.DefaultAudience, "client_id": clientID,
			"purposeId": purposeID, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
		tok.Header["kid"], tok.Header["typ"] = pdnd.Thumbprint(b.sim.VoucherKey()), "at+jwt"
		forged, err := tok.SignedString(forger)
		require.NoError(t, err)
		status, msg := get(forged, "")
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, msg, "VOUCHER_INVALID: voucher rejected: signature invalid")
	})
	t.Run("voucher signed with HS256", func(t *testing.T) {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": sim.VoucherIssuer, "aud": sim.DefaultAudience,
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
		forged, err := tok.SignedString([]byte("guess"))
		require.NoError(t, err)
		status, msg := get(forged, "")
		require.Equal(t, http.StatusUnauthorized, status)
		require.Contains(t, msg, "VOUCHER_INVALID")
	})
}

func TestVouchersOfAnotherTypeAreRefused(t *testing.T) {
	t.Parallel()
	pdndKey, _ := testKeys(t)
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 5}, voucherKey: pdndKey})
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": sim.VoucherIssuer, "aud": sim.DefaultAudience, "client_id": clientID,
		"purposeId": purposeID, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	tok.Header["kid"], tok.Header["typ"] = pdnd.Thumbprint(&pdndKey.PublicKey), "JWT"
	id, err := tok.SignedString(pdndKey)
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/v1/isee", nil)
	req.Header.Set("Authorization", "Bearer "+id)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body := mustRead(t, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, string(body), "voucher typ must be at+jwt")
}

func TestRequestSignatureReplayIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 2, Persons: demoPersons}})
	body := []byte(`{"tax_codes":["RSSMRA68A01H501Y"]}`)
	digest := pdnd.Digest(body)
	now := time.Now()
	sig := jws(t, jwt.MapClaims{"iss": clientID, "sub": clientID, "aud": sim.DefaultAudience, "jti": uuid.NewString(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"signed_headers": []map[string]string{{"digest": digest}, {"content-type": "application/json"}}}, nil)
	post := func() (int, string) {
		e := jws(t, evidenceClaims(now), nil)
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/v1/isee/search", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+voucher(t, b, e))
		req.Header.Set(pdnd.HeaderTrackingEvidence, e)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(pdnd.HeaderDigest, digest)
		req.Header.Set(pdnd.HeaderSignature, sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return resp.StatusCode, string(mustRead(t, resp.Body))
	}
	status, _ := post()
	require.Equal(t, http.StatusOK, status)
	status, msg := post()
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, msg, "SIGNATURE_REPLAYED")
}

func TestResponsesAreSignedAndTheHubVerifiesThem(t *testing.T) {
	t.Parallel()
	var tamper atomic.Bool
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !tamper.Load() || !strings.HasPrefix(r.URL.Path, "/v1/") {
				next.ServeHTTP(w, r)
				return
			}
			// A proxy on the way rewrites the answer and keeps the registry's headers.
			rec := &capturingWriter{header: http.Header{}}
			next.ServeHTTP(rec, r)
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.status)
			w.Write(bytes.Replace(rec.body.Bytes(), []byte(`"household_size":`), []byte(`"household_size":1`), 1))
		})
	}
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 3, Synthetic: 20}, wrap: wrap})
	_, other := testKeys(t)
	ctx := context.Background()
	for name, mutate := range map[string]func(*pdnd.Config){
		"key file":  func(c *pdnd.Config) { c.ResponseKey = b.sim.ResponseKey() },
		"key set":   func(c *pdnd.Config) { c.ResponseJWKSURL = b.srv.URL + sim.PathJWKS },
		"unchecked": func(*pdnd.Config) {},
	} {
		cfg := b.pdndCfg
		cfg.ResponseIssuer = b.sim.ProviderID()
		mutate(&cfg)
		tr, err := pdnd.NewTransport(cfg, nil)
		require.NoError(t, err)
		bc := benefits.New(b.client(t, benefits.Source, tr))
		p, err := bc.ListISEE(ctx, "", 20)
		require.NoError(t, err, name)
		require.Len(t, p.Records, 20, name)
	}

	tamper.Store(true)
	before := b.sim.Stats().DataRequests
	cfg := b.pdndCfg
	cfg.ResponseJWKSURL = b.srv.URL + sim.PathJWKS
	tr, err := pdnd.NewTransport(cfg, nil)
	require.NoError(t, err)
	hc := b.client(t, benefits.Source, tr)
	_, err = benefits.New(hc).ListISEE(ctx, "", 20)
	require.ErrorIs(t, err, client.ErrIntegrity)
	require.False(t, client.IsRetryable(err), "not retried blindly: the same answer would come again")
	require.Contains(t, err.Error(), "benefits: list ISEE: pdnd: verify response integrity: HTTP 200 OK: response failed integrity verification: Digest header does not match the body")
	require.Equal(t, before+1, b.sim.Stats().DataRequests, "one attempt")
	require.Equal(t, uint64(1), hc.Metrics().Failures[client.FailureIntegrity])
	require.Equal(t, "closed", hc.BreakerState(), "a forged answer says nothing about the registry's health")
	tamper.Store(false)

	cfg = b.pdndCfg
	cfg.ResponseKey = &other.PublicKey
	tr, err = pdnd.NewTransport(cfg, nil)
	require.NoError(t, err)
	_, err = labour.New(b.client(t, labour.Source, tr)).ListLabourStatus(ctx, "", 5)
	require.ErrorIs(t, err, client.ErrIntegrity)
	require.Contains(t, err.Error(), "Agid-JWT-Signature rejected")
}

type capturingWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capturingWriter) Header() http.Header { return c.header }
func (c *capturingWriter) WriteHeader(s int)   { c.status = s }
func (c *capturingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}
