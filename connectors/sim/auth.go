package sim

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/connectors/pdnd"
)

// Auth configures the simulated PDND: the one client it knows and how it checks
// vouchers and the ModI headers, as strictly as a production e-service does. With a
// nil PublicKey the data endpoints are open and the token endpoint refuses everyone.
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
	// MaxAge is how old (by iat) an assertion, tracking evidence or signature may be
	// (default 5m): a token issued long ago is refused even if its exp is far off.
	MaxAge time.Duration
	// VoucherKey signs the vouchers (RS256, as PDND's); ResponseKey signs the data
	// responses (INTEGRITY_REST_02). When nil, keys generated once per process are used
	// (a 2048-bit key takes a while to make, and simulators are started by the dozen in
	// tests); their public halves are served at /.well-known/jwks.json.
	VoucherKey  *rsa.PrivateKey
	ResponseKey *rsa.PrivateKey
	// ProviderID is the iss and sub of the response signatures (default Audience).
	ProviderID string
}

// DefaultAudience is the e-service audience when Auth.Audience is empty.
const DefaultAudience = "ponte-registry-sim"

// VoucherIssuer is the iss of the simulated PDND's vouchers.
const VoucherIssuer = "ponte-registry-sim-pdnd"

// PathJWKS serves the simulator's public keys.
const PathJWKS = "/.well-known/jwks.json"

type authority struct {
	cfg         Auth
	now         func() time.Time
	voucherKey  atomic.Pointer[signingKey] // replaced by a key rotation
	responseKID string

	mu   sync.Mutex
	seen map[string]time.Time // kind and jti → expiry, against replay
}

func newAuthority(cfg Auth, now func() time.Time) (*authority, error) {
	if cfg.AssertionAudience == "" {
		cfg.AssertionAudience = pdnd.DefaultAssertionAudience
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.ProviderID == "" {
		cfg.ProviderID = cfg.Audience
	}
	if cfg.VoucherTTL == 0 {
		cfg.VoucherTTL = 600 * time.Second
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 5 * time.Second
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = 5 * time.Minute
	}
	if cfg.PublicKey != nil && cfg.ClientID == "" {
		return nil, errors.New("sim: auth ClientID must be set with PublicKey")
	}
	if cfg.VoucherKey == nil || cfg.ResponseKey == nil {
		keys, err := defaultKeys()
		if err != nil {
			return nil, err
		}
		if cfg.VoucherKey == nil {
			cfg.VoucherKey = keys[0]
		}
		if cfg.ResponseKey == nil {
			cfg.ResponseKey = keys[1]
		}
	}
	a := &authority{cfg: cfg, now: now, seen: map[string]time.Time{}, responseKID: pdnd.Thumbprint(&cfg.ResponseKey.PublicKey)}
	a.voucherKey.Store(&signingKey{key: cfg.VoucherKey, kid: pdnd.Thumbprint(&cfg.VoucherKey.PublicKey)})
	return a, nil
}

// defaultKeys are the voucher and response keys of simulators given none.
var defaultKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var keys [2]*rsa.PrivateKey
	for i := range keys {
		k, err := pdnd.GenerateKey()
		if err != nil {
			return keys, fmt.Errorf("sim: %w", err)
		}
		keys[i] = k
	}
	return keys, nil
})

// signingKey is a private key and its kid.
type signingKey struct {
	key *rsa.PrivateKey
	kid string
}

