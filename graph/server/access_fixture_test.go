package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// identity is a principal of the access tests: who a JWT is issued to.
type identity struct {
	subject string
	role    access.Role
	org     string
}

// The identities of the access tests, one per role, plus another municipality's worker.
var identities = map[string]identity{
	"social_worker":      {"sw.test", access.RoleSocialWorker, "SDS-PISA"},
	"case_manager":       {"cm.test", access.RoleCaseManager, "COOP-ARNERA"},
	"employment_officer": {"eo.test", access.RoleEmploymentOfficer, "CPI-PISA"},
	"school_liaison":     {"sl.test", access.RoleSchoolLiaison, "SCUOLE-PISA"},
	"esf_auditor":        {"esf.test", access.RoleESFAuditor, "ADG-PNI"},
	"dashboard":          {"dash.test", access.RoleDashboard, "SDS-PISA"},
	"dpo":                {"dpo.test", access.RoleDPO, "SDS-PISA"},
	"admin":              {"admin.test", access.RoleAdmin, "SDS-PISA"},
	"torino":             {"sw.torino", access.RoleSocialWorker, "TORINO"},
}

// accessFixture holds what loadAccessFixture adds to the fixture, as global ids, and the
// row ids of the first case's persons.
type accessFixture struct {
	cpi, school, adg                  string
	assessment, activity, participant string
	torinoCase, torinoPerson          string
	torinoHousehold                   string
	adult, minor                      string // row ids of the first case's adult and minor
}

