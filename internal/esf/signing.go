package esf

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// SigningKeyEnv names the setting that holds the path of the signing key file.
const SigningKeyEnv = "PONTE_ESF_SIGNING_KEY"

// ErrNoSigningKey: freezing and verifying need a signing key, and none is configured.
var ErrNoSigningKey = fmt.Errorf("no signing key is configured: frozen reports are signed with %s, the path of a PEM "+
	"PKCS#8 Ed25519 private key: %w", SigningKeyEnv, apperr.ErrUnavailable)

// maxKeyFileBytes bounds what is read of a key file: a PEM Ed25519 key is under 200 bytes.
const maxKeyFileBytes = 64 << 10

// Signer signs frozen reports with an Ed25519 key and checks their signatures. Built from
// a private key it does both; from a public key alone it only checks, which is what an
// auditor who must not be able to sign needs.
type Signer struct {
	private ed25519.PrivateKey
	public  ed25519.PublicKey
	keyID   string
}

// NewSigner returns a signer for an Ed25519 private key.
func NewSigner(key ed25519.PrivateKey) (*Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("esf: signing key: an Ed25519 private key has %d bytes, got %d", ed25519.PrivateKeySize, len(key))
	}
	// Rebuilt from the seed: the public half of a key assembled elsewhere may not match it.
	priv := ed25519.NewKeyFromSeed(key.Seed())
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{private: priv, public: pub, keyID: KeyID(pub)}, nil
}

// NewCheckingSigner returns a signer that checks signatures made with the private key of
// pub, and cannot sign.
func NewCheckingSigner(pub ed25519.PublicKey) (*Signer, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("esf: signing key: an Ed25519 public key has %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	return &Signer{public: bytes.Clone(pub), keyID: KeyID(pub)}, nil
}

// KeyID names a public key: the first 16 hex digits of the SHA-256 of its 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// KeyID names the signer's key (see the function KeyID).
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey is the key that checks the signer's signatures.
func (s *Signer) PublicKey() ed25519.PublicKey { return bytes.Clone(s.public) }

// CanSign reports whether the signer holds the private key.
func (s *Signer) CanSign() bool { return s.private != nil }

// errCannotSign: the signer holds a public key only.
func (s *Signer) errCannotSign() error {
	return fmt.Errorf("the signing key %s is a public key: freezing needs the private key (%s): %w",
		s.keyID, SigningKeyEnv, apperr.ErrUnavailable)
}

func (s *Signer) sign(msg []byte) ([]byte, error) {
	if s.private == nil {
		return nil, s.errCannotSign()
	}
	return ed25519.Sign(s.private, msg), nil
}

// check verifies that sig over msg was made with the signer's key, stored as keyID and pub;
// problem says why not.
func (s *Signer) check(keyID string, pub, msg, sig []byte) (ok bool, problem string) {
	switch {
	case keyID == "" && len(sig) == 0:
		return false, "not signed: the report was frozen before reports were signed"
	case keyID != s.keyID:
		return false, fmt.Sprintf("signed with key %q, not with the configured key %s", keyID, s.keyID)
	case !bytes.Equal(pub, s.public):
		return false, fmt.Sprintf("the stored public key is not the configured key %s", s.keyID)
	case len(sig) != ed25519.SignatureSize || !ed25519.Verify(s.public, msg, sig):
		return false, fmt.Sprintf("the signature does not verify with the configured key %s", s.keyID)
	}
	return true, ""
}

// ParseSigningKey reads one PEM block: a PKCS#8 Ed25519 private key ("PRIVATE KEY", as
// written by GenerateSigningKey or `openssl genpkey -algorithm ed25519`), or a PKIX
// Ed25519 public key ("PUBLIC KEY", `openssl pkey -pubout`) for a signer that only checks.
func ParseSigningKey(data []byte) (*Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("esf: signing key: no PEM block found: want a PKCS#8 Ed25519 private key (BEGIN PRIVATE KEY)")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("esf: signing key: more than one PEM block: want only the key")
	}
	if len(block.Headers) > 0 {
		return nil, errors.New("esf: signing key: PEM headers found (an encrypted key?): want an unencrypted PKCS#8 key")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("esf: signing key: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("esf: signing key: a %T, want an Ed25519 key", k)
		}
		return NewSigner(priv)
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("esf: signing key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("esf: signing key: a %T, want an Ed25519 key", k)
		}
		return NewCheckingSigner(pub)
	}
	return nil, fmt.Errorf("esf: signing key: a PEM %q block, want PRIVATE KEY (PKCS#8 Ed25519) or PUBLIC KEY", block.Type)
}

// LoadSigningKey reads a key file (see ParseSigningKey).
func LoadSigningKey(path string) (*Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("esf: signing key: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("esf: signing key %s: %w", path, err)
	}
	if len(data) > maxKeyFileBytes {
		return nil, fmt.Errorf("esf: signing key %s: larger than %d bytes: not a key file", path, maxKeyFileBytes)
	}
	s, err := ParseSigningKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return s, nil
}

// GenerateSigningKey writes a new Ed25519 private key to path (PEM PKCS#8, mode 0600,
// creating the directory) and returns its signer. It never overwrites a file.
func GenerateSigningKey(path string) (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("esf: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("esf: generate signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("esf: generate signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("esf: generate signing key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("esf: generate signing key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("esf: generate signing key %s: %w", path, err)
	}
	return NewSigner(priv)
}

// PublicKeyPEM is the signer's public key as a PEM PKIX block, for those who only check.
func (s *Signer) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(s.public)
	if err != nil {
		panic(err) // an Ed25519 public key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
