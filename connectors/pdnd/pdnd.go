// Package pdnd owns authentication towards the registries: PDND vouchers with
// ModI audit/integrity headers, and the simpler bearer and mutual-TLS modes.
package pdnd

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
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
	// HeaderTrackingEvidence carries the AUDIT_REST_01/02 JWS.
	HeaderTrackingEvidence = "Agid-JWT-TrackingEvidence"
	// HeaderSignature carries the INTEGRITY_REST_02 JWS, on requests and on responses.
	HeaderSignature = "Agid-JWT-Signature"
	// HeaderDigest carries the body hash as "SHA-256=<base64>".
	HeaderDigest = "Digest"
)

// Audit patterns: how the tracking evidence relates to the voucher.
const (
	// AuditREST02 binds the voucher to one tracking evidence through the assertion's
	// digest claim. An evidence serves one call (the e-service refuses a jti it has
	// seen), so each call gets a fresh evidence and a voucher issued for it: nothing
	// of the pair can be cached.
	AuditREST02 = "AUDIT_REST_02"
	// AuditREST01 sends a fresh evidence with each call and a voucher that is not bound
	// to it: the voucher is cached per purpose until shortly before it expires.
	AuditREST01 = "AUDIT_REST_01"
)

// Levels of assurance (eIDAS) the tracking evidence's LoA claim takes.
const (
	LoALow         = "low"
	LoASubstantial = "substantial"
	LoAHigh        = "high"
)

// ValidLoA reports whether s is one of the eIDAS levels, in lower case.
func ValidLoA(s string) bool { return s == LoALow || s == LoASubstantial || s == LoAHigh }

// Defaults documented on Config. The evidence and the request signature serve one
// call, so they live a minute: long enough for a voucher request and the attempt
// (bounded by the client's timeout), short enough that a leaked header is soon useless.
const (
	DefaultLoA           = LoASubstantial
	DefaultAssertionTTL  = 2 * time.Minute
	DefaultEvidenceTTL   = time.Minute
	DefaultSignatureTTL  = time.Minute
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
	// UserLocation identifies the workstation or office in the tracking evidence.
	UserLocation string `json:"user_location"`
	// LoA is the level of assurance of operators named by WithOperator without one:
	// how staff authenticate to the hub (default "substantial").
	LoA string `json:"loa"`
	// SystemUserID and SystemUserLoA name the operator accountable for calls made with
	// no operator on the context, such as scheduled synchronisation: a person (or an
	// office's account) known to the e-service's provider, and how they authenticate.
	// Both are required: the tracking evidence must not name someone who does not exist.
	SystemUserID  string `json:"system_user_id"`
	SystemUserLoA string `json:"system_user_loa"`
	// Audit is AuditREST02 (default) or AuditREST01, as the e-service asks.
	Audit string `json:"audit"`
	// Token lifetimes (defaults 2m, 1m, 1m) and how long before a cached voucher
	// expires it is replaced (default 30s; AuditREST01 only).
	AssertionTTL  time.Duration `json:"assertion_ttl"`
	EvidenceTTL   time.Duration `json:"evidence_ttl"`
	SignatureTTL  time.Duration `json:"signature_ttl"`
	RefreshBefore time.Duration `json:"refresh_before"`
	// Verification of the e-service's signed responses (INTEGRITY_REST_02 on the
	// response): with ResponseKey (or ResponseKeyFile, a PEM public key) or
	// ResponseJWKSURL set, every 2xx response must carry a Digest of its body and an
	// Agid-JWT-Signature over it, signed by that key, addressed to ClientID. Unset,
	// responses are not verified.
	ResponseKeyFile string         `json:"response_key_file"`
	ResponseKey     *rsa.PublicKey `json:"-"`
	ResponseJWKSURL string         `json:"response_jwks_url"`
	// ResponseIssuer, when set, is the provider identity the response signature's iss
	// and sub must carry.
	ResponseIssuer string `json:"response_issuer"`
}

