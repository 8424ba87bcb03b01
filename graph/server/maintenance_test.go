package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/pkg/globalid"
)

// historyRows counts what the new mutations write: the case's history, participations,
// referrals, transfers, rectifications, and the corrected or cancelled rows.
func historyRows(t *testing.T, b *testBundle) int {
	t.Helper()
	var n int
	require.NoError(t, b.store.Pool().QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM case_events) + (SELECT count(*) FROM case_participations) + (SELECT count(*) FROM case_referrals)
		+ (SELECT count(*) FROM case_transfers) + (SELECT count(*) FROM person_data_changes)
		+ (SELECT count(*) FROM interventions WHERE status = 'CANCELLED' OR updated_at > created_at)
		+ (SELECT count(*) FROM assessments WHERE cancelled_at IS NOT NULL)
		+ (SELECT count(*) FROM cases WHERE status <> 'OPEN' OR updated_at > created_at)`).Scan(&n))
	return n
}

// Every new mutation refuses a bad input with BAD_USER_INPUT naming the field, and
// writes nothing.
func TestMaintenanceMutationsValidate(t *testing.T) {
	b := setup(t, 1)
	fx := b.fx
	ctx := context.Background()
	var intervention, assessment string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT id::text FROM interventions ORDER BY id LIMIT 1`).Scan(&intervention))
	_, err := b.store.Pool().Exec(ctx, `INSERT INTO assessments (case_id, person_id, assessor_id, assessed_on)
		SELECT c.id, c.person_id, c.lead_worker_id, '2020-09-10' FROM cases c`)
	require.NoError(t, err)
	require.NoError(t, b.store.Pool().QueryRow(ctx, `SELECT id::text FROM assessments LIMIT 1`).Scan(&assessment))
	iv, as := gidOf("Intervention", intervention), gidOf("Assessment", assessment)
	missing := "UmVmZXJyYWw6N2QwZTNjNDEtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw" // Referral:7d0e3c41-0000-4000-8000-000000000000
	missingTransfer := gidOf("Transfer", "7d0e3c41-0000-4000-8000-000000000000")
	before := historyRows(t, b)
	for name, tc := range map[string]struct {
		mutation, input string
		in              map[string]any
		field           string
	}{
		"add: lead role":         {"addCaseOrganisation", "AddCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": b.fx.otherOrg, "role": "LEAD", "reason": "x"}, "input.role"},
		"add: no reason":         {"addCaseOrganisation", "AddCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": b.fx.otherOrg, "role": "PARTNER", "reason": " "}, "input.reason"},
		"add: the lead itself":   {"addCaseOrganisation", "AddCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": fx.agency, "role": "PARTNER", "reason": "x"}, "input.organisationId"},
		"add: already in":        {"addCaseOrganisation", "AddCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": fx.coop, "role": "PARTNER", "reason": "x"}, "input.organisationId"},
		"remove: the lead":       {"removeCaseOrganisation", "RemoveCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": fx.agency, "reason": "x"}, "input.organisationId"},
		"remove: still delivers": {"removeCaseOrganisation", "RemoveCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": fx.coop, "reason": "x"}, "input.organisationId"},
		"remove: not in case":    {"removeCaseOrganisation", "RemoveCaseOrganisationInput", map[string]any{"caseId": fx.cases[0], "organisationId": fx.otherOrg, "reason": "x"}, "input.organisationId"},
		"lead: other org":        {"changeCaseLeadWorker", "ChangeLeadWorkerInput", map[string]any{"caseId": fx.cases[0], "leadWorkerId": fx.manager, "reason": "x"}, "input.leadWorkerId"},
		"lead: same worker":      {"changeCaseLeadWorker", "ChangeLeadWorkerInput", map[string]any{"caseId": fx.cases[0], "leadWorkerId": fx.worker, "reason": "x"}, "input.leadWorkerId"},
		"departments: bad id":    {"setCaseDepartments", "SetCaseDepartmentsInput", map[string]any{"caseId": fx.cases[0], "departmentIds": []string{fx.agency}, "reason": "x"}, "input.departmentIds"},
		"suspend: future":        {"suspendCase", "CaseStatusInput", map[string]any{"caseId": fx.cases[0], "on": "2999-01-01", "reason": "x"}, "input.on"},
		"suspend: before open":   {"suspendCase", "CaseStatusInput", map[string]any{"caseId": fx.cases[0], "on": "2019-01-01", "reason": "x"}, "input.on"},
		"reopen: an open case":   {"reopenCase", "CaseStatusInput", map[string]any{"caseId": fx.cases[0], "on": "2024-01-01", "reason": "x"}, "input.caseId"},
		"correct: outside round": {"correctIntervention", "CorrectInterventionInput", map[string]any{"interventionId": iv, "startsOn": "2023-01-01", "reason": "x"}, "input.startsOn"},
		"correct: nothing":       {"correctIntervention", "CorrectInterventionInput", map[string]any{"interventionId": iv, "reason": "x"}, "input"},
		"correct: hours":         {"correctIntervention", "CorrectInterventionInput", map[string]any{"interventionId": iv, "hoursDelivered": -3.0, "reason": "x"}, "input.hoursDelivered"},
		"cancel iv: no reason":   {"cancelIntervention", "CancelInterventionInput", map[string]any{"interventionId": iv, "reason": ""}, "input.reason"},
		"correct as: score":      {"correctAssessment", "CorrectAssessmentInput", map[string]any{"assessmentId": as, "scores": []map[string]any{{"area": "DIGITAL_SKILLS", "score": 9}}, "reason": "x"}, "input.scores"},
		"correct as: future":     {"correctAssessment", "CorrectAssessmentInput", map[string]any{"assessmentId": as, "assessedOn": "2999-01-01", "reason": "x"}, "input.assessedOn"},
		"cancel as: no reason":   {"cancelAssessment", "CancelAssessmentInput", map[string]any{"assessmentId": as, "reason": ""}, "input.reason"},
		"person: bad tax code":   {"updatePerson", "UpdatePersonInput", map[string]any{"personId": fx.persons[0], "taxCode": "XXX", "reason": "x"}, "input.taxCode"},
		"person: gender vs code": {"updatePerson", "UpdatePersonInput", map[string]any{"personId": fx.persons[0], "gender": "MALE", "reason": "x"}, "input.gender"},
		"person: e-mail":         {"updatePerson", "UpdatePersonInput", map[string]any{"personId": fx.persons[0], "email": "not-mail", "reason": "x"}, "input.email"},
		"person: no reason":      {"updatePerson", "UpdatePersonInput", map[string]any{"personId": fx.persons[0], "phone": "1", "reason": ""}, "input.reason"},
		"refer: no CASE": {"requestReferral", "RequestReferralInput", map[string]any{"caseId": fx.cases[0], "toOrganisationId": fx.otherOrg, "purpose": "x",
			"categories": []string{"IDENTITY"}, "legalBasis": "PUBLIC_TASK", "legalReference": "L. 328/2000"}, "input.categories"},
		"refer: consent without evidence": {"requestReferral", "RequestReferralInput", map[string]any{"caseId": fx.cases[0], "toOrganisationId": fx.otherOrg,
			"purpose": "x", "categories": []string{"CASE"}, "legalBasis": "CONSENT", "consentGivenAt": "2024-01-01T10:00:00Z", "consentGivenBy": "the person"}, "input.consentEvidence"},
		"refer: public task without law": {"requestReferral", "RequestReferralInput", map[string]any{"caseId": fx.cases[0], "toOrganisationId": fx.otherOrg,
			"purpose": "x", "categories": []string{"CASE"}, "legalBasis": "PUBLIC_TASK"}, "input.legalReference"},
		"refer: the lead": {"requestReferral", "RequestReferralInput", map[string]any{"caseId": fx.cases[0], "toOrganisationId": fx.agency,
			"purpose": "x", "categories": []string{"CASE"}, "legalBasis": "PUBLIC_TASK", "legalReference": "L."}, "input.toOrganisationId"},
		"accept: no referral":    {"acceptReferral", "RespondReferralInput", map[string]any{"referralId": missing}, "input.referralId"},
		"decline: no referral":   {"declineReferral", "RespondReferralInput", map[string]any{"referralId": missing}, "input.referralId"},
		"end: no reason":         {"endReferral", "EndReferralInput", map[string]any{"referralId": missing, "reason": ""}, "input.reason"},
		"transfer: no worker":    {"requestTransfer", "RequestTransferInput", map[string]any{"caseId": fx.cases[0], "reason": "x"}, "input.toWorkerId"},
		"transfer: wrong org":    {"requestTransfer", "RequestTransferInput", map[string]any{"caseId": fx.cases[0], "toWorkerId": fx.manager, "reason": "x"}, "input.toWorkerId"},
		"transfer: keep within":  {"requestTransfer", "RequestTransferInput", map[string]any{"caseId": fx.cases[0], "toWorkerId": fx.worker, "keepPrevious": true, "reason": "x"}, "input.keepPrevious"},
		"accept transfer: none":  {"acceptTransfer", "AcceptTransferInput", map[string]any{"transferId": missingTransfer}, "input.transferId"},
		"decline transfer: none": {"declineTransfer", "AnswerTransferInput", map[string]any{"transferId": missingTransfer}, "input.transferId"},
		"cancel transfer: none":  {"cancelTransfer", "AnswerTransferInput", map[string]any{"transferId": missingTransfer}, "input.transferId"},
	} {
		t.Run(name, func(t *testing.T) {
			q := `mutation($in: ` + tc.input + `!) { ` + tc.mutation + `(input: $in) { __typename } }`
			requireInputError(t, b.post(t, q, map[string]any{"in": tc.in}), tc.field)
		})
	}
	require.Equal(t, before, historyRows(t, b), "a refused mutation writes nothing")

	// And the good ones keep the previous values: a correction, a rectification.
	d := b.ok(t, `mutation($in: CorrectInterventionInput!) { correctIntervention(input: $in) { intervention { plannedHours case { history { kind changes { field previous value } } } } } }`,
		map[string]any{"in": map[string]any{"interventionId": iv, "plannedHours": 80.0, "reason": "typed 0"}})
	require.EqualValues(t, 80, path(t, d, "correctIntervention.intervention.plannedHours"))
	require.Contains(t, toString(d), "INTERVENTION_CORRECTED")
	d = b.ok(t, `mutation($in: UpdatePersonInput!) { updatePerson(input: $in) { person { phone rectifications { reason changes { field previous value } } } } }`,
		map[string]any{"in": map[string]any{"personId": fx.persons[0], "phone": "050123456", "reason": "the person's request of 3 May"}})
	require.Contains(t, toString(d), "the person's request of 3 May")
	require.Contains(t, toString(d), "050123456")
	d = b.ok(t, `mutation($in: CancelInterventionInput!) { cancelIntervention(input: $in) { intervention { status cancellationReason } } }`,
		map[string]any{"in": map[string]any{"interventionId": iv, "reason": "recorded twice"}})
	require.Equal(t, "CANCELLED", path(t, d, "cancelIntervention.intervention.status"))
	d = b.ok(t, `mutation($in: CaseStatusInput!) { suspendCase(input: $in) { case { status } } }`,
		map[string]any{"in": map[string]any{"caseId": fx.cases[0], "on": "2024-01-01", "reason": "moved abroad for a while"}})
	require.Equal(t, "SUSPENDED", path(t, d, "suspendCase.case.status"))
	d = b.ok(t, `mutation($in: CaseStatusInput!) { reopenCase(input: $in) { case { status history { kind reason } } } }`,
		map[string]any{"in": map[string]any{"caseId": fx.cases[0], "on": "2024-03-01", "reason": "back"}})
	require.Contains(t, toString(d), "SUSPENDED")
	require.Contains(t, toString(d), "REOPENED")
}

func gidOf(typ, id string) string { return globalid.Encode(typ, id) }

func toString(v any) string { return fmt.Sprint(v) }
