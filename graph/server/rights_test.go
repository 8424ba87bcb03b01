package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

const rightsFields = `id person kind receivedOn dueOn extendedDueOn extensionReason deadline overdue details assignee status
	outcome answer answeredOn createdBy events { actor action note }`

func rightsCount(t *testing.T, b *accessBundle) (requests, events int) {
	t.Helper()
	require.NoError(t, b.store.Pool().QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM rights_requests), (SELECT count(*) FROM rights_request_events)`).Scan(&requests, &events))
	return requests, events
}

// Each purpose names its legal basis to whoever acts under it.
func TestPurposesNameTheirLegalBasis(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	const q = `{ purposes { purpose declared basis article specialCategories law } }`
	sw := at[[]any](t, b.okAs(t, "social_worker", access.PurposeCaseManagement, q, nil), "purposes")
	require.Len(t, sw, 2, "the social worker's two purposes: %v", sw)
	cm := at[map[string]any](t, sw, "0")
	require.Equal(t, "case_management", cm["purpose"])
	require.Equal(t, true, cm["declared"])
	require.Equal(t, "PUBLIC_TASK", cm["basis"])
	require.Equal(t, "GDPR Art. 6(1)(e)", cm["article"])
	require.Contains(t, cm["law"], "L. 328/2000")
	require.Contains(t, cm["specialCategories"], "Art. 9(2)")
	st := at[map[string]any](t, sw, "1")
	require.Equal(t, "statistics", st["purpose"])
	require.Equal(t, false, st["declared"])

	esf := at[[]any](t, b.okAs(t, "esf_auditor", access.PurposeESFMonitoring, q, nil), "purposes")
	require.Len(t, esf, 2)
	for _, p := range esf {
		require.Equal(t, "LEGAL_OBLIGATION", path(t, p, "basis"))
		require.Contains(t, path(t, p, "law"), "Reg. (EU) 2021/1060")
	}
}

// A data-subject request is recorded, assigned, extended within its first month and
// closed by the data protection officer with its own token; its deadline is one month
// from receipt (31 January: 28 February); overdue requests are listed from the day after
// their deadline, never on it; a social worker can neither see nor record one; every
// wrong input is refused naming its field, and writes nothing.
func TestRightsRequestsForTheDataProtectionOfficer(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	dpo := func(q string, vars map[string]any) gqlResponse {
		return b.as(t, "dpo", access.PurposeDataProtectionReview, q, vars)
	}
	create := `mutation($in: CreateRightsRequestInput!) { createRightsRequest(input: $in) { request { ` + rightsFields + ` } } }`
	person := b.fx.persons[0]

	// Refusals first: nothing is written.
	for field, in := range map[string]map[string]any{
		"input.receivedOn": {"personId": person, "kind": "ERASURE", "receivedOn": time.Now().AddDate(0, 0, 3).Format(time.DateOnly)},
		"input.personId":   {"personId": b.fx.cases[0], "kind": "ERASURE", "receivedOn": "2025-01-31"},
	} {
		r := dpo(create, map[string]any{"in": in})
		requireBadInput(t, r, field)
		requireNotApplied(t, r)
	}
	r := b.as(t, "social_worker", access.PurposeCaseManagement, create,
		map[string]any{"in": map[string]any{"personId": person, "kind": "ACCESS", "receivedOn": "2025-01-31"}})
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)
	n, e := rightsCount(t, b)
	require.Zero(t, n+e)

	data := dpo(create, map[string]any{"in": map[string]any{"personId": person, "kind": "ERASURE", "receivedOn": "2025-01-31",
		"details": "by letter"}})
	require.Empty(t, data.Errors, "%+v", data.Errors)
	old := at[map[string]any](t, data.Data, "createRightsRequest.request")
	require.Equal(t, person, old["person"])
	require.Equal(t, "2025-02-28", old["dueOn"])
	require.Equal(t, "2025-02-28", old["deadline"])
	require.Equal(t, "RECEIVED", old["status"])
	require.Equal(t, true, old["overdue"])
	require.Equal(t, "dpo.test", old["createdBy"])
	require.Equal(t, []any{map[string]any{"actor": "dpo.test", "action": "CREATED", "note": "by letter"}}, old["events"])

	today := time.Now().UTC()
	received := today.AddDate(0, 0, -3).Format(time.DateOnly)
	fresh := at[map[string]any](t, dpo(create, map[string]any{"in": map[string]any{"personId": b.fx.minors[0], "kind": "ACCESS", "receivedOn": received}}).Data,
		"createRightsRequest.request")
	require.Equal(t, false, fresh["overdue"])

	// The social worker sees no request.
	list := `query($overdue: Boolean, $on: Date, $person: ID) { rightsRequests(overdue: $overdue, on: $on, person: $person) { id kind deadline } }`
	r = b.as(t, "social_worker", access.PurposeCaseManagement, list, nil)
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)

	// Overdue from the day after the deadline, not on it.
	ids := func(vars map[string]any) []string {
		r := dpo(list, vars)
		require.Empty(t, r.Errors, "%+v", r.Errors)
		var out []string
		for _, x := range at[[]any](t, r.Data, "rightsRequests") {
			out = append(out, at[string](t, x, "id"))
		}
		return out
	}
	require.Empty(t, ids(map[string]any{"overdue": true, "on": "2025-02-28"}))
	require.Equal(t, []string{at[string](t, old, "id")}, ids(map[string]any{"overdue": true, "on": "2025-03-01"}))
	require.Equal(t, []string{at[string](t, old, "id")}, ids(map[string]any{"overdue": true}), "today")
	require.Equal(t, []string{at[string](t, old, "id"), at[string](t, fresh, "id")}, ids(nil))
	require.Equal(t, []string{at[string](t, fresh, "id")}, ids(map[string]any{"person": b.fx.minors[0]}))
	requireBadInput(t, dpo(list, map[string]any{"on": "2025-03-01"}), "on")

	// Assign; extend: by at most two months, with a reason, within the first month.
	assign := `mutation($in: AssignRightsRequestInput!) { assignRightsRequest(input: $in) { request { status assignee events { action } } } }`
	got := dpo(assign, map[string]any{"in": map[string]any{"requestId": old["id"], "assignee": "privacy office"}})
	require.Empty(t, got.Errors, "%+v", got.Errors)
	require.Equal(t, "ASSIGNED", path(t, got.Data, "assignRightsRequest.request.status"))
	extend := `mutation($in: ExtendRightsRequestInput!) { extendRightsRequest(input: $in) { request { extendedDueOn extensionReason deadline } } }`
	n, e = rightsCount(t, b)
	for field, in := range map[string]map[string]any{
		"input.months":    {"requestId": fresh["id"], "months": 3, "reason": "many records"},
		"input.reason":    {"requestId": fresh["id"], "months": 2, "reason": "  "},
		"input.requestId": {"requestId": old["id"], "months": 1, "reason": "late"},
	} {
		r := dpo(extend, map[string]any{"in": in})
		reason := requireBadInput(t, r, field)
		requireNotApplied(t, r)
		if field == "input.requestId" {
			require.Contains(t, reason, "first month ended on 2025-02-28")
		}
	}
	n2, e2 := rightsCount(t, b)
	require.Equal(t, [2]int{n, e}, [2]int{n2, e2}, "refused commands write nothing")
	got = dpo(extend, map[string]any{"in": map[string]any{"requestId": fresh["id"], "months": 2, "reason": "records of three organisations"}})
	require.Empty(t, got.Errors, "%+v", got.Errors)
	ext := at[map[string]any](t, got.Data, "extendRightsRequest.request")
	want := today.AddDate(0, 0, -3)
	require.Equal(t, ext["deadline"], ext["extendedDueOn"])
	require.Equal(t, "records of three organisations", ext["extensionReason"])
	wantTo := time.Date(want.Year(), want.Month()+3, 1, 0, 0, 0, 0, time.UTC)
	if last := wantTo.AddDate(0, 1, -1).Day(); want.Day() <= last {
		wantTo = wantTo.AddDate(0, 0, want.Day()-1)
	} else {
		wantTo = wantTo.AddDate(0, 0, last-1)
	}
	require.Equal(t, wantTo.Format(time.DateOnly), ext["extendedDueOn"])
	r = dpo(extend, map[string]any{"in": map[string]any{"requestId": fresh["id"], "months": 1, "reason": "again"}})
	require.Contains(t, requireBadInput(t, r, "input.requestId"), "was extended already")

	// Close with what was done; a closed request takes no more commands.
	closeQ := `mutation($in: CloseRightsRequestInput!) { closeRightsRequest(input: $in) { request { ` + rightsFields + ` } } }`
	r = dpo(closeQ, map[string]any{"in": map[string]any{"requestId": old["id"], "outcome": "REFUSED", "answer": "x", "answeredOn": "2025-01-30"}})
	require.Contains(t, requireBadInput(t, r, "input.answeredOn"), "before the request was received")
	r = dpo(closeQ, map[string]any{"in": map[string]any{"requestId": old["id"], "outcome": "REFUSED", "answer": " ", "answeredOn": "2025-02-20"}})
	requireBadInput(t, r, "input.answer")
	got = dpo(closeQ, map[string]any{"in": map[string]any{"requestId": old["id"], "outcome": "REFUSED",
		"answer": "ESF+ records kept until 2030-12-31 (Reg. (EU) 2021/1060 Art. 82)", "answeredOn": "2025-02-20"}})
	require.Empty(t, got.Errors, "%+v", got.Errors)
	closed := at[map[string]any](t, got.Data, "closeRightsRequest.request")
	require.Equal(t, "CLOSED", closed["status"])
	require.Equal(t, "REFUSED", closed["outcome"])
	require.Equal(t, false, closed["overdue"])
	require.Equal(t, "2025-02-20", closed["answeredOn"])
	var actions []any
	for _, ev := range at[[]any](t, closed, "events") {
		actions = append(actions, path(t, ev, "action"))
	}
	require.Equal(t, []any{"CREATED", "ASSIGNED", "CLOSED"}, actions)
	r = dpo(assign, map[string]any{"in": map[string]any{"requestId": old["id"], "assignee": "someone"}})
	require.Contains(t, requireBadInput(t, r, "input.requestId"), "was closed on 2025-02-20")
	require.Empty(t, ids(map[string]any{"overdue": true}), "closed: no longer overdue")

	// Listing requests names the persons in the access log.
	recs := accessLog(t, b.store)
	last := recs[len(recs)-1]
	require.Equal(t, "dpo.test", last.Subject)
	require.Contains(t, last.PersonIDs, rowID(t, person))
}
