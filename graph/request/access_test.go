package request_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/ponte-hub/ponte/graph"
	"github.com/ponte-hub/ponte/graph/generated"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// personalTypes are the object types whose fields describe persons, their cases and the
// services they receive: every field but the id carries a data category.
var personalTypes = []string{"Person", "Household", "HouseholdMember", "Case", "CaseOrganisationLink", "AreaScore",
	"Assessment", "Project", "Intervention", "ActivityEntry", "Participation", "BenefitCase", "BenefitHouseholdMember",
	"Isee", "LabourStatus", "EmploymentEvent", "SchoolRecord", "SchoolQualification"}

func schema() *ast.Schema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
}

// Every field of a personal-data type carries @category with a category of the access
// vocabulary, and is nullable so a denied one can be null without taking its parent.
func TestEveryPersonalFieldHasACategory(t *testing.T) {
	t.Parallel()
	s := schema()
	for _, name := range personalTypes {
		def := s.Types[name]
		require.NotNil(t, def, "type %s is missing from the schema", name)
		for _, f := range def.Fields {
			if f.Name == "id" || strings.HasPrefix(f.Name, "__") {
				continue
			}
			d := f.Directives.ForName("category")
			require.NotNil(t, d, "%s.%s has no @category", name, f.Name)
			require.False(t, f.Type.NonNull, "%s.%s can be denied, so it must be nullable", name, f.Name)
		}
	}
	// Every category named anywhere maps to the vocabulary.
	for _, def := range s.Types {
		for _, f := range def.Fields {
			d := f.Directives.ForName("category")
			if d == nil {
				continue
			}
			v := d.Arguments.ForName("name").Value.Raw
			_, ok := request.SchemaCategory(v)
			require.True(t, ok, "%s.%s: category %s is not in the access vocabulary", def.Name, f.Name, v)
		}
	}
	// The schema's enum spells every category of the vocabulary.
	enum := s.Types["DataCategory"]
	for _, c := range access.Categories() {
		require.NotNil(t, enum.EnumValues.ForName(strings.ToUpper(string(c))), "DataCategory lacks %s", c)
	}
}

// Every mutation of the schema has an access rule; an unknown one is refused.
func TestEveryMutationHasAnAccessRule(t *testing.T) {
	t.Parallel()
	known := request.MutationFields()
	for _, f := range schema().Mutation.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		require.Contains(t, known, f.Name, "mutation %s has no access rule in graph/request/mutations.go", f.Name)
	}
}

func plan(t *testing.T, role access.Role, purpose access.Purpose) *access.Plan {
	t.Helper()
	policy, err := access.DefaultPolicy()
	require.NoError(t, err)
	authz, err := access.NewAuthorizer(policy)
	require.NoError(t, err)
	p, err := authz.Plan(access.Principal{Subject: "s", Role: role, OrganisationID: "7d0e3c41-0000-4000-8000-000000000001",
		OrganisationCode: "ORG", Purposes: []access.Purpose{purpose}, Purpose: purpose})
	require.NoError(t, err)
	return p
}

// newRequest returns a context with a request under pl (nil: open) as of 2025-06-01.
func newRequest(pl *access.Plan) (context.Context, *request.Request) {
	req := request.New(nil, request.Options{Plan: pl, Clock: func() time.Time { return time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC) }})
	return request.With(context.Background(), req), req
}

func resolved(v any) graphql.Resolver {
	return func(context.Context) (any, error) { return v, nil }
}

