-- +goose Up
-- The statement triggers on participations (00330, 00540) and on the registry's employment
-- events (00310) compare the old and the new rows of an update by joining the two
-- transition tables on id. PL/pgSQL planned that join once per session, for the transition
-- tables of the trigger's first call, and kept the plan for every call after it. The first
-- call is often one with empty transition tables: an INSERT ... ON CONFLICT DO UPDATE fires
-- the update triggers too, whether or not it updated a row, and an import of participants
-- is one. The plan for one row, a nested loop, then compared every old row with every new
-- one. The import updates every participation it inserted (their entries counted, their
-- results stored), so its time grew with the square of the file: 5,000 rows spent 2 s of 5
-- there, 20,000 rows 98 s of 100 (250 million comparisons); and a 3,000-row update in a
-- session that had run one single-row upsert took 10 s instead of 1. The joins now run as
-- dynamic SQL, planned at each call for the transition tables' actual sizes (a hash join
-- for a load, a nested loop for a row), as the functions they call already are. What they
-- compute is unchanged.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_participations_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_recount_entries(array_agg(operation_id), array_agg(person_id)) FROM new_rows
            HAVING count(*) > 0;
        PERFORM esf_refresh_results(array_agg(id)) FROM new_rows WHERE exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_recount_entries(array_agg(operation_id), array_agg(person_id)) FROM old_rows
            HAVING count(*) > 0;
    ELSE
        EXECUTE $sql$
        SELECT esf_recount_entries(array_agg(x.operation_id), array_agg(x.person_id))
        FROM (SELECT o.operation_id, o.person_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id) IS DISTINCT FROM (n.operation_id, n.person_id)
              UNION
              SELECT n.operation_id, n.person_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id) IS DISTINCT FROM (n.operation_id, n.person_id)) x
        HAVING count(*) > 0
        $sql$;
        EXECUTE $sql$
        SELECT esf_refresh_results(array_agg(n.id))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.operation_id, o.person_id, o.exit_date, o.entry_date, o.employment_status)
              IS DISTINCT FROM (n.operation_id, n.person_id, n.exit_date, n.entry_date, n.employment_status)
        HAVING count(*) > 0
        $sql$;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_participations_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM old_rows HAVING count(*) > 0;
    ELSE
        EXECUTE $sql$
        SELECT esf_refresh_participants(array_agg(x.operation_id), array_agg(x.person_id))
        FROM (SELECT o.operation_id, o.person_id, n.operation_id AS new_operation_id, n.person_id AS new_person_id
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id, o.entry_date, o.exit_date, o.esf_gender, o.esf_age, o.employment_status,
                     o.unemployment_months, o.isced, o.esf_flags, o.esf_leaving, o.esf_qualified, o.esf_six_month,
                     o.esf_follow_up_on, o.esf_improved)
                  IS DISTINCT FROM
                    (n.operation_id, n.person_id, n.entry_date, n.exit_date, n.esf_gender, n.esf_age, n.employment_status,
                     n.unemployment_months, n.isced, n.esf_flags, n.esf_leaving, n.esf_qualified, n.esf_six_month,
                     n.esf_follow_up_on, n.esf_improved)) c
        CROSS JOIN LATERAL (VALUES (c.operation_id, c.person_id), (c.new_operation_id, c.new_person_id)) x(operation_id, person_id)
        HAVING count(*) > 0
        $sql$;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_employment_events_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM new_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM old_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSE
        EXECUTE $sql$
        SELECT esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (
                SELECT unnest(ARRAY[o.tax_code, n.tax_code]) FROM old_rows o JOIN new_rows n ON n.id = o.id
                 WHERE to_jsonb(o) - ARRAY['fetched_at', 'first_seen_at', 'updated_at', 'origin', 'raw_payload']
                       IS DISTINCT FROM to_jsonb(n) - ARRAY['fetched_at', 'first_seen_at', 'updated_at', 'origin', 'raw_payload'])
          AND p.exit_date IS NOT NULL HAVING count(*) > 0
        $sql$;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The functions of 00330, 00540 and 00310, unchanged.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_participations_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_recount_entries(array_agg(operation_id), array_agg(person_id)) FROM new_rows
            HAVING count(*) > 0;
        PERFORM esf_refresh_results(array_agg(id)) FROM new_rows WHERE exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_recount_entries(array_agg(operation_id), array_agg(person_id)) FROM old_rows
            HAVING count(*) > 0;
    ELSE
        PERFORM esf_recount_entries(array_agg(x.operation_id), array_agg(x.person_id))
        FROM (SELECT o.operation_id, o.person_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id) IS DISTINCT FROM (n.operation_id, n.person_id)
              UNION
              SELECT n.operation_id, n.person_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id) IS DISTINCT FROM (n.operation_id, n.person_id)) x
        HAVING count(*) > 0;
        PERFORM esf_refresh_results(array_agg(n.id))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.operation_id, o.person_id, o.exit_date, o.entry_date, o.employment_status)
              IS DISTINCT FROM (n.operation_id, n.person_id, n.exit_date, n.entry_date, n.employment_status)
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_participations_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM old_rows HAVING count(*) > 0;
    ELSE
        PERFORM esf_refresh_participants(array_agg(x.operation_id), array_agg(x.person_id))
        FROM (SELECT o.operation_id, o.person_id, n.operation_id AS new_operation_id, n.person_id AS new_person_id
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id, o.entry_date, o.exit_date, o.esf_gender, o.esf_age, o.employment_status,
                     o.unemployment_months, o.isced, o.esf_flags, o.esf_leaving, o.esf_qualified, o.esf_six_month,
                     o.esf_follow_up_on, o.esf_improved)
                  IS DISTINCT FROM
                    (n.operation_id, n.person_id, n.entry_date, n.exit_date, n.esf_gender, n.esf_age, n.employment_status,
                     n.unemployment_months, n.isced, n.esf_flags, n.esf_leaving, n.esf_qualified, n.esf_six_month,
                     n.esf_follow_up_on, n.esf_improved)) c
        CROSS JOIN LATERAL (VALUES (c.operation_id, c.person_id), (c.new_operation_id, c.new_person_id)) x(operation_id, person_id)
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_employment_events_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM new_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM old_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSE
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (
                SELECT unnest(ARRAY[o.tax_code, n.tax_code]) FROM old_rows o JOIN new_rows n ON n.id = o.id
                 WHERE to_jsonb(o) - ARRAY['fetched_at', 'first_seen_at', 'updated_at', 'origin', 'raw_payload']
                       IS DISTINCT FROM to_jsonb(n) - ARRAY['fetched_at', 'first_seen_at', 'updated_at', 'origin', 'raw_payload'])
          AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
