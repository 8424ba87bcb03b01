package store

import (
	"testing"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/pkg/globalid"
)

// FuzzParseUUID: parseUUID reads exactly the canonical form globalid.IsUUID accepts, into
// the bytes PostgreSQL (and every other UUID parser) reads from it.
func FuzzParseUUID(f *testing.F) {
	for _, s := range []string{
		"0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091", "0190A5E4-7F3C-7D2A-9B1E-4C5D6E7F8091", "",
		"{0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091}", "0190a5e47f3c7d2a9b1e4c5d6e7f8091",
		"0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f809g", "0190a5e4_7f3c-7d2a-9b1e-4c5d6e7f8091",
		"urn:uuid:0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091", "0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f809\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got [16]byte
		ok := parseUUID(s, &got)
		if ok != globalid.IsUUID(s) {
			t.Fatalf("parseUUID(%q) = %v, IsUUID = %v", s, ok, !ok)
		}
		if ok && got != uuid.MustParse(s) {
			t.Fatalf("parseUUID(%q) = %x, want %x", s, got, uuid.MustParse(s))
		}
	})
}
