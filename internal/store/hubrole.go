package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The hub logs in as a role of its own (the login role of DATABASE_URL for ponte serve):
// one that owns nothing, has no BYPASSRLS, is not a superuser, and is a member of
// DatabaseRole and of nothing else, inheriting its privileges. Row-level security binds
// it as it binds DatabaseRole, and no SQL running on its connections can become a role
// that is not bound: RESET ROLE only returns to the login role, and SET ROLE is checked
// against it. A login role that does not inherit (NOINHERIT) would not do: the
// policies and the functions guarding aggregates recognise the hub by the privileges it
// holds of DatabaseRole, so it would pass for an operator. Migrations and operators'
// commands use the owner of the tables instead (PONTE_MIGRATE_DATABASE_URL, or
// DATABASE_URL of the commands that are tools).

// Settings of the hub's own background work (migrations/00350_access_no_bypass.sql).
const (
	// ClaimQueue is set to worker on the job queue's connections (Store.QueuePool): the
	// queue's jobs are visible there only.
	ClaimQueue  = "ponte.queue"
	queueWorker = "worker"
	// ClaimRegistry is write in registry synchronisation's transactions
	// (RegistrySyncClaims), which the registry tables' policies admit.
	ClaimRegistry = "ponte.registry"
)

// RegistrySyncClaims are the claims of the transactions that store registry data: every
// row (to match what they update), and the registry's write claim. They leave the
// database role alone: on the hub's login role the policies read the claims, and an
// operator's login role (ponte sync, ponte import) is not bound by them.
func RegistrySyncClaims() map[string]string {
	return map[string]string{ClaimScope: ScopeAll.String(), ClaimRegistry: "write"}
}

// ErrUnfitLoginRole is wrapped by CheckHubRole's refusals.
var ErrUnfitLoginRole = errors.New("the login role cannot serve requests")

// CheckHubRole verifies that the pool logs in as a role fit to serve requests (see the
// comment at the top of this file), and says everything that is wrong with it.
func (s *Store) CheckHubRole(ctx context.Context) error {
	var (
		name                                            string
		super, bypass, createRole, replication, inherit bool
		member, owns, create, ownsDB                    bool
		others                                          []string
	)
	err := s.pool.QueryRow(ctx, `SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolreplication, r.rolinherit,
		       pg_has_role(r.oid, $1::name, 'MEMBER'),
		       ARRAY(SELECT g.rolname::text FROM pg_roles g
		              WHERE g.oid <> r.oid AND g.rolname <> $1::name AND pg_has_role(r.oid, g.oid, 'MEMBER') ORDER BY 1),
		       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		                WHERE n.nspname = 'public' AND pg_has_role(r.oid, c.relowner, 'MEMBER')),
		       has_schema_privilege(r.oid, 'public', 'CREATE'),
		       EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = current_database() AND pg_has_role(r.oid, d.datdba, 'MEMBER'))
		  FROM pg_roles r WHERE r.rolname = session_user`, DatabaseRole).
		Scan(&name, &super, &bypass, &createRole, &replication, &inherit, &member, &others, &owns, &create, &ownsDB)
	if err != nil {
		return Wrap("check the login role", err)
	}
	var problems []string
	switch {
	case super:
		problems = append(problems, "it is a superuser, which row-level security does not bind")
	default:
		if bypass {
			problems = append(problems, "it has BYPASSRLS")
		}
		if createRole {
			problems = append(problems, "it has CREATEROLE, so it can grant itself other roles")
		}
		if replication {
			problems = append(problems, "it has REPLICATION, which streams every row")
		}
		if !member {
			problems = append(problems, "it is not a member of "+DatabaseRole)
		} else if !inherit {
			problems = append(problems, "it does not inherit the privileges of "+DatabaseRole+" (NOINHERIT)")
		}
		if len(others) > 0 {
			problems = append(problems, "it is also a member of "+strings.Join(others, ", "))
		}
		if owns {
			problems = append(problems, "it owns tables of the schema (or is a member of their owner)")
		}
		if ownsDB {
			problems = append(problems, "it owns the database")
		}
		if create {
			problems = append(problems, "it may create objects in schema public")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: %w: %s: %s; log in as a role that is only a member of %s, e.g. "+
			"CREATE ROLE ponte_hub LOGIN PASSWORD '…' IN ROLE %s, and migrate as the owner of the tables",
			ErrUnfitLoginRole, name, strings.Join(problems, "; "), DatabaseRole, DatabaseRole)
	}
	return nil
}

// EnsureHubRole creates the hub's login role on the database at ownerURL, or brings it
// back to what CheckHubRole accepts, with the given password: LOGIN, INHERIT, no
// superuser, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS, a member of DatabaseRole.
// The owner must be allowed to create roles (the demo's and the tests' servers, where it
// is the superuser). Roles are cluster-wide: concurrent callers on one server are
// serialised.
func EnsureHubRole(ctx context.Context, ownerURL, name, password string) error {
	if name == "" || password == "" {
		return errors.New("store: the hub's login role needs a name and a password")
	}
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("store: create the hub's login role: connect: %w", err)
	}
	defer conn.Close(ctx)
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7262002)`); err != nil {
			return fmt.Errorf("store: create the hub's login role: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name).Scan(&exists); err != nil {
			return fmt.Errorf("store: create the hub's login role: %w", err)
		}
		verb := "CREATE ROLE %I WITH"
		if exists {
			verb = "ALTER ROLE %I WITH"
		}
		// Utility statements take no parameters: the server quotes the name and password.
		var stmt string
		if err := tx.QueryRow(ctx, `SELECT format($1 || ' LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
			$2::text, $3::text)`, verb, name, password).Scan(&stmt); err != nil {
			return fmt.Errorf("store: create the hub's login role: %w", err)
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("store: create the hub's login role %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, "GRANT "+pgx.Identifier{DatabaseRole}.Sanitize()+" TO "+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("store: create the hub's login role %s: %w", name, err)
		}
		return nil
	})
}

// LoginURL is databaseURL with its user and password replaced: the same server and
// database, logged in as another role.
func LoginURL(databaseURL, user, password string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("store: %q is not a postgres:// URL", redactURL(databaseURL))
	}
	u.User = url.UserPassword(user, password)
	return u.String(), nil
}

// redactURL hides a URL's password in messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
