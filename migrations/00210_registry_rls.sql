-- +goose Up
-- Row-level security for the registry data of 00200, the backstop behind the API's reads
-- (internal/store/registry_read.go), which reach registry records only through persons in
-- the request's scope, matching them by tax code. The policies repeat that rule: a record
-- is visible to the hub's role when the person it is about (its tax code, or for a benefit
-- application any household member on it) is a person the claims' scope sees. Records of
-- persons the hub does not hold, the quarantine, and the lookup state of unknown persons
-- are visible to scope 'all' only.
--
-- The hub's role never writes registry data: synchronisation, refreshes and imports run
-- as the login role (the owner), and the trigger linking new persons to their records is
-- SECURITY DEFINER. So every write by the hub's role is refused, whatever its scope.
-- Statuses of the sources and their synchronisation are not personal data and stay
-- readable.

-- Tax codes of the persons in scope, computed once per statement like ponte_person_ids().
CREATE FUNCTION ponte_person_tax_codes() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT p.tax_code FROM persons p WHERE p.id IN (SELECT ponte_person_ids()) $$;
REVOKE ALL ON FUNCTION ponte_person_tax_codes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_person_tax_codes() TO ponte_app;

ALTER TABLE registry_benefit_cases ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_benefit_cases
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR member_tax_codes && (SELECT coalesce(array_agg(t), '{}') FROM ponte_person_tax_codes() t))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_isee ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_isee
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR tax_code IN (SELECT ponte_person_tax_codes()))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_labour_status ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_labour_status
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR tax_code IN (SELECT ponte_person_tax_codes()))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_labour_status_history ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_labour_status_history
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR tax_code IN (SELECT ponte_person_tax_codes()))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_employment_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_employment_events
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR tax_code IN (SELECT ponte_person_tax_codes()))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_school_records ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_school_records
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR tax_code IN (SELECT ponte_person_tax_codes()))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_lookup_state ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_lookup_state
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all' OR tax_code IN (SELECT ponte_person_tax_codes()))
    WITH CHECK ((SELECT ponte_unrestricted()));

-- Malformed records: the person is often unreadable, so scope 'all' only.
ALTER TABLE registry_quarantine ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_quarantine
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all')
    WITH CHECK ((SELECT ponte_unrestricted()));

-- +goose Down
DROP POLICY scope ON registry_quarantine;
DROP POLICY scope ON registry_lookup_state;
DROP POLICY scope ON registry_school_records;
DROP POLICY scope ON registry_employment_events;
DROP POLICY scope ON registry_labour_status_history;
DROP POLICY scope ON registry_labour_status;
DROP POLICY scope ON registry_isee;
DROP POLICY scope ON registry_benefit_cases;
ALTER TABLE registry_quarantine NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_lookup_state NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_school_records NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_employment_events NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_labour_status_history NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_labour_status NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_isee NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE registry_benefit_cases NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
DROP FUNCTION ponte_person_tax_codes();
