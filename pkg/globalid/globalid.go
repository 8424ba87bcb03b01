// Package globalid encodes the API's opaque object ids: a type name and a database UUID,
// so node(id:) can find any object and a client cannot pass a case id where a person's goes.
package globalid

import (
	"encoding/base64"
	"errors"
	"strings"
	"unsafe"
)

// IsUUID reports whether s is a UUID in its text form, hex digits in either case.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isLowerUUID is IsUUID in the lower case the database prints, the only form ids are
// issued in.
func isLowerUUID(s string) bool { return IsUUID(s) && strings.ToLower(s) == s }

// ErrMalformed means the id was not produced by this API.
var ErrMalformed = errors.New("not an id issued by this API")

// Encode returns the global id of the row id of the given type.
func Encode(typ, id string) string {
	// Every object a page returns has an id: the "type:id" text is put together on the
	// stack, and only the encoded id is allocated.
	var stack [96]byte
	raw := stack[:0]
	if n := len(typ) + 1 + len(id); n > len(stack) {
		raw = make([]byte, 0, n)
	}
	raw = append(append(append(raw, typ...), ':'), id...)
	out := make([]byte, base64.RawURLEncoding.EncodedLen(len(raw)))
	base64.RawURLEncoding.Encode(out, raw)
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// Decode splits a global id into its type and row id.
func Decode(gid string) (typ, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", "", ErrMalformed
	}
	typ, id, ok := strings.Cut(string(b), ":")
	if !ok || typ == "" || !isLowerUUID(id) {
		return "", "", ErrMalformed
	}
	return typ, id, nil
}

// DecodeAs returns the row id of a global id that must be of type want.
func DecodeAs(gid, want string) (string, error) {
	typ, id, err := Decode(gid)
	if err != nil {
		return "", err
	}
	if typ != want {
		return "", errors.New("is a " + typ + " id, not a " + want + " id")
	}
	return id, nil
}
