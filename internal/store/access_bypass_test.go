package store_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/storetest"
)

// nonPersonal are the relations the hub's role may read without claims: none holds data
// about a person. Everything else it can read must show nothing without claims.
var nonPersonal = map[string]string{
	"organisations":               "public bodies and providers: codes, names, kinds, territories",
	"departments":                 "the organisations' departments",
	"operations":                  "ESF+ operations: codes, names, programmes",
	"service_type_categories":     "which service types reveal a special category: a code list",
	"esf_contract_types":          "the Ministry of Labour's contract-type codes and their stability class: a code list",
	"operation_rounds":            "rounds of the operations: numbers and dates",
	"operation_entities":          "which organisations an operation supports (EECO18/19)",
	"operation_indicator_targets": "planned indicator values per operation",
	"registry_sources":            "the registries' configuration and breaker states",
	"registry_sync_state":         "bulk synchronisation cursors and health, per collection (never per person)",
	"registry_sync_runs":          "counts of each synchronisation, refresh or import (a refresh's detail counts persons, never names one)",
	"registry_source_status":      "the view of the three tables above",
	"river_leader":                "the job queue's elected leader (a host name)",
	"river_migration":             "the job queue's schema versions",
	"river_queue":                 "the job queue's queue names",
	"river_notification":          "the job queue's legacy notification table, unused (queue names when it was)",
	"retention_rules":             "how long each kind of record is kept, and why: a code list",
	"programme_rules":             "after how many months a programme's idle case is due for review: a rule table",
	"programme_deadline_rules":    "the deadlines a benefit programme sets, in days: a rule table",
}

// outsideClaims are the functions the hub's role may call without claims and that are
// not asked below: they compute over their arguments or the transaction's own settings,
// or answer one question the hub must ask before a request has claims.
var outsideClaims = map[string]string{
	"ponte_claim(text)":                                      "reads the transaction's own claim",
	"ponte_claim_uuid(text)":                                 "reads the transaction's own claim",
	"ponte_scope()":                                          "reads the transaction's own claim",
	"ponte_scope_writable()":                                 "reads the transaction's own claim",
	"ponte_unrestricted()":                                   "compares the current role with the owner's",
	"ponte_written_here(xid8)":                               "compares its argument with the current transaction id",
	"ponte_require_aggregates()":                             "returns nothing; raises without the aggregates claim",
	"ponte_require_esf_report()":                             "returns nothing; raises without the ESF+ report claim",
	"ponte_sees_all()":                                       "reads the transaction's own claim and role",
	"ponte_staff_by_subject(text)":                           "authentication: the one staff row of the subject named, id and organisation only (no name)",
	"ponte_access_token_used(uuid,timestamp with time zone)": "records a token's last use, returns nothing",
	"ponte_actor()":                                          "reads the transaction's own claim",
	"access_log_append(timestamp with time zone,text,text,uuid,text,text,text,uuid[],text[],bytea)": "appends an entry; returns its sequence number and chain hash only",
	"registry_months_between(date,date)":                  "date arithmetic on its arguments",
	"esf_tax_code_birth(text,date)":                       "decodes the tax code it is given",
	"esf_result_windows()":                                "constants",
	"esf_count_rules()":                                   "constants",
	"esf_counts_lock_key(uuid)":                           "a hash of its argument",
	"esf_situation_rank(text)":                            "a constant per situation",
	"esf_situation_key(text,boolean,date,date,date,date)": "arithmetic on its arguments",
	"esf_situation_of_key(bigint)":                        "arithmetic on its argument",
	"river_job_state_in_bitmask(bit,river_job_state)":     "bit test on its arguments",
	"ponte_territory_key(text[])":                         "picks a key out of the array it is given",
}

// probe is a call of a function with plausible arguments (from the seeded data), and a
// count of what it told: rows for a set, one for a value that says something.
type probe struct {
	sql string
	// args are filled from the seed.
	args func(s bypassSeed) []any
	// refused: the call must fail with insufficient_privilege instead.
	refused bool
	// owner: the same call as the owner tells something, so zero above is meaningful.
	owner bool
}

