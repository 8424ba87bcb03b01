package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// esfTestSigner is the hub's key for signing frozen reports in these tests.
func esfTestSigner(t *testing.T) *esf.Signer {
	t.Helper()
	s, err := esf.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize)))
	require.NoError(t, err)
	return s
}

// esfHub serves the demo data (the ALI operation) with a signing key and, when asked,
// pseudonyms configured.
func esfHub(t *testing.T, withPseudonyms bool) *testBundle {
	t.Helper()
	return esfHubSigning(t, withPseudonyms, esfTestSigner(t))
}

func esfHubSigning(t *testing.T, withPseudonyms bool, signer *esf.Signer) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t), store.Config{})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	_, err = demo.Load(ctx, st, demo.Options{}, nil)
	require.NoError(t, err)
	gate := server.Open{}
	if withPseudonyms {
		gate.Pseudonyms, err = access.NewPseudonymizer(bytes.Repeat([]byte{3}, 32))
		require.NoError(t, err)
	}
	srv := httptest.NewServer(server.Mux(server.Config{Store: st, Gate: gate, ESFSigner: signer}))
	t.Cleanup(srv.Close)
	return &testBundle{store: st, srv: srv}
}

func TestESFProfileReproducesTheChapter(t *testing.T) {
	t.Parallel()
	b := esfHub(t, false)
	d := b.ok(t, `{ esfProfile(operationCode: "`+demo.ALIOperationCode+`") { rounds { round participants tables { name missing rows { category count } } } } }`, nil)
	rounds := at[[]any](t, d, "esfProfile.rounds")
	require.Len(t, rounds, 2)
	table := func(round int, name string) (map[string]float64, float64) {
		r := rounds[round-1].(map[string]any)
		for _, tb := range at[[]any](t, r, "tables") {
			tm := tb.(map[string]any)
			if tm["name"] == name {
				rows := map[string]float64{}
				for _, row := range at[[]any](t, tm, "rows") {
					rm := row.(map[string]any)
					rows[at[string](t, rm, "category")] = at[float64](t, rm, "count")
				}
				return rows, at[float64](t, tm, "missing")
			}
		}
		t.Fatalf("round %d has no table %s", round, name)
		return nil, 0
	}
	require.EqualValues(t, 144, path(t, rounds, "0.participants"))
	require.EqualValues(t, 63, path(t, rounds, "1.participants"))
	// Table 8.1 (gender) with the missing values the chapter reports.
	g1, miss1 := table(1, "gender")
	require.Equal(t, 0.0, miss1)
	require.Equal(t, 144.0, sum(g1))
	_, miss2 := table(2, "gender")
	require.Equal(t, 13.0, miss2)
	_, hhMissing := table(1, "household_size")
	require.Equal(t, 6.0, hhMissing)

	r := b.post(t, `{ esfProfile(operationCode: "NOPE") { operationCode } }`, nil)
	require.NotEmpty(t, r.Errors)
	require.Contains(t, []any{"BAD_USER_INPUT", "NOT_FOUND"}, r.Errors[0].Extensions["code"])
}

func sum(m map[string]float64) float64 {
	var s float64
	for _, v := range m {
		s += v
	}
	return s
}

const esfReportQuery = `query($so: String) { esfReport(cutoff: "2023-12-31", specificObjective: $so) {
  cutoff groups { programme priority specificObjective categoryOfRegion operations
    values { indicator name women men nonBinary total ofWhichEstimated }
    incomplete { total missing { field count } } } } }`

