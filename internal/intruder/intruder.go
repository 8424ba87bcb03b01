// Package intruder plays the intruder of statistical disclosure control: from what a set of
// tables shows, written as linear equations over unknown whole counts, it works out exactly
// how far any hidden figure can range. Tests attack the hub's published aggregates with it.
package intruder

import (
	"errors"
	"fmt"
	"sort"
)

// The solver is independent of the hub's own (internal/access): exact rational arithmetic
// (rat.go: a fraction of int64s; an overflow is an error, never a rounded answer), a
// two-phase simplex whose pivot rule falls back to Bland's (which cannot cycle), and
// branch and bound for whole numbers. It is meant for the small systems of a test, and
// bounded: a search needing more than MaxNodes linear programs is an error, never a guess.

// MaxNodes bounds the branch and bound of one maximisation.
const MaxNodes = 5000

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
	// reduced is the system after presolve, built on the first Range.
	reduced *reduced
}

type sense int8

const (
	le sense = iota
	ge
	eq
)

func (s sense) String() string { return [...]string{"≤", "≥", "="}[s] }

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
func (s *System) Equal(terms []Term, v int64) { s.add(row{terms, eq, v}) }

// AtLeast adds Σ terms ≥ v.
func (s *System) AtLeast(terms []Term, v int64) { s.add(row{terms, ge, v}) }

// AtMost adds Σ terms ≤ v.
func (s *System) AtMost(terms []Term, v int64) { s.add(row{terms, le, v}) }

func (s *System) add(r row) {
	s.rows = append(s.rows, r)
	s.reduced = nil
}

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
func (s *System) Range(f []Term) (r Range, err error) {
	defer func() {
		if e := recover(); e != nil {
			if e != errOverflow {
				panic(e)
			}
			err = errOverflow
		}
	}()
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
	if s.reduced == nil {
		r, err := presolve(s)
		if err != nil {
			return 0, false, err
		}
		s.reduced = r
	}
	red := s.reduced
	g, offset := red.form(f)
	if len(g) == 0 {
		return offset, false, nil
	}
	var best int64
	found := false
	nodes := 0
	var node func(extra []row) (bool, error)
	node = func(extra []row) (bool, error) {
		nodes++
		if nodes > MaxNodes {
			return false, fmt.Errorf("intruder: more than %d branches", MaxNodes)
		}
		base := red.feasible
		if len(extra) > 0 {
			base = phaseOne(red.vars, append(red.rows[:len(red.rows):len(red.rows)], extra...))
		}
		if base == nil {
			return false, nil
		}
		st, value, x := base.maximise(g)
		if st == unbounded {
			// At the root, with whole data and a whole solution (the true counts), an
			// unbounded relaxation means unbounded whole values too (Meyer). Deeper, say so.
			if len(extra) == 0 {
				return true, nil
			}
			return false, errors.New("intruder: an unbounded branch")
		}
		// Prune: no whole value above the incumbent below this relaxation.
		floor := value.floor()
		if found && floor <= best {
			return false, nil
		}
		for j, v := range x {
			if v.d != 1 {
				fl := v.floor()
				down := row{[]Term{{j, 1}}, le, fl}
				up := row{[]Term{{j, 1}}, ge, fl + 1}
				for _, b := range []row{down, up} {
					more := append(extra[:len(extra):len(extra)], b)
					if u, err := node(more); err != nil || u {
						return u, err
					}
				}
				return false, nil
			}
		}
		best, found = floor, true // a whole solution: its value is whole
		return false, nil
	}
	u, err := node(nil)
	if err != nil {
		return 0, false, err
	}
	if u {
		return 0, true, nil
	}
	if !found {
		return 0, false, ErrInfeasible
	}
	return best + offset, false, nil
}

// reduced is a system with the unknowns it pins down substituted: those in an equation
// or a "≤ 0" of positive coefficients (all zero), and those alone in an equation.
type reduced struct {
	fixed    map[int]int64
	col      []int // original unknown → column, or -1 when fixed
	vars     int
	rows     []row
	feasible *tableau // after phase one
}

func presolve(s *System) (*reduced, error) {
	fixed := map[int]int64{}
	rest := func(r row) ([]Term, int64) {
		m := map[int]int64{}
		rhs := r.rhs
		for _, t := range r.terms {
			if v, ok := fixed[t.Var]; ok {
				rhs -= t.Coef * v
			} else {
				m[t.Var] += t.Coef
			}
		}
		out := make([]Term, 0, len(m))
		for v, c := range m {
			if c != 0 {
				out = append(out, Term{v, c})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Var < out[j].Var })
		return out, rhs
	}
	for changed := true; changed; {
		changed = false
		for _, r := range s.rows {
			ts, rhs := rest(r)
			if len(ts) == 0 {
				continue
			}
			positive := true
			for _, t := range ts {
				positive = positive && t.Coef > 0
			}
			switch {
			case positive && rhs == 0 && (r.sense == eq || r.sense == le):
				for _, t := range ts {
					fixed[t.Var] = 0
				}
				changed = true
			case r.sense == eq && len(ts) == 1:
				if rhs%ts[0].Coef != 0 || rhs/ts[0].Coef < 0 {
					return nil, ErrInfeasible
				}
				fixed[ts[0].Var] = rhs / ts[0].Coef
				changed = true
			}
		}
	}
	red := &reduced{fixed: fixed, col: make([]int, s.vars)}
	for v := range s.vars {
		red.col[v] = -1
		if _, ok := fixed[v]; !ok {
			red.col[v] = red.vars
			red.vars++
		}
	}
	for _, r := range s.rows {
		ts, rhs := rest(r)
		if len(ts) == 0 {
			if r.sense == eq && rhs != 0 || r.sense == le && rhs < 0 || r.sense == ge && rhs > 0 {
				return nil, ErrInfeasible
			}
			continue
		}
		for i := range ts {
			ts[i].Var = red.col[ts[i].Var]
		}
		red.rows = append(red.rows, row{ts, r.sense, rhs})
	}
	red.feasible = phaseOne(red.vars, red.rows)
	if red.feasible == nil {
		return nil, ErrInfeasible
	}
	return red, nil
}

