package server_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/ponte-hub/ponte/graph"
	"github.com/ponte-hub/ponte/graph/generated"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// schemaNames are the database's own names an error must never show a client.
var schemaNames = regexp.MustCompile(`_(key|pkey|fkey|check)\b|violates|constraint|relation "|SQLSTATE`)

// requireBadInput requires the answer to refuse the input at field: BAD_USER_INPUT naming
// it, and for a mutation the note that nothing was stored, but no internal or
// unavailable error, and no word of the schema. It returns the reason given for field.
func requireBadInput(t testing.TB, r gqlResponse, field string) string {
	t.Helper()
	require.NotEmpty(t, r.Errors, "expected BAD_USER_INPUT at %s", field)
	reason := ""
	for _, e := range r.Errors {
		code := e.Extensions["code"]
		require.NotContains(t, []any{"INTERNAL", "UNAVAILABLE"}, code, "%+v", r.Errors)
		require.NotRegexp(t, schemaNames, e.Message)
		if code != "BAD_USER_INPUT" || reason != "" {
			continue
		}
		require.Equal(t, field, e.Extensions["field"], "%+v", r.Errors)
		for _, f := range at[[]any](t, e.Extensions, "fields") {
			fm := f.(map[string]any)
			require.NotRegexp(t, schemaNames, fm["field"])
			if fm["field"] == field {
				reason = at[string](t, fm, "reason")
			}
		}
	}
	require.NotEmpty(t, reason, "no BAD_USER_INPUT at %s: %+v", field, r.Errors)
	return reason
}

// requireNotApplied requires a failed mutation's answer: no data, and NOT_APPLIED.
func requireNotApplied(t testing.TB, r gqlResponse) {
	t.Helper()
	require.Nil(t, r.Data)
	require.True(t, hasCode(r, "NOT_APPLIED"), "%+v", r.Errors)
}

// hasCode reports whether any error of the answer carries code.
func hasCode(r gqlResponse, code string) bool {
	for _, e := range r.Errors {
		if e.Extensions["code"] == code {
			return true
		}
	}
	return false
}

