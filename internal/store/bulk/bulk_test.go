package bulk_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/bulk"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

type bulkBundle struct {
	st   *store.Store
	pool *pgxpool.Pool
}

func setupBulk(t *testing.T) bulkBundle {
	t.Helper()
	pool := pgtest.Pool(t)
	return bulkBundle{st: store.New(pool), pool: pool}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func intp(v int) *int { return &v }

// oneOfEach builds a batch with one row in every table, all referring to each other.
func oneOfEach() *bulk.Data {
	org, dept, staff := store.NewID(), store.NewID(), store.NewID()
	person, child, hh := store.NewID(), store.NewID(), store.NewID()
	cs, asm, prj, op, rnd := store.NewID(), store.NewID(), store.NewID(), store.NewID(), store.NewID()
	hours := 12.5
	return &bulk.Data{
		Organisations: []bulk.Organisation{{ID: org, Code: "ORG-1", Name: "Agency", Kind: "HEALTH_SOCIAL_AGENCY", Territory: "G702", IsPublic: true}},
		Departments:   []bulk.Department{{ID: dept, OrganisationID: org, Code: "SOC", Name: "Social care", Kind: "SOCIAL_CARE"}},
		Staff:         []bulk.Staff{{ID: staff, Subject: "sw.test", DisplayName: "Test Worker", OrganisationID: org, DepartmentID: dept}},
		Persons: []bulk.Person{
			{ID: person, TaxCode: "RSSMRA80A01G702X", GivenName: "Maria", FamilyName: "Rossi", BirthDate: day(1980, 1, 1), Gender: "FEMALE", Citizenship: "IT"},
			{ID: child, TaxCode: "RSSLCU12A41G702X", GivenName: "Luca", FamilyName: "Rossi"},
		},
		Households: []bulk.Household{{ID: hh, Label: "Rossi"}},
		HouseholdMembers: []bulk.HouseholdMember{
			{ID: store.NewID(), HouseholdID: hh, PersonID: person, Relationship: "HEAD", ValidFrom: day(2010, 1, 1)},
			{ID: store.NewID(), HouseholdID: hh, PersonID: child, Relationship: "CHILD", ValidFrom: day(2012, 1, 1)},
		},
		Cases:             []bulk.Case{{ID: cs, Reference: "C-1", HouseholdID: hh, PersonID: person, OrganisationID: org, LeadWorkerID: staff, Status: "OPEN", OpenedOn: day(2020, 9, 1)}},
		CaseDepartments:   []bulk.CaseDepartment{{CaseID: cs, DepartmentID: dept}},
		CaseOrganisations: []bulk.CaseOrganisation{{CaseID: cs, OrganisationID: org, Role: "LEAD"}},
		CaseAssignments:   []bulk.CaseAssignment{{CaseID: cs, StaffID: staff}},
		Assessments:       []bulk.Assessment{{ID: asm, CaseID: cs, PersonID: person, AssessorID: staff, AssessedOn: day(2020, 9, 15), ProposedInterventions: []string{"INTERNSHIP"}}},
		AssessmentScores:  []bulk.AssessmentScore{{AssessmentID: asm, Area: "DIGITAL_SKILLS", Score: 2}},
		Projects:          []bulk.Project{{ID: prj, CaseID: cs, ParticipantID: person, CaseManagerID: staff, ProviderOrganisationID: org, Title: "Project", Status: "ACTIVE", StartedOn: day(2020, 10, 1)}},
		Operations:        []bulk.Operation{{ID: op, Code: "CUP1", Name: "Op", Programme: "P", Priority: "1", SpecificObjective: "ESO4.11", CategoryOfRegion: "MORE_DEVELOPED", FundingSource: "ESF", StartsOn: day(2020, 10, 1)}},
		OperationRounds:   []bulk.OperationRound{{ID: rnd, OperationID: op, Number: 1, StartsOn: day(2020, 10, 1)}},
		Interventions: []bulk.Intervention{{ID: store.NewID(), CaseID: cs, ProjectID: prj, RoundID: rnd, ServiceType: "HOME_EDUCATION_MINORS",
			ProviderOrganisationID: org, BeneficiaryID: child, PlannedHours: &hours, Status: "ACTIVE"}},
		ActivityEntries: []bulk.ActivityEntry{{ID: store.NewID(), CaseID: cs, ProjectID: prj, AuthorID: staff, OccurredOn: day(2020, 10, 2), Kind: "MEETING", Minutes: intp(45), Note: "first meeting"}},
		Participations: []bulk.Participation{{ID: store.NewID(), OperationID: op, RoundID: rnd, PersonID: person, EntryDate: day(2020, 10, 1),
			Gender: "F", BirthDate: day(1980, 1, 1), ISCED: intp(0), CountryOfOrigin: "IT"}},
	}
}

func countRows(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

var allTables = []string{"organisations", "departments", "staff", "persons", "households", "household_members", "cases",
	"case_departments", "case_organisations", "case_assignments", "assessments", "assessment_scores", "projects",
	"operations", "operation_rounds", "interventions", "activity_entries", "participations"}

func TestBulkLoadWritesEveryTable(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	ctx := context.Background()
	data := oneOfEach()
	require.Equal(t, 20, data.Rows())

	var mu sync.Mutex
	reported := map[string]int{}
	err := bulk.Load(ctx, b.st, data, func(table string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		require.LessOrEqual(t, done, total)
		reported[table] = done
	})
	require.NoError(t, err)
	for _, table := range allTables {
		want := 1
		if table == "persons" || table == "household_members" {
			want = 2
		}
		require.Equal(t, want, countRows(t, b.pool, table), table)
		require.Equal(t, want, reported[table], table)
	}

	// Zero values arrive as NULL, set values as given (isced 0 is a value, not a NULL).
	var gender, employment *string
	var isced, householdSize *int16
	var birth time.Time
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT gender, employment_status, isced, household_size, birth_date FROM participations`).
		Scan(&gender, &employment, &isced, &householdSize, &birth))
	require.Equal(t, "F", *gender)
	require.Nil(t, employment)
	require.EqualValues(t, 0, *isced)
	require.Nil(t, householdSize)
	require.Equal(t, day(1980, 1, 1), birth)

	var childBirth *time.Time
	var childGender *string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT birth_date, gender FROM persons WHERE given_name = 'Luca'`).Scan(&childBirth, &childGender))
	require.Nil(t, childBirth)
	require.Nil(t, childGender)

	var proposed []string
	var objectives []string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT a.proposed_interventions, p.objectives FROM assessments a, projects p`).Scan(&proposed, &objectives))
	require.Equal(t, []string{"INTERNSHIP"}, proposed)
	require.Empty(t, objectives)

	var hours float64
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT planned_hours::float8 FROM interventions`).Scan(&hours))
	require.InDelta(t, 12.5, hours, 0.001)
}

