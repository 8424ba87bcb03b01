package pgserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgserver-test-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "data")
}

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var s string
	require.NoError(t, conn.QueryRow(ctx, sql).Scan(&s))
	return s
}

// A cluster is created on first start and reused, data intact, on the next.
func TestStartStopReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL twice")
	}
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)

	s, err := Start(ctx, Options{DataDir: dir})
	require.NoError(t, err)
	require.Contains(t, query(t, s.URL("postgres"), "SELECT version()"), "PostgreSQL")
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	require.NoError(t, err)
	conn.Close(ctx)
	require.NoError(t, s.Stop())

	_, err = pgx.Connect(ctx, s.URL("postgres"))
	require.Error(t, err, "the server must be down after Stop")

	s2, err := Start(ctx, Options{DataDir: dir})
	require.NoError(t, err)
	defer s2.Stop()
	require.Equal(t, "still here", query(t, s2.URL("postgres"), "SELECT v FROM kept"))
}

// A data directory left unusable by an earlier crash is recreated instead of failing.
func TestBrokenClusterIsRecreated(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	t.Parallel()
	dir := tempDir(t)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("15\n"), 0o600))
	if cred, _ := runAs(); cred != nil {
		require.NoError(t, os.Chown(dir, int(cred.Uid), int(cred.Gid)))
		require.NoError(t, os.Chown(filepath.Join(dir, "PG_VERSION"), int(cred.Uid), int(cred.Gid)))
	}
	s, err := Start(context.Background(), Options{DataDir: dir})
	require.NoError(t, err)
	defer s.Stop()
	require.Equal(t, "1", query(t, s.URL("postgres"), "SELECT 1::text"))
}

func TestBinDirFromEnv(t *testing.T) {
	t.Setenv("PG_BIN", "/nonexistent")
	_, err := BinDir()
	require.ErrorContains(t, err, "PG_BIN=/nonexistent")
}
