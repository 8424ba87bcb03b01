package esf_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/esf/export"
	"github.com/ponte-hub/ponte/internal/esf/igrue"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// reportData is two groups: G1 (OP1, OP2: programme PN-R, P1, ESO4.1, more developed) and
// G2 (OP3: PN-R, P2, ESO4.11, less developed), with complete, incomplete, estimated and
// leaving participants of every gender.
func reportData(t *testing.T) (*env, map[string]string) {
	e := newEnv(t)
	codes := map[string]string{}
	tc := func(name string, n int, birth string, sex byte) string {
		codes[name] = taxCode(n, birth, sex)
		return codes[name]
	}
	e.tx(func(tx *store.Tx) error {
		_, err := esfimport.ImportOperations(e.ctx, tx, strings.NewReader(opsHeader+
			"OP1,One,PN-R,P1,a,MORE_DEVELOPED,FSE+,2021-01-01,\n"+
			"OP2,Two,PN-R,P1,OS i,MORE_DEVELOPED,FSE+,2021-01-01,\n"+
			"OP3,Three,PN-R,P2,OS ix,LESS_DEVELOPED,FSE+,2021-01-01,\n"))
		return err
	})
	e.load(nil, []part{
		{Op: "OP1", TaxCode: tc("ann", 1, "1990-05-10", 'F'), Exit: "2023-03-31", Status: "UNEMPLOYED", Months: "20", Dis: "E"},
		{Op: "OP1", TaxCode: tc("bob", 2, "2000-02-02", 'M'), Gender: "M", Birth: "2000-02-02", Exit: "2023-02-28", Status: "EMPLOYED", ISCED: "6", TCN: "Y"},
		{Op: "OP1", TaxCode: tc("cyd", 3, "1960-07-07", 'F'), Gender: "NB", Birth: "1960-07-07", Dis: "Y", Hom: "E"},
		{Op: "OP1", TaxCode: tc("dee", 4, "1980-01-01", 'F'), ISCED: "-"},
		{Op: "OP2", TaxCode: tc("eve", 5, "2010-09-09", 'F'), Gender: "-", Birth: "-", ISCED: "1", Exit: "2023-06-30"},
		{Op: "OP2", TaxCode: tc("fay", 6, "1975-03-03", 'F'), Status: "UNEMPLOYED", Months: "-"},
		{Op: "OP3", TaxCode: tc("gus", 7, "1950-12-12", 'M'), Gender: "M", Birth: "1950-12-12", Rur: "E", Exit: "2023-01-31"},
	}, []sit{
		{Op: "OP1", TaxCode: codes["ann"], Date: "2023-04-10", Situation: "EMPLOYED"},
		{Op: "OP1", TaxCode: codes["bob"], Date: "2023-03-01", Situation: "JOB_SEARCHING"},
		{Op: "OP1", TaxCode: codes["bob"], Date: "2023-03-05", Situation: "QUALIFICATION_GAINED"},
		{Op: "OP2", TaxCode: codes["eve"], Date: "2023-07-01", Situation: "EDUCATION_TRAINING"},
		{Op: "OP3", TaxCode: codes["gus"], Date: "2023-02-01", Situation: "SELF_EMPLOYED"},
	})
	return e, codes
}

