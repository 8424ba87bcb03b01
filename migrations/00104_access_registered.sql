-- +goose Up
-- Persons and households registered by an organisation stay visible to it.
--
-- Row scopes follow cases: a person is seen through the cases, projects and interventions
-- that involve them. A person registered in one request and taken in charge in a later one
-- would fall in between, visible to nobody but the data protection officer. So persons
-- and households record the organisation that registered them (the request's principal,
-- from the ponte.principal_org claim the hub sets for every request; NULL for operators'
-- loads and registry synchronisation), and the organisation-wide scopes see what their
-- organisation registered: organisation and provider scopes their own organisation's,
-- territory scopes those of the organisations of their territory. The assigned scope
-- names no organisation and keeps seeing only the persons of its cases.
--
-- The registering organisation collected the data itself, so it remains visible to it
-- after a case of another organisation takes the person in charge.
-- internal/store/scope.go repeats the rule in the application's filter.

ALTER TABLE persons ADD COLUMN registered_by uuid REFERENCES organisations(id)
    DEFAULT nullif(current_setting('ponte.principal_org', true), '')::uuid;
ALTER TABLE households ADD COLUMN registered_by uuid REFERENCES organisations(id)
    DEFAULT nullif(current_setting('ponte.principal_org', true), '')::uuid;
CREATE INDEX persons_registered_by_idx ON persons (registered_by) WHERE registered_by IS NOT NULL;
CREATE INDEX households_registered_by_idx ON households (registered_by) WHERE registered_by IS NOT NULL;

-- The organisations whose registrations the claimed scope sees: its own for the
-- organisation and provider scopes, those of its territory for the territory scope.
-- +goose StatementBegin
CREATE FUNCTION ponte_registering_orgs() RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public
    AS $$
    SELECT ponte_claim_uuid('org_id') WHERE ponte_scope() IN ('organisation', 'provider') AND ponte_claim_uuid('org_id') IS NOT NULL
    UNION ALL
    SELECT g.id FROM organisations g WHERE ponte_scope() = 'territory' AND g.territory = ponte_claim('territory')
$$;
-- +goose StatementEnd

-- ponte_person_ids() and ponte_household_ids() of 00100, plus the registered rows; every
-- policy that relies on them (persons, households, household members, assessments,
-- participations, registry data) follows.
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

-- +goose Down
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
CREATE OR REPLACE FUNCTION ponte_household_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT DISTINCT c.household_id FROM cases c WHERE c.household_id IS NOT NULL AND c.id IN (SELECT ponte_case_ids()) $$;
DROP FUNCTION ponte_registering_orgs();
DROP INDEX households_registered_by_idx;
DROP INDEX persons_registered_by_idx;
ALTER TABLE households DROP COLUMN registered_by;
ALTER TABLE persons DROP COLUMN registered_by;
