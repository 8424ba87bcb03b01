package pdnd_test

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/pdnd"
)

var (
	providerOnce sync.Once
	providerKeys [2]*rsa.PrivateKey
)

// provider returns the e-service's signing key and another, unrelated one.
func provider(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	providerOnce.Do(func() {
		for i := range providerKeys {
			k, err := pdnd.GenerateKey()
			if err != nil {
				panic(err)
			}
			providerKeys[i] = k
		}
	})
	return providerKeys[0], providerKeys[1]
}

// signed is how the e-service signs a response; mutate adjusts the claims or header.
func signed(t testing.TB, k *rsa.PrivateKey, kid, digest, contentType string, now time.Time, mutate func(jwt.MapClaims, map[string]any)) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": "inps-adi", "sub": "inps-adi", "aud": "client-1", "jti": "r-1",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"signed_headers": []any{map[string]any{"digest": digest}, map[string]any{"content-type": contentType}}}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	tok.Header["typ"] = "JWT"
	if mutate != nil {
		mutate(claims, tok.Header)
	}
	s, err := tok.SignedString(k)
	require.NoError(t, err)
	return s
}

func TestResponseVerifierChecksDigestSignatureAndSignedHeaders(t *testing.T) {
	t.Parallel()
	good, other := provider(t)
	now := time.Now()
	body := []byte(`{"records":[],"next_cursor":null,"has_more":false}`)
	digest := pdnd.Digest(body)
	sum := sha256.Sum256(body)
	v := pdnd.NewResponseVerifier(pdnd.StaticKey(&good.PublicKey), "client-1", "inps-adi", nil)
	headers := func(digest, sig, ct string) http.Header {
		h := http.Header{}
		if digest != "" {
			h.Set(pdnd.HeaderDigest, digest)
		}
		if sig != "" {
			h.Set(pdnd.HeaderSignature, sig)
		}
		h.Set("Content-Type", ct)
		return h
	}
	const ct = "application/json"
	for _, tc := range []struct {
		name string
		h    http.Header
		body []byte
		want string // "" for a pass
	}{
		{"signed by the provider", headers(digest, signed(t, good, "k1", digest, ct, now, nil), ct), body, ""},
		{"hexadecimal digest", headers("SHA-256="+hex.EncodeToString(sum[:]), signed(t, good, "k1", "SHA-256="+hex.EncodeToString(sum[:]), ct, now, nil), ct), body, ""},
		{"several digests", headers("MD5=Q2hlY2sgSW50ZWdyaXR5IQ==, "+digest, signed(t, good, "k1", "MD5=Q2hlY2sgSW50ZWdyaXR5IQ==, "+digest, ct, now, nil), ct), body, ""},
		{"body changed on the way", headers(digest, signed(t, good, "k1", digest, ct, now, nil), ct), []byte(`{"records":[{}]}`), "Digest header does not match the body"},
		{"no digest", headers("", signed(t, good, "k1", digest, ct, now, nil), ct), body, "has no Digest header"},
		{"no signature", headers(digest, "", ct), body, "has no Agid-JWT-Signature header"},
		{"signed by someone else", headers(digest, signed(t, other, "k1", digest, ct, now, nil), ct), body, "signature is invalid"},
		{"another digest signed", headers(digest, signed(t, good, "k1", pdnd.Digest([]byte("x")), ct, now, nil), ct), body, "signs a digest other than"},
		{"another content type signed", headers(digest, signed(t, good, "k1", digest, "text/html", now, nil), ct), body, "signs a content-type other than"},
		{"for another client", headers(digest, signed(t, good, "k1", digest, ct, now, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "client-2" }), ct), body, "aud"},
		{"from another provider", headers(digest, signed(t, good, "k1", digest, ct, now, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = "anpr" }), ct), body, "iss"},
		{"expired", headers(digest, signed(t, good, "k1", digest, ct, now.Add(-time.Hour), nil), ct), body, "expired"},
		{"issued in the future", headers(digest, signed(t, good, "k1", digest, ct, now.Add(10*time.Minute), nil), ct), body, "used before issued"},
		{"no jti", headers(digest, signed(t, good, "k1", digest, ct, now, func(c jwt.MapClaims, _ map[string]any) { delete(c, "jti") }), ct), body, "no jti"},
		{"not a JWT typ", headers(digest, signed(t, good, "k1", digest, ct, now, func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "at+jwt" }), ct), body, "typ"},
		{"signed headers missing", headers(digest, signed(t, good, "k1", digest, ct, now, func(c jwt.MapClaims, _ map[string]any) { delete(c, "signed_headers") }), ct), body, "signed_headers is missing"},
		{"digest twice in signed headers", headers(digest, signed(t, good, "k1", digest, ct, now, func(c jwt.MapClaims, _ map[string]any) {
			c["signed_headers"] = []any{map[string]any{"digest": digest}, map[string]any{"Digest": digest}}
		}), ct), body, "names digest twice"},
		{"not a digest", headers("SHA-256=!!!", signed(t, good, "k1", "SHA-256=!!!", ct, now, nil), ct), body, "neither base64 nor hexadecimal"},
		{"HS256 with the public key", headers(digest, hs256(t, good, digest, ct, now), ct), body, "signing method HS256 is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Verify(context.Background(), tc.h, tc.body)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, client.ErrIntegrity)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// hs256 is the classic confusion attack: an HMAC keyed with the public key.
func hs256(t *testing.T, k *rsa.PrivateKey, digest, ct string, now time.Time) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "inps-adi", "sub": "inps-adi", "aud": "client-1", "jti": "x",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"signed_headers": []any{map[string]any{"digest": digest}, map[string]any{"content-type": ct}}})
	tok.Header["typ"] = "JWT"
	s, err := tok.SignedString(k.PublicKey.N.Bytes())
	require.NoError(t, err)
	return s
}

