package access_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestDefaultPolicyParses(t *testing.T) {
	t.Parallel()
	p, err := access.DefaultPolicy()
	require.NoError(t, err)
	require.Len(t, p.Version(), 16)
	require.NotEmpty(t, p.Rules())
	for _, r := range access.Roles() {
		require.NotEmpty(t, p.PurposesFor(r), "role %s can do nothing", r)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	t.Parallel()
	m := defaultModel(t)
	cases := map[string]string{
		"unknown role":     "p, janitor, *, statistics, rows, aggregates, allow",
		"unknown purpose":  "p, dpo, *, curiosity, rows, all, allow",
		"unknown category": "p, dpo, *, data_protection_review, read, helth, allow",
		"unknown act":      "p, dpo, *, data_protection_review, delete, identity, allow",
		"unknown scope":    "p, dpo, *, data_protection_review, rows, everything, allow",
		"scope none":       "p, dpo, *, data_protection_review, rows, none, allow",
		"unknown op":       "p, dpo, *, data_protection_review, execute, drop_tables, allow",
		"bad effect":       "p, dpo, *, data_protection_review, read, identity, maybe",
		"bad domain":       "p, dpo, region, data_protection_review, read, identity, allow",
		"unknown kind":     "p, dpo, kind:castle, data_protection_review, read, identity, allow",
		"empty org code":   "p, dpo, org:, data_protection_review, read, identity, allow",
		"too few fields":   "p, dpo, *, data_protection_review, read, identity",
		"grouping line":    "g, dpo, admin",
		"wildcard object":  "p, dpo, *, data_protection_review, read, *, allow",
		"wildcard purpose": "p, dpo, *, *, read, identity, allow",
		"role in caps":     "p, DPO, *, data_protection_review, read, identity, allow",
		"duplicate":        "p, dpo, *, data_protection_review, read, identity, allow\np, dpo, *, data_protection_review, read, identity, deny",
	}
	for name, policy := range cases {
		_, err := access.ParsePolicy(m, []byte("# comment\n\n"+policy+"\n"))
		var pe *access.PolicyError
		require.ErrorAs(t, err, &pe, name)
		require.GreaterOrEqual(t, pe.Line, 3, name)
	}
	_, err := access.ParsePolicy(m, []byte("# only comments\n"))
	require.Error(t, err)
	_, err = access.ParsePolicy([]byte("[matchers]\nm = nonsense"), []byte("p, dpo, *, statistics, rows, aggregates, allow"))
	require.Error(t, err)
}

func FuzzParsePolicy(f *testing.F) {
	m, err := access.PolicyFilesForTest()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("p, dpo, *, data_protection_review, read, identity, allow"))
	f.Add([]byte("p, social_worker, kind:cooperative, case_management, rows, provider, deny\n# c"))
	f.Add([]byte("p,,,,,,"))
	f.Fuzz(func(t *testing.T, policy []byte) {
		p, err := access.ParsePolicy(m, policy)
		if err != nil {
			return
		}
		a, err := access.NewAuthorizer(p)
		if err != nil {
			t.Fatalf("a parsed policy does not load: %v", err)
		}
		for _, r := range p.Rules() {
			if _, err := a.Plan(access.Principal{Subject: "s", Role: r.Role, Purposes: []access.Purpose{r.Purpose}, Purpose: r.Purpose}); err != nil {
				t.Fatalf("plan: %v", err)
			}
		}
	})
}

func TestPlanCache(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(t)
	p := principal(access.RoleSocialWorker, "municipality", access.PurposeCaseManagement)
	first, err := a.Plan(p)
	require.NoError(t, err)
	builds := a.PlanBuilds()
	p.Subject, p.StaffID = "another", "0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0009"
	second, err := a.Plan(p)
	require.NoError(t, err)
	require.Equal(t, builds, a.PlanBuilds(), "same role, organisation and purpose: no Casbin call")
	require.Equal(t, "0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0009", second.Scope().StaffID+first.Scope().StaffID[:0]+p.StaffID[:0]+p.StaffID)

	p.Purpose = access.PurposeStatistics
	_, err = a.Plan(p)
	require.NoError(t, err)
	require.Equal(t, builds+1, a.PlanBuilds())

	// A new policy version drops the cache.
	m := defaultModel(t)
	np, err := access.ParsePolicy(m, []byte("p, social_worker, *, case_management, rows, assigned, allow"))
	require.NoError(t, err)
	require.NoError(t, a.SetPolicy(np))
	p.Purpose = access.PurposeCaseManagement
	p.Purposes = []access.Purpose{access.PurposeCaseManagement}
	third, err := a.Plan(p)
	require.NoError(t, err)
	require.Equal(t, access.RowsAssigned, third.Rows())
	require.NotEqual(t, first.PolicyVersion(), third.PolicyVersion())
}

