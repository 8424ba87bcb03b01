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
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for field, mutate := range map[string]func(*pdnd.Config){
		"TokenURL":     func(c *pdnd.Config) { c.TokenURL = "auth.example/token" },
		"ClientID":     func(c *pdnd.Config) { c.ClientID = " " },
		"KeyID":        func(c *pdnd.Config) { c.KeyID = "" },
		"PurposeID":    func(c *pdnd.Config) { c.PurposeID = "" },
		"Audience":     func(c *pdnd.Config) { c.Audience = "" },
		"UserLocation": func(c *pdnd.Config) { c.UserLocation = "" },
		"KeyFile":      func(c *pdnd.Config) { c.PrivateKey = nil },
		"EvidenceTTL":  func(c *pdnd.Config) { c.EvidenceTTL = -time.Second },
	} {
		cfg := baseConfig(t, "https://auth.uat.interop.pagopa.it/token.oauth2")
		mutate(&cfg)
		_, err := pdnd.NewTransport(cfg, nil)
		require.ErrorContains(t, err, "config "+field, field)
	}
}

// TestHeadersAndClaims checks every claim PDND and ModI require, by
// capturing what the transport sends.
func TestHeadersAndClaims(t *testing.T) {
	t.Parallel()
	k := key(t)
	var (
		mu        sync.Mutex
		form      map[string][]string
		dataReqs  []*http.Request
		dataBody  []string
		tokenHits int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/auth/token.oauth2" {
			tokenHits++
			require.NoError(t, r.ParseForm())
			form = r.PostForm
			fmt.Fprint(w, `{"access_token":"voucher-1","token_type":"Bearer","expires_in":600}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		dataReqs = append(dataReqs, r)
		dataBody = append(dataBody, string(b))
		if r.URL.Path == "/reject" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	tr, err := pdnd.NewTransport(baseConfig(t, srv.URL+"/auth/token.oauth2"), nil)
	require.NoError(t, err)
	hc := &http.Client{Transport: tr}

	ctx := pdnd.WithOperator(context.Background(), "operator-7")
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

	require.Equal(t, 1, tokenHits)
	require.Equal(t, "client-1", form["client_id"][0])
	require.Equal(t, "client_credentials", form["grant_type"][0])
	require.Equal(t, pdnd.ClientAssertionType, form["client_assertion_type"][0])

	keyFn := func(*jwt.Token) (any, error) { return &k.PublicKey, nil }
	ac := jwt.MapClaims{}
	at, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"})).ParseWithClaims(form["client_assertion"][0], ac, keyFn)
	require.NoError(t, err)
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

	get, post := dataReqs[0], dataReqs[1]
	require.Equal(t, "Bearer voucher-1", get.Header.Get("Authorization"))
	evidence := get.Header.Get(pdnd.HeaderTrackingEvidence)
	require.Equal(t, evidence, post.Header.Get(pdnd.HeaderTrackingEvidence), "the evidence travels with its voucher")
	digest := ac["digest"].(map[string]any)
	require.Equal(t, "SHA256", digest["alg"])
	require.Equal(t, pdnd.EvidenceDigest(evidence), digest["value"])
	ec := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("eservice-aud")).ParseWithClaims(evidence, ec, keyFn)
	require.NoError(t, err)
	for claim, want := range map[string]string{"iss": "client-1", "sub": "client-1", "purposeId": "purpose-1", "userID": "operator-7", "userLocation": "ws-01", "LoA": pdnd.DefaultLoA} {
		require.Equal(t, want, ec[claim], claim)
	}
	for _, claim := range []string{"jti", "iat", "nbf", "exp"} {
		require.Contains(t, ec, claim)
	}
	require.Empty(t, get.Header.Get(pdnd.HeaderDigest), "no body, no digest")
	require.Empty(t, get.Header.Get(pdnd.HeaderSignature))

	require.Equal(t, body, dataBody[1])
	require.Equal(t, pdnd.Digest([]byte(body)), post.Header.Get(pdnd.HeaderDigest))
	sc := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience("eservice-aud")).ParseWithClaims(post.Header.Get(pdnd.HeaderSignature), sc, keyFn)
	require.NoError(t, err)
	require.Equal(t, []any{
		map[string]any{"digest": pdnd.Digest([]byte(body))},
		map[string]any{"content-type": "application/json"},
	}, sc["signed_headers"])

	// A 401 from the source drops the voucher; the next call gets a new one.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/reject", nil)
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/data", nil)
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 2, tokenHits)
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
