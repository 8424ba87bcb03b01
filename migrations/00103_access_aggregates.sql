-- +goose Up
-- Aggregates for dashboards: counts computed by the table owner, so a request whose row
-- scope shows no rows at all (scope aggregates) can still see how many there are. The
-- functions return raw counts; the hub applies small-cell suppression before anything
-- leaves it (access.Suppress), so they are granted to the hub's role only behind a claim:
-- a request transaction (running as ponte_app) must carry ponte.aggregates = read, which
-- the hub sets only for plans allowed the read_aggregates operation. The login role
-- (operators, tools) may call them without claims.
--
-- Population: the cases led by an organisation of the territory in the claim
-- ponte.aggregate_territory (the principal's organisation's territory), or every case
-- when the claim is empty (national bodies such as a managing authority).

-- Refuses a request transaction without the aggregates claim. Inside the SECURITY DEFINER
-- functions below current_user is the owner, so the caller is recognised by the role
-- setting (SET LOCAL ROLE ponte_app) or by a session user that is a member of ponte_app.
-- +goose StatementBegin
CREATE FUNCTION ponte_require_aggregates() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    IF (coalesce(current_setting('role', true), 'none') <> 'none'
            OR (session_user <> current_user AND pg_has_role(session_user, 'ponte_app', 'USAGE')))
       AND ponte_claim('aggregates') IS DISTINCT FROM 'read' THEN
        RAISE EXCEPTION 'aggregates need the read_aggregates operation' USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;
-- +goose StatementEnd

-- Cases per group and status. group_by: STATUS (one group per status), ORGANISATION (the
-- leading organisation), DEPARTMENT (each department involved; a case shared by two
-- departments counts in both, a case with none in group NONE).
-- +goose StatementBegin
CREATE FUNCTION ponte_case_load(group_by text)
    RETURNS TABLE (group_key text, group_label text, status text, cases bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
#variable_conflict use_column
DECLARE t text := ponte_claim('aggregate_territory');
BEGIN
    PERFORM ponte_require_aggregates();
    IF group_by = 'STATUS' THEN
        RETURN QUERY
            SELECT c.status, c.status, c.status, count(*)
              FROM cases c JOIN organisations lo ON lo.id = c.organisation_id
             WHERE t IS NULL OR lo.territory = t
             GROUP BY c.status;
    ELSIF group_by = 'ORGANISATION' THEN
        RETURN QUERY
            SELECT lo.code, lo.name, c.status, count(*)
              FROM cases c JOIN organisations lo ON lo.id = c.organisation_id
             WHERE t IS NULL OR lo.territory = t
             GROUP BY lo.code, lo.name, c.status;
    ELSIF group_by = 'DEPARTMENT' THEN
        RETURN QUERY
            SELECT coalesce(o.code || '/' || d.code, 'NONE'), coalesce(d.name, 'No department'), c.status, count(*)
              FROM cases c JOIN organisations lo ON lo.id = c.organisation_id
              LEFT JOIN case_departments cd ON cd.case_id = c.id
              LEFT JOIN departments d ON d.id = cd.department_id
              LEFT JOIN organisations o ON o.id = d.organisation_id
             WHERE t IS NULL OR lo.territory = t
             GROUP BY 1, 2, c.status;
    ELSE
        RAISE EXCEPTION 'unknown grouping %', group_by USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
-- +goose StatementEnd

-- Interventions of a funding round per service type and status.
-- +goose StatementBegin
CREATE FUNCTION ponte_services_activated(round uuid)
    RETURNS TABLE (service_type text, status text, interventions bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
#variable_conflict use_column
DECLARE t text := ponte_claim('aggregate_territory');
BEGIN
    PERFORM ponte_require_aggregates();
    RETURN QUERY
        SELECT i.service_type, i.status, count(*)
          FROM interventions i JOIN cases c ON c.id = i.case_id JOIN organisations lo ON lo.id = c.organisation_id
         WHERE i.round_id = round AND (t IS NULL OR lo.territory = t)
         GROUP BY i.service_type, i.status;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION ponte_require_aggregates(), ponte_case_load(text), ponte_services_activated(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_require_aggregates(), ponte_case_load(text), ponte_services_activated(uuid) TO ponte_app;

-- +goose Down
DROP FUNCTION ponte_services_activated(uuid);
DROP FUNCTION ponte_case_load(text);
DROP FUNCTION ponte_require_aggregates();
