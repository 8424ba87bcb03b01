package synth_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo/synth"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

func TestProfilesKeepTheTablesCountsWhenClaimed(t *testing.T) {
	t.Parallel()
	tables := synth.Tables{Participants: 63, WithData: 50, Male: 22, Female: 28, Italy: 32, Other: 18,
		Ages: [5]int{2, 7, 14, 18, 8}, Sizes: [6]int{24, 9, 7, 3, 2, 5}}
	p, err := synth.NewProfiles(synth.NewRand(1, 2), tables)
	require.NoError(t, err)
	_, err = p.Claim("M", "IT", 0, 3)
	require.NoError(t, err)
	require.NoError(t, p.ChooseMothers(synth.NewRand(3, 4), 8))

	count := func(xs []string, v string) int {
		n := 0
		for _, x := range xs {
			if x == v {
				n++
			}
		}
		return n
	}
	require.Equal(t, 22, count(p.Gender, "M"))
	require.Equal(t, 28, count(p.Gender, "F"))
	require.Equal(t, 32, count(p.Origin, "IT"))
	require.Equal(t, 18, count(p.Origin, "XX"))
	mothers := 0
	for i, m := range p.Mother {
		if m {
			mothers++
			require.Equal(t, "F", p.Gender[i])
			require.GreaterOrEqual(t, p.Size[i], 2)
		}
	}
	require.Equal(t, 8, mothers)
}

func TestHouseholdsGetValidUniqueTaxCodes(t *testing.T) {
	t.Parallel()
	r := synth.NewRand(7, 7)
	people := synth.NewPeople()
	out := &bulk.Data{}
	ref := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for range 300 {
		plan := r.PlanHousehold(synth.PlanInput{Sex: r.Sex(), Age: r.AgeIn(r.IntN(5)), Size: 1 + r.IntN(6)})
		h, err := people.AddHousehold(r, out, plan, synth.HouseholdOptions{Origin: r.Foreign(),
			Residence: r.Residence().Belfiore, Ref: ref, YearsInItaly: 10})
		require.NoError(t, err)
		require.Len(t, h.Members, len(plan))
		for i := range h.Members {
			require.Equal(t, plan[i].Age, h.AgeOf(i, ref), "member %d of %s", i, h.Key)
		}
	}
	seen := map[string]bool{}
	for _, p := range out.Persons {
		_, err := codicefiscale.Parse(p.TaxCode)
		require.NoError(t, err, p.TaxCode)
		require.False(t, seen[p.TaxCode], "duplicate %s", p.TaxCode)
		seen[p.TaxCode] = true
	}
	require.Len(t, out.HouseholdMembers, len(out.Persons))
}
