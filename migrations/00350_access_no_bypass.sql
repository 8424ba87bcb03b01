-- +goose Up
-- No way around row security for the hub's role.
--
-- Row-level security is the backstop behind the application's filters, and a backstop
-- with a side door is none: every object the hub's role (ponte_app, and the login role
-- the hub connects as, a member of it) can read must answer a transaction without claims
-- with nothing, and one with claims with what those claims see. Before this migration:
--
--  * the view employment_spells ran with its owner's rights, so as soon as the owner was a
--    superuser (the demo, the test servers, many installations) it returned every
--    worker's employment relationships to a role with no claims at all, and
--    registry_labour_status_as_of (an invoker function reading the view) answered any
--    tax code's labour status the same way;
--  * staff (names of the workers), partner tokens (labels, organisations, staff) and the
--    frozen ESF+ reports (the persons behind each report) were plain tables;
--  * the job queue's jobs (River's river_job) were readable, and a refresh job's arguments
--    are the tax codes of the persons refreshed.
--
-- Here views run with the caller's rights (security_invoker), the tables above get
-- policies, and what the hub must read outside a request goes through functions that
-- answer exactly one question (a token by its hash, a staff member by identity-provider
-- subject, the queue's depth). internal/store/access_bypass_test.go lists every
-- relation and function the hub's role can read or call and fails on one that is
-- neither covered nor listed there as holding no personal data.
--
-- The hub's own background work keeps working on the hub's role: the job queue's
-- connections carry the setting ponte.queue = worker (internal/store.Store.QueuePool),
-- which the policy on river_job admits, and registry synchronisation writes with the
-- claim ponte.registry = write (internal/store.RegistrySyncClaims), which the registry
-- policies admit besides the owner.
--
-- Like every claim these are settings of the hub's own connections: they keep out a query
-- without claims or with another request's, not SQL that runs on the hub's connection and
-- sets claims of its own. What bounds such SQL is the login role: it owns nothing, has no
-- BYPASSRLS, and can become no other role than ponte_app (internal/store.CheckHubRole).

-- Views run with the rights of whoever reads them, so the policies of their tables apply.
-- registry_labour_status_as_of is already SECURITY INVOKER: reading the view through it
-- is now bound by the same policies.
ALTER VIEW employment_spells SET (security_invoker = true);
ALTER VIEW registry_source_status SET (security_invoker = true);

-- Staff: visible to any request that carries a row scope (case pages show who leads and
-- who wrote what), to no transaction without claims. Only operators write staff.
ALTER TABLE staff ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON staff
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) <> 'none')
    WITH CHECK ((SELECT ponte_unrestricted()));

-- Authentication runs before a request has claims: it finds the staff member of a JWT's
-- subject, and nothing else.
CREATE FUNCTION ponte_staff_by_subject(p_subject text)
    RETURNS TABLE (id uuid, subject text, organisation_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT s.id, s.subject, s.organisation_id FROM staff s WHERE s.subject = p_subject $$;

-- Partner tokens: the hub reads one token by the SHA-256 of the token presented, and
-- records its use; it can no longer list them. Issuing, listing and revoking are
-- operators' commands (the owner).
REVOKE ALL ON access_tokens FROM ponte_app;
CREATE FUNCTION ponte_access_token(p_hash bytea)
    RETURNS TABLE (id uuid, label text, role text, organisation_id uuid, organisation_code text,
                   organisation_kind text, territory text, staff_id uuid, staff_subject text,
                   purposes text[], created_at timestamptz, created_by text, expires_at timestamptz,
                   revoked_at timestamptz, last_used_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT t.id, t.label, t.role, t.organisation_id, o.code, o.kind, o.territory, t.staff_id, s.subject,
           t.purposes, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.last_used_at
      FROM access_tokens t JOIN organisations o ON o.id = t.organisation_id LEFT JOIN staff s ON s.id = t.staff_id
     WHERE t.token_hash = p_hash
$$;
-- At most one write a minute per token (see internal/store.TouchAccessToken).
CREATE FUNCTION ponte_access_token_used(p_id uuid, p_at timestamptz) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ UPDATE access_tokens SET last_used_at = p_at
           WHERE id = p_id AND (last_used_at IS NULL OR last_used_at < p_at - interval '1 minute') $$;
REVOKE ALL ON FUNCTION ponte_staff_by_subject(text), ponte_access_token(bytea), ponte_access_token_used(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_staff_by_subject(text), ponte_access_token(bytea), ponte_access_token_used(uuid, timestamptz) TO ponte_app;

-- Frozen ESF+ reports name every participant they counted (esf_frozen_records), and are
-- read and written only by plans that see every participant (ESF+ auditors and
-- monitoring: scope participants, or all).
ALTER TABLE esf_frozen_reports ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON esf_frozen_reports
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) IN ('all', 'participants'))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) IN ('all', 'participants'));
ALTER TABLE esf_frozen_records ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON esf_frozen_records
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) IN ('all', 'participants'))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) IN ('all', 'participants'));

