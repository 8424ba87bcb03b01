-- +goose Up
-- Row-level security for the personal-data tables: the hub's role, its claims, who sees
-- which case, person and household, and the policies that hold the application to it.
--
-- The hub's request transactions run as ponte_app: a role that owns nothing, has no
-- BYPASSRLS, and becomes the current role through set_config('role', 'ponte_app', true)
-- in the same statement that sets the principal's claims. The claims are the row scope's
-- kind (ponte.scope: none | all | assigned | organisation | provider | territory |
-- participants | aggregates) and the grantee keys it reads visibility with
-- (ponte.grantee for cases and households, ponte.person_grantee for persons), all built
-- from one store.Scope (internal/store/scope.go). The hub logs in as a member of ponte_app
-- (internal/store/hubrole.go), so nothing run on its connections can switch back to a role
-- the policies do not bind.
--
-- Visibility is data. Who sees a case is a set of grantee keys (staff:<id> for the lead
-- worker and the assigned staff, org:<id> for the leading and the taking-part
-- organisations, territory:<code> for the territory of the leading organisation), kept in
-- case_visibility; the persons and households of a case inherit its keys, and a
-- cooperative delivering on a case sees, under provider:<id>, only the persons it
-- delivers to. Triggers on every table that changes who sees what (cases, assignments,
-- taking-part organisations, projects, interventions, assessments, household members,
-- organisations' territories, registrations) recompute the affected cases' keys at the
-- end of the writing statement, in the writer's transaction. A policy is then an indexed
-- lookup on the row being read (EXISTS on the visibility table with the claim), so a
-- page costs what its rows cost, whatever the size of the principal's territory.
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

-- The row scope's kind. Anything unknown behaves as none.
CREATE FUNCTION ponte_scope() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('ponte.scope', true), ''), 'none') $$;

-- Scopes that may write personal data (auditors and dashboards never do).
CREATE FUNCTION ponte_scope_writable() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT ponte_scope() IN ('all', 'assigned', 'organisation', 'provider', 'territory') $$;

-- Every policy starts with ponte_unrestricted(), evaluated once per statement: true for
-- the role that ran this migration and owns the tables (and so runs the SECURITY DEFINER
-- triggers below), and for roles that hold no privileges of ponte_app (operators' roles,
-- a bulk loader). ponte_app, and any login role that is a member of it, get the row scope
-- of their claims, and no claims means no rows. FORCE makes the policies apply to the
-- owner too, so only this test, not ownership, lets it through; superusers bypass
-- row-level security regardless.
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('CREATE FUNCTION ponte_unrestricted() RETURNS boolean LANGUAGE sql STABLE AS %L',
                   format('SELECT current_user = %L OR NOT pg_has_role(current_user, %L, %L)',
                          current_user, 'ponte_app', 'USAGE'));
END
$$;
-- +goose StatementEnd

-- Sees every row: unrestricted, or scope all. Policies call it as (SELECT ...), once per
-- statement.
CREATE FUNCTION ponte_sees_all() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT ponte_unrestricted() OR ponte_scope() = 'all' $$;

-- A new person or household is linked to nothing until its case or membership is
-- written, so writable scopes may insert them, and see the rows their own transaction
-- inserted, INSERT ... RETURNING included. The transaction is recorded in the row itself
-- (a 64-bit transaction id never recurs), because a policy checking a row being inserted
-- cannot rely on its xmin yet.
ALTER TABLE persons ADD COLUMN created_xact xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE households ADD COLUMN created_xact xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE FUNCTION ponte_written_here(row_xact xid8) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT ponte_scope_writable() AND row_xact = pg_current_xact_id_if_assigned() $$;

