package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// FID is a fixed UUID for a fixture name, so tests speak of "c1" and "p4".
func FID(name string) string {
	h := sha256.Sum256([]byte("fixture/" + name))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

// Names maps fixture UUIDs back to names for readable failures.
var Names = map[string]string{}

func init() {
	for _, n := range []string{"MUN-A", "MUN-B", "SDS", "COOP-1", "COOP-2", "CPI", "REGION",
		"sw_a1", "sw_a2", "sw_b", "cm1", "cm2", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9",
		"hA", "hB", "hC", "c1", "c2", "c3", "c4", "pr1", "pr2", "pr3", "i1", "i2", "i3", "a1", "a2", "a3",
		"e1", "e2", "e3", "op1", "r1", "pa1", "pa2", "pa3", "m1", "m2", "m3", "m4", "m5"} {
		Names[FID(n)] = n
	}
}

// NameAll is the fixture names of ids, sorted (ids of no fixture stay as they are).
func NameAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if n, ok := Names[id]; ok {
			out[i] = n
		} else {
			out[i] = id
		}
	}
	sort.Strings(out)
	return out
}

// ScopeFixture is a small world with two municipalities (A and B, in territories T1 and
// T2), two cooperatives, an employment centre and a region:
//
//	c1  MUN-A, lead sw_a1, household hA (p1 head, p2 child, p3 spouse), person p1;
//	    shared with COOP-1 (provider) and CPI (partner)
//	    pr1 participant p1 by COOP-1; i1 for p2 under pr1 by COOP-1 (ESF round r1)
//	    pr2 participant p3 by COOP-2 (COOP-2 is not on the case); i2 for p3 under pr2
//	    a1 about p1, a2 about p3; e1 on pr1 by cm1, e2 by sw_a1
//	c2  MUN-A, lead sw_a2, person p6
//	c3  MUN-B, lead sw_b, household hB (p4, p5), person p4; assigned to sw_a1; COOP-2 provider
//	    pr3 participant p4 by COOP-2; i3 for p5 under pr3 (ESF round r1); a3 about p4; e3 by sw_b
//	c4  MUN-B, lead sw_b, person p7
//	p8  no case, ESF participant; p9 nothing at all; hC an empty household
//	participations: pa1 p1, pa2 p8, pa3 p5
func ScopeFixture(t testing.TB) (*pgxpool.Pool, *store.Store) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	for _, o := range []struct{ code, kind, territory string }{
		{"MUN-A", "MUNICIPALITY", "T1"}, {"MUN-B", "MUNICIPALITY", "T2"}, {"SDS", "HEALTH_SOCIAL_AGENCY", "T1"},
		{"COOP-1", "COOPERATIVE", "T1"}, {"COOP-2", "COOPERATIVE", "T2"}, {"CPI", "EMPLOYMENT_CENTRE", "T1"},
		{"REGION", "MANAGING_AUTHORITY", ""},
	} {
		exec(`INSERT INTO organisations (id, code, name, kind, territory) VALUES ($1, $2, $2, $3, nullif($4, ''))`, FID(o.code), o.code, o.kind, o.territory)
	}
	for _, s := range [][2]string{{"sw_a1", "MUN-A"}, {"sw_a2", "MUN-A"}, {"sw_b", "MUN-B"}, {"cm1", "COOP-1"}, {"cm2", "COOP-2"}} {
		exec(`INSERT INTO staff (id, subject, display_name, organisation_id) VALUES ($1, $2, $2, $3)`, FID(s[0]), s[0], FID(s[1]))
	}
	for i := 1; i <= 9; i++ {
		n := fmt.Sprintf("p%d", i)
		exec(`INSERT INTO persons (id, tax_code, given_name, family_name) VALUES ($1, $2, $3, 'Rossi')`, FID(n), fmt.Sprintf("RSSMRA80A01G70%dX", i), n)
	}
	for _, h := range []string{"hA", "hB", "hC"} {
		exec(`INSERT INTO households (id, label) VALUES ($1, $2)`, FID(h), h)
	}
	for _, m := range [][4]string{{"m1", "hA", "p1", "HEAD"}, {"m2", "hA", "p2", "CHILD"}, {"m3", "hA", "p3", "SPOUSE"}, {"m4", "hB", "p4", "HEAD"}, {"m5", "hB", "p5", "CHILD"}} {
		exec(`INSERT INTO household_members (id, household_id, person_id, relationship, valid_from) VALUES ($1, $2, $3, $4, '2024-01-01')`, FID(m[0]), FID(m[1]), FID(m[2]), m[3])
	}
	for _, c := range []struct{ id, org, lead, household, person string }{
		{"c1", "MUN-A", "sw_a1", "hA", "p1"}, {"c2", "MUN-A", "sw_a2", "", "p6"},
		{"c3", "MUN-B", "sw_b", "hB", "p4"}, {"c4", "MUN-B", "sw_b", "", "p7"},
	} {
		var hh any
		if c.household != "" {
			hh = FID(c.household)
		}
		exec(`INSERT INTO cases (id, reference, household_id, person_id, organisation_id, lead_worker_id, opened_on)
			VALUES ($1, $2, $3, $4, $5, $6, '2024-02-01')`, FID(c.id), c.id, hh, FID(c.person), FID(c.org), FID(c.lead))
	}
	exec(`INSERT INTO case_organisations (case_id, organisation_id, role) VALUES ($1, $2, 'PROVIDER'), ($1, $3, 'PARTNER'), ($4, $5, 'PROVIDER')`,
		FID("c1"), FID("COOP-1"), FID("CPI"), FID("c3"), FID("COOP-2"))
	exec(`INSERT INTO case_assignments (case_id, staff_id) VALUES ($1, $2)`, FID("c3"), FID("sw_a1"))
	exec(`INSERT INTO operations (id, code, name, programme, priority, specific_objective, category_of_region, funding_source, starts_on)
		VALUES ($1, 'J11H20000000001', 'ALI', 'PN Inclusione', 'P1', 'ESO4.8', 'MORE_DEVELOPED', 'ESF+', '2024-01-01')`, FID("op1"))
	exec(`INSERT INTO operation_rounds (id, operation_id, number, starts_on) VALUES ($1, $2, 1, '2024-01-01')`, FID("r1"), FID("op1"))
	for _, p := range [][5]string{{"pr1", "c1", "p1", "COOP-1", "cm1"}, {"pr2", "c1", "p3", "COOP-2", "cm2"}, {"pr3", "c3", "p4", "COOP-2", "cm2"}} {
		exec(`INSERT INTO projects (id, case_id, participant_id, provider_organisation_id, case_manager_id, title) VALUES ($1, $2, $3, $4, $5, $6)`,
			FID(p[0]), FID(p[1]), FID(p[2]), FID(p[3]), FID(p[4]), p[0])
	}
	for _, i := range []struct{ id, c, pr, provider, beneficiary string }{
		{"i1", "c1", "pr1", "COOP-1", "p2"}, {"i2", "c1", "pr2", "COOP-2", "p3"}, {"i3", "c3", "pr3", "COOP-2", "p5"},
	} {
		var round any
		if i.id != "i2" {
			round = FID("r1")
		}
		exec(`INSERT INTO interventions (id, case_id, project_id, round_id, service_type, provider_organisation_id, beneficiary_id)
			VALUES ($1, $2, $3, $4, 'HOME_EDUCATION_MINORS', $5, $6)`, FID(i.id), FID(i.c), FID(i.pr), round, FID(i.provider), FID(i.beneficiary))
	}
	for _, a := range [][4]string{{"a1", "c1", "p1", "sw_a1"}, {"a2", "c1", "p3", "sw_a1"}, {"a3", "c3", "p4", "sw_b"}} {
		exec(`INSERT INTO assessments (id, case_id, person_id, assessor_id, assessed_on, health_notes) VALUES ($1, $2, $3, $4, '2024-02-02', 'private')`,
			FID(a[0]), FID(a[1]), FID(a[2]), FID(a[3]))
		exec(`INSERT INTO assessment_scores (assessment_id, area, score) VALUES ($1, 'DIGITAL_SKILLS', 3)`, FID(a[0]))
	}
	for _, e := range [][4]string{{"e1", "c1", "pr1", "cm1"}, {"e2", "c1", "", "sw_a1"}, {"e3", "c3", "", "sw_b"}} {
		var pr any
		if e[2] != "" {
			pr = FID(e[2])
		}
		exec(`INSERT INTO activity_entries (id, case_id, project_id, author_id, occurred_on, kind, note) VALUES ($1, $2, $3, $4, '2024-03-01', 'NOTE', 'met')`,
			FID(e[0]), FID(e[1]), pr, FID(e[3]))
	}
	for _, p := range [][2]string{{"pa1", "p1"}, {"pa2", "p8"}, {"pa3", "p5"}} {
		exec(`INSERT INTO participations (id, operation_id, round_id, person_id, entry_date) VALUES ($1, $2, $3, $4, '2024-03-01')`,
			FID(p[0]), FID("op1"), FID("r1"), FID(p[1]))
	}
	return pool, store.New(pool)
}