func TestCSVExport(t *testing.T) {
	t.Parallel()
	e, _ := reportData(t)
	rep := e.compute(esf.Query{Cutoff: date("2023-12-31")})
	require.Len(t, rep.Groups, 2)
	var buf bytes.Buffer
	require.NoError(t, export.WriteCSV(&buf, rep))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Equal(t, "programme,priority,specific_objective,category_of_region,indicator,women,men,non_binary,total,of_which_estimated", lines[0])
	recs, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1+2*(len(esf.Indicators)+1), "a row per group and indicator, zeros included, and an INCOMPLETE row per group")
	byKey := map[string][]string{}
	for _, r := range recs[1:] {
		byKey[r[1]+"/"+r[4]] = r
	}
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECO01", "2", "1", "1", "4", "0"}, byKey["P1/EECO01"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECO12", "1", "0", "1", "2", "1"}, byKey["P1/EECO12"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECO06", "1", "0", "0", "1", "0"}, byKey["P1/EECO06"], "a child whose gender and birth date come from the tax code")
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECR01", "0", "1", "0", "1", "0"}, byKey["P1/EECR01"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECR03", "0", "1", "0", "1", "0"}, byKey["P1/EECR03"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECR04", "1", "0", "0", "1", "0"}, byKey["P1/EECR04"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECR02", "1", "0", "0", "1", "0"}, byKey["P1/EECR02"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "INCOMPLETE", "2", "0", "0", "2", "0"}, byKey["P1/INCOMPLETE"])
	require.Equal(t, []string{"PN-R", "P1", "ESO4.1", "MORE_DEVELOPED", "EECO18", "", "", "", "0", "0"}, byKey["P1/EECO18"], "entities have no gender")
	require.Equal(t, []string{"PN-R", "P2", "ESO4.11", "LESS_DEVELOPED", "EECO17", "0", "1", "0", "1", "1"}, byKey["P2/EECO17"])
	require.Equal(t, []string{"PN-R", "P2", "ESO4.11", "LESS_DEVELOPED", "EECR04", "0", "1", "0", "1", "0"}, byKey["P2/EECR04"])
	require.Equal(t, []string{"PN-R", "P2", "ESO4.11", "LESS_DEVELOPED", "EECO02", "0", "0", "0", "0", "0"}, byKey["P2/EECO02"], "zeros are written")

	// Filters take any spelling of the objective and keep the layout.
	rep = e.compute(esf.Query{Cutoff: date("2023-12-31"), SpecificObjective: "k"})
	require.Len(t, rep.Groups, 1)
	require.Equal(t, "ESO4.11", rep.Groups[0].SpecificObjective)
	require.Equal(t, "ESO4.11", rep.SpecificObjective)
	require.Equal(t, []string{"OP3"}, rep.Groups[0].Operations)
}

func TestDrillDownMatchesValues(t *testing.T) {
	t.Parallel()
	e, codes := reportData(t)
	q := esf.Query{Cutoff: date("2023-12-31")}
	rep := e.compute(q)
	p := pseudonymiser(t)
	e.tx(func(tx *store.Tx) error {
		for _, g := range rep.Groups {
			for _, ind := range esf.Indicators {
				if ind.Kind == esf.Entity {
					continue
				}
				v, _ := g.Value(ind.Code)
				for gender, want := range map[string]int64{"": v.Total, "F": v.Women, "M": v.Men, "NB": v.NonBinary} {
					ps, err := esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Group: g.GroupKey, Indicator: ind.Code, Gender: gender}, p)
					require.NoError(t, err)
					require.Len(t, ps, int(want), "%v %s %q", g.GroupKey, ind.Code, gender)
					for _, x := range ps {
						if gender != "" {
							require.Equal(t, gender, x.Gender)
						}
						require.True(t, strings.HasPrefix(x.Pseudonym, "ps_"), x.Pseudonym)
					}
				}
				if ind.Estimable() {
					ps, err := esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Group: g.GroupKey, Indicator: ind.Code, EstimatedOnly: true}, p)
					require.NoError(t, err)
					require.Len(t, ps, int(v.Estimated), "%s estimated", ind.Code)
					for _, x := range ps {
						require.True(t, x.Estimated)
					}
				}
			}
			ps, err := esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Group: g.GroupKey, Indicator: esf.IncompleteIndicator}, p)
			require.NoError(t, err)
			require.Len(t, ps, int(g.Incomplete.Total))
		}

		// The participant behind a value, as the auditor sees them.
		ps, err := esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Indicator: "EECO06"}, p)
		require.NoError(t, err)
		require.Len(t, ps, 1)
		eve, err := esfdata.PersonIDByTaxCode(e.ctx, tx, codes["eve"])
		require.NoError(t, err)
		require.Equal(t, p.Person(eve), ps[0].Pseudonym)
		require.Equal(t, "OP2", ps[0].OperationCode)
		require.Equal(t, "F", ps[0].Gender)
		require.True(t, ps[0].GenderDerived)
		require.True(t, ps[0].AgeDerived)
		require.Equal(t, 12, *ps[0].Age)
		require.Equal(t, "EDUCATION_TRAINING", ps[0].Leaving)

		// Bad requests name the field.
		for field, dq := range map[string]esf.DrillQuery{
			"indicator":     {Query: q, Indicator: "EECO99"},
			"gender":        {Query: q, Indicator: "EECO01", Gender: "X"},
			"estimatedOnly": {Query: q, Indicator: "EECO01", EstimatedOnly: true},
			"cutoff":        {Indicator: "EECO01"},
		} {
			_, err := esf.DrillDown(e.ctx, tx, dq, p)
			ie, ok := apperr.AsInput(err)
			require.True(t, ok, field)
			require.Equal(t, field, ie.Fields[0].Field)
		}
		_, err = esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Indicator: "EECO18"}, p)
		require.ErrorContains(t, err, "counts entities")
		return nil
	})
}

