package disclosure

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Linked tables: cell suppression for every table published over one population at once.
//
// Tables over the same population are linked: they share margins (the statuses of
// caseLoad's three groupings are the same numbers), and their cells are sums over the same
// finest cross-classification (status × leading organisation × departments involved). A
// cell hidden in one table can then be worked out from another, or from the two together,
// even when each table on its own passes every check. Statistical offices call protecting
// them together "global protection" (the Handbook on Statistical Disclosure Control, ch.
// 4; τ-ARGUS and sdcTable do it for linked tables): every published figure, in any of
// the tables, is written as a linear form over the same unknown cells, common figures get
// one suppression status wherever they appear, and the whole set is audited against an
// adversary who holds all of it.
//
// The audit is interval based. For each count that must not be published (a figure from 1
// to threshold-1, or a Secret such as the number of cases counted twice by the department
// table) it asks: is there a population of non-negative whole counts, satisfying every
// Bound, that gives every shown figure its published value, every suppressed figure a
// value of at least 1 (zeros are always shown, so a suppressed figure is known not to be
// zero), and this count a value of at least threshold? If there is, the adversary cannot
// tell the count from a safe one, let alone recover it (the "upper protection level" of
// the Handbook, here threshold minus the count); the true population is a second filling,
// so the count is not determined either. When there is not, one linear program picks the
// cheapest further figures to suppress (cost: their value, so small counts go before
// margins) and the audit runs again. Hiding more figures only widens the intervals, so
// the loop ends, at worst with every non-zero figure hidden, where the true population
// multiplied by threshold is a filling that passes.
//
// The answer depends on nothing but the counts and the threshold: the same population
// always gets the same suppression, however and in whatever order its tables are asked
// for, so asking again, or asking for another grouping, adds nothing to what the linked
// set as a whole gives away.

// Term is a cell of a linear form, with its coefficient.
type Term struct {
	Cell int
	Coef int64
}

// Linked is a set of linked tables over one population.
type Linked struct {
	// Cells are the true values of the unknowns: the counts of the finest
	// cross-classification the figures are sums of, or any set of non-negative counts
	// the figures are linear in, as long as Bounds say all that is known about them.
	Cells []int64
	// Figures are the published figures (table cells, margins), as linear forms over Cells.
	// Figures with the same form are one figure, suppressed alike.
	Figures [][]Term
	// Secrets are never published, yet must not be worked out when from 1 to
	// threshold-1.
	Secrets [][]Term
	// Bounds are forms that are at most 0 for every population that could exist: what an
	// adversary knows of the structure beyond non-negativity.
	Bounds [][]Term
}

// SuppressLinked decides which Figures are suppressed: every figure from 1 to threshold-1,
// and further figures until no figure or secret from 1 to threshold-1 can be told apart
// from a count of threshold or more by anyone holding every shown figure (see above).
// Zeros are always shown. It is a pure function of l and threshold.
func SuppressLinked(l Linked, threshold int) ([]bool, error) {
	if threshold < 1 {
		return nil, fmt.Errorf("access: suppress: threshold must be at least 1, got %d", threshold)
	}
	key := l.key(threshold)
	if out, ok := linkedMemo.get(key); ok {
		return out, nil
	}
	g, err := newLinkedGrid(l, int64(threshold))
	if err != nil {
		return nil, err
	}
	g.protect()
	out := make([]bool, len(l.Figures))
	for i, f := range g.figureOf {
		out[i] = g.hidden[f]
	}
	linkedMemo.put(key, out)
	return slices.Clone(out), nil
}