// loadAccessFixture adds to the fixture what the access tests read: an employment centre
// and a school network taking part in every case, a managing authority, for the first
// case an assessment with health notes, an activity entry by the social worker, a case
// summary, the adult's participation characteristics, an ISEE for the adult and a school
// record for the minor; and a case of Torino's, with its own person and household.
func loadAccessFixture(t testing.TB, st *store.Store, fx fixture) accessFixture {
	t.Helper()
	ctx := context.Background()
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	row := func(gid string) uuid.UUID {
		_, id, err := globalid.Decode(gid)
		require.NoError(t, err)
		return uuid.MustParse(id)
	}
	var d bulk.Data
	cpi, school, adg := uuid.New(), uuid.New(), uuid.New()
	d.Organisations = []bulk.Organisation{
		{ID: cpi, Code: "CPI-PISA", Name: "Centro per l'Impiego di Pisa", Kind: "EMPLOYMENT_CENTRE", Territory: "G702", IsPublic: true},
		{ID: school, Code: "SCUOLE-PISA", Name: "Istituti comprensivi", Kind: "SCHOOL", Territory: "G702", IsPublic: true},
		{ID: adg, Code: "ADG-PNI", Name: "Autorità di gestione", Kind: "MANAGING_AUTHORITY", IsPublic: true},
	}
	for _, c := range fx.cases {
		d.CaseOrganisations = append(d.CaseOrganisations, bulk.CaseOrganisation{CaseID: row(c), OrganisationID: cpi, Role: "PARTNER"}, bulk.CaseOrganisation{CaseID: row(c), OrganisationID: school, Role: "PARTNER"})
	}
	out := accessFixture{cpi: globalid.Encode("Organisation", cpi.String()), school: globalid.Encode("Organisation", school.String()),
		adg: globalid.Encode("Organisation", adg.String())}
	if len(fx.cases) > 0 {
		assessment, entry := uuid.New(), uuid.New()
		d.Assessments = []bulk.Assessment{{ID: assessment, CaseID: row(fx.cases[0]), PersonID: row(fx.persons[0]), AssessorID: row(fx.worker),
			AssessedOn: day("2020-09-10"), WorkExperience: "warehouse", HealthNotes: "asthma"}}
		d.ActivityEntries = []bulk.ActivityEntry{{ID: entry, CaseID: row(fx.cases[0]), AuthorID: row(fx.worker),
			OccurredOn: day("2020-09-12"), Kind: "NOTE", Note: "first interview"}}
		out.assessment = globalid.Encode("Assessment", assessment.String())
		out.activity = globalid.Encode("ActivityEntry", entry.String())
		out.adult, out.minor = row(fx.persons[0]).String(), row(fx.minors[0]).String()
	}
	torinoWorker, person, household, cs := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	d.Staff = []bulk.Staff{{ID: torinoWorker, Subject: "sw.torino", DisplayName: "Torino worker", OrganisationID: row(fx.otherOrg)}}
	birth := day("1975-03-03")
	code, err := codicefiscale.Generate("Torinese", "Paolo", birth, 'M', "L219")
	require.NoError(t, err)
	d.Persons = []bulk.Person{{ID: person, TaxCode: code, GivenName: "Paolo", FamilyName: "Torinese", BirthDate: birth, Gender: "MALE"}}
	d.Households = []bulk.Household{{ID: household, Label: "Household Torinese"}}
	d.HouseholdMembers = []bulk.HouseholdMember{{ID: uuid.New(), HouseholdID: household, PersonID: person, Relationship: "HEAD", ValidFrom: day("2021-01-01")}}
	d.Cases = []bulk.Case{{ID: cs, Reference: "TO-2021-0001", HouseholdID: household, PersonID: person, OrganisationID: row(fx.otherOrg),
		LeadWorkerID: torinoWorker, Status: "OPEN", OpenedOn: day("2021-02-01"), Summary: "Torino's own"}}
	out.torinoCase, out.torinoPerson = globalid.Encode("Case", cs.String()), globalid.Encode("Person", person.String())
	out.torinoHousehold = globalid.Encode("Household", household.String())
	require.NoError(t, bulk.Load(ctx, st, &d, nil))

	if len(fx.cases) > 0 {
		exec := func(sql string, args ...any) {
			t.Helper()
			_, err := st.Pool().Exec(ctx, sql, args...)
			require.NoError(t, err, sql)
		}
		exec(`UPDATE cases SET summary = 'housing and work' WHERE id = $1`, row(fx.cases[0]))
		exec(`UPDATE participations SET minority = 'Y', isced = 3 WHERE person_id = $1`, row(fx.persons[0]))
		var adultCode, minorCode string
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, row(fx.persons[0])).Scan(&adultCode))
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT tax_code FROM persons WHERE id = $1`, row(fx.minors[0])).Scan(&minorCode))
		const meta = `'\x7b7d'::bytea, repeat('a', 64), 'application/json', 'sync', now()`
		exec(`INSERT INTO registry_isee (source, source_ref, tax_code, dsu_protocol, isee_value_cents, isee_type, valid_until, household_size,
			raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('benefits', 'DSU-1', $1, 'DSU-1', 784532, 'ordinario', '2030-01-01', 2, `+meta+`)`, adultCode)
		exec(`INSERT INTO registry_school_records (source, source_ref, tax_code, school_year, attendance_status, attendance_status_raw, checked_at,
			raw_payload, payload_sha256, content_type, origin, fetched_at) VALUES ('school', $1, $2, '2024/2025', 'ATTENDING', 'frequenta', now(), `+meta+`)`,
			minorCode+"/2024", minorCode)
		var part string
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT id::text FROM participations WHERE person_id = $1`, row(fx.persons[0])).Scan(&part))
		out.participant = globalid.Encode("Participation", part)
	}
	return out
}

// accessBundle is a hub with authentication and access control on, as ponte serve runs
// it: staff JWTs signed by a dev issuer, partner tokens, the Access gate.
type accessBundle struct {
	*testBundle
	ax     accessFixture
	issuer *auth.DevIssuer
	// keyFile is the dev issuer's private key, to sign tokens it would refuse to issue.
	keyFile string
	authz   *access.Authorizer
	pseudo  *access.Pseudonymizer

	mu     sync.Mutex
	tokens map[string]string
}

// The fixture is loaded as the owner of the tables (the bundle's store, which the tests
// also inspect the database with); the server logs in as the hub's own role, a member of
// ponte_app only, as ponte serve does.
func setupAccess(t testing.TB, cases int) *accessBundle {
	t.Helper()
	return setupAccessOn(t, func(st *store.Store) (fixture, accessFixture) {
		fx := loadFixture(t, st, cases)
		return fx, loadAccessFixture(t, st, fx)
	})
}

// setupAccessOn is setupAccess on the data load puts in the database.
func setupAccessOn(t testing.TB, load func(st *store.Store) (fixture, accessFixture)) *accessBundle {
	t.Helper()
	policy, err := access.DefaultPolicy()
	require.NoError(t, err)
	return setupAccessPolicy(t, load, policy)
}

