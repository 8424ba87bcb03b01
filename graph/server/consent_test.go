package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
)

// consentPolicy is the default policy with school attendance resting on consent, as a
// municipality whose school follow-up is offered rather than owed would declare it.
func consentPolicy(t *testing.T) *access.Policy {
	t.Helper()
	dir := filepath.Join("..", "..", "internal", "access", "policy")
	m, err := os.ReadFile(filepath.Join(dir, "model.conf"))
	require.NoError(t, err)
	policy, err := os.ReadFile(filepath.Join(dir, "policy.csv"))
	require.NoError(t, err)
	bases, err := os.ReadFile(filepath.Join(dir, access.LegalBasesFile))
	require.NoError(t, err)
	var lines []string
	for _, l := range strings.Split(string(bases), "\n") {
		if strings.HasPrefix(l, "school_attendance,") {
			l = `school_attendance,consent,GDPR Art. 6(1)(a),,"the person's consent, collected by the municipality"`
		}
		lines = append(lines, l)
	}
	p, err := access.ParsePolicyWithBases(m, policy, []byte(strings.Join(lines, "\n")))
	require.NoError(t, err)
	return p
}

// Where a purpose rests on consent, its reads need the person's consent in force: the
// school liaison sees the pupil only once the social worker records the parents' consent
// for school_attendance, and not from the request after it is withdrawn. Wrong consents
// are refused naming the field, and a school liaison may not record one.
func TestConsentGatesAConsentBasedPurpose(t *testing.T) {
	t.Parallel()
	b := setupAccessPolicy(t, func(st *store.Store) (fixture, accessFixture) {
		fx := loadFixture(t, st, 1)
		return fx, loadAccessFixture(t, st, fx)
	}, consentPolicy(t))
	minor := b.fx.minors[0]
	read := `query($id: ID!) { node(id: $id) { ... on Person { givenName } } }`
	sees := func() bool {
		t.Helper()
		d := b.okAs(t, "school_liaison", access.PurposeSchoolAttendance, read, map[string]any{"id": minor})
		return d["node"] != nil
	}
	require.False(t, sees(), "no consent: the pupil is not there for a consent-based purpose")
	purposes := at[[]any](t, b.okAs(t, "school_liaison", access.PurposeSchoolAttendance, `{ purposes { purpose basis } }`, nil), "purposes")
	require.Equal(t, "CONSENT", path(t, purposes, "0.basis"))

	record := `mutation($in: RecordConsentInput!) { recordConsent(input: $in) { record { id person controller purposes dataCategories
		legalBasis state givenAt method evidenceRef recordedBy history { fromState toState actor } } } }`
	good := func() map[string]any {
		return map[string]any{"personId": minor, "controllerOrganisationId": b.ax.school, "purposes": []any{"school_attendance"},
			"dataCategories": []any{"identity", "education"}, "method": "WRITTEN", "evidenceRef": "prot. 2025/118, signed by both parents"}
	}
	before := dbSnapshot(t, b.store)
	for field, change := range map[string]func(map[string]any){
		"input.purposes":    func(in map[string]any) { in["purposes"] = []any{"curiosity"} },
		"input.evidenceRef": func(in map[string]any) { in["evidenceRef"] = " " },
		"input.method":      func(in map[string]any) { in["method"] = "NODDED" },
		"input.expiresAt":   func(in map[string]any) { in["expiresAt"] = "2001-01-01T00:00:00Z" },
	} {
		in := good()
		change(in)
		r := b.as(t, "social_worker", access.PurposeCaseManagement, record, map[string]any{"in": in})
		requireBadInput(t, r, field)
		requireNotApplied(t, r)
	}
	r := b.as(t, "school_liaison", access.PurposeSchoolAttendance, record, map[string]any{"in": good()})
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)
	require.Equal(t, before, dbSnapshot(t, b.store), "refusals write nothing")

	got := b.okAs(t, "social_worker", access.PurposeCaseManagement, record, map[string]any{"in": good()})
	rec := at[map[string]any](t, got, "recordConsent.record")
	require.Equal(t, "GIVEN", rec["state"])
	require.Equal(t, "GDPR Art. 6(1)(a)", rec["legalBasis"])
	require.Equal(t, "sw.test", rec["recordedBy"])
	require.NotEmpty(t, rec["givenAt"])
	require.Equal(t, []any{map[string]any{"fromState": nil, "toState": "GIVEN", "actor": "sw.test"}}, rec["history"])
	require.True(t, sees(), "consent given: the pupil is there")
	// Other purposes of other roles are unaffected by the consent.
	require.NotNil(t, b.okAs(t, "social_worker", access.PurposeCaseManagement, read, map[string]any{"id": minor})["node"])

	withdraw := `mutation($in: WithdrawConsentInput!) { withdrawConsent(input: $in) { record { state withdrawnAt history { toState } } } }`
	w := b.okAs(t, "dpo", access.PurposeDataProtectionReview, withdraw, map[string]any{"in": map[string]any{"recordId": rec["id"], "note": "parents' letter"}})
	wr := at[map[string]any](t, w, "withdrawConsent.record")
	require.Equal(t, "WITHDRAWN", wr["state"])
	require.NotEmpty(t, wr["withdrawnAt"])
	require.False(t, sees(), "withdrawn: gone from the next request")
	r = b.as(t, "dpo", access.PurposeDataProtectionReview, withdraw, map[string]any{"in": map[string]any{"recordId": rec["id"]}})
	require.Contains(t, requireBadInput(t, r, "input.recordId"), "is WITHDRAWN, not GIVEN")

	hist := at[[]any](t, b.okAs(t, "dpo", access.PurposeDataProtectionReview, `query($p: ID!) { consentRecords(person: $p) { state } }`,
		map[string]any{"p": minor}), "consentRecords")
	require.Equal(t, []any{map[string]any{"state": "WITHDRAWN"}}, hist)
}
