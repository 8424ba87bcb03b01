package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/connectors/pdnd"
)

// Auth configures the simulated PDND: the one client it knows and how it
// checks vouchers and the ModI headers. With a nil PublicKey the data
// endpoints are open and the token endpoint refuses everyone.
type Auth struct {
	ClientID  string
	KeyID     string         // kid the client's assertions must carry; "" accepts any
	PublicKey *rsa.PublicKey // the client's registered key
	// PurposeIDs the client may ask vouchers for; empty allows any.
	PurposeIDs []string
	// AssertionAudience defaults to pdnd.DefaultAssertionAudience.
	AssertionAudience string
	// Audience is the e-services' audience: put in vouchers, and required
	// in tracking evidence and signatures (default "ponte-registry-sim").
	Audience string
	// VoucherTTL is the voucher lifetime (default 600s).
	VoucherTTL time.Duration
	// Leeway tolerates clock skew on time claims (default 5s).
	Leeway time.Duration
}

// DefaultAudience is the e-service audience when Auth.Audience is empty.
const DefaultAudience = "ponte-registry-sim"

type authority struct {
	cfg    Auth
	now    func() time.Time
	secret []byte

	mu   sync.Mutex
	seen map[string]time.Time // assertion jti → expiry, against replay
}

func newAuthority(cfg Auth, now func() time.Time) (*authority, error) {
	if cfg.AssertionAudience == "" {
		cfg.AssertionAudience = pdnd.DefaultAssertionAudience
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.VoucherTTL == 0 {
		cfg.VoucherTTL = 600 * time.Second
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 5 * time.Second
	}
	if cfg.PublicKey != nil && cfg.ClientID == "" {
		return nil, errors.New("sim: auth ClientID must be set with PublicKey")
	}
	a := &authority{cfg: cfg, now: now, secret: make([]byte, 32), seen: map[string]time.Time{}}
	if _, err := rand.Read(a.secret); err != nil {
		return nil, fmt.Errorf("sim: voucher secret: %w", err)
	}
	return a, nil
}

func (a *authority) parser(opts ...jwt.ParserOption) *jwt.Parser {
	base := []jwt.ParserOption{jwt.WithTimeFunc(a.now), jwt.WithLeeway(a.cfg.Leeway), jwt.WithExpirationRequired(), jwt.WithIssuedAt()}
	return jwt.NewParser(append(base, opts...)...)
}

// clientKey verifies RS256 tokens from the registered client.
func (a *authority) clientKey(t *jwt.Token) (any, error) {
	if a.cfg.KeyID != "" {
		if kid, _ := t.Header["kid"].(string); kid != a.cfg.KeyID {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
	}
	return a.cfg.PublicKey, nil
}

func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "signature invalid"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "issued in the future"
	}
	return err.Error()
}

// token serves POST /token.oauth2.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenRequests.Add(1)
	a := s.auth
	oauthProblem := func(status int, code, detail string) {
		writeProblem(w, status, code, detail)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		oauthProblem(http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthProblem(http.StatusBadRequest, "invalid_request", "unreadable form: "+err.Error())
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		oauthProblem(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	case f.Get("client_assertion_type") != pdnd.ClientAssertionType:
		oauthProblem(http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+pdnd.ClientAssertionType)
		return
	case f.Get("client_assertion") == "":
		oauthProblem(http.StatusBadRequest, "invalid_request", "client_assertion is required")
		return
	}
	if a.cfg.PublicKey == nil || f.Get("client_id") != a.cfg.ClientID {
		oauthProblem(http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	}
	claims := jwt.MapClaims{}
	tok, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.AssertionAudience),
		jwt.WithIssuer(a.cfg.ClientID), jwt.WithSubject(a.cfg.ClientID)).
		ParseWithClaims(f.Get("client_assertion"), claims, a.clientKey)
	if err != nil {
		oauthProblem(http.StatusUnauthorized, "invalid_client", "client assertion rejected: "+reason(err))
		return
	}
	if typ, _ := tok.Header["typ"].(string); typ != "JWT" {
		oauthProblem(http.StatusUnauthorized, "invalid_client", "client assertion typ must be JWT")
		return
	}
	if _, ok := claims["nbf"]; ok {
		oauthProblem(http.StatusUnauthorized, "invalid_client", "client assertion must not carry nbf")
		return
	}
	jti, _ := claims["jti"].(string)
	purpose, _ := claims["purposeId"].(string)
	exp, _ := claims.GetExpirationTime()
	switch {
	case jti == "":
		oauthProblem(http.StatusUnauthorized, "invalid_client", "client assertion jti is required")
		return
	case purpose == "":
		oauthProblem(http.StatusUnauthorized, "invalid_client", "client assertion purposeId is required")
		return
	case len(a.cfg.PurposeIDs) > 0 && !slices.Contains(a.cfg.PurposeIDs, purpose):
		oauthProblem(http.StatusForbidden, "invalid_purpose", "purpose "+purpose+" is not authorised for this client")
		return
	case !a.remember(jti, exp.Time):
		oauthProblem(http.StatusUnauthorized, "invalid_client", "client assertion jti already used")
		return
	}
	var digest string
	if d, ok := claims["digest"]; ok {
		m, _ := d.(map[string]any)
		alg, _ := m["alg"].(string)
		digest, _ = m["value"].(string)
		if alg != "SHA256" || len(digest) != 64 {
			oauthProblem(http.StatusBadRequest, "invalid_request", `digest must be {"alg":"SHA256","value":<64 hex>}`)
			return
		}
	}
	now := a.now()
	vclaims := jwt.MapClaims{
		"iss": "ponte-registry-sim-pdnd", "aud": a.cfg.Audience, "sub": a.cfg.ClientID, "client_id": a.cfg.ClientID,
		"purposeId": purpose, "jti": uuid.NewString(), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(a.cfg.VoucherTTL).Unix(),
	}
	if digest != "" {
		vclaims["digest"] = map[string]string{"alg": "SHA256", "value": digest}
	}
	voucher, err := jwt.NewWithClaims(jwt.SigningMethodHS256, vclaims).SignedString(a.secret)
	if err != nil {
		oauthProblem(http.StatusInternalServerError, "server_error", "cannot sign voucher")
		return
	}
	s.tokensIssued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, voucher, int64(a.cfg.VoucherTTL/time.Second))
}