-- Persons and households registered by an organisation stay visible to it. A person
-- registered in one request and taken in charge in a later one would otherwise fall in
-- between, visible to nobody but the data protection officer. The registering
-- organisation is the request's principal's (the ponte.principal_org claim; NULL for
-- operators' loads and registry synchronisation). It collected the data itself, so they
-- remain visible to it after a case of another organisation takes the person in charge.
ALTER TABLE persons ADD COLUMN registered_by uuid REFERENCES organisations(id)
    DEFAULT nullif(current_setting('ponte.principal_org', true), '')::uuid;
ALTER TABLE households ADD COLUMN registered_by uuid REFERENCES organisations(id)
    DEFAULT nullif(current_setting('ponte.principal_org', true), '')::uuid;
CREATE INDEX persons_registered_by_idx ON persons (registered_by) WHERE registered_by IS NOT NULL;
CREATE INDEX households_registered_by_idx ON households (registered_by) WHERE registered_by IS NOT NULL;

-- Visibility. The key leads each primary key, so a policy's lookup is one index probe;
-- the cases (or the registration, with the nil case id) a row comes from end it, so a
-- case's rows can be recomputed without touching what other cases grant.
CREATE TABLE case_visibility (
    grantee text NOT NULL,
    case_id uuid NOT NULL,
    PRIMARY KEY (grantee, case_id)
);
CREATE INDEX case_visibility_case_idx ON case_visibility (case_id);
CREATE TABLE person_visibility (
    grantee   text NOT NULL,
    person_id uuid NOT NULL,
    case_id   uuid NOT NULL,
    PRIMARY KEY (grantee, person_id, case_id)
);
CREATE INDEX person_visibility_case_idx ON person_visibility (case_id);
CREATE INDEX person_visibility_person_idx ON person_visibility (person_id);
CREATE TABLE household_visibility (
    grantee      text NOT NULL,
    household_id uuid NOT NULL,
    case_id      uuid NOT NULL,
    PRIMARY KEY (grantee, household_id, case_id)
);
CREATE INDEX household_visibility_case_idx ON household_visibility (case_id);
CREATE INDEX household_visibility_household_idx ON household_visibility (household_id);

-- The keys again on the rows themselves, for the policies: a policy's subquery can never
-- become a join, so on a statement that scans many rows it is either a probe per row or
-- a hash of every row the scope sees, built for each statement; a key in an array on the
-- row is a comparison. The tables above keep which case grants which key, so a write
-- recomputes only its cases; the arrays are written from them.
ALTER TABLE cases ADD COLUMN visible_to text[] NOT NULL DEFAULT '{}';
ALTER TABLE persons ADD COLUMN visible_to text[] NOT NULL DEFAULT '{}';
ALTER TABLE households ADD COLUMN visible_to text[] NOT NULL DEFAULT '{}';
CREATE INDEX cases_visible_to_idx ON cases USING gin (visible_to);
CREATE INDEX persons_visible_to_idx ON persons USING gin (visible_to);
CREATE INDEX households_visible_to_idx ON households USING gin (visible_to);

-- The hub's role reads its own keys' rows and writes none: only the triggers below do.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON case_visibility, person_visibility, household_visibility FROM ponte_app;
ALTER TABLE case_visibility ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE person_visibility ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE household_visibility ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY own_keys ON case_visibility
    USING ((SELECT ponte_unrestricted()) OR grantee = (SELECT ponte_claim('grantee')));
CREATE POLICY own_keys ON person_visibility
    USING ((SELECT ponte_unrestricted()) OR grantee = (SELECT ponte_claim('person_grantee')));
CREATE POLICY own_keys ON household_visibility
    USING ((SELECT ponte_unrestricted()) OR grantee = (SELECT ponte_claim('grantee')));

-- Writes the visible_to arrays of the given persons or households from their visibility
-- rows, where they changed.
-- +goose StatementBegin
CREATE FUNCTION ponte_visibility_keys(kind text, ids uuid[]) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF kind = 'person' THEN
        UPDATE persons r SET visible_to = k.keys
          FROM (SELECT x.id, ARRAY(SELECT DISTINCT v.grantee FROM person_visibility v WHERE v.person_id = x.id ORDER BY 1) AS keys
                  FROM unnest(ids) x(id)) k
         WHERE r.id = k.id AND r.visible_to IS DISTINCT FROM k.keys;
    ELSE
        UPDATE households r SET visible_to = k.keys
          FROM (SELECT x.id, ARRAY(SELECT DISTINCT v.grantee FROM household_visibility v WHERE v.household_id = x.id ORDER BY 1) AS keys
                  FROM unnest(ids) x(id)) k
         WHERE r.id = k.id AND r.visible_to IS DISTINCT FROM k.keys;
    END IF;
END
$$;
-- +goose StatementEnd

-- Recomputes the visibility of the given cases from what is stored now. Set-based, so a
-- bulk load's statement recomputes its cases in one pass.
-- +goose StatementBegin
CREATE FUNCTION ponte_visibility_refresh(ids uuid[]) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    persons_before    uuid[];
    households_before uuid[];
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    persons_before := ARRAY(SELECT DISTINCT person_id FROM person_visibility WHERE case_id = ANY (ids));
    households_before := ARRAY(SELECT DISTINCT household_id FROM household_visibility WHERE case_id = ANY (ids));
    DELETE FROM case_visibility WHERE case_id = ANY (ids);
    DELETE FROM person_visibility WHERE case_id = ANY (ids);
    DELETE FROM household_visibility WHERE case_id = ANY (ids);

    INSERT INTO case_visibility (grantee, case_id)
    SELECT DISTINCT k.grantee, c.id
      FROM cases c CROSS JOIN LATERAL (
            SELECT 'staff:' || c.lead_worker_id
            UNION ALL SELECT 'staff:' || a.staff_id FROM case_assignments a WHERE a.case_id = c.id
            UNION ALL SELECT 'org:' || c.organisation_id
            UNION ALL SELECT 'org:' || o.organisation_id FROM case_organisations o WHERE o.case_id = c.id
            UNION ALL SELECT 'territory:' || g.territory FROM organisations g
                       WHERE g.id = c.organisation_id AND g.territory IS NOT NULL
           ) k(grantee)
     WHERE c.id = ANY (ids);

    INSERT INTO household_visibility (grantee, household_id, case_id)
    SELECT v.grantee, c.household_id, c.id
      FROM case_visibility v JOIN cases c ON c.id = v.case_id
     WHERE v.case_id = ANY (ids) AND c.household_id IS NOT NULL;

    -- The persons of a case: the person taken in charge, the current members of its
    -- household, project participants, intervention beneficiaries, assessed persons.
    -- A cooperative sees, under its provider key, only those it delivers to.
    INSERT INTO person_visibility (grantee, person_id, case_id)
    SELECT DISTINCT v.grantee, p.person_id, v.case_id
      FROM case_visibility v CROSS JOIN LATERAL (
            SELECT c.person_id FROM cases c WHERE c.id = v.case_id AND c.person_id IS NOT NULL
            UNION ALL SELECT m.person_id FROM cases c JOIN household_members m ON m.household_id = c.household_id
                       WHERE c.id = v.case_id AND m.valid_to IS NULL
            UNION ALL SELECT pr.participant_id FROM projects pr WHERE pr.case_id = v.case_id
            UNION ALL SELECT i.beneficiary_id FROM interventions i WHERE i.case_id = v.case_id
            UNION ALL SELECT a.person_id FROM assessments a WHERE a.case_id = v.case_id
           ) p(person_id)
     WHERE v.case_id = ANY (ids)
    UNION
    SELECT 'provider:' || substr(v.grantee, 5), p.person_id, v.case_id
      FROM case_visibility v CROSS JOIN LATERAL (
            SELECT pr.participant_id FROM projects pr
             WHERE pr.case_id = v.case_id AND 'org:' || pr.provider_organisation_id = v.grantee
            UNION ALL SELECT i.beneficiary_id FROM interventions i LEFT JOIN projects ip ON ip.id = i.project_id
             WHERE i.case_id = v.case_id
               AND ('org:' || i.provider_organisation_id = v.grantee OR 'org:' || ip.provider_organisation_id = v.grantee)
           ) p(person_id)
     WHERE v.case_id = ANY (ids) AND v.grantee LIKE 'org:%';

    UPDATE cases c SET visible_to = k.keys
      FROM (SELECT x.id, ARRAY(SELECT v.grantee FROM case_visibility v WHERE v.case_id = x.id ORDER BY 1) AS keys
              FROM unnest(ids) x(id)) k
     WHERE c.id = k.id AND c.visible_to IS DISTINCT FROM k.keys;
    PERFORM ponte_visibility_keys('person',
        persons_before || ARRAY(SELECT DISTINCT person_id FROM person_visibility WHERE case_id = ANY (ids)));
    PERFORM ponte_visibility_keys('household',
        households_before || ARRAY(SELECT DISTINCT household_id FROM household_visibility WHERE case_id = ANY (ids)));
END
$$;
-- +goose StatementEnd

-- Recomputes the registration keys (nil case id) of the given persons or households: the
-- registering organisation's org: and provider: keys and its territory's.
-- +goose StatementBegin
CREATE FUNCTION ponte_registration_refresh(kind text, ids uuid[]) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF kind = 'person' THEN
        DELETE FROM person_visibility WHERE case_id = nil AND person_id = ANY (ids);
        INSERT INTO person_visibility (grantee, person_id, case_id)
        SELECT k.grantee, r.id, nil
          FROM persons r JOIN organisations g ON g.id = r.registered_by
         CROSS JOIN LATERAL (
                SELECT 'org:' || g.id UNION ALL SELECT 'provider:' || g.id
                UNION ALL SELECT 'territory:' || g.territory WHERE g.territory IS NOT NULL
               ) k(grantee)
         WHERE r.id = ANY (ids);
        PERFORM ponte_visibility_keys('person', ids);
    ELSE
        DELETE FROM household_visibility WHERE case_id = nil AND household_id = ANY (ids);
        INSERT INTO household_visibility (grantee, household_id, case_id)
        SELECT k.grantee, r.id, nil
          FROM households r JOIN organisations g ON g.id = r.registered_by
         CROSS JOIN LATERAL (
                SELECT 'org:' || g.id
                UNION ALL SELECT 'territory:' || g.territory WHERE g.territory IS NOT NULL
               ) k(grantee)
         WHERE r.id = ANY (ids);
        PERFORM ponte_visibility_keys('household', ids);
    END IF;
END
$$;
-- +goose StatementEnd

-- Applies a change to what the ids name: cases, households (their cases), organisations
-- (the cases they lead, and what they registered), registered persons or households.
-- +goose StatementBegin
CREATE FUNCTION ponte_visibility_apply(kind text, ids uuid[]) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    ids := ARRAY(SELECT DISTINCT x FROM unnest(ids) x WHERE x IS NOT NULL);
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    CASE kind
    WHEN 'case' THEN
        PERFORM ponte_visibility_refresh(ids);
    WHEN 'household' THEN
        PERFORM ponte_visibility_refresh(ARRAY(SELECT c.id FROM cases c WHERE c.household_id = ANY (ids)));
    WHEN 'organisation' THEN
        PERFORM ponte_visibility_refresh(ARRAY(SELECT c.id FROM cases c WHERE c.organisation_id = ANY (ids)));
        PERFORM ponte_registration_refresh('person', ARRAY(SELECT r.id FROM persons r WHERE r.registered_by = ANY (ids)));
        PERFORM ponte_registration_refresh('household', ARRAY(SELECT r.id FROM households r WHERE r.registered_by = ANY (ids)));
    WHEN 'person' THEN
        PERFORM ponte_registration_refresh('person', ids);
    WHEN 'registered_household' THEN
        PERFORM ponte_registration_refresh('household', ids);
    END CASE;
END
$$;
-- +goose StatementEnd

-- Inserts and deletes: the rows a statement touched, from its transition tables.
-- TG_ARGV[0] is the column naming what changed, TG_ARGV[1] what it names.
-- +goose StatementBegin
CREATE FUNCTION ponte_visibility_follow() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE ids uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(%I) FROM new_rows', TG_ARGV[0]) INTO ids;
    ELSE
        EXECUTE format('SELECT array_agg(%I) FROM old_rows', TG_ARGV[0]) INTO ids;
    END IF;
    PERFORM ponte_visibility_apply(TG_ARGV[1], ids);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Updates: row by row, and only of the columns that decide visibility (the trigger's
-- column list and WHEN clause), so the triggers' own writes of visible_to, and the many
-- updates that change nothing visible, cost nothing.
-- +goose StatementBegin
CREATE FUNCTION ponte_visibility_follow_row() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    PERFORM ponte_visibility_apply(TG_ARGV[1],
        ARRAY[(to_jsonb(OLD) ->> TG_ARGV[0])::uuid, (to_jsonb(NEW) ->> TG_ARGV[0])::uuid]);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_visibility_keys(text, uuid[]), ponte_visibility_refresh(uuid[]),
    ponte_registration_refresh(text, uuid[]), ponte_visibility_apply(text, uuid[]),
    ponte_visibility_follow(), ponte_visibility_follow_row() FROM PUBLIC;

-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
            ('cases', 'id', 'case', ARRAY['organisation_id', 'lead_worker_id', 'person_id', 'household_id']),
            ('case_assignments', 'case_id', 'case', ARRAY['case_id', 'staff_id']),
            ('case_organisations', 'case_id', 'case', ARRAY['case_id', 'organisation_id']),
            ('projects', 'case_id', 'case', ARRAY['case_id', 'participant_id', 'provider_organisation_id']),
            ('interventions', 'case_id', 'case', ARRAY['case_id', 'project_id', 'beneficiary_id', 'provider_organisation_id']),
            ('assessments', 'case_id', 'case', ARRAY['case_id', 'person_id']),
            ('household_members', 'household_id', 'household', ARRAY['household_id', 'person_id', 'valid_to']),
            ('persons', 'id', 'person', ARRAY['registered_by']),
            ('households', 'id', 'registered_household', ARRAY['registered_by']),
            ('organisations', 'id', 'organisation', ARRAY['territory'])) v(tbl, col, kind, watched)
    LOOP
        IF t.tbl <> 'organisations' THEN
            EXECUTE format('CREATE TRIGGER visibility_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                           'FOR EACH STATEMENT EXECUTE FUNCTION ponte_visibility_follow(%L, %L)', t.tbl, t.col, t.kind);
            EXECUTE format('CREATE TRIGGER visibility_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                           'FOR EACH STATEMENT EXECUTE FUNCTION ponte_visibility_follow(%L, %L)', t.tbl, t.col, t.kind);
        END IF;
        EXECUTE format('CREATE TRIGGER visibility_update AFTER UPDATE OF %s ON %I FOR EACH ROW WHEN (%s) '
                       'EXECUTE FUNCTION ponte_visibility_follow_row(%L, %L)',
                       (SELECT string_agg(quote_ident(c), ', ') FROM unnest(t.watched) c), t.tbl,
                       (SELECT string_agg(format('OLD.%1$I IS DISTINCT FROM NEW.%1$I', c), ' OR ') FROM unnest(t.watched) c),
                       t.col, t.kind);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The policies. (SELECT f()) is an initplan: computed once per statement. The EXISTS
-- lookups are correlated with the row being read and probe the visibility tables'
-- primary keys with the transaction's grantee claim.
ALTER TABLE cases ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- The column tests admit a case row before its visibility is written (INSERT ...
-- RETURNING sees the row before the statement's trigger runs).
CREATE POLICY scope ON cases
    USING ((SELECT ponte_sees_all())
        OR (SELECT ponte_claim('grantee')) = ANY (visible_to)
        OR CASE (SELECT ponte_scope())
            WHEN 'assigned' THEN lead_worker_id = (SELECT ponte_claim_uuid('staff_id'))
            WHEN 'organisation' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
            WHEN 'provider' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
            WHEN 'territory' THEN organisation_id IN (SELECT g.id FROM organisations g WHERE g.territory = (SELECT ponte_claim('territory')))
            ELSE false END)
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable()) AND (
            (SELECT ponte_claim('grantee')) = ANY (visible_to)
            OR CASE (SELECT ponte_scope())
                WHEN 'assigned' THEN lead_worker_id = (SELECT ponte_claim_uuid('staff_id'))
                WHEN 'organisation' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
                WHEN 'provider' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
                WHEN 'territory' THEN organisation_id IN (SELECT g.id FROM organisations g WHERE g.territory = (SELECT ponte_claim('territory')))
                ELSE false END)));

