// Package pdnd owns authentication towards the registries: PDND vouchers with
// ModI audit/integrity headers, and the simpler bearer and mutual-TLS modes.
package pdnd

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/ponte-hub/ponte/connectors/client"
)

// Wire names fixed by PDND and the AgID ModI guidelines.
const (
	// DefaultAssertionAudience is the production client-assertion audience (no scheme).
	DefaultAssertionAudience = "auth.interop.pagopa.it/client-assertion"
	// ClientAssertionType is the only assertion type the token endpoint takes.
	ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// HeaderTrackingEvidence carries the AUDIT_REST_02 JWS.
	HeaderTrackingEvidence = "Agid-JWT-TrackingEvidence"
	// HeaderSignature carries the INTEGRITY_REST_02 JWS.
	HeaderSignature = "Agid-JWT-Signature"
	// HeaderDigest carries the body hash as "SHA-256=<base64>".
	HeaderDigest = "Digest"
)

// Defaults documented on Config.
const (
	DefaultLoA           = "substantial"
	DefaultSystemUserID  = "ponte-system"
	DefaultAssertionTTL  = 2 * time.Minute
	DefaultEvidenceTTL   = 10 * time.Minute
	DefaultSignatureTTL  = 5 * time.Minute
	DefaultRefreshBefore = 30 * time.Second
)

// Config identifies the hub as a PDND client for one purpose.
type Config struct {
	TokenURL  string `json:"token_url"`  // e.g. https://auth.interop.pagopa.it/token.oauth2
	ClientID  string `json:"client_id"`  // client registered on PDND
	KeyID     string `json:"key_id"`     // kid of the key registered for the client
	PurposeID string `json:"purpose_id"` // purpose authorised for the e-service
	KeyFile   string `json:"key_file"`   // PEM private key; ignored when PrivateKey is set
	// PrivateKey signs assertions and ModI headers; loaded from KeyFile when nil.
	PrivateKey *rsa.PrivateKey `json:"-"`
	// AssertionAudience defaults to DefaultAssertionAudience; the test
	// environment uses auth.uat.interop.pagopa.it/client-assertion.
	AssertionAudience string `json:"assertion_audience"`
	// Audience is the e-service's audience, put in the ModI headers.
	Audience string `json:"audience"`
	// UserLocation identifies the workstation or office in the tracking
	// evidence; LoA is the operator's authentication level (default "substantial").
	UserLocation string `json:"user_location"`
	LoA          string `json:"loa"`
	// SystemUserID is the userID of calls made with no operator on the
	// context, such as scheduled synchronisation (default "ponte-system").
	SystemUserID string `json:"system_user_id"`
	// Token lifetimes (defaults 2m, 10m, 5m) and how long before a voucher
	// expires it is replaced (default 30s).
	AssertionTTL  time.Duration `json:"assertion_ttl"`
	EvidenceTTL   time.Duration `json:"evidence_ttl"`
	SignatureTTL  time.Duration `json:"signature_ttl"`
	RefreshBefore time.Duration `json:"refresh_before"`
}

func (c Config) withDefaults() (Config, error) {
	bad := func(field, reason string) error { return fmt.Errorf("pdnd: config %s: %s", field, reason) }
	if c.TokenURL == "" {
		return c, bad("TokenURL", "must not be empty")
	}
	u, err := url.Parse(c.TokenURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, bad("TokenURL", fmt.Sprintf("%q is not an absolute http(s) URL", c.TokenURL))
	}
	for _, f := range []struct{ name, v string }{
		{"ClientID", c.ClientID}, {"KeyID", c.KeyID}, {"PurposeID", c.PurposeID}, {"Audience", c.Audience}, {"UserLocation", c.UserLocation},
	} {
		if strings.TrimSpace(f.v) == "" {
			return c, bad(f.name, "must not be empty")
		}
	}
	if c.PrivateKey == nil {
		if c.KeyFile == "" {
			return c, bad("KeyFile", "must be set when no PrivateKey is given")
		}
		key, err := LoadKey(c.KeyFile)
		if err != nil {
			return c, err
		}
		c.PrivateKey = key
	}
	if c.AssertionAudience == "" {
		c.AssertionAudience = DefaultAssertionAudience
	}
	if c.LoA == "" {
		c.LoA = DefaultLoA
	}
	if c.SystemUserID == "" {
		c.SystemUserID = DefaultSystemUserID
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"AssertionTTL", &c.AssertionTTL, DefaultAssertionTTL},
		{"EvidenceTTL", &c.EvidenceTTL, DefaultEvidenceTTL},
		{"SignatureTTL", &c.SignatureTTL, DefaultSignatureTTL},
		{"RefreshBefore", &c.RefreshBefore, DefaultRefreshBefore},
	} {
		switch {
		case *d.v < 0:
			return c, bad(d.name, "must not be negative")
		case *d.v == 0:
			*d.v = d.def
		}
	}
	return c, nil
}