// remember records an assertion jti until it expires; false on replay.
func (a *authority) remember(jti string, exp time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if len(a.seen) > 10000 {
		for k, e := range a.seen {
			if e.Before(now) {
				delete(a.seen, k)
			}
		}
	}
	if _, dup := a.seen[jti]; dup {
		return false
	}
	a.seen[jti] = exp
	return true
}

// check verifies voucher, tracking evidence and, with a body, the
// integrity headers. nil means the request may proceed.
func (a *authority) check(r *http.Request, body []byte) *problem {
	if a.cfg.PublicKey == nil {
		return nil
	}
	deny := func(status int, code, format string, args ...any) *problem {
		return &problem{status: status, code: code, detail: fmt.Sprintf(format, args...)}
	}
	authz := r.Header.Get("Authorization")
	if !strings.HasPrefix(authz, "Bearer ") {
		return deny(http.StatusUnauthorized, "VOUCHER_MISSING", "Authorization: Bearer <voucher> is required")
	}
	vc := jwt.MapClaims{}
	_, err := a.parser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(a.cfg.Audience)).
		ParseWithClaims(strings.TrimPrefix(authz, "Bearer "), vc, func(*jwt.Token) (any, error) { return a.secret, nil })
	if err != nil {
		code := "VOUCHER_INVALID"
		if errors.Is(err, jwt.ErrTokenExpired) {
			code = "VOUCHER_EXPIRED"
		}
		return deny(http.StatusUnauthorized, code, "voucher rejected: %s", reason(err))
	}
	purpose, _ := vc["purposeId"].(string)
	var digest string
	if d, ok := vc["digest"].(map[string]any); ok {
		digest, _ = d["value"].(string)
	}

	evidence := r.Header.Get(pdnd.HeaderTrackingEvidence)
	switch {
	case evidence == "" && digest != "":
		return deny(http.StatusForbidden, "TRACKING_EVIDENCE_MISSING", "%s is required: the voucher was issued for one", pdnd.HeaderTrackingEvidence)
	case evidence != "":
		if digest != "" && pdnd.EvidenceDigest(evidence) != digest {
			return deny(http.StatusForbidden, "TRACKING_EVIDENCE_MISMATCH", "%s does not match the digest bound to the voucher", pdnd.HeaderTrackingEvidence)
		}
		ec := jwt.MapClaims{}
		if _, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.Audience), jwt.WithIssuer(a.cfg.ClientID)).
			ParseWithClaims(evidence, ec, a.clientKey); err != nil {
			return deny(http.StatusForbidden, "TRACKING_EVIDENCE_INVALID", "%s rejected: %s", pdnd.HeaderTrackingEvidence, reason(err))
		}
		if p, _ := ec["purposeId"].(string); p != purpose {
			return deny(http.StatusForbidden, "TRACKING_EVIDENCE_INVALID", "tracking evidence purposeId differs from the voucher's")
		}
		for _, claim := range []string{"userID", "userLocation", "LoA", "jti"} {
			if v, _ := ec[claim].(string); v == "" {
				return deny(http.StatusForbidden, "TRACKING_EVIDENCE_INVALID", "tracking evidence claim %s is required", claim)
			}
		}
		if _, ok := ec["nbf"]; !ok {
			return deny(http.StatusForbidden, "TRACKING_EVIDENCE_INVALID", "tracking evidence claim nbf is required")
		}
	}

	if len(body) == 0 {
		return nil
	}
	got := r.Header.Get(pdnd.HeaderDigest)
	if want := pdnd.Digest(body); got != want {
		return deny(http.StatusForbidden, "DIGEST_MISMATCH", "Digest header does not match the body")
	}
	sc := jwt.MapClaims{}
	if _, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.Audience), jwt.WithIssuer(a.cfg.ClientID)).
		ParseWithClaims(r.Header.Get(pdnd.HeaderSignature), sc, a.clientKey); err != nil {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "%s rejected: %s", pdnd.HeaderSignature, reason(err))
	}
	signed := map[string]string{}
	list, _ := sc["signed_headers"].([]any)
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			for k, v := range m {
				if s, ok := v.(string); ok {
					signed[strings.ToLower(k)] = s
				}
			}
		}
	}
	if signed["digest"] != got {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "signed_headers digest does not match the Digest header")
	}
	if signed["content-type"] != r.Header.Get("Content-Type") {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "signed_headers content-type does not match the Content-Type header")
	}
	return nil
}