func TestEntitiesAndIN01(t *testing.T) {
	t.Parallel()
	e, _ := reportData(t)
	_, err := e.st.Pool().Exec(e.ctx, `INSERT INTO organisations (code, name, kind, is_public) VALUES
		('MUN', 'Municipality', 'MUNICIPALITY', true), ('SDS', 'Health and social agency', 'HEALTH_SOCIAL_AGENCY', true),
		('COOP1', 'Cooperative one', 'COOPERATIVE', false), ('COOP2', 'Cooperative two', 'COOPERATIVE', false)`)
	require.NoError(t, err)
	e.tx(func(tx *store.Tx) error {
		ids := map[string]string{}
		rows, err := esfdata.Operations(e.ctx, tx, esfdata.Scope{})
		require.NoError(t, err)
		for _, o := range rows {
			ids[o.Code] = o.ID
		}
		orgs := map[string]string{}
		for _, code := range []string{"MUN", "SDS", "COOP1", "COOP2"} {
			var id string
			require.NoError(t, e.st.Pool().QueryRow(e.ctx, `SELECT id FROM organisations WHERE code = $1`, code).Scan(&id))
			orgs[code] = id
		}
		for _, x := range []struct{ op, org, from string }{
			{"OP1", "MUN", "2021-02-01"}, {"OP1", "COOP1", "2021-02-01"}, {"OP1", "COOP2", "2024-06-01"},
			{"OP2", "MUN", "2021-03-01"}, // the same entity in another operation counts again
			{"OP3", "SDS", "2021-03-01"}, {"OP3", "COOP1", "2021-03-01"},
		} {
			kind := esfdata.EntitySME
			if x.org == "MUN" || x.org == "SDS" {
				kind = esfdata.EntityPublic
			}
			require.NoError(t, esfdata.SetOperationEntity(e.ctx, tx, ids[x.op], orgs[x.org], kind, date(x.from)))
		}
		require.NoError(t, esfdata.SetOperationEntity(e.ctx, tx, ids["OP1"], orgs["MUN"], esfdata.EntityPublic, date("2021-02-01")), "setting it again changes nothing")
		_, err = esfimport.ImportTargets(e.ctx, tx, strings.NewReader("operation_code,indicator_type,indicator,planned\n"+
			"OP1,COM,EECO01,40\nOP1,COM,EECO18,2\nOP1,DPR,ALI_HOMES,12\nOP3,COM,EECO01,10\n"))
		return err
	})

	rep := e.compute(esf.Query{Cutoff: date("2023-12-31")})
	v18, _ := rep.Groups[0].Value("EECO18")
	v19, _ := rep.Groups[0].Value("EECO19")
	require.Equal(t, vals{0, 0, 0, 2, 0}, valsOf(v18), "MUN in OP1 and in OP2")
	require.Equal(t, vals{0, 0, 0, 1, 0}, valsOf(v19), "COOP2 is supported only from 2024")
	v18, _ = rep.Groups[1].Value("EECO18")
	v19, _ = rep.Groups[1].Value("EECO19")
	require.Equal(t, int64(1), v18.Total)
	require.Equal(t, int64(1), v19.Total)

	var recs []igrue.IN01Record
	e.tx(func(tx *store.Tx) error {
		var err error
		recs, err = igrue.IN01(e.ctx, tx, esf.Query{Cutoff: date("2023-12-31"), Programme: "PN-R"})
		return err
	})
	var buf bytes.Buffer
	require.NoError(t, igrue.WriteIN01(&buf, recs))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 3*19+1, "every common output indicator of each operation, and OP1's programme-specific target")
	require.Equal(t, "OP1|COM|EECO01|40|3", lines[0])
	require.Equal(t, "OP1|COM|EECO12||2", lines[11], "no target: planned is empty")
	require.Equal(t, "OP1|COM|EECO18|2|1", lines[17])
	require.Equal(t, "OP1|DPR|ALI_HOMES|12|", lines[19], "the hub does not compute programme-specific values")
	require.Equal(t, "OP2|COM|EECO01||1", lines[20])
	require.Equal(t, "OP3|COM|EECO01|10|1", lines[39])
}

