package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

func accessLog(t *testing.T, st *store.Store) []audit.Record {
	t.Helper()
	recs, err := accessdata.LogPage(context.Background(), st, 0, 1000)
	require.NoError(t, err)
	return recs
}

func rowID(t *testing.T, gid string) string {
	t.Helper()
	_, id, err := globalid.Decode(gid)
	require.NoError(t, err)
	return id
}

// Every request that returned or changed personal data leaves exactly one entry, in its
// own transaction, naming the persons and the categories it returned or wrote; requests
// that returned none leave none; the chain verifies, and an edited row is found.
func TestAccessLogOneEntryPerRequest(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	ctx := context.Background()
	require.Empty(t, accessLog(t, b.store))

	r := b.send(t, "Bearer "+b.token(t, "social_worker"), string(access.PurposeCaseManagement),
		`query CasePage { cases(first: 10) { edges { node { reference person { taxCode } household { members { person { givenName } } } } } } }`, nil)
	require.Empty(t, r.Errors)
	recs := accessLog(t, b.store)
	require.Len(t, recs, 1)
	e := recs[0]
	require.Equal(t, "sw.test", e.Subject)
	require.Equal(t, "social_worker", e.Role)
	require.Equal(t, rowID(t, b.fx.agency), e.OrganisationID)
	require.Equal(t, "case_management", e.Purpose)
	require.Equal(t, "query CasePage: cases", e.Operation)
	require.NotEmpty(t, e.RequestID)
	var want []string
	for _, p := range append(append([]string{}, b.fx.persons...), b.fx.minors...) {
		want = append(want, rowID(t, p))
	}
	slices.Sort(want)
	require.Equal(t, want, e.PersonIDs, "the adults and the minors whose data was returned")
	require.Equal(t, []string{"case", "household", "identity", "minors"}, e.Categories)

	// Nothing personal: no entry.
	b.okAs(t, "social_worker", access.PurposeCaseManagement, `{ organisations(first: 5) { totalCount } registryStatus { source } }`, nil)
	// Everything denied: nothing returned, no entry.
	r = b.as(t, "employment_officer", access.PurposeEmploymentServices, `query($id: ID!) { node(id: $id) { ... on Person { givenName } } }`,
		map[string]any{"id": b.fx.minors[0]})
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])
	require.Len(t, accessLog(t, b.store), 1)

	// A partner token, with the client's request id.
	token, rec, err := issuePartner(ctx, b, access.RoleEmploymentOfficer, "CPI-PISA", access.PurposeEmploymentServices)
	require.NoError(t, err)
	body := `{"query":"query($id: ID!) { node(id: $id) { ... on Person { taxCode } } }","variables":{"id":"` + b.fx.persons[1] + `"}}`
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/graphql", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(server.RequestIDHeader, "req-42")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	recs = accessLog(t, b.store)
	require.Len(t, recs, 2)
	require.Equal(t, "token:"+rec.ID, recs[1].Subject)
	require.Equal(t, "req-42", recs[1].RequestID)
	require.Equal(t, []string{rowID(t, b.fx.persons[1])}, recs[1].PersonIDs)
	require.Equal(t, []string{"identity"}, recs[1].Categories)

	// A mutation: what it wrote, and what its payload returned. (A case closes once its
	// services have ended: the fixture's are ended first, as the owner.)
	for _, sql := range []string{`UPDATE interventions SET status = 'COMPLETED', ends_on = '2024-06-30'`,
		`UPDATE projects SET status = 'CONCLUDED', ended_on = '2024-06-30', outcome = 'WITHDREW'`} {
		_, err := b.store.Pool().Exec(context.Background(), sql)
		require.NoError(t, err)
	}
	b.okAs(t, "social_worker", access.PurposeCaseManagement, `mutation($id: ID!) { closeCase(input: {caseId: $id, closedOn: "2024-07-01"}) { case { status } } }`,
		map[string]any{"id": b.fx.cases[0]})
	recs = accessLog(t, b.store)
	require.Len(t, recs, 3)
	require.Equal(t, "mutation closeCase", recs[2].Operation)
	require.Equal(t, []string{rowID(t, b.fx.persons[0])}, recs[2].PersonIDs)
	require.Equal(t, []string{"case", "write:case"}, recs[2].Categories)
	// A failed mutation is rolled back with its entry.
	r = b.as(t, "social_worker", access.PurposeCaseManagement, `mutation($id: ID!) { closeCase(input: {caseId: $id, closedOn: "2024-07-02"}) { case { status } } }`,
		map[string]any{"id": b.fx.cases[0]})
	require.NotEmpty(t, r.Errors)
	require.Len(t, accessLog(t, b.store), 3)

	// Ids alone say who is there: the persons are logged, with no category.
	b.okAs(t, "social_worker", access.PurposeCaseManagement, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": b.fx.minors[1]})
	recs = accessLog(t, b.store)
	require.Len(t, recs, 4)
	require.Equal(t, []string{rowID(t, b.fx.minors[1])}, recs[3].PersonIDs)
	require.Empty(t, recs[3].Categories)

	// The chain verifies; an edited row is named.
	res, err := accessdata.VerifyLog(ctx, b.store, audit.VerifyOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 4, res.Rows)
	_, err = b.store.Pool().Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE access_log SET person_ids = '{}' WHERE seq = 1; COMMIT`)
	require.NoError(t, err)
	_, err = accessdata.VerifyLog(ctx, b.store, audit.VerifyOptions{})
	var te *audit.TamperError
	require.True(t, errors.As(err, &te), "%v", err)
	require.EqualValues(t, 1, te.Seq)
}

// No log, no answer: when the entry cannot be written, the request fails UNAVAILABLE
// and returns nothing.
func TestNoLogNoAnswer(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	_, err := b.store.Pool().Exec(context.Background(), `REVOKE EXECUTE ON FUNCTION
		access_log_append(timestamptz, text, text, uuid, text, text, text, uuid[], text[], bytea) FROM ponte_app`)
	require.NoError(t, err)
	r := b.as(t, "social_worker", access.PurposeCaseManagement, `{ cases(first: 5) { edges { node { reference } } } }`, nil)
	require.Nil(t, r.Data)
	require.Len(t, r.Errors, 1)
	require.Equal(t, "UNAVAILABLE", r.Errors[0].Extensions["code"])
	// A request that returned nothing personal needs no entry and still answers.
	b.okAs(t, "social_worker", access.PurposeCaseManagement, `{ organisations(first: 5) { totalCount } }`, nil)
}

// The access gate refuses a request that did not go through authentication.
func TestAccessGateNeedsAPrincipal(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	srv := httptest.NewServer(server.Mux(server.Config{Store: b.store, Gate: server.PlanGate{}}))
	t.Cleanup(srv.Close)
	open := &testBundle{store: b.store, srv: srv}
	r := open.post(t, `{ cases(first: 5) { totalCount } }`, nil)
	require.Nil(t, r.Data)
	require.Equal(t, "UNAUTHENTICATED", r.Errors[0].Extensions["code"])
}

// Fields of objects that name a person without their birth date (a household member, a
// case, a project, an intervention) are returned without ageing the person field by
// field when the plan reads minors' data anyway; the entry still says whether a minor's
// data was returned, and whose.
func TestAccessLogAgesPersonsNamedByOtherObjects(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	members := `query($id: ID!) { node(id: $id) { ... on Household { members { relationship } } } }`
	b.okAs(t, "social_worker", access.PurposeCaseManagement, members, map[string]any{"id": b.fx.households[0]})
	adults := `query($id: ID!) { node(id: $id) { ... on Person { households { relationship } } } }`
	b.okAs(t, "social_worker", access.PurposeCaseManagement, adults, map[string]any{"id": b.fx.persons[0]})
	// The person's id next to the membership names them before anything is read about
	// them: the age is still worked out.
	withIDs := `query($id: ID!) { node(id: $id) { ... on Household { members { person { id } relationship } } } }`
	b.okAs(t, "social_worker", access.PurposeCaseManagement, withIDs, map[string]any{"id": b.fx.households[0]})
	recs := accessLog(t, b.store)
	require.Len(t, recs, 3)
	require.Contains(t, recs[0].PersonIDs, rowID(t, b.fx.minors[0]))
	require.Equal(t, []string{"household", "minors"}, recs[0].Categories, "a minor's membership was returned")
	require.Equal(t, []string{rowID(t, b.fx.persons[0])}, recs[1].PersonIDs)
	require.Equal(t, []string{"household"}, recs[1].Categories, "only an adult's")
	require.Equal(t, []string{"household", "minors"}, recs[2].Categories, "ids asked along")
}

// The data protection officer asks the log over the API who accessed a person's data
// (GDPR Art. 15): newest first, paged by cursor, with who, why and what; the question is
// logged in turn. Nobody else may ask, and bad arguments name their field.
func TestAccessLogQueryForTheDataProtectionOfficer(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	minor := b.fx.minors[0]
	personQuery := `query($id: ID!) { node(id: $id) { ... on Person { givenName } } }`
	b.okAs(t, "social_worker", access.PurposeCaseManagement, personQuery, map[string]any{"id": minor})
	b.okAs(t, "school_liaison", access.PurposeSchoolAttendance, personQuery, map[string]any{"id": minor})
	b.okAs(t, "social_worker", access.PurposeCaseManagement, personQuery, map[string]any{"id": b.fx.persons[0]})

	const logQuery = `query($person: ID, $first: Int, $after: String) {
	  accessLog(person: $person, first: $first, after: $after) {
	    edges { cursor node { seq subject role organisation { code } purpose operation persons categories hash } }
	    pageInfo { hasNextPage endCursor }
	  }
	}`
	data := b.okAs(t, "dpo", access.PurposeDataProtectionReview, logQuery, map[string]any{"person": minor, "first": 1})
	page := at[map[string]any](t, data, "accessLog")
	edges := at[[]any](t, page, "edges")
	require.Len(t, edges, 1)
	first := at[map[string]any](t, edges, "0.node")
	require.Equal(t, "sl.test", first["subject"], "newest first")
	require.Equal(t, "school_liaison", first["role"])
	require.Equal(t, "SCUOLE-PISA", path(t, first, "organisation.code"))
	require.Equal(t, "school_attendance", first["purpose"])
	require.Equal(t, []any{minor}, first["persons"])
	require.Contains(t, first["categories"], "minors")
	require.Len(t, first["hash"], 64)
	require.True(t, at[bool](t, page, "pageInfo.hasNextPage"))

	data = b.okAs(t, "dpo", access.PurposeDataProtectionReview, logQuery,
		map[string]any{"person": minor, "first": 5, "after": path(t, page, "pageInfo.endCursor")})
	page = at[map[string]any](t, data, "accessLog")
	edges = at[[]any](t, page, "edges")
	require.Len(t, edges, 1, "the adult's entry does not name the minor")
	require.Equal(t, "sw.test", path(t, edges, "0.node.subject"))
	require.False(t, at[bool](t, page, "pageInfo.hasNextPage"))

	// The officer's questions are in the log too, naming whose history was shown.
	recs := accessLog(t, b.store)
	last := recs[len(recs)-1]
	require.Equal(t, "dpo.test", last.Subject)
	require.Equal(t, []string{rowID(t, minor)}, last.PersonIDs)

	// Nobody else may ask.
	r := b.as(t, "social_worker", access.PurposeCaseManagement, logQuery, map[string]any{"person": minor})
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])

	for field, vars := range map[string]map[string]any{
		"first":  {"first": 0},
		"after":  {"after": "yesterday"},
		"person": {"person": b.fx.cases[0]},
	} {
		r := b.as(t, "dpo", access.PurposeDataProtectionReview, logQuery, vars)
		require.NotEmpty(t, r.Errors, field)
		require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"], field)
		require.Equal(t, field, r.Errors[0].Extensions["field"], field)
	}
}
