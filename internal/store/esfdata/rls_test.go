package esfdata_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// TestESFUnderRowLevelSecurity: an ESF+ auditor's transaction (role ponte_app, scope
// participants) counts what the owner counts, stored and live, and sees the participants
// behind the values; a request role without a scope sees none of them; the triggers that
// keep the stored columns complete run whatever the writer's scope.
func TestESFUnderRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	fillRandom(t, pool, 150, 200, 300)
	st := store.New(pool)
	cutoff := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	owner := esfCount(t, st, cutoff, false)

	auditor := store.Scope{Kind: store.ScopeParticipants}
	for _, live := range []bool{false, true} {
		err := st.InTx(ctx, store.TxOptions{ReadOnly: true, Claims: auditor.Claims(), Scope: auditor}, func(tx *store.Tx) error {
			rows, err := esfdata.Count(ctx, tx, esfdata.CountQuery{Cutoff: cutoff, Criteria: esfTestCriteria, Rules: esfTestRules, Live: live})
			require.NoError(t, err)
			require.Equal(t, owner, rows, "live %t", live)
			ps, err := esfdata.Participants(ctx, tx, esfdata.ParticipantQuery{Cutoff: cutoff, Rules: esfTestRules,
				Criterion: &esfdata.Criterion{Kind: esfdata.Leaving, Situations: []string{"EMPLOYED", "SELF_EMPLOYED"}}})
			require.NoError(t, err)
			var want int64
			for _, r := range owner {
				want += r.Values[4]
			}
			require.Len(t, ps, int(want))
			return nil
		})
		require.NoError(t, err)
	}

	none := store.Scope{Kind: store.ScopeAggregates}
	err := st.InTx(ctx, store.TxOptions{ReadOnly: true, Claims: none.Claims(), Scope: none}, func(tx *store.Tx) error {
		ps, err := esfdata.Participants(ctx, tx, esfdata.ParticipantQuery{Cutoff: cutoff, Rules: esfTestRules})
		require.NoError(t, err)
		require.Empty(t, ps)
		return nil
	})
	require.NoError(t, err)

	// An operator's import as the request role: the derived and stored columns are filled in.
	all := store.Scope{Kind: store.ScopeAll}
	err = st.InTx(ctx, store.TxOptions{Claims: all.Claims(), Scope: all}, func(tx *store.Tx) error {
		_, problems, err := esfdata.UpsertParticipations(ctx, tx, []esfdata.ParticipationRecord{{
			OperationCode: "R1", TaxCode: "RSSMRA68A01H501Y", EntryDate: time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC),
			ExitDate: ptrTime(time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)),
		}})
		require.Empty(t, problems)
		if err != nil {
			return err
		}
		id, err := esfdata.PersonIDByTaxCode(ctx, tx, "RSSMRA68A01H501Y")
		require.NoError(t, err)
		_, err = esfdata.RecordSituation(ctx, tx, esfdata.Situation{PersonID: id, Situation: "EMPLOYED",
			Date: time.Date(2023, 3, 10, 0, 0, 0, 0, time.UTC), Source: "CASE_MANAGER"})
		return err
	})
	require.NoError(t, err)
	var gender, leaving string
	var age int
	require.NoError(t, pool.QueryRow(ctx, `SELECT p.esf_gender, p.esf_age, p.esf_leaving FROM participations p
		JOIN persons pe ON pe.id = p.person_id WHERE pe.tax_code = 'RSSMRA68A01H501Y'`).Scan(&gender, &age, &leaving))
	require.Equal(t, "M", gender)
	require.Equal(t, 55, age)
	require.Equal(t, "EMPLOYED", leaving)
}

func ptrTime(t time.Time) *time.Time { return &t }
