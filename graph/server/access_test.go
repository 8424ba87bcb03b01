package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// matrixQuery touches every data category the schema carries, through objects of the
// first case looked up by id: the case, its household, its adult and its minor, an
// assessment, the adult's participation and an activity entry.
const matrixQuery = `query Matrix($case: ID!, $household: ID!, $adult: ID!, $minor: ID!, $assessment: ID!, $participation: ID!, $activity: ID!) {
  c: node(id: $case) { ... on Case { reference summary projects { id } } }
  hh: node(id: $household) { ... on Household { label } }
  a: node(id: $adult) { id ... on Person { pseudonym taxCode gender phone households { id } participations { id } isee { fetchedAt } } }
  m: node(id: $minor) { ... on Person { givenName schoolRecords { schoolYear } } }
  as: node(id: $assessment) { ... on Assessment { workExperience healthNotes } }
  pa: node(id: $participation) { ... on Participation { entryDate isced minority } }
  ae: node(id: $activity) { ... on ActivityEntry { note } }
}`

// leaf is a field of matrixQuery: its path, its category, whether it is about the minor,
// and whether the fixture gives it a value.
type leaf struct {
	path   []string
	cat    access.Category
	minor  bool
	valued bool
}

var matrixLeaves = []leaf{
	{[]string{"c", "reference"}, access.CategoryCase, false, true},
	{[]string{"c", "summary"}, access.CategoryCaseNotes, false, true},
	{[]string{"c", "projects"}, access.CategoryServices, false, true},
	{[]string{"hh", "label"}, access.CategoryHousehold, false, true},
	{[]string{"a", "pseudonym"}, access.CategoryPseudonym, false, true},
	{[]string{"a", "taxCode"}, access.CategoryIdentity, false, true},
	{[]string{"a", "gender"}, access.CategoryDemographic, false, true},
	{[]string{"a", "phone"}, access.CategoryContact, false, false},
	{[]string{"a", "households"}, access.CategoryHousehold, false, true},
	{[]string{"a", "participations"}, access.CategoryParticipation, false, true},
	{[]string{"a", "isee"}, access.CategorySocioEconomic, false, true},
	{[]string{"a", "isee", "fetchedAt"}, access.CategoryRegistryProvenance, false, true},
	{[]string{"m", "givenName"}, access.CategoryIdentity, true, true},
	{[]string{"m", "schoolRecords"}, access.CategoryEducation, true, true},
	{[]string{"as", "workExperience"}, access.CategoryEmployment, false, true},
	{[]string{"as", "healthNotes"}, access.CategoryHealth, false, true},
	{[]string{"pa", "entryDate"}, access.CategoryParticipation, false, true},
	{[]string{"pa", "isced"}, access.CategoryEducation, false, true},
	{[]string{"pa", "minority"}, access.CategorySpecialOther, false, true},
	{[]string{"ae", "note"}, access.CategoryCaseNotes, false, true},
}

func words(s string) []string { return strings.Fields(s) }

// matrixRow is what one role sees for one purpose: the objects in its row scope, and the
// categories it may read (hand-written from the policy's comments, not computed from it).
type matrixRow struct {
	who     string
	purpose access.Purpose
	roots   string
	cats    string
}

const allCategories = "identity demographic contact household socio_economic employment education health special_other " +
	"judicial minors case_notes case services participation registry_provenance pseudonym"

var matrix = []matrixRow{
	{"social_worker", access.PurposeCaseManagement, "c hh a m as pa ae", allCategories},
	{"social_worker", access.PurposeStatistics, "", ""},
	{"case_manager", access.PurposeCaseManagement, "c hh a m as pa",
		"identity demographic contact household socio_economic employment education case case_notes services participation registry_provenance pseudonym minors"},
	{"employment_officer", access.PurposeEmploymentServices, "c hh a m as pa ae",
		"identity demographic contact household socio_economic employment education case services registry_provenance"},
	// The school liaison reads identity, demographic and school data about the pupils only.
	{"school_liaison", access.PurposeSchoolAttendance, "c hh a m as pa ae", "identity@minors demographic@minors education@minors household case registry_provenance minors"},
	// Pseudonymous roles cannot look persons up by the hub's ids (TestPseudonymousRolesResolveNoHubIDs);
	// what they read about participants is checked through their lists in TestAuditorSeesPseudonymsOnly.
	{"esf_auditor", access.PurposeESFAudit, "", ""},
	{"esf_auditor", access.PurposeESFMonitoring, "", ""},
	{"dashboard", access.PurposeStatistics, "", ""},
	{"dpo", access.PurposeDataProtectionReview, "c hh a m as pa ae", allCategories},
	{"admin", access.PurposeStatistics, "", ""},
}

func (b *accessBundle) matrixVars() map[string]any {
	return map[string]any{"case": b.fx.cases[0], "household": b.fx.households[0], "adult": b.fx.persons[0], "minor": b.fx.minors[0],
		"assessment": b.ax.assessment, "participation": b.ax.participant, "activity": b.ax.activity}
}

