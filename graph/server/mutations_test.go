package server_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func tenScores() []map[string]any {
	areas := []string{"PERSONAL_CONDITIONS", "FAMILY_CONDITIONS_NETWORKS", "ECONOMIC_SITUATION",
		"EDUCATION_TRAINING_SKILLS", "COMMUNICATION_SKILLS", "ITALIAN_LANGUAGE", "DIGITAL_SKILLS",
		"EMPLOYMENT_STABILITY", "TRANSVERSAL_SKILLS", "MOBILITY_AUTONOMY"}
	out := make([]map[string]any, len(areas))
	for i, a := range areas {
		out[i] = map[string]any{"area": a, "score": 1 + i%5}
	}
	return out
}

// requireInputError checks a failed mutation: BAD_USER_INPUT naming the field, no data.
func requireInputError(t *testing.T, r gqlResponse, field string) {
	t.Helper()
	require.NotEmpty(t, r.Errors, "expected an input error on %s", field)
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"], "%+v", r.Errors)
	fields := []string{}
	for _, f := range r.Errors[0].Extensions["fields"].([]any) {
		fields = append(fields, at[string](t, f, "field"))
	}
	require.Contains(t, fields, field, r.Errors[0].Message)
	require.Nil(t, r.Data)
}

func TestPersonAndHouseholdMutations(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)

	const register = `mutation($in: RegisterPersonInput!) { registerPerson(input: $in) { person { id taxCode birthDate birthPlace gender } } }`
	d := b.ok(t, register, map[string]any{"in": map[string]any{"taxCode": "mrtmra83t56a269b", "givenName": "Maria", "familyName": "Martini", "gender": "FEMALE"}})
	p := at[map[string]any](t, d, "registerPerson.person")
	require.Equal(t, "MRTMRA83T56A269B", p["taxCode"])
	require.Equal(t, "1983-12-16", p["birthDate"], "birth date derived from the tax code")
	require.Equal(t, "A269", p["birthPlace"])

	for name, tc := range map[string]struct {
		in    map[string]any
		field string
	}{
		"bad check character": {map[string]any{"taxCode": "CCCFBA85D03L219B", "givenName": "F", "familyName": "C"}, "input.taxCode"},
		"gender contradicts":  {map[string]any{"taxCode": "RSSMRA68A01H501Y", "givenName": "M", "familyName": "R", "gender": "FEMALE"}, "input.gender"},
		"birth date contradicts": {map[string]any{"taxCode": "RSSMRA68A01H501Y", "givenName": "M", "familyName": "R", "birthDate": "1968-01-02"},
			"input.birthDate"},
		"blank name":       {map[string]any{"taxCode": "RSSMRA68A01H501Y", "givenName": " ", "familyName": "R"}, "input.givenName"},
		"bad citizenship":  {map[string]any{"taxCode": "RSSMRA68A01H501Y", "givenName": "M", "familyName": "R", "citizenship": "Italy"}, "input.citizenship"},
		"duplicate person": {map[string]any{"taxCode": "MRTMRA83T56A269B", "givenName": "Maria", "familyName": "Martini"}, "input.taxCode"},
	} {
		t.Run(name, func(t *testing.T) { requireInputError(t, b.post(t, register, map[string]any{"in": tc.in}), tc.field) })
	}

	d = b.ok(t, `mutation { createHousehold(input: {label: "Martini"}) { household { id label } } }`, nil)
	hh := at[string](t, d, "createHousehold.household.id")
	requireInputError(t, b.post(t, `mutation { createHousehold(input: {label: ""}) { household { id } } }`, nil), "input.label")

	const add = `mutation($in: AddHouseholdMemberInput!) { addHouseholdMember(input: $in) { member { id relationship validFrom person { taxCode } } } }`
	d = b.ok(t, add, map[string]any{"in": map[string]any{"householdId": hh, "personId": p["id"], "relationship": "HEAD", "validFrom": "2020-01-01"}})
	member := at[map[string]any](t, d, "addHouseholdMember.member")
	require.Equal(t, "MRTMRA83T56A269B", path(t, member, "person.taxCode"))
	requireInputError(t, b.post(t, add, map[string]any{"in": map[string]any{"householdId": hh, "personId": p["id"], "relationship": "HEAD", "validFrom": "2021-01-01"}}),
		"input.personId")
	requireInputError(t, b.post(t, add, map[string]any{"in": map[string]any{"householdId": hh, "personId": b.fx.cases[0], "relationship": "HEAD", "validFrom": "2021-01-01"}}),
		"input.personId")

	const end = `mutation($in: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $in) { member { validTo } } }`
	requireInputError(t, b.post(t, end, map[string]any{"in": map[string]any{"memberId": member["id"], "validTo": "2019-12-31"}}), "input.validTo")
	d = b.ok(t, end, map[string]any{"in": map[string]any{"memberId": member["id"], "validTo": "2022-06-30"}})
	require.Equal(t, "2022-06-30", path(t, d, "endHouseholdMembership.member.validTo"))
	requireInputError(t, b.post(t, end, map[string]any{"in": map[string]any{"memberId": member["id"], "validTo": "2022-07-30"}}), "input.memberId")
}

