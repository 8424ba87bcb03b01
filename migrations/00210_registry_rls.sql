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

-- A record's person is one the claims' scope sees when the persons table, under its own
-- policy (00100), answers for the tax code: an indexed lookup per record read.
ALTER TABLE registry_benefit_cases ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_benefit_cases
    USING ((SELECT ponte_sees_all())
        OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = ANY (registry_benefit_cases.member_tax_codes)))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_isee ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_isee
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = registry_isee.tax_code))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_labour_status ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_labour_status
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = registry_labour_status.tax_code))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_labour_status_history ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_labour_status_history
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = registry_labour_status_history.tax_code))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_employment_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_employment_events
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = registry_employment_events.tax_code))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_school_records ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_school_records
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = registry_school_records.tax_code))
    WITH CHECK ((SELECT ponte_unrestricted()));

ALTER TABLE registry_lookup_state ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON registry_lookup_state
    USING ((SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM persons p WHERE p.tax_code = registry_lookup_state.tax_code))
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
