package pdnd

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ponte-hub/ponte/connectors/client"
)

// jwk is one RFC 7517 key as published; only RSA signing keys are used.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// ParseJWKS reads a JWK Set (RFC 7517) and returns its RSA signing keys by kid; a key
// without a kid is listed under its RFC 7638 thumbprint. Keys of other types, or for
// encryption, are skipped; an RSA key that is malformed or under 2048 bits fails the
// set, since a provider publishing one is misconfigured.
func ParseJWKS(data []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("pdnd: key set: %w", err)
	}
	out := map[string]*rsa.PublicKey{}
	for i, raw := range set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("pdnd: key set: key %d: %w", i, err)
		}
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := rsaKey(k)
		if err != nil {
			return nil, fmt.Errorf("pdnd: key set: key %d (%q): %w", i, clip(k.Kid), err)
		}
		kid := k.Kid
		if kid == "" {
			kid = Thumbprint(pub)
		}
		if _, dup := out[kid]; dup {
			return nil, fmt.Errorf("pdnd: key set: kid %q twice", clip(kid))
		}
		out[kid] = pub
	}
	if len(out) == 0 {
		return nil, errors.New("pdnd: key set: no RSA signing key")
	}
	return out, nil
}

func rsaKey(k jwk) (*rsa.PublicKey, error) {
	dec := func(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")) }
	n, err := dec(k.N)
	if err != nil || len(n) == 0 {
		return nil, errors.New("n is not base64url")
	}
	e, err := dec(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("e is not a base64url exponent")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if pub.N.BitLen() < 2048 {
		return nil, fmt.Errorf("%d-bit modulus, need at least 2048", pub.N.BitLen())
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return nil, fmt.Errorf("exponent %d is not an odd number above 2", pub.E)
	}
	return pub, nil
}

// JWKS serves a provider's keys from its published key set, fetched through the
// client package (retries, breaker) and kept; a kid it does not know makes it fetch the
// set again, at most once per MinRefresh, so a rotated key is picked up and an unknown
// one does not hammer the provider.
type JWKS struct {
	// MinRefresh is the shortest time between two fetches (default 1m).
	MinRefresh time.Duration

	client *client.Client
	path   string
	now    func() time.Time
	group  singleflight.Group

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

// NewJWKS reads the key set at rawURL through base (http.DefaultTransport when nil).
func NewJWKS(rawURL string, base http.RoundTripper, now func() time.Time) (*JWKS, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pdnd: key set URL %q is not an absolute http(s) URL", rawURL)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	if now == nil {
		now = time.Now
	}
	c, err := client.New(client.DefaultConfig("pdnd-keys", u.Scheme+"://"+u.Host), client.WithTransport(base))
	if err != nil {
		return nil, err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return &JWKS{MinRefresh: time.Minute, client: c, path: path, now: now}, nil
}

// Key returns the key named kid, fetching the set when it is not known.
func (j *JWKS) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if k, due := j.lookup(kid); k != nil || !due {
		if k == nil {
			return nil, fmt.Errorf("no key %q in the provider's key set", clip(kid))
		}
		return k, nil
	}
	ch := j.group.DoChan("fetch", func() (any, error) {
		resp, err := j.client.Do(ctx, client.Request{Operation: "fetch the provider's key set", Endpoint: "jwks", Path: j.path})
		if err != nil {
			return nil, err
		}
		keys, err := ParseJWKS(resp.Body)
		if err != nil {
			return nil, &client.Error{Source: "pdnd-keys", Operation: "read the provider's key set", Err: err}
		}
		j.mu.Lock()
		j.keys, j.fetched = keys, j.now()
		j.mu.Unlock()
		return nil, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if k, _ := j.lookup(kid); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("no key %q in the provider's key set", clip(kid))
}

// lookup returns the known key for kid, and whether the set may be fetched again.
func (j *JWKS) lookup(kid string) (*rsa.PublicKey, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if k, ok := j.keys[kid]; ok {
		return k, false
	}
	return nil, j.fetched.IsZero() || j.now().Sub(j.fetched) >= j.MinRefresh
}

// KeySet encodes public keys, by kid, as a JWK Set of RSA signing keys, in kid order.
func KeySet(keys map[string]*rsa.PublicKey) []byte {
	kids := make([]string, 0, len(keys))
	for kid := range keys {
		kids = append(kids, kid)
	}
	slices.Sort(kids)
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	enc := base64.RawURLEncoding
	for _, kid := range kids {
		k := keys[kid]
		set.Keys = append(set.Keys, jwk{Kty: "RSA", Kid: kid, Use: "sig", Alg: "RS256",
			N: enc.EncodeToString(k.N.Bytes()), E: enc.EncodeToString(big.NewInt(int64(k.E)).Bytes())})
	}
	b, _ := json.Marshal(set) // strings only
	return b
}
