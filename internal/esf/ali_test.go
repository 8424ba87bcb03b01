package esf_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

// TestALIProfileReproducesTheChapter: the demo's ALI operation, through the profile
// report, gives Tables 8.1-8.5 of the chapter it was rebuilt from, missing values
// included (footnotes 8-10: data for 50 of the 63 participants of round two, one more
// missing age, six missing household sizes in round one).
func TestALIProfileReproducesTheChapter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := demo.Load(e.ctx, e.st, demo.Options{}, nil)
	require.NoError(t, err)
	var rep *esf.ProfileReport
	e.tx(func(tx *store.Tx) error {
		var err error
		rep, err = esf.Profile(e.ctx, tx, esf.ProfileQuery{OperationCode: demo.ALIOperationCode})
		return err
	})
	require.Len(t, rep.Rounds, 2)

	type table struct {
		counts  []int64
		missing int64
	}
	chapter := []struct {
		participants int64
		tables       map[string]table
		services     map[string]int64
	}{
		{
			participants: 144,
			tables: map[string]table{
				esf.TableGender:    {[]int64{85, 59, 0}, 0},          // Table 8.1: female, male
				esf.TableOrigin:    {[]int64{65, 79}, 0},             // Table 8.2: Italy, other
				esf.TableAgeBand:   {[]int64{17, 26, 37, 33, 31}, 0}, // Table 8.3
				esf.TableHousehold: {[]int64{35, 28, 27, 23, 13, 12}, 6},
			},
			services: map[string]int64{ // Table 8.5, first round
				"INTERNSHIP": 43, "TRAINING_FORKLIFT": 21, "TRAINING_ITALIAN": 27, "TRAINING_HACCP": 46,
				"TRAINING_WORKPLACE_SAFETY": 68, "HOME_EDUCATION_MINORS": 47, "TRAINING_IT": 0, "TRAINING_SOFT_SKILLS": 0,
				"HOME_CARE": 5, "PSYCHOLOGICAL_SUPPORT": 34, "ORIENTATION": 17,
			},
		},
		{
			participants: 63,
			tables: map[string]table{
				esf.TableGender:    {[]int64{28, 22, 0}, 13},
				esf.TableOrigin:    {[]int64{32, 18}, 13},
				esf.TableAgeBand:   {[]int64{2, 7, 14, 18, 8}, 14},
				esf.TableHousehold: {[]int64{24, 9, 7, 3, 2, 5}, 13},
			},
			services: map[string]int64{
				"INTERNSHIP": 12, "TRAINING_FORKLIFT": 19, "TRAINING_ITALIAN": 13, "TRAINING_HACCP": 17,
				"TRAINING_WORKPLACE_SAFETY": 39, "HOME_EDUCATION_MINORS": 19, "TRAINING_IT": 29, "TRAINING_SOFT_SKILLS": 9,
				"HOME_CARE": 4, "PSYCHOLOGICAL_SUPPORT": 12, "ORIENTATION": 12,
			},
		},
	}
	for i, want := range chapter {
		got := rep.Rounds[i]
		require.Equal(t, i+1, got.Round)
		require.Equal(t, want.participants, got.Participants, "round %d", got.Round)
		for _, tb := range got.Tables {
			if tb.Name == esf.TableServices {
				for _, row := range tb.Rows {
					if n, ok := want.services[row.Category]; ok {
						require.Equal(t, n, row.Count, "round %d, %s", got.Round, row.Category)
					}
				}
				continue
			}
			w := want.tables[tb.Name]
			counts := make([]int64, len(tb.Rows))
			for j, row := range tb.Rows {
				counts[j] = row.Count
			}
			require.Equal(t, w.counts, counts, "round %d, %s", got.Round, tb.Name)
			require.Equal(t, w.missing, tb.Missing, "round %d, %s missing", got.Round, tb.Name)
		}
	}
}
