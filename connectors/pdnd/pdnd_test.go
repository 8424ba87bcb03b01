package pdnd_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/pdnd"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = pdnd.GenerateKey(); err != nil {
			panic(err)
		}
	})
	return testKey
}

func TestKeyFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := key(t)
	privPath, pubPath, err := pdnd.WriteKeyPair(dir, "client", k)
	require.NoError(t, err)
	info, err := os.Stat(privPath)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	loaded, err := pdnd.LoadKey(privPath)
	require.NoError(t, err)
	require.True(t, loaded.Equal(k))
	pub, err := pdnd.LoadPublicKey(pubPath)
	require.NoError(t, err)
	require.True(t, pub.Equal(&k.PublicKey))
	require.Equal(t, pdnd.Thumbprint(pub), pdnd.Thumbprint(&k.PublicKey))
	require.Len(t, pdnd.Thumbprint(pub), 43)

	_, err = pdnd.LoadKey(filepath.Join(dir, "missing.key"))
	require.ErrorContains(t, err, "load private key")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.key"), []byte("not pem"), 0o600))
	_, err = pdnd.LoadKey(filepath.Join(dir, "junk.key"))
	require.ErrorContains(t, err, "junk.key")
	_, err = pdnd.LoadPublicKey(privPath)
	require.Error(t, err)
}

func baseConfig(t *testing.T, tokenURL string) pdnd.Config {
	return pdnd.Config{
		TokenURL: tokenURL, ClientID: "client-1", KeyID: "kid-1", PurposeID: "purpose-1",
		PrivateKey: key(t), Audience: "eservice-aud", UserLocation: "ws-01",
		SystemUserID: "sync-operator-1", SystemUserLoA: "high",
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for field, mutate := range map[string]func(*pdnd.Config){
		"TokenURL":      func(c *pdnd.Config) { c.TokenURL = "auth.example/token" },
		"ClientID":      func(c *pdnd.Config) { c.ClientID = " " },
		"KeyID":         func(c *pdnd.Config) { c.KeyID = "" },
		"PurposeID":     func(c *pdnd.Config) { c.PurposeID = "" },
		"Audience":      func(c *pdnd.Config) { c.Audience = "" },
		"UserLocation":  func(c *pdnd.Config) { c.UserLocation = "" },
		"KeyFile":       func(c *pdnd.Config) { c.PrivateKey = nil },
		"EvidenceTTL":   func(c *pdnd.Config) { c.EvidenceTTL = -time.Second },
		"SystemUserID":  func(c *pdnd.Config) { c.SystemUserID = "" },
		"SystemUserLoA": func(c *pdnd.Config) { c.SystemUserLoA = "" },
		"LoA":           func(c *pdnd.Config) { c.LoA = "SpidL2" },
		"Audit":         func(c *pdnd.Config) { c.Audit = "AUDIT_REST_03" },
		"ResponseJWKSURL": func(c *pdnd.Config) {
			c.ResponseKey = &key(t).PublicKey
			c.ResponseJWKSURL = "https://keys.example/jwks"
		},
	} {
		cfg := baseConfig(t, "https://auth.uat.interop.pagopa.it/token.oauth2")
		mutate(&cfg)
		_, err := pdnd.NewTransport(cfg, nil)
		require.ErrorContains(t, err, "config "+field, field)
	}
	cfg := baseConfig(t, "https://auth.uat.interop.pagopa.it/token.oauth2")
	cfg.SystemUserLoA = "medium"
	_, err := pdnd.NewTransport(cfg, nil)
	require.ErrorContains(t, err, `config SystemUserLoA: "medium": want low, substantial or high`)
}

// capture is a registry and token endpoint that records what the transport sends.
type capture struct {
	mu       sync.Mutex
	forms    []map[string][]string
	reqs     []*http.Request
	bodies   []string
	answer   func(n int, w http.ResponseWriter, r *http.Request) // n counts data requests from 1
	vouchers int
}

func newCapture(t *testing.T) (*capture, *httptest.Server) {
	c := &capture{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if r.URL.Path == "/auth/token.oauth2" {
			c.vouchers++
			require.NoError(t, r.ParseForm())
			c.forms = append(c.forms, r.PostForm)
			fmt.Fprintf(w, `{"access_token":"voucher-%d","token_type":"Bearer","expires_in":600}`, c.vouchers)
			return
		}
		b, _ := io.ReadAll(r.Body)
		c.reqs = append(c.reqs, r)
		c.bodies = append(c.bodies, string(b))
		if c.answer != nil {
			c.answer(len(c.reqs), w, r)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return c, srv
}

func parseRS256(t *testing.T, token, audience string) (*jwt.Token, jwt.MapClaims) {
	t.Helper()
	claims := jwt.MapClaims{}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"RS256"})}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	tok, err := jwt.NewParser(opts...).ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return &key(t).PublicKey, nil })
	require.NoError(t, err)
	return tok, claims
}

