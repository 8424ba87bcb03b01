-- +goose Up
-- Restriction of processing (GDPR Art. 18): while a person contests the accuracy of
-- their data, objects, or needs it kept for a legal claim, the data is kept but not
-- processed. A restriction hides the person and what is keyed to them from every read
-- but the data protection officer's (ponte.rights = manage) and the organisations the
-- restriction names for the legal claim it was kept for (Art. 18(2)). Registry
-- synchronisation keeps storing (it runs as an unrestricted role), so nothing is lost
-- while restricted; the ESF+ indicator computation (ponte.esf_report = read) keeps
-- counting the participation, as the monitoring obligation of Art. 42 CPR requires, and
-- shows it only through its pseudonym.
CREATE TABLE processing_restrictions (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id              uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    -- The person's tax code at the time, for the registry copies keyed by it.
    tax_code               text NOT NULL,
    request_id             uuid REFERENCES rights_requests(id),
    reason                 text NOT NULL CHECK (reason <> '' AND length(reason) <= 2000),
    -- Art. 18(2): the legal claim the data is still processed for, and by whom.
    legal_claim            text CHECK (legal_claim <> ''),
    claim_organisation_ids uuid[] NOT NULL DEFAULT '{}',
    since                  timestamptz NOT NULL DEFAULT now(),
    created_by             text NOT NULL CHECK (created_by <> ''),
    lifted_at              timestamptz,
    lifted_by              text,
    lift_reason            text,
    CHECK ((lifted_at IS NULL) = (lifted_by IS NULL) AND (lifted_at IS NULL) = (lift_reason IS NULL)),
    CHECK ((legal_claim IS NULL) = (cardinality(claim_organisation_ids) = 0))
);
-- One active restriction per person.
CREATE UNIQUE INDEX processing_restrictions_active_idx ON processing_restrictions (person_id) WHERE lifted_at IS NULL;
CREATE INDEX processing_restrictions_tax_code_idx ON processing_restrictions (tax_code) WHERE lifted_at IS NULL;
REVOKE DELETE, TRUNCATE ON processing_restrictions FROM ponte_app;

-- ---- Row security (one block) ----
-- Whose data is restricted, and why, is seen by those who could otherwise see the person
-- (so a refused reader is told the state and its reason), and written by the DPO only.
ALTER TABLE processing_restrictions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON processing_restrictions FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR ponte_scope() IN ('all', 'participants') OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = processing_restrictions.person_id));
CREATE POLICY manager ON processing_restrictions FOR INSERT
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage');
CREATE POLICY manager_update ON processing_restrictions FOR UPDATE
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage')
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage');

-- The restriction itself: restrictive policies for reading, so they hold whatever the
-- scope policies admit. A row keyed to a person with an active restriction is read only
-- by the DPO, or by an organisation the restriction names for its legal claim.
CREATE POLICY processing_restricted ON persons AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = persons.id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON cases AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage' OR cases.person_id IS NULL
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = cases.person_id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON household_members AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = household_members.person_id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON assessments AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = assessments.person_id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON projects AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = projects.participant_id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON interventions AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = interventions.beneficiary_id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON participations AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage' OR (SELECT ponte_claim('esf_report')) = 'read'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.person_id = participations.person_id AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON registry_isee AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.tax_code = registry_isee.tax_code AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON registry_school_records AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.tax_code = registry_school_records.tax_code AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON registry_labour_status AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.tax_code = registry_labour_status.tax_code AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON registry_employment_events AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.tax_code = registry_employment_events.tax_code AND r.lifted_at IS NULL
            AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
CREATE POLICY processing_restricted ON registry_benefit_cases AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage'
        OR NOT EXISTS (SELECT 1 FROM processing_restrictions r WHERE r.tax_code = ANY (registry_benefit_cases.member_tax_codes)
            AND r.lifted_at IS NULL AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)));
-- ---- end of row security ----

-- +goose Down
DROP POLICY processing_restricted ON registry_benefit_cases;
DROP POLICY processing_restricted ON registry_employment_events;
DROP POLICY processing_restricted ON registry_labour_status;
DROP POLICY processing_restricted ON registry_school_records;
DROP POLICY processing_restricted ON registry_isee;
DROP POLICY processing_restricted ON participations;
DROP POLICY processing_restricted ON interventions;
DROP POLICY processing_restricted ON projects;
DROP POLICY processing_restricted ON assessments;
DROP POLICY processing_restricted ON household_members;
DROP POLICY processing_restricted ON cases;
DROP POLICY processing_restricted ON persons;
DROP TABLE processing_restrictions;
