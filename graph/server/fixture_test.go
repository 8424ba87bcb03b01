package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// statementCounter counts the statements the hub sends to PostgreSQL, and how often
// each distinct statement text was sent.
type statementCounter struct {
	n     atomic.Int64
	mu    sync.Mutex
	texts map[string]int
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.mu.Lock()
	if c.texts == nil {
		c.texts = map[string]int{}
	}
	c.texts[d.SQL]++
	c.mu.Unlock()
	return ctx
}

// reset zeroes the counts.
func (c *statementCounter) reset() {
	c.n.Store(0)
	c.mu.Lock()
	c.texts = map[string]int{}
	c.mu.Unlock()
}

// distinct returns the statement texts sent since the last reset, and the most times
// any one was sent.
func (c *statementCounter) distinct() (texts []string, maxRepeats int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, n := range c.texts {
		texts = append(texts, t)
		maxRepeats = max(maxRepeats, n)
	}
	sort.Strings(texts)
	return texts, maxRepeats
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// testBundle is one test's hub: its own database, store and HTTP server.
type testBundle struct {
	store   *store.Store
	srv     *httptest.Server
	counter *statementCounter
	fx      fixture
}

func setup(t *testing.T, cases int) *testBundle {
	t.Helper()
	ctx := context.Background()
	counter := &statementCounter{}
	st, err := store.Open(ctx, pgtest.URL(t), store.Config{Tracer: counter, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	fx := loadFixture(t, st, cases)
	srv := httptest.NewServer(server.Mux(server.Config{Store: st}))
	t.Cleanup(srv.Close)
	return &testBundle{store: st, srv: srv, counter: counter, fx: fx}
}

// gqlResponse is a GraphQL response as a client sees it.
type gqlResponse struct {
	Status int
	Data   map[string]any
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	}
}

func (b *testBundle) post(t *testing.T, query string, vars map[string]any) gqlResponse {
	t.Helper()
	return b.postTB(t, query, vars)
}

// postTB is post for tests and benchmarks.
func (b *testBundle) postTB(t testing.TB, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	resp, err := http.Post(b.srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out gqlResponse
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	out.Status = resp.StatusCode
	return out
}

// ok posts and requires a response without errors.
func (b *testBundle) ok(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := b.post(t, query, vars)
	require.Empty(t, r.Errors, "unexpected errors: %+v", r.Errors)
	return r.Data
}

// fixture holds the global ids of what loadFixture created.
type fixture struct {
	agency, coop, otherOrg string
	housingDept, careDept  string
	worker, manager        string
	cases                  []string
	households             []string
	persons                []string // one adult per household
	minors                 []string // one minor per household
	operation, round       string
}

// loadFixture creates an agency and a cooperative, and n cases, each of a two-person
// household with two projects and two interventions, through the bulk loader.
func loadFixture(t testing.TB, st *store.Store, n int) fixture {
	t.Helper()
	var d bulk.Data
	day := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	agency, coop, other := uuid.New(), uuid.New(), uuid.New()
	d.Organisations = []bulk.Organisation{
		{ID: agency, Code: "SDS-PISA", Name: "Società della Salute Zona Pisana", Kind: "HEALTH_SOCIAL_AGENCY", Territory: "G702", IsPublic: true},
		{ID: coop, Code: "COOP-ARNERA", Name: "Arnera", Kind: "COOPERATIVE", Territory: "G702"},
		{ID: other, Code: "TORINO", Name: "Città di Torino", Kind: "MUNICIPALITY", Territory: "L219", IsPublic: true},
	}
	housing, care := uuid.New(), uuid.New()
	d.Departments = []bulk.Department{
		{ID: housing, OrganisationID: agency, Code: "HOUSING", Name: "Housing", Kind: "HOUSING"},
		{ID: care, OrganisationID: agency, Code: "CARE", Name: "Social care", Kind: "SOCIAL_CARE"},
	}
	worker, manager := uuid.New(), uuid.New()
	d.Staff = []bulk.Staff{
		{ID: worker, Subject: "sw.test", DisplayName: "Anna Social Worker", OrganisationID: agency, DepartmentID: care},
		{ID: manager, Subject: "cm.test", DisplayName: "Marco Case Manager", OrganisationID: coop},
	}
	op, round := uuid.New(), uuid.New()
	d.Operations = []bulk.Operation{{ID: op, Code: "J51H20000000001", Name: "ALI", Programme: "2021IT05SFPR001", Priority: "1",
		SpecificObjective: "ESO4.11", CategoryOfRegion: "MORE_DEVELOPED", FundingSource: "ESF_PLUS", StartsOn: day("2020-10-01")}}
	d.OperationRounds = []bulk.OperationRound{{ID: round, OperationID: op, Number: 1, StartsOn: day("2020-10-01"), EndsOn: day("2021-12-31")}}

	fx := fixture{
		agency: globalid.Encode("Organisation", agency.String()), coop: globalid.Encode("Organisation", coop.String()),
		otherOrg:    globalid.Encode("Organisation", other.String()),
		housingDept: globalid.Encode("Department", housing.String()), careDept: globalid.Encode("Department", care.String()),
		worker: globalid.Encode("Staff", worker.String()), manager: globalid.Encode("Staff", manager.String()),
		operation: globalid.Encode("Operation", op.String()), round: globalid.Encode("OperationRound", round.String()),
	}
	for i := 0; i < n; i++ {
		adult, minor, hh, cs := uuid.New(), uuid.New(), uuid.New(), uuid.New()
		adultBirth := day("1980-01-15").AddDate(0, 0, i)
		minorBirth := day("2012-06-01").AddDate(0, 0, i)
		family := fmt.Sprintf("Test%s", strings.Repeat("a", 1+i%5))
		for _, p := range []struct {
			id    uuid.UUID
			given string
			birth time.Time
			sex   byte
		}{{adult, "Giulia", adultBirth, 'F'}, {minor, "Luca", minorBirth, 'M'}} {
			code, err := codicefiscale.Generate(family+fmt.Sprint(i), p.given, p.birth, p.sex, "G702")
			require.NoError(t, err)
			g := map[byte]string{'F': "FEMALE", 'M': "MALE"}[p.sex]
			d.Persons = append(d.Persons, bulk.Person{ID: p.id, TaxCode: code, GivenName: p.given, FamilyName: family,
				BirthDate: p.birth, BirthPlace: "G702", Gender: g, Citizenship: "IT"})
		}
		d.Households = append(d.Households, bulk.Household{ID: hh, Label: "Household " + family})
		d.HouseholdMembers = append(d.HouseholdMembers, bulk.HouseholdMember{ID: uuid.New(), HouseholdID: hh, PersonID: adult, Relationship: "HEAD", ValidFrom: day("2019-01-01")}, bulk.HouseholdMember{ID: uuid.New(), HouseholdID: hh, PersonID: minor, Relationship: "CHILD", ValidFrom: day("2019-01-01")})
		d.Cases = append(d.Cases, bulk.Case{ID: cs, Reference: fmt.Sprintf("PI-2020-%04d", i+1), HouseholdID: hh, PersonID: adult,
			OrganisationID: agency, LeadWorkerID: worker, Status: "OPEN", OpenedOn: day("2020-09-01").AddDate(0, 0, i)})
		d.CaseDepartments = append(d.CaseDepartments, bulk.CaseDepartment{CaseID: cs, DepartmentID: care})
		d.CaseOrganisations = append(d.CaseOrganisations, bulk.CaseOrganisation{CaseID: cs, OrganisationID: agency, Role: "LEAD"}, bulk.CaseOrganisation{CaseID: cs, OrganisationID: coop, Role: "PROVIDER"})
		for j := 0; j < 2; j++ {
			pr := uuid.New()
			d.Projects = append(d.Projects, bulk.Project{ID: pr, CaseID: cs, ParticipantID: adult, CaseManagerID: manager,
				ProviderOrganisationID: coop, Title: fmt.Sprintf("Project %d", j+1), Objectives: []string{"work"}, Status: "ACTIVE",
				StartedOn: day("2020-10-01")})
			d.Interventions = append(d.Interventions, bulk.Intervention{ID: uuid.New(), CaseID: cs, ProjectID: pr, RoundID: round,
				ServiceType: "INTERNSHIP", ProviderOrganisationID: coop, BeneficiaryID: []uuid.UUID{adult, minor}[j],
				StartsOn: day("2020-10-05"), Status: "ACTIVE"})
		}
		d.Participations = append(d.Participations, bulk.Participation{ID: uuid.New(), OperationID: op, RoundID: round, PersonID: adult,
			EntryDate: day("2020-10-01"), Gender: "F", BirthDate: adultBirth})
		fx.cases = append(fx.cases, globalid.Encode("Case", cs.String()))
		fx.households = append(fx.households, globalid.Encode("Household", hh.String()))
		fx.persons = append(fx.persons, globalid.Encode("Person", adult.String()))
		fx.minors = append(fx.minors, globalid.Encode("Person", minor.String()))
	}
	require.NoError(t, bulk.Load(context.Background(), st, &d, nil))
	return fx
}
