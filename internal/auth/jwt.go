// Package auth owns authentication: staff OIDC JWTs (and the demo's own signing key),
// opaque partner tokens, and the HTTP middleware that turns either into an access.Principal.
package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Config says which staff JWTs the hub accepts. Settings (environment): PONTE_OIDC_ISSUER,
// PONTE_OIDC_AUDIENCE, PONTE_OIDC_JWKS_URL or PONTE_OIDC_KEY_FILE.
type Config struct {
	// Issuer must equal the token's iss.
	Issuer string
	// Audience must be among the token's aud.
	Audience string
	// JWKSURL is fetched (and refetched on an unknown key id) for the signing keys.
	JWKSURL string
	// KeyFile holds the signing keys instead: PEM public or private keys, or a JWKS.
	KeyFile string
	// Leeway tolerates clock skew on exp, nbf and iat (default 30s).
	Leeway time.Duration
}

// ConfigFromEnv reads Config from the PONTE_OIDC_* settings; with none set it returns a
// zero Config and ok false (staff JWTs disabled).
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool, err error) {
	cfg = Config{Issuer: getenv("PONTE_OIDC_ISSUER"), Audience: getenv("PONTE_OIDC_AUDIENCE"),
		JWKSURL: getenv("PONTE_OIDC_JWKS_URL"), KeyFile: getenv("PONTE_OIDC_KEY_FILE")}
	if cfg == (Config{}) {
		return cfg, false, nil
	}
	return cfg, true, cfg.validate()
}

func (c Config) validate() error {
	var missing []string
	if c.Issuer == "" {
		missing = append(missing, "issuer (PONTE_OIDC_ISSUER) is required")
	}
	if c.Audience == "" {
		missing = append(missing, "audience (PONTE_OIDC_AUDIENCE) is required")
	}
	if (c.JWKSURL == "") == (c.KeyFile == "") {
		missing = append(missing, "exactly one of the JWKS URL (PONTE_OIDC_JWKS_URL) and the key file (PONTE_OIDC_KEY_FILE) is required")
	}
	if len(missing) > 0 {
		return fmt.Errorf("auth: JWT settings: %s", strings.Join(missing, "; "))
	}
	return nil
}

// StaffClaims are the claims of a staff JWT. Besides the registered ones (sub, iss, aud,
// exp required), the identity provider maps the staff member's role, organisation code
// and the purposes they may declare.
type StaffClaims struct {
	jwt.RegisteredClaims
	Role         string   `json:"ponte_role"`
	Organisation string   `json:"ponte_org,omitempty"`
	Purposes     []string `json:"ponte_purposes,omitempty"`
}

// ErrInvalidToken marks every reason a token is refused.
var ErrInvalidToken = errors.New("invalid token")

// acceptedAlgs are the only signature algorithms accepted: "none" and HMAC (which would
// let anyone holding the public key forge tokens) never are.
var acceptedAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Verifier checks staff JWTs: signature, issuer, audience, expiry.
type Verifier struct {
	cfg  Config
	keys keySource
	now  func() time.Time
}

type keySource interface {
	key(ctx context.Context, kid string) (crypto.PublicKey, error)
}

// NewVerifier builds a verifier; a key file is read now, a JWKS URL on first use.
func NewVerifier(cfg Config) (*Verifier, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	v := &Verifier{cfg: cfg, now: time.Now}
	if cfg.KeyFile != "" {
		b, err := os.ReadFile(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("auth: read key file: %w", err)
		}
		set, err := ParseKeys(b)
		if err != nil {
			return nil, fmt.Errorf("auth: key file %s: %w", cfg.KeyFile, err)
		}
		v.keys = set
	} else {
		v.keys = newRemoteKeys(cfg.JWKSURL)
	}
	return v, nil
}

// Verify checks a compact JWT and returns its claims, or an error wrapping
// ErrInvalidToken that says why.
func (v *Verifier) Verify(ctx context.Context, token string) (*StaffClaims, error) {
	claims := &StaffClaims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods(acceptedAlgs),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.cfg.Leeway),
		jwt.WithTimeFunc(v.now),
	)
	_, err := parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.keys.key(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if strings.TrimSpace(claims.Subject) == "" {
		return nil, fmt.Errorf("%w: no subject (sub)", ErrInvalidToken)
	}
	if strings.TrimSpace(claims.Role) == "" {
		return nil, fmt.Errorf("%w: no role (ponte_role)", ErrInvalidToken)
	}
	return claims, nil
}
