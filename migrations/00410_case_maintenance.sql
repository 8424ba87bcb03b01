-- +goose Up
-- What staff correct: an intervention or an assessment recorded wrongly is corrected or
-- cancelled, never deleted (the previous values go to the case's history, case_events of
-- 00400); a person's data is rectified (GDPR Art. 16) keeping the previous values; an
-- intervention records the department that delivers it.

-- A cancelled intervention was recorded in error: it stays, with its reason, and counts
-- nowhere (services activated, the ESF+ profile of the services).
ALTER TABLE interventions DROP CONSTRAINT interventions_status_check;
ALTER TABLE interventions ADD CONSTRAINT interventions_status_check
    CHECK (status IN ('PLANNED', 'ACTIVE', 'COMPLETED', 'INTERRUPTED', 'CANCELLED'));
ALTER TABLE interventions ADD COLUMN cancellation_reason text;
ALTER TABLE interventions ADD CONSTRAINT interventions_cancellation_check
    CHECK ((status = 'CANCELLED') = (cancellation_reason IS NOT NULL));
-- The department of the providing organisation that delivers the service (TO-HOME: the
-- housing, employment or social-care department of the City).
ALTER TABLE interventions ADD COLUMN department_id uuid REFERENCES departments(id);
CREATE INDEX interventions_department_idx ON interventions (department_id) WHERE department_id IS NOT NULL;

ALTER TABLE assessments ADD COLUMN cancelled_at timestamptz;
ALTER TABLE assessments ADD COLUMN cancellation_reason text;
ALTER TABLE assessments ADD CONSTRAINT assessments_cancellation_check
    CHECK ((cancelled_at IS NULL) = (cancellation_reason IS NULL));

-- Rectifications of a person's data: what changed, from what, why and by whom.
-- changes: [{field, category, previous, value}]. Append-only.
CREATE TABLE person_data_changes (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id             uuid NOT NULL REFERENCES persons(id),
    at                    timestamptz NOT NULL DEFAULT now(),
    reason                text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    changes               jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array' AND jsonb_array_length(changes) > 0),
    actor_subject         text NOT NULL DEFAULT ponte_actor(),
    actor_staff_id        uuid REFERENCES staff(id),
    actor_organisation_id uuid REFERENCES organisations(id) DEFAULT nullif(current_setting('ponte.principal_org', true), '')::uuid
);
CREATE INDEX person_data_changes_person_idx ON person_data_changes (person_id, at);
COMMENT ON TABLE person_data_changes IS 'PERSONAL DATA (row scope by person): previous values of person data corrected by case workers (updatePerson); requests of the data protection officer keep theirs in person_rectifications';
CREATE TRIGGER person_data_changes_append_only BEFORE UPDATE OR DELETE ON person_data_changes
    FOR EACH ROW EXECUTE FUNCTION ponte_refuse_history_change();
CREATE TRIGGER person_data_changes_no_truncate BEFORE TRUNCATE ON person_data_changes
    FOR EACH STATEMENT EXECUTE FUNCTION ponte_refuse_history_change();

ALTER TABLE person_data_changes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON person_data_changes
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = person_data_changes.person_id))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = person_data_changes.person_id)));

-- Counts leave cancelled interventions out: the functions of 00103 and 00340, otherwise
-- unchanged.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_services_activated(round uuid)
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
         WHERE i.round_id = round AND i.status <> 'CANCELLED' AND (t IS NULL OR lo.territory = t)
         GROUP BY i.service_type, i.status;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_profile_services(operation uuid, round_no int)
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
          FROM interventions i JOIN r ON r.id = i.round_id WHERE i.status <> 'CANCELLED' GROUP BY 1, 3
        UNION ALL
        SELECT pp.round_id, 'no_service'::text, ''::text, count(*) FROM pp
         WHERE NOT EXISTS (SELECT 1 FROM interventions i LEFT JOIN projects pr ON pr.id = i.project_id
                WHERE i.round_id = pp.round_id AND i.status <> 'CANCELLED'
                  AND (i.beneficiary_id = pp.person_id OR pr.participant_id = pp.person_id))
         GROUP BY 1;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_profile_service_types(operation uuid) RETURNS SETOF text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    PERFORM ponte_require_esf_report();
    RETURN QUERY
        SELECT DISTINCT i.service_type FROM interventions i JOIN operation_rounds r ON r.id = i.round_id
         WHERE r.operation_id = operation AND i.status <> 'CANCELLED' ORDER BY 1;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_profile_service_types(operation uuid) RETURNS SETOF text
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_profile_services(operation uuid, round_no int)
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ponte_services_activated(round uuid)
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
DROP TABLE person_data_changes;
ALTER TABLE assessments DROP CONSTRAINT assessments_cancellation_check;
ALTER TABLE assessments DROP COLUMN cancellation_reason, DROP COLUMN cancelled_at;
DROP INDEX interventions_department_idx;
ALTER TABLE interventions DROP COLUMN department_id;
ALTER TABLE interventions DROP CONSTRAINT interventions_cancellation_check;
ALTER TABLE interventions DROP COLUMN cancellation_reason;
ALTER TABLE interventions DROP CONSTRAINT interventions_status_check;
ALTER TABLE interventions ADD CONSTRAINT interventions_status_check
    CHECK (status IN ('PLANNED', 'ACTIVE', 'COMPLETED', 'INTERRUPTED'));
