package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// crossOrgStaff adds to the access fixture a second Pisa social worker, and Turin's
// departments, housing officer, employment officer and a Turin cooperative with its case
// manager, as the demo has them; it returns their global ids by subject and code.
func crossOrgStaff(t *testing.T, b *accessBundle) map[string]string {
	t.Helper()
	var agency, torino uuid.UUID
	row := func(gid string) uuid.UUID {
		_, id, err := globalid.Decode(gid)
		require.NoError(t, err)
		return uuid.MustParse(id)
	}
	agency, torino = row(b.fx.agency), row(b.fx.otherOrg)
	coop := uuid.New()
	soc, housing, lavoro := uuid.New(), uuid.New(), uuid.New()
	sw2, ho, eo, cm := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	d := bulk.Data{
		Organisations: []bulk.Organisation{{ID: coop, Code: "COOP-TORINO", Name: "Cooperativa torinese", Kind: "COOPERATIVE", Territory: "L219"}},
		Departments: []bulk.Department{
			{ID: soc, OrganisationID: torino, Code: "SOC", Name: "Servizi sociali", Kind: "SOCIAL_CARE"},
			{ID: housing, OrganisationID: torino, Code: "HOUSING", Name: "Emergenza abitativa", Kind: "HOUSING"},
			{ID: lavoro, OrganisationID: torino, Code: "LAVORO", Name: "Lavoro e inclusione", Kind: "EMPLOYMENT"},
		},
		Staff: []bulk.Staff{
			{ID: sw2, Subject: "sw2.test", DisplayName: "Elena Second Worker", OrganisationID: agency},
			{ID: ho, Subject: "ho.torino", DisplayName: "Stefano Housing", OrganisationID: torino, DepartmentID: housing},
			{ID: eo, Subject: "eo.torino", DisplayName: "Federica Lavoro", OrganisationID: torino, DepartmentID: lavoro},
			{ID: cm, Subject: "cm.torino", DisplayName: "Cooperative Turin manager", OrganisationID: coop},
		},
	}
	require.NoError(t, bulk.Load(context.Background(), b.store, &d, nil))
	var torinoWorker string
	require.NoError(t, b.store.Pool().QueryRow(context.Background(), `SELECT id::text FROM staff WHERE subject = 'sw.torino'`).Scan(&torinoWorker))
	_, err := b.store.Pool().Exec(context.Background(), `UPDATE staff SET department_id = $1 WHERE subject = 'sw.torino'`, soc)
	require.NoError(t, err)
	g := func(typ string, id uuid.UUID) string { return globalid.Encode(typ, id.String()) }
	return map[string]string{"sw2.test": g("Staff", sw2), "ho.torino": g("Staff", ho), "eo.torino": g("Staff", eo), "cm.torino": g("Staff", cm),
		"sw.torino": globalid.Encode("Staff", torinoWorker), "COOP-TORINO": g("Organisation", coop),
		"SOC": g("Department", soc), "HOUSING": g("Department", housing), "LAVORO": g("Department", lavoro)}
}

func init() {
	identities["social_worker_2"] = identity{"sw2.test", access.RoleSocialWorker, "SDS-PISA"}
	identities["torino_housing"] = identity{"ho.torino", access.RoleSocialWorker, "TORINO"}
	identities["torino_work"] = identity{"eo.torino", access.RoleEmploymentOfficer, "TORINO"}
	identities["torino_coop"] = identity{"cm.torino", access.RoleCaseManager, "COOP-TORINO"}
}

// forbiddenAt reports whether r has a FORBIDDEN error at a path ending in field.
func forbiddenAt(r gqlResponse, field string) bool {
	for _, e := range r.Errors {
		if e.Extensions["code"] == "FORBIDDEN" && len(e.Path) > 0 && e.Path[len(e.Path)-1] == field {
			return true
		}
	}
	return false
}