func (c Config) withDefaults() (Config, error) {
	bad := func(field, reason string) error { return fmt.Errorf("pdnd: config %s: %s", field, reason) }
	if c.TokenURL == "" {
		return c, bad("TokenURL", "must not be empty")
	}
	if err := absoluteURL(c.TokenURL); err != nil {
		return c, bad("TokenURL", err.Error())
	}
	for _, f := range []struct{ name, v string }{
		{"ClientID", c.ClientID}, {"KeyID", c.KeyID}, {"PurposeID", c.PurposeID}, {"Audience", c.Audience}, {"UserLocation", c.UserLocation},
		{"SystemUserID", c.SystemUserID},
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
	c.LoA = strings.ToLower(c.LoA)
	c.SystemUserLoA = strings.ToLower(strings.TrimSpace(c.SystemUserLoA))
	switch {
	case !ValidLoA(c.LoA):
		return c, bad("LoA", fmt.Sprintf("%q: want low, substantial or high", c.LoA))
	case c.SystemUserLoA == "":
		return c, bad("SystemUserLoA", "must not be empty")
	case !ValidLoA(c.SystemUserLoA):
		return c, bad("SystemUserLoA", fmt.Sprintf("%q: want low, substantial or high", c.SystemUserLoA))
	}
	switch c.Audit = strings.ToUpper(strings.TrimSpace(c.Audit)); c.Audit {
	case "":
		c.Audit = AuditREST02
	case AuditREST01, AuditREST02:
	default:
		return c, bad("Audit", fmt.Sprintf("%q: want %s or %s", c.Audit, AuditREST02, AuditREST01))
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
	if (c.ResponseKey != nil || c.ResponseKeyFile != "") && c.ResponseJWKSURL != "" {
		return c, bad("ResponseJWKSURL", "set either a response key or a JWKS URL, not both")
	}
	if c.ResponseKey == nil && c.ResponseKeyFile != "" {
		key, err := LoadPublicKey(c.ResponseKeyFile)
		if err != nil {
			return c, err
		}
		c.ResponseKey = key
	}
	if c.ResponseJWKSURL != "" {
		if err := absoluteURL(c.ResponseJWKSURL); err != nil {
			return c, bad("ResponseJWKSURL", err.Error())
		}
	}
	return c, nil
}

func absoluteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// Operator is the person on whose behalf a call is made: userID and LoA in the
// tracking evidence.
type Operator struct {
	ID  string
	LoA string // one of the LoA constants; "" for the transport's Config.LoA
}

type operatorKey struct{}

// WithOperator records the operator on whose behalf calls made with ctx are sent;
// loa "" stands for the configured staff level (Config.LoA).
func WithOperator(ctx context.Context, id, loa string) context.Context {
	return context.WithValue(ctx, operatorKey{}, Operator{ID: id, LoA: strings.ToLower(loa)})
}

// OperatorFrom returns the operator recorded by WithOperator.
func OperatorFrom(ctx context.Context) (Operator, bool) {
	op, ok := ctx.Value(operatorKey{}).(Operator)
	return op, ok && op.ID != ""
}

// Transport authenticates each request with a PDND voucher and the ModI headers: a
// fresh Agid-JWT-TrackingEvidence always, Digest and Agid-JWT-Signature when the
// request has a body; with response verification configured, it checks the
// e-service's signature on every 2xx response before handing it on.
//
// A 401 or 403 is answered by sending the request once more with a new voucher and
// evidence: what a fresh voucher fixes (a source whose clock ran past the voucher,
// a key the source rotated) should not wait for the next sync.
type Transport struct {
	cfg      Config
	base     http.RoundTripper
	tokens   *client.Client
	path     string
	now      func() time.Time
	verifier *ResponseVerifier

	mu     sync.Mutex
	cached *voucher // AuditREST01 only
	group  singleflight.Group
}

type voucher struct {
	token     string
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

// fetchTimeout bounds a cached voucher's request, which callers share: it must not
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
	t := &Transport{cfg: cfg, base: base, now: time.Now, path: u.EscapedPath()}
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
	switch {
	case cfg.ResponseKey != nil:
		t.verifier = NewResponseVerifier(StaticKey(cfg.ResponseKey), cfg.ClientID, cfg.ResponseIssuer, t.now)
	case cfg.ResponseJWKSURL != "":
		keys, err := NewJWKS(cfg.ResponseJWKSURL, base, t.now)
		if err != nil {
			return nil, err
		}
		t.verifier = NewResponseVerifier(keys.Key, cfg.ClientID, cfg.ResponseIssuer, t.now)
	}
	return t, nil
}

// TokenClient exposes the token endpoint's client, for its metrics.
func (t *Transport) TokenClient() *client.Client { return t.tokens }

// operator is who the call is made for: the context's operator, else the configured
// system operator.
func (t *Transport) operator(ctx context.Context) Operator {
	if op, ok := OperatorFrom(ctx); ok {
		if op.LoA == "" {
			op.LoA = t.cfg.LoA
		}
		return op
	}
	return Operator{ID: t.cfg.SystemUserID, LoA: t.cfg.SystemUserLoA}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("pdnd: read request body: %w", err)
		}
		body = b
	}
	op := t.operator(ctx)
	resp, used, err := t.send(ctx, req, op, body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		// Once: a second refusal with brand-new credentials is the source's answer.
		discard(resp)
		t.invalidate(used)
		if resp, _, err = t.send(ctx, req, op, body); err != nil {
			return nil, err
		}
	}
	if t.verifier != nil && resp.StatusCode/100 == 2 {
		return t.verify(ctx, resp)
	}
	return resp, nil
}