var probes = map[string]probe{
	"registry_labour_status_as_of(text,date)": {
		sql:   `SELECT count(*) FROM registry_labour_status_as_of($1, $2::date) s WHERE s.basis <> 'NONE' OR s.employment_status <> 'UNKNOWN'`,
		args:  func(s bypassSeed) []any { return []any{s.taxCode, "2024-06-01"} },
		owner: true,
	},
	"esf_employment_class_on(text,date)": {
		sql:  `SELECT count(*) FROM (SELECT esf_employment_class_on($1, $2::date) AS c) x WHERE c IS NOT NULL`,
		args: func(s bypassSeed) []any { return []any{s.taxCode, "2024-06-01"} },
	},
	"esf_participant_improved(uuid,text,date,date,integer)": {
		sql: `SELECT count(*) FROM (SELECT esf_participant_improved(p.id, 'EMPLOYED', '2020-01-01', '2020-06-30', 6) AS c
			FROM persons p WHERE p.tax_code = $1) x WHERE c IS NOT NULL`,
		args: func(s bypassSeed) []any { return []any{s.taxCode} },
	},
	"esf_counts_answer()": {
		sql: `SELECT count(*) FROM (SELECT esf_counts_answer() AS a) x WHERE a`, owner: true,
	},
	"esf_participants_restricted()": {
		sql: `SELECT count(*) FROM (SELECT esf_participants_restricted() AS r) x WHERE NOT r`,
	},
	"ponte_access_token(bytea)": {
		sql:  `SELECT count(*) FROM ponte_access_token($1)`,
		args: func(bypassSeed) []any { b := make([]byte, 32); _, _ = rand.Read(b); return []any{b} },
	},
	"ponte_case_load(text)": {
		sql: `SELECT count(*) FROM ponte_case_load('STATUS')`, refused: true,
	},
	"ponte_services_activated(uuid)": {
		sql: `SELECT count(*) FROM ponte_services_activated($1)`, args: func(s bypassSeed) []any { return []any{s.roundID} }, refused: true,
	},
	"esf_profile_service_types(uuid)": {
		sql: `SELECT count(*) FROM esf_profile_service_types($1)`, args: func(s bypassSeed) []any { return []any{s.operationID} }, refused: true,
	},
	"esf_profile_services(uuid,integer)": {
		sql: `SELECT count(*) FROM esf_profile_services($1, 0)`, args: func(s bypassSeed) []any { return []any{s.operationID} }, refused: true,
	},
	"ponte_case_active_deliveries(uuid)": {
		sql: `SELECT count(*) FROM (SELECT id FROM cases UNION ALL SELECT case_id FROM projects) c, ponte_case_active_deliveries(c.id)`,
	},
	"ponte_hand_over_case(uuid)": {
		sql: `SELECT count(*) FROM (SELECT ponte_hand_over_case('7d0e3c41-0000-4000-8000-000000000000')) x`, refused: true,
	},
	"ponte_case_due_actions(date,uuid,uuid,uuid)": {
		sql: `SELECT count(*) FROM ponte_case_due_actions(current_date, NULL, NULL, NULL)`, owner: true,
	},
	"ponte_due_action_counts(date)": {
		sql: `SELECT count(*) FROM ponte_due_action_counts(current_date)`, refused: true,
	},
}

// bypassSeed is what the probes' arguments come from.
type bypassSeed struct {
	taxCode     string
	operationID string
	roundID     string
}