func TestParseDigest(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("hello"))
	for in, ok := range map[string]bool{
		"SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=":                           true,
		"sha-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=":                           true,
		"SHA-256=" + hex.EncodeToString(sum[:]):                                          true,
		"UNIXsum=30637, SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=":            true,
		"SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=, SHA-256=AAAAAAAAAAAAAAAA": false,
		"SHA-512=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=":                           false,
		"SHA-256=aGVsbG8=": false,
		"SHA-256":          false,
		"":                 false,
	} {
		got, err := pdnd.ParseDigest(in)
		if !ok {
			require.Error(t, err, in)
			continue
		}
		require.NoError(t, err, in)
		require.Equal(t, sum[:], got, in)
	}
}

func TestTransportVerifiesSignedResponses(t *testing.T) {
	t.Parallel()
	good, other := provider(t)
	dir := t.TempDir()
	_, pubFile, err := pdnd.WriteKeyPair(dir, "provider", good)
	require.NoError(t, err)
	_, otherFile, err := pdnd.WriteKeyPair(dir, "other", other)
	require.NoError(t, err)

	var tamper atomic.Bool
	c, srv := newCapture(t)
	c.answer = func(_ int, w http.ResponseWriter, r *http.Request) {
		body := []byte(`{"records":[],"next_cursor":null,"has_more":false}`)
		digest := pdnd.Digest(body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(pdnd.HeaderDigest, digest)
		w.Header().Set(pdnd.HeaderSignature, signed(t, good, pdnd.Thumbprint(&good.PublicKey), digest, "application/json", time.Now(), nil))
		if tamper.Load() {
			body = []byte(`{"records":[{"injected":true}],"next_cursor":null,"has_more":false}`)
		}
		w.Write(body)
	}
	call := func(cfg pdnd.Config) (*http.Response, error) {
		tr, err := pdnd.NewTransport(cfg, nil)
		require.NoError(t, err)
		return (&http.Client{Transport: tr}).Get(srv.URL + "/data")
	}
	cfg := baseConfig(t, srv.URL+"/auth/token.oauth2")
	cfg.ResponseKeyFile, cfg.ResponseIssuer = pubFile, "inps-adi"
	resp, err := call(cfg)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.JSONEq(t, `{"records":[],"next_cursor":null,"has_more":false}`, string(b), "a verified body is handed on whole")

	tamper.Store(true)
	_, err = call(cfg)
	require.ErrorIs(t, err, client.ErrIntegrity)
	require.ErrorContains(t, err, "pdnd: verify response integrity: HTTP 200 OK: response failed integrity verification: Digest header does not match the body")
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	require.False(t, ce.Retryable, "the same answer would come again")
	tamper.Store(false)

	cfg.ResponseKeyFile = otherFile
	_, err = call(cfg)
	require.ErrorIs(t, err, client.ErrIntegrity)
	require.ErrorContains(t, err, "signature is invalid")

	// Without a key configured, responses are taken as they come.
	cfg.ResponseKeyFile = ""
	tamper.Store(true)
	resp, err = call(cfg)
	require.NoError(t, err)
	resp.Body.Close()
}

func TestJWKSFetchesRotatedKeysButNotOnEveryUnknownKid(t *testing.T) {
	t.Parallel()
	first, second := provider(t)
	var fetches atomic.Int64
	var rotated atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		keys := map[string]*rsa.PublicKey{"k1": &first.PublicKey}
		if rotated.Load() {
			keys["k2"] = &second.PublicKey
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(pdnd.KeySet(keys))
	}))
	t.Cleanup(srv.Close)
	now := time.Now()
	var clock atomic.Int64
	j, err := pdnd.NewJWKS(srv.URL+"/.well-known/jwks.json", nil, func() time.Time { return now.Add(time.Duration(clock.Load())) })
	require.NoError(t, err)
	ctx := context.Background()
	k, err := j.Key(ctx, "k1")
	require.NoError(t, err)
	require.True(t, k.Equal(&first.PublicKey))
	_, err = j.Key(ctx, "k1")
	require.NoError(t, err)
	require.EqualValues(t, 1, fetches.Load(), "known keys are kept")

	rotated.Store(true)
	_, err = j.Key(ctx, "k2")
	require.ErrorContains(t, err, `no key "k2"`, "fetched a moment ago: not again")
	require.EqualValues(t, 1, fetches.Load())
	clock.Store(int64(2 * time.Minute))
	k, err = j.Key(ctx, "k2")
	require.NoError(t, err, "a rotated key is found once the set may be fetched again")
	require.True(t, k.Equal(&second.PublicKey))
	require.EqualValues(t, 2, fetches.Load())

	dead, err := pdnd.NewJWKS("http://127.0.0.1:1/jwks", nil, nil)
	require.NoError(t, err)
	_, err = dead.Key(ctx, "k1")
	var ce *client.Error
	require.ErrorAs(t, err, &ce, "a key set that cannot be fetched is the provider being unreachable")
	require.True(t, ce.Retryable)
}

