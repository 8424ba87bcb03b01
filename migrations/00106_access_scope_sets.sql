-- +goose Up
-- Row scope sets prepared once per query transaction, and policies that read them cheaply.
--
-- A page of cases with its nested data runs some twenty statements, and every one of them
-- applies the row-level security policies of the tables it reads. 00105 kept the sets of
-- cases, persons and households in the transaction's settings, but each policy still went
-- through PL/pgSQL functions to fetch them, and evaluated the claims row by row. Here:
--
--  * ponte_scope_prepare(), called by the hub right after the claims of a query
--    transaction, computes the three sets once and stores them as settings of the
--    transaction (ponte.set_cases, ponte.set_persons, ponte.set_households), tagged in
--    ponte.sets with the claims they were computed for (ponte_scope_signature() of 00105):
--    claims changed later in the transaction ignore them. A query's transaction does not
--    change which rows its scope sees (it writes nothing but its access-log entry).
--    Mutations never prepare: what they insert can widen the scope as they go, so their
--    policies compute the sets live.
--  * ponte_case_ids(), ponte_person_ids() and ponte_household_ids() become plain SQL
--    functions, which the planner inlines: the prepared set when there is one, else the
--    live computation of 00105.
--  * The policies of 00100 read claims through scalar subqueries, evaluated once per
--    statement instead of once per row, and reach the sets from FROM clauses, where the
--    functions can be inlined.
--
-- Like the claims themselves, prepared sets are settings of the hub's own transaction:
-- the policies guard against a wrong filter in a query, not against a hub that sets wrong
-- claims. A set is prepared for the row-level scopes that follow cases (assigned,
-- organisation, provider, territory); the others have no sets or, for the ESF+ auditors'
-- participants, too large a one to copy.

-- Computes the sets for the claims of the current transaction and keeps them. The cases
-- come first, so the persons and households are computed from the kept cases.
-- +goose StatementBegin
CREATE FUNCTION ponte_scope_prepare() RETURNS void
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    PERFORM set_config('ponte.sets', '', true);
    IF public.ponte_scope() NOT IN ('assigned', 'organisation', 'provider', 'territory') THEN
        RETURN;
    END IF;
    PERFORM set_config('ponte.set_cases', array_to_string(public.ponte_compute_case_ids(), ','), true);
    PERFORM set_config('ponte.set_persons', '', true);
    PERFORM set_config('ponte.set_households', '', true);
    PERFORM set_config('ponte.sets', public.ponte_scope_signature(), true);
    PERFORM set_config('ponte.set_persons', array_to_string(public.ponte_compute_person_ids(), ','), true);
    PERFORM set_config('ponte.set_households', array_to_string(public.ponte_compute_household_ids(), ','), true);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_scope_prepare() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_scope_prepare() TO ponte_app;

-- The sets the policies read. Each is one SELECT, so the planner inlines it into the
-- statement; the branch whose condition fails is pruned before anything runs.
CREATE OR REPLACE FUNCTION ponte_case_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
    SELECT x::uuid FROM unnest(string_to_array(current_setting('ponte.set_cases', true), ',')) x
     WHERE current_setting('ponte.sets', true) = public.ponte_scope_signature()
    UNION ALL
    SELECT x FROM unnest(public.ponte_compute_case_ids()) x
     WHERE current_setting('ponte.sets', true) IS DISTINCT FROM public.ponte_scope_signature() $$;
CREATE OR REPLACE FUNCTION ponte_person_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
    SELECT x::uuid FROM unnest(string_to_array(current_setting('ponte.set_persons', true), ',')) x
     WHERE current_setting('ponte.sets', true) = public.ponte_scope_signature()
    UNION ALL
    SELECT x FROM unnest(public.ponte_compute_person_ids()) x
     WHERE current_setting('ponte.sets', true) IS DISTINCT FROM public.ponte_scope_signature() $$;
CREATE OR REPLACE FUNCTION ponte_household_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
    SELECT x::uuid FROM unnest(string_to_array(current_setting('ponte.set_households', true), ',')) x
     WHERE current_setting('ponte.sets', true) = public.ponte_scope_signature()
    UNION ALL
    SELECT x FROM unnest(public.ponte_compute_household_ids()) x
     WHERE current_setting('ponte.sets', true) IS DISTINCT FROM public.ponte_scope_signature() $$;

