-- +goose Up
-- A quarantined record is resolved when a valid record with the same source reference
-- lands. When the reference was made from the broken field (a garbled programme in
-- "programme/protocol", a tax code with a wrong check character), the corrected record
-- has another reference and the row stayed open for ever. match_keys identify the
-- record by its content instead: sets of identity fields (the applicant and protocol of
-- a benefit case, the DID of a labour status, …) made only from the fields the record
-- did not fail on. A valid record sharing one of them resolves the row.
--
-- NULL marks rows stored before the keys existed: the engine computes theirs from the
-- raw payload when it starts, so that the next pass can resolve them too; '{}' is a row
-- with no usable key (an unreadable body).
ALTER TABLE registry_quarantine ADD COLUMN match_keys text[];
CREATE INDEX registry_quarantine_open_keys_idx ON registry_quarantine USING gin (match_keys) WHERE resolved_at IS NULL;

-- +goose Down
DROP INDEX registry_quarantine_open_keys_idx;
ALTER TABLE registry_quarantine DROP COLUMN match_keys;