func TestPlanScopeAndClaims(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(t)
	sdsNoTerritory := principal(access.RoleSocialWorker, "health_social_agency", access.PurposeCaseManagement)
	plan, err := a.Plan(sdsNoTerritory)
	require.NoError(t, err)
	require.Equal(t, access.RowsTerritory, plan.Rows())
	require.Equal(t, "G702", plan.Scope().Territory)
	sdsNoTerritory.Territory = ""
	plan, err = a.Plan(sdsNoTerritory)
	require.NoError(t, err)
	require.Equal(t, sdsNoTerritory.OrganisationID, plan.Scope().OrganisationID, "no territory: its own organisation, never more")

	dpo, err := a.Plan(principal(access.RoleDPO, "other", access.PurposeDataProtectionReview))
	require.NoError(t, err)
	c := dpo.Claims()
	require.Equal(t, "ponte_app", c["role"])
	require.Equal(t, "all", c["ponte.scope"])
	require.Equal(t, "read", c[access.ClaimAccessLog])
	require.Equal(t, "data_protection_review", c[access.ClaimPurpose])
	require.False(t, dpo.TxOptions().ReadOnly, "the access log is written in the request's transaction")

	e := dpo.LogEntry("query person", "req-1", []string{"0b8f2f4e-8a52-4a57-9d4c-6a1f1d3f0003"}, []access.Category{access.CategoryHealth})
	require.Equal(t, "sub-dpo", e.Subject)
	require.Equal(t, []string{"health"}, e.Categories)
	_, err = e.Normalize()
	require.NoError(t, err)
}

// ESF+ values are exact: a policy granting report_esf, drill_esf or freeze_esf_report to a
// scope that does not see every participant gets a refusal saying so, never a report
// computed over part of them; only a plan that may report carries the report claim.
func TestESFOperationsNeedEveryParticipant(t *testing.T) {
	t.Parallel()
	m := defaultModel(t)
	pol, err := access.ParsePolicy(m, []byte(`p, social_worker, *, statistics, rows, organisation, allow
p, social_worker, *, statistics, execute, report_esf, allow
p, social_worker, *, statistics, execute, drill_esf, allow
p, esf_auditor, *, esf_audit, rows, participants, allow
p, esf_auditor, *, esf_audit, execute, report_esf, allow`))
	require.NoError(t, err)
	a, err := access.NewAuthorizer(pol)
	require.NoError(t, err)
	sw, err := a.Plan(principal(access.RoleSocialWorker, "municipality", access.PurposeStatistics))
	require.NoError(t, err)
	for _, op := range []access.Operation{access.OpReportESF, access.OpDrillESF} {
		err := sw.CheckESF(op)
		require.ErrorIs(t, err, apperr.ErrForbidden)
		require.ErrorContains(t, err, "row scope (organisation) does not see every ESF+ participant")
	}
	require.ErrorContains(t, sw.CheckESF(access.OpFreezeESFReport), "may not freeze_esf_report")
	require.Empty(t, sw.Claims()[store.ClaimESFReport])

	auditor, err := a.Plan(principal(access.RoleESFAuditor, "managing_authority", access.PurposeESFAudit))
	require.NoError(t, err)
	require.NoError(t, auditor.CheckESF(access.OpReportESF))
	require.ErrorContains(t, auditor.CheckESF(access.OpDrillESF), "may not drill_esf")
	require.Equal(t, "read", auditor.Claims()[store.ClaimESFReport])
}