func TestParseJWKS(t *testing.T) {
	t.Parallel()
	k, _ := provider(t)
	set := pdnd.KeySet(map[string]*rsa.PublicKey{"a": &k.PublicKey})
	keys, err := pdnd.ParseJWKS(set)
	require.NoError(t, err)
	require.True(t, keys["a"].Equal(&k.PublicKey))
	noKid := strings.Replace(string(set), `"kid":"a",`, `"kid":"",`, 1)
	keys, err = pdnd.ParseJWKS([]byte(noKid))
	require.NoError(t, err)
	require.Contains(t, keys, pdnd.Thumbprint(&k.PublicKey))
	for in, want := range map[string]string{
		`{"keys":[]}`:                                    "no RSA signing key",
		`{"keys":[{"kty":"EC","crv":"P-256"}]}`:          "no RSA signing key",
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`: "modulus",
		`{"keys":[{"kty":"RSA","n":"!!","e":"AQAB"}]}`:   "n is not base64url",
		`[]`:                     "key set",
		string(set)[:len(set)/2]: "key set",
		strings.Replace(string(set), `"keys":[`, `"keys":[`+strings.TrimSuffix(strings.TrimPrefix(string(set), `{"keys":[`), `]}`)+`,`, 1): "twice",
	} {
		_, err := pdnd.ParseJWKS([]byte(in))
		require.ErrorContains(t, err, want, in)
	}
}

func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{"SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "sha-256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
		"MD5=x, SHA-256=y", "", "=", ",,,", "SHA-256==="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		sum, err := pdnd.ParseDigest(v)
		if err != nil {
			require.Nil(t, sum)
			return
		}
		require.Len(t, sum, sha256.Size)
	})
}

func FuzzVerifyResponse(f *testing.F) {
	good, _ := provider(f)
	body := []byte(`{"records":[]}`)
	digest := pdnd.Digest(body)
	now := time.Now()
	f.Add(digest, signed(f, good, "k", digest, "application/json", now, nil), "application/json", body)
	f.Add(digest, "e30.e30.", "application/json", body)
	f.Add("SHA-256=", "a.b.c", "", []byte(nil))
	v := pdnd.NewResponseVerifier(pdnd.StaticKey(&good.PublicKey), "client-1", "", func() time.Time { return now })
	f.Fuzz(func(t *testing.T, digestHeader, sig, ct string, b []byte) {
		h := http.Header{}
		h.Set(pdnd.HeaderDigest, digestHeader)
		h.Set(pdnd.HeaderSignature, sig)
		h.Set("Content-Type", ct)
		err := v.Verify(context.Background(), h, b)
		if err == nil {
			// Only the provider's key makes a signature that passes: the fuzzer can vary
			// the headers and body around one, never forge one.
			sum, perr := pdnd.ParseDigest(digestHeader)
			require.NoError(t, perr)
			want := sha256.Sum256(b)
			require.Equal(t, want[:], sum)
			return
		}
		require.ErrorIs(t, err, client.ErrIntegrity)
	})
}

func FuzzParseJWKS(f *testing.F) {
	k, _ := provider(f)
	f.Add(pdnd.KeySet(map[string]*rsa.PublicKey{"a": &k.PublicKey}))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"` + strings.Repeat("A", 400) + `","e":"AQAB","use":"sig"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := pdnd.ParseJWKS(data)
		if err != nil {
			require.Nil(t, keys)
			return
		}
		require.NotEmpty(t, keys)
		for kid, key := range keys {
			require.NotEmpty(t, kid)
			require.GreaterOrEqual(t, key.N.BitLen(), 2048)
		}
	})
}

func TestResponseKeyFileMustExist(t *testing.T) {
	t.Parallel()
	cfg := baseConfig(t, "https://auth.example/token.oauth2")
	cfg.ResponseKeyFile = filepath.Join(t.TempDir(), "missing.pub")
	_, err := pdnd.NewTransport(cfg, nil)
	require.ErrorContains(t, err, "load public key")
	require.NoError(t, os.WriteFile(cfg.ResponseKeyFile, []byte(fmt.Sprint("not a key")), 0o600))
	_, err = pdnd.NewTransport(cfg, nil)
	require.ErrorContains(t, err, "missing.pub")
}
