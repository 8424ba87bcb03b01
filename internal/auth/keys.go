package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwk"
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
		if k.E < 3 || k.E%2 == 0 {
			return nil, errors.New("RSA key: the exponent must be odd and at least 3")
		}
		return k, nil
	case *ecdsa.PublicKey:
		// Converting checks that the point is on its curve.
		if _, err := k.ECDH(); err != nil {
			return nil, fmt.Errorf("EC key: %w", err)
		}
		return k, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 key of %d bytes: want %d", len(k), ed25519.PublicKeySize)
		}
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", k)
}

// ParseJWKS reads a JSON Web Key Set (RFC 7517) with lestrrat-go/jwx: RSA, EC
// (P-256/384/521) and OKP (Ed25519) signing keys. Encryption keys (use "enc") are
// skipped; a malformed key fails the whole set, naming it.
func ParseJWKS(b []byte) (*KeySet, error) {
	// The keys are parsed one by one, so that an encryption key the hub never uses is
	// skipped before jwx validates it.
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	set := jwk.NewSet()
	for i, raw := range doc.Keys {
		var peek struct {
			Kid string `json:"kid"`
			Use string `json:"use"`
		}
		if err := json.Unmarshal(raw, &peek); err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		if peek.Use == string(jwk.ForEncryption) {
			continue
		}
		k, err := jwk.ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, peek.Kid, err)
		}
		if err := set.AddKey(k); err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, peek.Kid, err)
		}
	}
	return keySetOf(set)
}

// keySetOf takes the signing keys of a parsed set, each checked as a PEM key is.
func keySetOf(set jwk.Set) (*KeySet, error) {
	out := &KeySet{}
	for i := range set.Len() {
		k, ok := set.Key(i)
		if !ok {
			continue
		}
		kid, _ := k.KeyID()
		if use, ok := k.KeyUsage(); ok && use == string(jwk.ForEncryption) {
			continue
		}
		var raw any
		if err := jwk.Export(k, &raw); err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, kid, err)
		}
		pk, err := usable(raw)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, kid, err)
		}
		out.add(kid, pk)
	}
	if out.Len() == 0 {
		return nil, errors.New("JWKS: no signing keys")
	}
	return out, nil
}

// remoteKeys keeps an identity provider's JWKS in a jwk.Cache, which refetches it in the
// background (at least every ttl); a token naming an unknown key refreshes it at once,
// as after a key rotation, at most once per minInterval.
type remoteKeys struct {
	url         string
	client      *http.Client
	ttl         time.Duration
	minInterval time.Duration

	mu        sync.Mutex
	cache     *jwk.Cache
	refreshed time.Time
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

// start registers the URL with a new cache and waits for its first fetch; a failed
// start is tried again on the next token.
func (r *remoteKeys) start(ctx context.Context) error {
	if r.cache != nil {
		return nil
	}
	// The cache outlives the request that starts it: it refreshes for the process.
	cache, err := jwk.NewCache(context.WithoutCancel(ctx), httprc.NewClient())
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	if err := cache.Register(ctx, r.url, jwk.WithHTTPClient(r.client), jwk.WithMinInterval(r.minInterval),
		jwk.WithMaxInterval(r.ttl), jwk.WithWaitReady(true)); err != nil {
		_ = cache.Shutdown(context.WithoutCancel(ctx))
		return fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	r.cache, r.refreshed = cache, time.Now()
	return nil
}

func (r *remoteKeys) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	set, err := r.cache.Lookup(ctx, r.url)
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	keys, err := keySetOf(set)
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", r.url, err)
	}
	k, err := keys.key(ctx, kid)
	if err != nil && time.Since(r.refreshed) > r.minInterval {
		r.refreshed = time.Now()
		if set, ferr := r.cache.Refresh(ctx, r.url); ferr == nil {
			if keys, ferr := keySetOf(set); ferr == nil {
				return keys.key(ctx, kid)
			}
		}
	}
	return k, err
}