-- The computations of 00105, reading the cases from FROM clauses (inlined, and from the
-- prepared set once there is one) and planned once per session (PL/pgSQL keeps its
-- plans; SQL functions with a SET clause are planned at every call).
CREATE OR REPLACE FUNCTION ponte_registering_orgs() RETURNS SETOF uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT ponte_claim_uuid('org_id') WHERE ponte_scope() IN ('organisation', 'provider') AND ponte_claim_uuid('org_id') IS NOT NULL
    UNION ALL
    SELECT g.id FROM public.organisations g WHERE ponte_scope() = 'territory' AND g.territory = ponte_claim('territory')
$$;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_compute_person_ids() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE s text := ponte_scope();
BEGIN
    IF s IN ('assigned', 'organisation', 'territory') THEN
        RETURN ARRAY(
            WITH sc AS MATERIALIZED (SELECT x AS id FROM ponte_case_ids() x)
            SELECT c.person_id FROM cases c JOIN sc ON sc.id = c.id WHERE c.person_id IS NOT NULL
            UNION SELECT m.person_id FROM household_members m JOIN cases c ON c.household_id = m.household_id JOIN sc ON sc.id = c.id
            UNION SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            UNION SELECT a.person_id FROM assessments a JOIN sc ON sc.id = a.case_id
            UNION SELECT r.id FROM persons r WHERE r.registered_by IN (SELECT o FROM ponte_registering_orgs() o));
    ELSIF s = 'provider' THEN
        RETURN ARRAY(
            WITH sc AS MATERIALIZED (SELECT x AS id FROM ponte_case_ids() x)
            SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            WHERE p.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            LEFT JOIN projects ip ON ip.id = i.project_id
            WHERE i.provider_organisation_id = ponte_claim_uuid('org_id')
               OR ip.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT r.id FROM persons r WHERE r.registered_by IN (SELECT o FROM ponte_registering_orgs() o));
    ELSIF s = 'participants' THEN
        RETURN ARRAY(SELECT DISTINCT pa.person_id FROM participations pa);
    END IF;
    RETURN '{}';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_compute_household_ids() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    RETURN ARRAY(
        SELECT c.household_id FROM cases c WHERE c.household_id IS NOT NULL AND c.id IN (SELECT x FROM ponte_case_ids() x)
        UNION SELECT h.id FROM households h WHERE h.registered_by IN (SELECT o FROM ponte_registering_orgs() o));
END
$$;
-- +goose StatementEnd

-- The kept sets of 00105 are superseded (its claims signature stays, tagging the
-- prepared sets).
DROP FUNCTION ponte_scope_cache_put(text, uuid[]);
DROP FUNCTION ponte_scope_cache_get(text);

-- The policies of 00100, same rules. (SELECT f()) is an initplan: computed once per
-- statement. Whether a row was inserted by the current transaction stays a per-row test:
-- an INSERT ... RETURNING must see the row it inserts, whose transaction id may be
-- assigned only by that very statement.
ALTER POLICY scope ON cases
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR CASE (SELECT ponte_scope())
            WHEN 'assigned' THEN lead_worker_id = (SELECT ponte_claim_uuid('staff_id'))
            WHEN 'organisation' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
            WHEN 'provider' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
            WHEN 'territory' THEN organisation_id IN (SELECT g.id FROM organisations g WHERE g.territory = ponte_claim('territory'))
            ELSE false END
        OR id IN (SELECT x FROM ponte_case_ids() x))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND CASE (SELECT ponte_scope())
            WHEN 'assigned' THEN lead_worker_id = (SELECT ponte_claim_uuid('staff_id'))
            WHEN 'organisation' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
            WHEN 'provider' THEN organisation_id = (SELECT ponte_claim_uuid('org_id'))
            WHEN 'territory' THEN organisation_id IN (SELECT g.id FROM organisations g WHERE g.territory = ponte_claim('territory'))
            ELSE false END)
        OR ((SELECT ponte_scope_writable()) AND id IN (SELECT x FROM ponte_case_ids() x)));

ALTER POLICY scope ON case_organisations
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR case_id IN (SELECT x FROM ponte_case_ids() x))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)));

ALTER POLICY scope ON case_assignments
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR case_id IN (SELECT x FROM ponte_case_ids() x))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)));

ALTER POLICY scope ON case_departments
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR case_id IN (SELECT x FROM ponte_case_ids() x))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)));

ALTER POLICY scope ON persons
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR id IN (SELECT x FROM ponte_person_ids() x)
        OR ((SELECT ponte_scope_writable()) AND created_xact = pg_current_xact_id_if_assigned()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope_writable()));