-- The links of a case follow it.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_organisations', 'case_assignments', 'case_departments'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY scope ON %1$I
            USING ((SELECT ponte_sees_all())
                OR EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = %1$I.case_id))
            WITH CHECK ((SELECT ponte_sees_all())
                OR ((SELECT ponte_scope_writable())
                    AND EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = %1$I.case_id)))$p$, t);
    END LOOP;
END
$$;
-- +goose StatementEnd

ALTER TABLE persons ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON persons
    USING ((SELECT ponte_sees_all())
        OR (SELECT ponte_claim('person_grantee')) = ANY (visible_to)
        OR ((SELECT ponte_scope()) = 'participants' AND EXISTS (SELECT 1 FROM participations pa WHERE pa.person_id = persons.id))
        OR ((SELECT ponte_scope_writable()) AND created_xact = pg_current_xact_id_if_assigned()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope_writable()));

ALTER TABLE households ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON households
    USING ((SELECT ponte_sees_all())
        OR (SELECT ponte_claim('grantee')) = ANY (visible_to)
        OR ((SELECT ponte_scope_writable()) AND created_xact = pg_current_xact_id_if_assigned()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope_writable()));

-- Members of a household in scope who are persons in scope (a member who left, or whom a
-- cooperative does not deliver to, is not shown), or of a household this transaction
-- created. Such a household was inserted by an earlier statement, so its transaction id
-- is known when the statement starts; before any write there is none, and the households
-- are not looked at.
ALTER TABLE household_members ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON household_members
    USING ((SELECT ponte_sees_all())
        OR (EXISTS (SELECT 1 FROM household_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.household_id = household_members.household_id)
            AND EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = household_members.person_id))
        OR ((SELECT ponte_scope_writable()) AND (SELECT pg_current_xact_id_if_assigned()) IS NOT NULL
            AND EXISTS (SELECT 1 FROM households h WHERE h.id = household_members.household_id AND ponte_written_here(h.created_xact))))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND (EXISTS (SELECT 1 FROM household_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.household_id = household_members.household_id)
                 OR EXISTS (SELECT 1 FROM households h WHERE h.id = household_members.household_id AND ponte_written_here(h.created_xact)))));