func lookup(data map[string]any, path []string) (any, bool) {
	var cur any = data
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func pathOf(e []any) string {
	parts := make([]string, len(e))
	for i, p := range e {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

// TestAuthorizationMatrix runs the matrix query as every role for each of its purposes:
// objects outside the row scope are null without an error, fields of a category the
// plan grants are there, the others are null with FORBIDDEN at their path, and a minor's
// fields also need minors' data.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	covered := map[access.Category]bool{}
	for _, l := range matrixLeaves {
		covered[l.cat] = true
	}
	for _, c := range access.Categories() {
		if c != access.CategoryJudicial && c != access.CategoryMinors {
			require.True(t, covered[c], "the matrix query reads no %s field", c)
		}
	}
	for _, row := range matrix {
		t.Run(row.who+"/"+string(row.purpose), func(t *testing.T) {
			t.Parallel()
			r := b.as(t, row.who, row.purpose, matrixQuery, b.matrixVars())
			require.Equal(t, http.StatusOK, r.Status)
			roots := words(row.roots)
			cats, minorsOnly := map[access.Category]bool{}, map[access.Category]bool{}
			for _, c := range words(row.cats) {
				if n, ok := strings.CutSuffix(c, "@minors"); ok {
					minorsOnly[access.Category(n)] = true
				} else {
					cats[access.Category(c)] = true
				}
			}
			errs := map[string]string{}
			for _, e := range r.Errors {
				errs[pathOf(e.Path)] = fmt.Sprint(e.Extensions["code"])
			}
			denied := 0
			for _, l := range matrixLeaves {
				p := strings.Join(l.path, ".")
				if !slices.Contains(roots, l.path[0]) {
					v, _ := lookup(r.Data, l.path[:1])
					require.Nil(t, v, "%s lies outside the row scope", l.path[0])
					require.NotContains(t, errs, p, "nothing to deny outside the row scope")
					continue
				}
				if len(l.path) == 3 && !cats[access.CategorySocioEconomic] {
					continue // isee itself was denied
				}
				ok := (cats[l.cat] || (l.minor && minorsOnly[l.cat])) && (!l.minor || cats[access.CategoryMinors])
				v, present := lookup(r.Data, l.path)
				require.True(t, present || !ok, "%s missing", p)
				if ok {
					require.NotContains(t, errs, p, "%s is granted", p)
					if l.valued {
						require.NotNil(t, v, "%s has a value", p)
					}
				} else {
					require.Equal(t, "FORBIDDEN", errs[p], "%s is not granted: %v", p, r.Errors)
					require.Nil(t, v, p)
					denied++
				}
			}
			require.Len(t, r.Errors, denied, "only the denied fields err: %+v", r.Errors)
			t.Logf("%d objects in scope, %d fields denied", len(roots), denied)
			if id, ok := lookup(r.Data, []string{"a", "id"}); ok && id != nil {
				if row.who == "esf_auditor" {
					require.NotEqual(t, b.fx.persons[0], id, "the auditor never sees the hub's person ids")
					raw, err := base64.RawURLEncoding.DecodeString(id.(string))
					require.NoError(t, err)
					require.Equal(t, "Person:"+b.pseudo.Person(b.ax.adult), string(raw))
				} else {
					require.Equal(t, b.fx.persons[0], id)
				}
			}
		})
	}
}

// The ESF+ auditor follows participants through their pseudonym only: the same person
// has the same pseudonym in every request, and identity fields are refused.
func TestAuditorSeesPseudonymsOnly(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 3)
	q := `{ participations(first: 10) { totalCount edges { node { entryDate person { id pseudonym taxCode givenName familyName birthDate } } } } }`
	r := b.as(t, "esf_auditor", access.PurposeESFAudit, q, nil)
	conn := at[map[string]any](t, r.Data, "participations")
	require.EqualValues(t, 3, conn["totalCount"])
	pseudonyms := map[string]bool{}
	for _, e := range at[[]any](t, conn, "edges") {
		p := at[map[string]any](t, e, "node.person")
		require.Regexp(t, `^ps_[a-z2-7]{26}$`, p["pseudonym"])
		pseudonyms[at[string](t, p, "pseudonym")] = true
		for _, f := range []string{"taxCode", "givenName", "familyName", "birthDate"} {
			require.Nil(t, p[f])
		}
	}
	require.Len(t, pseudonyms, 3)
	forbidden := 0
	for _, e := range r.Errors {
		require.Equal(t, "FORBIDDEN", e.Extensions["code"])
		require.Contains(t, e.Message, "identity")
		forbidden++
	}
	require.Equal(t, 3*4, forbidden)
	again := b.as(t, "esf_auditor", access.PurposeESFAudit, q, nil)
	for _, e := range at[[]any](t, again.Data, "participations.edges") {
		p := at[map[string]any](t, e, "node.person")
		require.True(t, pseudonyms[at[string](t, p, "pseudonym")], "stable across requests")
	}
	// A pseudonymous id names nothing.
	id := path(t, conn, "edges.0.node.person.id")
	d := b.okAs(t, "esf_auditor", access.PurposeESFAudit, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
	require.Nil(t, d["node"])

	// What each purpose reads about a participant, through its own list.
	const fields = `{ participations(first: 10) { edges { node { entryDate isced minority person { pseudonym gender phone } } } } }`
	for purpose, granted := range map[access.Purpose][]string{
		access.PurposeESFAudit:      {"entryDate", "isced", "minority", "pseudonym", "gender"},
		access.PurposeESFMonitoring: {"entryDate", "pseudonym"},
	} {
		r := b.as(t, "esf_auditor", purpose, fields, nil)
		denied := map[string]bool{}
		for _, e := range r.Errors {
			require.Equal(t, "FORBIDDEN", e.Extensions["code"], e.Message)
			denied[fmt.Sprint(e.Path[len(e.Path)-1])] = true
		}
		for _, f := range []string{"entryDate", "isced", "minority", "pseudonym", "gender", "phone"} {
			require.Equal(t, !slices.Contains(granted, f), denied[f], "%s reads %s", purpose, f)
		}
	}
}

// A pseudonymous role cannot turn the ids other roles see into pseudonyms: every object
// naming a person, looked up by the hub's id, is null exactly like a missing one, through
// node and nodes alike; its searches by name or tax code are refused before they run.
func TestPseudonymousRolesResolveNoHubIDs(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	ids := append(append(append([]string{}, b.fx.persons...), b.fx.minors...), b.fx.cases...)
	ids = append(append(ids, b.fx.households...), b.ax.participant, b.ax.assessment)
	for _, purpose := range []access.Purpose{access.PurposeESFAudit, access.PurposeESFMonitoring} {
		for _, id := range ids {
			r := b.as(t, "esf_auditor", purpose, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			require.Empty(t, r.Errors)
			require.Nil(t, r.Data["node"], "%s resolves %s", purpose, id)
		}
		r := b.as(t, "esf_auditor", purpose, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
		require.Empty(t, r.Errors)
		for _, n := range at[[]any](t, r.Data, "nodes") {
			require.Nil(t, n)
		}
		// The same ids resolve for a role that sees them.
		d := b.okAs(t, "dpo", access.PurposeDataProtectionReview, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
		for _, n := range at[[]any](t, d, "nodes") {
			require.NotNil(t, n)
		}

		var taxCode string
		require.NoError(t, b.store.Pool().QueryRow(context.Background(), `SELECT tax_code FROM persons WHERE id = $1`, rowID(t, b.fx.persons[0])).Scan(&taxCode))
		for _, q := range []struct{ query, field string }{
			{`query($s: String) { persons(first: 5, filter: {search: $s}) { totalCount edges { node { pseudonym } } } }`, "filter.search"},
			{`query($s: String) { participations(first: 5, filter: {search: $s}) { totalCount edges { node { id } } } }`, "filter.search"},
			{`query($s: String) { cases(first: 5, filter: {search: $s}) { totalCount } }`, "filter.search"},
		} {
			for _, s := range []string{taxCode, taxCode[:6], "Rossi"} {
				r := b.as(t, "esf_auditor", purpose, q.query, map[string]any{"s": s})
				require.Len(t, r.Errors, 1, "%s %s", purpose, q.query)
				require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])
				require.Contains(t, r.Errors[0].Message, q.field)
				require.Contains(t, r.Errors[0].Message, "identity")
				require.Nil(t, r.Data, "refused before it runs: no count, no page")
			}
		}
	}
}

// Objects of another organisation are null, exactly like objects that do not exist; the
// same for writes naming them.
func TestCrossOrganisationProbes(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	missing := func(typ string) string { return globalid.Encode(typ, "7d0e3c41-0000-4000-8000-00000000beef") }
	const probe = `query($id: ID!) { node(id: $id) { id __typename } }`
	raw := func(r gqlResponse) string {
		out, err := json.Marshal(map[string]any{"data": r.Data, "errors": r.Errors})
		require.NoError(t, err)
		return string(out)
	}
	for _, tc := range []struct {
		who, typ string
		purpose  access.Purpose
		ids      []string
	}{
		{"torino", "Case", access.PurposeCaseManagement, b.fx.cases},
		{"torino", "Person", access.PurposeCaseManagement, append(append([]string{}, b.fx.persons...), b.fx.minors...)},
		{"torino", "Household", access.PurposeCaseManagement, b.fx.households},
		{"torino", "Assessment", access.PurposeCaseManagement, []string{b.ax.assessment}},
		{"torino", "ActivityEntry", access.PurposeCaseManagement, []string{b.ax.activity}},
		{"torino", "Participation", access.PurposeCaseManagement, []string{b.ax.participant}},
		{"social_worker", "Case", access.PurposeCaseManagement, []string{b.ax.torinoCase}},
		{"social_worker", "Person", access.PurposeCaseManagement, []string{b.ax.torinoPerson}},
		{"social_worker", "Household", access.PurposeCaseManagement, []string{b.ax.torinoHousehold}},
		{"case_manager", "Case", access.PurposeCaseManagement, []string{b.ax.torinoCase}},
		{"employment_officer", "Person", access.PurposeEmploymentServices, []string{b.ax.torinoPerson}},
		{"esf_auditor", "Case", access.PurposeESFAudit, b.fx.cases},
		{"esf_auditor", "Person", access.PurposeESFAudit, b.fx.minors},
	} {
		want := raw(b.as(t, tc.who, tc.purpose, probe, map[string]any{"id": missing(tc.typ)}))
		require.Equal(t, `{"data":{"node":null},"errors":null}`, want)
		for _, id := range tc.ids {
			got := raw(b.as(t, tc.who, tc.purpose, probe, map[string]any{"id": id}))
			require.Equal(t, want, got, "%s probing %s %s", tc.who, tc.typ, id)
		}
	}
	// Lists: each organisation counts only its own.
	d := b.okAs(t, "torino", access.PurposeCaseManagement, `{ cases(first: 10) { totalCount } persons(first: 10) { totalCount } }`, nil)
	require.EqualValues(t, 1, path(t, d, "cases.totalCount"))
	require.EqualValues(t, 1, path(t, d, "persons.totalCount"))
	d = b.okAs(t, "social_worker", access.PurposeCaseManagement, `{ cases(first: 10) { totalCount } }`, nil)
	require.EqualValues(t, 2, path(t, d, "cases.totalCount"))
	// A cooperative sees only its own projects and interventions in a shared case.
	d = b.okAs(t, "case_manager", access.PurposeCaseManagement, `{ cases(first: 10) { totalCount edges { node { projects { provider { code } } interventions { provider { code } } activity { note } } } } }`, nil)
	for _, e := range at[[]any](t, d, "cases.edges") {
		n := at[map[string]any](t, e, "node")
		require.Len(t, n["projects"], 2)
		require.Empty(t, n["activity"], "the social worker's register entries are not the cooperative's")
	}

	// Writes naming another organisation's objects fail exactly as for missing ones.
	const closeCase = `mutation($id: ID!) { closeCase(input: {caseId: $id, closedOn: "2024-07-01"}) { case { id } } }`
	want := b.as(t, "torino", access.PurposeCaseManagement, closeCase, map[string]any{"id": missing("Case")})
	got := b.as(t, "torino", access.PurposeCaseManagement, closeCase, map[string]any{"id": b.fx.cases[0]})
	require.NotEmpty(t, want.Errors)
	require.Equal(t, raw(want), raw(got))
	var status string
	require.NoError(t, b.store.Pool().QueryRow(context.Background(), `SELECT status FROM cases WHERE reference = 'PI-2020-0001'`).Scan(&status))
	require.Equal(t, "OPEN", status)
}

// dbSnapshot fingerprints every table a mutation may write, as the operator sees it.
func dbSnapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"persons", "households", "household_members", "cases", "case_organisations", "case_departments",
		"assessments", "assessment_scores", "projects", "interventions", "activity_entries", "participations", "access_log",
		"rights_requests", "rights_request_events", "processing_restrictions", "person_rectifications", "retention_ledger", "consent_records", "consent_record_events"} {
		var sum string
		require.NoError(t, st.Pool().QueryRow(context.Background(),
			`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM `+table+` x`).Scan(&sum))
		parts = append(parts, table+":"+sum)
	}
	return strings.Join(parts, " ")
}

// mutationCase is one mutation of the API with a valid input for the fixture's first case.
type mutationCase struct {
	field string
	input func(b *accessBundle) map[string]any
}

func fixtureRowIDs(t *testing.T, b *accessBundle) (projects, interventions []string, member string) {
	t.Helper()
	ctx := context.Background()
	_, caseID, _ := globalid.Decode(b.fx.cases[0])
	rows, err := b.store.Pool().Query(ctx, `SELECT id::text FROM projects WHERE case_id = $1 ORDER BY title`, caseID)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		projects = append(projects, globalid.Encode("Project", id))
	}
	rows.Close()
	rows, err = b.store.Pool().Query(ctx, `SELECT id::text FROM interventions WHERE case_id = $1 ORDER BY id`, caseID)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		interventions = append(interventions, globalid.Encode("Intervention", id))
	}
	rows.Close()
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT id::text FROM household_members WHERE person_id = $1`, b.ax.adult).Scan(&member))
	return projects, interventions, globalid.Encode("HouseholdMember", member)
}

// TestMutationsPerRole runs every mutation as every role: the ones its plan allows get
// past access control, the others fail with FORBIDDEN at their field and leave the
// database exactly as it was, access log included.
func TestMutationsPerRole(t *testing.T) {
	t.Parallel()
	allowed := map[string]string{
		"social_worker": "registerPerson createHousehold addHouseholdMember endHouseholdMembership openCase closeCase recordAssessment " +
			"createProject updateProject activateIntervention completeIntervention interruptIntervention addActivityEntry " +
			"enrolParticipant recordParticipantExit refreshRegistryData recordConsent",
		"case_manager": "createProject updateProject activateIntervention completeIntervention interruptIntervention addActivityEntry " +
			"recordParticipantExit",
		"employment_officer": "refreshRegistryData",
		"school_liaison":     "",
		"esf_auditor":        "",
		"dashboard":          "",
		"dpo":                "registerPerson createRightsRequest restrictProcessing recordConsent",
		"admin":              "refreshRegistryData",
	}
	purposes := map[string]access.Purpose{"social_worker": access.PurposeCaseManagement, "case_manager": access.PurposeCaseManagement,
		"employment_officer": access.PurposeEmploymentServices, "school_liaison": access.PurposeSchoolAttendance,
		"esf_auditor": access.PurposeESFAudit, "dashboard": access.PurposeStatistics, "dpo": access.PurposeDataProtectionReview,
		"admin": access.PurposeStatistics}
	for who := range allowed {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			b := setupAccess(t, 1)
			projects, interventions, member := fixtureRowIDs(t, b)
			fx := b.fx
			cases := []mutationCase{
				{"registerPerson", func(*accessBundle) map[string]any {
					return map[string]any{"taxCode": "MRTMRA83T56A269B", "givenName": "Maria", "familyName": "Martini"}
				}},
				{"createHousehold", func(*accessBundle) map[string]any { return map[string]any{"label": "Martini"} }},
				{"endHouseholdMembership", func(*accessBundle) map[string]any { return map[string]any{"memberId": member, "validTo": "2024-06-30"} }},
				{"addHouseholdMember", func(*accessBundle) map[string]any {
					return map[string]any{"householdId": fx.households[0], "personId": fx.persons[0], "relationship": "HEAD", "validFrom": "2024-07-01"}
				}},
				{"openCase", func(*accessBundle) map[string]any {
					return map[string]any{"reference": "PI-2024-0100", "householdId": fx.households[0], "organisationId": fx.agency,
						"leadWorkerId": fx.worker, "openedOn": "2024-01-10", "confirmSecondCase": true}
				}},
				{"recordAssessment", func(*accessBundle) map[string]any {
					return map[string]any{"caseId": fx.cases[0], "personId": fx.persons[0], "assessorId": fx.worker, "assessedOn": "2024-01-15", "scores": tenScores()}
				}},
				{"createProject", func(*accessBundle) map[string]any {
					return map[string]any{"caseId": fx.cases[0], "participantId": fx.persons[0], "providerId": fx.coop, "caseManagerId": fx.manager, "title": "x"}
				}},
				{"updateProject", func(*accessBundle) map[string]any {
					return map[string]any{"projectId": projects[0], "title": "renamed"}
				}},
				{"activateIntervention", func(*accessBundle) map[string]any {
					return map[string]any{"caseId": fx.cases[0], "serviceType": "ORIENTATION", "providerId": fx.coop, "beneficiaryId": fx.persons[0], "startsOn": "2024-02-05"}
				}},
				{"completeIntervention", func(*accessBundle) map[string]any {
					// Within the intervention's round (2020-10-01 to 2021-12-31).
					return map[string]any{"interventionId": interventions[0], "endsOn": "2021-05-31"}
				}},
				{"interruptIntervention", func(*accessBundle) map[string]any {
					return map[string]any{"interventionId": interventions[1], "endsOn": "2021-03-01", "reason": "moved"}
				}},
				{"addActivityEntry", func(*accessBundle) map[string]any {
					return map[string]any{"caseId": fx.cases[0], "authorId": fx.manager, "occurredOn": "2024-02-12", "kind": "CALL", "note": "x"}
				}},
				{"enrolParticipant", func(*accessBundle) map[string]any {
					return map[string]any{"operationId": fx.operation, "roundId": fx.round, "personId": fx.minors[0], "entryDate": "2021-02-01",
						"employmentStatus": "INACTIVE"}
				}},
				{"recordParticipantExit", func(b *accessBundle) map[string]any {
					return map[string]any{"participationId": b.ax.participant, "exitDate": "2021-06-30"}
				}},
				{"refreshRegistryData", func(*accessBundle) map[string]any { return map[string]any{"personId": fx.persons[0], "wait": 0} }},
				{"createRightsRequest", func(*accessBundle) map[string]any {
					return map[string]any{"personId": fx.persons[0], "kind": "ACCESS", "receivedOn": "2025-01-31"}
				}},
				{"recordConsent", func(b *accessBundle) map[string]any {
					return map[string]any{"personId": fx.minors[0], "controllerOrganisationId": b.ax.school, "purposes": []any{"school_attendance"},
						"method": "WRITTEN", "evidenceRef": "protocol 12/2025"}
				}},
				{"restrictProcessing", func(*accessBundle) map[string]any {
					return map[string]any{"personId": fx.persons[0], "reason": "accuracy contested"}
				}},
				// Last: closing the case stops the others.
				{"closeCase", func(b *accessBundle) map[string]any {
					if who == "social_worker" {
						// A case closes once its services have ended: those still running
						// are ended first, as the owner.
						for _, sql := range []string{`UPDATE interventions SET status = 'COMPLETED', ends_on = greatest(starts_on, '2021-06-30') WHERE status IN ('PLANNED', 'ACTIVE')`,
							`UPDATE projects SET status = 'CONCLUDED', ended_on = '2024-06-30', outcome = 'WITHDREW' WHERE status IN ('DRAFT', 'ACTIVE', 'SUSPENDED')`} {
							_, err := b.store.Pool().Exec(context.Background(), sql)
							require.NoError(t, err)
						}
					}
					return map[string]any{"caseId": fx.cases[0], "closedOn": "2024-07-01"}
				}},
			}
			inputType := func(field string) string {
				if field == "refreshRegistryData" {
					return "RefreshRegistryDataInput"
				}
				return strings.ToUpper(field[:1]) + field[1:] + "Input"
			}
			ok := words(allowed[who])
			for _, mc := range cases {
				q := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { __typename } }`, inputType(mc.field), mc.field)
				before := dbSnapshot(t, b.store)
				r := b.as(t, who, purposes[who], q, map[string]any{"in": mc.input(b)})
				forbidden := false
				for _, e := range r.Errors {
					if e.Extensions["code"] == "FORBIDDEN" {
						forbidden = true
						require.Equal(t, []any{mc.field}, e.Path)
					}
				}
				if slices.Contains(ok, mc.field) {
					require.False(t, forbidden, "%s may %s: %+v", who, mc.field, r.Errors)
					if who == "social_worker" && mc.field != "refreshRegistryData" {
						require.Empty(t, r.Errors, "%s: %+v", mc.field, r.Errors)
					}
					continue
				}
				require.True(t, forbidden, "%s may not %s: %+v", who, mc.field, r.Errors)
				require.Nil(t, r.Data)
				require.Equal(t, before, dbSnapshot(t, b.store), "%s %s wrote something", who, mc.field)
			}
		})
	}
}