ALTER POLICY scope ON households
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR id IN (SELECT x FROM ponte_household_ids() x)
        OR ((SELECT ponte_scope_writable()) AND created_xact = pg_current_xact_id_if_assigned()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope_writable()));

-- A household this transaction created was inserted by an earlier statement, so its
-- transaction id is known when the statement starts; before any write there is none, and
-- the households are not scanned.
ALTER POLICY scope ON household_members
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR (household_id IN (SELECT x FROM ponte_household_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider' OR person_id IN (SELECT x FROM ponte_person_ids() x)))
        OR ((SELECT ponte_scope_writable()) AND (SELECT pg_current_xact_id_if_assigned()) IS NOT NULL
            AND household_id IN (SELECT h.id FROM households h WHERE ponte_written_here(h.created_xact))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND household_id IN (SELECT x FROM ponte_household_ids() x))
        OR ((SELECT ponte_scope_writable()) AND household_id IN (SELECT h.id FROM households h WHERE ponte_written_here(h.created_xact))));

ALTER POLICY scope ON assessments
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR (case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider' OR person_id IN (SELECT x FROM ponte_person_ids() x))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider' OR person_id IN (SELECT x FROM ponte_person_ids() x))));

ALTER POLICY scope ON projects
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR (case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider' OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id')))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider' OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id')))));

ALTER POLICY scope ON interventions
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope()) = 'participants' AND round_id IS NOT NULL AND beneficiary_id IN (SELECT x FROM ponte_person_ids() x))
        OR (case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id'))
                 OR project_id IN (SELECT ponte_provider_project_ids()))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR provider_organisation_id = (SELECT ponte_claim_uuid('org_id'))
                 OR project_id IN (SELECT ponte_provider_project_ids()))));

ALTER POLICY scope ON activity_entries
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR (case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR project_id IN (SELECT ponte_provider_project_ids())
                 OR author_id IN (SELECT s.id FROM staff s WHERE s.organisation_id = ponte_claim_uuid('org_id')))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND case_id IN (SELECT x FROM ponte_case_ids() x)
            AND ((SELECT ponte_scope()) <> 'provider'
                 OR project_id IN (SELECT ponte_provider_project_ids())
                 OR author_id IN (SELECT s.id FROM staff s WHERE s.organisation_id = ponte_claim_uuid('org_id')))));

ALTER POLICY scope ON participations
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) IN ('all', 'participants')
        OR person_id IN (SELECT x FROM ponte_person_ids() x))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND person_id IN (SELECT x FROM ponte_person_ids() x)));

-- +goose Down
-- The policies of 00100 and the functions of 00105.
ALTER POLICY scope ON cases
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
ALTER POLICY scope ON case_organisations
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR case_id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())));
ALTER POLICY scope ON case_assignments
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR case_id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())));
ALTER POLICY scope ON case_departments
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR case_id IN (SELECT ponte_case_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())));
ALTER POLICY scope ON persons
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR ponte_written_here(created_xact)
        OR id IN (SELECT ponte_person_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope_writable());
ALTER POLICY scope ON households
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR ponte_written_here(created_xact)
        OR id IN (SELECT ponte_household_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope_writable());
ALTER POLICY scope ON household_members
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (household_id IN (SELECT ponte_household_ids())
            AND (ponte_scope() <> 'provider' OR person_id IN (SELECT ponte_person_ids())))
        OR (ponte_scope_writable() AND household_id IN (SELECT h.id FROM households h WHERE ponte_written_here(h.created_xact))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND household_id IN (SELECT ponte_household_ids()))
        OR (ponte_scope_writable() AND household_id IN (SELECT h.id FROM households h WHERE ponte_written_here(h.created_xact))));
ALTER POLICY scope ON assessments
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR person_id IN (SELECT ponte_person_ids()))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR person_id IN (SELECT ponte_person_ids()))));
ALTER POLICY scope ON projects
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR provider_organisation_id = ponte_claim_uuid('org_id'))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND case_id IN (SELECT ponte_case_ids())
            AND (ponte_scope() <> 'provider' OR provider_organisation_id = ponte_claim_uuid('org_id'))));
ALTER POLICY scope ON interventions
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
ALTER POLICY scope ON activity_entries
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
ALTER POLICY scope ON participations
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() IN ('all', 'participants')
        OR person_id IN (SELECT ponte_person_ids()))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND person_id IN (SELECT ponte_person_ids())));