-- Assessments of cases in scope; a cooperative's only of the persons it delivers to.
ALTER TABLE assessments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON assessments
    USING ((SELECT ponte_sees_all())
        OR (EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = assessments.case_id)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = assessments.person_id))))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = assessments.case_id)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = assessments.person_id))));

-- Scores follow their assessment, through its own policy.
ALTER TABLE assessment_scores ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON assessment_scores
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM assessments a WHERE a.id = assessment_scores.assessment_id))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable()) AND EXISTS (SELECT 1 FROM assessments a WHERE a.id = assessment_scores.assessment_id)));

-- Projects of cases in scope; a cooperative's only those it delivers.
ALTER TABLE projects ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON projects
    USING ((SELECT ponte_sees_all())
        OR (EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = projects.case_id)
            AND ((SELECT ponte_scope()) <> 'provider' OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id')))))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = projects.case_id)
            AND ((SELECT ponte_scope()) <> 'provider' OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id')))));

-- Interventions of cases in scope; a cooperative's those it delivers or that belong to a
-- project it delivers; the ESF+ auditors' the ESF-funded ones of participants.
ALTER TABLE interventions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON interventions
    USING ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope()) = 'participants' AND round_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM participations pa WHERE pa.person_id = interventions.beneficiary_id))
        OR (EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = interventions.case_id)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id'))
                 OR EXISTS (SELECT 1 FROM projects p WHERE p.id = interventions.project_id
                                AND p.provider_organisation_id = (SELECT ponte_claim_uuid('org_id'))))))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = interventions.case_id)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id'))
                 OR EXISTS (SELECT 1 FROM projects p WHERE p.id = interventions.project_id
                                AND p.provider_organisation_id = (SELECT ponte_claim_uuid('org_id'))))));

