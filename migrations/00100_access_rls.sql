-- +goose Up
-- Row-level security backstop for the personal-data tables.
--
-- The hub's request transactions run as ponte_app: a role that owns nothing, has no
-- BYPASSRLS, and becomes the current role through set_config('role', 'ponte_app', true)
-- in the same statement that sets the principal's claims (ponte.scope, ponte.staff_id,
-- ponte.org_id, ponte.territory). One pool can therefore serve migrations and operators
-- (who stay the owning login role and see every row) and requests (which see their scope
-- only). A production hub should rather log in as a role that is only a member of
-- ponte_app: SET ROLE is checked against the login role, so a request running as the
-- owner's or a superuser's session could switch back with RESET ROLE.
-- The policies below repeat the row scope the store already writes into each query
-- (internal/store/scope.go), so a bug in the application's filter still cannot leak rows.
--
-- Roles are cluster-wide: the role is created only if missing, and never dropped.

-- +goose StatementBegin
DO $$
DECLARE r pg_roles;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ponte_app') THEN
        BEGIN
            CREATE ROLE ponte_app NOLOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by a migration of another database of the cluster
        END;
    END IF;
    SELECT * INTO r FROM pg_roles WHERE rolname = 'ponte_app';
    IF r.rolsuper OR r.rolbypassrls THEN
        RAISE EXCEPTION 'role ponte_app must not be a superuser or bypass row-level security';
    END IF;
    -- The login role must be able to SET ROLE ponte_app (superusers always can).
    IF NOT pg_has_role(current_user, 'ponte_app', 'MEMBER') THEN
        EXECUTE format('GRANT ponte_app TO %I', current_user);
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO ponte_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ponte_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ponte_app;
-- Tables later migrations create get the same grants; a table that must not be written
-- by the hub (like the access log) revokes them explicitly.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ponte_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ponte_app;
REVOKE ALL ON goose_db_version FROM ponte_app;

-- Claims, read from the transaction's settings. A missing or empty claim is NULL, which
-- matches nothing.
CREATE FUNCTION ponte_claim(name text) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('ponte.' || name, true), '') $$;

CREATE FUNCTION ponte_claim_uuid(name text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('ponte.' || name, true), '')::uuid $$;

-- The row scope: none | all | assigned | organisation | provider | territory |
-- participants | aggregates. Anything unknown behaves as none.
CREATE FUNCTION ponte_scope() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('ponte.scope', true), ''), 'none') $$;

-- Scopes that may write personal data (auditors and dashboards never do).
CREATE FUNCTION ponte_scope_writable() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT ponte_scope() IN ('all', 'assigned', 'organisation', 'provider', 'territory') $$;

-- The sets below are computed once per statement (an uncorrelated IN (SELECT ...) becomes
-- a hashed subplan). They run as the migration role (SECURITY DEFINER), which the policies
-- let through, so the policies of one table can rely on the rows of another without
-- recursing into its policy. Neither returns anything for scope all: the policies test it
-- first.

-- Cases in scope.
-- +goose StatementBegin
CREATE FUNCTION ponte_case_ids() RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE s text := ponte_scope();
BEGIN
    IF s = 'assigned' THEN
        RETURN QUERY
            SELECT c.id FROM cases c WHERE c.lead_worker_id = ponte_claim_uuid('staff_id')
            UNION SELECT a.case_id FROM case_assignments a WHERE a.staff_id = ponte_claim_uuid('staff_id');
    ELSIF s IN ('organisation', 'provider') THEN
        RETURN QUERY
            SELECT c.id FROM cases c WHERE c.organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT o.case_id FROM case_organisations o WHERE o.organisation_id = ponte_claim_uuid('org_id');
    ELSIF s = 'territory' THEN
        RETURN QUERY
            SELECT c.id FROM cases c JOIN organisations g ON g.id = c.organisation_id
            WHERE g.territory = ponte_claim('territory');
    END IF;
END
$$;
-- +goose StatementEnd

