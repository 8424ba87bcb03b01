package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// casePage asks for a page of cases with their persons, households, projects and
// interventions: the query a case worker's dashboard runs.
const casePage = `query($first: Int!) {
  cases(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id reference status openedOn
      person { id taxCode familyName households { relationship household { id label } } }
      household { id label members { relationship validFrom person { id givenName birthDate } } }
      leadWorker { displayName organisation { name } }
      departments { name }
      organisations { role organisation { code } }
      projects { id title status provider { name } caseManager { displayName }
        interventions { serviceType status beneficiary { givenName } round { number operation { code } } } }
      interventions { id serviceType }
    } }
  }
}`

// A page of cases costs the same statements whatever its size, with access control off
// (the open gate) and on (a social worker's plan: claims, field checks and the
// access-log entry): one statement per relation the query reads. Below the root the
// executor runs fields one after another, and each loader fetches every key its parents
// primed; root fields still run side by side, so an operation with several of them may
// send a relation's statement twice. That depends on scheduling, not on the page size, so
// the test compares the statements sent, not how often.
func TestCasePageCostsConstantStatements(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"open", "access"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			texts := map[int][]string{}
			counts := map[int]int64{}
			for _, n := range []int{5, 50} {
				var data map[string]any
				var b *testBundle
				if mode == "open" {
					b = setup(t, n)
					b.counter.reset()
					data = b.ok(t, casePage, map[string]any{"first": n})
				} else {
					ab := setupAccess(t, n)
					// Authentication looks the staff member and organisation up once a
					// minute; warm it so the count is the request's own.
					ab.okAs(t, "social_worker", "case_management", `{ organisations(first: 1) { totalCount } }`, nil)
					b = ab.testBundle
					b.counter.reset()
					data = ab.okAs(t, "social_worker", "case_management", casePage, map[string]any{"first": n})
				}
				counts[n] = b.counter.n.Load()
				var repeats int
				texts[n], repeats = b.counter.distinct()
				// Persons are reached at three depths in this query (the case's person,
				// household members, intervention beneficiaries): at most one fetch each.
				require.LessOrEqual(t, repeats, 3, "a relation fetched more often than the depths that reach it")
				conn := at[map[string]any](t, data, "cases")
				require.EqualValues(t, n, conn["totalCount"])
				edges := at[[]any](t, conn, "edges")
				require.Len(t, edges, n)
				node := at[map[string]any](t, edges, "0.node")
				require.Len(t, path(t, node, "household.members"), 2)
				require.Len(t, node["projects"], 2)
				require.Len(t, path(t, node, "projects.0.interventions"), 1)
				require.Len(t, node["interventions"], 2)
				require.Equal(t, "Arnera", path(t, node, "projects.0.provider.name"))
			}
			t.Logf("%s: a page of cases: N=5 → %d statements (%d distinct), N=50 → %d (%d distinct)", mode,
				counts[5], len(texts[5]), counts[50], len(texts[50]))
			require.Equal(t, texts[5], texts[50], "the statements must not depend on the page size")
			require.Less(t, counts[50], int64(25))
		})
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	b := setup(t, 7)
	seen := map[string]bool{}
	after, lastCursor := any(nil), any(nil)
	for pages := 0; pages < 10; pages++ {
		d := b.ok(t, `query($after: String) { cases(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id openedOn } } } }`,
			map[string]any{"after": after})
		conn := at[map[string]any](t, d, "cases")
		require.EqualValues(t, 7, conn["totalCount"])
		for _, e := range at[[]any](t, conn, "edges") {
			id := at[string](t, e, "node.id")
			require.False(t, seen[id], "case listed twice")
			seen[id] = true
		}
		pi := at[map[string]any](t, conn, "pageInfo")
		lastCursor = pi["endCursor"]
		if !at[bool](t, pi, "hasNextPage") {
			break
		}
		after = pi["endCursor"]
	}
	require.Len(t, seen, 7)

	// Past the last row the page is empty, and the total is still the total.
	d := b.ok(t, `query($after: String) { cases(first: 3, after: $after) { totalCount edges { cursor } pageInfo { hasNextPage } } }`,
		map[string]any{"after": lastCursor})
	require.EqualValues(t, 7, path(t, d, "cases.totalCount"))
	require.Empty(t, path(t, d, "cases.edges"))

	r := b.post(t, `{ cases(first: 3, after: "bm90LWEtY3Vyc29y") { totalCount } }`, nil)
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"])
	require.Equal(t, "after", r.Errors[0].Extensions["field"])
}

