package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The statements captured from the hub's page replay under pgbench, with the claims
// the hub's transaction set, as the hub's login role.
func TestCapturedPageReplaysUnderPgbench(t *testing.T) {
	ctx := context.Background()
	owner := pgtest.URL(t)
	st, err := store.Open(ctx, owner, store.Config{MaxConns: 2})
	require.NoError(t, err)
	_, err = demo.Load(ctx, st, demo.Options{Scale: 60}, io.Discard)
	st.Close()
	require.NoError(t, err)
	hub := pgtest.HubURL(t, owner)
	issuer, err := auth.LoadOrCreateDevIssuer(filepath.Join(t.TempDir(), "issuer.pem"))
	require.NoError(t, err)
	tokens, err := mintTokens(issuer, time.Hour)
	require.NoError(t, err)

	captured, err := capture(ctx, hub, issuer, tokens)
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, hub)
	require.NoError(t, err)
	defer conn.Close(ctx)
	pgbenchBin, pgbenchErr := findPgbench("")
	wantScope := map[string]string{"social_worker": "territory", "dpo": "all"}
	for _, p := range principals {
		stmts := captured[p.Name]
		require.NotEmpty(t, stmts, p.Name)
		require.Equal(t, "BEGIN READ WRITE", stmts[0].SQL, "the claims travel with BEGIN")
		require.Equal(t, stmts[0].Batch, stmts[1].Batch)
		last := stmts[len(stmts)-1]
		require.Equal(t, "COMMIT", last.SQL)
		require.Contains(t, stmts[len(stmts)-2].SQL, "access_log_append", "the access-log entry travels with COMMIT")
		require.Equal(t, last.Batch, stmts[len(stmts)-2].Batch)

		claims, err := claimsOf(stmts)
		require.NoError(t, err)
		require.Equal(t, store.DatabaseRole, claims["role"])
		require.Equal(t, wantScope[p.Name], claims["ponte.scope"])
		require.Equal(t, p.Subject, claims["ponte.subject"])

		targs, err := encodeArgs(ctx, conn, stmts)
		require.NoError(t, err)
		r, err := buildReplay(stmts, targs)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(strings.SplitN(r.Script, "\n", 3)[1], `\startpipeline`))

		if pgbenchErr != nil {
			t.Logf("%v: the replay is not run", pgbenchErr)
			continue
		}
		got, err := pgbench(ctx, pgbenchBin, hub, r, t.TempDir(), 2, time.Second)
		require.NoError(t, err, p.Name)
		require.Positive(t, got.Requests)
		require.Len(t, got.Latencies, got.Requests)
	}
}