// discard reads a little of a response that is being replaced, so the connection can
// be reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// send makes one attempt with a fresh evidence (and, for AuditREST02, the voucher
// issued for it); it returns the voucher it used.
func (t *Transport) send(ctx context.Context, req *http.Request, op Operator, body []byte) (*http.Response, string, error) {
	now := t.now()
	evidence, err := t.trackingEvidence(op, now)
	if err != nil {
		return nil, "", t.authError("sign tracking evidence", err)
	}
	token, err := t.voucher(ctx, evidence)
	if err != nil {
		return nil, "", err
	}
	out := req.Clone(ctx)
	out.Header.Set("Authorization", "Bearer "+token)
	out.Header.Set(HeaderTrackingEvidence, evidence)
	if body != nil {
		digest := Digest(body)
		sig, err := t.signature(digest, req.Header.Get("Content-Type"), now)
		if err != nil {
			return nil, "", t.authError("sign request", err)
		}
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.Header.Set(HeaderDigest, digest)
		out.Header.Set(HeaderSignature, sig)
	}
	resp, err := t.base.RoundTrip(out)
	return resp, token, err
}

// verify buffers a 2xx body and checks the e-service's signature on it. A response
// that fails is an error that says so and is not retried: a retry would fetch the same
// answer again, and an answer nobody can vouch for is reported, not stored.
func (t *Transport) verify(ctx context.Context, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.verifier.maxBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("pdnd: read response body: %w", err) // a dropped connection: retried as such
	}
	if int64(len(body)) > t.verifier.maxBody {
		return nil, &client.Error{Source: "pdnd", Operation: "verify response integrity", Status: resp.StatusCode,
			Err: fmt.Errorf("response body over %d bytes", t.verifier.maxBody)}
	}
	if err := t.verifier.Verify(ctx, resp.Header, body); err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			return nil, err // the provider's keys could not be fetched: retryable as that call says
		}
		return nil, &client.Error{Source: "pdnd", Operation: "verify response integrity", Status: resp.StatusCode, Err: err}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// voucher returns the voucher to send with evidence: for AuditREST02 one issued for