func TestFiltersAndSearch(t *testing.T) {
	t.Parallel()
	b := setup(t, 6)
	count := func(filter map[string]any) float64 {
		d := b.ok(t, `query($f: CaseFilter) { cases(first: 50, filter: $f) { totalCount } }`, map[string]any{"f": filter})
		return at[float64](t, d, "cases.totalCount")
	}
	require.EqualValues(t, 6, count(map[string]any{"status": "OPEN"}))
	require.EqualValues(t, 0, count(map[string]any{"status": "CLOSED"}))
	require.EqualValues(t, 6, count(map[string]any{"departmentId": b.fx.careDept}))
	require.EqualValues(t, 0, count(map[string]any{"departmentId": b.fx.housingDept}))
	require.EqualValues(t, 6, count(map[string]any{"organisationId": b.fx.coop}))
	require.EqualValues(t, 0, count(map[string]any{"organisationId": b.fx.otherOrg}))
	require.EqualValues(t, 2, count(map[string]any{"openedFrom": "2020-09-02", "openedTo": "2020-09-03"}))
	require.EqualValues(t, 1, count(map[string]any{"search": "PI-2020-0003"}))
	// Family names cycle over Testa … Testaaaaa; search matches any part of the name.
	require.EqualValues(t, 4, count(map[string]any{"search": "Testaa"}))
	require.EqualValues(t, 1, count(map[string]any{"search": "testaaaaa"}))

	d := b.ok(t, `{ persons(first: 50, filter: {search: "luca"}) { totalCount } }`, nil)
	require.EqualValues(t, 6, path(t, d, "persons.totalCount"))
	d = b.ok(t, `query($op: ID) { participations(first: 50, filter: {operationId: $op}) { totalCount edges { node { gender person { givenName } } } } }`,
		map[string]any{"op": b.fx.operation})
	require.EqualValues(t, 6, path(t, d, "participations.totalCount"))

	for _, so := range []string{"ESO4.11", "OS ix", "k"} {
		d = b.ok(t, `query($so: String) { operations(first: 5, specificObjective: $so) { totalCount } }`, map[string]any{"so": so})
		require.EqualValues(t, 1, path(t, d, "operations.totalCount"), so)
	}
	d = b.ok(t, `{ operations(first: 5, specificObjective: "OS i") { totalCount } }`, nil)
	require.EqualValues(t, 0, path(t, d, "operations.totalCount"))
	r := b.post(t, `{ operations(first: 5, specificObjective: "OS xx") { totalCount } }`, nil)
	require.Equal(t, "specificObjective", r.Errors[0].Extensions["field"])

	r = b.post(t, `{ cases(first: 5, filter: {departmentId: "garbage"}) { totalCount } }`, nil)
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"])
	require.Equal(t, "filter.departmentId", r.Errors[0].Extensions["field"])
}