// form maps f to the reduced columns and its constant part.
func (r *reduced) form(f []Term) ([]Term, int64) {
	var out []Term
	var c int64
	for _, t := range f {
		if v, ok := r.fixed[t.Var]; ok {
			c += t.Coef * v
		} else {
			out = append(out, Term{r.col[t.Var], t.Coef})
		}
	}
	return out, c
}

type status int8

const (
	optimal status = iota
	unbounded
)

// tableau is a simplex tableau with a feasible basis; its last row holds the reduced
// costs (the objective's value negated in the last column).
type tableau struct {
	t        [][]rat
	basis    []int
	vars     int
	firstArt int
	cols     int
}

// phaseOne finds a feasible basis of x ≥ 0 and rows, or nil when there is none.
func phaseOne(vars int, rows []row) *tableau {
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
		if neg && s != eq {
			s = 1 - s // le ↔ ge
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
	t := make([][]rat, m+1)
	for i := range t {
		t[i] = make([]rat, cols+1)
		for j := range t[i] {
			t[i][j] = zero
		}
	}
	basis := make([]int, m)
	for i, r := range rows {
		sign := int64(1)
		if sh[i].neg {
			sign = -1
		}
		for _, term := range r.terms {
			t[i][term.Var] = t[i][term.Var].add(whole(sign * term.Coef))
		}
		t[i][cols] = whole(sign * r.rhs)
		if sh[i].slack >= 0 {
			if sh[i].sense == le {
				t[i][sh[i].slack] = whole(1)
			} else {
				t[i][sh[i].slack] = whole(-1)
			}
		}
		if sh[i].art >= 0 {
			t[i][sh[i].art] = whole(1)
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
					obj[j] = obj[j].add(t[i][j])
				}
			}
		}
	}
	pivotUntilOptimal(t, basis, cols, cols) // bounded: Σ artificials ≥ 0
	if obj[cols].n != 0 {
		return nil
	}
	for i := range m {
		if basis[i] < firstArt {
			continue
		}
		for j := range firstArt {
			if t[i][j].n != 0 {
				pivot(t, basis, i, j)
				break
			}
		}
	}
	return &tableau{t: t, basis: basis, vars: vars, firstArt: firstArt, cols: cols}
}

// maximise runs phase two for f on a copy of the tableau.
func (tb *tableau) maximise(f []Term) (status, rat, []rat) {
	t := make([][]rat, len(tb.t))
	for i, r := range tb.t {
		t[i] = append([]rat(nil), r...)
	}
	basis := append([]int(nil), tb.basis...)
	cols, vars := tb.cols, tb.vars
	obj := t[len(t)-1]
	for j := range obj {
		obj[j] = zero
	}
	c := make([]rat, vars)
	for j := range c {
		c[j] = zero
	}
	for _, term := range f {
		c[term.Var] = c[term.Var].add(whole(term.Coef))
	}
	copy(obj, c)
	for i, b := range basis {
		if b < vars && c[b].n != 0 {
			for j := 0; j <= cols; j++ {
				if t[i][j].n != 0 {
					obj[j] = obj[j].sub(c[b].mul(t[i][j]))
				}
			}
		}
	}
	if !pivotUntilOptimal(t, basis, tb.firstArt, cols) {
		return unbounded, zero, nil
	}
	x := make([]rat, vars)
	for j := range x {
		x[j] = zero
	}
	for i, b := range basis {
		if b < vars {
			x[b] = t[i][cols]
		}
	}
	return optimal, obj[cols].neg(), x
}

// pivotUntilOptimal pivots until no column below enter improves; false: unbounded. The
// largest reduced cost enters, or after a run of degenerate pivots the first improving
// column (Bland's rule, which cannot cycle, so the loop ends).
func pivotUntilOptimal(t [][]rat, basis []int, enter, rhs int) bool {
	m := len(t) - 1
	obj := t[m]
	degenerate := 0
	for {
		c := -1
		for j := range enter {
			if obj[j].n > 0 {
				if c < 0 || degenerate <= 10 && obj[j].cmp(obj[c]) > 0 {
					c = j
				}
				if degenerate > 10 {
					break
				}
			}
		}
		if c < 0 {
			return true
		}
		r := -1
		var best rat
		for i := range m {
			if t[i][c].n > 0 {
				ratio := t[i][rhs].div(t[i][c])
				if r < 0 {
					r, best = i, ratio
					continue
				}
				if k := ratio.cmp(best); k < 0 || k == 0 && basis[i] < basis[r] {
					r, best = i, ratio
				}
			}
		}
		if r < 0 {
			return false
		}
		if best.n == 0 {
			degenerate++
		} else {
			degenerate = 0
		}
		pivot(t, basis, r, c)
	}
}

func pivot(t [][]rat, basis []int, r, c int) {
	pr := t[r]
	inv := pr[c].inv()
	for j := range pr {
		if pr[j].n != 0 {
			pr[j] = pr[j].mul(inv)
		}
	}
	for i, row := range t {
		if i == r || row[c].n == 0 {
			continue
		}
		f := row[c]
		for j, v := range pr {
			if v.n != 0 {
				row[j] = row[j].sub(f.mul(v))
			}
		}
	}
	basis[r] = c
}
