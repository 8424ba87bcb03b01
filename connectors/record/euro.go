package record

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Euro is an amount in euro cents, so that money is never a float.
type Euro int64

// ParseEuro reads a decimal such as "480", "480.5" or "480.50"; more than
// two decimals, exponents and signs other than a leading '-' are refused.
func ParseEuro(s string) (Euro, error) {
	in := s
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (hasDot && (frac == "" || !digits(frac))) {
		return 0, fmt.Errorf("%q is not a decimal amount", Clip(in))
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", Clip(in))
	}
	if len(whole) > 1 && whole[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", Clip(in))
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (1<<62)/100 {
		return 0, fmt.Errorf("%q is out of range", Clip(in))
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64) // two digits, checked above
	cents := w*100 + f
	if neg {
		cents = -cents
	}
	return Euro(cents), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats the amount with two decimals ("480.50").
func (e Euro) String() string {
	sign := ""
	c := int64(e)
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// MarshalText renders the amount as a decimal string.
func (e Euro) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (e *Euro) UnmarshalText(b []byte) error {
	v, err := ParseEuro(string(b))
	if err != nil {
		return errors.Join(errors.New("record: euro"), err)
	}
	*e = v
	return nil
}
