package retention_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/retention"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// fixture loads, as the tables' owner: six persons (B1-B6) whose only case closed on
// 2014-03-10 (kept ten years: expire 2024-03-11); A, whose case closed then too but who
// took part in an ESF+ operation last paid on 2019-06-15 (kept until 2024-12-31: expires
// 2025-01-01); C, with an open case; D, in an operation not yet paid. B1 and C have a
// registry copy fetched in 2020.
func fixture(t *testing.T) (owner *pgxpool.Pool, hub *store.Store, ids map[string]string) {
	t.Helper()
	ctx := context.Background()
	u := pgtest.URL(t)
	owner, err := pgxpool.New(ctx, u)
	require.NoError(t, err)
	t.Cleanup(owner.Close)
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := owner.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	exec(`INSERT INTO organisations (id, code, name, kind) VALUES ('00000000-0000-4000-8000-000000000001', 'MUN', 'Comune', 'MUNICIPALITY')`)
	exec(`INSERT INTO staff (id, subject, display_name, organisation_id) VALUES ('00000000-0000-4000-8000-000000000002', 'sw', 'Worker',
		'00000000-0000-4000-8000-000000000001')`)
	exec(`INSERT INTO operations (id, code, name, programme, priority, specific_objective, category_of_region, funding_source, starts_on, last_payment_on)
		VALUES ('00000000-0000-4000-8000-0000000000a1', 'OP-PAID', 'Paid', 'PN', 'P1', 'ESO4.8', 'LESS_DEVELOPED', 'ESF+', '2015-01-01', '2019-06-15'),
		       ('00000000-0000-4000-8000-0000000000a2', 'OP-OPEN', 'Open', 'PN', 'P1', 'ESO4.8', 'LESS_DEVELOPED', 'ESF+', '2015-01-01', NULL)`)
	ids = map[string]string{}
	persons := []string{"A", "B1", "B2", "B3", "B4", "B5", "B6", "C", "D"}
	for i, name := range persons {
		id := fmt.Sprintf("00000000-0000-4000-9000-%012d", i+1)
		ids[name] = id
		code := fmt.Sprintf("RSSMRA80A01G7%02dX", i)
		exec(`INSERT INTO persons (id, tax_code, given_name, family_name) VALUES ($1, $2, $3, 'Test')`, id, code, name)
		switch {
		case name == "C":
			exec(`INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, status, opened_on)
				VALUES ($1, $2, '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'OPEN', '2013-01-01')`, "R-"+name, id)
		case name != "D":
			exec(`INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, status, opened_on, closed_on, summary)
				VALUES ($1, $2, '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'CLOSED', '2013-01-01', '2014-03-10', 'notes')`,
				"R-"+name, id)
		}
		switch name {
		case "A":
			exec(`INSERT INTO participations (operation_id, person_id, entry_date) VALUES ('00000000-0000-4000-8000-0000000000a1', $1, '2016-01-01')`, id)
		case "D":
			exec(`INSERT INTO participations (operation_id, person_id, entry_date) VALUES ('00000000-0000-4000-8000-0000000000a2', $1, '2016-01-01')`, id)
		case "B1", "C":
			exec(`INSERT INTO registry_isee (source, source_ref, tax_code, dsu_protocol, isee_value_cents, isee_type, valid_until, household_size,
				raw_payload, payload_sha256, content_type, origin, fetched_at)
				VALUES ('benefits', $1, $1, $1, 100, 'ordinario', '2021-01-01', 1, '\x7b7d'::bytea, repeat('a', 64), 'application/json', 'sync', '2020-05-05')`, code)
		}
	}
	// The job runs as the hub does: its login role, under the job's claims.
	hub, err = store.Open(ctx, pgtest.HubURL(t, u), store.Config{MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	return owner, hub, ids
}

func ledger(t *testing.T, owner *pgxpool.Pool, action string) map[string]string {
	t.Helper()
	rows, err := owner.Query(context.Background(), `SELECT person_id::text, rule || ' ' || due_on FROM retention_ledger WHERE action = $1`, action)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, v string
		require.NoError(t, rows.Scan(&p, &v))
		out[p] = v
	}
	return out
}

// The job on a clock moved forward: nothing expires a day early; everything due is
// restricted on the day, then pseudonymised after the grace days; a run killed between
// batches leaves what it committed and the next run finishes, doing nothing twice.
func TestRetentionJobOnAMovingClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, hub, ids := fixture(t)
	clock := date("2024-03-10")
	run := func(opts ...retention.Option) (retention.Report, error) {
		return retention.New(hub, append([]retention.Option{retention.WithClock(func() time.Time { return clock.Add(13 * time.Hour) })}, opts...)...).Run(ctx)
	}

	// A consent of C's that expires at the end of 2024-03-10.
	_, err := owner.Exec(ctx, `INSERT INTO consent_records (person_id, controller_organisation_id, purposes, legal_basis, state, given_at,
		expires_at, method, evidence_ref, recorded_by) VALUES ($1, '00000000-0000-4000-8000-000000000001', ARRAY['school_attendance'],
		'GDPR Art. 6(1)(a)', 'GIVEN', '2023-01-01', '2024-03-11T00:00:00Z', 'WRITTEN', 'prot. 1', 'sw')`, ids["C"])
	require.NoError(t, err)

	// The last day kept: nothing.
	plan, err := retention.New(hub).Plan(ctx, clock)
	require.NoError(t, err)
	require.Empty(t, plan.Persons)
	// B1's registry copy outlived its purpose (the case closed in 2014) long ago; C's
	// case is open, so C's stays.
	require.Equal(t, int64(1), plan.RegistryCopies["registry_isee"])
	rep, err := run()
	require.NoError(t, err)
	require.Zero(t, rep.Restricted+rep.Pseudonymised)
	require.Zero(t, rep.ExpiredConsents, "the consent holds through its last day")
	require.Equal(t, int64(1), rep.RegistryCopies["registry_isee"])
	require.Empty(t, ledger(t, owner, "RESTRICTED"))
	var isee int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM registry_isee`).Scan(&isee))
	require.Equal(t, 1, isee, "B1's registry copy erased, C's kept")
	var erasedCopies string
	require.NoError(t, owner.QueryRow(ctx, `SELECT detail FROM retention_ledger WHERE rule = 'registry_copy' AND action = 'ERASED'`).Scan(&erasedCopies))
	require.Contains(t, erasedCopies, "registry_isee:1")

	// The first day expired: the dry run lists B1-B6 and writes nothing.
	clock = date("2024-03-11")
	plan, err = retention.New(hub).Plan(ctx, clock)
	require.NoError(t, err)
	require.Len(t, plan.Persons, 6)
	for _, d := range plan.Persons {
		require.Equal(t, "case", d.Rule)
		require.Equal(t, "2024-03-11", d.DueOn.Format(time.DateOnly))
		require.Equal(t, rightsdata.StepRestrict, d.Step)
	}
	require.Zero(t, plan.RegistryCopies["registry_isee"])
	require.Empty(t, ledger(t, owner, "RESTRICTED"), "a plan writes nothing")

	// Killed after its first batch of two: those two stay done.
	kctx, kill := context.WithCancel(ctx)
	_, err = retention.New(hub, retention.WithClock(func() time.Time { return clock }), retention.WithBatch(2),
		retention.OnBatch(func(int) { kill() })).Run(kctx)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.Len(t, ledger(t, owner, "RESTRICTED"), 2)
	// Run again: the rest, once.
	rep, err = run(retention.WithBatch(2))
	require.NoError(t, err)
	require.Equal(t, 4, rep.Restricted)
	require.Equal(t, int64(1), rep.ExpiredConsents)
	var state string
	require.NoError(t, owner.QueryRow(ctx, `SELECT state || ' ' || (SELECT string_agg(to_state, ',') FROM consent_record_events)
		FROM consent_records`).Scan(&state))
	require.Equal(t, "EXPIRED EXPIRED", state)
	rep, err = run()
	require.NoError(t, err)
	require.Zero(t, rep.Restricted+rep.Pseudonymised, "nothing twice")
	restricted := ledger(t, owner, "RESTRICTED")
	require.Len(t, restricted, 6)
	for _, b := range []string{"B1", "B2", "B3", "B4", "B5", "B6"} {
		require.Equal(t, "case 2024-03-11", restricted[ids[b]])
	}
	var active int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM processing_restrictions WHERE lifted_at IS NULL AND created_by = 'retention-job'`).Scan(&active))
	require.Equal(t, 6, active)

	// Pseudonymised after the 30 grace days, not a day before.
	clock = date("2024-04-09")
	rep, err = run()
	require.NoError(t, err)
	require.Zero(t, rep.Pseudonymised)
	clock = date("2024-04-10")
	rep, err = run()
	require.NoError(t, err)
	require.Equal(t, 6, rep.Pseudonymised)
	var erased int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM persons WHERE tax_code LIKE 'ERASED%' AND given_name = ''`).Scan(&erased))
	require.Equal(t, 6, erased)
	var summaries int
	require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM cases WHERE summary IS NOT NULL`).Scan(&summaries))
	require.Equal(t, 1, summaries, "only A's case keeps its notes")

	// A: kept by Art. 82 until 31 December 2024.
	clock = date("2024-12-31")
	rep, err = run()
	require.NoError(t, err)
	require.Zero(t, rep.Restricted)
	clock = date("2025-01-01")
	rep, err = run()
	require.NoError(t, err)
	require.Equal(t, 1, rep.Restricted)
	require.Equal(t, "esf_participation 2025-01-01", ledger(t, owner, "RESTRICTED")[ids["A"]])

	// C (open case) and D (operation not yet paid) never expire.
	plan, err = retention.New(hub).Plan(ctx, date("2099-01-01"))
	require.NoError(t, err)
	for _, d := range plan.Persons {
		require.NotContains(t, []string{ids["C"], ids["D"]}, d.PersonID)
	}
}
