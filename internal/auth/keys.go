package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// KeySet is a set of public keys, by key id. Keys without an id are used only when the
// set holds exactly one key.
type KeySet struct {
	byID  map[string]crypto.PublicKey
	anon  []crypto.PublicKey
	count int
}

func (s *KeySet) add(kid string, k crypto.PublicKey) {
	if s.byID == nil {
		s.byID = map[string]crypto.PublicKey{}
	}
	if kid != "" {
		s.byID[kid] = k
	} else {
		s.anon = append(s.anon, k)
	}
	s.count++
}

// Len is the number of keys.
func (s *KeySet) Len() int { return s.count }

func (s *KeySet) key(_ context.Context, kid string) (crypto.PublicKey, error) {
	if k, ok := s.byID[kid]; ok && kid != "" {
		return k, nil
	}
	if s.count == 1 {
		for _, k := range s.byID {
			return k, nil
		}
		return s.anon[0], nil
	}
	if kid == "" {
		return nil, errors.New("token names no key id (kid) and several keys are configured")
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

// ParseKeys reads public keys from a JWKS document or from PEM blocks (public keys, or
// private keys whose public half is taken).
func ParseKeys(b []byte) (*KeySet, error) {
	trimmed := bytesTrimSpace(b)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return ParseJWKS(trimmed)
	}
	set := &KeySet{}
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		k, err := pemKey(blk)
		if err != nil {
			return nil, err
		}
		set.add(blk.Headers["kid"], k)
	}
	if set.Len() == 0 {
		return nil, errors.New("no PEM key or JWKS found")
	}
	return set, nil
}

func bytesTrimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func pemKey(blk *pem.Block) (crypto.PublicKey, error) {
	switch blk.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM public key: %w", err)
		}
		return usable(k)
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM RSA public key: %w", err)
		}
		return usable(k)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM private key: %w", err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, errors.New("PEM private key: not a signing key")
		}
		return usable(s.Public())
	}
	return nil, fmt.Errorf("PEM block %q: want PUBLIC KEY, RSA PUBLIC KEY or PRIVATE KEY", blk.Type)
}

func usable(k crypto.PublicKey) (crypto.PublicKey, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits: at least 2048 are required", k.N.BitLen())
		}
		return k, nil
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", k)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// ParseJWKS reads a JSON Web Key Set (RFC 7517): RSA, EC (P-256/384/521) and OKP
// (Ed25519) signing keys. Encryption keys (use "enc") are skipped; a malformed key fails
// the whole set, naming it.
func ParseJWKS(b []byte) (*KeySet, error) {
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	set := &KeySet{}
	for i, k := range doc.Keys {
		if k.Use == "enc" {
			continue
		}
		pk, err := k.public()
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, k.Kid, err)
		}
		set.add(k.Kid, pk)
	}
	if set.Len() == 0 {
		return nil, errors.New("JWKS: no signing keys")
	}
	return set, nil
}

func b64(field, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("%s: not base64url", field)
	}
	return b, nil
}

func (k jwk) public() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := b64("n", k.N)
		if err != nil {
			return nil, err
		}
		e, err := b64("e", k.E)
		if err != nil {
			return nil, err
		}
		if len(e) > 4 {
			return nil, errors.New("e: exponent too large")
		}
		ev := int(new(big.Int).SetBytes(e).Int64())
		if ev < 3 || ev%2 == 0 {
			return nil, errors.New("e: exponent must be odd and at least 3")
		}
		return usable(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: ev})
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("crv: unsupported curve %q", k.Crv)
		}
		x, err := b64("x", k.X)
		if err != nil {
			return nil, err
		}
		y, err := b64("y", k.Y)
		if err != nil {
			return nil, err
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, fmt.Errorf("x, y: want %d bytes each", size)
		}
		// Parse through the uncompressed point encoding, which checks the point is on the curve.
		raw := append([]byte{4}, append(x, y...)...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
		if err != nil {
			return nil, fmt.Errorf("x, y: %w", err)
		}
		return pub, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, fmt.Errorf("crv: unsupported curve %q", k.Crv)
		}
		x, err := b64("x", k.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("x: want %d bytes", ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("kty: unsupported key type %q", k.Kty)
}

// remoteKeys fetches a JWKS over HTTP, keeps it for ttl, and refetches early (at most
// once per minInterval) when a token names an unknown key, as after a key rotation.
type remoteKeys struct {
	url         string
	client      *http.Client
	ttl         time.Duration
	minInterval time.Duration

	mu      sync.Mutex
	set     *KeySet
	fetched time.Time
}

func newRemoteKeys(url string) *remoteKeys {
	rc := retryablehttp.NewClient()
	rc.RetryMax = 2
	rc.RetryWaitMin = 100 * time.Millisecond
	rc.RetryWaitMax = time.Second
	rc.Logger = nil
	c := rc.StandardClient()
	c.Timeout = 10 * time.Second
	return &remoteKeys{url: url, client: c, ttl: 10 * time.Minute, minInterval: time.Minute}
}

func (r *remoteKeys) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.set == nil || now.Sub(r.fetched) > r.ttl {
		if err := r.fetch(ctx); err != nil && r.set == nil {
			return nil, err
		}
	}
	k, err := r.set.key(ctx, kid)
	if err != nil && now.Sub(r.fetched) > r.minInterval {
		if ferr := r.fetch(ctx); ferr == nil {
			return r.set.key(ctx, kid)
		}
	}
	return k, err
}

func (r *remoteKeys) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("JWKS %s: status %d", r.url, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	set, err := ParseJWKS(b)
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	r.set, r.fetched = set, time.Now()
	return nil
}
