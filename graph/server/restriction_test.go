package server_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/pgtest"
)

// sqlSees counts, as the hub's role with a social worker's claims of SDS-PISA, the rows
// of the adult in persons, cases, assessments and registry_isee: the database's own
// backstop, whatever the API does.
func sqlSees(t *testing.T, b *accessBundle, personID string) map[string]int {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.HubURL(t, b.store.Pool().Config().ConnString()))
	require.NoError(t, err)
	defer pool.Close()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	org := rowID(t, b.fx.agency)
	_, err = tx.Exec(ctx, `SELECT set_config(k, v, true) FROM unnest($1::text[], $2::text[]) AS c(k, v)`,
		[]string{"role", "ponte.scope", "ponte.org_id", "ponte.principal_org", "ponte.grantee", "ponte.person_grantee"},
		[]string{"ponte_app", "organisation", org, org, "org:" + org, "org:" + org})
	require.NoError(t, err)
	out := map[string]int{}
	for name, sql := range map[string]string{
		"persons":       `SELECT count(*) FROM persons WHERE id = $1`,
		"cases":         `SELECT count(*) FROM cases WHERE person_id = $1`,
		"assessments":   `SELECT count(*) FROM assessments WHERE person_id = $1`,
		"registry_isee": `SELECT count(*) FROM registry_isee WHERE tax_code = (SELECT tax_code FROM processing_restrictions WHERE person_id = $1 UNION SELECT tax_code FROM persons WHERE id = $1 LIMIT 1)`,
	} {
		var n int
		require.NoError(t, tx.QueryRow(ctx, sql, personID).Scan(&n), name)
		out[name] = n
	}
	return out
}

