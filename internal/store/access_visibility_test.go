package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/storetest"
)

// A case's territory_key column, which the store's territory filter and the cases policy
// read instead of the keys array, is the one territory key case_visibility holds for it.
func TestCaseTerritoryKeyIsItsOnlyTerritoryGrantee(t *testing.T) {
	t.Parallel()
	pool, _ := storetest.ScopeFixture(t)
	var cases, keyed, wrong int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*), count(c.territory_key),
		count(*) FILTER (WHERE c.territory_key IS DISTINCT FROM (SELECT min(v.grantee) FROM case_visibility v
			WHERE v.case_id = c.id AND v.grantee LIKE 'territory:%')
			OR (SELECT count(*) FROM case_visibility v WHERE v.case_id = c.id AND v.grantee LIKE 'territory:%') > 1)
		FROM cases c`).Scan(&cases, &keyed, &wrong))
	require.Positive(t, keyed, "the fixture has cases led in a territory")
	require.Zero(t, wrong, "cases whose territory_key is not their only territory grantee (of %d)", cases)
}

// Visibility is data, kept by the triggers of migrations/00100_access_rls.sql: after each
// write that changes who sees what, the visibility tables equal a recomputation from
// scratch, and the scopes concerned see, through the policies alone, what the write
// granted or took away.
func TestVisibilityFollowsEveryWrite(t *testing.T) {
	t.Parallel()
	pool, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	const snapshotSQL = `SELECT 'case ' || grantee || ' ' || case_id FROM case_visibility
		UNION ALL SELECT 'person ' || grantee || ' ' || person_id || ' ' || case_id FROM person_visibility
		UNION ALL SELECT 'household ' || grantee || ' ' || household_id || ' ' || case_id FROM household_visibility
		UNION ALL SELECT 'keys of case ' || id || ' ' || visible_to::text FROM cases
		UNION ALL SELECT 'territory of case ' || id || ' ' || coalesce(territory_key, '-') FROM cases
		UNION ALL SELECT 'keys of person ' || id || ' ' || visible_to::text FROM persons
		UNION ALL SELECT 'keys of household ' || id || ' ' || visible_to::text FROM households
		ORDER BY 1`
	snapshot := func() []string {
		t.Helper()
		var out []string
		rows, err := pool.Query(ctx, snapshotSQL)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, rows.Err())
		return out
	}
	// The same tables computed again from every case and registration, in a transaction
	// rolled back afterwards.
	recomputed := func() []string {
		t.Helper()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		for _, q := range []string{
			`TRUNCATE case_visibility, person_visibility, household_visibility`,
			`UPDATE cases SET visible_to = '{}'`,
			`UPDATE persons SET visible_to = '{}'`,
			`UPDATE households SET visible_to = '{}'`,
			`SELECT ponte_visibility_refresh(ARRAY(SELECT id FROM cases))`,
			`SELECT ponte_registration_refresh('person', ARRAY(SELECT id FROM persons))`,
			`SELECT ponte_registration_refresh('household', ARRAY(SELECT id FROM households))`,
		} {
			_, err := tx.Exec(ctx, q)
			require.NoError(t, err, q)
		}
		var out []string
		rows, err := tx.Query(ctx, snapshotSQL)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, rows.Err())
		return out
	}
	// sees lists, by fixture name, what a scope's policies let through from table.
	sees := func(sc store.Scope, table string) []string {
		t.Helper()
		return storetest.NameAll(rowsOf(t, st, store.TxOptions{Restricted: true, Scope: sc}, table, false))
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	munA := store.Scope{Kind: store.ScopeOrganisation, OrganisationID: storetest.FID("MUN-A")}
	munB := store.Scope{Kind: store.ScopeOrganisation, OrganisationID: storetest.FID("MUN-B")}
	coop1 := store.Scope{Kind: store.ScopeProvider, OrganisationID: storetest.FID("COOP-1")}
	coop2Org := store.Scope{Kind: store.ScopeOrganisation, OrganisationID: storetest.FID("COOP-2")}
	swA2 := store.Scope{Kind: store.ScopeAssigned, StaffID: storetest.FID("sw_a2")}
	swB := store.Scope{Kind: store.ScopeAssigned, StaffID: storetest.FID("sw_b")}
	t1 := store.Scope{Kind: store.ScopeTerritory, Territory: "T1"}
	t2 := store.Scope{Kind: store.ScopeTerritory, Territory: "T2"}
	t3 := store.Scope{Kind: store.ScopeTerritory, Territory: "T3"}
	c5, p9, p8, pr5, m6 := storetest.FID("c5"), storetest.FID("p9"), storetest.FID("p8"), storetest.FID("pr5"), storetest.FID("m6")
	storetest.Names[c5], storetest.Names[pr5], storetest.Names[m6] = "c5", "pr5", "m6"

	steps := []struct {
		name  string
		write func()
		check func()
	}{
		{"open a case", func() {
			exec(`INSERT INTO cases (id, reference, person_id, organisation_id, lead_worker_id, opened_on)
				VALUES ($1, 'c5', $2, $3, $4, '2025-01-01')`, c5, p9, storetest.FID("MUN-B"), storetest.FID("sw_b"))
		}, func() {
			require.Contains(t, sees(swB, "cases"), "c5")
			require.Contains(t, sees(munB, "persons"), "p9")
			require.Contains(t, sees(t2, "persons"), "p9")
			require.NotContains(t, sees(munA, "persons"), "p9")
		}},
		{"share with another organisation", func() {
			exec(`INSERT INTO case_organisations (case_id, organisation_id, role) VALUES ($1, $2, 'PARTNER')`, c5, storetest.FID("MUN-A"))
		}, func() {
			require.Contains(t, sees(munA, "cases"), "c5")
			require.Contains(t, sees(munA, "persons"), "p9")
		}},
		{"assign a worker", func() {
			exec(`INSERT INTO case_assignments (case_id, staff_id) VALUES ($1, $2)`, storetest.FID("c4"), storetest.FID("sw_a2"))
		}, func() {
			require.Contains(t, sees(swA2, "cases"), "c4")
			require.Contains(t, sees(swA2, "persons"), "p7")
		}},
		{"add a provider", func() {
			exec(`INSERT INTO case_organisations (case_id, organisation_id, role) VALUES ($1, $2, 'PROVIDER')`, c5, storetest.FID("COOP-1"))
			exec(`INSERT INTO projects (id, case_id, participant_id, provider_organisation_id, title) VALUES ($1, $2, $3, $4, 'pr5')`,
				pr5, c5, p9, storetest.FID("COOP-1"))
		}, func() {
			require.Contains(t, sees(coop1, "cases"), "c5")
			require.Contains(t, sees(coop1, "projects"), "pr5")
			require.Contains(t, sees(coop1, "persons"), "p9")
		}},
		{"end the provider's delivery", func() {
			exec(`DELETE FROM projects WHERE id = $1`, pr5)
		}, func() {
			require.Contains(t, sees(coop1, "cases"), "c5", "still taking part in the case")
			require.NotContains(t, sees(coop1, "persons"), "p9", "nothing delivered to p9 any more")
		}},
		{"end the provider's part", func() {
			exec(`DELETE FROM case_organisations WHERE case_id = $1 AND organisation_id = $2`, c5, storetest.FID("COOP-1"))
		}, func() {
			require.NotContains(t, sees(coop1, "cases"), "c5")
		}},
		{"a member joins a household", func() {
			exec(`INSERT INTO household_members (id, household_id, person_id, relationship, valid_from) VALUES ($1, $2, $3, 'OTHER', '2025-01-01')`,
				m6, storetest.FID("hB"), p8)
		}, func() {
			require.Contains(t, sees(munB, "persons"), "p8")
			require.Contains(t, sees(munB, "household_members"), "m6")
		}},
		{"the membership ends", func() {
			exec(`UPDATE household_members SET valid_to = '2025-06-30' WHERE id = $1`, m6)
		}, func() {
			require.NotContains(t, sees(munB, "persons"), "p8")
			require.NotContains(t, sees(munB, "household_members"), "m6")
		}},
		{"transfer the lead", func() {
			exec(`UPDATE cases SET organisation_id = $2, lead_worker_id = $3 WHERE id = $1`, storetest.FID("c4"), storetest.FID("MUN-A"), storetest.FID("sw_a2"))
		}, func() {
			require.Contains(t, sees(munA, "cases"), "c4")
			require.Contains(t, sees(t1, "persons"), "p7")
			require.NotContains(t, sees(munB, "cases"), "c4")
			require.NotContains(t, sees(swB, "cases"), "c4")
			require.NotContains(t, sees(t2, "persons"), "p7")
		}},
		{"an organisation moves territory", func() {
			exec(`UPDATE organisations SET territory = 'T3' WHERE id = $1`, storetest.FID("MUN-B"))
		}, func() {
			require.Empty(t, sees(t2, "cases"))
			require.Contains(t, sees(t3, "cases"), "c3")
		}},
		{"an organisation registers a person", func() {
			exec(`INSERT INTO persons (id, tax_code, given_name, family_name, registered_by) VALUES ($1, 'RSSMRA80A01G710X', 'new', 'Rossi', $2)`,
				storetest.FID("p10"), storetest.FID("COOP-2"))
		}, func() {
			require.Contains(t, sees(coop2Org, "persons"), storetest.FID("p10"))
		}},
	}
	require.Equal(t, recomputed(), snapshot(), "after the fixture")
	for _, s := range steps {
		s.write()
		require.Equal(t, recomputed(), snapshot(), "after: %s", s.name)
		s.check()
	}
}
