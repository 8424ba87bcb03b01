package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/cli/rightscmd"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// The command line records a request, assigns, lists overdue and closes it as the API
// does, and refuses a wrong input naming its field without writing anything.
func TestRightsCommands(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	require.NoError(t, store.MigrateAll(ctx, u))
	t.Setenv("DATABASE_URL", u)
	t.Setenv("USER", "dpo")
	_, err := pgExec(t, u, `INSERT INTO persons (id, tax_code, given_name, family_name, birth_date, gender)
		VALUES ('11111111-1111-4111-8111-111111111111', 'RSSMRA68A01H501Y', 'Mario', 'Rossi', '1968-01-01', 'MALE')`)
	require.NoError(t, err)
	out := esfCommandOutput(t)
	count := func() (n int) {
		t.Helper()
		st, err := store.Open(ctx, u, store.Config{MaxConns: 1})
		require.NoError(t, err)
		defer st.Close()
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM rights_request_events`).Scan(&n))
		return n
	}

	err = rightscmd.RunRights(ctx, []string{"create", "--person", "11111111-1111-4111-8111-111111111111", "--kind", "erasure", "--received", "2099-01-01"})
	require.ErrorContains(t, err, "input.receivedOn: is in the future")
	require.Zero(t, count())

	require.NoError(t, rightscmd.RunRights(ctx, []string{"create", "--person", "11111111-1111-4111-8111-111111111111", "--kind", "erasure",
		"--received", "2025-01-31", "--details", "by e-mail"}))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	f := strings.Fields(lines[1])
	id := f[0]
	require.Equal(t, []string{"11111111-1111-4111-8111-111111111111", "ERASURE", "2025-01-31", "2025-02-28", "RECEIVED", "-", "-"}, f[1:])

	out.Reset()
	require.NoError(t, rightscmd.RunRights(ctx, []string{"assign", id, "--to", "privacy-office"}))
	require.Contains(t, out.String(), "ASSIGNED  privacy-office")

	out.Reset()
	require.NoError(t, rightscmd.RunRights(ctx, []string{"overdue", "--on", "2025-02-28"}))
	require.NotContains(t, out.String(), id, "not overdue on its deadline")
	out.Reset()
	require.NoError(t, rightscmd.RunRights(ctx, []string{"overdue", "--on", "2025-03-01"}))
	require.Contains(t, out.String(), id)

	require.ErrorContains(t, rightscmd.RunRights(ctx, []string{"close", id, "--outcome", "maybe", "--answer", "x"}), "input.outcome: unknown outcome")
	require.Equal(t, 2, count())
	out.Reset()
	require.NoError(t, rightscmd.RunRights(ctx, []string{"close", id, "--outcome", "granted", "--answer", "erased", "--answered", "2025-02-20"}))
	require.Contains(t, out.String(), "CLOSED")
	out.Reset()
	require.NoError(t, rightscmd.RunRights(ctx, []string{"list", "--open"}))
	require.NotContains(t, out.String(), id)

	// The retention plan on the day the case rule would expire a person closed in 2014.
	_, err = pgExec(t, u, `INSERT INTO organisations (id, code, name, kind) VALUES ('00000000-0000-4000-8000-000000000001', 'MUN', 'Comune', 'MUNICIPALITY');
		INSERT INTO staff (id, subject, display_name, organisation_id) VALUES ('00000000-0000-4000-8000-000000000002', 'sw', 'W', '00000000-0000-4000-8000-000000000001');
		INSERT INTO cases (reference, person_id, organisation_id, lead_worker_id, status, opened_on, closed_on) VALUES ('R-1',
			'11111111-1111-4111-8111-111111111111', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'CLOSED', '2013-01-01', '2014-03-10')`)
	require.NoError(t, err)
	out.Reset()
	require.NoError(t, rightscmd.RunRetention(ctx, []string{"plan", "--at", "2024-03-10"}))
	require.Contains(t, out.String(), "\n0 persons")
	out.Reset()
	require.NoError(t, rightscmd.RunRetention(ctx, []string{"plan", "--at", "2024-03-11"}))
	require.Regexp(t, `11111111-1111-4111-8111-111111111111\s+case\s+2024-03-11\s+RESTRICT\s+2024-03-11`, out.String())
	require.Contains(t, out.String(), "dry run")

	var actors string
	st, err := store.Open(ctx, u, store.Config{MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT string_agg(actor || ':' || action, ',' ORDER BY id) FROM rights_request_events`).Scan(&actors))
	require.Equal(t, "cli:dpo:CREATED,cli:dpo:ASSIGNED,cli:dpo:CLOSED", actors)
}
