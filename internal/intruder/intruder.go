// Package intruder plays the intruder of statistical disclosure control: from what a set of
// tables shows, written as linear equations over unknown whole counts, it works out exactly
// how far any hidden figure can range. Tests attack the hub's published aggregates with it.
package intruder

import (
	"errors"
	"fmt"
	"math/big"
)

// The solver is independent of the hub's own (internal/access): exact rational arithmetic,
// a two-phase simplex with Bland's rule (which cannot cycle), and branch and bound for
// whole numbers. It is meant for the small systems of a test, and bounded: a search that
// needs more than MaxNodes linear programs is an error, never a guess.

// MaxNodes bounds the branch and bound of one Range.
const MaxNodes = 2000

// Term is an unknown of a linear form, with its coefficient.
type Term struct {
	Var  int
	Coef int64
}

// System is what the intruder knows: unknowns that are whole and non-negative, and linear
// equalities and inequalities over them.
type System struct {
	vars int
	rows []row
}

type sense int8

const (
	le sense = iota
	ge
	eq
)

type row struct {
	terms []Term
	sense sense
	rhs   int64
}

// New is a system of vars unknowns and no constraint yet.
func New(vars int) *System { return &System{vars: vars} }

// Vars is the number of unknowns.
func (s *System) Vars() int { return s.vars }

// Equal adds Σ terms = v.
func (s *System) Equal(terms []Term, v int64) { s.rows = append(s.rows, row{terms, eq, v}) }

// AtLeast adds Σ terms ≥ v.
func (s *System) AtLeast(terms []Term, v int64) { s.rows = append(s.rows, row{terms, ge, v}) }

// AtMost adds Σ terms ≤ v.
func (s *System) AtMost(terms []Term, v int64) { s.rows = append(s.rows, row{terms, le, v}) }

// Range is the set of whole values a linear form takes over the system's solutions.
type Range struct {
	Min, Max int64
	// Unbounded: no largest value (Max is then meaningless).
	Unbounded bool
}

// Determined reports whether the form has one possible value: recovered.
func (r Range) Determined() bool { return !r.Unbounded && r.Min == r.Max }

func (r Range) String() string {
	if r.Unbounded {
		return fmt.Sprintf("[%d, ∞)", r.Min)
	}
	return fmt.Sprintf("[%d, %d]", r.Min, r.Max)
}

// ErrInfeasible is returned for a system no whole counts satisfy.
var ErrInfeasible = errors.New("intruder: the system has no solution")

// Range works out the smallest and largest whole value of f over every non-negative
// whole solution of the system.
func (s *System) Range(f []Term) (Range, error) {
	hi, unbounded, err := s.maximise(f)
	if err != nil {
		return Range{}, err
	}
	neg := make([]Term, len(f))
	for i, t := range f {
		neg[i] = Term{t.Var, -t.Coef}
	}
	lo, below, err := s.maximise(neg)
	if err != nil {
		return Range{}, err
	}
	if below {
		return Range{}, errors.New("intruder: a form with no smallest value")
	}
	return Range{Min: -lo, Max: hi, Unbounded: unbounded}, nil
}

// maximise returns the largest whole value of f, or unbounded.
func (s *System) maximise(f []Term) (int64, bool, error) {
	for _, t := range f {
		if t.Var < 0 || t.Var >= s.vars {
			return 0, false, fmt.Errorf("intruder: unknown %d of %d", t.Var, s.vars)
		}
	}
	var best *big.Int
	nodes := 0
	var node func(extra []row) (bool, error)
	node = func(extra []row) (bool, error) {
		nodes++
		if nodes > MaxNodes {
			return false, fmt.Errorf("intruder: more than %d branches", MaxNodes)
		}
		st, value, x := lp(s.vars, append(s.rows[:len(s.rows):len(s.rows)], extra...), f)
		switch st {
		case infeasible:
			return false, nil
		case unbounded:
			// At the root, with whole data and a whole solution (the true counts), an
			// unbounded relaxation means unbounded whole values too (Meyer). Deeper, say so.
			if len(extra) == 0 {
				return true, nil
			}
			return false, errors.New("intruder: an unbounded branch")
		}
		// Prune: no whole value above the incumbent below this relaxation.
		floor := new(big.Int).Div(value.Num(), value.Denom())
		if best != nil && floor.Cmp(best) <= 0 {
			return false, nil
		}
		for j, v := range x {
			if !v.IsInt() {
				fl := new(big.Int).Div(v.Num(), v.Denom())
				down := row{[]Term{{j, 1}}, le, fl.Int64()}
				up := row{[]Term{{j, 1}}, ge, fl.Int64() + 1}
				for _, b := range []row{down, up} {
					more := append(extra[:len(extra):len(extra)], b)
					if u, err := node(more); err != nil || u {
						return u, err
					}
				}
				return false, nil
			}
		}
		best = floor // whole solution: its value is whole
		return false, nil
	}
	u, err := node(nil)
	if err != nil {
		return 0, false, err
	}
	if u {
		return 0, true, nil
	}
	if best == nil {
		return 0, false, ErrInfeasible
	}
	return best.Int64(), false, nil
}

type status int8