func TestCategoryDirective(t *testing.T) {
	t.Parallel()
	born := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	code := func(birth string, sex byte) string {
		c, err := codicefiscale.Generate("Rossi", "Luca", *born(birth), sex, "G702")
		require.NoError(t, err)
		return c
	}
	adult := &casedata.Person{ID: "11111111-1111-4111-8111-111111111111", TaxCode: code("1980-01-01", 'M'), BirthDate: born("1980-01-01")}
	// 18 on 2025-06-02: still a minor on the request's date.
	minor := &casedata.Person{ID: "22222222-2222-4222-8222-222222222222", TaxCode: code("2007-06-02", 'M'), BirthDate: born("2007-06-02")}
	// No birth date: aged from the tax code (born 2012).
	undated := &casedata.Person{ID: "33333333-3333-4333-8333-333333333333", TaxCode: code("2012-01-01", 'F')}
	officer := plan(t, access.RoleEmploymentOfficer, access.PurposeEmploymentServices)
	liaison := plan(t, access.RoleSchoolLiaison, access.PurposeSchoolAttendance)

	for name, tc := range map[string]struct {
		plan    *access.Plan
		obj     any
		cat     string
		allowed bool
		logged  []access.Category
	}{
		"officer reads an adult's name":            {officer, adult, "IDENTITY", true, []access.Category{access.CategoryIdentity}},
		"officer may not read a minor's name":      {officer, minor, "IDENTITY", false, nil},
		"officer may not read an undated minor":    {officer, undated, "IDENTITY", false, nil},
		"officer may not read health":              {officer, adult, "HEALTH", false, nil},
		"liaison reads a minor's name":             {liaison, minor, "IDENTITY", true, []access.Category{access.CategoryIdentity, access.CategoryMinors}},
		"liaison may not read an adult's contacts": {liaison, adult, "CONTACT", false, nil},
		"an unreadable tax code counts as a minor": {officer, &registrydata.LabourStatus{Meta: registrydata.Meta{TaxCode: "NOTATAXCODE"}},
			"EMPLOYMENT", false, nil},
		"a registry record is aged by tax code": {officer, &registrydata.LabourStatus{Meta: registrydata.Meta{TaxCode: undated.TaxCode}},
			"EMPLOYMENT", false, nil},
		"an adult's registry record": {officer, &registrydata.LabourStatus{Meta: registrydata.Meta{TaxCode: adult.TaxCode}},
			"EMPLOYMENT", true, []access.Category{access.CategoryEmployment}},
		"objects of no person need their category only": {officer, &casedata.Household{ID: "h"}, "HOUSEHOLD", true,
			[]access.Category{access.CategoryHousehold}},
		"the deprecated spelling of special categories": {plan(t, access.RoleSocialWorker, access.PurposeCaseManagement), adult, "SPECIAL", true,
			[]access.Category{access.CategorySpecialOther}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, acc := newRequest(tc.plan)
			res, err := request.CategoryDirective(ctx, tc.obj, resolved("value"), tc.cat)
			_, read, _ := acc.Touched()
			if !tc.allowed {
				require.ErrorIs(t, err, apperr.ErrForbidden)
				var de *access.DeniedError
				require.True(t, errors.As(err, &de))
				require.Nil(t, res)
				require.Empty(t, read, "nothing returned, nothing logged")
				return
			}
			require.NoError(t, err)
			require.Equal(t, "value", res)
			require.Equal(t, tc.logged, read)
		})
	}

	// The persons returned are logged; a denied field logs nothing.
	ctx, acc := newRequest(officer)
	_, _ = request.CategoryDirective(ctx, adult, resolved("x"), "IDENTITY")
	_, _ = request.CategoryDirective(ctx, minor, resolved("x"), "IDENTITY")
	persons, read, written := acc.Touched()
	require.Equal(t, []string{adult.ID}, persons)
	require.Equal(t, []access.Category{access.CategoryIdentity}, read)
	require.Empty(t, written)

	// A minor's denial says why.
	_, err := request.CategoryDirective(ctx, minor, resolved("x"), "IDENTITY")
	require.Contains(t, err.Error(), "minor")

	// Open: everything, nothing recorded.
	ctx, acc = newRequest(nil)
	res, err := request.CategoryDirective(ctx, minor, resolved("x"), "HEALTH")
	require.NoError(t, err)
	require.Equal(t, "x", res)
	persons, read, _ = acc.Touched()
	require.Empty(t, persons)
	require.Empty(t, read)
}