// TestHeadersAndClaims checks every claim PDND and ModI require, by capturing what the
// transport sends: with AUDIT_REST_02, each call has a tracking evidence of its own and a
// voucher issued for it.
func TestHeadersAndClaims(t *testing.T) {
	t.Parallel()
	c, srv := newCapture(t)
	tr, err := pdnd.NewTransport(baseConfig(t, srv.URL+"/auth/token.oauth2"), nil)
	require.NoError(t, err)
	hc := &http.Client{Transport: tr}

	ctx := pdnd.WithOperator(context.Background(), "operator-7", "")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/data", nil)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	body := `{"tax_codes":["RSSMRA68A01H501Y"]}`
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/data", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	require.Equal(t, 2, c.vouchers, "a voucher per call: each is bound to its call's evidence")
	jtis := map[string]bool{}
	for i, form := range c.forms {
		require.Equal(t, "client-1", form["client_id"][0])
		require.Equal(t, "client_credentials", form["grant_type"][0])
		require.Equal(t, pdnd.ClientAssertionType, form["client_assertion_type"][0])
		at, ac := parseRS256(t, form["client_assertion"][0], "")
		require.Equal(t, "JWT", at.Header["typ"])
		require.Equal(t, "kid-1", at.Header["kid"])
		require.Equal(t, "client-1", ac["iss"])
		require.Equal(t, "client-1", ac["sub"])
		require.Equal(t, pdnd.DefaultAssertionAudience, ac["aud"])
		require.Equal(t, "purpose-1", ac["purposeId"])
		require.Len(t, ac["jti"], 36)
		require.NotContains(t, ac, "nbf")
		require.Contains(t, ac, "iat")
		require.Contains(t, ac, "exp")

		data := c.reqs[i]
		require.Equal(t, fmt.Sprintf("Bearer voucher-%d", i+1), data.Header.Get("Authorization"))
		evidence := data.Header.Get(pdnd.HeaderTrackingEvidence)
		digest := ac["digest"].(map[string]any)
		require.Equal(t, "SHA256", digest["alg"])
		require.Equal(t, pdnd.EvidenceDigest(evidence), digest["value"], "the voucher is bound to this call's evidence")
		et, ec := parseRS256(t, evidence, "eservice-aud")
		require.Equal(t, "JWT", et.Header["typ"])
		for claim, want := range map[string]string{"iss": "client-1", "sub": "client-1", "purposeId": "purpose-1", "userID": "operator-7",
			"userLocation": "ws-01", "LoA": pdnd.DefaultLoA} {
			require.Equal(t, want, ec[claim], claim)
		}
		for _, claim := range []string{"jti", "iat", "nbf", "exp"} {
			require.Contains(t, ec, claim)
		}
		require.Regexp(t, `^[1-9][0-9]{12}$`, fmt.Sprintf("%.0f", ec["dnonce"].(float64)), "dnonce: a number of 13 digits")
		iat, _ := ec.GetIssuedAt()
		exp, _ := ec.GetExpirationTime()
		require.LessOrEqual(t, exp.Sub(iat.Time), pdnd.DefaultEvidenceTTL, "an evidence lives one call, not a voucher's ten minutes")
		jti := ec["jti"].(string)
		require.False(t, jtis[jti], "a fresh evidence per call")
		jtis[jti] = true
	}
	get, post := c.reqs[0], c.reqs[1]
	require.Empty(t, get.Header.Get(pdnd.HeaderDigest), "no body, no digest")
	require.Empty(t, get.Header.Get(pdnd.HeaderSignature))
	require.Equal(t, body, c.bodies[1])
	require.Equal(t, pdnd.Digest([]byte(body)), post.Header.Get(pdnd.HeaderDigest))
	st, sc := parseRS256(t, post.Header.Get(pdnd.HeaderSignature), "eservice-aud")
	require.Equal(t, "JWT", st.Header["typ"])
	require.Equal(t, []any{
		map[string]any{"digest": pdnd.Digest([]byte(body))},
		map[string]any{"content-type": "application/json"},
	}, sc["signed_headers"])
}