const (
	optimal status = iota
	infeasible
	unbounded
)

// lp maximises f over the rational relaxation: x ≥ 0 and rows.
func lp(vars int, rows []row, f []Term) (status, *big.Rat, []*big.Rat) {
	m := len(rows)
	// Columns: unknowns, a slack per inequality, an artificial per ≥ or = row, rhs.
	type shape struct {
		sense      sense
		neg        bool
		slack, art int
	}
	sh := make([]shape, m)
	cols := vars
	for i, r := range rows {
		s := r.sense
		neg := r.rhs < 0
		if neg {
			switch s {
			case le:
				s = ge
			case ge:
				s = le
			}
		}
		sh[i] = shape{sense: s, neg: neg, slack: -1, art: -1}
		if s != eq {
			sh[i].slack = cols
			cols++
		}
	}
	firstArt := cols
	for i := range rows {
		if sh[i].sense != le {
			sh[i].art = cols
			cols++
		}
	}
	t := make([][]*big.Rat, m+1)
	for i := range t {
		t[i] = make([]*big.Rat, cols+1)
		for j := range t[i] {
			t[i][j] = new(big.Rat)
		}
	}
	basis := make([]int, m)
	for i, r := range rows {
		sign := int64(1)
		if sh[i].neg {
			sign = -1
		}
		for _, term := range r.terms {
			t[i][term.Var].Add(t[i][term.Var], big.NewRat(sign*term.Coef, 1))
		}
		t[i][cols].SetInt64(sign * r.rhs)
		if sh[i].slack >= 0 {
			if sh[i].sense == le {
				t[i][sh[i].slack].SetInt64(1)
			} else {
				t[i][sh[i].slack].SetInt64(-1)
			}
		}
		if sh[i].art >= 0 {
			t[i][sh[i].art].SetInt64(1)
			basis[i] = sh[i].art
		} else {
			basis[i] = sh[i].slack
		}
	}
	obj := t[m]
	for i := range m {
		if sh[i].art >= 0 {
			for j := 0; j <= cols; j++ {
				if j < firstArt || j == cols {
					obj[j].Add(obj[j], t[i][j])
				}
			}
		}
	}
	if !bland(t, basis, cols, cols) {
		return unbounded, nil, nil // cannot happen in phase one
	}
	if obj[cols].Sign() != 0 {
		return infeasible, nil, nil
	}
	for i := range m {
		if basis[i] < firstArt {
			continue
		}
		for j := range firstArt {
			if t[i][j].Sign() != 0 {
				ratPivot(t, basis, i, j)
				break
			}
		}
	}
	for j := range obj {
		obj[j].SetInt64(0)
	}
	c := make([]*big.Rat, vars)
	for j := range c {
		c[j] = new(big.Rat)
	}
	for _, term := range f {
		c[term.Var].Add(c[term.Var], big.NewRat(term.Coef, 1))
	}
	for j := range vars {
		obj[j].Set(c[j])
	}
	tmp := new(big.Rat)
	for i, b := range basis {
		if b < vars && c[b].Sign() != 0 {
			for j := 0; j <= cols; j++ {
				if t[i][j].Sign() != 0 {
					obj[j].Sub(obj[j], tmp.Mul(c[b], t[i][j]))
				}
			}
		}
	}
	if !bland(t, basis, firstArt, cols) {
		return unbounded, nil, nil
	}
	x := make([]*big.Rat, vars)
	for j := range x {
		x[j] = new(big.Rat)
	}
	for i, b := range basis {
		if b < vars {
			x[b].Set(t[i][cols])
		}
	}
	value := new(big.Rat).Neg(obj[cols])
	return optimal, value, x
}

// bland pivots by Bland's rule until no column below enter improves; false: unbounded.
func bland(t [][]*big.Rat, basis []int, enter, rhs int) bool {
	m := len(t) - 1
	obj := t[m]
	ratio, best := new(big.Rat), new(big.Rat)
	for {
		c := -1
		for j := range enter {
			if obj[j].Sign() > 0 {
				c = j
				break
			}
		}
		if c < 0 {
			return true
		}
		r := -1
		for i := range m {
			if t[i][c].Sign() > 0 {
				ratio.Quo(t[i][rhs], t[i][c])
				if r < 0 {
					r = i
					best.Set(ratio)
					continue
				}
				if k := ratio.Cmp(best); k < 0 || k == 0 && basis[i] < basis[r] {
					r = i
					best.Set(ratio)
				}
			}
		}
		if r < 0 {
			return false
		}
		ratPivot(t, basis, r, c)
	}
}

func ratPivot(t [][]*big.Rat, basis []int, r, c int) {
	pr := t[r]
	inv := new(big.Rat).Inv(pr[c])
	for j := range pr {
		if pr[j].Sign() != 0 {
			pr[j].Mul(pr[j], inv)
		}
	}
	tmp := new(big.Rat)
	for i, row := range t {
		if i == r || row[c].Sign() == 0 {
			continue
		}
		f := new(big.Rat).Set(row[c])
		for j, v := range pr {
			if v.Sign() != 0 {
				row[j].Sub(row[j], tmp.Mul(f, v))
			}
		}
	}
	basis[r] = c
}