const caseView = `query($id: ID!) { node(id: $id) { ... on Case { reference status leadWorker { displayName }
	organisations { role organisation { code } }
	person { givenName phone gender }
	projects { id title participant { givenName phone gender households { id } } }
	interventions { id status department { code } }
	activity { note author { displayName } }
	history { kind organisation { code } changes { field value } } } } }`

// The ALI story (Pisa): the agency opens a case and refers it to cooperative Arnera with
// the person's consent; Arnera accepts, delivers a project, records its activity; the
// lead passes to another social worker; the project concludes, the referral ends, the
// case closes. Each role sees, at each step, what it should and nothing more; after the
// referral ends the cooperative sees nothing of the case.
func TestALIStoryAcrossOrganisations(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ids := crossOrgStaff(t, b)
	const sw, coop, sw2 = "social_worker", "case_manager", "social_worker_2"
	cm := access.PurposeCaseManagement

	// The agency registers the household and opens the case.
	code, err := codicefiscale.Generate("Arnesi", "Sara", time.Date(1985, 4, 2, 0, 0, 0, 0, time.UTC), 'F', "G702")
	require.NoError(t, err)
	d := b.okAs(t, sw, cm, `mutation($in: RegisterPersonInput!) { registerPerson(input: $in) { person { id } } }`,
		map[string]any{"in": map[string]any{"taxCode": code, "givenName": "Sara", "familyName": "Arnesi", "gender": "FEMALE", "phone": "3331234567"}})
	person := at[string](t, d, "registerPerson.person.id")
	d = b.okAs(t, sw, cm, `mutation { createHousehold(input: {label: "Arnesi"}) { household { id } } }`, nil)
	household := at[string](t, d, "createHousehold.household.id")
	b.okAs(t, sw, cm, `mutation($in: AddHouseholdMemberInput!) { addHouseholdMember(input: $in) { member { id } } }`,
		map[string]any{"in": map[string]any{"householdId": household, "personId": person, "relationship": "HEAD", "validFrom": "2024-01-01"}})
	d = b.okAs(t, sw, cm, `mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id } } }`, map[string]any{"in": map[string]any{
		"reference": "PI-ALI-0001", "householdId": household, "personId": person, "organisationId": b.fx.agency, "leadWorkerId": b.fx.worker,
		"openedOn": "2024-01-10", "departmentIds": []string{b.fx.careDept}}})
	caseID := at[string](t, d, "openCase.case.id")

	// Arnera sees nothing of it yet.
	require.Nil(t, b.okAs(t, coop, cm, caseView, map[string]any{"id": caseID})["node"])
	require.Nil(t, b.okAs(t, coop, cm, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": person})["node"])

	// A referral with consent: identity, contact, employment, the services and their notes.
	const refer = `mutation($in: RequestReferralInput!) { requestReferral(input: $in) { referral { id status categories legalBasis consentEvidence } } }`
	referIn := map[string]any{"caseId": caseID, "toOrganisationId": b.fx.coop, "purpose": "Work inclusion path with an internship",
		"categories": []string{"CASE", "IDENTITY", "CONTACT", "EMPLOYMENT", "SERVICES", "CASE_NOTES"}, "legalBasis": "CONSENT",
		"consentGivenAt": "2024-01-12T10:00:00+01:00", "consentGivenBy": "Sara Arnesi", "consentEvidence": "Prot. SdS 2024/118"}
	// The cooperative cannot refer a case it does not lead (or see).
	r := b.as(t, coop, cm, refer, map[string]any{"in": referIn})
	require.NotEmpty(t, r.Errors)
	d = b.okAs(t, sw, cm, refer, map[string]any{"in": referIn})
	referral := at[map[string]any](t, d, "requestReferral.referral")
	require.Equal(t, "REQUESTED", referral["status"])
	require.Equal(t, "Prot. SdS 2024/118", referral["consentEvidence"])

	// Arnera sees the request, not the case, until it accepts.
	d = b.okAs(t, coop, cm, `{ referrals(direction: RECEIVED) { totalCount edges { node { id purpose status case { id } } } } }`, nil)
	require.EqualValues(t, 1, path(t, d, "referrals.totalCount"))
	require.Nil(t, path(t, d, "referrals.edges.0.node.case"))
	require.Nil(t, b.okAs(t, coop, cm, caseView, map[string]any{"id": caseID})["node"])
	// Another social worker's organisation cannot answer it for Arnera.
	r = b.as(t, "torino", cm, `mutation($in: RespondReferralInput!) { acceptReferral(input: $in) { referral { id } } }`,
		map[string]any{"in": map[string]any{"referralId": referral["id"]}})
	require.NotEmpty(t, r.Errors)

	d = b.okAs(t, coop, cm, `mutation($in: RespondReferralInput!) { acceptReferral(input: $in) { referral { status case { reference } } } }`,
		map[string]any{"in": map[string]any{"referralId": referral["id"], "note": "we take the internship"}})
	require.Equal(t, "ACCEPTED", path(t, d, "acceptReferral.referral.status"))
	require.Equal(t, "PI-ALI-0001", path(t, d, "acceptReferral.referral.case.reference"))

	// Accepted: Arnera takes part as a partner and sees the case, but (a provider) no
	// person until it delivers something to them.
	r = b.as(t, coop, cm, caseView, map[string]any{"id": caseID})
	require.Equal(t, "PI-ALI-0001", path(t, r.Data, "node.reference"))
	require.Contains(t, fmt.Sprint(path(t, r.Data, "node.organisations")), "COOP-ARNERA")
	require.Nil(t, path(t, r.Data, "node.person"))

	// Delivery follows visibility: the project names Arnera, which delivers it.
	d = b.okAs(t, sw, cm, `mutation($in: CreateProjectInput!) { createProject(input: $in) { project { id } } }`, map[string]any{"in": map[string]any{
		"caseId": caseID, "participantId": person, "providerId": b.fx.coop, "caseManagerId": b.fx.manager, "title": "Internship in logistics",
		"startedOn": "2024-02-01"}})
	project := at[string](t, d, "createProject.project.id")
	d = b.okAs(t, coop, cm, `mutation($in: ActivateInterventionInput!) { activateIntervention(input: $in) { intervention { id status } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "projectId": project, "serviceType": "INTERNSHIP", "providerId": b.fx.coop,
			"beneficiaryId": person, "startsOn": "2024-02-05", "plannedHours": 120.0}})
	internship := at[string](t, d, "activateIntervention.intervention.id")
	b.okAs(t, coop, cm, `mutation($in: AddActivityEntryInput!) { addActivityEntry(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"caseId": caseID, "projectId": project, "occurredOn": "2024-02-12", "kind": "MEETING", "minutes": 60, "note": "weekly meeting at the host"}})

	// What Arnera now sees: the participant's name and phone (shared), not their gender
	// or household (not named by the referral).
	r = b.as(t, coop, cm, caseView, map[string]any{"id": caseID})
	require.Equal(t, "Sara", path(t, r.Data, "node.projects.0.participant.givenName"))
	require.Equal(t, "3331234567", path(t, r.Data, "node.projects.0.participant.phone"))
	require.Nil(t, path(t, r.Data, "node.projects.0.participant.gender"))
	require.True(t, forbiddenAt(r, "gender"), "gender is demographic data, which the referral does not share: %+v", r.Errors)
	require.True(t, forbiddenAt(r, "households"), "the household is not shared")
	require.Equal(t, "weekly meeting at the host", path(t, r.Data, "node.activity.0.note"))
	// The agency, leading, sees everything, the steps of the case included.
	r = b.as(t, sw, cm, caseView, map[string]any{"id": caseID})
	require.Empty(t, r.Errors)
	require.Equal(t, "FEMALE", path(t, r.Data, "node.person.gender"))
	history := fmt.Sprint(path(t, r.Data, "node.history"))
	for _, k := range []string{"OPENED", "REFERRAL_REQUESTED", "REFERRAL_ACCEPTED", "PARTICIPATION_STARTED"} {
		require.Contains(t, history, k)
	}

	// The lead passes to another social worker of the agency, who accepts it herself.
	const transfer = `mutation($in: RequestTransferInput!) { requestTransfer(input: $in) { transfer { id status } } }`
	d = b.okAs(t, sw, cm, transfer, map[string]any{"in": map[string]any{"caseId": caseID, "toWorkerId": ids["sw2.test"], "reason": "contract ended"}})
	tr := at[string](t, d, "requestTransfer.transfer.id")
	const accept = `mutation($in: AcceptTransferInput!) { acceptTransfer(input: $in) { transfer { status case { leadWorker { displayName } } } } }`
	r = b.as(t, sw, cm, accept, map[string]any{"in": map[string]any{"transferId": tr}})
	require.NotEmpty(t, r.Errors, "the requesting worker cannot accept for the receiving one")
	d = b.okAs(t, sw2, cm, accept, map[string]any{"in": map[string]any{"transferId": tr}})
	require.Equal(t, "Elena Second Worker", path(t, d, "acceptTransfer.transfer.case.leadWorker.displayName"))

	// The case does not close while the project runs.
	const closeCase = `mutation($in: CloseCaseInput!) { closeCase(input: $in) { case { status } } }`
	requireInputErrorAs(t, b.as(t, sw2, cm, closeCase, map[string]any{"in": map[string]any{"caseId": caseID, "closedOn": "2024-07-01"}}), "input.caseId")
	// A project does not conclude while its intervention runs.
	const update = `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { status } } }`
	concl := map[string]any{"projectId": project, "status": "CONCLUDED", "endedOn": "2024-06-28", "outcome": "HIRED_BY_HOST"}
	requireInputErrorAs(t, b.as(t, coop, cm, update, map[string]any{"in": concl}), "input.status")
	b.okAs(t, coop, cm, `mutation($in: CompleteInterventionInput!) { completeIntervention(input: $in) { intervention { status } } }`,
		map[string]any{"in": map[string]any{"interventionId": internship, "endsOn": "2024-06-28", "hoursDelivered": 118.0}})
	b.okAs(t, coop, cm, update, map[string]any{"in": concl})
	// Concluded: Arnera still takes part by the referral.
	require.NotNil(t, b.okAs(t, coop, cm, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": caseID})["node"])

	// The person withdraws her consent: the referral ends, and Arnera sees nothing more.
	d = b.okAs(t, sw2, cm, `mutation($in: EndReferralInput!) { endReferral(input: $in) { referral { status endReason } } }`,
		map[string]any{"in": map[string]any{"referralId": referral["id"], "reason": "consent withdrawn"}})
	require.Equal(t, "ENDED", path(t, d, "endReferral.referral.status"))
	require.Nil(t, b.okAs(t, coop, cm, caseView, map[string]any{"id": caseID})["node"])
	require.Nil(t, b.okAs(t, coop, cm, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": person})["node"])
	require.Nil(t, b.okAs(t, coop, cm, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": project})["node"])
	d = b.okAs(t, coop, cm, `{ cases(first: 50, filter: {search: "Arnesi"}) { totalCount } }`, nil)
	require.EqualValues(t, 0, path(t, d, "cases.totalCount"))

	d = b.okAs(t, sw2, cm, closeCase, map[string]any{"in": map[string]any{"caseId": caseID, "closedOn": "2024-07-01", "reason": "hired"}})
	require.Equal(t, "CLOSED", path(t, d, "closeCase.case.status"))
	d = b.okAs(t, sw2, cm, `query($id: ID!) { node(id: $id) { ... on Case { organisations { role }
		participations { organisation { code } role basis toOn endReason } } } }`, map[string]any{"id": caseID})
	require.Len(t, path(t, d, "node.organisations"), 1, "closed: only the lead takes part")
	parts := fmt.Sprint(path(t, d, "node.participations"))
	for _, want := range []string{"REFERRAL", "PROJECT", "INTERVENTION", "consent withdrawn"} {
		require.Contains(t, parts, want, "the participation history keeps every reason")
	}

	// Every step is in the access log, with the cooperative's own acceptance.
	var n int
	require.NoError(t, b.store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM access_log WHERE subject = 'cm.test' AND operation LIKE 'mutation%acceptReferral%'`).Scan(&n))
	require.Equal(t, 1, n)
	require.NoError(t, b.store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM access_log WHERE subject = 'sw2.test' AND operation LIKE 'mutation%endReferral%'`).Scan(&n))
	require.Equal(t, 1, n)
}

// requireInputErrorAs is requireInputError for a response of any test.
func requireInputErrorAs(t *testing.T, r gqlResponse, field string) {
	t.Helper()
	requireInputError(t, r, field)
}

// The TO-HOME story (Turin): a case led by the social-care department with housing and
// employment on it; the employment department keeps its part of the joint register;
// services record their department; the case is referred to a cooperative on the
// municipality's public task, which delivers housing support and sees only what the
// referral names; the lead passes to the housing officer; the case closes.
func TestTOHOMEStoryAcrossDepartments(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ids := crossOrgStaff(t, b)
	const sw, ho, eo, coop = "torino", "torino_housing", "torino_work", "torino_coop"
	cm, es := access.PurposeCaseManagement, access.PurposeEmploymentServices

	code, err := codicefiscale.Generate("Sfratti", "Marco", time.Date(1973, 8, 9, 0, 0, 0, 0, time.UTC), 'M', "L219")
	require.NoError(t, err)
	d := b.okAs(t, sw, cm, `mutation($in: RegisterPersonInput!) { registerPerson(input: $in) { person { id } } }`,
		map[string]any{"in": map[string]any{"taxCode": code, "givenName": "Marco", "familyName": "Sfratti"}})
	person := at[string](t, d, "registerPerson.person.id")
	d = b.okAs(t, sw, cm, `mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id departments { code: name } } } }`,
		map[string]any{"in": map[string]any{"reference": "TO-HOME-2024-001", "personId": person, "organisationId": b.fx.otherOrg,
			"leadWorkerId": ids["sw.torino"], "openedOn": "2024-03-01", "departmentIds": []string{ids["SOC"], ids["HOUSING"]}}})
	caseID := at[string](t, d, "openCase.case.id")
	d = b.okAs(t, sw, cm, `mutation($in: SetCaseDepartmentsInput!) { setCaseDepartments(input: $in) { case { departments { name } } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "departmentIds": []string{ids["SOC"], ids["HOUSING"], ids["LAVORO"]},
			"reason": "the employment department joins"}})
	require.Len(t, path(t, d, "setCaseDepartments.case.departments"), 3)

	// The employment department writes its joint-meeting entry, and reads the register.
	b.okAs(t, eo, es, `mutation($in: AddActivityEntryInput!) { addActivityEntry(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"caseId": caseID, "occurredOn": "2024-03-15", "kind": "COORDINATION", "minutes": 60,
		"note": "Joint meeting of the housing, employment and social-care officers"}})
	d = b.okAs(t, eo, es, `query($id: ID!) { node(id: $id) { ... on Case { activity { note author { displayName } } } } }`, map[string]any{"id": caseID})
	require.Equal(t, "Federica Lavoro", path(t, d, "node.activity.0.author.displayName"))

	// The housing emergency measure, delivered by the housing department.
	d = b.okAs(t, sw, cm, `mutation($in: ActivateInterventionInput!) { activateIntervention(input: $in) { intervention { id department { code } } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "serviceType": "HOUSING_EMERGENCY", "providerId": b.fx.otherOrg,
			"departmentId": ids["HOUSING"], "beneficiaryId": person, "startsOn": "2024-03-20"}})
	housing := at[string](t, d, "activateIntervention.intervention.id")
	require.Equal(t, "HOUSING", path(t, d, "activateIntervention.intervention.department.code"))
	// A department of another organisation is refused.
	requireInputError(t, b.as(t, sw, cm, `mutation($in: ActivateInterventionInput!) { activateIntervention(input: $in) { intervention { id } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "serviceType": "ORIENTATION", "providerId": b.fx.otherOrg,
			"departmentId": b.fx.careDept, "beneficiaryId": person, "startsOn": "2024-03-20"}}), "input.departmentId")

	// Referred to a Turin cooperative on the municipality's public task, for the case and
	// its services only: not even the person's name.
	d = b.okAs(t, sw, cm, `mutation($in: RequestReferralInput!) { requestReferral(input: $in) { referral { id } } }`, map[string]any{"in": map[string]any{
		"caseId": caseID, "toOrganisationId": ids["COOP-TORINO"], "purpose": "Accompaniment to the new flat",
		"categories": []string{"CASE", "SERVICES"}, "legalBasis": "PUBLIC_TASK", "legalReference": "L. 328/2000, art. 22"}})
	referral := at[string](t, d, "requestReferral.referral.id")
	b.okAs(t, coop, cm, `mutation($in: RespondReferralInput!) { acceptReferral(input: $in) { referral { status } } }`,
		map[string]any{"in": map[string]any{"referralId": referral}})
	d = b.okAs(t, sw, cm, `mutation($in: ActivateInterventionInput!) { activateIntervention(input: $in) { intervention { id } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "serviceType": "ORIENTATION", "providerId": ids["COOP-TORINO"],
			"beneficiaryId": person, "startsOn": "2024-04-02"}})
	orientation := at[string](t, d, "activateIntervention.intervention.id")
	// The cooperative sees the case and its intervention; not the beneficiary's name, not
	// the register (case notes are not shared), and it cannot write there either. A search
	// by the name finds nothing; by the reference, the case.
	r := b.as(t, coop, cm, `query($id: ID!) { node(id: $id) { ... on Case { reference interventions { serviceType beneficiary { givenName } } activity { note } } } }`,
		map[string]any{"id": caseID})
	require.Equal(t, "TO-HOME-2024-001", path(t, r.Data, "node.reference"))
	require.Equal(t, "ORIENTATION", path(t, r.Data, "node.interventions.0.serviceType"))
	require.Nil(t, path(t, r.Data, "node.interventions.0.beneficiary.givenName"))
	require.True(t, forbiddenAt(r, "givenName"), "identity is not shared: %+v", r.Errors)
	require.True(t, forbiddenAt(r, "activity"), "case notes are not shared: %+v", r.Errors)
	d = b.okAs(t, coop, cm, `{ byName: cases(filter: {search: "Sfratti"}) { totalCount } byRef: cases(filter: {search: "TO-HOME-2024"}) { totalCount }
		persons(filter: {search: "Sfratti"}) { totalCount } }`, nil)
	require.EqualValues(t, 0, path(t, d, "byName.totalCount"), "a search matches only identities the caller may read")
	require.EqualValues(t, 1, path(t, d, "byRef.totalCount"))
	require.EqualValues(t, 0, path(t, d, "persons.totalCount"))
	r = b.as(t, coop, cm, `mutation($in: AddActivityEntryInput!) { addActivityEntry(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"caseId": caseID, "occurredOn": "2024-04-03", "kind": "NOTE", "note": "visited the flat"}})
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"], "%+v", r.Errors)

	// The lead passes to the housing officer, who accepts.
	d = b.okAs(t, sw, cm, `mutation($in: RequestTransferInput!) { requestTransfer(input: $in) { transfer { id } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "toWorkerId": ids["ho.torino"], "reason": "the housing measure leads now"}})
	tr := at[string](t, d, "requestTransfer.transfer.id")
	d = b.okAs(t, ho, cm, `{ transfers(direction: RECEIVED, status: REQUESTED) { totalCount } }`, nil)
	require.EqualValues(t, 1, path(t, d, "transfers.totalCount"))
	b.okAs(t, ho, cm, `mutation($in: AcceptTransferInput!) { acceptTransfer(input: $in) { transfer { status } } }`,
		map[string]any{"in": map[string]any{"transferId": tr}})

	// Everything ends; the case closes; the cooperative sees nothing more.
	for _, iv := range []string{housing, orientation} {
		b.okAs(t, ho, cm, `mutation($in: CompleteInterventionInput!) { completeIntervention(input: $in) { intervention { status } } }`,
			map[string]any{"in": map[string]any{"interventionId": iv, "endsOn": "2024-06-30"}})
	}
	d = b.okAs(t, ho, cm, `mutation($in: CloseCaseInput!) { closeCase(input: $in) { case { status leadWorker { displayName } } } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "closedOn": "2024-07-01", "reason": "housed"}})
	require.Equal(t, "Stefano Housing", path(t, d, "closeCase.case.leadWorker.displayName"))
	require.Nil(t, b.okAs(t, coop, cm, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": caseID})["node"])
	d = b.okAs(t, coop, cm, `query($id: ID!) { node(id: $id) { ... on Referral { status endReason } } }`, map[string]any{"id": referral})
	require.Equal(t, "ENDED", path(t, d, "node.status"), "closing the case ended the referral")
}

// me tells the caller who it is and what its plan grants; the staff directory shows its
// organisation's staff and those of the organisations in its cases; due actions flag the
// stale case of Turin (open since 2021 with nothing recorded).
func TestMeStaffAndDueActions(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	crossOrgStaff(t, b)
	d := b.okAs(t, "case_manager", access.PurposeCaseManagement, `{ me { subject role rowScope organisation { code } staff { displayName }
		reads writes operations mutations } }`, nil)
	me := at[map[string]any](t, d, "me")
	require.Equal(t, "cm.test", me["subject"])
	require.Equal(t, "provider", me["rowScope"])
	require.Equal(t, "COOP-ARNERA", path(t, me, "organisation.code"))
	require.Contains(t, me["mutations"], "acceptReferral")
	require.NotContains(t, me["mutations"], "openCase")
	require.NotContains(t, me["reads"], "HEALTH")

	d = b.okAs(t, "case_manager", access.PurposeCaseManagement, `{ staff(first: 50) { edges { node { displayName organisation { code } } } } }`, nil)
	dir := fmt.Sprint(path(t, d, "staff.edges"))
	require.Contains(t, dir, "Marco Case Manager")
	require.Contains(t, dir, "Anna Social Worker", "the agency leads a case the cooperative takes part in")
	require.NotContains(t, dir, "TORINO", "Turin's staff are nobody the cooperative works with")
	r := b.as(t, "dashboard", access.PurposeStatistics, `{ staff(first: 5) { totalCount } }`, nil)
	require.NotEmpty(t, r.Errors)

	d = b.okAs(t, "torino", access.PurposeCaseManagement, `{ dueActions(overdueOnly: true) { totalCount edges { node { kind overdue daysOverdue case { reference stale } } } } }`, nil)
	require.EqualValues(t, 1, path(t, d, "dueActions.totalCount"))
	require.Equal(t, "REVIEW_STALE_CASE", path(t, d, "dueActions.edges.0.node.kind"))
	require.Equal(t, true, path(t, d, "dueActions.edges.0.node.case.stale"))
	require.Greater(t, at[float64](t, d, "dueActions.edges.0.node.daysOverdue"), 365.0)
	// Pisa's social worker has none of Turin's.
	d = b.okAs(t, "social_worker", access.PurposeCaseManagement, `{ dueActions(for: TEAM) { edges { node { case { reference } } } } }`, nil)
	require.NotContains(t, fmt.Sprint(d), "TO-2021")
	// The dashboard counts them, suppressed: Pisa's case, its services over since 2021, is
	// one stale case in the territory, a small cell.
	for _, sql := range []string{
		`UPDATE interventions SET status = 'COMPLETED', ends_on = '2021-01-31'`,
		`UPDATE projects SET status = 'CONCLUDED', ended_on = '2021-01-31', outcome = 'WITHDREW'`,
	} {
		_, err := b.store.Pool().Exec(context.Background(), sql)
		require.NoError(t, err)
	}
	d = b.okAs(t, "dashboard", access.PurposeStatistics, `{ dueActionCounts { columns rows { key counts { value suppressed } } total { value suppressed } } }`, nil)
	require.Equal(t, []any{"DUE", "OVERDUE"}, path(t, d, "dueActionCounts.columns"))
	require.Contains(t, fmt.Sprint(path(t, d, "dueActionCounts")), "suppressed:true")
}

// ADI's deadlines come from the rule table and the stored dates: convene within 60 days
// of the benefit's activation, then sign the pact within 120 days of the convening.
func TestADIDeadlines(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	_, pid, _ := globalid.Decode(b.fx.persons[0])
	const meta = `'\x7b7d'::bytea, repeat('a', 64), 'application/json', 'sync', now()`
	_, err := b.store.Pool().Exec(ctx, `INSERT INTO registry_benefit_cases (source, source_ref, tax_code, programme, application_protocol,
		member_tax_codes, status, status_raw, status_date, start_date, raw_payload, payload_sha256, content_type, origin, fetched_at)
		SELECT 'benefits', 'ADI-1', p.tax_code, 'ADI', 'ADI-1', ARRAY[p.tax_code], 'ACCEPTED', 'accolta', '2024-01-05', '2024-01-01', `+meta+`
		  FROM persons p WHERE p.id = $1`, pid)
	require.NoError(t, err)
	const due = `{ dueActions(first: 10) { edges { node { kind programme countedFrom dueOn overdue } } } }`
	d := b.okAs(t, "social_worker", access.PurposeCaseManagement, due, nil)
	require.Equal(t, "CONVENE", path(t, d, "dueActions.edges.0.node.kind"))
	require.Equal(t, "2024-03-01", path(t, d, "dueActions.edges.0.node.dueOn"), "60 days from the activation")
	require.Equal(t, "SIGN_PACT", path(t, d, "dueActions.edges.1.node.kind"))
	require.Equal(t, "2024-06-29", path(t, d, "dueActions.edges.1.node.dueOn"), "120 days from the convening's due date")

	// Convened on 10 February: the pact is due 120 days after.
	b.okAs(t, "social_worker", access.PurposeCaseManagement, `mutation($in: AddActivityEntryInput!) { addActivityEntry(input: $in) { entry { id } } }`,
		map[string]any{"in": map[string]any{"caseId": b.fx.cases[0], "occurredOn": "2024-02-10", "kind": "MEETING", "note": "household convened"}})
	d = b.okAs(t, "social_worker", access.PurposeCaseManagement, due, nil)
	require.Len(t, path(t, d, "dueActions.edges"), 1)
	require.Equal(t, "SIGN_PACT", path(t, d, "dueActions.edges.0.node.kind"))
	require.Equal(t, "2024-02-10", path(t, d, "dueActions.edges.0.node.countedFrom"))
	require.Equal(t, "2024-06-09", path(t, d, "dueActions.edges.0.node.dueOn"))

	// The rule is data: a longer deadline in the table moves the date.
	_, err = b.store.Pool().Exec(ctx, `UPDATE programme_deadline_rules SET days = 150 WHERE programme = 'ADI' AND action = 'SIGN_PACT'`)
	require.NoError(t, err)
	d = b.okAs(t, "social_worker", access.PurposeCaseManagement, `query($id: ID!) { node(id: $id) { ... on Case { dueActions { kind dueOn } } } }`,
		map[string]any{"id": b.fx.cases[0]})
	require.Equal(t, "2024-07-09", path(t, d, "node.dueActions.0.dueOn"))
	// A deadline tells the benefit: the school liaison, reading no socio-economic data, is not shown it.
	d = b.okAs(t, "school_liaison", access.PurposeSchoolAttendance, `query($id: ID!) { node(id: $id) { ... on Case { dueActions { kind } } } }`,
		map[string]any{"id": b.fx.cases[0]})
	require.NotContains(t, fmt.Sprint(d), "SIGN_PACT")
}