// seedEverywhere loads the demo and puts at least one row in every table the demo
// leaves empty, so that nothing seen without claims is an empty table's nothing.
func seedEverywhere(t *testing.T) (ownerURL string, s bypassSeed) {
	t.Helper()
	ctx := context.Background()
	ownerURL = pgtest.URL(t)
	st, err := store.Open(ctx, ownerURL, store.Config{MaxConns: 2})
	require.NoError(t, err)
	defer st.Close()
	_, err = demo.Load(ctx, st, demo.Options{}, io.Discard)
	require.NoError(t, err)
	pool := st.Pool()
	row := func(sql string, dest ...any) {
		t.Helper()
		require.NoError(t, pool.QueryRow(ctx, sql).Scan(dest...), sql)
	}
	row(`SELECT p.tax_code, pa.operation_id::text, pa.round_id::text FROM participations pa JOIN persons p ON p.id = pa.person_id
		WHERE pa.round_id IS NOT NULL ORDER BY pa.id LIMIT 1`, &s.taxCode, &s.operationID, &s.roundID)
	const meta = `'\x7b7d'::bytea, repeat('a', 64), 'application/json', 'sync', now()`
	for _, sql := range []string{
		`INSERT INTO registry_employment_events (source, source_ref, tax_code, communication_id, event_type, employer_tax_code,
			employer_name, start_date, raw_payload, payload_sha256, content_type, origin, fetched_at)
			VALUES ('labour', 'UL-1', $1, 'UL-1', 'HIRE', '01234567890', 'Magazzini Srl', '2024-01-15', ` + meta + `)`,
		`INSERT INTO registry_labour_status (source, source_ref, tax_code, did_id, did_date, employment_status, as_of,
			raw_payload, payload_sha256, content_type, origin, fetched_at)
			VALUES ('labour', $1, $1, 'DID-1', '2023-01-01', 'UNEMPLOYED', '2023-06-01', ` + meta + `)`,
		`INSERT INTO registry_labour_status_history (source, tax_code, as_of, did_date, employment_status, payload_sha256)
			VALUES ('labour', $1, '2023-06-01', '2023-01-01', 'UNEMPLOYED', repeat('a', 64))`,
		`INSERT INTO registry_isee (source, source_ref, tax_code, dsu_protocol, isee_value_cents, isee_type, valid_until, household_size,
			raw_payload, payload_sha256, content_type, origin, fetched_at)
			VALUES ('benefits', 'DSU-1', $1, 'DSU-1', 784532, 'ordinario', '2030-01-01', 2, ` + meta + `)`,
		`INSERT INTO registry_benefit_cases (source, source_ref, tax_code, programme, application_protocol, member_tax_codes,
			status, status_raw, status_date, raw_payload, payload_sha256, content_type, origin, fetched_at)
			VALUES ('benefits', 'ADI-1', $1, 'ADI', 'ADI-1', ARRAY[$1], 'ACCEPTED', 'accolta', '2024-01-01', ` + meta + `)`,
		`INSERT INTO registry_school_records (source, source_ref, tax_code, school_year, attendance_status, attendance_status_raw,
			checked_at, raw_payload, payload_sha256, content_type, origin, fetched_at)
			VALUES ('school', $1 || '/2024', $1, '2024/2025', 'ATTENDING', 'frequenta', now(), ` + meta + `)`,
		`INSERT INTO registry_lookup_state (source, tax_code, last_attempt_at) VALUES ('labour', $1, now())`,
		`INSERT INTO registry_quarantine (source, kind, source_ref, raw_payload, payload_sha256, content_type, field, reason,
			problems, origin, fetched_at) VALUES ('labour', 'labour_status', $1, '\x7b7d'::bytea, repeat('b', 64), 'application/json',
			'tax_code', 'bad', '[]', 'sync', now())`,
		`INSERT INTO river_job (args, kind, queue) VALUES (jsonb_build_object('tax_codes', jsonb_build_array($1::text),
			'sources', jsonb_build_array('labour')), 'registry_refresh', 'registry')`,
		`INSERT INTO labour_situations (person_id, situation, situation_date, source)
			SELECT id, 'EMPLOYED', '2024-02-01', 'CASE_MANAGER' FROM persons WHERE tax_code = $1`,
	} {
		_, err := pool.Exec(ctx, sql, s.taxCode)
		require.NoError(t, err, sql)
	}
	for _, sql := range []string{
		`INSERT INTO access_tokens (token_hash, label, role, organisation_id, purposes, expires_at, created_by)
			SELECT sha256('seed'), 'seed', 'dashboard', id, ARRAY['statistics'], now() + interval '1 day', 'seed' FROM organisations LIMIT 1`,
		`SELECT access_log_append(now(), 'seed', 'dpo', NULL, 'data_protection_review', 'seed', '', ARRAY[id], ARRAY['IDENTITY'], sha256('x'))
			FROM persons LIMIT 1`,
		// A referral accepted, the participation it opened (with its history, by trigger),
		// a transfer asked for, a person's rectification.
		`WITH r AS (INSERT INTO case_referrals (case_id, from_organisation_id, to_organisation_id, purpose, categories, legal_basis,
				legal_reference, status, requested_by, responded_at, responded_by)
			SELECT c.id, c.organisation_id, o.id, 'seed', ARRAY['case'], 'PUBLIC_TASK', 'L. 328/2000', 'ACCEPTED', 'seed', now(), 'seed'
			  FROM cases c, organisations o WHERE o.id <> c.organisation_id ORDER BY c.id, o.id LIMIT 1 RETURNING *)
			INSERT INTO case_participations (case_id, organisation_id, role, basis, basis_id, from_on)
			SELECT r.case_id, r.to_organisation_id, 'PARTNER', 'REFERRAL', r.id, current_date FROM r`,
		`INSERT INTO case_transfers (case_id, from_organisation_id, from_worker_id, to_organisation_id, reason, requested_by)
			SELECT c.id, c.organisation_id, c.lead_worker_id, c.organisation_id, 'seed', 'seed' FROM cases c ORDER BY c.id LIMIT 1`,
		`INSERT INTO person_data_changes (person_id, reason, changes)
			SELECT id, 'seed', '[{"field": "phone", "category": "contact", "previous": null, "value": "1"}]' FROM persons LIMIT 1`,
		`WITH r AS (INSERT INTO esf_frozen_reports (cutoff, query, report, record_count, records_digest, report_hash, frozen_by, frozen_at,
				signing_key_id, signing_public_key, signed_digests, signature)
			VALUES ('2024-12-31', '{}', '{}', 1, 'd', 'h', 'seed', now(), repeat('0', 16), decode(repeat('00', 32), 'hex'), 'x',
				decode(repeat('00', 64), 'hex')) RETURNING id)
			INSERT INTO esf_frozen_records (report_id, operation_id, person_id, record_hash)
			SELECT r.id, pa.operation_id, pa.person_id, 'h' FROM r, participations pa LIMIT 1`,
		`WITH r AS (INSERT INTO rights_requests (person_id, kind, received_on, due_on, created_by)
			SELECT id, 'ACCESS', '2025-01-31', '2025-02-28', 'seed' FROM persons LIMIT 1 RETURNING id)
			INSERT INTO rights_request_events (request_id, actor, action) SELECT id, 'seed', 'CREATED' FROM r`,
		`INSERT INTO processing_restrictions (person_id, tax_code, reason, created_by)
			SELECT id, tax_code, 'seed', 'seed' FROM persons ORDER BY id DESC LIMIT 1`,
		`INSERT INTO retention_ledger (at, actor, rule, person_id, action, due_on)
			SELECT now(), 'seed', 'case', id, 'RESTRICTED', '2025-01-01' FROM persons LIMIT 1`,
		`INSERT INTO person_rectifications (person_id, field, old_value, new_value, reason, rectified_by)
			SELECT id, 'phone', NULL, '+39 050 1', 'seed', 'seed' FROM persons LIMIT 1`,
		`WITH c AS (INSERT INTO consent_records (person_id, controller_organisation_id, purposes, legal_basis, state, given_at, method,
				evidence_ref, recorded_by)
			SELECT p.id, o.id, ARRAY['school_attendance'], 'GDPR Art. 6(1)(a)', 'GIVEN', now(), 'WRITTEN', 'seed', 'seed'
			FROM persons p, organisations o LIMIT 1 RETURNING id)
			INSERT INTO consent_record_events (record_id, to_state, actor) SELECT id, 'GIVEN', 'seed' FROM c`,
	} {
		_, err := pool.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	return ownerURL, s
}

// noClaims opens a transaction with no claims at all, as the login role itself or as
// ponte_app (SET LOCAL ROLE, the role request transactions switch to), rolled back at the
// end of the test.
func noClaims(t *testing.T, pool *pgxpool.Pool, asApp bool) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	if asApp {
		_, err := tx.Exec(ctx, "SET LOCAL ROLE "+store.DatabaseRole)
		require.NoError(t, err)
	}
	return tx
}

