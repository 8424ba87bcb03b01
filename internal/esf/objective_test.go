package esf_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestParseObjective(t *testing.T) {
	t.Parallel()
	valid := map[string]string{
		// The three spellings of the issue, and their variants.
		"OS i": "ESO4.1", "a": "ESO4.1", "ESO4.1": "ESO4.1",
		"OS ix": "ESO4.11", "k": "ESO4.11", "ESO4.11": "ESO4.11",
		"os i": "ESO4.1", "OS-I": "ESO4.1", "OSi": "ESO4.1", "O.S. ix": "ESO4.11", " OS IX ": "ESO4.11",
		"eso4.11": "ESO4.11", "ESO 4.11": "ESO4.11", "(k)": "ESO4.11", "k)": "ESO4.11", "K": "ESO4.11",
		"4(1)(k)": "ESO4.11", "Art. 4(1)(k)": "ESO4.11",
		// Every objective by letter and code.
		"b": "ESO4.2", "c": "ESO4.3", "d": "ESO4.4", "e": "ESO4.5", "f": "ESO4.6", "g": "ESO4.7", "h": "ESO4.8",
		"i": "ESO4.9", "j": "ESO4.10", "l": "ESO4.12", "m": "ESO4.13",
		"ESO4.2": "ESO4.2", "ESO4.3": "ESO4.3", "ESO4.4": "ESO4.4", "ESO4.5": "ESO4.5", "ESO4.6": "ESO4.6",
		"ESO4.7": "ESO4.7", "ESO4.8": "ESO4.8", "ESO4.9": "ESO4.9", "ESO4.10": "ESO4.10", "ESO4.12": "ESO4.12", "ESO4.13": "ESO4.13",
		// The proposal's numerals that map to one adopted objective.
		"OS ii": "ESO4.2", "OS iv": "ESO4.5", "OS v": "ESO4.6", "OS vi": "ESO4.7", "OS vii": "ESO4.8",
		"OS x": "ESO4.12", "OS xi": "ESO4.13",
	}
	for in, want := range valid {
		got, err := esf.ParseObjective("so", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	invalid := map[string]string{
		"":         "is empty",
		"ESO4.14":  "ESO4.1 to ESO4.13",
		"ESO4.0":   "ESO4.1 to ESO4.13",
		"n":        "is not a specific objective",
		"OS iii":   "split",
		"OS viii":  "split",
		"OS xii":   "OS i to OS xi",
		"OS 9":     "is not a specific objective",
		"social":   "is not a specific objective",
		"ESO4.1.1": "ESO4.1 to ESO4.13",
	}
	for in, reason := range invalid {
		_, err := esf.ParseObjective("specificObjective", in)
		require.Error(t, err, in)
		ie, ok := apperr.AsInput(err)
		require.True(t, ok, in)
		require.Equal(t, "specificObjective", ie.Fields[0].Field)
		require.Contains(t, ie.Fields[0].Reason, reason, in)
	}
	require.Len(t, esf.Objectives, 13)
}

func FuzzParseObjective(f *testing.F) {
	for _, s := range []string{"OS i", "a", "ESO4.1", "OS ix", "k", "ESO4.11", "OS iii", "4(1)(k)", "", "ESO4.", "os-", "(", "Art."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := esf.ParseObjective("so", s)
		if err != nil {
			_, ok := apperr.AsInput(err)
			require.True(t, ok)
			return
		}
		_, ok := esf.ObjectiveByCode(code)
		require.True(t, ok, "%q gave %q", s, code)
		// A code is its own spelling.
		again, err := esf.ParseObjective("so", code)
		require.NoError(t, err)
		require.Equal(t, code, again)
	})
}
