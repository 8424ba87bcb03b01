package pdnd

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ponte-hub/ponte/connectors/client"
)

// KeyFunc finds the provider's public key for a signature's kid.
type KeyFunc func(ctx context.Context, kid string) (*rsa.PublicKey, error)

// StaticKey is a KeyFunc for a provider with one known key, whatever kid it names.
func StaticKey(key *rsa.PublicKey) KeyFunc {
	return func(context.Context, string) (*rsa.PublicKey, error) { return key, nil }
}

// IntegrityError is a response whose Digest or Agid-JWT-Signature does not hold. It
// matches client.ErrIntegrity.
type IntegrityError struct {
	Reason string
}

func (e *IntegrityError) Error() string { return client.ErrIntegrity.Error() + ": " + e.Reason }

// Is makes errors.Is(err, client.ErrIntegrity) true.
func (e *IntegrityError) Is(target error) bool { return target == client.ErrIntegrity }

// ResponseVerifier checks the INTEGRITY_REST_02 headers an e-service signs its
// responses with: a Digest of the body, and an Agid-JWT-Signature whose signed_headers
// repeat that Digest and the Content-Type, signed by the provider, addressed to us.
type ResponseVerifier struct {
	keys     KeyFunc
	audience string
	issuer   string
	now      func() time.Time
	leeway   time.Duration
	maxBody  int64
}

// Signature algorithms a provider may sign with: RSA keys are what PDND registers.
var responseAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// NewResponseVerifier checks signatures made with keys, addressed to audience (our
// client id) and, when issuer is set, issued by it; now is the clock (time.Now if nil).
func NewResponseVerifier(keys KeyFunc, audience, issuer string, now func() time.Time) *ResponseVerifier {
	if now == nil {
		now = time.Now
	}
	return &ResponseVerifier{keys: keys, audience: audience, issuer: issuer, now: now, leeway: 30 * time.Second,
		maxBody: client.DefaultMaxBodyBytes}
}

// Verify checks a response's headers against its body. A failure is an
// *IntegrityError, except when the provider's keys could not be fetched (the
// *client.Error of that call).
func (v *ResponseVerifier) Verify(ctx context.Context, h http.Header, body []byte) error {
	fail := func(format string, args ...any) error { return &IntegrityError{Reason: fmt.Sprintf(format, args...)} }
	digest := h.Get(HeaderDigest)
	if digest == "" {
		return fail("the response has no %s header", HeaderDigest)
	}
	sum, err := ParseDigest(digest)
	if err != nil {
		return fail("%s header: %v", HeaderDigest, err)
	}
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		return fail("%s header does not match the body", HeaderDigest)
	}
	sig := h.Get(HeaderSignature)
	if sig == "" {
		return fail("the response has no %s header", HeaderSignature)
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(responseAlgs), jwt.WithAudience(v.audience), jwt.WithTimeFunc(v.now),
		jwt.WithLeeway(v.leeway), jwt.WithExpirationRequired(), jwt.WithIssuedAt()}
	if v.issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.issuer), jwt.WithSubject(v.issuer))
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.NewParser(opts...).ParseWithClaims(sig, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.keys(ctx, kid)
	})
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			return ce
		}
		return fail("%s rejected: %v", HeaderSignature, err)
	}
	if typ, _ := tok.Header["typ"].(string); typ != "JWT" {
		return fail("%s typ %q, want JWT", HeaderSignature, typ)
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		return fail("%s has no jti", HeaderSignature)
	}
	signed, err := SignedHeaders(claims["signed_headers"])
	if err != nil {
		return fail("%s: %v", HeaderSignature, err)
	}
	if got, ok := signed["digest"]; !ok || got != digest {
		return fail("%s signs a digest other than the %s header", HeaderSignature, HeaderDigest)
	}
	if got, ok := signed["content-type"]; !ok || got != h.Get("Content-Type") {
		return fail("%s signs a content-type other than the Content-Type header", HeaderSignature)
	}
	return nil
}

// SignedHeaders reads a signature's signed_headers claim: a list of one-member
// objects, header name (matched case-insensitively) to value. A header named twice, or
// an entry that is not a string-valued object, makes the claim unreadable.
func SignedHeaders(v any) (map[string]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("signed_headers is missing or not a list")
	}
	out := make(map[string]string, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, fmt.Errorf("signed_headers[%d] is not an object with one header", i)
		}
		for k, val := range m {
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("signed_headers[%d]: %s is not a string", i, k)
			}
			name := strings.ToLower(k)
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("signed_headers names %s twice", name)
			}
			out[name] = s
		}
	}
	return out, nil
}

// ParseDigest reads the SHA-256 value out of a Digest header (RFC 3230): a list of
// algorithm=value instances, algorithm names case-insensitive. The value is base64,
// as RFC 3230 and RFC 5843 have it; 64 hexadecimal digits are accepted too, as some
// gateways send them. It fails when no SHA-256 instance is there, or it is not 32
// bytes, or two disagree.
func ParseDigest(v string) ([]byte, error) {
	var found []byte
	for _, inst := range strings.Split(v, ",") {
		inst = strings.TrimSpace(inst)
		if inst == "" {
			continue
		}
		alg, val, ok := strings.Cut(inst, "=")
		if !ok {
			return nil, fmt.Errorf("instance %q has no '='", clip(inst))
		}
		if !strings.EqualFold(strings.TrimSpace(alg), "SHA-256") {
			continue
		}
		sum, err := decodeDigestValue(strings.TrimSpace(val))
		if err != nil {
			return nil, err
		}
		if found != nil && !bytes.Equal(found, sum) {
			return nil, errors.New("two SHA-256 values disagree")
		}
		found = sum
	}
	if found == nil {
		return nil, errors.New("no SHA-256 value")
	}
	return found, nil
}

func decodeDigestValue(s string) ([]byte, error) {
	if len(s) == 2*sha256.Size {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("SHA-256 value is neither base64 nor hexadecimal")
	}
	if len(b) != sha256.Size {
		return nil, fmt.Errorf("SHA-256 value is %d bytes, want %d", len(b), sha256.Size)
	}
	return b, nil
}

// clip shortens outside input quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}
