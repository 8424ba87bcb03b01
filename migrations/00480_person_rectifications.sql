-- +goose Up
-- Rectification keeps history (GDPR Art. 16, and Art. 5(2) accountability): every change
-- of a person's identifying, contact or demographic data records the old and the new
-- value, who made it, why, and the request it answers, if any. The table is shared by
-- every path that corrects a person (the DPO's requests and the case workers' edits).
CREATE TABLE person_rectifications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id     uuid NOT NULL REFERENCES persons(id),
    request_id    uuid REFERENCES rights_requests(id),
    field         text NOT NULL CHECK (field ~ '^[a-z_]+$'),
    old_value     text,
    new_value     text,
    reason        text NOT NULL CHECK (reason <> '' AND length(reason) <= 2000),
    rectified_by  text NOT NULL CHECK (rectified_by <> ''),
    rectified_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX person_rectifications_person_idx ON person_rectifications (person_id, id);
REVOKE UPDATE, DELETE, TRUNCATE ON person_rectifications FROM ponte_app;

-- ---- Row security (one block; the participations pattern, person-keyed) ----
ALTER TABLE person_rectifications ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON person_rectifications
    USING ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = person_rectifications.person_id))
    WITH CHECK ((SELECT ponte_unrestricted()) OR ponte_scope() = 'all'
        OR (ponte_scope_writable() AND EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = person_rectifications.person_id)));
-- ---- end of row security ----

-- +goose Down
DROP TABLE person_rectifications;
