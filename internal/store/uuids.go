package store

import "github.com/jackc/pgx/v5/pgtype"

// UUIDs is ids as a uuid[] parameter ($1::uuid[]) pgx sends in binary, 16 bytes an id.
// Passed as a []string, the ids cost pgx a failed plan for the binary form on every
// statement and then the text form, for the server to parse: about 220 allocations for 50
// ids where this takes 7 (BenchmarkUUIDArrayEncode).
//
// Only the canonical text form is parsed here (8-4-4-4-12 hex digits, either case), the one
// PostgreSQL prints and the API issues. Should any id not be in it, the ids go as the text
// they are, and PostgreSQL reads them as it always did: the other forms it accepts (braces,
// no hyphens) still match, and a malformed id fails the statement with its "invalid input
// syntax for type uuid", the input error Wrap reports. Nil ids bind NULL, as a nil
// []string does.
func UUIDs(ids []string) any {
	if ids == nil {
		return uuidArray(nil)
	}
	a := make(uuidArray, len(ids))
	for i, s := range ids {
		if !parseUUID(s, &a[i].Bytes) {
			return ids
		}
		a[i].Valid = true
	}
	return a
}

// uuidArray is a uuid[] parameter pgx encodes in binary. It hands pgx each element by
// pointer, which an interface holds without allocating, where a []pgtype.UUID's elements
// are copied into an allocation each (66 allocations for 50 ids instead of 15, in
// BenchmarkUUIDArrayParam).
type uuidArray []pgtype.UUID

func (a uuidArray) Dimensions() []pgtype.ArrayDimension {
	if a == nil {
		return nil
	}
	return []pgtype.ArrayDimension{{Length: int32(len(a)), LowerBound: 1}}
}

func (a uuidArray) Index(i int) any { return &a[i] }

func (a uuidArray) IndexType() any { return (*pgtype.UUID)(nil) }

// uuidHexAt is where each byte's two hex digits start in a UUID's canonical text form.
var uuidHexAt = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// parseUUID reads s, a UUID in its canonical text form, into dst.
func parseUUID(s string, dst *[16]byte) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for j, i := range uuidHexAt {
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		if hi|lo > 0xf {
			return false
		}
		dst[j] = hi<<4 | lo
	}
	return true
}

// hexValue is the value of each hex digit, either case, and 0xff for any other byte.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()