func TestUnattendedCallsNameTheConfiguredSystemOperator(t *testing.T) {
	t.Parallel()
	c, srv := newCapture(t)
	tr, err := pdnd.NewTransport(baseConfig(t, srv.URL+"/auth/token.oauth2"), nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/data")
	require.NoError(t, err)
	resp.Body.Close()
	_, ec := parseRS256(t, c.reqs[0].Header.Get(pdnd.HeaderTrackingEvidence), "eservice-aud")
	require.Equal(t, "sync-operator-1", ec["userID"])
	require.Equal(t, "high", ec["LoA"])

	req, _ := http.NewRequestWithContext(pdnd.WithOperator(context.Background(), "staff-9", "HIGH"), http.MethodGet, srv.URL+"/data", nil)
	resp, err = (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	_, ec = parseRS256(t, c.reqs[1].Header.Get(pdnd.HeaderTrackingEvidence), "eservice-aud")
	require.Equal(t, "staff-9", ec["userID"])
	require.Equal(t, "high", ec["LoA"])
}

func TestAuditREST01CachesTheVoucherButNotTheEvidence(t *testing.T) {
	t.Parallel()
	c, srv := newCapture(t)
	cfg := baseConfig(t, srv.URL+"/auth/token.oauth2")
	cfg.Audit = pdnd.AuditREST01
	tr, err := pdnd.NewTransport(cfg, nil)
	require.NoError(t, err)
	hc := &http.Client{Transport: tr}
	for range 3 {
		resp, err := hc.Get(srv.URL + "/data")
		require.NoError(t, err)
		resp.Body.Close()
	}
	require.Equal(t, 1, c.vouchers, "the voucher is not bound to an evidence: it is reused")
	_, ac := parseRS256(t, c.forms[0]["client_assertion"][0], "")
	require.NotContains(t, ac, "digest")
	seen := map[string]bool{}
	for _, r := range c.reqs {
		require.Equal(t, "Bearer voucher-1", r.Header.Get("Authorization"))
		_, ec := parseRS256(t, r.Header.Get(pdnd.HeaderTrackingEvidence), "eservice-aud")
		require.False(t, seen[ec["jti"].(string)], "yet every call has its own evidence")
		seen[ec["jti"].(string)] = true
	}
}

func TestRefusedCallIsRetriedOnceWithANewVoucher(t *testing.T) {
	t.Parallel()
	for _, audit := range []string{pdnd.AuditREST01, pdnd.AuditREST02} {
		t.Run(audit, func(t *testing.T) {
			t.Parallel()
			c, srv := newCapture(t)
			refuse := map[int]int{1: http.StatusUnauthorized, 3: http.StatusForbidden, 4: http.StatusForbidden}
			c.answer = func(n int, w http.ResponseWriter, r *http.Request) {
				if status, ok := refuse[n]; ok {
					w.WriteHeader(status)
					fmt.Fprint(w, `{"code":"VOUCHER_EXPIRED"}`)
					return
				}
				fmt.Fprint(w, `{}`)
			}
			cfg := baseConfig(t, srv.URL+"/auth/token.oauth2")
			cfg.Audit = audit
			tr, err := pdnd.NewTransport(cfg, nil)
			require.NoError(t, err)
			hc := &http.Client{Transport: tr}

			// Refused once (a voucher the registry's clock finds expired): the second try
			// with a new voucher goes through, within the same call.
			resp, err := hc.Get(srv.URL + "/data")
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Len(t, c.reqs, 2)
			require.Equal(t, 2, c.vouchers)
			require.NotEqual(t, c.reqs[0].Header.Get("Authorization"), c.reqs[1].Header.Get("Authorization"))
			require.NotEqual(t, c.reqs[0].Header.Get(pdnd.HeaderTrackingEvidence), c.reqs[1].Header.Get(pdnd.HeaderTrackingEvidence))

			// Refused twice: the answer stands, after one retry only.
			resp, err = hc.Get(srv.URL + "/data")
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusForbidden, resp.StatusCode)
			require.Len(t, c.reqs, 4)
		})
	}
}

func TestDnonceHasThirteenDigits(t *testing.T) {
	t.Parallel()
	seen := map[int64]bool{}
	for range 200 {
		n, err := pdnd.Dnonce()
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, int64(1_000_000_000_000))
		require.Less(t, n, int64(10_000_000_000_000))
		seen[n] = true
	}
	require.Greater(t, len(seen), 195, "random")
}

