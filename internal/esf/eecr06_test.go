package esf_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
)

// comm is one compulsory communication of a test: its kind, employer, the relationship's
// start, its contract type and end, and when it was sent ("" for no sending time).
type comm struct {
	kind, employer, start, contract, end, sent string
}

func (c comm) event(ref, taxCode string) registrydata.EmploymentEvent {
	payload := []byte(`{"ref":"` + ref + `"}`)
	sum := sha256.Sum256(payload)
	e := registrydata.EmploymentEvent{
		Meta: registrydata.Meta{Source: "labour", SourceRef: ref, TaxCode: taxCode, Payload: payload,
			PayloadSHA256: hex.EncodeToString(sum[:]), ContentType: "application/json", Origin: "sync", FetchedAt: time.Now()},
		CommunicationID: ref, EventType: c.kind, EmployerTaxCode: c.employer, StartDate: date(c.start),
	}
	if c.contract != "" {
		e.ContractTypeCode = &c.contract
	}
	if c.end != "" {
		d := date(c.end)
		e.EndDate = &d
	}
	if c.sent != "" {
		s := date(c.sent).Add(9 * time.Hour)
		e.SentAt = &s
	}
	return e
}

// TestImprovedLabourMarketSituation: EECR06 counts the participants employed at entry in
// precarious work only who hold stable work six months after leaving, by the contract
// types of their employment events, once those six months have passed.
func TestImprovedLabourMarketSituation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const empA, empB = "01234567897", "02345678904"
	hire := func(employer, start, contract, end string) comm {
		return comm{"HIRE", employer, start, contract, end, ""}
	}
	cases := []struct {
		name     string
		status   string
		entries  [][2]string // entry and exit dates
		comms    []comm
		improved bool
	}{
		{"fixed-term at entry, open-ended with another employer after", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-06-01", "A.02.00", "2023-06-30"), hire(empB, "2023-07-01", "A.01.00", "")}, true},
		{"fixed-term turned open-ended by a transformation", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-09-01", "A.02.00", "2023-08-31"), {"TRANSFORMATION", empA, "2022-09-01", "A.01.00", "", "2023-05-10"}}, true},
		{"domestic work with a term, then without", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-11-01", "A.04.02", "2023-04-30"), hire(empB, "2023-05-02", "A.04.02", "")}, true},
		{"re-entered: precarious at the first entry, stable after the final exit", "EMPLOYED",
			[][2]string{{"2022-01-10", "2022-06-30"}, {"2022-09-01", "2023-03-31"}},
			[]comm{hire(empA, "2021-10-01", "A.03.09", "2024-09-30"), {"TRANSFORMATION", empA, "2021-10-01", "A.01.00", "", "2023-06-01"}}, true},
		{"open-ended at entry and after", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2020-01-01", "A.01.00", "")}, false},
		{"unemployed at entry, hired open-ended after", "UNEMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empB, "2023-05-01", "A.01.00", "")}, false},
		{"employed at entry, nothing in the registry", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}}, nil, false},
		{"precarious at entry, nothing after", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-06-01", "A.02.00", "2023-06-30")}, false},
		{"fixed-term, then on call", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-06-01", "A.02.00", "2023-06-30"), hire(empB, "2023-07-01", "A.05.02", "")}, false},
		{"a second, stable job at entry", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-06-01", "A.02.00", "2023-06-30"), hire(empB, "2021-01-01", "A.01.00", "")}, false},
		{"open-ended job ended before the follow-up date", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-06-01", "A.02.00", "2023-04-30"), hire(empB, "2023-05-01", "A.01.00", ""),
				{"TERMINATION", empB, "2023-05-01", "", "2023-08-31", "2023-09-01"}}, false},
		{"unclassified contract type at entry", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-06-01", "E.01.00", ""), hire(empB, "2023-07-01", "A.01.00", "")}, false},
		{"transformation without a sending time", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-09-01", "A.02.00", "2024-08-31"), {"TRANSFORMATION", empA, "2022-09-01", "A.01.00", "", ""}}, false},
		{"transformation sent after the follow-up date", "EMPLOYED", [][2]string{{"2023-01-10", "2023-03-31"}},
			[]comm{hire(empA, "2022-09-01", "A.02.00", "2024-08-31"), {"TRANSFORMATION", empA, "2022-09-01", "A.01.00", "", "2023-10-02"}}, false},
		{"six months not passed by the cut-off", "EMPLOYED", [][2]string{{"2023-05-10", "2023-07-15"}},
			[]comm{hire(empA, "2022-06-01", "A.02.00", "2023-07-31"), hire(empB, "2023-08-01", "A.01.00", "")}, false},
	}
	var parts []part
	var events []registrydata.EmploymentEvent
	who := map[string]string{} // person id → case name
	for i, c := range cases {
		code := taxCode(300+i, "1985-03-01", "FM"[i%2])
		months := ""
		if c.status == "UNEMPLOYED" {
			months = "3"
		}
		for _, en := range c.entries {
			parts = append(parts, part{Op: "OP1", TaxCode: code, Gender: string("FM"[i%2]), Birth: "1985-03-01", Entry: en[0], Exit: en[1],
				Status: c.status, Months: months})
		}
		for j, cm := range c.comms {
			events = append(events, cm.event(code+"-"+string(rune('a'+j)), code))
		}
	}
	e.load([]string{"OP1"}, parts, nil)
	e.tx(func(tx *store.Tx) error {
		_, err := registrydata.UpsertEmploymentEvents(e.ctx, tx, events)
		return err
	})
	for i, c := range cases {
		code := taxCode(300+i, "1985-03-01", "FM"[i%2])
		who[e.personID(code)] = c.name
	}

	q := esf.Query{Cutoff: date("2023-12-31")}
	improved := func(q esf.Query) []string {
		t.Helper()
		var names []string
		e.tx(func(tx *store.Tx) error {
			ps, err := esf.DrillDown(e.ctx, tx, esf.DrillQuery{Query: q, Indicator: "EECR06"}, idPseudonyms{})
			require.NoError(t, err)
			for _, p := range ps {
				names = append(names, who[p.Pseudonym])
			}
			return nil
		})
		return names
	}
	var want []string
	for _, c := range cases {
		if c.improved {
			want = append(want, c.name)
		}
	}
	require.ElementsMatch(t, want, improved(q))
	g := only(t, e.compute(q))
	v, _ := g.Value("EECR06")
	require.Equal(t, int64(len(want)), v.Total)
	require.Equal(t, v.Women+v.Men, v.Total)
	v5, _ := g.Value("EECO05")
	require.LessOrEqual(t, v.Total, v5.Total, "never above its output basis, the employed at entry")

	// Custom windows compute the results live, with the same rule: a follow-up of 12
	// months takes the situation on 31 March 2024, past this cut-off for everyone.
	rules := esf.DefaultRules()
	rules.FollowUpMonths = 12
	v, _ = only(t, e.compute(esf.Query{Cutoff: date("2023-12-31"), Rules: &rules})).Value("EECR06")
	require.Zero(t, v.Total)
	v, _ = only(t, e.compute(esf.Query{Cutoff: date("2024-12-31"), Rules: &rules})).Value("EECR06")
	require.Equal(t, int64(len(want)+2), v.Total, "the late leaver's twelve months have passed, and the late transformation is in time")

	// Later, the late leaver's six months have passed.
	require.ElementsMatch(t, append(want, "six months not passed by the cut-off"), improved(esf.Query{Cutoff: date("2024-06-30")}))

	// A corrected classification recomputes the stored results: were apprenticeships stable,
	// the re-entered participant would have been stable already at entry.
	_, err := e.st.Pool().Exec(e.ctx, `UPDATE esf_contract_types SET stability = 'STABLE' WHERE code = 'A.03.09'`)
	require.NoError(t, err)
	require.NotContains(t, improved(q), "re-entered: precarious at the first entry, stable after the final exit")

	// A changed status at entry is followed too.
	_, err = e.st.Pool().Exec(e.ctx, `UPDATE participations SET employment_status = 'INACTIVE'
		WHERE person_id = (SELECT id FROM persons WHERE tax_code = $1)`, taxCode(300, "1985-03-01", 'F'))
	require.NoError(t, err)
	require.NotContains(t, improved(q), cases[0].name)
}

// idPseudonyms "pseudonymises" a person as their id, so a test can tell who is behind a value.
type idPseudonyms struct{}

func (idPseudonyms) Person(id string) string { return id }