// A person registered in one request is taken in charge in the next ones by the same
// organisation, and stays invisible to others.
func TestRegisteredPersonIsTakenInChargeLater(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	d := b.okAs(t, "social_worker", access.PurposeCaseManagement,
		`mutation { registerPerson(input: {taxCode: "MRTMRA83T56A269B", givenName: "Maria", familyName: "Martini"}) { person { id } } }`, nil)
	person := at[string](t, d, "registerPerson.person.id")
	d = b.okAs(t, "social_worker", access.PurposeCaseManagement, `mutation { createHousehold(input: {label: "Martini"}) { household { id } } }`, nil)
	household := at[string](t, d, "createHousehold.household.id")

	const probe = `query($id: ID!) { node(id: $id) { id } }`
	require.NotNil(t, b.okAs(t, "social_worker", access.PurposeCaseManagement, probe, map[string]any{"id": person})["node"])
	require.Nil(t, b.okAs(t, "torino", access.PurposeCaseManagement, probe, map[string]any{"id": person})["node"])
	require.Nil(t, b.okAs(t, "case_manager", access.PurposeCaseManagement, probe, map[string]any{"id": person})["node"])

	b.okAs(t, "social_worker", access.PurposeCaseManagement, `mutation($in: AddHouseholdMemberInput!) { addHouseholdMember(input: $in) { member { id } } }`,
		map[string]any{"in": map[string]any{"householdId": household, "personId": person, "relationship": "HEAD", "validFrom": "2024-01-01"}})
	d = b.okAs(t, "social_worker", access.PurposeCaseManagement, `mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id person { givenName } household { members { person { taxCode } } } } } }`,
		map[string]any{"in": map[string]any{"reference": "PI-2024-0200", "personId": person, "householdId": household, "organisationId": b.fx.agency,
			"leadWorkerId": b.fx.worker, "openedOn": "2024-01-10", "partnerOrganisationIds": []string{b.ax.cpi}}})
	c := at[map[string]any](t, d, "openCase.case")
	require.Equal(t, "Maria", path(t, c, "person.givenName"))
	// Now the employment centre on the case sees her too; Torino still does not.
	d = b.okAs(t, "employment_officer", access.PurposeEmploymentServices, probe, map[string]any{"id": person})
	require.NotNil(t, d["node"])
	require.Nil(t, b.okAs(t, "torino", access.PurposeCaseManagement, probe, map[string]any{"id": person})["node"])
}

