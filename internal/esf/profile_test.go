package esf_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/export"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := map[string]string{
		"p1": taxCode(1, "2000-01-01", 'F'), "p2": taxCode(2, "1985-06-01", 'M'), "p3": taxCode(3, "1990-01-01", 'F'),
		"p4": taxCode(4, "1960-01-01", 'F'), "p5": taxCode(5, "1970-01-01", 'M'), "kid": taxCode(6, "2015-01-01", 'M'),
	}
	e.load([]string{"ALI"}, []part{
		{Op: "ALI", TaxCode: c["p1"], Birth: "2000-01-01", Entry: "2021-01-10", Exit: "2021-03-01"},
		{Op: "ALI", TaxCode: c["p1"], Birth: "2000-01-01", Entry: "2021-05-10", Exit: "2021-12-31"}, // re-enters round 1
		{Op: "ALI", TaxCode: c["p2"], Gender: "M", Birth: "1985-06-01", Entry: "2021-01-10"},
		{Op: "ALI", TaxCode: c["p3"], Birth: "-", Entry: "2021-01-10"},
		{Op: "ALI", TaxCode: c["p4"], Gender: "NB", Birth: "1960-01-01", Entry: "2021-01-10"},
		{Op: "ALI", TaxCode: c["p1"], Birth: "2000-01-01", Entry: "2022-02-01"},
		{Op: "ALI", TaxCode: c["p5"], Gender: "-", Birth: "1970-01-01", Entry: "2022-02-01"},
		{Op: "ALI", TaxCode: c["kid"], Birth: "2015-01-01", Entry: "2022-02-01"}, // round not recorded
	}, nil)
	_, err := e.st.Pool().Exec(e.ctx, `
		INSERT INTO operation_rounds (operation_id, number, starts_on) SELECT id, n, d FROM operations,
			(VALUES (1, DATE '2020-10-01'), (2, DATE '2022-01-01'), (3, DATE '2023-01-01')) r(n, d) WHERE code = 'ALI';
		UPDATE participations p SET round_id = r.id, country_of_origin = x.origin, household_size = x.hh
		FROM (VALUES ($1, 'IT', 1, 1), ($2, 'MA', 3, 1), ($3, NULL, NULL, 1), ($4, 'RO', 7, 1)) x(tc, origin, hh, round),
			persons pe, operation_rounds r
		WHERE pe.tax_code = x.tc AND p.person_id = pe.id AND r.number = x.round AND p.entry_date < '2022-01-01';
		UPDATE participations p SET round_id = r.id, country_of_origin = 'IT', household_size = 2
		FROM persons pe, operation_rounds r
		WHERE pe.id = p.person_id AND pe.tax_code IN ($1, $5) AND r.number = 2 AND p.entry_date >= '2022-01-01';
		INSERT INTO organisations (code, name, kind) VALUES ('SDS', 'SdS', 'HEALTH_SOCIAL_AGENCY');
		INSERT INTO staff (subject, display_name, organisation_id) SELECT 'sw', 'Social worker', id FROM organisations;
		INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, opened_on)
		SELECT 'C1', pe.id, o.id, s.id, DATE '2020-09-01' FROM persons pe, organisations o, staff s WHERE pe.tax_code = $1;
		INSERT INTO projects (case_id, participant_id, provider_organisation_id, title)
		SELECT c.id, pe.id, c.organisation_id, 'Project of p2' FROM cases c, persons pe WHERE pe.tax_code = $2;
		INSERT INTO interventions (case_id, project_id, round_id, service_type, provider_organisation_id, beneficiary_id)
		SELECT c.id, x.project, r.id, x.service, c.organisation_id, pe.id
		FROM cases c, operation_rounds r,
			(VALUES ($1, NULL::uuid, 'INTERNSHIP', 1), ($6, (SELECT id FROM projects), 'TRAINING_HACCP', 1),
			        ($2, NULL, 'TRAINING_HACCP', 1), ($5, NULL, 'ORIENTATION', 2), ($4, NULL, 'OTHER', 3)) x(tc, project, service, round),
			persons pe
		WHERE pe.tax_code = x.tc AND r.number = x.round`, pgx.QueryExecModeSimpleProtocol,
		c["p1"], c["p2"], c["p3"], c["p4"], c["p5"], c["kid"])
	require.NoError(t, err)

	var rep *esf.ProfileReport
	e.tx(func(tx *store.Tx) error {
		var err error
		rep, err = esf.Profile(e.ctx, tx, esf.ProfileQuery{OperationCode: "ALI"})
		return err
	})
	require.Len(t, rep.Rounds, 3)
	pct := func(f float64) *float64 { return &f }
	r1 := rep.Rounds[0]
	require.Equal(t, 1, r1.Round)
	require.Equal(t, int64(4), r1.Participants, "p1 entered round 1 twice and counts once")
	require.Equal(t, esf.ProfileTable{Name: esf.TableGender, Rows: []esf.ProfileRow{
		{"F", 2, pct(50)}, {"M", 1, pct(25)}, {"NB", 1, pct(25)}}}, r1.Tables[0])
	require.Equal(t, esf.ProfileTable{Name: esf.TableOrigin, Missing: 1, Rows: []esf.ProfileRow{
		{"ITALY", 1, pct(33.3)}, {"OTHER", 2, pct(66.7)}}}, r1.Tables[1])
	require.Equal(t, esf.ProfileTable{Name: esf.TableAgeBand, Missing: 1, Rows: []esf.ProfileRow{
		{"<=24", 1, pct(33.3)}, {"25-34", 0, pct(0)}, {"35-44", 1, pct(33.3)}, {"45-54", 0, pct(0)}, {"55+", 1, pct(33.3)}}}, r1.Tables[2],
		"ages as recorded at the first entry: the blank birth date is missing, not derived")
	require.Equal(t, esf.ProfileTable{Name: esf.TableHousehold, Missing: 1, Rows: []esf.ProfileRow{
		{"1", 1, pct(33.3)}, {"2", 0, pct(0)}, {"3", 1, pct(33.3)}, {"4", 0, pct(0)}, {"5", 0, pct(0)}, {"6+", 1, pct(33.3)}}}, r1.Tables[3])
	services := r1.Tables[4]
	require.Equal(t, esf.TableServices, services.Name)
	require.Equal(t, int64(2), services.Missing, "p3 and p4 have no service in round 1")
	counts := map[string]int64{}
	for _, row := range services.Rows {
		require.Nil(t, row.Percent)
		counts[row.Category] = row.Count
	}
	require.Len(t, services.Rows, len(esf.ServiceTypes))
	require.Equal(t, int64(1), counts["INTERNSHIP"])
	require.Equal(t, int64(2), counts["TRAINING_HACCP"], "one for p2, one for p2's child within p2's project")
	require.Zero(t, counts["TRAINING_IT"])

	r2 := rep.Rounds[1]
	require.Equal(t, int64(2), r2.Participants)
	require.Equal(t, esf.ProfileTable{Name: esf.TableGender, Missing: 1, Rows: []esf.ProfileRow{
		{"F", 1, pct(100)}, {"M", 0, pct(0)}, {"NB", 0, pct(0)}}}, r2.Tables[0])
	require.Equal(t, int64(1), r2.Tables[4].Missing)
	r3 := rep.Rounds[2]
	require.Zero(t, r3.Participants, "a round without participants still shows")
	require.Equal(t, int64(1), r3.Tables[4].Rows[len(esf.ServiceTypes)-1].Count)
	require.Nil(t, r3.Tables[0].Rows[0].Percent, "no percentages of nothing")

	var buf bytes.Buffer
	require.NoError(t, export.WriteProfileCSV(&buf, rep))
	lines := strings.Split(buf.String(), "\n")
	require.Equal(t, "round,table,category,count,percent", lines[0])
	require.Equal(t, "1,participants,,4,", lines[1])
	require.Equal(t, "1,gender,F,2,50.0", lines[2])
	require.Contains(t, lines, "1,origin,MISSING,1,")
	require.Contains(t, lines, "1,household_size,6+,1,33.3")
	require.Contains(t, lines, "1,services,TRAINING_HACCP,2,")
	require.Contains(t, lines, "2,services,MISSING,1,")
	// A service type the round never activated is not a zero: the round did not have it.
	require.Contains(t, lines, "1,services,TRAINING_IT,not offered,")
	require.Contains(t, lines, "2,services,INTERNSHIP,not offered,")
	require.Contains(t, lines, "3,services,OTHER,1,")
	require.Equal(t, []string{"INTERNSHIP", "ORIENTATION", "OTHER", "TRAINING_HACCP"}, rep.OfferedServices)
	require.True(t, services.Offered("TRAINING_HACCP"))
	require.False(t, services.Offered("ORIENTATION"), "offered in round 2 only")
	requireProfileXLSX(t, rep)

	e.tx(func(tx *store.Tx) error {
		one, err := esf.Profile(e.ctx, tx, esf.ProfileQuery{OperationCode: "ALI", Round: 2})
		require.NoError(t, err)
		require.Len(t, one.Rounds, 1)
		require.Equal(t, r2, one.Rounds[0])
		require.Equal(t, rep.OfferedServices, one.OfferedServices, "the services of every round, whichever rounds are shown")
		requireProfileXLSX(t, one)
		for field, q := range map[string]esf.ProfileQuery{
			"operationCode": {OperationCode: "NOPE"},
			"round":         {OperationCode: "ALI", Round: 9},
		} {
			_, err := esf.Profile(e.ctx, tx, q)
			ie, ok := apperr.AsInput(err)
			require.True(t, ok, field)
			require.Equal(t, field, ie.Fields[0].Field)
		}
		return nil
	})
}
