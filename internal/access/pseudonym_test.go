package access_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

func TestPseudonyms(t *testing.T) {
	t.Parallel()
	k1 := bytes.Repeat([]byte{1}, 32)
	k2 := bytes.Repeat([]byte{2}, 32)
	p1, err := access.NewPseudonymizer(k1)
	require.NoError(t, err)
	p2, err := access.NewPseudonymizer(k2)
	require.NoError(t, err)
	id := "0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0001"
	a := p1.Person(id)
	require.Regexp(t, regexp.MustCompile(`^ps_[a-z2-7]{26}$`), a)
	require.Equal(t, a, p1.Person(id), "stable")
	require.Equal(t, a, p1.Person("0B8F2F4E-8A52-4A57-9D4C-6A1F1D3F0001"), "UUID case does not matter")
	require.NotEqual(t, a, p1.Person("0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0002"))
	require.NotEqual(t, a, p2.Person(id), "another key, another pseudonym")
	require.NotEqual(t, p1.KeyID(), p2.KeyID())
	require.NotContains(t, a, id[:8])

	_, err = access.NewPseudonymizer(make([]byte, 16))
	require.Error(t, err)
}

func TestParsePseudonymKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key), " " + hex.EncodeToString(key) + "\n"} {
		got, err := access.ParsePseudonymKey(s)
		require.NoError(t, err, s)
		require.Equal(t, key, got)
	}
	for _, bad := range []string{"", "zz", hex.EncodeToString(key[:16]), "not a key at all!"} {
		_, err := access.ParsePseudonymKey(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParsePseudonymKey(f *testing.F) {
	f.Add(hex.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	f.Add("short")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := access.ParsePseudonymKey(s)
		if err == nil && len(k) < access.MinPseudonymKeyBytes {
			t.Fatalf("short key accepted")
		}
	})
}
