package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
)

// withPrincipalOrg returns the scope's claims with the registering organisation the hub
// sets for every request.
func withPrincipalOrg(sc store.Scope, org string) map[string]string {
	c := sc.Claims()
	c["ponte.principal_org"] = org
	return c
}

// A person and a household registered in one request stay visible to the registering
// organisation in the next ones, before any case links them, and to nobody else but the
// organisation-wide scopes of its territory.
func TestRegisteredPersonsStayVisibleToTheirOrganisation(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	munA := storetest.Scopes()["organisation MUN-A"]

	tx := storetest.Begin(t, st, store.TxOptions{Claims: withPrincipalOrg(munA, storetest.FID("MUN-A")), Scope: munA})
	person, err := casedata.CreatePerson(ctx, tx, casedata.Person{TaxCode: "VRDLGU80A01G702Z", GivenName: "Luigi", FamilyName: "Verdi"})
	require.NoError(t, err)
	household, err := casedata.CreateHousehold(ctx, tx, "Verdi", nil)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))

	// An operator's write carries no principal: nobody's registration.
	tx = storetest.Begin(t, st, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}})
	loaded, err := casedata.CreatePerson(ctx, tx, casedata.Person{TaxCode: "BNCGNN80A01G702Z", GivenName: "Gianni", FamilyName: "Bianchi"})
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))

	for name, tc := range map[string]struct {
		scope   string
		visible bool
	}{
		"the registering organisation":        {"organisation MUN-A", true},
		"its territory":                       {"territory T1", true},
		"another organisation":                {"organisation MUN-B", false},
		"another territory":                   {"territory T2", false},
		"a scope of assigned cases":           {"assigned sw_a1", false},
		"a cooperative":                       {"provider COOP-1", false},
		"an auditor":                          {"participants", false},
		"the data protection officer (scope)": {"all", true},
	} {
		t.Run(name, func(t *testing.T) {
			sc := storetest.Scopes()[tc.scope]
			for mode, opts := range map[string]store.TxOptions{
				"application filter": {Scope: sc},
				"database policies":  {Claims: sc.Claims(), Scope: store.Scope{Kind: store.ScopeAll}},
			} {
				tx := storetest.Begin(t, st, opts)
				ps, err := casedata.PersonsByIDs(ctx, tx, []string{person, loaded})
				require.NoError(t, err)
				hs, err := casedata.HouseholdsByIDs(ctx, tx, []string{household})
				require.NoError(t, err)
				require.NoError(t, tx.Rollback(ctx))
				if tc.visible {
					ids := []string{}
					for _, p := range ps {
						ids = append(ids, p.ID)
					}
					require.Contains(t, ids, person, mode)
					require.Equal(t, tc.scope == "all", len(ids) == 2, "the operator's person only for scope all: %s", mode)
					require.Len(t, hs, 1, mode)
				} else {
					require.Empty(t, ps, mode)
					require.Empty(t, hs, mode)
				}
			}
		})
	}

	// The registering organisation can then take them in charge in a later request:
	// membership and case, through the database's policies.
	tx = storetest.Begin(t, st, store.TxOptions{Claims: withPrincipalOrg(munA, storetest.FID("MUN-A")), Scope: munA})
	_, err = storetest.Strings(ctx, tx, `INSERT INTO household_members (household_id, person_id, relationship, valid_from)
		VALUES ($1, $2, 'HEAD', '2024-01-01') RETURNING id::text`, household, person)
	require.NoError(t, err)
	_, err = storetest.Strings(ctx, tx, `INSERT INTO cases (reference, household_id, person_id, organisation_id, lead_worker_id, opened_on)
		VALUES ('c-registered', $1, $2, $3, $4, '2024-06-01') RETURNING id::text`, household, person, storetest.FID("MUN-A"), storetest.FID("sw_a1"))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))

	// The application's predicates and the policies still agree, registered rows included.
	for name, sc := range storetest.Scopes() {
		for _, table := range []string{"persons", "households", "household_members", "participations", "assessments"} {
			app := rowsOf(t, st, store.TxOptions{Scope: sc}, table, true)
			rls := rowsOf(t, st, store.TxOptions{Claims: sc.Claims(), Scope: sc}, table, false)
			require.ElementsMatch(t, app, rls, "%s %s", name, table)
		}
	}
}