// A NUL character reached PostgreSQL, which refuses it in text: INTERNAL for a mutation,
// UNAVAILABLE ("try again") for a search, whose aborted transaction could not log. Now
// it is refused before the resolver runs, naming the argument, and nothing is stored.
func TestNULIsRefusedBeforeTheDatabase(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	sw := func(q string, vars map[string]any) gqlResponse {
		return b.as(t, "social_worker", access.PurposeCaseManagement, q, vars)
	}

	// Searches, inline and through a variable.
	r := sw(`{ cases(filter: {search: "Ros\u0000si"}) { totalCount } }`, nil)
	require.Contains(t, requireBadInput(t, r, "filter.search"), "NUL")
	r = sw(`query($f: PersonFilter) { persons(filter: $f) { totalCount } }`, map[string]any{"f": map[string]any{"search": "R\x00"}})
	requireBadInput(t, r, "filter.search")
	// A nested field's argument.
	r = b.as(t, "dpo", access.PurposeDataProtectionReview,
		`{ operations(first: 1) { edges { node { participations(search: "\u0000") { totalCount } } } } }`, nil)
	requireBadInput(t, r, "search")
	// Ids, and an element of a list.
	requireBadInput(t, sw(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": b.fx.cases[0] + "\x00"}), "id")
	r = sw(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{b.fx.cases[0], "x\x00"}})
	require.Contains(t, requireBadInput(t, r, "ids"), "item 2")
	// The access log's subject.
	r = b.as(t, "dpo", access.PurposeDataProtectionReview, `{ accessLog(subject: "sw.test\u0000") { edges { node { subject } } } }`, nil)
	requireBadInput(t, r, "subject")

	// A mutation: refused, and nothing stored.
	before := dbSnapshot(t, b.store)
	r = sw(`mutation($in: RegisterPersonInput!) { registerPerson(input: $in) { person { id } } }`,
		map[string]any{"in": map[string]any{"taxCode": "MRTMRA83T56A269B", "givenName": "Ma\x00ria", "familyName": "Martini"}})
	requireBadInput(t, r, "input.givenName")
	requireNotApplied(t, r)
	r = sw(`mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id } } }`, map[string]any{"in": map[string]any{
		"reference": "PI-2024-0100", "householdId": b.fx.households[0], "organisationId": b.fx.agency, "leadWorkerId": b.fx.worker,
		"openedOn": "2024-01-10", "departmentIds": []string{b.fx.careDept, "\x00"}, "summary": "\x00"}})
	requireBadInput(t, r, "input.departmentIds")
	requireNotApplied(t, r)
	require.Len(t, r.Errors[0].Extensions["fields"], 2, "every NUL at once: %+v", r.Errors[0].Extensions)
	require.Equal(t, before, dbSnapshot(t, b.store), "nothing stored")
}

// LIKE's wildcards in a search matched everything: "%" listed every person in scope, "_"
// every case, and a trailing backslash broke the statement. A search is for the text
// given, characters and all.
func TestSearchWildcardsMatchThemselves(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 3)
	total := func(who string, purpose access.Purpose, q string, search string) float64 {
		t.Helper()
		d := b.okAs(t, who, purpose, q, map[string]any{"s": search})
		for _, v := range d {
			if m, ok := v.(map[string]any); ok && m["totalCount"] != nil {
				return at[float64](t, m, "totalCount")
			}
			edges := at[[]any](t, v, "edges")
			return at[float64](t, edges, "0.node.participations.totalCount")
		}
		return -1
	}
	persons := `query($s: String) { persons(filter: {search: $s}) { totalCount } }`
	cases := `query($s: String) { cases(filter: {search: $s}) { totalCount } }`
	participations := `query($s: String) { participations(filter: {search: $s}) { totalCount } }`
	nested := `query($s: String) { operations(first: 1) { edges { node { participations(search: $s) { totalCount } } } } }`
	sw, dpo := access.PurposeCaseManagement, access.PurposeDataProtectionReview
	require.Positive(t, total("social_worker", sw, persons, ""), "the scope holds persons")
	require.Positive(t, total("social_worker", sw, cases, "PI-2020"), "a plain search still finds")
	for _, attack := range []string{"%", "_", "%%", "_%", `\`, `%\`, "PI_2020%"} {
		require.Zero(t, total("social_worker", sw, persons, attack), "persons %q", attack)
		require.Zero(t, total("social_worker", sw, cases, attack), "cases %q", attack)
		require.Zero(t, total("dpo", dpo, participations, attack), "participations %q", attack)
		require.Zero(t, total("dpo", dpo, nested, attack), "an operation's participations %q", attack)
	}
	// The characters themselves are found: a case reference with an underscore.
	_, err := b.store.Pool().Exec(context.Background(), `UPDATE cases SET reference = 'PI_2020_7' WHERE reference = 'PI-2020-0003'`)
	require.NoError(t, err)
	require.EqualValues(t, 1, total("social_worker", sw, cases, "PI_2020"))
	require.EqualValues(t, 1, total("social_worker", sw, cases, "_2020_"))
}

// A duplicate tax code came back naming the constraint (persons_tax_code_key) as the
// field. Now it names the input field, and since the answer is about a person who may
// lie outside the caller's scope, it is the same whether or not the caller can see them,
// and says no more than "already registered". The same for the other unique keys a
// mutation can hit: a case's reference, a participant's entry.
func TestDuplicatesNameTheFieldAndNoMore(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	codeOf := func(gid string) string {
		t.Helper()
		_, id, err := globalid.Decode(gid)
		require.NoError(t, err)
		var code string
		require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, id).Scan(&code))
		return code
	}
	const register = `mutation($in: RegisterPersonInput!) { registerPerson(input: $in) { person { id } } }`
	attempt := func(taxCode string) gqlResponse {
		return b.as(t, "social_worker", access.PurposeCaseManagement, register,
			map[string]any{"in": map[string]any{"taxCode": taxCode, "givenName": "Intruso", "familyName": "Curioso"}})
	}
	before := dbSnapshot(t, b.store)
	visible := attempt(codeOf(b.fx.persons[0]))                             // a person of the social worker's own case
	invisible := attempt(codeOf(b.ax.torinoPerson))                         // Torino's, outside the scope
	require.Nil(t, b.okAs(t, "social_worker", access.PurposeCaseManagement, // (it is out of scope)
		`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": b.ax.torinoPerson})["node"])
	for _, r := range []gqlResponse{visible, invisible} {
		require.Equal(t, "a person with this tax code is already registered", requireBadInput(t, r, "input.taxCode"))
		requireNotApplied(t, r)
	}
	require.Equal(t, visible.Errors, invisible.Errors, "the same answer, seen or not")
	require.Equal(t, before, dbSnapshot(t, b.store), "nothing stored")

	const open = `mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id } } }`
	openAs := func(reference string) gqlResponse {
		return b.as(t, "social_worker", access.PurposeCaseManagement, open, map[string]any{"in": map[string]any{
			"reference": reference, "householdId": b.fx.households[0], "organisationId": b.fx.agency, "leadWorkerId": b.fx.worker, "openedOn": "2024-01-10",
			"confirmSecondCase": true}})
	}
	own, torino := openAs("PI-2020-0001"), openAs("TO-2021-0001")
	for _, r := range []gqlResponse{own, torino} {
		require.Equal(t, "a case with this reference already exists", requireBadInput(t, r, "input.reference"))
		requireNotApplied(t, r)
	}
	require.Equal(t, own.Errors, torino.Errors)

	var entry string
	_, pid, _ := globalid.Decode(b.fx.persons[0])
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT entry_date::text FROM participations WHERE person_id = $1`, pid).Scan(&entry))
	r := b.as(t, "social_worker", access.PurposeCaseManagement, `mutation($in: EnrolParticipantInput!) { enrolParticipant(input: $in) { participation { id } } }`,
		map[string]any{"in": map[string]any{"operationId": b.fx.operation, "personId": b.fx.persons[0], "entryDate": entry, "employmentStatus": "INACTIVE"}})
	require.Equal(t, "the person already entered this operation on this date", requireBadInput(t, r, "input.entryDate"))
	requireNotApplied(t, r)
	require.Equal(t, before, dbSnapshot(t, b.store), "nothing stored")
}

// A DateTime given as a date ("2024-01-01") failed inside the executor, INTERNAL; a Date
// given as a date and time is refused too. Both name the argument and say what to write.
func TestDatesOfTheWrongShapeNameTheArgument(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	dpo := func(q string, vars map[string]any) gqlResponse {
		return b.as(t, "dpo", access.PurposeDataProtectionReview, q, vars)
	}
	reason := requireBadInput(t, dpo(`{ accessLog(from: "2024-01-01") { edges { node { at } } } }`, nil), "from")
	require.Contains(t, reason, "2024-01-01T00:00:00Z")
	requireBadInput(t, dpo(`query($to: DateTime) { accessLog(to: $to) { edges { node { at } } } }`, map[string]any{"to": "2024-01-01"}), "to")
	requireBadInput(t, dpo(`query($to: DateTime) { accessLog(to: $to) { edges { node { at } } } }`, map[string]any{"to": "yesterday"}), "to")
	require.Empty(t, dpo(`{ accessLog(from: "2024-01-01T00:00:00+01:00") { edges { node { at } } } }`, nil).Errors, "a point in time is accepted")

	requireBadInput(t, dpo(`{ cases(filter: {openedFrom: "2024-01-01T00:00:00Z"}) { totalCount } }`, nil), "filter.openedFrom")
	before := dbSnapshot(t, b.store)
	r := b.as(t, "social_worker", access.PurposeCaseManagement, `mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id } } }`,
		map[string]any{"in": map[string]any{"reference": "PI-2024-0100", "householdId": b.fx.households[0], "organisationId": b.fx.agency,
			"leadWorkerId": b.fx.worker, "openedOn": "2024-01-10T09:00:00Z"}})
	requireBadInput(t, r, "input.openedOn")
	require.Equal(t, before, dbSnapshot(t, b.store), "nothing stored")
}

// Every argument of the schema that carries text (String, ID) or a date (Date,
// DateTime), at any depth of an input, is tried with a NUL or a date of the wrong shape,
// and must be refused as that argument's BAD_USER_INPUT: a new argument cannot bypass the
// check. Mutations the caller may not run answer FORBIDDEN first, so each is tried as
// the identities that may.
func TestEveryTextAndDateArgumentIsChecked(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	callers := []struct {
		who     string
		purpose access.Purpose
	}{
		{"dpo", access.PurposeDataProtectionReview}, {"social_worker", access.PurposeCaseManagement},
		{"esf_auditor", access.PurposeESFMonitoring}, {"admin", access.PurposeStatistics},
	}
	type target struct {
		op     string // query or mutation
		parent *ast.Definition
		field  *ast.FieldDefinition
	}
	var targets []target
	for _, f := range schema.Query.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			targets = append(targets, target{"query", schema.Query, f})
		}
	}
	for _, f := range schema.Mutation.Fields {
		targets = append(targets, target{"mutation", schema.Mutation, f})
	}
	// Arguments of nested fields: reached through a parent the DPO can list.
	nestedVia := map[string]string{"Operation": `operations(first: 1) { edges { node { %s } } }`}
	for name, def := range schema.Types {
		if def.Kind != ast.Object || def == schema.Query || def == schema.Mutation || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if len(f.Arguments) > 0 {
				_, ok := nestedVia[name]
				require.True(t, ok, "%s.%s takes arguments: say in nestedVia how to reach it", name, f.Name)
				targets = append(targets, target{"query", def, f})
			}
		}
	}
	tried := 0
	for _, tg := range targets {
		for _, leaf := range leavesOf(schema, tg.field) {
			vars := map[string]any{}
			var decl, args []string
			for i, a := range tg.field.Arguments {
				onPath := leaf.path == a.Name || strings.HasPrefix(leaf.path, a.Name+".")
				if !onPath && !(a.Type.NonNull && a.DefaultValue == nil) {
					continue
				}
				v := fmt.Sprintf("a%d", i)
				decl = append(decl, "$"+v+": "+a.Type.String())
				args = append(args, a.Name+": $"+v)
				vars[v] = sampleValue(schema, a.Type, a.Name, leaf)
			}
			sel := tg.field.Name
			if len(args) > 0 {
				sel += "(" + strings.Join(args, ", ") + ")"
			}
			if k := schema.Types[tg.field.Type.Name()].Kind; k == ast.Object || k == ast.Interface || k == ast.Union {
				sel += " { __typename }"
			}
			if via, ok := nestedVia[tg.parent.Name]; ok {
				sel = fmt.Sprintf(via, sel)
			}
			q := tg.op + " Probe"
			if len(decl) > 0 {
				q += "(" + strings.Join(decl, ", ") + ")"
			}
			q += " { " + sel + " }"
			checked := false
			for _, c := range callers {
				r := b.as(t, c.who, c.purpose, q, vars)
				if tg.op == "mutation" && hasCode(r, "FORBIDDEN") {
					continue
				}
				t.Run(tg.parent.Name+"."+tg.field.Name+"/"+leaf.path+"/"+leaf.scalar, func(t *testing.T) {
					requireBadInput(t, r, leaf.path)
					if tg.op == "mutation" {
						requireNotApplied(t, r)
					}
				})
				checked = true
				break
			}
			require.True(t, checked, "no caller may run %s: add one to callers", tg.field.Name)
			tried++
		}
	}
	require.Greater(t, tried, 60, "the sweep found the schema's arguments")
}

// argLeaf is one text or date input of a field: its path from the argument ("input.taxCode")
// and its scalar.
type argLeaf struct{ path, scalar string }

func leavesOf(s *ast.Schema, f *ast.FieldDefinition) []argLeaf {
	var out []argLeaf
	var walk func(t *ast.Type, path string, depth int)
	walk = func(t *ast.Type, path string, depth int) {
		if t.Elem != nil {
			walk(t.Elem, path, depth)
			return
		}
		def := s.Types[t.NamedType]
		switch {
		case def.Kind == ast.InputObject && depth < 4:
			for _, fd := range def.Fields {
				walk(fd.Type, path+"."+fd.Name, depth+1)
			}
		case def.Kind == ast.Scalar && slices.Contains([]string{"String", "ID", "Date", "DateTime"}, def.Name):
			out = append(out, argLeaf{path, def.Name})
		}
	}
	for _, a := range f.Arguments {
		walk(a.Type, a.Name, 0)
	}
	return out
}

// sampleValue is a value of t at path that coerces, with every required field filled in,
// and the bad value at the leaf under test: a NUL in text, a date of the wrong shape.
func sampleValue(s *ast.Schema, t *ast.Type, path string, target argLeaf) any {
	if t.Elem != nil {
		return []any{sampleValue(s, t.Elem, path, target)}
	}
	def := s.Types[t.NamedType]
	switch def.Kind {
	case ast.InputObject:
		m := map[string]any{}
		for _, fd := range def.Fields {
			p := path + "." + fd.Name
			if target.path == p || strings.HasPrefix(target.path, p+".") || (fd.Type.NonNull && fd.DefaultValue == nil) {
				m[fd.Name] = sampleValue(s, fd.Type, p, target)
			}
		}
		return m
	case ast.Enum:
		return def.EnumValues[0].Name
	}
	if path == target.path {
		switch def.Name {
		case "Date":
			return "2024-01-01T00:00:00Z"
		case "DateTime":
			return "2024-01-01"
		}
		return "x\x00y"
	}
	switch def.Name {
	case "Int":
		return 1
	case "Float":
		return 1.5
	case "Boolean":
		return false
	case "Date":
		return "2024-01-01"
	case "DateTime":
		return "2024-01-01T00:00:00Z"
	}
	return "x"
}
