package audit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/audit"
)

func TestDigestIsCanonical(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	e := audit.Entry{At: at, Subject: "anna", Role: "social_worker", Purpose: "case_management", Operation: "query cases",
		PersonIDs: []string{"BBBBBBBB-0000-4000-8000-000000000000", "aaaaaaaa-0000-4000-8000-000000000000"}, Categories: []string{"identity", "case"}}
	n, err := e.Normalize()
	require.NoError(t, err)
	require.Equal(t, []string{"aaaaaaaa-0000-4000-8000-000000000000", "bbbbbbbb-0000-4000-8000-000000000000"}, n.PersonIDs)
	require.Equal(t, n.Digest(), e.Digest(), "order, case, zone and nanoseconds do not matter")
	for name, edit := range map[string]func(*audit.Entry){
		"subject":   func(x *audit.Entry) { x.Subject = "bruno" },
		"purpose":   func(x *audit.Entry) { x.Purpose = "statistics" },
		"person":    func(x *audit.Entry) { x.PersonIDs = x.PersonIDs[:1] },
		"category":  func(x *audit.Entry) { x.Categories = append(x.Categories, "health") },
		"time":      func(x *audit.Entry) { x.At = x.At.Add(time.Microsecond) },
		"operation": func(x *audit.Entry) { x.Operation = "mutation closeCase" },
		"shifted":   func(x *audit.Entry) { x.Subject, x.Role = "annas", "ocial_worker" },
	} {
		c := n
		c.PersonIDs = append([]string(nil), n.PersonIDs...)
		c.Categories = append([]string(nil), n.Categories...)
		edit(&c)
		require.NotEqual(t, n.Digest(), c.Digest(), name)
	}
}

func TestChainHashBindsPosition(t *testing.T) {
	t.Parallel()
	d := audit.Entry{Subject: "a"}.Digest()
	h1 := audit.ChainHash(audit.GenesisHash, 1, d)
	require.NotEqual(t, h1, audit.ChainHash(audit.GenesisHash, 2, d))
	require.NotEqual(t, h1, audit.ChainHash(h1, 1, d))
	require.Len(t, h1, 32)
}

func TestParseHead(t *testing.T) {
	t.Parallel()
	h := audit.Head{Seq: 42, Hash: make([]byte, 32)}
	got, err := audit.ParseHead(h.String())
	require.NoError(t, err)
	require.Equal(t, h, got)
	for _, bad := range []string{"", "42", ":00", "0:" + h.String()[3:], "-1:" + h.String()[3:], "x:00", "42:zz", "042:" + h.String()[3:]} {
		_, err := audit.ParseHead(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParseHead(f *testing.F) {
	f.Add("1:0000000000000000000000000000000000000000000000000000000000000000")
	f.Add("7:zz")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := audit.ParseHead(s)
		if err != nil {
			return
		}
		back, err := audit.ParseHead(h.String())
		require.NoError(t, err)
		require.Equal(t, h, back)
	})
}