type operatorKey struct{}

// WithOperator records the id of the operator on whose behalf calls made
// with ctx are sent; it becomes userID in the tracking evidence.
func WithOperator(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, operatorKey{}, id)
}

// Operator returns the operator id recorded by WithOperator.
func Operator(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(operatorKey{}).(string)
	return id, ok && id != ""
}

// Transport authenticates each request with a PDND voucher and the ModI
// headers: Agid-JWT-TrackingEvidence always, Digest and Agid-JWT-Signature
// when the request has a body.
//
// The assertion binds the voucher to one tracking evidence (through its
// digest), and the evidence names the operator, so vouchers are cached per
// purpose and operator, and reused with their evidence until RefreshBefore
// ahead of the earlier of the two expiries.
type Transport struct {
	cfg    Config
	base   http.RoundTripper
	tokens *client.Client
	path   string
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]*voucher
	group singleflight.Group
}

type voucher struct {
	token     string
	evidence  string
	refreshAt time.Time
	expiresAt time.Time
}

// Option adjusts a Transport.
type Option func(*Transport)

// WithClock replaces time.Now for token timestamps and cache expiry.
func WithClock(now func() time.Time) Option { return func(t *Transport) { t.now = now } }

// WithTokenClient sets the client used for the token endpoint; by default
// one with the client package's defaults and source name "pdnd".
func WithTokenClient(c *client.Client) Option { return func(t *Transport) { t.tokens = c } }

// fetchTimeout bounds a voucher request that callers share: it must not
// die with whichever caller started it.
const fetchTimeout = 30 * time.Second

// NewTransport wraps base (http.DefaultTransport when nil).
func NewTransport(cfg Config, base http.RoundTripper, opts ...Option) (*Transport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	u, _ := url.Parse(cfg.TokenURL) // validated above
	t := &Transport{cfg: cfg, base: base, now: time.Now, cache: map[string]*voucher{}, path: u.EscapedPath()}
	if t.path == "" {
		t.path = "/"
	}
	for _, opt := range opts {
		opt(t)
	}
	if t.tokens == nil {
		tc := client.DefaultConfig("pdnd", u.Scheme+"://"+u.Host)
		t.tokens, err = client.New(tc, client.WithTransport(base))
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// TokenClient exposes the token endpoint's client, for its metrics.
func (t *Transport) TokenClient() *client.Client { return t.tokens }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	user, ok := Operator(ctx)
	if !ok {
		user = t.cfg.SystemUserID
	}
	v, err := t.voucher(ctx, user)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out := req.Clone(ctx)
	out.Header.Set("Authorization", "Bearer "+v.token)
	out.Header.Set(HeaderTrackingEvidence, v.evidence)
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("pdnd: read request body: %w", err)
		}
		digest := Digest(body)
		sig, err := t.signature(digest, req.Header.Get("Content-Type"))
		if err != nil {
			return nil, t.authError("sign request", err)
		}
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.Header.Set(HeaderDigest, digest)
		out.Header.Set(HeaderSignature, sig)
	}
	resp, err := t.base.RoundTrip(out)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		// The source no longer accepts this voucher (revoked, clock skew):
		// drop it so the next call asks for a fresh one.
		t.invalidate(t.key(user), v.token)
	}
	return resp, err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func (t *Transport) key(user string) string { return t.cfg.PurposeID + "\x00" + user }

func (t *Transport) invalidate(key, token string) {
	t.mu.Lock()
	if v, ok := t.cache[key]; ok && v.token == token {
		delete(t.cache, key)
	}
	t.mu.Unlock()
}

func (t *Transport) cached(key string) *voucher {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.cache[key]; ok && t.now().Before(v.refreshAt) {
		return v
	}
	return nil
}