func TestESFReportAndDrillDown(t *testing.T) {
	t.Parallel()
	b := esfHub(t, true)
	d := b.ok(t, esfReportQuery, map[string]any{"so": "OS ix"})
	groups := at[[]any](t, d, "esfReport.groups")
	require.Len(t, groups, 1)
	g := at[map[string]any](t, groups, "0")
	require.Equal(t, "ESO4.11", g["specificObjective"])
	values := map[string]map[string]any{}
	for _, v := range at[[]any](t, g, "values") {
		vm := v.(map[string]any)
		values[at[string](t, vm, "indicator")] = vm
	}
	eeco01 := values["EECO01"]
	require.Equal(t, eeco01["total"], at[float64](t, eeco01, "women")+at[float64](t, eeco01, "men")+at[float64](t, eeco01, "nonBinary"))
	incomplete := at[float64](t, g, "incomplete.total")
	// Every ALI participant is either counted or reported as incomplete.
	require.Equal(t, 207.0, at[float64](t, eeco01, "total")+incomplete)

	group := map[string]any{"programme": g["programme"], "priority": g["priority"], "specificObjective": g["specificObjective"],
		"categoryOfRegion": g["categoryOfRegion"]}
	drill := func(indicator string, gender any) []any {
		d := b.ok(t, `query($g: EsfGroupInput, $i: String!, $gender: EsfGenderColumn) {
		  esfDrillDown(cutoff: "2023-12-31", group: $g, indicator: $i, gender: $gender, first: 1000) { pseudonym gender missing } }`,
			map[string]any{"g": group, "i": indicator, "gender": gender})
		return at[[]any](t, d, "esfDrillDown")
	}
	require.Len(t, drill("EECO01", nil), int(at[float64](t, eeco01, "total")))
	women := drill("EECO01", "WOMEN")
	require.Len(t, women, int(at[float64](t, eeco01, "women")))
	for _, p := range women {
		require.Equal(t, "F", path(t, p, "gender"))
		require.Regexp(t, `^ps_`, path(t, p, "pseudonym"))
	}
	inc := drill("INCOMPLETE", nil)
	require.Len(t, inc, int(incomplete))
	for _, p := range inc {
		require.NotEmpty(t, path(t, p, "missing"))
	}

	r := b.post(t, esfReportQuery, map[string]any{"so": "OS xx"})
	require.Equal(t, "BAD_USER_INPUT", r.Errors[0].Extensions["code"])
}

func TestESFFreezeAndVerify(t *testing.T) {
	t.Parallel()
	b := esfHub(t, true)
	d := b.ok(t, `mutation { freezeEsfReport(input: {cutoff: "2022-06-30", operationCode: "`+demo.ALIOperationCode+`", note: "first half 2022"}) {
	  frozen { id hash recordCount signedBy signature report { groups { values { indicator total } } } } } }`, nil)
	frozen := at[map[string]any](t, d, "freezeEsfReport.frozen")
	require.NotEmpty(t, frozen["hash"])
	require.Positive(t, frozen["recordCount"])
	require.Equal(t, esfTestSigner(t).KeyID(), frozen["signedBy"])
	require.Regexp(t, `^[0-9a-f]{128}$`, frozen["signature"])
	id := at[string](t, frozen, "id")

	const verify = `query($id: ID!) { frozenEsfReport(id: $id) { hash note signedBy signature }
	  verifyFrozenEsfReport(id: $id) { intact signatureValid changedFields unchanged changedRecords { change } } }`
	d = b.ok(t, verify, map[string]any{"id": id})
	require.Equal(t, frozen["hash"], path(t, d, "frozenEsfReport.hash"))
	require.Equal(t, frozen["signature"], path(t, d, "frozenEsfReport.signature"))
	v := at[map[string]any](t, d, "verifyFrozenEsfReport")
	require.Equal(t, true, v["intact"])
	require.Equal(t, true, v["signatureValid"])
	require.Equal(t, []any{}, v["changedFields"])
	require.Equal(t, true, v["unchanged"])
	require.Empty(t, v["changedRecords"])

	// Who froze it, rewritten by the tables' owner, shows as the changed field.
	_, err := b.store.Pool().Exec(context.Background(), `ALTER TABLE esf_frozen_reports DISABLE TRIGGER esf_frozen_reports_immutable;
		UPDATE esf_frozen_reports SET frozen_by = 'someone else';
		ALTER TABLE esf_frozen_reports ENABLE TRIGGER esf_frozen_reports_immutable`)
	require.NoError(t, err)
	v = at[map[string]any](t, b.ok(t, verify, map[string]any{"id": id}), "verifyFrozenEsfReport")
	require.Equal(t, false, v["intact"])
	require.Equal(t, false, v["signatureValid"])
	require.Equal(t, []any{"frozen_by"}, v["changedFields"])
	require.Equal(t, false, v["unchanged"])
}