-- Activity of cases in scope; a cooperative's that of its projects or written by its staff.
ALTER TABLE activity_entries ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON activity_entries
    USING ((SELECT ponte_sees_all())
        OR (EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = activity_entries.case_id)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR EXISTS (SELECT 1 FROM projects p WHERE p.id = activity_entries.project_id
                                AND p.provider_organisation_id = (SELECT ponte_claim_uuid('org_id')))
                 OR EXISTS (SELECT 1 FROM staff s WHERE s.id = activity_entries.author_id
                                AND s.organisation_id = (SELECT ponte_claim_uuid('org_id'))))))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND EXISTS (SELECT 1 FROM case_visibility v WHERE v.grantee = (SELECT ponte_claim('grantee')) AND v.case_id = activity_entries.case_id)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR EXISTS (SELECT 1 FROM projects p WHERE p.id = activity_entries.project_id
                                AND p.provider_organisation_id = (SELECT ponte_claim_uuid('org_id')))
                 OR EXISTS (SELECT 1 FROM staff s WHERE s.id = activity_entries.author_id
                                AND s.organisation_id = (SELECT ponte_claim_uuid('org_id'))))));

-- Participations of persons in scope; the ESF+ auditors' all of them.
ALTER TABLE participations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON participations
    USING ((SELECT ponte_sees_all()) OR (SELECT ponte_scope()) = 'participants'
        OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = participations.person_id))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = participations.person_id)));

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['participations', 'activity_entries', 'interventions', 'projects', 'assessment_scores',
            'assessments', 'household_members', 'households', 'persons', 'case_departments', 'case_assignments',
            'case_organisations', 'cases'] LOOP
        EXECUTE format('DROP POLICY scope ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['cases', 'case_assignments', 'case_organisations', 'projects', 'interventions',
            'assessments', 'household_members', 'persons', 'households'] LOOP
        EXECUTE format('DROP TRIGGER visibility_insert ON %1$I; DROP TRIGGER visibility_delete ON %1$I', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['cases', 'case_assignments', 'case_organisations', 'projects', 'interventions',
            'assessments', 'household_members', 'persons', 'households', 'organisations'] LOOP
        EXECUTE format('DROP TRIGGER visibility_update ON %I', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION ponte_visibility_follow_row(), ponte_visibility_follow(), ponte_visibility_apply(text, uuid[]),
    ponte_registration_refresh(text, uuid[]), ponte_visibility_refresh(uuid[]), ponte_visibility_keys(text, uuid[]);
DROP INDEX households_visible_to_idx, persons_visible_to_idx, cases_visible_to_idx;
ALTER TABLE households DROP COLUMN visible_to;
ALTER TABLE persons DROP COLUMN visible_to;
ALTER TABLE cases DROP COLUMN visible_to;
DROP TABLE household_visibility, person_visibility, case_visibility;
DROP INDEX households_registered_by_idx;
DROP INDEX persons_registered_by_idx;
ALTER TABLE households DROP COLUMN registered_by;
ALTER TABLE persons DROP COLUMN registered_by;
DROP FUNCTION ponte_written_here(xid8), ponte_sees_all(), ponte_unrestricted(),
    ponte_scope_writable(), ponte_scope(), ponte_claim_uuid(text), ponte_claim(text);
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ponte_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ponte_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ponte_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ponte_app;
REVOKE USAGE ON SCHEMA public FROM ponte_app;
ALTER TABLE households DROP COLUMN created_xact;
ALTER TABLE persons DROP COLUMN created_xact;
