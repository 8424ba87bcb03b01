-- +goose Up
-- Consent records in the shape of ISO/IEC TS 27560 (consent record information
-- structure): who consented (the subject), to which controller, for which purposes and
-- data categories, on which legal basis, the state (given, withdrawn, expired, refused)
-- with its times, how it was collected and the evidence, who recorded it, and every
-- change of state. Where a purpose's legal basis is consent (legal_bases.csv), a request
-- under that purpose reads a person only with a record in force for it: given, not
-- withdrawn, not expired. A withdrawal takes effect from the next statement.
CREATE TABLE consent_records (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id                   uuid NOT NULL REFERENCES persons(id),
    controller_organisation_id  uuid NOT NULL REFERENCES organisations(id),
    purposes                    text[] NOT NULL CHECK (cardinality(purposes) > 0),
    data_categories             text[] NOT NULL DEFAULT '{}',
    legal_basis                 text NOT NULL CHECK (legal_basis IN ('GDPR Art. 6(1)(a)', 'GDPR Art. 9(2)(a)')),
    state                       text NOT NULL CHECK (state IN ('GIVEN', 'WITHDRAWN', 'EXPIRED', 'REFUSED')),
    given_at                    timestamptz,
    withdrawn_at                timestamptz,
    expires_at                  timestamptz,
    method                      text NOT NULL CHECK (method IN ('WRITTEN', 'ELECTRONIC', 'ORAL_RECORDED')),
    evidence_ref                text NOT NULL CHECK (evidence_ref <> '' AND length(evidence_ref) <= 500),
    recorded_by                 text NOT NULL CHECK (recorded_by <> ''),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (state NOT IN ('GIVEN', 'WITHDRAWN', 'EXPIRED') OR given_at IS NOT NULL),
    CHECK ((state = 'WITHDRAWN') = (withdrawn_at IS NOT NULL)),
    CHECK (expires_at IS NULL OR given_at IS NULL OR expires_at > given_at)
);
CREATE INDEX consent_records_person_idx ON consent_records (person_id) WHERE state = 'GIVEN';

CREATE TABLE consent_record_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id   uuid NOT NULL REFERENCES consent_records(id),
    at          timestamptz NOT NULL DEFAULT now(),
    from_state  text,
    to_state    text NOT NULL,
    actor       text NOT NULL CHECK (actor <> ''),
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX consent_record_events_record_idx ON consent_record_events (record_id, id);
REVOKE DELETE, TRUNCATE ON consent_records, consent_record_events FROM ponte_app;
REVOKE UPDATE ON consent_record_events FROM ponte_app;

-- ---- Row security (one block; the participations pattern, person-keyed) ----
ALTER TABLE consent_records ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON consent_records
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = consent_records.person_id))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = consent_records.person_id)));
ALTER TABLE consent_record_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON consent_record_events
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR record_id IN (SELECT c.id FROM consent_records c))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND record_id IN (SELECT c.id FROM consent_records c)));

-- Consent-based purposes: a request whose purpose rests on consent (the claim
-- ponte.consent_purpose names it) sees a person only with a consent in force for it.
CREATE POLICY consent_required ON persons AS RESTRICTIVE FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR coalesce((SELECT ponte_claim('consent_purpose')), '') = ''
        OR EXISTS (SELECT 1 FROM consent_records c WHERE c.person_id = persons.id AND c.state = 'GIVEN'
            AND (SELECT ponte_claim('consent_purpose')) = ANY (c.purposes)
            AND (c.expires_at IS NULL OR c.expires_at > now())));
-- ---- end of row security ----

-- +goose Down
DROP POLICY consent_required ON persons;
DROP TABLE consent_record_events;
DROP TABLE consent_records;
