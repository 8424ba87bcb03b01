-- +goose Up
-- The services table of the programme-specific monitoring (the ALI chapter's Table 8.5)
-- counts every intervention activated in a round, those of household members who benefit
-- only indirectly included (they are not participants, but their interventions are
-- reported: see ESF.md, "Counting rules"). A request that reports ESF+ values sees the
-- participants and their own interventions only (row scope participants), so these counts
-- are computed by the owner, like the dashboards' aggregates, and released to a request
-- transaction only behind the claim ponte.esf_report = read, which the hub sets for plans
-- allowed the report_esf operation with a scope that sees every participant. The counts
-- name no one; the login role (operators, the command line) needs no claim.

-- +goose StatementBegin
CREATE FUNCTION ponte_require_esf_report() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    IF (coalesce(current_setting('role', true), 'none') <> 'none'
            OR (session_user <> current_user AND pg_has_role(session_user, 'ponte_app', 'USAGE')))
       AND ponte_claim('esf_report') IS DISTINCT FROM 'read' THEN
        RAISE EXCEPTION 'ESF+ values need the report_esf operation' USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;
-- +goose StatementEnd

-- Per round of the operation (round_no 0: every round): interventions by service type
-- ('services'), and the round's participants with no service recorded, as beneficiary or
-- as participant of the project the service belongs to ('no_service').
-- +goose StatementBegin
CREATE FUNCTION esf_profile_services(operation uuid, round_no int)
    RETURNS TABLE (round_id uuid, tbl text, cat text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
#variable_conflict use_column
BEGIN
    PERFORM ponte_require_esf_report();
    RETURN QUERY
        WITH r AS (
            SELECT id FROM operation_rounds WHERE operation_id = operation AND (round_no = 0 OR number = round_no)
        ), pp AS (
            SELECT DISTINCT p.round_id, p.person_id FROM participations p JOIN r ON r.id = p.round_id
             WHERE p.operation_id = operation
        )
        SELECT i.round_id, 'services'::text, i.service_type, count(*)
          FROM interventions i JOIN r ON r.id = i.round_id GROUP BY 1, 3
        UNION ALL
        SELECT pp.round_id, 'no_service'::text, ''::text, count(*) FROM pp
         WHERE NOT EXISTS (SELECT 1 FROM interventions i LEFT JOIN projects pr ON pr.id = i.project_id
                WHERE i.round_id = pp.round_id AND (i.beneficiary_id = pp.person_id OR pr.participant_id = pp.person_id))
         GROUP BY 1;
END
$$;
-- +goose StatementEnd

-- The service types activated in any round of the operation: a type a round lacks is
-- "not offered" there, not 0.
-- +goose StatementBegin
CREATE FUNCTION esf_profile_service_types(operation uuid) RETURNS SETOF text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    PERFORM ponte_require_esf_report();
    RETURN QUERY
        SELECT DISTINCT i.service_type FROM interventions i JOIN operation_rounds r ON r.id = i.round_id
         WHERE r.operation_id = operation ORDER BY 1;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION ponte_require_esf_report(), esf_profile_services(uuid, int), esf_profile_service_types(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_require_esf_report(), esf_profile_services(uuid, int), esf_profile_service_types(uuid) TO ponte_app;

-- +goose Down
DROP FUNCTION esf_profile_service_types(uuid);
DROP FUNCTION esf_profile_services(uuid, int);
DROP FUNCTION ponte_require_esf_report();
