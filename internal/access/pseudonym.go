package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MinPseudonymKeyBytes is the shortest pseudonym key accepted: 256 bits, the HMAC-SHA256
// block of security.
const MinPseudonymKeyBytes = 32

// Pseudonymizer turns person ids into stable keyed pseudonyms (HMAC-SHA256). The same
// person always gets the same pseudonym under the same key, so an auditor can follow a
// participant across records and reports; without the key nobody can go back to the
// person, or test a guess. Safe for concurrent use.
type Pseudonymizer struct {
	key   []byte
	keyID string
}

var pseudonymEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewPseudonymizer returns a pseudonymizer with key (at least MinPseudonymKeyBytes).
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinPseudonymKeyBytes {
		return nil, fmt.Errorf("access: pseudonym key: must be at least %d bytes, got %d", MinPseudonymKeyBytes, len(key))
	}
	k := append([]byte(nil), key...)
	id := sha256.Sum256(append([]byte("ponte/pseudonym-key-id/"), k...))
	return &Pseudonymizer{key: k, keyID: hex.EncodeToString(id[:4])}, nil
}

// ParsePseudonymKey reads a key given as hex or base64 (standard or URL alphabet), as
// the PONTE_PSEUDONYM_KEY setting holds it.
func ParsePseudonymKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("access: pseudonym key: empty")
	}
	var key []byte
	if b, err := hex.DecodeString(s); err == nil {
		key = b
	} else if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		key = b
	} else if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		key = b
	} else {
		return nil, errors.New("access: pseudonym key: neither hex nor base64")
	}
	if len(key) < MinPseudonymKeyBytes {
		return nil, fmt.Errorf("access: pseudonym key: must be at least %d bytes, got %d", MinPseudonymKeyBytes, len(key))
	}
	return key, nil
}

// PseudonymizerFromText is NewPseudonymizer with a key written as ParsePseudonymKey
// reads it.
func PseudonymizerFromText(s string) (*Pseudonymizer, error) {
	key, err := ParsePseudonymKey(s)
	if err != nil {
		return nil, err
	}
	return NewPseudonymizer(key)
}

// KeyID names the key without revealing it, so exports can say which key made their
// pseudonyms.
func (p *Pseudonymizer) KeyID() string { return p.keyID }

// Person returns the pseudonym of a person id: "ps_" followed by 26 base32 characters
// (130 bits of the HMAC). Ids are compared case-insensitively, as UUIDs are.
func (p *Pseudonymizer) Person(personID string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("ponte/person/"))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(personID))))
	return "ps_" + pseudonymEncoding.EncodeToString(m.Sum(nil)[:17])[:26]
}