// key identifies a suppression problem: its threshold and every number of it.
func (l Linked) key(threshold int) [sha256.Size]byte {
	h := sha256.New()
	var buf [8]byte
	put := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	put(int64(threshold))
	put(int64(len(l.Cells)))
	for _, v := range l.Cells {
		put(v)
	}
	for _, list := range [][][]Term{l.Figures, l.Secrets, l.Bounds} {
		put(int64(len(list)))
		for _, f := range list {
			put(int64(len(f)))
			for _, t := range f {
				put(int64(t.Cell))
				put(t.Coef)
			}
		}
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// linkedMemo remembers recent answers: the same counts get the same answer anyway, and a
// dashboard asks the same questions over and over.
var linkedMemo = memo{max: 256, m: map[[sha256.Size]byte][]bool{}}

type memo struct {
	mu    sync.Mutex
	max   int
	m     map[[sha256.Size]byte][]bool
	order [][sha256.Size]byte
}

func (c *memo) get(k [sha256.Size]byte) ([]bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return slices.Clone(v), ok
}

func (c *memo) put(k [sha256.Size]byte, v []bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = v
	c.order = append(c.order, k)
}

type form []Term

func (f form) eval(x []int64) int64 {
	var s int64
	for _, t := range f {
		s += t.Coef * x[t.Cell]
	}
	return s
}

// canonical merges a form's terms by cell, in cell order, dropping zero coefficients.
func canonical(terms []Term, cells int) (form, error) {
	m := map[int]int64{}
	for _, t := range terms {
		if t.Cell < 0 || t.Cell >= cells {
			return nil, fmt.Errorf("access: suppress: term names cell %d of %d", t.Cell, cells)
		}
		m[t.Cell] += t.Coef
	}
	out := make(form, 0, len(m))
	for c, v := range m {
		if v != 0 {
			out = append(out, Term{Cell: c, Coef: v})
		}
	}
	slices.SortFunc(out, func(a, b Term) int { return a.Cell - b.Cell })
	return out, nil
}

func (f form) key() string {
	var b strings.Builder
	for _, t := range f {
		b.WriteString(strconv.Itoa(t.Cell))
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(t.Coef, 10))
		b.WriteByte(' ')
	}
	return b.String()
}

type linkedGrid struct {
	th     int64
	cells  []int64
	forms  []form  // distinct published figures
	values []int64 // their true values
	hidden []bool
	// figureOf maps each input figure to its distinct figure.
	figureOf []int
	secrets  []form
	bounds   []form
}

func newLinkedGrid(l Linked, th int64) (*linkedGrid, error) {
	g := &linkedGrid{th: th, cells: l.Cells, figureOf: make([]int, len(l.Figures))}
	for i, v := range l.Cells {
		if v < 0 {
			return nil, fmt.Errorf("access: suppress: cell %d is negative (%d)", i, v)
		}
	}
	seen := map[string]int{}
	for i, terms := range l.Figures {
		f, err := canonical(terms, len(l.Cells))
		if err != nil {
			return nil, err
		}
		k := f.key()
		d, ok := seen[k]
		if !ok {
			v := f.eval(l.Cells)
			if v < 0 {
				return nil, fmt.Errorf("access: suppress: figure %d is negative (%d)", i, v)
			}
			d = len(g.forms)
			seen[k] = d
			g.forms = append(g.forms, f)
			g.values = append(g.values, v)
		}
		g.figureOf[i] = d
	}
	for i, terms := range l.Secrets {
		f, err := canonical(terms, len(l.Cells))
		if err != nil {
			return nil, err
		}
		if v := f.eval(l.Cells); v < 0 {
			return nil, fmt.Errorf("access: suppress: secret %d is negative (%d)", i, v)
		}
		g.secrets = append(g.secrets, f)
	}
	for i, terms := range l.Bounds {
		f, err := canonical(terms, len(l.Cells))
		if err != nil {
			return nil, err
		}
		if v := f.eval(l.Cells); v > 0 {
			return nil, fmt.Errorf("access: suppress: bound %d does not hold (%d > 0)", i, v)
		}
		g.bounds = append(g.bounds, f)
	}
	g.hidden = make([]bool, len(g.forms))
	return g, nil
}

func (g *linkedGrid) small(v int64) bool { return v > 0 && v < g.th }

// protect hides the small figures, then complements until every small figure and secret
// passes the audit. Protection only grows as figures are hidden, so each count is fixed
// once, in order.
func (g *linkedGrid) protect() {
	for k, v := range g.values {
		if g.small(v) {
			g.hidden[k] = true
		}
	}
	var targets []form
	for k, v := range g.values {
		if g.small(v) {
			targets = append(targets, g.forms[k])
		}
	}
	for _, s := range g.secrets {
		if g.small(s.eval(g.cells)) {
			targets = append(targets, s)
		}
	}
	for _, s := range targets {
		for !g.protected(s) {
			if !g.complement(s) {
				break // every non-zero figure is hidden: protected by the scaled population
			}
		}
	}
}

// protected reports whether some whole-number population consistent with what is shown
// gives s a value of at least threshold, checked exactly on a filling (witness).
func (g *linkedGrid) protected(s form) bool {
	// Cheapest witness first: the true population times k, once nothing non-zero shows.
	k := (g.th + s.eval(g.cells) - 1) / s.eval(g.cells)
	scaled := make([]int64, len(g.cells))
	for i, v := range g.cells {
		scaled[i] = k * v
	}
	if g.fits(scaled, s) {
		return true
	}
	return g.search(s)
}

// fits checks a filling exactly: non-negative, every shown figure at its value, every
// hidden one at least 1, every bound, and s at least threshold.
func (g *linkedGrid) fits(x []int64, s form) bool {
	for _, v := range x {
		if v < 0 {
			return false
		}
	}
	for k, f := range g.forms {
		v := f.eval(x)
		if g.hidden[k] && v < 1 || !g.hidden[k] && v != g.values[k] {
			return false
		}
	}
	for _, b := range g.bounds {
		if b.eval(x) > 0 {
			return false
		}
	}
	return s.eval(x) >= g.th
}

// search looks for a witness with the linear program of the audit: the cells a shown
// single-cell figure fixes are substituted, the others are variables; a fractional vertex
// is branched on, a few hundred nodes at most (no answer counts as not protected).
func (g *linkedGrid) search(s form) bool {
	fixed := make([]int64, len(g.cells))
	isFixed := make([]bool, len(g.cells))
	for k, f := range g.forms {
		if !g.hidden[k] && len(f) == 1 && g.values[k]%f[0].Coef == 0 {
			isFixed[f[0].Cell], fixed[f[0].Cell] = true, g.values[k]/f[0].Coef
		}
	}
	col := make([]int, len(g.cells))
	n := 0
	for c := range g.cells {
		col[c] = -1
		if !isFixed[c] {
			col[c] = n
			n++
		}
	}
	p := &lpProblem{vars: n}
	// row turns a form into a row over the variables; ok is false when the form is a
	// constant (then c is its value).
	row := func(f form) (coef []float64, c float64, ok bool) {
		coef = make([]float64, n)
		for _, t := range f {
			if isFixed[t.Cell] {
				c += float64(t.Coef * fixed[t.Cell])
			} else {
				coef[col[t.Cell]] += float64(t.Coef)
				ok = true
			}
		}
		return coef, c, ok
	}
	addRow := func(f form, sense lpSense, rhs float64) bool {
		coef, c, ok := row(f)
		if !ok {
			switch sense {
			case lpEQ:
				return math.Abs(c-rhs) < 0.5
			case lpGE:
				return c >= rhs-0.5
			default:
				return c <= rhs+0.5
			}
		}
		p.add(coef, sense, rhs-c)
		return true
	}
	for k, f := range g.forms {
		sense, rhs := lpEQ, float64(g.values[k])
		if g.hidden[k] {
			sense, rhs = lpGE, 1
		}
		if !addRow(f, sense, rhs) {
			return false
		}
	}
	for _, b := range g.bounds {
		if !addRow(b, lpLE, 0) {
			return false
		}
	}
	if !addRow(s, lpGE, float64(g.th)) {
		return false
	}
	nodes := 0
	var branch func(p *lpProblem) bool
	branch = func(p *lpProblem) bool {
		nodes++
		if nodes > 200 {
			return false
		}
		st, x := p.solve()
		if st != lpOptimal {
			return false
		}
		frac := -1
		for j, v := range x {
			if math.Abs(v-math.Round(v)) > 1e-6 {
				frac = j
				break
			}
		}
		if frac < 0 {
			fill := slices.Clone(fixed)
			for c := range g.cells {
				if !isFixed[c] {
					fill[c] = int64(math.Round(x[col[c]]))
				}
			}
			return g.fits(fill, s)
		}
		for _, down := range []bool{true, false} {
			q := &lpProblem{vars: p.vars, rows: slices.Clone(p.rows)}
			unit := make([]float64, p.vars)
			unit[frac] = 1
			if down {
				q.add(unit, lpLE, math.Floor(x[frac]))
			} else {
				q.add(unit, lpGE, math.Ceil(x[frac]))
			}
			if branch(q) {
				return true
			}
		}
		return false
	}
	return branch(p)
}

// complement hides the shown figures that the cheapest way of giving s a value of
// threshold has to move, found by a linear program: every figure may move at a cost of
// its value per unit, the suppressed ones and those that would move stay at least 1,
// zeros stay 0. When the program moves nothing (its answer was fractional and no whole
// filling followed) it hides the smallest non-zero figure sharing a cell with s, else the
// smallest non-zero figure left. It reports whether it hid anything.
func (g *linkedGrid) complement(s form) bool {
	// Cells of a shown zero with non-negative coefficients are zero.
	zero := make([]bool, len(g.cells))
	for k, f := range g.forms {
		if g.values[k] == 0 && !g.hidden[k] && allPositive(f) {
			for _, t := range f {
				zero[t.Cell] = true
			}
		}
	}
	col := make([]int, len(g.cells))
	n := 0
	for c := range g.cells {
		col[c] = -1
		if !zero[c] {
			col[c] = n
			n++
		}
	}
	var movable []int // shown non-zero figures
	for k := range g.forms {
		if !g.hidden[k] && g.values[k] != 0 {
			movable = append(movable, k)
		}
	}
	dev := map[int]int{} // figure → index of its upward deviation; downward is next
	vars := n
	for _, k := range movable {
		dev[k] = vars
		vars += 2
	}
	p := &lpProblem{vars: vars, obj: make([]float64, vars)}
	row := func(f form) ([]float64, bool) {
		coef := make([]float64, vars)
		ok := false
		for _, t := range f {
			if !zero[t.Cell] {
				coef[col[t.Cell]] += float64(t.Coef)
				ok = true
			}
		}
		return coef, ok
	}
	for k, f := range g.forms {
		coef, ok := row(f)
		if !ok {
			continue
		}
		switch {
		case !g.hidden[k] && g.values[k] == 0:
			p.add(coef, lpEQ, 0)
		case !g.hidden[k]:
			eq := slices.Clone(coef)
			d := dev[k]
			eq[d], eq[d+1] = -1, 1
			p.add(eq, lpEQ, float64(g.values[k]))
			p.add(coef, lpGE, 1)
			p.obj[d], p.obj[d+1] = -float64(g.values[k]), -float64(g.values[k])
		default:
			p.add(coef, lpGE, 1)
		}
	}
	for _, b := range g.bounds {
		if coef, ok := row(b); ok {
			p.add(coef, lpLE, 0)
		}
	}
	if coef, ok := row(s); ok {
		p.add(coef, lpGE, float64(g.th))
	}
	hid := false
	if st, x := p.solve(); st == lpOptimal {
		for _, k := range movable {
			d := dev[k]
			if x[d]+x[d+1] > 1e-7 {
				g.hidden[k] = true
				hid = true
			}
		}
	}
	if hid {
		return true
	}
	inS := map[int]bool{}
	for _, t := range s {
		inS[t.Cell] = true
	}
	best, bestNear := -1, -1
	for _, k := range movable {
		near := false
		for _, t := range g.forms[k] {
			near = near || inS[t.Cell]
		}
		if near && (bestNear < 0 || g.values[k] < g.values[bestNear]) {
			bestNear = k
		}
		if best < 0 || g.values[k] < g.values[best] {
			best = k
		}
	}
	if bestNear >= 0 {
		best = bestNear
	}
	if best < 0 {
		return false
	}
	g.hidden[best] = true
	return true
}

func allPositive(f form) bool {
	for _, t := range f {
		if t.Coef < 0 {
			return false
		}
	}
	return true
}