// rotateVoucherKey replaces the voucher signing key: vouchers issued before no longer
// verify, as after a key rotation at PDND.
func (a *authority) rotateVoucherKey() error {
	key, err := pdnd.GenerateKey()
	if err != nil {
		return fmt.Errorf("sim: rotate voucher key: %w", err)
	}
	a.voucherKey.Store(&signingKey{key: key, kid: pdnd.Thumbprint(&key.PublicKey)})
	return nil
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

// timing reports whether err is about when a token is valid rather than who made it.
func timing(err error) bool {
	return errors.Is(err, jwt.ErrTokenExpired) || errors.Is(err, jwt.ErrTokenNotValidYet) || errors.Is(err, jwt.ErrTokenUsedBeforeIssued)
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

// aged refuses a token issued longer ago than MaxAge.
func (a *authority) aged(c jwt.MapClaims) error {
	iat, err := c.GetIssuedAt()
	if err != nil || iat == nil {
		return errors.New("iat is required")
	}
	if age := a.now().Sub(iat.Time); age > a.cfg.MaxAge+a.cfg.Leeway {
		return fmt.Errorf("issued %s ago, more than the %s accepted", age.Round(time.Second), a.cfg.MaxAge)
	}
	return nil
}

// writeOAuthError answers a token request as RFC 6749 section 5.2 has it.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// token serves POST /token.oauth2. Errors follow RFC 6749 and PDND's table: a request
// missing or garbling a parameter is invalid_request, a client assertion that does not
// authenticate the client (signature, kid, issuer, audience, typ, shape) is
// invalid_client (401), one that is authentic but expired, early, too old or already
// used is invalid_grant, an unauthorised purpose is invalid_scope.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenRequests.Add(1)
	a := s.auth
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "unreadable form: "+err.Error())
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	case f.Get("grant_type") != "client_credentials":
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	case f.Get("client_assertion_type") != pdnd.ClientAssertionType:
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+pdnd.ClientAssertionType)
		return
	case f.Get("client_assertion") == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_assertion is required")
		return
	}
	if a.cfg.PublicKey == nil || f.Get("client_id") != a.cfg.ClientID {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	}
	claims := jwt.MapClaims{}
	tok, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.AssertionAudience),
		jwt.WithIssuer(a.cfg.ClientID), jwt.WithSubject(a.cfg.ClientID)).
		ParseWithClaims(f.Get("client_assertion"), claims, a.clientKey)
	switch {
	case err != nil && timing(err):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "client assertion rejected: "+reason(err))
		return
	case err != nil:
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client assertion rejected: "+reason(err))
		return
	}
	if typ, _ := tok.Header["typ"].(string); typ != "JWT" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client assertion typ must be JWT")
		return
	}
	if _, ok := claims["nbf"]; ok {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client assertion must not carry nbf")
		return
	}
	jti, _ := claims["jti"].(string)
	purpose, _ := claims["purposeId"].(string)
	exp, _ := claims.GetExpirationTime()
	if jti == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client assertion jti is required")
		return
	}
	if err := a.aged(claims); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "client assertion rejected: "+err.Error())
		return
	}
	switch {
	case purpose == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client assertion purposeId is required")
		return
	case len(a.cfg.PurposeIDs) > 0 && !slices.Contains(a.cfg.PurposeIDs, purpose):
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "purpose "+purpose+" is not authorised for this client")
		return
	}
	var digest string
	if d, ok := claims["digest"]; ok {
		m, _ := d.(map[string]any)
		alg, _ := m["alg"].(string)
		digest, _ = m["value"].(string)
		if alg != "SHA256" || len(digest) != 64 {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", `digest must be {"alg":"SHA256","value":<64 hex>}`)
			return
		}
	}
	if !a.remember("assertion", jti, exp.Time) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "client assertion jti already used")
		return
	}
	now := a.now()
	vclaims := jwt.MapClaims{
		"iss": VoucherIssuer, "aud": a.cfg.Audience, "sub": a.cfg.ClientID, "client_id": a.cfg.ClientID,
		"purposeId": purpose, "jti": uuid.NewString(), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(a.cfg.VoucherTTL).Unix(),
	}
	if digest != "" {
		vclaims["digest"] = map[string]string{"alg": "SHA256", "value": digest}
	}
	vk := a.voucherKey.Load()
	vt := jwt.NewWithClaims(jwt.SigningMethodRS256, vclaims)
	vt.Header["kid"] = vk.kid
	vt.Header["typ"] = "at+jwt"
	voucher, err := vt.SignedString(vk.key)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "cannot sign voucher")
		return
	}
	s.tokensIssued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, voucher, int64(a.cfg.VoucherTTL/time.Second))
}

