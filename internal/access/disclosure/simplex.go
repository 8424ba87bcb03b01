package disclosure

import "math"

// A small dense two-phase simplex for the linear programs of cell suppression (linked.go).
// Its answers only ever guide the search: every claim that a count is protected rests on a
// whole-number filling checked exactly in integers (linked.go, witness), so a rounding
// error here can cost an extra suppression but never a disclosure.

type lpSense int8

const (
	lpLE lpSense = iota // coef·x ≤ rhs
	lpGE                // coef·x ≥ rhs
	lpEQ                // coef·x = rhs
)

type lpRow struct {
	coef  []float64
	sense lpSense
	rhs   float64
}

// lpProblem is: maximise obj·x subject to rows, x ≥ 0. A nil obj asks for any feasible
// point (phase one only).
type lpProblem struct {
	vars int
	rows []lpRow
	obj  []float64
}

type lpStatus int8

const (
	lpOptimal lpStatus = iota
	lpInfeasible
	lpUnbounded
	lpStalled // iteration limit: treated by callers as "no answer"
)

const lpEps = 1e-9

func (p *lpProblem) add(coef []float64, sense lpSense, rhs float64) {
	p.rows = append(p.rows, lpRow{coef: coef, sense: sense, rhs: rhs})
}

// solve returns the status and, when optimal, a basic solution.
func (p *lpProblem) solve() (lpStatus, []float64) {
	m := len(p.rows)
	n := p.vars
	// Columns: the variables, one slack or surplus per inequality, one artificial per
	// ≥ or = row, then the right-hand side.
	slack := make([]int, m)
	art := make([]int, m)
	cols := n
	for i, r := range p.rows {
		s := r.sense
		if r.rhs < 0 {
			s = flip(s)
		}
		slack[i], art[i] = -1, -1
		if s != lpEQ {
			slack[i] = cols
			cols++
		}
	}
	firstArt := cols
	for i, r := range p.rows {
		s := r.sense
		if r.rhs < 0 {
			s = flip(s)
		}
		if s != lpLE {
			art[i] = cols
			cols++
		}
	}
	w := cols + 1
	t := make([][]float64, m+1) // row m is the objective's reduced costs
	for i := range t {
		t[i] = make([]float64, w)
	}
	basis := make([]int, m)
	for i, r := range p.rows {
		sign := 1.0
		s := r.sense
		if r.rhs < 0 {
			sign, s = -1, flip(s)
		}
		for j, v := range r.coef {
			t[i][j] = sign * v
		}
		t[i][cols] = sign * r.rhs
		if slack[i] >= 0 {
			if s == lpLE {
				t[i][slack[i]] = 1
			} else {
				t[i][slack[i]] = -1
			}
		}
		if art[i] >= 0 {
			t[i][art[i]] = 1
			basis[i] = art[i]
		} else {
			basis[i] = slack[i]
		}
	}
	// Phase one: maximise −Σ artificials.
	obj := t[m]
	for i := range m {
		if art[i] >= 0 {
			for j := 0; j <= cols; j++ {
				if j < firstArt || j == cols {
					obj[j] += t[i][j]
				}
			}
		}
	}
	if st := iterate(t, basis, cols, cols); st != lpOptimal {
		return lpStalled, nil
	}
	if obj[cols] > 1e-7 {
		return lpInfeasible, nil
	}
	// Drive the artificials still basic (at zero) out where a real column can replace them.
	for i := range m {
		if basis[i] < firstArt {
			continue
		}
		for j := range firstArt {
			if math.Abs(t[i][j]) > 1e-7 {
				pivot(t, basis, i, j)
				break
			}
		}
	}
	// Phase two: artificial columns never enter again.
	for j := range obj {
		obj[j] = 0
	}
	if p.obj != nil {
		for j, v := range p.obj {
			obj[j] = v
		}
		for i := range m {
			if b := basis[i]; b < n && p.obj[b] != 0 {
				c := p.obj[b]
				for j := 0; j <= cols; j++ {
					obj[j] -= c * t[i][j]
				}
			}
		}
		switch iterate(t, basis, firstArt, cols) {
		case lpUnbounded:
			return lpUnbounded, nil
		case lpStalled:
			return lpStalled, nil
		}
	}
	x := make([]float64, n)
	for i, b := range basis {
		if b < n {
			x[b] = t[i][cols]
		}
	}
	return lpOptimal, x
}

func flip(s lpSense) lpSense {
	switch s {
	case lpLE:
		return lpGE
	case lpGE:
		return lpLE
	}
	return s
}

// iterate pivots until no column below enter has a positive reduced cost (row len(t)-1
// holds them, the objective's value negated in column rhs). Dantzig's rule, with Bland's
// after a run of degenerate pivots so that it cannot cycle.
func iterate(t [][]float64, basis []int, enter, rhs int) lpStatus {
	m := len(t) - 1
	obj := t[m]
	degenerate := 0
	limit := 50 * (m + rhs + 10)
	for range limit {
		c := -1
		if degenerate > 20 {
			for j := range enter {
				if obj[j] > lpEps {
					c = j
					break
				}
			}
		} else {
			best := lpEps
			for j := range enter {
				if obj[j] > best {
					best, c = obj[j], j
				}
			}
		}
		if c < 0 {
			return lpOptimal
		}
		r := -1
		var ratio float64
		for i := range m {
			if t[i][c] > lpEps {
				q := t[i][rhs] / t[i][c]
				if r < 0 || q < ratio-lpEps || (q < ratio+lpEps && basis[i] < basis[r]) {
					r, ratio = i, q
				}
			}
		}
		if r < 0 {
			return lpUnbounded
		}
		if ratio < lpEps {
			degenerate++
		} else {
			degenerate = 0
		}
		pivot(t, basis, r, c)
	}
	return lpStalled
}

func pivot(t [][]float64, basis []int, r, c int) {
	pr := t[r]
	pv := pr[c]
	// The tableau is sparse: update the other rows only where the pivot row is not zero.
	nz := make([]int, 0, 64)
	for j := range pr {
		if pr[j] != 0 {
			pr[j] /= pv
			nz = append(nz, j)
		}
	}
	pr[c] = 1
	for i, row := range t {
		if i == r {
			continue
		}
		f := row[c]
		if f == 0 {
			continue
		}
		for _, j := range nz {
			row[j] -= f * pr[j]
		}
		row[c] = 0
	}
	basis[r] = c
}