-- +goose StatementBegin
CREATE FUNCTION ponte_scope_cache_get(name text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text;
    sig text;
BEGIN
    IF current_setting('ponte.scope_cache', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    v := current_setting('ponte.cache_' || name, true);
    IF v IS NULL OR v = '' THEN
        RETURN NULL;
    END IF;
    sig := public.ponte_scope_signature() || '#';
    IF NOT starts_with(v, sig) THEN
        RETURN NULL;
    END IF;
    RETURN substr(v, length(sig) + 1);
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION ponte_scope_cache_put(name text, ids uuid[]) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE v text := array_to_string(ids, ',');
BEGIN
    IF current_setting('ponte.scope_cache', true) = 'on' THEN
        PERFORM set_config('ponte.cache_' || name, public.ponte_scope_signature() || '#' || v, true);
    END IF;
    RETURN v;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_case_ids() RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    AS $$
DECLARE ids text := public.ponte_scope_cache_get('case_ids');
BEGIN
    IF ids IS NULL THEN
        ids := public.ponte_scope_cache_put('case_ids', public.ponte_compute_case_ids());
    END IF;
    IF ids <> '' THEN
        RETURN QUERY SELECT x::uuid FROM unnest(string_to_array(ids, ',')) x;
    END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_person_ids() RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    AS $$
DECLARE ids text := public.ponte_scope_cache_get('person_ids');
BEGIN
    IF ids IS NULL THEN
        ids := public.ponte_scope_cache_put('person_ids', public.ponte_compute_person_ids());
    END IF;
    IF ids <> '' THEN
        RETURN QUERY SELECT x::uuid FROM unnest(string_to_array(ids, ',')) x;
    END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_household_ids() RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    AS $$
DECLARE ids text := public.ponte_scope_cache_get('household_ids');
BEGIN
    IF ids IS NULL THEN
        ids := public.ponte_scope_cache_put('household_ids', public.ponte_compute_household_ids());
    END IF;
    IF ids <> '' THEN
        RETURN QUERY SELECT x::uuid FROM unnest(string_to_array(ids, ',')) x;
    END IF;
END
$$;
-- +goose StatementEnd
CREATE OR REPLACE FUNCTION ponte_registering_orgs() RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public
    AS $$
    SELECT ponte_claim_uuid('org_id') WHERE ponte_scope() IN ('organisation', 'provider') AND ponte_claim_uuid('org_id') IS NOT NULL
    UNION ALL
    SELECT g.id FROM organisations g WHERE ponte_scope() = 'territory' AND g.territory = ponte_claim('territory')
$$;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_compute_person_ids() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE s text := ponte_scope();
BEGIN
    IF s IN ('assigned', 'organisation', 'territory') THEN
        RETURN ARRAY(
            WITH sc AS (SELECT ponte_case_ids() AS id)
            SELECT c.person_id FROM cases c JOIN sc ON sc.id = c.id WHERE c.person_id IS NOT NULL
            UNION SELECT m.person_id FROM household_members m JOIN cases c ON c.household_id = m.household_id JOIN sc ON sc.id = c.id
            UNION SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            UNION SELECT a.person_id FROM assessments a JOIN sc ON sc.id = a.case_id
            UNION SELECT r.id FROM persons r WHERE r.registered_by IN (SELECT ponte_registering_orgs()));
    ELSIF s = 'provider' THEN
        RETURN ARRAY(
            WITH sc AS (SELECT ponte_case_ids() AS id)
            SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            WHERE p.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            LEFT JOIN projects ip ON ip.id = i.project_id
            WHERE i.provider_organisation_id = ponte_claim_uuid('org_id')
               OR ip.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT r.id FROM persons r WHERE r.registered_by IN (SELECT ponte_registering_orgs()));
    ELSIF s = 'participants' THEN
        RETURN ARRAY(SELECT DISTINCT pa.person_id FROM participations pa);
    END IF;
    RETURN '{}';
END
$$;
-- +goose StatementEnd
CREATE OR REPLACE FUNCTION ponte_compute_household_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT ARRAY(
        SELECT c.household_id FROM cases c WHERE c.household_id IS NOT NULL AND c.id IN (SELECT ponte_case_ids())
        UNION SELECT h.id FROM households h WHERE h.registered_by IN (SELECT ponte_registering_orgs())) $$;
DROP FUNCTION ponte_scope_prepare();