-- Registry synchronisation and refreshes run in the hub's job queue, on the hub's role,
-- with scope all (to match what they update) and the claim ponte.registry = write; the
-- policies of 00210 admitted the owner's writes only. Requests never set the claim.
ALTER POLICY scope ON registry_benefit_cases WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_isee WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_labour_status WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_labour_status_history WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_employment_events WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_school_records WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_lookup_state WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');
ALTER POLICY scope ON registry_quarantine WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('registry')) = 'write');

-- The job queue. River's migrations run before the hub's (internal/store.MigrateAll), so
-- its tables exist here: the hub's role works them (explicitly, rather than through the
-- default privileges of 00100, which only tables created after it receive), may read but
-- not rewrite River's own migration history, and sees jobs only on the queue's
-- connections. Queue names, leaders and migration versions name no one.
-- +goose StatementBegin
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'S') LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO ponte_app', r.relname);
        ELSIF r.relname = 'river_migration' THEN
            EXECUTE format('REVOKE ALL ON TABLE %I FROM ponte_app', r.relname);
            EXECUTE format('GRANT SELECT ON TABLE %I TO ponte_app', r.relname);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO ponte_app', r.relname);
        END IF;
    END LOOP;
    IF to_regclass('public.river_job') IS NOT NULL THEN
        ALTER TABLE river_job ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY queue ON river_job
            USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('queue')) = 'worker')
            WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('queue')) = 'worker');
    END IF;
END
$$;
-- +goose StatementEnd

-- The registry status shows how many jobs wait or run per source: counts, which the
-- owner computes for a request that cannot see the jobs themselves.
-- +goose StatementBegin
CREATE FUNCTION ponte_registry_queue_depth(p_queue text)
    RETURNS TABLE (source text, waiting integer, running integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT s.source,
           count(*) FILTER (WHERE j.state <> 'running')::int,
           count(*) FILTER (WHERE j.state = 'running')::int
      FROM river_job j
     CROSS JOIN LATERAL jsonb_array_elements_text(
           CASE WHEN jsonb_typeof(j.args->'sources') = 'array' THEN j.args->'sources'
                ELSE jsonb_build_array(j.args->>'source') END) AS s(source)
     WHERE j.queue = p_queue AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled')
       AND s.source IS NOT NULL
     GROUP BY s.source
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_registry_queue_depth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_registry_queue_depth(text) TO ponte_app;

-- +goose Down
DROP FUNCTION ponte_registry_queue_depth(text);
-- The grants on River's tables stay: before this migration the default privileges of
-- 00100 gave them to the hub's role (River's own history writable included).
-- +goose StatementBegin
DO $$
BEGIN
    IF to_regclass('public.river_job') IS NOT NULL THEN
        DROP POLICY IF EXISTS queue ON river_job;
        ALTER TABLE river_job NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
    END IF;
    IF to_regclass('public.river_migration') IS NOT NULL THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE river_migration TO ponte_app;
    END IF;
END
$$;
-- +goose StatementEnd
ALTER POLICY scope ON registry_quarantine WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_lookup_state WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_school_records WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_employment_events WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_labour_status_history WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_labour_status WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_isee WITH CHECK ((SELECT ponte_unrestricted()));
ALTER POLICY scope ON registry_benefit_cases WITH CHECK ((SELECT ponte_unrestricted()));
DROP POLICY scope ON esf_frozen_records;
ALTER TABLE esf_frozen_records NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DROP POLICY scope ON esf_frozen_reports;
ALTER TABLE esf_frozen_reports NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DROP FUNCTION ponte_access_token_used(uuid, timestamptz);
DROP FUNCTION ponte_access_token(bytea);
GRANT SELECT ON access_tokens TO ponte_app;
GRANT UPDATE (last_used_at) ON access_tokens TO ponte_app;
DROP FUNCTION ponte_staff_by_subject(text);
DROP POLICY scope ON staff;
ALTER TABLE staff NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER VIEW registry_source_status SET (security_invoker = false);
ALTER VIEW employment_spells SET (security_invoker = false);
