-- +goose Up
-- The sets of cases, persons and households a row scope sees, computed once per query
-- transaction instead of once per statement.
--
-- The row-level security policies call ponte_case_ids(), ponte_person_ids() and
-- ponte_household_ids() in every statement that reads a personal-data table; a page of
-- cases with its nested data runs some twenty statements, and each recomputed the sets
-- from the cases of the scope. A query's transaction does not change which rows its scope
-- sees (it writes nothing but its access-log entry), so when the hub marks it with the
-- claim ponte.scope_cache = on, the first computation of each set is kept in a setting of
-- the transaction (set_config(..., true)) and reused by the following statements.
-- Mutations never set the claim: what they insert can widen the scope as they go.
--
-- A kept set is tagged with the claims it was computed for and ignored if they differ.
-- Like the claims themselves, the kept sets are settings of the hub's own transaction:
-- the policies guard against a wrong filter in a query, not against a hub that sets wrong
-- claims.
--
-- The functions the policies call become thin invoker functions around SECURITY DEFINER
-- ones that compute the sets: a setting changed inside a function carrying a SET clause
-- (the definer functions pin search_path) is undone when it returns.

-- The claims a set depends on.
CREATE FUNCTION ponte_scope_signature() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT concat_ws('|', public.ponte_scope(), coalesce(public.ponte_claim('staff_id'), ''),
                           coalesce(public.ponte_claim('org_id'), ''), coalesce(public.ponte_claim('territory'), '')) $$;

-- The set kept under name for the current claims, as comma-separated ids ('' for none), or
-- NULL. Kept as a plain list: splitting it costs a fraction of parsing a uuid[] literal.
-- PL/pgSQL keeps its plans for the session, where SQL functions like this would be
-- planned for every statement.
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

-- Keeps ids under name for the rest of the transaction (when the claim allows) and
-- returns them as a list.
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

-- The computations of 00100 and 00104, as definer functions returning arrays.
-- +goose StatementBegin
CREATE FUNCTION ponte_compute_case_ids() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE s text := ponte_scope();
BEGIN
    IF s = 'assigned' THEN
        RETURN ARRAY(
            SELECT c.id FROM cases c WHERE c.lead_worker_id = ponte_claim_uuid('staff_id')
            UNION SELECT a.case_id FROM case_assignments a WHERE a.staff_id = ponte_claim_uuid('staff_id'));
    ELSIF s IN ('organisation', 'provider') THEN
        RETURN ARRAY(
            SELECT c.id FROM cases c WHERE c.organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT o.case_id FROM case_organisations o WHERE o.organisation_id = ponte_claim_uuid('org_id'));
    ELSIF s = 'territory' THEN
        RETURN ARRAY(
            SELECT c.id FROM cases c JOIN organisations g ON g.id = c.organisation_id
            WHERE g.territory = ponte_claim('territory'));
    END IF;
    RETURN '{}';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ponte_compute_person_ids() RETURNS uuid[]
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

CREATE FUNCTION ponte_compute_household_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT ARRAY(
        SELECT c.household_id FROM cases c WHERE c.household_id IS NOT NULL AND c.id IN (SELECT ponte_case_ids())
        UNION SELECT h.id FROM households h WHERE h.registered_by IN (SELECT ponte_registering_orgs())) $$;

REVOKE ALL ON FUNCTION ponte_compute_case_ids(), ponte_compute_person_ids(), ponte_compute_household_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_compute_case_ids(), ponte_compute_person_ids(), ponte_compute_household_ids() TO ponte_app;

-- What the policies call: the kept set, else the computed one, kept.
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

-- +goose Down
-- The definitions of 00104 (persons, households) and 00100 (cases).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_case_ids() RETURNS SETOF uuid
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_person_ids() RETURNS SETOF uuid
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
            UNION SELECT a.person_id FROM assessments a JOIN sc ON sc.id = a.case_id
            UNION SELECT r.id FROM persons r WHERE r.registered_by IN (SELECT ponte_registering_orgs());
    ELSIF s = 'provider' THEN
        RETURN QUERY
            WITH sc AS (SELECT ponte_case_ids() AS id)
            SELECT p.participant_id FROM projects p JOIN sc ON sc.id = p.case_id
            WHERE p.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT i.beneficiary_id FROM interventions i JOIN sc ON sc.id = i.case_id
            LEFT JOIN projects ip ON ip.id = i.project_id
            WHERE i.provider_organisation_id = ponte_claim_uuid('org_id')
               OR ip.provider_organisation_id = ponte_claim_uuid('org_id')
            UNION SELECT r.id FROM persons r WHERE r.registered_by IN (SELECT ponte_registering_orgs());
    ELSIF s = 'participants' THEN
        RETURN QUERY SELECT DISTINCT pa.person_id FROM participations pa;
    END IF;
END
$$;
-- +goose StatementEnd
CREATE OR REPLACE FUNCTION ponte_household_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT DISTINCT c.household_id FROM cases c WHERE c.household_id IS NOT NULL AND c.id IN (SELECT ponte_case_ids())
          UNION SELECT h.id FROM households h WHERE h.registered_by IN (SELECT ponte_registering_orgs()) $$;
DROP FUNCTION ponte_compute_household_ids();
DROP FUNCTION ponte_compute_person_ids();
DROP FUNCTION ponte_compute_case_ids();
DROP FUNCTION ponte_scope_cache_put(text, uuid[]);
DROP FUNCTION ponte_scope_cache_get(text);
DROP FUNCTION ponte_scope_signature();
