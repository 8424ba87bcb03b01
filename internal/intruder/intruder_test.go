package intruder_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/intruder"
)

func terms(coefs ...int64) []intruder.Term {
	var out []intruder.Term
	for v, c := range coefs {
		if c != 0 {
			out = append(out, intruder.Term{Var: v, Coef: c})
		}
	}
	return out
}

func TestRangesOfSmallSystems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		build func(s *intruder.System)
		f     []intruder.Term
		want  intruder.Range
	}{
		{"a sum", func(s *intruder.System) { s.Equal(terms(1, 1), 3) }, terms(1), intruder.Range{Min: 0, Max: 3}},
		{"a sum of two known non-zero", func(s *intruder.System) {
			s.Equal(terms(1, 1), 3)
			s.AtLeast(terms(1), 1)
			s.AtLeast(terms(0, 1), 1)
		}, terms(1), intruder.Range{Min: 1, Max: 2}},
		{"whole numbers below a fractional bound", func(s *intruder.System) { s.AtMost(terms(2, 2), 3) }, terms(1), intruder.Range{Min: 0, Max: 1}},
		{"parity", func(s *intruder.System) {
			s.Equal(terms(2, 1), 5) // y is odd
			s.AtMost(terms(0, 1), 2)
		}, terms(0, 1), intruder.Range{Min: 1, Max: 1}},
		{"no upper bound", func(s *intruder.System) { s.Equal(terms(1, -1), 0) }, terms(1), intruder.Range{Min: 0, Unbounded: true}},
		{"a difference of two sums", func(s *intruder.System) {
			s.Equal(terms(1, 1, 0), 4)
			s.Equal(terms(0, 1, 1), 4)
			s.Equal(terms(1, 0, 1), 6)
		}, terms(0, 1), intruder.Range{Min: 1, Max: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := intruder.New(3)
			c.build(s)
			got, err := s.Range(c.f)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
	s := intruder.New(1)
	s.Equal(terms(2), 3)
	_, err := s.Range(terms(1))
	require.ErrorIs(t, err, intruder.ErrInfeasible)
}

// Random small systems with bounded unknowns: the ranges equal those found by trying
// every filling.
func TestRangesMatchEnumeration(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 5))
	for n := range 300 {
		vars := 2 + r.IntN(3)
		truth := make([]int64, vars)
		for i := range truth {
			truth[i] = int64(r.IntN(5))
		}
		s := intruder.New(vars)
		type con struct {
			coefs []int64
			kind  int
			v     int64
		}
		var cons []con
		for i := range vars {
			c := make([]int64, vars)
			c[i] = 1
			cons = append(cons, con{c, 1, 4}) // every unknown at most 4
		}
		for range 1 + r.IntN(3) {
			c := make([]int64, vars)
			var v int64
			for i := range c {
				c[i] = int64(r.IntN(5) - 1)
				v += c[i] * truth[i]
			}
			cons = append(cons, con{c, r.IntN(3), v})
		}
		for _, c := range cons {
			switch c.kind {
			case 0:
				s.Equal(terms(c.coefs...), c.v)
			case 1:
				s.AtMost(terms(c.coefs...), c.v)
			default:
				s.AtLeast(terms(c.coefs...), c.v)
			}
		}
		f := make([]int64, vars)
		for i := range f {
			f[i] = int64(r.IntN(4) - 1)
		}
		lo, hi := int64(1<<62), int64(-1<<62)
		x := make([]int64, vars)
		var walk func(k int)
		walk = func(k int) {
			if k == vars {
				for _, c := range cons {
					var v int64
					for i := range x {
						v += c.coefs[i] * x[i]
					}
					if c.kind == 0 && v != c.v || c.kind == 1 && v > c.v || c.kind == 2 && v < c.v {
						return
					}
				}
				var v int64
				for i := range x {
					v += f[i] * x[i]
				}
				lo, hi = min(lo, v), max(hi, v)
				return
			}
			for v := range int64(5) {
				x[k] = v
				walk(k + 1)
			}
		}
		walk(0)
		got, err := s.Range(terms(f...))
		require.NoError(t, err, "system %d", n)
		require.Equal(t, intruder.Range{Min: lo, Max: hi}, got, "system %d: %v", n, cons)
	}
}