// that evidence, for AuditREST01 the cached one.
func (t *Transport) voucher(ctx context.Context, evidence string) (string, error) {
	if t.cfg.Audit == AuditREST02 {
		v, err := t.fetch(ctx, evidence)
		if err != nil {
			return "", err
		}
		return v.token, nil
	}
	if v := t.current(); v != nil {
		return v.token, nil
	}
	ch := t.group.DoChan("voucher", func() (any, error) {
		if v := t.current(); v != nil {
			return v, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		v, err := t.fetch(fctx, "")
		if err != nil {
			return nil, err
		}
		t.mu.Lock()
		t.cached = v
		t.mu.Unlock()
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(*voucher).token, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (t *Transport) current() *voucher {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cached != nil && t.now().Before(t.cached.refreshAt) {
		return t.cached
	}
	return nil
}

// invalidate drops the cached voucher if it is the one the source refused.
func (t *Transport) invalidate(token string) {
	t.mu.Lock()
	if t.cached != nil && t.cached.token == token {
		t.cached = nil
	}
	t.mu.Unlock()
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

// fetch asks the token endpoint for a voucher; a non-empty evidence is bound to it
// through the assertion's digest.
func (t *Transport) fetch(ctx context.Context, evidence string) (*voucher, error) {
	now := t.now()
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
		Endpoint:    "token",
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
	return &voucher{token: tr.AccessToken, expiresAt: expires, refreshAt: expires.Add(-t.cfg.RefreshBefore)}, nil
}

func (t *Transport) sign(claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = t.cfg.KeyID
	tok.Header["typ"] = "JWT"
	return tok.SignedString(t.cfg.PrivateKey)
}

// trackingEvidence builds the audit JWS for one call, on behalf of op.
func (t *Transport) trackingEvidence(op Operator, now time.Time) (string, error) {
	nonce, err := Dnonce()
	if err != nil {
		return "", err
	}
	return t.sign(jwt.MapClaims{
		"iss":          t.cfg.ClientID,
		"sub":          t.cfg.ClientID,
		"aud":          t.cfg.Audience,
		"jti":          uuid.NewString(),
		"iat":          now.Unix(),
		"nbf":          now.Unix(),
		"exp":          now.Add(t.cfg.EvidenceTTL).Unix(),
		"dnonce":       nonce,
		"purposeId":    t.cfg.PurposeID,
		"userID":       op.ID,
		"userLocation": t.cfg.UserLocation,
		"LoA":          op.LoA,
	})
}

// dnonceFloor and dnonceSpan make Dnonce's range: the 13-digit numbers.
var (
	dnonceFloor = big.NewInt(1_000_000_000_000)
	dnonceSpan  = big.NewInt(9_000_000_000_000)
)

// Dnonce is a random 13-digit number, the tracking evidence's dnonce claim.
func Dnonce() (int64, error) {
	n, err := rand.Int(rand.Reader, dnonceSpan)
	if err != nil {
		return 0, fmt.Errorf("pdnd: dnonce: %w", err)
	}
	return n.Add(n, dnonceFloor).Int64(), nil
}

// clientAssertion builds the JWT presented to the token endpoint, bound to the
// tracking evidence by its digest when there is one. PDND wants no nbf here.
func (t *Transport) clientAssertion(evidence string, now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"iss":       t.cfg.ClientID,
		"sub":       t.cfg.ClientID,
		"aud":       t.cfg.AssertionAudience,
		"jti":       uuid.NewString(),
		"iat":       now.Unix(),
		"exp":       now.Add(t.cfg.AssertionTTL).Unix(),
		"purposeId": t.cfg.PurposeID,
	}
	if evidence != "" {
		claims["digest"] = map[string]string{"alg": "SHA256", "value": EvidenceDigest(evidence)}
	}
	return t.sign(claims)
}

// signature builds the INTEGRITY_REST_02 JWS over the Digest and
// Content-Type headers.
func (t *Transport) signature(digest, contentType string, now time.Time) (string, error) {
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