// jwks serves the public keys of vouchers and responses.
func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	a := s.auth
	w.Header().Set("Content-Type", "application/json")
	vk := a.voucherKey.Load()
	w.Write(pdnd.KeySet(map[string]*rsa.PublicKey{vk.kid: &vk.key.PublicKey, a.responseKID: &a.cfg.ResponseKey.PublicKey}))
}

// remember records a jti of one kind of token until it expires; false on replay.
func (a *authority) remember(kind, jti string, exp time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if len(a.seen) > 10000 {
		for k, e := range a.seen {
			if e.Add(a.cfg.Leeway).Before(now) {
				delete(a.seen, k)
			}
		}
	}
	key := kind + "\x00" + jti
	if _, dup := a.seen[key]; dup {
		return false
	}
	a.seen[key] = exp
	return true
}

// dnonceDigits is what the dnonce claim must be: 13 digits.
var dnonceDigits = regexp.MustCompile(`^[0-9]{13}$`)

// validDnonce accepts the claim as a JSON number or string of 13 digits.
func validDnonce(v any) bool {
	switch n := v.(type) {
	case float64:
		return n == float64(int64(n)) && dnonceDigits.MatchString(strconv.FormatInt(int64(n), 10))
	case string:
		return dnonceDigits.MatchString(n)
	}
	return false
}

// check verifies voucher, tracking evidence and, with a body, the integrity headers.
// It returns the client the voucher was issued to, or why the request is refused.
func (a *authority) check(r *http.Request, body []byte) (string, *problem) {
	if a.cfg.PublicKey == nil {
		return "", nil
	}
	deny := func(status int, code, format string, args ...any) (string, *problem) {
		return "", &problem{status: status, code: code, detail: fmt.Sprintf(format, args...)}
	}
	authz := r.Header.Get("Authorization")
	if !strings.HasPrefix(authz, "Bearer ") {
		return deny(http.StatusUnauthorized, "VOUCHER_MISSING", "Authorization: Bearer <voucher> is required")
	}
	vc := jwt.MapClaims{}
	vt, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.Audience), jwt.WithIssuer(VoucherIssuer)).
		ParseWithClaims(strings.TrimPrefix(authz, "Bearer "), vc, func(t *jwt.Token) (any, error) {
			vk := a.voucherKey.Load()
			if kid, _ := t.Header["kid"].(string); kid != vk.kid {
				return nil, fmt.Errorf("unknown kid %q", kid)
			}
			return &vk.key.PublicKey, nil
		})
	if err != nil {
		code := "VOUCHER_INVALID"
		if errors.Is(err, jwt.ErrTokenExpired) {
			code = "VOUCHER_EXPIRED"
		}
		return deny(http.StatusUnauthorized, code, "voucher rejected: %s", reason(err))
	}
	if typ, _ := vt.Header["typ"].(string); typ != "at+jwt" {
		return deny(http.StatusUnauthorized, "VOUCHER_INVALID", "voucher typ must be at+jwt")
	}
	clientID, _ := vc["client_id"].(string)
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
		if p := a.checkEvidence(evidence, purpose); p != nil {
			return "", p
		}
	}

	if len(body) == 0 {
		return clientID, nil
	}
	got := r.Header.Get(pdnd.HeaderDigest)
	if want := pdnd.Digest(body); got != want {
		return deny(http.StatusForbidden, "DIGEST_MISMATCH", "Digest header does not match the body")
	}
	sc := jwt.MapClaims{}
	st, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.Audience), jwt.WithIssuer(a.cfg.ClientID)).
		ParseWithClaims(r.Header.Get(pdnd.HeaderSignature), sc, a.clientKey)
	if err != nil {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "%s rejected: %s", pdnd.HeaderSignature, reason(err))
	}
	if typ, _ := st.Header["typ"].(string); typ != "JWT" {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "%s typ must be JWT", pdnd.HeaderSignature)
	}
	if err := a.aged(sc); err != nil {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "%s rejected: %s", pdnd.HeaderSignature, err)
	}
	signed, err := pdnd.SignedHeaders(sc["signed_headers"])
	if err != nil {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "%s: %s", pdnd.HeaderSignature, err)
	}
	if signed["digest"] != got {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "signed_headers digest does not match the Digest header")
	}
	if signed["content-type"] != r.Header.Get("Content-Type") {
		return deny(http.StatusForbidden, "SIGNATURE_INVALID", "signed_headers content-type does not match the Content-Type header")
	}
	jti, _ := sc["jti"].(string)
	exp, _ := sc.GetExpirationTime()
	if jti == "" || !a.remember("signature", jti, exp.Time) {
		return deny(http.StatusForbidden, "SIGNATURE_REPLAYED", "%s jti missing or already used", pdnd.HeaderSignature)
	}
	return clientID, nil
}

