package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

// Erasure is refused while Art. 82 keeps the person's ESF+ records, naming the
// obligation and the last day; once the period is over the person is pseudonymised, the
// registry copies go and the ledger says so. A social worker may not erase.
func TestErasureBlockedByTheESFRetentionPeriod(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	adult := b.fx.persons[0]
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := b.store.Pool().Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	var taxCode string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, b.ax.adult).Scan(&taxCode))
	erase := `mutation($in: ErasePersonInput!) { erasePerson(input: $in) { person detail } }`
	in := map[string]any{"in": map[string]any{"personId": adult}}

	r := b.as(t, "social_worker", access.PurposeCaseManagement, erase, in)
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)

	// The operation's last payment is not made: kept, until a day not known yet.
	r = b.as(t, "dpo", access.PurposeDataProtectionReview, erase, in)
	requireNotApplied(t, r)
	require.Equal(t, "RETAINED", r.Errors[0].Extensions["code"])
	require.Contains(t, r.Errors[0].Extensions["obligation"], "Reg. (EU) 2021/1060 Art. 82")
	require.Contains(t, r.Errors[0].Extensions["obligation"], "J51H20000000001")
	require.Nil(t, r.Errors[0].Extensions["keptUntil"])
	require.Contains(t, r.Errors[0].Message, "last payment is not made yet")

	// Paid two years ago: kept until 31 December five years after.
	year := time.Now().Year()
	exec(`UPDATE operations SET last_payment_on = $1`, fmt.Sprintf("%d-05-10", year-2))
	r = b.as(t, "dpo", access.PurposeDataProtectionReview, erase, in)
	requireNotApplied(t, r)
	require.Equal(t, "RETAINED", r.Errors[0].Extensions["code"])
	require.Equal(t, fmt.Sprintf("%d-12-31", year+3), r.Errors[0].Extensions["keptUntil"])
	require.Nil(t, r.Data)
	var still string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, b.ax.adult).Scan(&still))
	require.Equal(t, taxCode, still, "nothing erased")

	// Paid six years ago: the period ended last 31 December; the person is pseudonymised.
	exec(`UPDATE operations SET last_payment_on = $1`, fmt.Sprintf("%d-12-31", year-6))
	r = b.as(t, "dpo", access.PurposeDataProtectionReview, erase, in)
	require.Empty(t, r.Errors, "%+v", r.Errors)
	require.Contains(t, path(t, r.Data, "erasePerson.detail"), "registry_isee: 1")
	p := at[map[string]any](t, b.okAs(t, "dpo", access.PurposeDataProtectionReview, `query($id: ID!) { node(id: $id) { ... on Person { taxCode givenName familyName phone participations { id } } } }`,
		map[string]any{"id": adult}), "node")
	require.True(t, strings.HasPrefix(at[string](t, p, "taxCode"), "ERASED"), p["taxCode"])
	require.Equal(t, "", p["givenName"])
	require.Len(t, p["participations"], 1, "what the ESF+ indicators count stays")
	var copies int
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT count(*) FROM registry_isee WHERE tax_code = $1`, taxCode).Scan(&copies))
	require.Zero(t, copies)
	var action, rule string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT action, rule FROM retention_ledger WHERE person_id = $1`, b.ax.adult).Scan(&action, &rule))
	require.Equal(t, "PSEUDONYMISED erasure_request", action+" "+rule)
}
