package intruder

import (
	"errors"
	"math"
	"math/bits"
)

// rat is an exact fraction n/d in lowest terms, d > 0. Every operation checks for
// overflow and panics with errOverflow (Range turns it into its error): the intruder is
// exact or says it cannot tell.
type rat struct{ n, d int64 }

var errOverflow = errors.New("intruder: a fraction overflowed int64")

var zero = rat{0, 1}

func whole(v int64) rat { return rat{v, 1} }

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func abs(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// mk builds sign·n/d in lowest terms from magnitudes.
func mk(neg bool, n, d uint64) rat {
	if n == 0 {
		return zero
	}
	if g := gcd(n, d); g > 1 {
		n, d = n/g, d/g
	}
	if n > math.MaxInt64 || d > math.MaxInt64 {
		panic(errOverflow)
	}
	if neg {
		return rat{-int64(n), int64(d)}
	}
	return rat{int64(n), int64(d)}
}

func mul64(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		panic(errOverflow)
	}
	return lo
}

func (a rat) mul(b rat) rat {
	if a.n == 0 || b.n == 0 {
		return zero
	}
	an, ad, bn, bd := abs(a.n), uint64(a.d), abs(b.n), uint64(b.d)
	if g := gcd(an, bd); g > 1 {
		an, bd = an/g, bd/g
	}
	if g := gcd(bn, ad); g > 1 {
		bn, ad = bn/g, ad/g
	}
	return mk((a.n < 0) != (b.n < 0), mul64(an, bn), mul64(ad, bd))
}

func (a rat) inv() rat {
	if a.n == 0 {
		panic("intruder: inverse of zero")
	}
	return mk(a.n < 0, uint64(a.d), abs(a.n))
}

func (a rat) div(b rat) rat { return a.mul(b.inv()) }

func (a rat) neg() rat { return rat{-a.n, a.d} }

func (a rat) add(b rat) rat {
	if a.n == 0 {
		return b
	}
	if b.n == 0 {
		return a
	}
	if a.d == b.d {
		return fromSum(a.n, b.n, uint64(a.d))
	}
	g := gcd(uint64(a.d), uint64(b.d))
	da, db := uint64(a.d)/g, uint64(b.d)/g
	// a.n·db + b.n·da over a.d·db
	x := signedMul(a.n, db)
	y := signedMul(b.n, da)
	return fromSum(x, y, mul64(uint64(a.d), db))
}

func (a rat) sub(b rat) rat { return a.add(b.neg()) }

func signedMul(v int64, m uint64) int64 {
	p := mul64(abs(v), m)
	if p > math.MaxInt64 {
		panic(errOverflow)
	}
	if v < 0 {
		return -int64(p)
	}
	return int64(p)
}

func fromSum(x, y int64, d uint64) rat {
	s := x + y
	if (x > 0 && y > 0 && s < 0) || (x < 0 && y < 0 && s >= 0) {
		panic(errOverflow)
	}
	return mk(s < 0, abs(s), d)
}

func (a rat) cmp(b rat) int {
	// a.n·b.d vs b.n·a.d, in 128 bits.
	l, r := wide(a.n, uint64(b.d)), wide(b.n, uint64(a.d))
	return l.cmp(r)
}

type i128 struct {
	neg    bool
	hi, lo uint64
}

func wide(v int64, m uint64) i128 {
	hi, lo := bits.Mul64(abs(v), m)
	return i128{neg: v < 0 && (hi|lo) != 0, hi: hi, lo: lo}
}

func (a i128) cmp(b i128) int {
	mag := func() int {
		switch {
		case a.hi != b.hi:
			if a.hi < b.hi {
				return -1
			}
			return 1
		case a.lo != b.lo:
			if a.lo < b.lo {
				return -1
			}
			return 1
		}
		return 0
	}
	switch {
	case a.neg && !b.neg:
		return -1
	case !a.neg && b.neg:
		return 1
	case a.neg:
		return -mag()
	}
	return mag()
}

// floor is the largest whole number at most a.
func (a rat) floor() int64 {
	q := a.n / a.d
	if a.n%a.d != 0 && a.n < 0 {
		q--
	}
	return q
}
