package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ponte-hub/ponte/internal/access"
)

// The demo's own identity provider: issuer and audience of the JWTs it signs.
const (
	DevIssuerName = "ponte-dev"
	DevAudience   = "ponte"
)

// DevIssuer signs staff JWTs with the demo's Ed25519 key, kept in a file of the demo's
// data directory; the hub verifies them with the same file as its key file. Never for
// production: whoever reads the file can sign any token.
type DevIssuer struct {
	key     ed25519.PrivateKey
	kid     string
	keyFile string
}

// LoadOrCreateDevIssuer reads the key at keyFile, creating it (mode 0600) if missing.
func LoadOrCreateDevIssuer(keyFile string) (*DevIssuer, error) {
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, fmt.Errorf("auth: dev key: %w", gerr)
		}
		der, merr := x509.MarshalPKCS8PrivateKey(priv)
		if merr != nil {
			return nil, fmt.Errorf("auth: dev key: %w", merr)
		}
		b = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
			return nil, fmt.Errorf("auth: dev key: %w", err)
		}
		if err := os.WriteFile(keyFile, b, 0o600); err != nil {
			return nil, fmt.Errorf("auth: dev key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("auth: dev key %s: want a PEM PRIVATE KEY", keyFile)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key %s: %w", keyFile, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: dev key %s: want an Ed25519 key, got %T", keyFile, k)
	}
	sum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
	return &DevIssuer{key: priv, kid: "ponte-dev-" + hex.EncodeToString(sum[:6]), keyFile: keyFile}, nil
}

// VerifierConfig is the Config under which the hub accepts this issuer's tokens.
func (d *DevIssuer) VerifierConfig() Config {
	return Config{Issuer: DevIssuerName, Audience: DevAudience, KeyFile: d.keyFile}
}

// IssueDev signs a staff JWT for subject, acting as role for the organisation with code
// org, allowed the given purposes (none: every purpose the policy grants the role).
func (d *DevIssuer) IssueDev(subject string, role access.Role, org string, purposes []access.Purpose, ttl time.Duration) (string, error) {
	if subject == "" {
		return "", errors.New("auth: issue dev token: subject is required")
	}
	if _, err := access.ParseRole(string(role)); err != nil {
		return "", fmt.Errorf("auth: issue dev token: %w", err)
	}
	if ttl <= 0 {
		return "", errors.New("auth: issue dev token: ttl must be positive")
	}
	now := time.Now()
	ps := make([]string, len(purposes))
	for i, p := range purposes {
		ps[i] = string(p)
	}
	claims := StaffClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: DevIssuerName, Subject: subject, Audience: jwt.ClaimStrings{DevAudience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Role: string(role), Organisation: org, Purposes: ps,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = d.kid
	s, err := tok.SignedString(d.key)
	if err != nil {
		return "", fmt.Errorf("auth: issue dev token: %w", err)
	}
	return s, nil
}
