package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func devIssuer(t testing.TB) (*auth.DevIssuer, *auth.Verifier) {
	t.Helper()
	d, err := auth.LoadOrCreateDevIssuer(filepath.Join(t.TempDir(), "keys", "dev-jwt.pem"))
	require.NoError(t, err)
	v, err := auth.NewVerifier(d.VerifierConfig())
	require.NoError(t, err)
	return d, v
}

func TestDevIssuerTokensVerify(t *testing.T) {
	t.Parallel()
	d, v := devIssuer(t)
	tok, err := d.IssueDev("anna", access.RoleSocialWorker, "MUN-A", []access.Purpose{access.PurposeCaseManagement}, time.Hour)
	require.NoError(t, err)
	c, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	require.Equal(t, "anna", c.Subject)
	require.Equal(t, "social_worker", c.Role)
	require.Equal(t, "MUN-A", c.Organisation)
	require.Equal(t, []string{"case_management"}, c.Purposes)

	// The key file is reused, not replaced.
	d2, err := auth.LoadOrCreateDevIssuer(d.VerifierConfig().KeyFile)
	require.NoError(t, err)
	tok2, err := d2.IssueDev("anna", access.RoleSocialWorker, "MUN-A", nil, time.Hour)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), tok2)
	require.NoError(t, err)
	info, err := os.Stat(d.VerifierConfig().KeyFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	_, err = d.IssueDev("", access.RoleAdmin, "", nil, time.Hour)
	require.Error(t, err)
	_, err = d.IssueDev("x", "janitor", "", nil, time.Hour)
	require.Error(t, err)
}

// claimsJSON signs arbitrary claims with key under alg, with kid.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func good() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": auth.DevIssuerName, "aud": auth.DevAudience, "sub": "anna", "ponte_role": "social_worker",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

func TestTamperedJWTsAreRefused(t *testing.T) {
	t.Parallel()
	d, v := devIssuer(t)
	valid, err := d.IssueDev("anna", access.RoleSocialWorker, "MUN-A", nil, time.Hour)
	require.NoError(t, err)
	parts := strings.Split(valid, ".")
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	keyPEM, err := os.ReadFile(d.VerifierConfig().KeyFile)
	require.NoError(t, err)

	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := good()
		edit(c)
		return c
	}
	payload := func(c jwt.MapClaims) string {
		b, _ := json.Marshal(c)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	cases := map[string]string{
		"payload changed, signature kept": parts[0] + "." + payload(with(func(c jwt.MapClaims) { c["ponte_role"] = "dpo" })) + "." + parts[2],
		"signature of another key":        sign(t, jwt.SigningMethodEdDSA, otherKey, "", good()),
		"alg none":                        base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + payload(good()) + ".",
		"HS256 keyed with the public key": sign(t, jwt.SigningMethodHS256, keyPEM, "", good()),
		"wrong issuer":                    sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })),
		"wrong audience":                  sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { c["aud"] = "another-app" })),
		"expired":                         sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })),
		"no expiry":                       sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"not yet valid":                   sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
		"no subject":                      sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { delete(c, "sub") })),
		"no role":                         sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", with(func(c jwt.MapClaims) { delete(c, "ponte_role") })),
		"garbage":                         "not.a.jwt",
		"empty":                           "",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(context.Background(), tok)
			require.ErrorIs(t, err, auth.ErrInvalidToken)
		})
	}
	// The control: the same construction with nothing wrong passes.
	_, err = v.Verify(context.Background(), sign(t, jwt.SigningMethodEdDSA, devKey(t, d), "", good()))
	require.NoError(t, err)
}

func devKey(t testing.TB, d *auth.DevIssuer) ed25519.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(d.VerifierConfig().KeyFile)
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k.(ed25519.PrivateKey)
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestRemoteJWKSWithRotation(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	rsaJWK := map[string]string{"kty": "RSA", "kid": "r1", "n": b64u(rsaKey.N.Bytes()), "e": b64u(big.NewInt(int64(rsaKey.E)).Bytes())}
	ecJWK := map[string]string{"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64u(ecKey.X.FillBytes(make([]byte, 32))), "y": b64u(ecKey.Y.FillBytes(make([]byte, 32)))}
	var keys atomic.Value
	keys.Store([]map[string]string{rsaJWK})
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys.Load()})
	}))
	t.Cleanup(srv.Close)
	v, err := auth.NewVerifier(auth.Config{Issuer: auth.DevIssuerName, Audience: auth.DevAudience, JWKSURL: srv.URL})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey, "r1", good()))
	require.NoError(t, err)
	_, err = v.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey, "r1", good()))
	require.NoError(t, err)
	require.EqualValues(t, 1, fetches.Load(), "keys are cached")

	// The provider rotates to an EC key: an unknown kid refetches (no sooner than a
	// minute after the last fetch, so the first attempt fails).
	keys.Store([]map[string]string{rsaJWK, ecJWK})
	_, err = v.Verify(ctx, sign(t, jwt.SigningMethodES256, ecKey, "e1", good()))
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	require.EqualValues(t, 1, fetches.Load())
}

func TestParseJWKS(t *testing.T) {
	t.Parallel()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ok := fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"%s"},{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}`, b64u(pub))
	set, err := auth.ParseJWKS([]byte(ok))
	require.NoError(t, err)
	require.Equal(t, 1, set.Len(), "encryption keys are skipped")
	for name, doc := range map[string]string{
		"not json":        `{`,
		"no keys":         `{"keys":[]}`,
		"unknown kty":     `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`,
		"short RSA":       `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		"even exponent":   `{"keys":[{"kty":"RSA","n":"` + b64u(make([]byte, 256)) + `","e":"Ag"}]}`,
		"EC off curve":    `{"keys":[{"kty":"EC","crv":"P-256","x":"` + b64u(make([]byte, 32)) + `","y":"` + b64u(make([]byte, 32)) + `"}]}`,
		"EC bad curve":    `{"keys":[{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}]}`,
		"Ed25519 short x": `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}`,
		"bad base64":      `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"!!"}]}`,
	} {
		_, err := auth.ParseJWKS([]byte(doc))
		require.Error(t, err, name)
	}
}

func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := auth.ParseKeys(b)
		if err == nil && set.Len() == 0 {
			t.Fatal("a key set without keys was accepted")
		}
	})
}

func FuzzVerify(f *testing.F) {
	d, v := devIssuer(f)
	tok, err := d.IssueDev("anna", access.RoleSocialWorker, "MUN-A", nil, time.Hour)
	require.NoError(f, err)
	f.Add(tok)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := v.Verify(context.Background(), s)
		if err == nil && s != tok {
			// Only a token our key signed can pass; a fuzzer cannot produce one.
			require.Equal(t, "anna", c.Subject)
		}
	})
}
