package pdnd

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/golang-jwt/jwt/v5"
)

// LoadKey reads an RSA private key from a PEM file (PKCS#1 or PKCS#8).
func LoadKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pdnd: load private key: %w", err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(data)
	if err != nil {
		return nil, fmt.Errorf("pdnd: load private key %s: %w", path, err)
	}
	if key.N.BitLen() < 2048 {
		return nil, fmt.Errorf("pdnd: load private key %s: %d-bit key, need at least 2048", path, key.N.BitLen())
	}
	return key, nil
}

// LoadPublicKey reads an RSA public key from a PEM file (PKIX or PKCS#1,
// or a certificate).
func LoadPublicKey(path string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pdnd: load public key: %w", err)
	}
	key, err := jwt.ParseRSAPublicKeyFromPEM(data)
	if err != nil {
		return nil, fmt.Errorf("pdnd: load public key %s: %w", path, err)
	}
	return key, nil
}

// GenerateKey makes a fresh 2048-bit key, the size PDND accepts.
func GenerateKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("pdnd: generate key: %w", err)
	}
	return key, nil
}

// WriteKeyPair writes key as PKCS#8 (private, mode 0600) and PKIX
// (public) PEM files named <name>.key and <name>.pub in dir.
func WriteKeyPair(dir, name string, key *rsa.PrivateKey) (privPath, pubPath string, err error) {
	if key == nil {
		return "", "", errors.New("pdnd: write key pair: nil key")
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("pdnd: write key pair: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("pdnd: write key pair: %w", err)
	}
	privPath = filepath.Join(dir, name+".key")
	pubPath = filepath.Join(dir, name+".pub")
	if err := os.WriteFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}), 0o600); err != nil {
		return "", "", fmt.Errorf("pdnd: write key pair: %w", err)
	}
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		return "", "", fmt.Errorf("pdnd: write key pair: %w", err)
	}
	return privPath, pubPath, nil
}

// Thumbprint is the RFC 7638 JWK thumbprint of pub, a stable key id for
// keys that have none assigned.
func Thumbprint(pub *rsa.PublicKey) string {
	enc := base64.RawURLEncoding
	e := enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	n := enc.EncodeToString(pub.N.Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return enc.EncodeToString(sum[:])
}
