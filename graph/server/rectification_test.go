package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

// The DPO corrects a person's data on their request; each changed field keeps the value
// it replaced, with who and why; a wrong input writes nothing; a case manager may not.
func TestRectificationKeepsTheHistory(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	adult := b.fx.persons[0]
	dpo := func(q string, vars map[string]any) gqlResponse {
		return b.as(t, "dpo", access.PurposeDataProtectionReview, q, vars)
	}
	req := dpo(`mutation($p: ID!) { createRightsRequest(input: {personId: $p, kind: RECTIFICATION, receivedOn: "2025-03-03"}) { request { id } } }`,
		map[string]any{"p": adult})
	require.Empty(t, req.Errors, "%+v", req.Errors)
	reqID := path(t, req.Data, "createRightsRequest.request.id")
	rectify := `mutation($in: RectifyPersonInput!) { rectifyPerson(input: $in) { changes { person request field oldValue newValue reason rectifiedBy } } }`
	before := dbSnapshot(t, b.store)
	for field, in := range map[string]map[string]any{
		"input.email":                 {"personId": adult, "email": "not-an-address", "reason": "asked"},
		"input.givenName":             {"personId": adult, "givenName": "  ", "reason": "asked"},
		"input.residenceMunicipality": {"personId": adult, "residenceMunicipality": "Pisa", "reason": "asked"},
		"input.reason":                {"personId": adult, "phone": "+39 050 123456"},
		"input":                       {"personId": adult, "reason": "nothing to change"},
	} {
		if field == "input.reason" {
			in["reason"] = " "
		}
		r := dpo(rectify, map[string]any{"in": in})
		requireBadInput(t, r, field)
		requireNotApplied(t, r)
	}
	r := b.as(t, "case_manager", access.PurposeCaseManagement, rectify,
		map[string]any{"in": map[string]any{"personId": adult, "phone": "+39 050 123456", "reason": "x"}})
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)
	require.Equal(t, before, dbSnapshot(t, b.store), "refusals write nothing")

	var old string
	require.NoError(t, b.store.Pool().QueryRow(t.Context(), `SELECT family_name FROM persons WHERE id = $1`, b.ax.adult).Scan(&old))
	r = dpo(rectify, map[string]any{"in": map[string]any{"personId": adult, "requestId": reqID, "familyName": "Rossi-Bianchi",
		"phone": "+39 050 123456", "reason": "marriage certificate shown"}})
	require.Empty(t, r.Errors, "%+v", r.Errors)
	changes := at[[]any](t, r.Data, "rectifyPerson.changes")
	require.Len(t, changes, 2)
	fam := at[map[string]any](t, changes, "0")
	require.Equal(t, "family_name", fam["field"])
	require.Equal(t, old, fam["oldValue"])
	require.Equal(t, "Rossi-Bianchi", fam["newValue"])
	require.Equal(t, reqID, fam["request"])
	require.Equal(t, "dpo.test", fam["rectifiedBy"])
	require.Equal(t, "phone", path(t, changes, "1.field"))

	// The same again changes nothing, and records nothing.
	r = dpo(rectify, map[string]any{"in": map[string]any{"personId": adult, "familyName": "Rossi-Bianchi", "reason": "again"}})
	require.Empty(t, r.Errors, "%+v", r.Errors)
	require.Empty(t, path(t, r.Data, "rectifyPerson.changes"))
	hist := at[[]any](t, b.okAs(t, "dpo", access.PurposeDataProtectionReview, `query($p: ID!) { personRectifications(person: $p) { field newValue } }`,
		map[string]any{"p": adult}), "personRectifications")
	require.Len(t, hist, 2)
	got := at[map[string]any](t, b.okAs(t, "social_worker", access.PurposeCaseManagement, `query($id: ID!) { node(id: $id) { ... on Person { familyName } } }`,
		map[string]any{"id": adult}), "node")
	require.Equal(t, "Rossi-Bianchi", got["familyName"])
}