func TestDigest(t *testing.T) {
	t.Parallel()
	// RFC 3230 example body "hello" → base64 SHA-256.
	require.Equal(t, "SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", pdnd.Digest([]byte("hello")))
}

func TestAuthKinds(t *testing.T) {
	t.Parallel()
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotAuth = r.Header.Get("Authorization") }))
	t.Cleanup(srv.Close)

	rt, err := pdnd.Auth{Kind: "bearer", BearerToken: "s3cret"}.Transport(nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "Bearer s3cret", gotAuth)

	rt, err = pdnd.Auth{Kind: "none"}.Transport(http.DefaultTransport)
	require.NoError(t, err)
	require.Same(t, http.DefaultTransport, rt)

	for _, tc := range []struct {
		auth pdnd.Auth
		want string
	}{
		{pdnd.Auth{Kind: "kerberos"}, `auth kind "kerberos"`},
		{pdnd.Auth{Kind: "bearer"}, "bearer_token must not be empty"},
		{pdnd.Auth{Kind: "mtls"}, "cert_file and key_file"},
		{pdnd.Auth{Kind: "mtls", CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key"}, "load client certificate"},
		{pdnd.Auth{Kind: "pdnd"}, "config TokenURL"},
	} {
		_, err := tc.auth.Transport(nil)
		require.ErrorContains(t, err, tc.want)
	}
	_, err = pdnd.Auth{Kind: "mtls", CertFile: "a", KeyFile: "b"}.Transport(rt.(http.RoundTripper))
	require.Error(t, err)
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCert := func(name string, isCA bool) (certPath, keyPath string) {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{"localhost"}, IPAddresses: nil,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
			IsCA:        isCA, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		require.NoError(t, err)
		certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
		require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600))
		return certPath, keyPath
	}
	clientCert, clientKey := writeCert("client", false)
	clientPEM, err := os.ReadFile(clientCert)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(clientPEM))

	var peer string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer = r.TLS.PeerCertificates[0].Subject.CommonName
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caPath := filepath.Join(dir, "server-ca.crt")
	require.NoError(t, os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	rt, err := pdnd.Auth{Kind: "mtls", CertFile: clientCert, KeyFile: clientKey, CAFile: caPath}.Transport(nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "client", peer)

	// Without the client certificate the server refuses the handshake.
	plain, err := pdnd.MutualTLS(clientCert, clientKey, caPath, nil)
	require.NoError(t, err)
	plain.TLSClientConfig.Certificates = nil
	_, err = (&http.Client{Transport: plain}).Get(srv.URL)
	require.Error(t, err)

	_, err = pdnd.MutualTLS(clientCert, clientKey, clientKey, nil)
	require.ErrorContains(t, err, "holds no PEM certificate")
}