// Everything the hub's role can read is bound by the claims: with none, every table,
// view and materialised view it may SELECT (but the non-personal ones listed above)
// shows no row, every view runs with the reader's rights, and every function it may call
// (but those listed above) returns nothing or refuses. A new object that is neither bound
// nor listed fails this test.
func TestNothingAnswersWithoutClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL, seed := seedEverywhere(t)
	owner, err := pgxpool.New(ctx, ownerURL)
	require.NoError(t, err)
	t.Cleanup(owner.Close)
	hub, err := pgxpool.New(ctx, pgtest.HubURL(t, ownerURL))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	for name, asApp := range map[string]bool{"login role": false, "ponte_app": true} {
		t.Run(name, func(t *testing.T) {
			t.Run("relations", func(t *testing.T) {
				tx := noClaims(t, hub, asApp)
				rows, err := tx.Query(ctx, `SELECT c.relname::text, c.relkind::text,
					       coalesce('security_invoker=true' = ANY (c.reloptions) OR 'security_invoker=on' = ANY (c.reloptions), false)
					  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
					 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
					   AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))
					 ORDER BY 1`)
				require.NoError(t, err)
				type rel struct {
					name, kind string
					invoker    bool
				}
				rels, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rel, error) {
					var x rel
					return x, r.Scan(&x.name, &x.kind, &x.invoker)
				})
				require.NoError(t, err)
				require.NotEmpty(t, rels)
				seen := map[string]bool{}
				for _, r := range rels {
					seen[r.name] = true
					if r.kind == "v" {
						require.True(t, r.invoker, "view %s must be security_invoker: its tables' policies must apply to its readers", r.name)
					}
					if _, ok := nonPersonal[r.name]; ok {
						continue
					}
					var n int64
					require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{r.name}.Sanitize()).Scan(&n), r.name)
					require.Zero(t, n, "%s shows %d rows without claims: give it a policy, or list it in nonPersonal saying why it names no one", r.name, n)
					var all int64
					require.NoError(t, owner.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{r.name}.Sanitize()).Scan(&all))
					require.NotZero(t, all, "%s is empty for its owner too: seed it in seedEverywhere, so its zero above means something", r.name)
				}
				for name := range nonPersonal {
					require.True(t, seen[name], "nonPersonal lists %s, which the role cannot read (or no longer exists)", name)
				}
			})
			t.Run("functions", func(t *testing.T) {
				tx := noClaims(t, hub, asApp)
				// Functions of extensions (pg_trgm) compute over their arguments; trigger
				// functions cannot be called.
				rows, err := tx.Query(ctx, `SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
					 WHERE n.nspname = 'public' AND has_function_privilege(p.oid, 'EXECUTE')
					   AND p.prorettype <> 'trigger'::regtype
					   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
					 ORDER BY 1`)
				require.NoError(t, err)
				fns, err := pgx.CollectRows(rows, pgx.RowTo[string])
				require.NoError(t, err)
				seen := map[string]bool{}
				for _, fn := range fns {
					seen[fn] = true
					if _, ok := outsideClaims[fn]; ok {
						continue
					}
					p, ok := probes[fn]
					require.True(t, ok, "%s may be called by the hub's role: add a probe showing it returns nothing without claims, or list it in outsideClaims saying why it reveals nothing", fn)
					var args []any
					if p.args != nil {
						args = p.args(seed)
					}
					_, err := tx.Exec(ctx, "SAVEPOINT probe")
					require.NoError(t, err)
					var n int64
					err = tx.QueryRow(ctx, p.sql, args...).Scan(&n)
					if p.refused {
						var pgErr *pgconn.PgError
						require.True(t, errors.As(err, &pgErr) && pgErr.Code == "42501", "%s without claims: want insufficient_privilege, got %v", fn, err)
					} else {
						require.NoError(t, err, fn)
						require.Zero(t, n, "%s tells %d things without claims", fn, n)
					}
					_, err = tx.Exec(ctx, "ROLLBACK TO SAVEPOINT probe")
					require.NoError(t, err)
					if p.owner {
						var all int64
						require.NoError(t, owner.QueryRow(ctx, p.sql, args...).Scan(&all), fn)
						require.NotZero(t, all, "%s tells the owner nothing either: the probe proves nothing", fn)
					}
				}
				for fn := range outsideClaims {
					require.True(t, seen[fn], "outsideClaims lists %s, which the role cannot call (or no longer exists)", fn)
				}
				for fn := range probes {
					require.True(t, seen[fn], "probes lists %s, which the role cannot call (or no longer exists)", fn)
				}
			})
		})
	}
}