// Credentials: no token, a tampered JWT, an expired JWT, a revoked or expired partner
// token are refused before any resolver runs; a valid partner token works.
func TestCredentialsRefused(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	const q = `{ cases(first: 5) { totalCount } }`
	staffJWT := b.token(t, "social_worker")
	parts := strings.Split(staffJWT, ".")
	require.Len(t, parts, 3)
	// Flip the role claim in the payload, keeping the signature.
	claims, err := jsonB64Decode(parts[1])
	require.NoError(t, err)
	claims["ponte_role"] = "dpo"
	tamperedPayload, err := jsonB64Encode(claims)
	require.NoError(t, err)
	sig := []byte(parts[2])
	sig[len(sig)/2] ^= 1
	claimsOf := func(exp time.Time, aud string) jwt.MapClaims {
		return jwt.MapClaims{"iss": auth.DevIssuerName, "aud": aud, "sub": "sw.test", "exp": exp.Unix(), "iat": exp.Add(-time.Hour).Unix(),
			"ponte_role": "social_worker", "ponte_org": "SDS-PISA", "ponte_purposes": []string{"case_management"}}
	}
	expired := b.signWithIssuerKey(t, claimsOf(time.Now().Add(-10*time.Minute), auth.DevAudience))
	otherAudience := b.signWithIssuerKey(t, claimsOf(time.Now().Add(time.Hour), "another-hub"))
	fresh := b.signWithIssuerKey(t, claimsOf(time.Now().Add(time.Hour), auth.DevAudience))

	revoked, rec, err := issuePartner(ctx, b, access.RoleEmploymentOfficer, "CPI-PISA", access.PurposeEmploymentServices)
	require.NoError(t, err)
	_, err = accessdata.RevokeToken(ctx, b.store, rec.ID)
	require.NoError(t, err)
	lapsed, rec2, err := issuePartner(ctx, b, access.RoleEmploymentOfficer, "CPI-PISA", access.PurposeEmploymentServices)
	require.NoError(t, err)
	_, err = b.store.Pool().Exec(ctx, `UPDATE access_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = $1`, rec2.ID)
	require.NoError(t, err)
	valid, _, err := issuePartner(ctx, b, access.RoleEmploymentOfficer, "CPI-PISA", access.PurposeEmploymentServices)
	require.NoError(t, err)

	logBefore := dbSnapshot(t, b.store)
	for name, authz := range map[string]string{
		"no credentials":           "",
		"not a bearer token":       "Basic c3c6cHc=",
		"tampered claims":          "Bearer " + parts[0] + "." + tamperedPayload + "." + parts[2],
		"tampered signature":       "Bearer " + parts[0] + "." + parts[1] + "." + string(sig),
		"expired JWT":              "Bearer " + expired,
		"JWT for another audience": "Bearer " + otherAudience,
		"unknown partner token":    "Bearer pnt_" + strings.Repeat("A", 43),
		"revoked partner token":    "Bearer " + revoked,
		"expired partner token":    "Bearer " + lapsed,
		"signed by another issuer": "Bearer " + foreignJWT(t),
	} {
		r := b.send(t, authz, "", q, nil)
		require.Equal(t, http.StatusUnauthorized, r.Status, name)
		require.Nil(t, r.Data, name)
		require.Equal(t, "UNAUTHENTICATED", r.Errors[0].Extensions["code"], name)
	}
	require.Equal(t, logBefore, dbSnapshot(t, b.store), "refused requests touch nothing")

	r := b.send(t, "Bearer "+fresh, "", q, nil)
	require.Empty(t, r.Errors, "the same claims, signed and current, are accepted")
	r = b.send(t, "Bearer "+valid, "", q, nil)
	require.Empty(t, r.Errors)
	require.EqualValues(t, 1, path(t, r.Data, "cases.totalCount"))
	// A purpose the token was not granted is refused.
	r = b.send(t, "Bearer "+valid, string(access.PurposeCaseManagement), q, nil)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])
	// The IDE, health, readiness and metrics need no credentials.
	for _, path := range []string{"/", "/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(b.srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

// A search is a read of what it matches: a role without minors' data finds no minor by
// name or tax code — the answer is the one for a tax code nobody has — while a role with
// them does; LIKE's wildcards match only themselves.
func TestSearchesFindOnlyWhatTheCallerMayRead(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 2)
	ctx := context.Background()
	var minorCode, minorName, adultCode string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT tax_code, family_name FROM persons WHERE id = $1`, rowID(t, b.fx.minors[0])).Scan(&minorCode, &minorName))
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, rowID(t, b.fx.persons[0])).Scan(&adultCode))
	const q = `query($s: String) { persons(first: 5, filter: {search: $s}) { totalCount } cases(first: 5, filter: {search: $s}) { totalCount } }`
	count := func(who string, purpose access.Purpose, s string) [2]float64 {
		d := b.okAs(t, who, purpose, q, map[string]any{"s": s})
		return [2]float64{at[float64](t, d, "persons.totalCount"), at[float64](t, d, "cases.totalCount")}
	}
	nobody := count("employment_officer", access.PurposeEmploymentServices, "ZZZZZZ00A00Z000Z")
	require.Equal(t, [2]float64{0, 0}, nobody)
	for _, s := range []string{minorCode, minorCode[:11]} {
		require.Equal(t, nobody, count("employment_officer", access.PurposeEmploymentServices, s), "a minor is not found without minors' data")
		require.Equal(t, 1.0, count("social_worker", access.PurposeCaseManagement, s)[0], "the social worker follows minors")
	}
	require.Positive(t, count("employment_officer", access.PurposeEmploymentServices, adultCode)[0], "adults are found")
	for _, s := range []string{"%", "_", `\`, "%%"} {
		require.Equal(t, [2]float64{0, 0}, count("social_worker", access.PurposeCaseManagement, s), "%q matches itself, not everything", s)
	}
}

// A service type can be health data by itself: psychological support or home care tells
// what the beneficiary suffers from. A role that may not read health data does not see
// such an intervention at all — in a case's list, a project's, by id, or in an
// assessment's proposals — while the social worker does; the database refuses it too.
func TestServicesRevealingHealthAreHealthData(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	var psych string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `INSERT INTO interventions (case_id, project_id, round_id, service_type, provider_organisation_id,
		beneficiary_id, starts_on, status)
		SELECT case_id, project_id, round_id, 'PSYCHOLOGICAL_SUPPORT', provider_organisation_id, beneficiary_id, starts_on, status
		  FROM interventions WHERE case_id = $1 LIMIT 1 RETURNING id::text`, rowID(t, b.fx.cases[0])).Scan(&psych))
	_, err := b.store.Pool().Exec(ctx, `UPDATE assessments SET proposed_interventions = '{INTERNSHIP,PSYCHOLOGICAL_SUPPORT}' WHERE id = $1`,
		rowID(t, b.ax.assessment))
	require.NoError(t, err)
	psychID := globalid.Encode("Intervention", psych)

	const q = `query($case: ID!, $i: ID!, $a: ID!) {
	  c: node(id: $case) { ... on Case { interventions { serviceType } projects { interventions { serviceType } } } }
	  i: node(id: $i) { id }
	  a: node(id: $a) { ... on Assessment { proposedInterventions } } }`
	vars := map[string]any{"case": b.fx.cases[0], "i": psychID, "a": b.ax.assessment}
	types := func(d map[string]any) []string {
		var out []string
		c, _ := d["c"].(map[string]any)
		if c == nil {
			return nil
		}
		add := func(x any) {
			if st, ok := x.(map[string]any)["serviceType"].(string); ok { // null: a minor's, without minors' data
				out = append(out, st)
			}
		}
		for _, x := range at[[]any](t, c, "interventions") {
			add(x)
		}
		for _, p := range at[[]any](t, c, "projects") {
			for _, x := range at[[]any](t, p, "interventions") {
				add(x)
			}
		}
		return out
	}
	d := b.okAs(t, "social_worker", access.PurposeCaseManagement, q, vars)
	require.Contains(t, types(d), "PSYCHOLOGICAL_SUPPORT")
	require.NotNil(t, d["i"])
	require.Equal(t, []any{"INTERNSHIP", "PSYCHOLOGICAL_SUPPORT"}, path(t, d, "a.proposedInterventions"))

	for _, who := range []struct {
		id      string
		purpose access.Purpose
	}{{"case_manager", access.PurposeCaseManagement}, {"employment_officer", access.PurposeEmploymentServices}} {
		r := b.as(t, who.id, who.purpose, q, vars)
		got := types(r.Data)
		require.NotEmpty(t, got, "%s sees the case's other interventions", who.id)
		require.NotContains(t, got, "PSYCHOLOGICAL_SUPPORT", who.id)
		require.Nil(t, r.Data["i"], "%s: by id, exactly like a missing intervention", who.id)
		if a, ok := r.Data["a"].(map[string]any); ok && a["proposedInterventions"] != nil {
			require.Equal(t, []any{"INTERNSHIP"}, a["proposedInterventions"], who.id)
		}
	}

	// The database's own answer to a request transaction without the health claim.
	plain := store.Scope{Kind: store.ScopeAll, HidesHealth: true}
	claims := plain.Claims()
	require.NoError(t, b.store.InTx(ctx, store.TxOptions{ReadOnly: true, Claims: claims, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		rows, err := casedata.InterventionsByIDs(ctx, tx, []string{psych})
		require.Empty(t, rows, "row security hides it even when the application filter would not")
		return err
	}))

	// The list the database uses is the list the hub uses.
	got := map[string]access.Category{}
	rows, err := b.store.Pool().Query(ctx, `SELECT service_type, category FROM service_type_categories`)
	require.NoError(t, err)
	for rows.Next() {
		var st, c string
		require.NoError(t, rows.Scan(&st, &c))
		got[st] = access.Category(c)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, access.RevealingServiceTypes, got)
}

// A benefit application names its whole household by tax code. Each member is a person
// the response names: shown only when the caller may see that person, aged by the
// minors' rule, and named in the access log; a member outside the scope, or unknown to
// the hub, is left out.
func TestBenefitHouseholdMembersFollowTheRowScope(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	code := func(gid string) string {
		var c string
		require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, rowID(t, gid)).Scan(&c))
		return c
	}
	adult, minor, outsider := code(b.fx.persons[0]), code(b.fx.minors[0]), code(b.ax.torinoPerson)
	members := fmt.Sprintf(`[{"tax_code":%q,"role":"applicant"},{"tax_code":%q,"role":"member","relationship":"figlio"},
		{"tax_code":%q,"role":"member"},{"tax_code":"BNCGNN80A01H501X","role":"member","birth_date":"1980-01-01"}]`, adult, minor, outsider)
	_, err := b.store.Pool().Exec(ctx, `INSERT INTO registry_benefit_cases (source, source_ref, tax_code, programme, application_protocol,
		household_members, member_tax_codes, status, status_raw, status_date, raw_payload, payload_sha256, content_type, origin, fetched_at)
		VALUES ('benefits', 'ADI/INPS-1', $1, 'ADI', 'INPS-1', $2::jsonb, ARRAY[$1, $3, $4, 'BNCGNN80A01H501X'], 'ACCEPTED', 'accolta',
		'2024-03-01', '\x7b7d'::bytea, repeat('a', 64), 'application/json', 'sync', now())`, adult, members, minor, outsider)
	require.NoError(t, err)

	const q = `query Benefits($p: ID!) { node(id: $p) { ... on Person { benefits { householdMembers { taxCode relationship } } } } }`
	for _, tc := range []struct {
		who     string
		purpose access.Purpose
		want    []any // tax codes shown (nil where the field is denied)
		logged  []string
	}{
		{"social_worker", access.PurposeCaseManagement, []any{adult, minor}, []string{b.fx.persons[0], b.fx.minors[0]}},
		{"case_manager", access.PurposeCaseManagement, []any{adult, minor}, []string{b.fx.persons[0], b.fx.minors[0]}},
		// No minors' data: the child is not even named.
		{"employment_officer", access.PurposeEmploymentServices, []any{adult}, []string{b.fx.persons[0]}},
	} {
		before := len(accessLog(t, b.store))
		r := b.as(t, tc.who, tc.purpose, q, map[string]any{"p": b.fx.persons[0]})
		ben := at[[]any](t, r.Data, "node.benefits")
		require.Len(t, ben, 1, tc.who)
		var got []any
		for _, m := range at[[]any](t, ben, "0.householdMembers") {
			got = append(got, path(t, m, "taxCode"))
		}
		require.Equal(t, tc.want, got, "%s: the outsider and the unknown person are left out", tc.who)
		recs := accessLog(t, b.store)
		require.Len(t, recs, before+1)
		var want []string
		for _, p := range tc.logged {
			want = append(want, rowID(t, p))
		}
		slices.Sort(want)
		require.Equal(t, want, recs[len(recs)-1].PersonIDs, "%s: every member shown is in the log", tc.who)
		if tc.who != "employment_officer" {
			require.Contains(t, recs[len(recs)-1].Categories, "minors")
		}
	}
}
