package synth

import (
	"fmt"
	"slices"
)

// Tables are the published counts of a group of participants: by gender, by origin, by
// age band (AgeBands) and by household size (1 to 6). Counts that add up to less than
// WithData are the values the tables report missing; participants beyond WithData have no
// data at all.
type Tables struct {
	Participants int
	WithData     int
	Male, Female int
	Italy, Other int
	Ages         [5]int
	Sizes        [6]int
}

// Profiles are participant profiles before realisation: one slot per participant. Each
// attribute is a list holding exactly the tables' counts, shuffled independently; fixing a
// slot's value swaps it with another slot, so the counts never move.
type Profiles struct {
	Gender []string // "M", "F", "" missing
	Origin []string // "IT", "XX" another country, "" missing
	Band   []int    // index into AgeBands, -1 missing
	Size   []int    // 1-6, 0 missing
	Locked []bool
	Mother []bool // single mother
}

func repeat[T any](dst []T, v T, n int) []T {
	for range n {
		dst = append(dst, v)
	}
	return dst
}

// NewProfiles lays out one slot per participant of t, with draws from r.
func NewProfiles(r *Rand, t Tables) (*Profiles, error) {
	n, w := t.Participants, t.WithData
	s := &Profiles{Locked: make([]bool, n), Mother: make([]bool, n)}
	s.Gender = repeat(repeat(make([]string, 0, n), "M", t.Male), "F", t.Female)
	s.Origin = repeat(repeat(make([]string, 0, n), "IT", t.Italy), "XX", t.Other)
	for b, c := range t.Ages {
		s.Band = repeat(s.Band, b, c)
	}
	for sz, c := range t.Sizes {
		s.Size = repeat(s.Size, sz+1, c)
	}
	if len(s.Gender) > w || len(s.Origin) > w || len(s.Band) > w || len(s.Size) > w {
		return nil, fmt.Errorf("%w: a table counts more than the %d participants with data", ErrUnrealisable, w)
	}
	s.Gender = repeat(s.Gender, "", n-len(s.Gender))
	s.Origin = repeat(s.Origin, "", n-len(s.Origin))
	s.Band = repeat(s.Band, -1, n-len(s.Band))
	s.Size = repeat(s.Size, 0, n-len(s.Size))
	// Missing values within the participants with data are spread among them; the
	// participants without data stay at the end, missing everything.
	r.Shuffle(w, func(i, j int) { s.Gender[i], s.Gender[j] = s.Gender[j], s.Gender[i] })
	r.Shuffle(w, func(i, j int) { s.Origin[i], s.Origin[j] = s.Origin[j], s.Origin[i] })
	r.Shuffle(w, func(i, j int) { s.Band[i], s.Band[j] = s.Band[j], s.Band[i] })
	r.Shuffle(w, func(i, j int) { s.Size[i], s.Size[j] = s.Size[j], s.Size[i] })
	for i := w; i < n; i++ {
		s.Locked[i] = true
	}
	return s, nil
}

// swapTo gives slot i the value v, taking it from an unlocked slot that has it.
func swapTo[T comparable](vals []T, locked []bool, i int, v T) error {
	if vals[i] == v {
		return nil
	}
	for j := range vals {
		if j != i && !locked[j] && vals[j] == v {
			vals[i], vals[j] = vals[j], vals[i]
			return nil
		}
	}
	return fmt.Errorf("%w: no free slot with value %v", ErrUnrealisable, v)
}

// Claim fixes the next free slot to a given profile and locks it: a participant whose
// story is told keeps the counts true.
func (s *Profiles) Claim(gender, origin string, band, size int) (int, error) {
	i := slices.Index(s.Locked, false)
	if i < 0 {
		return 0, fmt.Errorf("%w: no free slot for a narrated participant", ErrUnrealisable)
	}
	s.Locked[i] = true
	for _, err := range []error{swapTo(s.Gender, s.Locked, i, gender), swapTo(s.Origin, s.Locked, i, origin),
		swapTo(s.Band, s.Locked, i, band), swapTo(s.Size, s.Locked, i, size)} {
		if err != nil {
			return 0, err
		}
	}
	return i, nil
}

// ChooseMothers marks count slots as single mothers: women in households of two or more,
// old enough for their children. Household sizes move between slots when too few women
// qualify.
func (s *Profiles) ChooseMothers(r *Rand, count int) error {
	fits := func(i int) bool {
		if s.Locked[i] || s.Gender[i] != "F" || s.Size[i] < 2 {
			return false
		}
		return (s.Band[i] >= 1 && s.Band[i] <= 3) || (s.Band[i] == 0 && s.Size[i] <= 3)
	}
	for {
		n := 0
		for i := range s.Size {
			if fits(i) {
				n++
			}
		}
		if n >= count {
			break
		}
		from, to := -1, -1
		for i := range s.Size {
			if !s.Locked[i] && s.Gender[i] == "F" && s.Size[i] == 1 && s.Band[i] >= 1 && s.Band[i] <= 3 {
				to = i
			}
			if !s.Locked[i] && s.Gender[i] == "M" && s.Size[i] >= 2 {
				from = i
			}
		}
		if from < 0 || to < 0 {
			return fmt.Errorf("%w: only %d of %d single mothers fit the tables", ErrUnrealisable, n, count)
		}
		s.Size[from], s.Size[to] = s.Size[to], s.Size[from]
	}
	order := r.Perm(len(s.Size))
	// Mothers aged 25-54 first; the youngest only when needed.
	for pass := 0; pass < 2 && count > 0; pass++ {
		for _, i := range order {
			if count > 0 && fits(i) && (pass == 1 || s.Band[i] >= 1) {
				s.Mother[i], s.Locked[i] = true, true
				count--
			}
		}
	}
	return nil
}