// The views that employment data and ESF+ results are read through answer a request's
// claims like the tables beneath them: the employment relationship of a person in scope,
// nobody else's.
func TestEmploymentSpellsFollowTheClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL, seed := seedEverywhere(t)
	hub, err := pgxpool.New(ctx, pgtest.HubURL(t, ownerURL))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	st := store.New(hub)
	count := func(scope store.Scope, sql string, args ...any) int {
		t.Helper()
		tx := storetest.Begin(t, st, store.TxOptions{Claims: scope.Claims(), Scope: scope})
		defer tx.Rollback(ctx)
		got, err := storetest.Strings(ctx, tx, sql, args...)
		require.NoError(t, err)
		return len(got)
	}
	spells := `SELECT tax_code FROM employment_spells WHERE tax_code = $1`
	status := `SELECT basis FROM registry_labour_status_as_of($1, '2024-06-01') WHERE basis <> 'NONE'`
	auditor := store.Scope{Kind: store.ScopeParticipants}
	require.Equal(t, 1, count(auditor, spells, seed.taxCode), "a participant's spell, for the participants scope")
	require.Equal(t, 1, count(auditor, status, seed.taxCode))
	nobody := store.Scope{Kind: store.ScopeAssigned, StaffID: "7d0e3c41-0000-4000-8000-000000000000"}
	require.Zero(t, count(nobody, spells, seed.taxCode), "nobody's spell for a worker with no cases")
	require.Zero(t, count(nobody, status, seed.taxCode))
	require.Zero(t, count(nobody, `SELECT person_id::text FROM esf_labour_situations`))
}