-- Persons in scope: the persons of cases in scope (the person taken in charge, the members
-- of the household, project participants, intervention beneficiaries, assessed persons);
-- for a provider only those enrolled in what it delivers; for an ESF+ auditor the
-- participants.
-- +goose StatementBegin
CREATE FUNCTION ponte_person_ids() RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE s text := ponte_scope();
BEGIN
    IF s IN ('assigned', 'organisation', 'territory') THEN
        RETURN QUERY
            WITH sc AS (SELECT ponte_case_ids() AS id)
            SELECT c.person_id FROM cases c JOIN sc ON sc.id = c.id WHERE c.person_id IS NOT NULL
            UNION SELECT m.person_id FROM household_members m JOIN cases c ON c.household_id = m.household_id JOIN sc ON sc.id = c.id
            UNION SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            UNION SELECT a.person_id FROM assessments a JOIN sc ON sc.id = a.case_id;
    ELSIF s = 'provider' THEN
        RETURN QUERY
            WITH sc AS (SELECT ponte_case_ids() AS id)
            SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            WHERE p.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            LEFT JOIN projects ip ON ip.id = i.project_id
            WHERE i.provider_organisation_id = ponte_claim_uuid('org_id')
               OR ip.provider_organisation_id = ponte_claim_uuid('org_id');
    ELSIF s = 'participants' THEN
        RETURN QUERY SELECT DISTINCT pa.person_id FROM participations pa;
    END IF;
END
$$;
-- +goose StatementEnd

-- Households of cases in scope.
CREATE FUNCTION ponte_household_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT DISTINCT c.household_id FROM cases c WHERE c.household_id IS NOT NULL AND c.id IN (SELECT ponte_case_ids()) $$;

-- Projects the claimed organisation delivers (provider scope).
CREATE FUNCTION ponte_provider_project_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT p.id FROM projects p WHERE p.provider_organisation_id = ponte_claim_uuid('org_id') $$;

REVOKE ALL ON FUNCTION ponte_case_ids(), ponte_person_ids(), ponte_household_ids(), ponte_provider_project_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_case_ids(), ponte_person_ids(), ponte_household_ids(), ponte_provider_project_ids() TO ponte_app;

-- Every policy starts with ponte_unrestricted(), evaluated once per statement: true for
-- the role that ran this migration and owns the tables (and so runs the SECURITY DEFINER
-- sets above), and for roles that hold no privileges of ponte_app (operators' roles, a
-- bulk loader). Since OR stops at its first true argument, the sets are never computed
-- for them. ponte_app, and any login role that is a member of it, get the row scope of
-- their claims, and no claims means no rows. FORCE makes the policies apply to the owner
-- too, so only this test, not ownership, lets it through; superusers bypass row-level
-- security regardless.
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('CREATE FUNCTION ponte_unrestricted() RETURNS boolean LANGUAGE sql STABLE AS %L',
                   format('SELECT current_user = %L OR NOT pg_has_role(current_user, %L, %L)',
                          current_user, 'ponte_app', 'USAGE'));
END
$$;
-- +goose StatementEnd

ALTER TABLE cases ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- The column tests admit a case row before it is linked (INSERT ... RETURNING).
CREATE POLICY scope ON cases
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR CASE ponte_scope()
            WHEN 'assigned' THEN lead_worker_id = ponte_claim_uuid('staff_id')
            WHEN 'organisation' THEN organisation_id = ponte_claim_uuid('org_id')
            WHEN 'provider' THEN organisation_id = ponte_claim_uuid('org_id')
            WHEN 'territory' THEN organisation_id IN (SELECT g.id FROM organisations g WHERE g.territory = ponte_claim('territory'))
            ELSE false END
        OR id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND CASE ponte_scope()
            WHEN 'assigned' THEN lead_worker_id = ponte_claim_uuid('staff_id')
            WHEN 'organisation' THEN organisation_id = ponte_claim_uuid('org_id')
            WHEN 'provider' THEN organisation_id = ponte_claim_uuid('org_id')
            WHEN 'territory' THEN organisation_id IN (SELECT g.id FROM organisations g WHERE g.territory = ponte_claim('territory'))
            ELSE false END)
        OR (ponte_scope_writable() AND id IN (SELECT ponte_case_ids())));

ALTER TABLE case_organisations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_organisations
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR case_id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())));

ALTER TABLE case_assignments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_assignments
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR case_id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())));

ALTER TABLE case_departments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_departments
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR case_id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())));

