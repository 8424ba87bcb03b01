package globalid

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	gid := Encode("Case", "0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d")
	typ, id, err := Decode(gid)
	require.NoError(t, err)
	require.Equal(t, "Case", typ)
	require.Equal(t, "0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d", id)

	_, err = DecodeAs(gid, "Person")
	require.EqualError(t, err, "is a Case id, not a Person id")

	// As base64 encodes the text "type:id", for a type name of any length.
	long := strings.Repeat("T", 200)
	for _, typ := range []string{"Case", long} {
		want := base64.RawURLEncoding.EncodeToString([]byte(typ + ":0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d"))
		require.Equal(t, want, Encode(typ, "0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d"))
	}
}

// An id costs the allocation of its encoded text only.
func TestEncodeAllocations(t *testing.T) {
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = Encode("Case", "0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d") }))
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "!!", Encode("Case", "not-a-uuid"), Encode("", "0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d"), "Q2FzZQ"} {
		_, _, err := Decode(in)
		require.ErrorIs(t, err, ErrMalformed, in)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode("Case", "0b5e2a4c-1f0e-4c4e-9a57-6f1d2a3b4c5d"))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		typ, id, err := Decode(s)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to an id that decodes the same.
		typ2, id2, err := Decode(Encode(typ, id))
		require.NoError(t, err)
		require.Equal(t, typ, typ2)
		require.Equal(t, id, id2)
	})
}
