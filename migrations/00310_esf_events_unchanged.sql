-- +goose Up
-- A re-fetched employment event rewrites its row even when nothing in it changed
-- (fetched_at and origin move on), and the statement trigger of 00300 recomputed the
-- ESF+ results of every participant named by any updated row, so every re-sync of the
-- labour registry recomputed results for nothing. An update now counts only the rows
-- whose columns changed, bookkeeping aside (when and how the row was fetched, and the raw
-- bytes, whose content the other columns hold). Inserts and deletes always count.

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

-- +goose Down
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
        WHERE pe.tax_code IN (SELECT tax_code FROM old_rows UNION SELECT tax_code FROM new_rows)
          AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
