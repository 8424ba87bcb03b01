// Package pgtest gives each test its own freshly migrated PostgreSQL database, cloned from a
// template in a few milliseconds, on the server named by DATABASE_URL or on a throw-away one.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ponte-hub/ponte/internal/pgserver"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/migrations"
)

var (
	mu       sync.Mutex
	adminURL string
	server   *pgserver.Server
	tmplName string
	hubReady bool
)

// HubRole is the login role test servers serve requests as, like ponte serve's: a member
// of ponte_app only, bound by row-level security (store.CheckHubRole).
const HubRole = "ponte_test_hub"

// Main wraps testing.M: it runs the package's tests and stops the throw-away server, if one
// was started. Use it as `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if server != nil {
		_ = server.Stop()
		server = nil
	}
	return code
}

// AdminURL is a superuser connection string for the test server, starting one if needed.
func AdminURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if adminURL != "" {
		return adminURL
	}
	if u := os.Getenv("DATABASE_URL"); u != "" {
		adminURL = u
		return adminURL
	}
	s, err := pgserver.StartTemp(context.Background(), "ponte-pgtest-")
	if err != nil {
		t.Fatalf("pgtest: start PostgreSQL: %v", err)
	}
	server = s
	adminURL = s.URL("postgres")
	return adminURL
}

// URL creates a new database cloned from the migrated template and returns its URL. The
// database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin := AdminURL(t)
	tmpl := template(t, admin)
	name := "t_" + randomHex(8)
	conn := connect(t, admin)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database from template: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return withDatabase(t, admin, name)
}

// HubURL is dbURL (a database from URL) logged in as HubRole, which it creates on the
// server once. Its password is derived from the server's address, so the test binaries
// of several packages sharing one server agree on it.
func HubURL(t testing.TB, dbURL string) string {
	t.Helper()
	admin := AdminURL(t)
	template(t, admin) // the role joins ponte_app, which the migrations create
	sum := sha256.Sum256([]byte("ponte-test-hub/" + admin))
	password := hex.EncodeToString(sum[:16])
	mu.Lock()
	if !hubReady {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := store.EnsureHubRole(ctx, admin, HubRole, password)
		cancel()
		if err != nil {
			mu.Unlock()
			t.Fatalf("pgtest: hub role: %v", err)
		}
		hubReady = true
	}
	mu.Unlock()
	u, err := store.LoginURL(dbURL, HubRole, password)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// Pool returns a pool on a new database (see URL), closed when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), URL(t))
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// template returns the name of a database holding every migration, creating it once per
// migration set. Test binaries of several packages race for it, so creation is serialised
// by an advisory lock on the server.
func template(t testing.TB, admin string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if tmplName != "" {
		return tmplName
	}
	ctx := context.Background()
	name := "ponte_tmpl_" + migrationsHash(t)[:16]
	conn := connect(t, admin)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7262001)"); err != nil {
		t.Fatalf("pgtest: lock: %v", err)
	}
	defer func() { _, _ = conn.Exec(ctx, "SELECT pg_advisory_unlock(7262001)") }()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		t.Fatalf("pgtest: look up template: %v", err)
	}
	if !exists {
		building := name + "_build"
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)")
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
			t.Fatalf("pgtest: create template: %v", err)
		}
		mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := store.MigrateAll(mctx, withDatabase(t, admin, building)); err != nil {
			t.Fatalf("pgtest: migrate template: %v", err)
		}
		// Renaming only once migrated means a half-built template is never used.
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{building}.Sanitize()+" RENAME TO "+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Fatalf("pgtest: rename template: %v", err)
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
			t.Fatalf("pgtest: mark template: %v", err)
		}
	}
	tmplName = name
	return name
}

func migrationsHash(t testing.TB) string {
	h := sha256.New()
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		t.Fatalf("pgtest: read migrations: %v", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	h.Write([]byte(store.ExtraMigrationsVersion))
	return hex.EncodeToString(h.Sum(nil))
}

func connect(t testing.TB, u string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	return c
}

func withDatabase(t testing.TB, base, db string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: parse %q: %v", base, err)
	}
	u.Path = "/" + db
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("pgtest: random: %v", err))
	}
	return hex.EncodeToString(b)
}