// checkEvidence verifies an AUDIT_REST_02 tracking evidence the way a strict e-service
// does: signed by the client, typ JWT, for this e-service and purpose, with the audit
// claims, a 13-digit dnonce, recent, and never seen before.
func (a *authority) checkEvidence(evidence, purpose string) *problem {
	deny := func(code, format string, args ...any) *problem {
		return &problem{status: http.StatusForbidden, code: code, detail: fmt.Sprintf(format, args...)}
	}
	ec := jwt.MapClaims{}
	et, err := a.parser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(a.cfg.Audience), jwt.WithIssuer(a.cfg.ClientID)).
		ParseWithClaims(evidence, ec, a.clientKey)
	if err != nil {
		return deny("TRACKING_EVIDENCE_INVALID", "%s rejected: %s", pdnd.HeaderTrackingEvidence, reason(err))
	}
	if typ, _ := et.Header["typ"].(string); typ != "JWT" {
		return deny("TRACKING_EVIDENCE_INVALID", "tracking evidence typ must be JWT")
	}
	if p, _ := ec["purposeId"].(string); p != purpose {
		return deny("TRACKING_EVIDENCE_INVALID", "tracking evidence purposeId differs from the voucher's")
	}
	for _, claim := range []string{"userID", "userLocation", "LoA", "jti"} {
		if v, _ := ec[claim].(string); v == "" {
			return deny("TRACKING_EVIDENCE_INVALID", "tracking evidence claim %s is required", claim)
		}
	}
	if loa, _ := ec["LoA"].(string); !pdnd.ValidLoA(loa) {
		return deny("TRACKING_EVIDENCE_INVALID", "tracking evidence LoA %q: want low, substantial or high", loa)
	}
	if _, ok := ec["nbf"]; !ok {
		return deny("TRACKING_EVIDENCE_INVALID", "tracking evidence claim nbf is required")
	}
	if !validDnonce(ec["dnonce"]) {
		return deny("TRACKING_EVIDENCE_INVALID", "tracking evidence claim dnonce must be a random number of 13 digits")
	}
	if err := a.aged(ec); err != nil {
		return deny("TRACKING_EVIDENCE_INVALID", "%s rejected: %s", pdnd.HeaderTrackingEvidence, err)
	}
	jti, _ := ec["jti"].(string)
	exp, _ := ec.GetExpirationTime()
	if !a.remember("evidence", jti, exp.Time) {
		return deny("TRACKING_EVIDENCE_REPLAYED", "tracking evidence jti %s was already used", jti)
	}
	return nil
}

// signResponse adds the INTEGRITY_REST_02 headers to a response for client: a Digest
// of the body and an Agid-JWT-Signature over it and the Content-Type.
func (a *authority) signResponse(h http.Header, body []byte, client string) error {
	digest := pdnd.Digest(body)
	now := a.now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": a.cfg.ProviderID, "sub": a.cfg.ProviderID, "aud": client, "jti": uuid.NewString(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"signed_headers": []map[string]string{{"digest": digest}, {"content-type": h.Get("Content-Type")}},
	})
	t.Header["kid"] = a.responseKID
	t.Header["typ"] = "JWT"
	sig, err := t.SignedString(a.cfg.ResponseKey)
	if err != nil {
		return fmt.Errorf("sim: sign response: %w", err)
	}
	h.Set(pdnd.HeaderDigest, digest)
	h.Set(pdnd.HeaderSignature, sig)
	return nil
}