func TestBulkLoadRejectsMissingIdentifier(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	data := oneOfEach()
	data.Projects[0].CaseID = uuid.Nil

	err := bulk.Load(context.Background(), b.st, data, nil)
	require.ErrorIs(t, err, bulk.ErrMissingValue)
	require.ErrorContains(t, err, "bulk load projects: row 0: case_id")
	for _, table := range allTables {
		require.Zero(t, countRows(t, b.pool, table), "%s must be rolled back", table)
	}
}

func TestBulkLoadRejectsMissingDate(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	data := oneOfEach()
	data.Participations[0].EntryDate = time.Time{}

	err := bulk.Load(context.Background(), b.st, data, nil)
	require.ErrorIs(t, err, bulk.ErrMissingValue)
	require.ErrorContains(t, err, "participations: row 0: entry_date")
}

func TestBulkLoadReportsConstraintViolationAndRollsBack(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	data := oneOfEach()
	data.Participations[0].HouseholdSize = intp(0)

	err := bulk.Load(context.Background(), b.st, data, nil)
	require.Error(t, err)
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "want an input error, got %v", err)
	require.Contains(t, ie.Fields[0].Field, "household_size")
	require.ErrorContains(t, err, "bulk load participations")
	for _, table := range allTables {
		require.Zero(t, countRows(t, b.pool, table), "%s must be rolled back", table)
	}
}

func TestBulkLoadRejectsDanglingReference(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	data := oneOfEach()
	data.Interventions[0].BeneficiaryID = store.NewID()

	err := bulk.Load(context.Background(), b.st, data, nil)
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "want an input error, got %v", err)
	require.Contains(t, ie.Fields[0].Reason, "does not exist")
}

func TestBulkLoaderChunksShareOneTransaction(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	ctx := context.Background()
	first := oneOfEach()

	l, err := bulk.Begin(ctx, b.st, bulk.Options{})
	require.NoError(t, err)
	defer func() { _ = l.Rollback(ctx) }()
	require.NoError(t, l.Load(ctx, first))

	// A second chunk refers to the first one's rows through the keys read in the transaction.
	keys, err := l.Keys(ctx)
	require.NoError(t, err)
	require.Equal(t, first.Organisations[0].ID, keys.Organisations["ORG-1"])
	require.Equal(t, first.Departments[0].ID, keys.Departments["ORG-1/SOC"])
	require.Equal(t, first.Staff[0].ID, keys.Staff["sw.test"])
	require.Equal(t, first.Operations[0].ID, keys.Operations["CUP1"])

	second := &bulk.Data{Persons: []bulk.Person{{ID: store.NewID(), TaxCode: "BNCGNN75B02G702X", GivenName: "Gianni", FamilyName: "Bianchi"}}}
	second.Participations = []bulk.Participation{{ID: store.NewID(), OperationID: keys.Operations["CUP1"], PersonID: second.Persons[0].ID, EntryDate: day(2021, 1, 1)}}
	require.NoError(t, l.Load(ctx, second))

	// Nothing is visible outside the transaction before Commit.
	require.Zero(t, countRows(t, b.pool, "persons"))
	require.NoError(t, l.Commit(ctx))
	require.Equal(t, 3, countRows(t, b.pool, "persons"))
	require.Equal(t, 2, countRows(t, b.pool, "participations"))
	require.NoError(t, l.Rollback(ctx), "rollback after commit is harmless")
	require.Error(t, l.Load(ctx, second), "a committed loader refuses more batches")
}

