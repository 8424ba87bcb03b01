package intruder

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fraction type agrees with math/big on every operation the simplex uses.
func TestRatAgreesWithBig(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	draw := func() rat {
		d := int64(1 + r.IntN(60))
		return mk(r.IntN(2) == 0, uint64(r.IntN(200)), uint64(d))
	}
	toBig := func(a rat) *big.Rat { return big.NewRat(a.n, a.d) }
	for range 5000 {
		a, b := draw(), draw()
		require.Zero(t, toBig(a.add(b)).Cmp(new(big.Rat).Add(toBig(a), toBig(b))))
		require.Zero(t, toBig(a.sub(b)).Cmp(new(big.Rat).Sub(toBig(a), toBig(b))))
		require.Zero(t, toBig(a.mul(b)).Cmp(new(big.Rat).Mul(toBig(a), toBig(b))))
		if b.n != 0 {
			require.Zero(t, toBig(a.div(b)).Cmp(new(big.Rat).Quo(toBig(a), toBig(b))))
		}
		require.Equal(t, toBig(a).Cmp(toBig(b)), a.cmp(b))
		fl := new(big.Int).Div(toBig(a).Num(), toBig(a).Denom()) // Euclidean: floor for d > 0
		require.Equal(t, fl.Int64(), a.floor())
	}
	require.PanicsWithValue(t, errOverflow, func() { rat{1 << 62, 1}.mul(rat{4, 1}) })
}