// Scopes are the scopes the tests read the fixture through, by name.
func Scopes() map[string]store.Scope {
	return map[string]store.Scope{
		"none":               {},
		"aggregates":         {Kind: store.ScopeAggregates},
		"all":                {Kind: store.ScopeAll},
		"assigned sw_a1":     {Kind: store.ScopeAssigned, StaffID: FID("sw_a1")},
		"assigned sw_a2":     {Kind: store.ScopeAssigned, StaffID: FID("sw_a2")},
		"assigned nobody":    {Kind: store.ScopeAssigned},
		"organisation MUN-A": {Kind: store.ScopeOrganisation, OrganisationID: FID("MUN-A")},
		"organisation MUN-B": {Kind: store.ScopeOrganisation, OrganisationID: FID("MUN-B")},
		"organisation CPI":   {Kind: store.ScopeOrganisation, OrganisationID: FID("CPI")},
		"provider COOP-1":    {Kind: store.ScopeProvider, OrganisationID: FID("COOP-1")},
		"provider COOP-2":    {Kind: store.ScopeProvider, OrganisationID: FID("COOP-2")},
		"territory T1":       {Kind: store.ScopeTerritory, Territory: "T1"},
		"territory T2":       {Kind: store.ScopeTerritory, Territory: "T2"},
		"territory nowhere":  {Kind: store.ScopeTerritory},
		"participants":       {Kind: store.ScopeParticipants},
	}
}

// Begin opens a transaction rolled back when the test ends (before its pool closes),
// whatever happens in between.
func Begin(t *testing.T, st *store.Store, opts store.TxOptions) *store.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	return tx
}
