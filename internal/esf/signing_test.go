package esf

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// The Ed25519 example keys of RFC 8410 (sections 10.3 and 10.1), as OpenSSL writes them.
const (
	rfc8410Private = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"
	rfc8410Public  = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
)

var keyIDFormat = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestSigningKeyFilesFromOpenSSLAndFromTheHub(t *testing.T) {
	t.Parallel()
	priv, err := ParseSigningKey([]byte(rfc8410Private))
	require.NoError(t, err)
	require.True(t, priv.CanSign())
	pub, err := ParseSigningKey([]byte(rfc8410Public))
	require.NoError(t, err)
	require.False(t, pub.CanSign(), "a public key only checks")
	require.Equal(t, priv.KeyID(), pub.KeyID(), "the key id is the public key's")
	require.Regexp(t, keyIDFormat, priv.KeyID())
	require.Equal(t, rfc8410Public, string(priv.PublicKeyPEM()))

	sig, err := priv.sign([]byte("payload"))
	require.NoError(t, err)
	ok, problem := pub.check(priv.KeyID(), priv.PublicKey(), []byte("payload"), sig)
	require.True(t, ok, problem)
	_, err = pub.sign([]byte("payload"))
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.ErrorContains(t, err, "public key")

	path := filepath.Join(t.TempDir(), "keys", "esf-signing.key")
	gen, err := GenerateSigningKey(path)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	loaded, err := LoadSigningKey(path)
	require.NoError(t, err)
	require.Equal(t, gen.KeyID(), loaded.KeyID())
	require.True(t, loaded.CanSign())
	_, err = GenerateSigningKey(path)
	require.ErrorIs(t, err, os.ErrExist, "an existing key is never overwritten")

	_, err = LoadSigningKey(filepath.Join(t.TempDir(), "missing.key"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSigningKeyParserRefusesWhatIsNotAnEd25519Key(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	ecPubDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	block := func(typ string, b []byte, headers map[string]string) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b, Headers: headers}))
	}
	privDER, _ := pem.Decode([]byte(rfc8410Private))
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "no PEM block"},
		{"hex seed", strings.Repeat("ab", 32), "no PEM block"},
		{"ECDSA private key", block("PRIVATE KEY", ecDER, nil), "want an Ed25519 key"},
		{"ECDSA public key", block("PUBLIC KEY", ecPubDER, nil), "want an Ed25519 key"},
		{"SEC 1 key", block("EC PRIVATE KEY", []byte{1}, nil), `a PEM "EC PRIVATE KEY" block`},
		{"encrypted", block("PRIVATE KEY", privDER.Bytes, map[string]string{"Proc-Type": "4,ENCRYPTED"}), "PEM headers"},
		{"two keys", rfc8410Private + rfc8410Private, "more than one PEM block"},
		{"truncated DER", block("PRIVATE KEY", privDER.Bytes[:20], nil), "signing key"},
	} {
		_, err := ParseSigningKey([]byte(tc.data))
		require.ErrorContains(t, err, tc.want, tc.name)
	}
	big := filepath.Join(t.TempDir(), "big.key")
	require.NoError(t, os.WriteFile(big, make([]byte, maxKeyFileBytes+1), 0o600))
	_, err = LoadSigningKey(big)
	require.ErrorContains(t, err, "not a key file")
}

func TestSignatureCheckSaysWhyItFails(t *testing.T) {
	t.Parallel()
	a, err := NewSigner(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	require.NoError(t, err)
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 1
	b, err := NewSigner(ed25519.NewKeyFromSeed(seed))
	require.NoError(t, err)
	msg := []byte("digests")
	sigA, _ := a.sign(msg)
	sigB, _ := b.sign(msg)
	for _, tc := range []struct {
		name     string
		keyID    string
		pub, sig []byte
		want     string
	}{
		{"unsigned", "", nil, nil, "not signed"},
		{"another key", b.KeyID(), b.PublicKey(), sigB, "not with the configured key"},
		{"another public key under our id", a.KeyID(), b.PublicKey(), sigB, "stored public key is not the configured key"},
		{"another message", a.KeyID(), a.PublicKey(), sigB, "does not verify"},
		{"short signature", a.KeyID(), a.PublicKey(), sigA[:10], "does not verify"},
	} {
		ok, problem := a.check(tc.keyID, tc.pub, msg, tc.sig)
		require.False(t, ok, tc.name)
		require.Contains(t, problem, tc.want, tc.name)
	}
	ok, _ := a.check(a.KeyID(), a.PublicKey(), msg, sigA)
	require.True(t, ok)
}

func TestDigestListReadsBackWhatItWrites(t *testing.T) {
	t.Parallel()
	d := digestList{keyID: "0123456789abcdef", digests: map[string]string{}}
	for _, f := range signedFields {
		d.digests[f] = strings.Repeat("0a", 32)
	}
	back, err := parseDigestList(d.String())
	require.NoError(t, err)
	require.Equal(t, d, back)
	for _, bad := range []string{"", d.String() + "extra\n", strings.Replace(d.String(), "note ", "nota ", 1),
		strings.Replace(d.String(), "v1", "v2", 1), strings.TrimSuffix(d.String(), "\n")} {
		_, err := parseDigestList(bad)
		require.Error(t, err, "%q", bad)
	}
}

func FuzzParseSigningKey(f *testing.F) {
	f.Add([]byte(rfc8410Private))
	f.Add([]byte(rfc8410Public))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte(strings.Repeat("ab", 32)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSigningKey(data)
		if err != nil {
			require.Nil(t, s)
			return
		}
		require.Regexp(t, keyIDFormat, s.KeyID())
		back, err := ParseSigningKey(s.PublicKeyPEM())
		require.NoError(t, err)
		require.Equal(t, s.KeyID(), back.KeyID())
		if s.CanSign() {
			sig, err := s.sign(data)
			require.NoError(t, err)
			ok, problem := back.check(s.KeyID(), s.PublicKey(), data, sig)
			require.True(t, ok, problem)
		}
	})
}

func FuzzParseDigestList(f *testing.F) {
	d := digestList{keyID: "0123456789abcdef", digests: map[string]string{}}
	for _, fl := range signedFields {
		d.digests[fl] = strings.Repeat("0a", 32)
	}
	f.Add(d.String())
	f.Add("")
	f.Add(digestListHeader + "\nkey 0123456789abcdef\n")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDigestList(s)
		if err != nil {
			return
		}
		require.Equal(t, s, d.String(), "only the text String writes is read")
	})
}