// setupAccessPolicy is setupAccessOn enforcing policy.
func setupAccessPolicy(t testing.TB, load func(st *store.Store) (fixture, accessFixture), policy *access.Policy) *accessBundle {
	t.Helper()
	ctx := context.Background()
	counter := &statementCounter{}
	ownerURL := pgtest.URL(t)
	st, err := store.Open(ctx, ownerURL, store.Config{MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	fx, ax := load(st)
	hub, err := store.Open(ctx, pgtest.HubURL(t, ownerURL), store.Config{Tracer: counter, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	require.NoError(t, hub.CheckHubRole(ctx))
	keyFile := filepath.Join(t.TempDir(), "dev-issuer.pem")
	issuer, err := auth.LoadOrCreateDevIssuer(keyFile)
	require.NoError(t, err)
	verifier, err := auth.NewVerifier(issuer.VerifierConfig())
	require.NoError(t, err)
	authz, err := access.NewAuthorizer(policy)
	require.NoError(t, err)
	pseudo, err := access.NewPseudonymizer(bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	srv := httptest.NewServer(server.Mux(server.Config{Store: hub, Gate: server.PlanGate{Pseudonyms: pseudo},
		Middleware: auth.Middleware(auth.NewAuthenticator(verifier, accessdata.Directory{Store: hub}, authz))}))
	t.Cleanup(srv.Close)
	return &accessBundle{testBundle: &testBundle{store: st, srv: srv, counter: counter, fx: fx}, ax: ax, issuer: issuer, keyFile: keyFile,
		authz: authz, pseudo: pseudo, tokens: map[string]string{}}
}

// token is a JWT for one of the identities, granted every purpose its role has.
func (b *accessBundle) token(t testing.TB, who string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if tok, ok := b.tokens[who]; ok {
		return tok
	}
	id, ok := identities[who]
	require.True(t, ok, "no identity %s", who)
	tok, err := b.issuer.IssueDev(id.subject, id.role, id.org, nil, time.Hour)
	require.NoError(t, err)
	b.tokens[who] = tok
	return tok
}

// send posts a GraphQL request with the given Authorization value and purpose.
func (b *accessBundle) send(t testing.TB, authorization, purpose, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if purpose != "" {
		req.Header.Set(auth.PurposeHeader, purpose)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out gqlResponse
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	out.Status = resp.StatusCode
	return out
}

// as posts a GraphQL request as one of the identities, declaring purpose.
func (b *accessBundle) as(t testing.TB, who string, purpose access.Purpose, query string, vars map[string]any) gqlResponse {
	t.Helper()
	return b.send(t, "Bearer "+b.token(t, who), string(purpose), query, vars)
}

// okAs posts as an identity and requires no errors.
func (b *accessBundle) okAs(t testing.TB, who string, purpose access.Purpose, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := b.as(t, who, purpose, query, vars)
	require.Empty(t, r.Errors, "unexpected errors: %+v", r.Errors)
	return r.Data
}

// issuePartner issues a partner token as ponte token issue does.
func issuePartner(ctx context.Context, b *accessBundle, role access.Role, org string, purposes ...access.Purpose) (string, accessdata.Token, error) {
	return auth.IssuePartnerToken(ctx, accessdata.Directory{Store: b.store}, b.authz, auth.IssueRequest{Role: role, OrganisationCode: org, Purposes: purposes,
		TTL: 24 * time.Hour, Label: "test", CreatedBy: "test"})
}

// foreignJWT is a well-formed token for a known subject signed by another key.
func foreignJWT(t testing.TB) string {
	t.Helper()
	other, err := auth.LoadOrCreateDevIssuer(filepath.Join(t.TempDir(), "other.pem"))
	require.NoError(t, err)
	tok, err := other.IssueDev("sw.test", access.RoleSocialWorker, "SDS-PISA", nil, time.Hour)
	require.NoError(t, err)
	return tok
}

func jsonB64Decode(s string) (map[string]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func jsonB64Encode(m map[string]any) (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// signWithIssuerKey signs claims with the dev issuer's own key, for tokens it would not
// issue (already expired).
func (b *accessBundle) signWithIssuerKey(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	raw, err := os.ReadFile(b.keyFile)
	require.NoError(t, err)
	blk, _ := pem.Decode(raw)
	require.NotNil(t, blk)
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(key)
	require.NoError(t, err)
	return tok
}