// The hub's login role is one ponte serve accepts; the owner (here a superuser) is not.
func TestCheckHubRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL := pgtest.URL(t)
	hub, err := store.Open(ctx, pgtest.HubURL(t, ownerURL), store.Config{MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	require.NoError(t, hub.CheckHubRole(ctx))
	owner, err := store.Open(ctx, ownerURL, store.Config{MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(owner.Close)
	err = owner.CheckHubRole(ctx)
	require.ErrorIs(t, err, store.ErrUnfitLoginRole)
	require.Contains(t, err.Error(), "superuser")
}

// A login role that holds more than ponte_app is refused, naming what is wrong.
func TestCheckHubRoleRefusesExtraPowers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL := pgtest.URL(t)
	admin, err := pgxpool.New(ctx, ownerURL)
	require.NoError(t, err)
	t.Cleanup(admin.Close)
	login := "ponte_unfit_" + strings.ReplaceAll(storetest.FID(t.Name())[:8], "-", "")
	_, err = admin.Exec(ctx, "CREATE ROLE "+login+" LOGIN NOINHERIT BYPASSRLS PASSWORD 'x' IN ROLE "+store.DatabaseRole+", pg_read_all_data")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(ctx, "DROP ROLE IF EXISTS "+login) })
	u, err := store.LoginURL(ownerURL, login, "x")
	require.NoError(t, err)
	st, err := store.Open(ctx, u, store.Config{MaxConns: 1})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	err = st.CheckHubRole(ctx)
	require.ErrorIs(t, err, store.ErrUnfitLoginRole)
	for _, want := range []string{"BYPASSRLS", "NOINHERIT", "pg_read_all_data"} {
		require.Contains(t, err.Error(), want)
	}
}

// The migration goes down to the schema before it and up again.
func TestNoBypassMigrationGoesDownAndUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := pgtest.URL(t)
	invoker := func() bool {
		t.Helper()
		pool, err := pgxpool.New(ctx, u)
		require.NoError(t, err)
		defer pool.Close()
		var on bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT coalesce('security_invoker=true' = ANY (reloptions), false)
			FROM pg_class WHERE relname = 'employment_spells'`).Scan(&on))
		return on
	}
	require.True(t, invoker())
	require.NoError(t, store.MigrateDownToForTest(ctx, u, 340))
	require.False(t, invoker())
	_, err := store.Migrate(ctx, u)
	require.NoError(t, err)
	require.True(t, invoker())
}

// A registry refresh's job names the persons refreshed by tax code: the job queue's own
// connections see it, a request's transaction does not, whatever its scope.
func TestQueueJobsAreSeenOnTheQueuesConnectionsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL, seed := seedEverywhere(t)
	st, err := store.Open(ctx, pgtest.HubURL(t, ownerURL), store.Config{MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	queue, err := st.QueuePool()
	require.NoError(t, err)
	var args string
	require.NoError(t, queue.QueryRow(ctx, `SELECT args::text FROM river_job WHERE kind = 'registry_refresh'`).Scan(&args))
	require.Contains(t, args, seed.taxCode)

	for _, scope := range []store.Scope{{Kind: store.ScopeAll}, {Kind: store.ScopeParticipants}} {
		tx := storetest.Begin(t, st, store.TxOptions{Claims: scope.Claims(), Scope: scope})
		jobs, err := storetest.Strings(ctx, tx, `SELECT args::text FROM river_job`)
		require.NoError(t, err)
		require.Empty(t, jobs, "scope %s", scope.Kind)
		require.NoError(t, tx.Rollback(ctx))
	}
}