func TestBulkDataReset(t *testing.T) {
	t.Parallel()
	data := oneOfEach()
	capPersons := cap(data.Persons)
	data.Reset()
	require.Zero(t, data.Rows())
	require.Equal(t, capPersons, cap(data.Persons))
}

func TestBulkDataRowsByTable(t *testing.T) {
	t.Parallel()
	got := oneOfEach().RowsByTable()
	require.Len(t, got, len(allTables))
	require.Equal(t, 2, got["persons"])
	require.Equal(t, 1, got["participations"])
	require.Empty(t, (&bulk.Data{}).RowsByTable())
}

// A role subject to row-level security cannot COPY into the personal-data tables; the
// loader goes through a staging table and the policies instead.
func TestBulkLoadUnderRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.AdminURL(t))
	require.NoError(t, err)
	defer admin.Close(ctx)
	role := "ponte_bulk_" + strings.ReplaceAll(store.NewID().String()[24:], "-", "")
	_, err = admin.Exec(ctx, "CREATE ROLE "+role+" NOLOGIN NOSUPERUSER NOBYPASSRLS")
	require.NoError(t, err)
	// Cleanups run last in, first out: the role goes after the database that grants it.
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), pgtest.AdminURL(t))
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
			_ = c.Close(context.Background())
		}
	})
	u := pgtest.URL(t)
	owner, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	_, err = owner.Exec(ctx, "GRANT USAGE ON SCHEMA public TO "+role+"; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "+role+
		"; GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO "+role)
	require.NoError(t, err)
	require.NoError(t, owner.Close(ctx))

	cfg, err := pgxpool.ParseConfig(u)
	require.NoError(t, err)
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE "+role)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	// The premise: plain COPY is refused for this role.
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	_, err = conn.Conn().CopyFrom(ctx, pgx.Identifier{"persons"}, []string{"tax_code", "given_name", "family_name"},
		pgx.CopyFromRows([][]any{{"RSSMRA80A01G702X", "Maria", "Rossi"}}))
	require.ErrorContains(t, err, "row-level security")
	conn.Release()

	st := store.New(pool)
	data := oneOfEach()
	l, err := bulk.Begin(ctx, st, bulk.Options{})
	require.NoError(t, err)
	defer func() { _ = l.Rollback(ctx) }()
	require.NoError(t, l.Load(ctx, data))
	// A second batch reuses the staging tables.
	second := &bulk.Data{Persons: []bulk.Person{{ID: store.NewID(), TaxCode: "BNCGNN75B02G702X", GivenName: "Gianni", FamilyName: "Bianchi"}}}
	require.NoError(t, l.Load(ctx, second))
	require.NoError(t, l.Commit(ctx))

	var persons, participations int
	require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM participations)`).
		Scan(&persons, &participations))
	require.Equal(t, 3, persons)
	require.Equal(t, 1, participations)
}

func foreignKeys(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT conrelid::regclass::text || '.' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestBulkLoadDeferringForeignKeys(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	ctx := context.Background()
	before := foreignKeys(t, b.pool)
	require.NotEmpty(t, before)

	l, err := bulk.Begin(ctx, b.st, bulk.Options{DeferForeignKeys: true})
	require.NoError(t, err)
	defer func() { _ = l.Rollback(ctx) }()
	require.True(t, l.DeferredForeignKeys())
	require.NoError(t, l.Load(ctx, oneOfEach()))
	require.NoError(t, l.Commit(ctx))
	require.Equal(t, before, foreignKeys(t, b.pool), "every foreign key is back, unchanged")
	require.Equal(t, 2, countRows(t, b.pool, "persons"))
}

func TestBulkLoadDeferredForeignKeysStillCatchDanglingReferences(t *testing.T) {
	t.Parallel()
	b := setupBulk(t)
	ctx := context.Background()
	before := foreignKeys(t, b.pool)
	data := oneOfEach()
	data.Interventions[0].BeneficiaryID = store.NewID()

	l, err := bulk.Begin(ctx, b.st, bulk.Options{DeferForeignKeys: true})
	require.NoError(t, err)
	defer func() { _ = l.Rollback(ctx) }()
	require.NoError(t, l.Load(ctx, data), "nothing checks references before Commit")
	err = l.Commit(ctx)
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "want an input error, got %v", err)
	require.Contains(t, ie.Fields[0].Field, "beneficiary")
	require.Contains(t, ie.Fields[0].Reason, "does not exist")
	require.Error(t, l.Commit(ctx), "a failed load cannot be committed again")
	require.Zero(t, countRows(t, b.pool, "persons"))
	require.Equal(t, before, foreignKeys(t, b.pool))
}
