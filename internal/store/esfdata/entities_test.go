package esfdata_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
)

// TestESFEntities: entities loaded in bulk or imported count once per operation under the
// kind they were supported as, whatever the organisation's own kind.
func TestESFEntities(t *testing.T) {
	t.Parallel()
	st, pool := storetest.Store(t)
	ctx := context.Background()
	op, pa, coop, assoc := store.NewID(), store.NewID(), store.NewID(), store.NewID()
	require.NoError(t, bulk.Load(ctx, st, &bulk.Data{
		Organisations: []bulk.Organisation{
			{ID: pa, Code: "MUN", Name: "Comune", Kind: "MUNICIPALITY", IsPublic: true, TaxCode: "80000000002"},
			{ID: coop, Code: "COOP", Name: "Cooperativa", Kind: "COOPERATIVE", TaxCode: "12345678903"},
			{ID: assoc, Code: "ASSOC", Name: "Associazione", Kind: "OTHER"},
		},
		Operations: []bulk.Operation{{ID: op, Code: "OP", Name: "Op", Programme: "P", Priority: "1", SpecificObjective: "ESO4.11",
			CategoryOfRegion: "MORE_DEVELOPED", FundingSource: "ESF", StartsOn: storetest.Day(2021, 1, 1), EndsOn: storetest.Day(2022, 12, 31)}},
		OperationEntities: []bulk.OperationEntity{
			{OperationID: op, OrganisationID: pa, Kind: esfdata.EntityPublic, SupportedFrom: storetest.Day(2021, 1, 1)},
			{OperationID: op, OrganisationID: coop, Kind: esfdata.EntitySME, SupportedFrom: storetest.Day(2021, 6, 1)},
		},
	}, nil))
	counts := func(cutoff string) esfdata.EntityCount {
		t.Helper()
		var out []esfdata.EntityCount
		require.NoError(t, st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
			var err error
			out, err = esfdata.EntityCounts(ctx, tx, dayOf(cutoff), nil)
			return err
		}))
		if len(out) == 0 {
			return esfdata.EntityCount{}
		}
		require.Len(t, out, 1)
		out[0].OperationID = ""
		return out[0]
	}
	require.Equal(t, esfdata.EntityCount{Public: 1}, counts("2021-05-31"))
	require.Equal(t, esfdata.EntityCount{Public: 1, SME: 1}, counts("2021-06-01"))

	// An organisation that is neither, recorded by the hub's own write, is refused by the
	// table: it has no kind to count under.
	err := st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		return esfdata.SetOperationEntity(ctx, tx, op.String(), assoc.String(), "LARGE_ENTERPRISE", storetest.Day(2021, 1, 1))
	})
	require.ErrorContains(t, err, "operation_entities_kind_check")

	// An import naming an organisation by a tax code that an organisation without one uses
	// as its code is told so, and writes nothing.
	_, err = pool.Exec(ctx, `INSERT INTO organisations (code, name, kind) VALUES ('02100000500', 'Taken', 'OTHER')`)
	require.NoError(t, err)
	var problems []esfdata.RecordProblem
	require.NoError(t, st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		_, problems, err = esfdata.UpsertEntities(ctx, tx, []esfdata.EntityRecord{
			{OperationCode: "OP", TaxCode: "02100000500", Name: "Impresa", Kind: esfdata.EntitySME, SupportedFrom: storetest.Day(2021, 2, 1)},
			{OperationCode: "OP", TaxCode: "12345678903", Name: "Cooperativa", Kind: esfdata.EntitySME, SupportedFrom: storetest.Day(2023, 1, 1)},
		})
		return err
	}))
	require.Equal(t, []esfdata.RecordProblem{
		{Index: 1, Field: "supported_from", Reason: `is after operation "OP" ends (2022-12-31)`},
	}, problems)
	require.NoError(t, st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		_, problems, err = esfdata.UpsertEntities(ctx, tx, []esfdata.EntityRecord{
			{OperationCode: "OP", TaxCode: "02100000500", Name: "Impresa", Kind: esfdata.EntitySME, SupportedFrom: storetest.Day(2021, 2, 1)},
		})
		return err
	}))
	require.Len(t, problems, 1)
	require.Equal(t, "tax_code", problems[0].Field)
	require.Contains(t, problems[0].Reason, "without this tax code exists")
	require.Equal(t, esfdata.EntityCount{Public: 1, SME: 1}, counts("2021-06-01"))
}

func dayOf(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}