func (t *Transport) voucher(ctx context.Context, user string) (*voucher, error) {
	key := t.key(user)
	if v := t.cached(key); v != nil {
		return v, nil
	}
	ch := t.group.DoChan(key, func() (any, error) {
		if v := t.cached(key); v != nil {
			return v, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		v, err := t.fetch(fctx, user)
		if err != nil {
			return nil, err
		}
		t.store(key, v)
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*voucher), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// maxCached bounds the cache; past it, expired entries are swept.
const maxCached = 1024

func (t *Transport) store(key string, v *voucher) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cache) >= maxCached {
		now := t.now()
		for k, old := range t.cache {
			if !now.Before(old.expiresAt) {
				delete(t.cache, k)
			}
		}
	}
	t.cache[key] = v
}

func (t *Transport) authError(op string, err error) *client.Error {
	return &client.Error{Source: "pdnd", Operation: op, Err: err}
}

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (t *Transport) fetch(ctx context.Context, user string) (*voucher, error) {
	now := t.now()
	evidence, evidenceExp, err := t.trackingEvidence(user, now)
	if err != nil {
		return nil, t.authError("sign tracking evidence", err)
	}
	assertion, err := t.clientAssertion(evidence, now)
	if err != nil {
		return nil, t.authError("sign client assertion", err)
	}
	form := url.Values{
		"client_id":             {t.cfg.ClientID},
		"client_assertion":      {assertion},
		"client_assertion_type": {ClientAssertionType},
		"grant_type":            {"client_credentials"},
	}
	resp, err := t.tokens.Do(ctx, client.Request{
		Operation:   "request voucher for purpose " + t.cfg.PurposeID,
		Method:      http.MethodPost,
		Path:        t.path,
		Body:        []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded",
	})
	if err != nil {
		return nil, err
	}
	var tr tokenResponse
	if err := json.Unmarshal(resp.Body, &tr); err != nil {
		return nil, t.authError("decode voucher", err)
	}
	switch {
	case tr.AccessToken == "":
		return nil, t.authError("decode voucher", errors.New("access_token missing"))
	case !strings.EqualFold(tr.TokenType, "Bearer"):
		return nil, t.authError("decode voucher", fmt.Errorf("token_type %q, want Bearer", tr.TokenType))
	case tr.ExpiresIn <= 0:
		return nil, t.authError("decode voucher", fmt.Errorf("expires_in %d is not positive", tr.ExpiresIn))
	}
	expires := now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	usable := expires
	if evidenceExp.Before(usable) {
		usable = evidenceExp
	}
	return &voucher{token: tr.AccessToken, evidence: evidence, expiresAt: usable, refreshAt: usable.Add(-t.cfg.RefreshBefore)}, nil
}

func (t *Transport) sign(claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = t.cfg.KeyID
	tok.Header["typ"] = "JWT"
	return tok.SignedString(t.cfg.PrivateKey)
}

// trackingEvidence builds the AUDIT_REST_02 JWS for user.
func (t *Transport) trackingEvidence(user string, now time.Time) (string, time.Time, error) {
	exp := now.Add(t.cfg.EvidenceTTL)
	s, err := t.sign(jwt.MapClaims{
		"iss":          t.cfg.ClientID,
		"sub":          t.cfg.ClientID,
		"aud":          t.cfg.Audience,
		"jti":          uuid.NewString(),
		"iat":          now.Unix(),
		"nbf":          now.Unix(),
		"exp":          exp.Unix(),
		"purposeId":    t.cfg.PurposeID,
		"userID":       user,
		"userLocation": t.cfg.UserLocation,
		"LoA":          t.cfg.LoA,
	})
	return s, exp, err
}

// clientAssertion builds the JWT presented to the token endpoint, bound
// to the tracking evidence by its digest. PDND wants no nbf here.
func (t *Transport) clientAssertion(evidence string, now time.Time) (string, error) {
	return t.sign(jwt.MapClaims{
		"iss":       t.cfg.ClientID,
		"sub":       t.cfg.ClientID,
		"aud":       t.cfg.AssertionAudience,
		"jti":       uuid.NewString(),
		"iat":       now.Unix(),
		"exp":       now.Add(t.cfg.AssertionTTL).Unix(),
		"purposeId": t.cfg.PurposeID,
		"digest":    map[string]string{"alg": "SHA256", "value": EvidenceDigest(evidence)},
	})
}

// signature builds the INTEGRITY_REST_02 JWS over the Digest and
// Content-Type headers.
func (t *Transport) signature(digest, contentType string) (string, error) {
	now := t.now()
	return t.sign(jwt.MapClaims{
		"iss": t.cfg.ClientID,
		"sub": t.cfg.ClientID,
		"aud": t.cfg.Audience,
		"jti": uuid.NewString(),
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(t.cfg.SignatureTTL).Unix(),
		"signed_headers": []map[string]string{
			{"digest": digest},
			{"content-type": contentType},
		},
	})
}

// Digest is the Digest header value for body: "SHA-256=" and the base64
// of its SHA-256.
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// EvidenceDigest is the hex SHA-256 of a tracking evidence JWS, as put in
// the client assertion's digest claim.
func EvidenceDigest(evidence string) string {
	sum := sha256.Sum256([]byte(evidence))
	return hex.EncodeToString(sum[:])
}