// A restricted person is hidden from a social worker, who is told the state and its
// reason (RESTRICTED), in the API and in the database alike; the DPO still reads them,
// and so does the organisation the restriction names for its legal claim; registry
// copies keep arriving but are not shown; once lifted, everything shows again.
func TestRestrictedPersonIsHiddenButKept(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	ctx := context.Background()
	adult := b.fx.persons[0]
	read := `query($id: ID!) { node(id: $id) { ... on Person { givenName isee { fetchedAt } } } }`
	casesQ := `{ cases(first: 10) { edges { node { id } } } }`
	caseIDs := func(who string, purpose access.Purpose) []string {
		var out []string
		for _, e := range at[[]any](t, b.okAs(t, who, purpose, casesQ, nil), "cases.edges") {
			out = append(out, at[string](t, e, "node.id"))
		}
		return out
	}
	b.okAs(t, "social_worker", access.PurposeCaseManagement, read, map[string]any{"id": adult})
	require.Contains(t, caseIDs("social_worker", access.PurposeCaseManagement), b.fx.cases[0])
	before := sqlSees(t, b, b.ax.adult)
	require.Equal(t, map[string]int{"persons": 1, "cases": 1, "assessments": 1, "registry_isee": 1}, before)

	dpo := func(q string, vars map[string]any) gqlResponse {
		return b.as(t, "dpo", access.PurposeDataProtectionReview, q, vars)
	}
	req := dpo(`mutation($p: ID!) { createRightsRequest(input: {personId: $p, kind: RESTRICTION, receivedOn: "2025-03-03"}) { request { id } } }`,
		map[string]any{"p": adult})
	require.Empty(t, req.Errors, "%+v", req.Errors)
	reqID := path(t, req.Data, "createRightsRequest.request.id")

	restrict := `mutation($in: RestrictProcessingInput!) { restrictProcessing(input: $in) { restriction { id person request reason legalClaim claimOrganisations active } } }`
	// Refusals: a claim without organisations, another person's request; a social worker may not restrict.
	r := dpo(restrict, map[string]any{"in": map[string]any{"personId": adult, "reason": "x", "legalClaim": "court case"}})
	requireBadInput(t, r, "input.legalClaim")
	r = dpo(restrict, map[string]any{"in": map[string]any{"personId": b.fx.persons[1], "requestId": reqID, "reason": "x"}})
	requireBadInput(t, r, "input.requestId")
	r = b.as(t, "social_worker", access.PurposeCaseManagement, restrict, map[string]any{"in": map[string]any{"personId": adult, "reason": "x"}})
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)
	require.Equal(t, before, sqlSees(t, b, b.ax.adult), "nothing restricted by the refusals")

	reason := "accuracy of the ISEE contested, under verification (Art. 18(1)(a))"
	r = dpo(restrict, map[string]any{"in": map[string]any{"personId": adult, "requestId": reqID, "reason": reason,
		"legalClaim": "appeal against the ADI decision, Tribunale di Pisa", "claimOrganisationIds": []any{b.ax.cpi}}})
	require.Empty(t, r.Errors, "%+v", r.Errors)
	res := at[map[string]any](t, r.Data, "restrictProcessing.restriction")
	require.Equal(t, true, res["active"])
	require.Equal(t, reqID, res["request"])
	r = dpo(restrict, map[string]any{"in": map[string]any{"personId": adult, "reason": "again"}})
	require.Contains(t, requireBadInput(t, r, "input.personId"), "is restricted already")

	// The social worker: refused with the state and its reason; the case is gone from lists.
	r = b.as(t, "social_worker", access.PurposeCaseManagement, read, map[string]any{"id": adult})
	require.Len(t, r.Errors, 1, "%+v", r.Errors)
	require.Equal(t, "RESTRICTED", r.Errors[0].Extensions["code"])
	require.Equal(t, reason, r.Errors[0].Extensions["reason"])
	require.NotEmpty(t, r.Errors[0].Extensions["restrictedSince"])
	require.Contains(t, r.Errors[0].Message, "restricted since")
	require.NotContains(t, caseIDs("social_worker", access.PurposeCaseManagement), b.fx.cases[0])
	require.Contains(t, caseIDs("social_worker", access.PurposeCaseManagement), b.fx.cases[1], "others are unaffected")
	// The database refuses the same, table by table.
	require.Equal(t, map[string]int{"persons": 0, "cases": 0, "assessments": 0, "registry_isee": 0}, sqlSees(t, b, b.ax.adult))

	// A registry copy arriving now is stored (synchronisation runs unrestricted) but not shown.
	_, err := b.store.Pool().Exec(ctx, `INSERT INTO registry_isee (source, source_ref, tax_code, dsu_protocol, isee_value_cents, isee_type, valid_until,
		household_size, raw_payload, payload_sha256, content_type, origin, fetched_at)
		SELECT 'benefits', 'DSU-2', tax_code, 'DSU-2', 900000, 'ordinario', '2031-01-01', 2, '\x7b7d'::bytea, repeat('b', 64), 'application/json', 'sync', now()
		FROM persons WHERE id = $1`, b.ax.adult)
	require.NoError(t, err)
	require.Zero(t, sqlSees(t, b, b.ax.adult)["registry_isee"])

	// The DPO reads the person; the employment centre, named for the legal claim, too.
	dpoRead := b.okAs(t, "dpo", access.PurposeDataProtectionReview, read, map[string]any{"id": adult})
	require.NotNil(t, dpoRead["node"])
	eo := b.okAs(t, "employment_officer", access.PurposeEmploymentServices, read, map[string]any{"id": adult})
	require.NotNil(t, eo["node"], "the organisation named for the legal claim still processes")
	list := b.okAs(t, "dpo", access.PurposeDataProtectionReview, `{ processingRestrictions { person reason } }`, nil)
	require.Equal(t, []any{map[string]any{"person": adult, "reason": reason}}, list["processingRestrictions"])

	// Lifted: shown again from the next request.
	lift := `mutation($in: LiftRestrictionInput!) { liftRestriction(input: $in) { restriction { active liftedBy liftReason } } }`
	r = dpo(lift, map[string]any{"in": map[string]any{"restrictionId": res["id"], "reason": " "}})
	requireBadInput(t, r, "input.reason")
	r = dpo(lift, map[string]any{"in": map[string]any{"restrictionId": res["id"], "reason": "ISEE verified correct; person informed (Art. 18(3))"}})
	require.Empty(t, r.Errors, "%+v", r.Errors)
	require.Equal(t, false, path(t, r.Data, "liftRestriction.restriction.active"))
	b.okAs(t, "social_worker", access.PurposeCaseManagement, read, map[string]any{"id": adult})
	require.Equal(t, 2, sqlSees(t, b, b.ax.adult)["registry_isee"], "both copies, the one stored while restricted included")
}