func TestCaseWorkflowMutations(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	fx := b.fx

	const open = `mutation($in: OpenCaseInput!) { openCase(input: $in) { case { id reference status departments { code: name } organisations { role } household { id } } } }`
	openIn := func(over map[string]any) map[string]any {
		in := map[string]any{"reference": "PI-2024-0100", "householdId": fx.households[0], "organisationId": fx.agency,
			"leadWorkerId": fx.worker, "openedOn": "2024-01-10", "departmentIds": []string{fx.careDept, fx.housingDept},
			"partnerOrganisationIds": []string{fx.coop}, "confirmSecondCase": true}
		for k, v := range over {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	for name, tc := range map[string]struct {
		over  map[string]any
		field string
	}{
		"future opening":         {map[string]any{"openedOn": "2999-01-01"}, "input.openedOn"},
		"worker of another org":  {map[string]any{"organisationId": fx.coop}, "input.leadWorkerId"},
		"no person or household": {map[string]any{"householdId": nil}, "input.personId"},
		"wrong id type":          {map[string]any{"leadWorkerId": fx.agency}, "input.leadWorkerId"},
		"duplicate reference":    {map[string]any{"reference": "PI-2020-0001"}, "input.reference"},
		// The household's case PI-2020-0001 is open: a second one must be confirmed.
		"second case unconfirmed": {map[string]any{"confirmSecondCase": false}, "input.householdId"},
	} {
		t.Run(name, func(t *testing.T) { requireInputError(t, b.post(t, open, openIn(tc.over)), tc.field) })
	}
	// Nothing partial: the failed attempts left no case behind.
	d := b.ok(t, `{ cases(first: 10) { totalCount } }`, nil)
	require.EqualValues(t, 1, path(t, d, "cases.totalCount"))

	d = b.ok(t, open, openIn(nil))
	cs := at[map[string]any](t, d, "openCase.case")
	require.Equal(t, "OPEN", cs["status"])
	require.Len(t, cs["departments"], 2)
	require.Len(t, cs["organisations"], 2)
	caseID := at[string](t, cs, "id")

	// Assessment of a household member, all ten areas.
	const assess = `mutation($in: RecordAssessmentInput!) { recordAssessment(input: $in) { assessment { id scores { area score } person { givenName } } } }`
	assessIn := map[string]any{"caseId": caseID, "personId": fx.persons[0], "assessorId": fx.worker, "assessedOn": "2024-01-15",
		"scores": tenScores(), "proposedInterventions": []string{"INTERNSHIP", "TRAINING_ITALIAN"}, "healthNotes": "none"}
	d = b.ok(t, assess, map[string]any{"in": assessIn})
	require.Len(t, path(t, d, "recordAssessment.assessment.scores"), 10)
	short := map[string]any{}
	for k, v := range assessIn {
		short[k] = v
	}
	short["scores"] = tenScores()[:9]
	requireInputError(t, b.post(t, assess, map[string]any{"in": short}), "input.scores")
	outsider := map[string]any{}
	for k, v := range assessIn {
		outsider[k] = v
	}
	outsider["personId"] = fx.persons[0]
	outsider["caseId"] = fx.cases[0]
	outsider["assessedOn"] = "2019-01-01"
	requireInputError(t, b.post(t, assess, map[string]any{"in": outsider}), "input.assessedOn")

	// Project for the minor of the household: the project may target another member.
	const create = `mutation($in: CreateProjectInput!) { createProject(input: $in) { project { id status participant { givenName } provider { code } } } }`
	d = b.ok(t, create, map[string]any{"in": map[string]any{"caseId": caseID, "participantId": fx.minors[0], "providerId": fx.coop,
		"caseManagerId": fx.manager, "title": "School support", "objectives": []string{"attend school"}, "startedOn": "2024-02-01"}})
	proj := at[map[string]any](t, d, "createProject.project")
	require.Equal(t, "ACTIVE", proj["status"])
	require.Equal(t, "Luca", path(t, proj, "participant.givenName"))
	requireInputError(t, b.post(t, create, map[string]any{"in": map[string]any{"caseId": caseID, "participantId": fx.minors[0],
		"providerId": fx.agency, "caseManagerId": fx.manager, "title": "x"}}), "input.caseManagerId")

	const update = `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { status outcome endedOn } } }`
	requireInputError(t, b.post(t, update, map[string]any{"in": map[string]any{"projectId": proj["id"], "status": "CONCLUDED"}}), "input.outcome")
	requireInputError(t, b.post(t, update, map[string]any{"in": map[string]any{"projectId": proj["id"], "status": "DRAFT"}}), "input.status")

	// Interventions: activate, complete, interrupt.
	const activate = `mutation($in: ActivateInterventionInput!) { activateIntervention(input: $in) { intervention { id status beneficiary { givenName } project { id } } } }`
	actIn := func(over map[string]any) map[string]any {
		// The fixture's round ended in 2021: services of 2024 are funded by none.
		in := map[string]any{"caseId": caseID, "projectId": proj["id"], "serviceType": "HOME_EDUCATION_MINORS",
			"providerId": fx.coop, "beneficiaryId": fx.minors[0], "startsOn": "2024-02-05", "plannedHours": 40.0}
		for k, v := range over {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	d = b.ok(t, activate, actIn(nil))
	iv1 := at[map[string]any](t, d, "activateIntervention.intervention")
	require.Equal(t, "ACTIVE", iv1["status"])
	d = b.ok(t, activate, actIn(map[string]any{"serviceType": "PSYCHOLOGICAL_SUPPORT", "beneficiaryId": fx.persons[0]}))
	iv2 := at[map[string]any](t, d, "activateIntervention.intervention")
	requireInputError(t, b.post(t, activate, actIn(map[string]any{"projectId": nil, "caseId": fx.cases[0], "startsOn": "2019-01-01"})), "input.startsOn")
	requireInputError(t, b.post(t, activate, actIn(map[string]any{"endsOn": "2024-01-01"})), "input.endsOn")
	requireInputError(t, b.post(t, activate, actIn(map[string]any{"plannedHours": -1.0})), "input.plannedHours")
	requireInputError(t, b.post(t, activate, actIn(map[string]any{"roundId": fx.round})), "input.startsOn")

	const complete = `mutation($in: CompleteInterventionInput!) { completeIntervention(input: $in) { intervention { status hoursDelivered endsOn } } }`
	requireInputError(t, b.post(t, complete, map[string]any{"in": map[string]any{"interventionId": iv1["id"], "endsOn": "2024-01-01"}}), "input.endsOn")
	d = b.ok(t, complete, map[string]any{"in": map[string]any{"interventionId": iv1["id"], "endsOn": "2024-05-31", "hoursDelivered": 38.5}})
	require.Equal(t, "COMPLETED", path(t, d, "completeIntervention.intervention.status"))
	require.EqualValues(t, 38.5, path(t, d, "completeIntervention.intervention.hoursDelivered"))
	requireInputError(t, b.post(t, complete, map[string]any{"in": map[string]any{"interventionId": iv1["id"], "endsOn": "2024-06-01"}}), "input.interventionId")

	const interrupt = `mutation($in: InterruptInterventionInput!) { interruptIntervention(input: $in) { intervention { status interruptionReason } } }`
	requireInputError(t, b.post(t, interrupt, map[string]any{"in": map[string]any{"interventionId": iv2["id"], "endsOn": "2024-03-01", "reason": ""}}), "input.reason")
	d = b.ok(t, interrupt, map[string]any{"in": map[string]any{"interventionId": iv2["id"], "endsOn": "2024-03-01", "reason": "moved away"}})
	require.Equal(t, "INTERRUPTED", path(t, d, "interruptIntervention.intervention.status"))

	// Activity register.
	const activity = `mutation($in: AddActivityEntryInput!) { addActivityEntry(input: $in) { entry { id kind note author { displayName } } } }`
	d = b.ok(t, activity, map[string]any{"in": map[string]any{"caseId": caseID, "projectId": proj["id"], "authorId": fx.manager,
		"occurredOn": "2024-02-12", "kind": "MEETING", "minutes": 60, "note": "weekly meeting with the social worker"}})
	require.Equal(t, "Marco Case Manager", path(t, d, "addActivityEntry.entry.author.displayName"))
	requireInputError(t, b.post(t, activity, map[string]any{"in": map[string]any{"caseId": caseID, "occurredOn": "2024-02-12", "kind": "CALL", "note": "x"}}),
		"input.authorId")
	requireInputError(t, b.post(t, activity, map[string]any{"in": map[string]any{"caseId": caseID, "authorId": fx.manager, "occurredOn": "2024-02-12",
		"kind": "CALL", "note": "x", "minutes": 5000}}), "input.minutes")

	// Conclude the project, then close the case.
	d = b.ok(t, update, map[string]any{"in": map[string]any{"projectId": proj["id"], "status": "CONCLUDED", "endedOn": "2024-06-30",
		"outcome": "TRAINING_COMPLETED", "objectivesAchieved": "regular attendance"}})
	require.Equal(t, "TRAINING_COMPLETED", path(t, d, "updateProject.project.outcome"))

	const closeCase = `mutation($in: CloseCaseInput!) { closeCase(input: $in) { case { status closedOn closureReason } } }`
	requireInputError(t, b.post(t, closeCase, map[string]any{"in": map[string]any{"caseId": caseID, "closedOn": "2023-12-31"}}), "input.closedOn")
	d = b.ok(t, closeCase, map[string]any{"in": map[string]any{"caseId": caseID, "closedOn": "2024-07-01", "reason": "objectives met"}})
	require.Equal(t, "CLOSED", path(t, d, "closeCase.case.status"))
	requireInputError(t, b.post(t, closeCase, map[string]any{"in": map[string]any{"caseId": caseID, "closedOn": "2024-07-02"}}), "input.caseId")
	requireInputError(t, b.post(t, activity, map[string]any{"in": map[string]any{"caseId": caseID, "authorId": fx.manager, "occurredOn": "2024-07-05",
		"kind": "CALL", "note": "after closure"}}), "input.caseId")
}

func TestParticipationMutations(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	fx := b.fx
	const enrol = `mutation($in: EnrolParticipantInput!) { enrolParticipant(input: $in) { participation { id gender birthDate employmentStatus disability round { number } } } }`
	in := func(over map[string]any) map[string]any {
		v := map[string]any{"operationId": fx.operation, "roundId": fx.round, "personId": fx.minors[1], "entryDate": "2021-02-01",
			"employmentStatus": "UNEMPLOYED", "unemploymentMonths": 14, "isced": 3, "disability": "ESTIMATE"}
		for k, x := range over {
			v[k] = x
		}
		return map[string]any{"in": v}
	}
	for name, tc := range map[string]struct {
		over  map[string]any
		field string
	}{
		"missing months":       {map[string]any{"unemploymentMonths": nil}, "input.unemploymentMonths"},
		"months when employed": {map[string]any{"employmentStatus": "EMPLOYED"}, "input.unemploymentMonths"},
		"isced out of range":   {map[string]any{"isced": 9}, "input.isced"},
		"before operation":     {map[string]any{"entryDate": "2019-01-01"}, "input.entryDate"},
		"unknown person":       {map[string]any{"personId": "UGVyc29uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"}, "input.personId"},
	} {
		t.Run(name, func(t *testing.T) { requireInputError(t, b.post(t, enrol, in(tc.over)), tc.field) })
	}
	d := b.ok(t, enrol, in(nil))
	p := at[map[string]any](t, d, "enrolParticipant.participation")
	require.Equal(t, "MALE", p["gender"], "gender at entry defaults to the person's")
	require.Equal(t, "ESTIMATE", p["disability"])
	require.EqualValues(t, 1, path(t, p, "round.number"))

	const exit = `mutation($in: RecordParticipantExitInput!) { recordParticipantExit(input: $in) { participation { exitDate } } }`
	requireInputError(t, b.post(t, exit, map[string]any{"in": map[string]any{"participationId": p["id"], "exitDate": "2021-01-01"}}), "input.exitDate")
	d = b.ok(t, exit, map[string]any{"in": map[string]any{"participationId": p["id"], "exitDate": "2021-06-30"}})
	require.Equal(t, "2021-06-30", path(t, d, "recordParticipantExit.participation.exitDate"))
	requireInputError(t, b.post(t, exit, map[string]any{"in": map[string]any{"participationId": p["id"], "exitDate": "2021-07-30"}}), "input.participationId")
}

// A malformed scalar in the variables is the client's input error, not an internal one.
func TestMalformedVariables(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	r := b.post(t, `mutation($in: CloseCaseInput!) { closeCase(input: $in) { case { id } } }`,
		map[string]any{"in": map[string]any{"caseId": b.fx.cases[0], "closedOn": "31/12/2024"}})
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"], fmt.Sprint(r.Errors))
	require.Equal(t, "input.closedOn", r.Errors[0].Extensions["field"])
	require.Contains(t, r.Errors[0].Message, "YYYY-MM-DD")
}
