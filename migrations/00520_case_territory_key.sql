-- +goose Up
-- A case's territory key as a column of its own. A territory's social worker sees every
-- case led by an organisation of the territory: at a city's size that is nearly every
-- case, and reading the key out of visible_to (seven or more keys of some forty bytes,
-- the territory's last) cost 30-50 ms for each 100,000 cases a count or a list passes,
-- against 12 ms for the scan itself. A case has at most one territory key (the leading
-- organisation's territory, ponte_visibility_refresh in 00100), so the key is a stored
-- column generated from visible_to: it changes in the same statement as the keys it is
-- read from and cannot drift from them. The store filters a territory scope's cases on it
-- (internal/store/scope.go), and the cases policy tests it before the array, so both read
-- one short text per row. The index orders a territory's cases as the case list pages them.

-- +goose StatementBegin
CREATE FUNCTION ponte_territory_key(keys text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog
    AS $$ SELECT k FROM unnest(keys) k WHERE k LIKE 'territory:%' LIMIT 1 $$;
-- +goose StatementEnd

ALTER TABLE cases ADD COLUMN territory_key text GENERATED ALWAYS AS (ponte_territory_key(visible_to)) STORED;
CREATE INDEX cases_territory_order_idx ON cases (territory_key, (lpad((DATE '9999-12-31' - opened_on)::text, 7, '0')), id);

-- The policy of 00100/00510 with the column tested first; nothing else changed.
ALTER POLICY scope ON cases
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_claim('grantee'::text) AS ponte_claim) = territory_key) OR (( SELECT ponte_claim('grantee'::text) AS ponte_claim) = ANY (visible_to)) OR
CASE ( SELECT ponte_scope() AS ponte_scope)
    WHEN 'assigned'::text THEN (lead_worker_id = ( SELECT ponte_claim_uuid('staff_id'::text) AS ponte_claim_uuid))
    WHEN 'organisation'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'provider'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'territory'::text THEN (organisation_id IN ( SELECT g.id
       FROM organisations g
      WHERE (g.territory = ( SELECT ponte_claim('territory'::text) AS ponte_claim))))
    ELSE false
END))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND ((( SELECT ponte_claim('grantee'::text) AS ponte_claim) = territory_key) OR (( SELECT ponte_claim('grantee'::text) AS ponte_claim) = ANY (visible_to)) OR
CASE ( SELECT ponte_scope() AS ponte_scope)
    WHEN 'assigned'::text THEN (lead_worker_id = ( SELECT ponte_claim_uuid('staff_id'::text) AS ponte_claim_uuid))
    WHEN 'organisation'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'provider'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'territory'::text THEN (organisation_id IN ( SELECT g.id
       FROM organisations g
      WHERE (g.territory = ( SELECT ponte_claim('territory'::text) AS ponte_claim))))
    ELSE false
END))));

-- +goose Down
ALTER POLICY scope ON cases
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_claim('grantee'::text) AS ponte_claim) = ANY (visible_to)) OR
CASE ( SELECT ponte_scope() AS ponte_scope)
    WHEN 'assigned'::text THEN (lead_worker_id = ( SELECT ponte_claim_uuid('staff_id'::text) AS ponte_claim_uuid))
    WHEN 'organisation'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'provider'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'territory'::text THEN (organisation_id IN ( SELECT g.id
       FROM organisations g
      WHERE (g.territory = ( SELECT ponte_claim('territory'::text) AS ponte_claim))))
    ELSE false
END))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND ((( SELECT ponte_claim('grantee'::text) AS ponte_claim) = ANY (visible_to)) OR
CASE ( SELECT ponte_scope() AS ponte_scope)
    WHEN 'assigned'::text THEN (lead_worker_id = ( SELECT ponte_claim_uuid('staff_id'::text) AS ponte_claim_uuid))
    WHEN 'organisation'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'provider'::text THEN (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))
    WHEN 'territory'::text THEN (organisation_id IN ( SELECT g.id
       FROM organisations g
      WHERE (g.territory = ( SELECT ponte_claim('territory'::text) AS ponte_claim))))
    ELSE false
END))));
DROP INDEX cases_territory_order_idx;
ALTER TABLE cases DROP COLUMN territory_key;
DROP FUNCTION ponte_territory_key(text[]);