func TestIncompleteWithoutGender(t *testing.T) {
	t.Parallel()
	e, _ := reportData(t)
	// A person whose tax code does not validate: nothing can be derived from it.
	e.tx(func(tx *store.Tx) error {
		id, err := casedata.CreatePerson(e.ctx, tx, casedata.Person{TaxCode: "RSSMRA68A01H501X", GivenName: "Mario", FamilyName: "Rossi"})
		require.NoError(t, err)
		ops, err := esfdata.Operations(e.ctx, tx, esfdata.Scope{OperationCode: "OP3"})
		require.NoError(t, err)
		status, isced := "INACTIVE", 3
		_, err = casedata.EnrolParticipant(e.ctx, tx, casedata.Participation{OperationID: ops[0].ID, PersonID: id, EntryDate: date("2023-05-01"),
			EmploymentStatus: &status, ISCED: &isced})
		return err
	})
	rep := e.compute(esf.Query{Cutoff: date("2023-12-31"), OperationCode: "OP3"})
	g := only(t, rep)
	require.Equal(t, esf.Incomplete{Total: 1, Missing: []esf.MissingCount{
		{Field: esf.FieldGender, Count: 1}, {Field: esf.FieldBirthDate, Count: 1}, {Field: esf.FieldEmploymentStatus},
		{Field: esf.FieldUnemploymentMonths}, {Field: esf.FieldISCED}}}, g.Incomplete)
	v, _ := g.Value("EECO01")
	require.Equal(t, int64(1), v.Total, "only gus")
}

func TestRegistryEmploymentEventsDecideResults(t *testing.T) {
	t.Parallel()
	e, codes := reportData(t)
	event := func(ref, taxCode, kind, start string, end *time.Time) registrydata.EmploymentEvent {
		payload := []byte(`{"ref":"` + ref + `"}`)
		sum := sha256.Sum256(payload)
		return registrydata.EmploymentEvent{
			Meta: registrydata.Meta{Source: "labour", SourceRef: ref, TaxCode: taxCode, Payload: payload,
				PayloadSHA256: hex.EncodeToString(sum[:]), ContentType: "application/json", Origin: "sync", FetchedAt: time.Now()},
			CommunicationID: ref, EventType: kind, EmployerTaxCode: "01234567890", StartDate: date(start), EndDate: end,
		}
	}
	before := e.compute(esf.Query{Cutoff: date("2023-12-31"), OperationCode: "OP2"})
	v, _ := only(t, before).Value("EECR04")
	require.Zero(t, v.Total)
	v, _ = only(t, before).Value("EECR02")
	require.Equal(t, int64(1), v.Total, "eve in training upon leaving")

	// eve (left OP2 on 30 June) is hired on 20 July: the hire is the last situation.
	e.tx(func(tx *store.Tx) error {
		_, err := registrydata.UpsertEmploymentEvents(e.ctx, tx, []registrydata.EmploymentEvent{event("H1", codes["eve"], "HIRE", "2023-07-20", nil)})
		return err
	})
	after := e.compute(esf.Query{Cutoff: date("2023-12-31"), OperationCode: "OP2"})
	v, _ = only(t, after).Value("EECR04")
	require.Equal(t, int64(1), v.Total)
	v, _ = only(t, after).Value("EECR02")
	require.Zero(t, v.Total)
	v, _ = only(t, after).Value("EECR05")
	require.Equal(t, int64(1), v.Total, "still employed six months after")

	// The relationship ends on 15 October: six months after (31 December) she is not employed.
	end := date("2023-10-15")
	e.tx(func(tx *store.Tx) error {
		_, err := registrydata.UpsertEmploymentEvents(e.ctx, tx, []registrydata.EmploymentEvent{event("T1", codes["eve"], "TERMINATION", "2023-07-20", &end)})
		return err
	})
	after = e.compute(esf.Query{Cutoff: date("2023-12-31"), OperationCode: "OP2"})
	v, _ = only(t, after).Value("EECR04")
	require.Equal(t, int64(1), v.Total)
	v, _ = only(t, after).Value("EECR05")
	require.Zero(t, v.Total)
}
