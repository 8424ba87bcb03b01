package codicefiscale

import "unicode/utf8"

// oddValue and evenValue give each character's weight in the check sum, for
// characters at odd and even 1-based positions; -1 marks characters that
// cannot appear in a tax code.
var oddValue, evenValue = checkTables()

func checkTables() (odd, even [256]int8) {
	for i := range odd {
		odd[i], even[i] = -1, -1
	}
	// Odd positions use a fixed permutation, shared by a digit and the
	// letter with the same index (0 and A, 1 and B, ...).
	oddWeights := [26]int8{
		1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
		20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
	}
	for i := range 26 {
		odd['A'+i] = oddWeights[i]
		even['A'+i] = int8(i)
	}
	for i := range 10 {
		odd['0'+i] = oddWeights[i]
		even['0'+i] = int8(i)
	}
	return odd, even
}

// CheckChar returns the check character (the sixteenth) for the first fifteen
// characters of a tax code, as written: omocodic letters are weighed as
// letters, not as the digits they stand for. It checks only that first15 is
// fifteen ASCII letters or digits (either case), not the layout; Parse does
// that.
func CheckChar(first15 string) (byte, error) {
	if len(first15) != codeLen-1 {
		return 0, codeError(ErrFormat, "check character needs 15 characters, got %d", utf8.RuneCountInString(first15))
	}
	var b [codeLen - 1]byte
	for i := range len(first15) {
		c := upperASCII(first15[i])
		if evenValue[c] < 0 {
			r, _ := utf8.DecodeRuneInString(first15[i:])
			return 0, codeError(ErrFormat, "position %d: %q is not a letter or digit", i+1, r)
		}
		b[i] = c
	}
	return checkChar(b[:]), nil
}

// checkChar computes the check character of fifteen upper-case letters or
// digits already known to be valid.
func checkChar(b []byte) byte {
	sum := 0
	for i, c := range b[:codeLen-1] {
		if i%2 == 0 { // 1-based odd position
			sum += int(oddValue[c])
		} else {
			sum += int(evenValue[c])
		}
	}
	return byte('A' + sum%26)
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
