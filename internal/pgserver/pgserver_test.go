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

// A cluster this package created and a crash left unusable is recreated.
func TestBrokenClusterOfOurOwnIsRecreated(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	t.Parallel()
	dir := tempDir(t)
	s, err := Start(context.Background(), Options{DataDir: dir})
	require.NoError(t, err)
	require.NoError(t, s.Stop())
	require.FileExists(t, filepath.Join(dir, CreatedMarker))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("7\n"), 0o600))
	s, err = Start(context.Background(), Options{DataDir: dir})
	require.NoError(t, err)
	defer s.Stop()
	require.Equal(t, "1", query(t, s.URL("postgres"), "SELECT 1::text"))
}

// A data directory holding a cluster someone else made that does not start is an error
// naming it, and everything in it stays.
func TestBrokenClusterOfSomeoneElseIsLeftAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	t.Parallel()
	dir := tempDir(t)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("15\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "precious"), []byte("keep me"), 0o600))
	if cred, _ := runAs(); cred != nil {
		for _, p := range []string{dir, filepath.Join(dir, "PG_VERSION"), filepath.Join(dir, "precious")} {
			require.NoError(t, os.Chown(p, int(cred.Uid), int(cred.Gid)))
		}
	}
	_, err := Start(context.Background(), Options{DataDir: dir})
	require.ErrorContains(t, err, "ponte did not create")
	require.ErrorContains(t, err, dir)
	b, err := os.ReadFile(filepath.Join(dir, "precious"))
	require.NoError(t, err)
	require.Equal(t, "keep me", string(b))
}

// As root, the folders above the data directory that were there before keep their
// permissions: one the server user cannot search is an error naming it, not opened up.
func TestFoldersAboveTheDataDirectoryKeepTheirPermissions(t *testing.T) {
	cred, err := runAs()
	require.NoError(t, err)
	if cred == nil {
		t.Skip("only root hands the data directory to another user")
	}
	t.Parallel()
	private := t.TempDir()
	require.NoError(t, os.Chmod(private, 0o700))
	err = prepareDir(filepath.Join(private, "new", "data"), cred)
	require.ErrorContains(t, err, private+" is not searchable")
	fi, err := os.Stat(private)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "left as it was")

	open := filepath.Dir(tempDir(t)) // 0755, right under the system's temporary folder
	require.NoError(t, prepareDir(filepath.Join(open, "new", "data"), cred))
	for p, want := range map[string]os.FileMode{open: 0o755, filepath.Join(open, "new"): 0o711, filepath.Join(open, "new", "data"): 0o700} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, want, fi.Mode().Perm(), p)
	}
}

func TestBinDirFromEnv(t *testing.T) {
	t.Setenv("PG_BIN", "/nonexistent")
	_, err := BinDir()
	require.ErrorContains(t, err, "PG_BIN=/nonexistent")
}