func TestNodeLookup(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	d := b.ok(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Case { reference } ... on Person { givenName } } }`,
		map[string]any{"ids": []string{b.fx.cases[0], b.fx.persons[1], b.fx.agency, b.fx.operation}})
	nodes := at[[]any](t, d, "nodes")
	require.Equal(t, "Case", path(t, nodes, "0.__typename"))
	require.Equal(t, b.fx.cases[0], path(t, nodes, "0.id"))
	require.Equal(t, "Giulia", path(t, nodes, "1.givenName"))
	require.Equal(t, "Organisation", path(t, nodes, "2.__typename"))
	require.Equal(t, "Operation", path(t, nodes, "3.__typename"))

	// An id of a row that does not exist is null, exactly like one out of scope.
	d = b.ok(t, `{ node(id: "Q2FzZTowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA") { id } }`, nil)
	require.Nil(t, d["node"])

	// Several nodes of one type cost one statement, not one each.
	b.counter.reset()
	d = b.ok(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
		map[string]any{"ids": []string{b.fx.persons[0], b.fx.persons[1], b.fx.cases[0], b.fx.cases[1]}})
	require.Len(t, d["nodes"], 4)
	texts, repeats := b.counter.distinct()
	require.Equal(t, 1, repeats, "one statement per type: %v", texts)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)

	r := b.post(t, `{ cases(first: 101) { totalCount } }`, nil)
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"])
	require.Equal(t, "first", r.Errors[0].Extensions["field"])

	deep := `{ cases(first: 1) { edges { node { household { cases { household { cases { household { cases { household { cases { household { id } } } } } } } } } } } } }`
	r = b.post(t, deep, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "DEPTH_LIMIT_EXCEEDED", r.Errors[0].Extensions["code"])

	wide := `{ cases(first: 100) { edges { node { projects { interventions { beneficiary { households { household { members { person { id } } } } } } } } } } }`
	r = b.post(t, wide, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", r.Errors[0].Extensions["code"])

	big := `{"query":"{ __typename }", "pad":"` + strings.Repeat("x", 2<<20) + `"}`
	resp, err := http.Post(b.srv.URL+"/graphql", "application/json", bytes.NewReader([]byte(big)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	b.ok(t, `{ cases(first: 1) { totalCount } }`, nil)
	b.post(t, `mutation { closeCase(input: {caseId: "x", closedOn: "2024-01-01"}) { case { id } } }`, nil)
	resp, err := http.Get(b.srv.URL + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `ponte_graphql_operations_total{outcome="ok",type="query"} 1`)
	require.Contains(t, string(body), `ponte_graphql_operations_total{outcome="error",type="mutation"} 1`)

	for _, path := range []string{"/healthz", "/readyz", "/"} {
		resp, err := http.Get(b.srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

// TestPageCountsOnlyWhenAsked: the total is the one part of a page that reads the whole
// listing, so a connection asked without totalCount does not count; asked for it, directly
// or through a fragment, it counts, and the count is right on every page.
func TestPageCountsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	b := setup(t, 7)
	counted := func() bool {
		texts, _ := b.counter.distinct()
		for _, s := range texts {
			if strings.HasPrefix(s, "SELECT count(*) FROM (SELECT") {
				return true
			}
		}
		return false
	}
	b.counter.reset()
	d := b.ok(t, `{ cases(first: 3) { pageInfo { hasNextPage } edges { node { id } } } }`, nil)
	require.Len(t, path(t, d, "cases.edges"), 3)
	require.False(t, counted(), "a page without totalCount counted its listing")

	for _, q := range []string{
		`{ cases(first: 3) { totalCount edges { node { id } } } }`,
		`{ cases(first: 3) { ...total edges { node { id } } } } fragment total on CaseConnection { totalCount }`,
		`{ cases(first: 3) { ... on CaseConnection { n: totalCount } edges { node { id } } } }`,
	} {
		b.counter.reset()
		d := b.ok(t, q, nil)
		conn := at[map[string]any](t, d, "cases")
		total, ok := conn["totalCount"]
		if !ok {
			total = conn["n"]
		}
		require.EqualValues(t, 7, total, q)
		require.True(t, counted(), q)
	}
}

// Root fields run on goroutines of their own, and their objects come from the request's
// shared slabs then (run with -race): two pages asked at once answer as each alone.
func TestConcurrentRootFields(t *testing.T) {
	t.Parallel()
	ab := setupAccess(t, 12)
	vars := map[string]any{"first": 12}
	alone := ab.okAs(t, "social_worker", "case_management", casePage, vars)
	both := ab.okAs(t, "social_worker", "case_management", `query($first: Int!) {
		a: cases(first: $first) { totalCount edges { node { id reference person { id familyName households { household { id } } } projects { id interventions { id } } } } }
		b: cases(first: $first) { totalCount edges { node { id reference person { id familyName households { household { id } } } projects { id interventions { id } } } } }
	}`, vars)
	want := at[[]any](t, alone, "cases.edges")
	for _, k := range []string{"a", "b"} {
		got := at[[]any](t, both, k+".edges")
		require.Len(t, got, len(want), k)
		for i := range want {
			w, g := at[map[string]any](t, want, fmt.Sprintf("%d.node", i)), at[map[string]any](t, got, fmt.Sprintf("%d.node", i))
			require.Equal(t, w["id"], g["id"], k)
			require.Equal(t, w["reference"], g["reference"], k)
			require.Equal(t, path(t, w, "person.familyName"), path(t, g, "person.familyName"), k)
			require.Len(t, g["projects"], len(w["projects"].([]any)), k)
		}
	}
	require.Equal(t, both["a"], both["b"])
}
