// Package globalid encodes the API's opaque object ids: a type name and a database UUID,
// so node(id:) can find any object and a client cannot pass a case id where a person's goes.
package globalid

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ErrMalformed means the id was not produced by this API.
var ErrMalformed = errors.New("not an id issued by this API")

// Encode returns the global id of the row id of the given type.
func Encode(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// Decode splits a global id into its type and row id.
func Decode(gid string) (typ, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", "", ErrMalformed
	}
	typ, id, ok := strings.Cut(string(b), ":")
	if !ok || typ == "" || !uuidRE.MatchString(id) {
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
