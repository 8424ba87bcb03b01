package server_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
)

// A frozen ESF+ report keeps verifying after one of its participants is pseudonymised:
// the report, its record hashes and their signature are stored, not recomputed; the
// comparison with the live records names the pseudonymised one as CHANGED, and the
// indicator values computed today are still those frozen.
func TestFrozenReportVerifiesAfterPseudonymisation(t *testing.T) {
	t.Parallel()
	b := esfHub(t, true)
	ctx := context.Background()
	const report = `{ esfReport(cutoff: "2022-06-30", operationCode: "` + demo.ALIOperationCode + `") { groups { values { indicator total } } } }`
	valuesBefore := b.ok(t, report, nil)
	d := b.ok(t, `mutation { freezeEsfReport(input: {cutoff: "2022-06-30", operationCode: "`+demo.ALIOperationCode+`"}) { frozen { id } } }`, nil)
	id := at[string](t, d, "freezeEsfReport.frozen.id")

	var person string
	// One whose gender or birth date the indicators derive from the tax code.
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT fr.person_id::text FROM esf_frozen_records fr
		JOIN participations p ON p.person_id = fr.person_id WHERE p.esf_gender_derived OR p.esf_birth_date_derived
		ORDER BY fr.person_id LIMIT 1`).Scan(&person))
	require.NoError(t, b.store.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		_, err := rightsdata.PseudonymisePerson(ctx, tx, person)
		return err
	}))

	v := at[map[string]any](t, b.ok(t, `query($id: ID!) { verifyFrozenEsfReport(id: $id) { intact signatureValid unchanged changedRecords { change } } }`,
		map[string]any{"id": id}), "verifyFrozenEsfReport")
	require.Equal(t, true, v["intact"])
	require.Equal(t, true, v["signatureValid"])
	require.Equal(t, false, v["unchanged"])
	require.Equal(t, []any{map[string]any{"change": "CHANGED"}}, v["changedRecords"])
	require.Equal(t, valuesBefore, b.ok(t, report, nil), "the indicator values do not change")
}
