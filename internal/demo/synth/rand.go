// Package synth makes up synthetic people: households whose persons carry valid, unique tax
// codes, and their situation and first interview at entry, all drawn from one seeded source.
package synth

import (
	"errors"
	"math/rand/v2"
	"time"
)

// ErrUnrealisable marks a plan or a set of tables no draw can realise; it names a bug in
// the tables given, never bad user input.
var ErrUnrealisable = errors.New("synth: cannot realise")

// Rand is the seeded source of every draw: the same seeds make the same people.
type Rand struct {
	*rand.Rand
}

// NewRand returns a source seeded with seed1 and seed2 (PCG).
func NewRand(seed1, seed2 uint64) *Rand {
	return &Rand{rand.New(rand.NewPCG(seed1, seed2))}
}

// Between returns a date drawn uniformly from [from, to].
func (r *Rand) Between(from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, r.IntN(days+1))
}

// Chance is true with probability p.
func (r *Rand) Chance(p float64) bool { return r.Float64() < p }

// Span returns an integer drawn uniformly from [lo, hi].
func (r *Rand) Span(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// Sex draws 'F' or 'M' with even odds.
func (r *Rand) Sex() byte {
	if r.IntN(2) == 0 {
		return 'F'
	}
	return 'M'
}

// AgeBands are the age bands of the ALI chapter's Table 8.3, as completed years at entry.
var AgeBands = [5][2]int{{18, 24}, {25, 34}, {35, 44}, {45, 54}, {55, 66}}

// AgeIn draws an age, in completed years, within AgeBands[band].
func (r *Rand) AgeIn(band int) int { return r.Span(AgeBands[band][0], AgeBands[band][1]) }

// AgeAt returns the completed years of someone born on birth, on day.
func AgeAt(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}

// BirthFor returns a birth date giving exactly age completed years on ref.
func (r *Rand) BirthFor(age int, ref time.Time) time.Time {
	b := ref.AddDate(-age, 0, -r.IntN(365))
	// AddDate normalises 29 February to 1 March, one day too late in common years.
	for AgeAt(b, ref) < age {
		b = b.AddDate(0, 0, -1)
	}
	return b
}

// Pick returns one element of xs.
func Pick[T any](r *Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Weighted returns an index drawn with the given weights.
func Weighted(r *Rand, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// pickWeighted picks one of items with the weight weights gives it.
func pickWeighted[T any](r *Rand, items []T, weights []int) T {
	return items[Weighted(r, weights...)]
}

// weightsOf lists the weights of items once, for pickWeighted.
func weightsOf[T any](items []T, weight func(T) int) []int {
	ws := make([]int, len(items))
	for i, x := range items {
		ws[i] = weight(x)
	}
	return ws
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }
