package access_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// grant is what one role may do for one purpose, written out independently of the
// policy file: the matrix test fails when the policy drifts from it.
type grant struct {
	rows access.RowScope
	read string // space-separated categories; "*" for all
	// readMinors: categories read only about minors.
	readMinors string
	write      string
	ops        string
	mutations  string
}

var allMutationsOfCases = "openCase closeCase addHouseholdMember endHouseholdMembership recordAssessment " +
	"createProject updateProject activateIntervention completeIntervention interruptIntervention " +
	"addActivityEntry enrolParticipant recordParticipantExit " +
	"addCaseOrganisation removeCaseOrganisation changeCaseLeadWorker setCaseDepartments suspendCase reopenCase " +
	"correctIntervention cancelIntervention correctAssessment cancelAssessment updatePerson"

// referralMutations are those of referrals and transfers: asking and answering.
var referralMutations = "requestReferral acceptReferral declineReferral endReferral requestTransfer acceptTransfer declineTransfer cancelTransfer"

// answeringMutations are those of a role that answers referrals and transfers but writes no case file.
var answeringMutations = "acceptReferral declineReferral endReferral declineTransfer"

var expected = map[access.Role]map[access.Purpose]grant{
	access.RoleSocialWorker: {
		access.PurposeCaseManagement: {
			rows:      access.RowsOrganisation,
			read:      "*",
			write:     "identity demographic contact household socio_economic employment education health special_other judicial minors case_notes case services participation",
			ops:       "refresh_registry record_consent handle_referrals",
			mutations: allMutationsOfCases + " refreshRegistry recordConsent withdrawConsent " + referralMutations,
		},
		access.PurposeStatistics: {rows: access.RowsAggregates, ops: "read_aggregates"},
	},
	access.RoleCaseManager: {
		access.PurposeCaseManagement: {
			rows:  access.RowsProvider,
			read:  "identity demographic contact household socio_economic employment education minors case_notes case services participation registry_provenance pseudonym",
			write: "employment education minors case_notes services participation",
			ops:   "handle_referrals",
			mutations: "createProject updateProject activateIntervention completeIntervention interruptIntervention addActivityEntry recordParticipantExit " +
				"correctIntervention cancelIntervention " + answeringMutations,
		},
	},
	access.RoleEmploymentOfficer: {
		access.PurposeEmploymentServices: {
			rows:      access.RowsOrganisation,
			read:      "identity demographic contact household socio_economic employment education case services registry_provenance",
			write:     "employment",
			ops:       "refresh_registry handle_referrals",
			mutations: "refreshRegistry " + answeringMutations,
		},
	},
	access.RoleSchoolLiaison: {
		access.PurposeSchoolAttendance: {
			rows:       access.RowsOrganisation,
			read:       "household minors case registry_provenance",
			readMinors: "identity demographic education",
			write:      "education minors",
			ops:        "handle_referrals",
			mutations:  answeringMutations,
		},
	},
	access.RoleESFAuditor: {
		access.PurposeESFMonitoring: {rows: access.RowsParticipants, read: "pseudonym participation minors",
			ops: "read_aggregates report_esf drill_esf freeze_esf_report", mutations: "freezeEsfReport"},
		access.PurposeESFAudit: {
			rows: access.RowsParticipants,
			read: "pseudonym demographic socio_economic employment education health special_other minors services participation registry_provenance",
			ops:  "report_esf drill_esf",
		},
	},
	access.RoleDashboard: {
		access.PurposeStatistics: {rows: access.RowsAggregates, ops: "read_aggregates"},
	},
	access.RoleDPO: {
		access.PurposeDataProtectionReview: {rows: access.RowsAll, read: "*", write: "identity demographic contact",
			ops: "read_access_log manage_rights_requests record_consent",
			// Rectification (GDPR Art. 16) through a request or directly.
			mutations: "recordConsent withdrawConsent createRightsRequest assignRightsRequest extendRightsRequest closeRightsRequest restrictProcessing liftRestriction erasePerson rectifyPerson updatePerson"},
	},
	access.RoleAdmin: {
		access.PurposeStatistics: {rows: access.RowsAggregates, ops: "read_aggregates manage_tokens refresh_registry", mutations: "refreshRegistry"},
	},
}

// kindOf is the organisation kind each role's principal belongs to in the matrix: the
// employment officer of an employment centre (a municipality's own employment department
// is TestMunicipalEmploymentDepartment's).
var kindOf = map[access.Role]string{access.RoleEmploymentOfficer: "employment_centre"}

func init() {
	for _, r := range access.Roles() {
		if kindOf[r] == "" {
			kindOf[r] = "municipality"
		}
	}
}

// A municipality's own employment department (TO-HOME) keeps its part of the joint
// activity register: it reads and writes case notes, which an employment centre never does.
func TestMunicipalEmploymentDepartment(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(t)
	city, err := a.Plan(principal(access.RoleEmploymentOfficer, "municipality", access.PurposeEmploymentServices))
	require.NoError(t, err)
	cpi, err := a.Plan(principal(access.RoleEmploymentOfficer, "employment_centre", access.PurposeEmploymentServices))
	require.NoError(t, err)
	require.True(t, city.CanRead(access.CategoryCaseNotes))
	require.NoError(t, city.CheckMutation(access.MutationAddActivityEntry))
	require.False(t, cpi.CanRead(access.CategoryCaseNotes))
	require.ErrorIs(t, cpi.CheckMutation(access.MutationAddActivityEntry), apperr.ErrForbidden)
	require.False(t, city.CanRead(access.CategoryHealth), "still no health")
}

func words(s string) map[string]bool {
	out := map[string]bool{}
	if s == "*" {
		for _, c := range access.Categories() {
			out[string(c)] = true
		}
		return out
	}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

func newAuthorizer(t testing.TB) *access.Authorizer {
	t.Helper()
	p, err := access.DefaultPolicy()
	require.NoError(t, err)
	a, err := access.NewAuthorizer(p)
	require.NoError(t, err)
	return a
}

func principal(role access.Role, kind string, purpose access.Purpose) access.Principal {
	return access.Principal{
		Subject: "sub-" + string(role), Method: access.MethodJWT, Role: role,
		OrganisationID: "0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0001", OrganisationCode: "ORG-A", OrganisationKind: kind,
		Territory: "G702", StaffID: "0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0002",
		Purposes: access.Purposes(), Purpose: purpose,
	}
}

// TestAuthorizationMatrix checks every role × purpose × data category for reads and
// writes, every operation, the row scope, and every mutation.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(t)
	for _, role := range access.Roles() {
		for _, purpose := range access.Purposes() {
			t.Run(string(role)+"/"+string(purpose), func(t *testing.T) {
				t.Parallel()
				want, granted := expected[role][purpose]
				require.Equal(t, granted, contains(a.Policy().PurposesFor(role), purpose), "purposes the policy grants to %s", role)
				plan, err := a.Plan(principal(role, kindOf[role], purpose))
				require.NoError(t, err)
				if !granted {
					want = grant{rows: access.RowsNone}
				}
				require.Equal(t, want.rows, plan.Rows(), "row scope")
				read, write, readMinors := words(want.read), words(want.write), words(want.readMinors)
				for _, c := range access.Categories() {
					require.Equal(t, read[string(c)], plan.CanRead(c), "read %s", c)
					require.Equal(t, read[string(c)] || readMinors[string(c)], plan.CanReadAbout(c, true), "read %s about a minor", c)
					require.Equal(t, read[string(c)], plan.CanReadAbout(c, false), "read %s about an adult", c)
					require.Equal(t, write[string(c)], plan.CanWrite(c), "write %s", c)
					if plan.CanRead(c) {
						require.NoError(t, plan.CheckRead(c))
					} else {
						err := plan.CheckRead(c)
						require.ErrorIs(t, err, apperr.ErrForbidden)
						require.Contains(t, err.Error(), string(c))
					}
				}
				ops := words(want.ops)
				for _, o := range access.Operations() {
					require.Equal(t, ops[string(o)], plan.Can(o), "operation %s", o)
				}
				muts := words(want.mutations)
				for _, m := range access.Mutations() {
					err := plan.CheckMutation(m)
					if muts[string(m)] {
						require.NoError(t, err, "mutation %s", m)
					} else {
						require.ErrorIs(t, err, apperr.ErrForbidden, "mutation %s", m)
					}
				}
				require.Equal(t, role == access.RoleESFAuditor && granted, plan.Pseudonymous(), "pseudonymous")
				for _, o := range []access.Operation{access.OpReportESF, access.OpDrillESF, access.OpFreezeESFReport} {
					err := plan.CheckESF(o)
					if plan.Can(o) {
						require.NoError(t, err, "%s: every ESF+ operation comes with a scope that sees every participant", o)
					} else {
						require.ErrorIs(t, err, apperr.ErrForbidden)
					}
				}
			})
		}
	}
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Protected categories are never granted by a line that does not name them: every role
// that reads one has a line for exactly that category.
func TestProtectedCategoriesNeedExplicitLines(t *testing.T) {
	t.Parallel()
	p, err := access.DefaultPolicy()
	require.NoError(t, err)
	a := newAuthorizer(t)
	for _, role := range access.Roles() {
		for _, purpose := range p.PurposesFor(role) {
			plan, err := a.Plan(principal(role, "cooperative", purpose))
			require.NoError(t, err)
			for _, c := range access.Categories() {
				if !c.Protected() || !plan.CanRead(c) {
					continue
				}
				found := false
				for _, r := range p.Rules() {
					if r.Role == role && r.Purpose == purpose && r.Act == access.ActRead && r.Object == string(c) && r.Effect == access.Allow {
						found = true
					}
				}
				require.True(t, found, "%s/%s reads %s without a line naming it", role, purpose, c)
			}
		}
	}
}

func TestPurposeMustBeGranted(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(t)
	p := principal(access.RoleCaseManager, "cooperative", access.PurposeCaseManagement)
	p.Purposes = []access.Purpose{access.PurposeCaseManagement}

	_, err := p.WithPurpose(access.PurposeDataProtectionReview)
	require.ErrorIs(t, err, apperr.ErrForbidden)

	p.Purpose = access.PurposeDataProtectionReview
	_, err = a.Plan(p)
	require.ErrorIs(t, err, apperr.ErrForbidden)
	var de *access.DeniedError
	require.True(t, errors.As(err, &de))

	p.Purpose = ""
	_, err = a.Plan(p)
	require.Error(t, err)
	ie, ok := apperr.AsInput(err)
	require.True(t, ok)
	require.Equal(t, "purpose", ie.Fields[0].Field)
}

// The purpose changes what the same principal sees.
func TestPurposeChangesThePlan(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(t)
	p := principal(access.RoleSocialWorker, "municipality", access.PurposeCaseManagement)
	cm, err := a.Plan(p)
	require.NoError(t, err)
	p.Purpose = access.PurposeStatistics
	st, err := a.Plan(p)
	require.NoError(t, err)
	require.True(t, cm.CanRead(access.CategoryHealth))
	require.False(t, st.CanRead(access.CategoryHealth))
	require.Equal(t, access.RowsAggregates, st.Rows())
}

func TestDomainsKindTerritoryOrgAndDeny(t *testing.T) {
	t.Parallel()
	model, err := access.DefaultPolicy()
	require.NoError(t, err)
	_ = model
	policy := `
p, case_manager, *, case_management, rows, provider, allow
p, case_manager, *, case_management, read, identity, allow
p, case_manager, org:COOP-PSY, case_management, read, health, allow
p, case_manager, kind:cooperative, case_management, read, education, allow
p, case_manager, territory:L219, case_management, read, contact, allow
p, case_manager, org:COOP-BAD, case_management, read, identity, deny
p, social_worker, *, case_management, rows, organisation, allow
p, social_worker, territory:G702, case_management, rows, territory, allow
`
	p, err := access.ParsePolicy(defaultModel(t), []byte(policy))
	require.NoError(t, err)
	a, err := access.NewAuthorizer(p)
	require.NoError(t, err)
	plan := func(role access.Role, org, kind, territory string) *access.Plan {
		pr := principal(role, kind, access.PurposeCaseManagement)
		pr.OrganisationCode, pr.Territory = org, territory
		pl, err := a.Plan(pr)
		require.NoError(t, err)
		return pl
	}
	psy := plan(access.RoleCaseManager, "COOP-PSY", "COOPERATIVE", "G702")
	require.True(t, psy.CanRead(access.CategoryHealth))
	require.True(t, psy.CanRead(access.CategoryEducation), "kind domain, matched case-insensitively")
	require.False(t, psy.CanRead(access.CategoryContact))
	other := plan(access.RoleCaseManager, "COOP-OTHER", "municipality", "L219")
	require.False(t, other.CanRead(access.CategoryHealth))
	require.False(t, other.CanRead(access.CategoryEducation))
	require.True(t, other.CanRead(access.CategoryContact), "territory domain")
	bad := plan(access.RoleCaseManager, "COOP-BAD", "cooperative", "G702")
	require.False(t, bad.CanRead(access.CategoryIdentity), "a deny line overrides the allow")
	require.True(t, bad.CanRead(access.CategoryEducation))

	require.Equal(t, access.RowsTerritory, plan(access.RoleSocialWorker, "X", "municipality", "G702").Rows(), "broadest row scope wins")
	require.Equal(t, access.RowsOrganisation, plan(access.RoleSocialWorker, "X", "municipality", "F205").Rows())
}

func defaultModel(t testing.TB) []byte {
	t.Helper()
	b, err := access.PolicyFilesForTest()
	require.NoError(t, err)
	return b
}

func TestMutationsHaveSpecs(t *testing.T) {
	t.Parallel()
	for _, m := range access.Mutations() {
		require.True(t, m.Known(), string(m))
		_, hasOp := m.Operation()
		require.True(t, hasOp || len(m.Writes()) > 0, "%s neither writes nor needs an operation", m)
	}
	require.False(t, access.Mutation("dropEverything").Known())
	plan, err := newAuthorizer(t).Plan(principal(access.RoleDPO, "other", access.PurposeDataProtectionReview))
	require.NoError(t, err)
	require.ErrorIs(t, plan.CheckMutation("dropEverything"), apperr.ErrForbidden)
}

func TestRequiredForPerson(t *testing.T) {
	t.Parallel()
	require.Equal(t, []access.Category{access.CategoryEducation}, access.RequiredForPerson(access.CategoryEducation, false))
	require.Equal(t, []access.Category{access.CategoryEducation, access.CategoryMinors}, access.RequiredForPerson(access.CategoryEducation, true))
	require.Equal(t, []access.Category{access.CategoryMinors}, access.RequiredForPerson(access.CategoryMinors, true))
	// An employment officer reads education, but not a minor's.
	plan, err := newAuthorizer(t).Plan(principal(access.RoleEmploymentOfficer, "employment_centre", access.PurposeEmploymentServices))
	require.NoError(t, err)
	require.NoError(t, plan.CheckRead(access.RequiredForPerson(access.CategoryEducation, false)...))
	require.ErrorIs(t, plan.CheckRead(access.RequiredForPerson(access.CategoryEducation, true)...), apperr.ErrForbidden)
}

func ExamplePlan_CheckRead() {
	p, _ := access.DefaultPolicy()
	a, _ := access.NewAuthorizer(p)
	plan, _ := a.Plan(access.Principal{
		Subject: "alice", Role: access.RoleEmploymentOfficer, OrganisationCode: "CPI-PISA",
		Purposes: []access.Purpose{access.PurposeEmploymentServices}, Purpose: access.PurposeEmploymentServices,
	})
	fmt.Println(plan.CheckRead(access.CategoryEmployment))
	fmt.Println(plan.CheckRead(access.CategoryHealth))
	// Output:
	// <nil>
	// access denied: role employment_officer may not read health data for employment_services
}