// A hub without a signing key neither freezes nor verifies, and says it is unavailable.
func TestESFFreezeNeedsTheSigningKey(t *testing.T) {
	t.Parallel()
	b := esfHubSigning(t, true, nil)
	r := b.post(t, `mutation { freezeEsfReport(input: {cutoff: "2022-06-30"}) { frozen { id } } }`, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "UNAVAILABLE", r.Errors[0].Extensions["code"])
	r = b.post(t, `{ verifyFrozenEsfReport(id: "00000000-0000-0000-0000-000000000000") { intact } }`, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "UNAVAILABLE", r.Errors[0].Extensions["code"])
	var n int
	require.NoError(t, b.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM esf_frozen_reports`).Scan(&n))
	require.Zero(t, n)
}

func TestESFDrillDownNeedsPseudonymKey(t *testing.T) {
	t.Parallel()
	b := esfHub(t, false)
	r := b.post(t, `{ esfDrillDown(cutoff: "2023-12-31", indicator: "EECO01") { pseudonym } }`, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "UNAVAILABLE", r.Errors[0].Extensions["code"])
}

// ESF+ reports are aggregates: the auditor monitoring the programme reads them, a
// cooperative's case manager does not; drill-down rows show the auditor pseudonyms only.
func TestESFReportsFollowTheAccessPlan(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 3)
	const q = `{ esfReport(cutoff: "2023-12-31") { groups { values { indicator total } } } }`
	d := b.okAs(t, "esf_auditor", access.PurposeESFMonitoring, q, nil)
	require.NotEmpty(t, path(t, d, "esfReport.groups"))

	r := b.as(t, "case_manager", access.PurposeCaseManagement, q, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])

	r = b.as(t, "case_manager", access.PurposeCaseManagement, `mutation { freezeEsfReport(input: {cutoff: "2023-12-31"}) { frozen { id } } }`, nil)
	require.NotEmpty(t, r.Errors)
	require.Equal(t, "FORBIDDEN", r.Errors[0].Extensions["code"])
}

// The monitoring officer freezes over HTTP with access control on (the request role, its
// claims, the access log) and the report comes back signed by the hub's key.
func TestESFMonitoringOfficerFreezesASignedReport(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 3)
	verifier, err := auth.NewVerifier(b.issuer.VerifierConfig())
	require.NoError(t, err)
	signer := esfTestSigner(t)
	signed := httptest.NewServer(server.Mux(server.Config{Store: b.store, Gate: server.PlanGate{Pseudonyms: b.pseudo},
		Middleware: auth.Middleware(auth.NewAuthenticator(verifier, accessdata.Directory{Store: b.store}, b.authz)), ESFSigner: signer}))
	t.Cleanup(signed.Close)
	b.srv = signed

	d := b.okAs(t, "esf_auditor", access.PurposeESFMonitoring,
		`mutation { freezeEsfReport(input: {cutoff: "2023-12-31", note: "H2 2023"}) { frozen { id signedBy recordCount } } }`, nil)
	frozen := at[map[string]any](t, d, "freezeEsfReport.frozen")
	require.Equal(t, signer.KeyID(), frozen["signedBy"])
	require.Positive(t, frozen["recordCount"], "the fixture's participants are in scope")
	d = b.okAs(t, "esf_auditor", access.PurposeESFMonitoring,
		`query($id: ID!) { verifyFrozenEsfReport(id: $id) { intact signatureValid changedFields } }`, map[string]any{"id": frozen["id"]})
	v := at[map[string]any](t, d, "verifyFrozenEsfReport")
	require.Equal(t, true, v["intact"])
	require.Equal(t, true, v["signatureValid"])
	require.Equal(t, []any{}, v["changedFields"])
}
