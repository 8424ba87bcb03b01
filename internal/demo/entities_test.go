package demo_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/partitaiva"
)

// TestALISupportedEntities: the ALI operation supported one public service, the Società
// della Salute; the cooperatives that delivered its projects are not supported entities.
// Every demo organisation carries a valid tax number.
func TestALISupportedEntities(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.load(t, demo.Options{})

	rows, err := b.pool.Query(b.ctx, `SELECT code, tax_code FROM organisations`)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		var code string
		var tax *string
		require.NoError(t, rows.Scan(&code, &tax))
		require.NotNil(t, tax, code)
		_, err := partitaiva.Parse(*tax)
		require.NoError(t, err, code)
		n++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 8, n)

	var supported []string
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT array_agg(g.code || ':' || oe.kind ORDER BY g.code)
		FROM operation_entities oe JOIN organisations g ON g.id = oe.organisation_id JOIN operations o ON o.id = oe.operation_id
		WHERE o.code = $1`, demo.ALIOperationCode).Scan(&supported))
	require.Equal(t, []string{roster.OrgSdSPisa + ":" + esfdata.EntityPublic}, supported)

	var rep *esf.Report
	require.NoError(t, b.st.InTx(b.ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		rep, err = esf.Compute(b.ctx, tx, esf.Query{Cutoff: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), OperationCode: demo.ALIOperationCode})
		return err
	}))
	require.Len(t, rep.Groups, 1)
	v18, _ := rep.Groups[0].Value("EECO18")
	v19, _ := rep.Groups[0].Value("EECO19")
	require.Equal(t, int64(1), v18.Total)
	require.Zero(t, v19.Total)
}