-- A new person or household is linked to nothing until its case or membership is
-- written, so writable scopes may insert them, and see the rows their own transaction
-- inserted, INSERT ... RETURNING included. The transaction is recorded in the row itself
-- (a 64-bit transaction id never recurs), because a policy checking a row being inserted
-- cannot rely on its xmin yet. Which existing rows they may change is the USING clause's
-- business.
ALTER TABLE persons ADD COLUMN created_xact xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE households ADD COLUMN created_xact xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE FUNCTION ponte_written_here(row_xact xid8) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT ponte_scope_writable() AND row_xact = pg_current_xact_id_if_assigned() $$;

ALTER TABLE persons ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON persons
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR ponte_written_here(created_xact)
        OR id IN (SELECT ponte_person_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope_writable());

ALTER TABLE households ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON households
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR ponte_written_here(created_xact)
        OR id IN (SELECT ponte_household_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope_writable());

-- Members of a household in scope, or of one this transaction created (through the
-- households policy).
ALTER TABLE household_members ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON household_members
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (household_id IN (SELECT ponte_household_ids())
            AND (ponte_scope() <> 'provider' OR person_id IN (SELECT ponte_person_ids())))
        OR (ponte_scope_writable() AND household_id IN (SELECT h.id FROM households h WHERE ponte_written_here(h.created_xact))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND household_id IN (SELECT ponte_household_ids()))
        OR (ponte_scope_writable() AND household_id IN (SELECT h.id FROM households h WHERE ponte_written_here(h.created_xact))));

ALTER TABLE assessments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON assessments
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR person_id IN (SELECT ponte_person_ids()))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR person_id IN (SELECT ponte_person_ids()))));

ALTER TABLE assessment_scores ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- Scores follow their assessment, through its own policy.
CREATE POLICY scope ON assessment_scores
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR assessment_id IN (SELECT a.id FROM assessments a))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND assessment_id IN (SELECT a.id FROM assessments a)));

ALTER TABLE projects ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON projects
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR provider_organisation_id = ponte_claim_uuid('org_id'))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR provider_organisation_id = ponte_claim_uuid('org_id'))));

ALTER TABLE interventions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON interventions
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope() = 'participants' AND round_id IS NOT NULL AND beneficiary_id IN (SELECT ponte_person_ids()))
        OR (case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider'
                 OR provider_organisation_id = ponte_claim_uuid('org_id')
                 OR project_id IN (SELECT ponte_provider_project_ids()))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider'
                 OR provider_organisation_id = ponte_claim_uuid('org_id')
                 OR project_id IN (SELECT ponte_provider_project_ids()))));

ALTER TABLE activity_entries ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON activity_entries
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider'
                 OR project_id IN (SELECT ponte_provider_project_ids())
                 OR author_id IN (SELECT s.id FROM staff s WHERE s.organisation_id = ponte_claim_uuid('org_id')))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider'
                 OR project_id IN (SELECT ponte_provider_project_ids())
                 OR author_id IN (SELECT s.id FROM staff s WHERE s.organisation_id = ponte_claim_uuid('org_id')))));

ALTER TABLE participations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON participations
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() IN ('all', 'participants')
        OR person_id IN (SELECT ponte_person_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND person_id IN (SELECT ponte_person_ids())));

-- +goose Down
DROP POLICY scope ON participations;
DROP POLICY scope ON activity_entries;
DROP POLICY scope ON interventions;
DROP POLICY scope ON projects;
DROP POLICY scope ON assessment_scores;
DROP POLICY scope ON assessments;
DROP POLICY scope ON household_members;
DROP POLICY scope ON households;
DROP POLICY scope ON persons;
DROP POLICY scope ON case_departments;
DROP POLICY scope ON case_assignments;
DROP POLICY scope ON case_organisations;
DROP POLICY scope ON cases;
ALTER TABLE participations NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE activity_entries NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE interventions NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE projects NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_scores NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE assessments NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE household_members NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE households NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE persons NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE case_departments NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE case_assignments NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE case_organisations NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE cases NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DROP FUNCTION ponte_unrestricted(), ponte_written_here(xid8), ponte_provider_project_ids(), ponte_household_ids(), ponte_person_ids(), ponte_case_ids(),
    ponte_scope_writable(), ponte_scope(), ponte_claim_uuid(text), ponte_claim(text);
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ponte_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ponte_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ponte_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ponte_app;
REVOKE USAGE ON SCHEMA public FROM ponte_app;
ALTER TABLE households DROP COLUMN created_xact;
ALTER TABLE persons DROP COLUMN created_xact;