// A field checked before it is resolved (CheckCategory) is logged only when its read is
// recorded: a resolver that fails logs nothing, as under the directive.
func TestCheckCategoryRecordsOnlyWhatWasRead(t *testing.T) {
	t.Parallel()
	officer := plan(t, access.RoleEmploymentOfficer, access.PurposeEmploymentServices)
	born := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	adult := &casedata.Person{ID: "11111111-1111-4111-8111-111111111111", BirthDate: &born}
	identity := request.MustFieldCategory("IDENTITY")

	ctx, acc := newRequest(officer)
	read, err := request.CheckCategory(ctx, adult, identity)
	require.NoError(t, err)
	persons, cats, _ := acc.Touched()
	require.Empty(t, persons, "checked, not yet read")
	require.Empty(t, cats)
	read.Record()
	persons, cats, _ = acc.Touched()
	require.Equal(t, []string{adult.ID}, persons)
	require.Equal(t, []access.Category{access.CategoryIdentity}, cats)

	_, err = request.CheckCategory(ctx, adult, request.MustFieldCategory("HEALTH"))
	require.ErrorIs(t, err, apperr.ErrForbidden)

	_, err = request.CategoryDirective(ctx, adult, func(context.Context) (any, error) { return nil, errors.New("failed") }, "DEMOGRAPHIC")
	require.Error(t, err)
	_, cats, _ = acc.Touched()
	require.Equal(t, []access.Category{access.CategoryIdentity}, cats, "a failed resolver logs nothing")

	require.Panics(t, func() { request.MustFieldCategory("NOT_A_CATEGORY") })
	_, err = request.CategoryDirective(ctx, adult, resolved("x"), "NOT_A_CATEGORY")
	require.ErrorIs(t, err, apperr.ErrForbidden)
}

func TestCheckMutation(t *testing.T) {
	t.Parallel()
	worker := plan(t, access.RoleSocialWorker, access.PurposeCaseManagement)
	coop := plan(t, access.RoleCaseManager, access.PurposeCaseManagement)
	auditor := plan(t, access.RoleESFAuditor, access.PurposeESFAudit)
	admin := plan(t, access.RoleAdmin, access.PurposeStatistics)
	for _, tc := range []struct {
		plan    *access.Plan
		field   string
		allowed bool
		writes  []access.Category
	}{
		{worker, "openCase", true, []access.Category{access.CategoryCase}},
		{worker, "registerPerson", true, []access.Category{access.CategoryIdentity, access.CategoryDemographic, access.CategoryContact}},
		{worker, "refreshRegistryData", true, nil},
		{coop, "openCase", false, nil},
		{coop, "registerPerson", false, nil},
		{coop, "addActivityEntry", true, []access.Category{access.CategoryCaseNotes}},
		{auditor, "enrolParticipant", false, nil},
		{admin, "refreshRegistryData", true, nil},
		{admin, "createProject", false, nil},
		{worker, "dropEverything", false, nil},
	} {
		ctx, acc := newRequest(tc.plan)
		err := request.CheckMutation(ctx, tc.field)
		_, _, written := acc.Touched()
		if !tc.allowed {
			require.ErrorIs(t, err, apperr.ErrForbidden, "%s %s", tc.plan.Principal().Role, tc.field)
			require.Empty(t, written)
			continue
		}
		require.NoError(t, err, "%s %s", tc.plan.Principal().Role, tc.field)
		slices.Sort(tc.writes)
		slices.Sort(written)
		require.Equal(t, tc.writes, written, tc.field)
	}
	ctx, _ := newRequest(nil)
	require.NoError(t, request.CheckMutation(ctx, "dropEverything"), "open: no access control")
}
