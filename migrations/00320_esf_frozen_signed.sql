-- +goose Up
-- Frozen reports are immutable for the hub's role and signed.
--
-- Immutability. 00300's trigger refuses UPDATE, DELETE and TRUNCATE from anyone, but the
-- hub's role (ponte_app) still held UPDATE and DELETE from the default privileges, and
-- could INSERT further esf_frozen_records rows under a report already frozen. Now:
--   * ponte_app keeps SELECT and INSERT only, so a refusal no longer depends on a trigger
--     its owner can disable;
--   * a report's records are sealed by its report row: the row is written first, and a
--     statement may insert records only under reports whose row was inserted by the
--     current transaction (its xmin is the transaction's id). Once the freezing
--     transaction commits, no one can add a record to the report, as the hub's role or as
--     the owner while the trigger is enabled. A report row written by another transaction
--     that has not committed is invisible, and one that has committed carries another
--     xmin, so records cannot be slipped in from outside whatever the isolation level.
--     An insert from a savepoint carries the savepoint's own xid and is refused: the
--     check fails closed.
--   The alternative, records first and a deferred check at commit, needs one queued
--   trigger event per record; this check runs once per statement. The reference from a
--   record to its report no longer has to wait for the commit either, so it becomes
--   immediate.
--
-- Signatures. The table owner (or a superuser) can still disable the triggers and rewrite
-- a report together with its hash. Each report is therefore signed by the hub with an
-- Ed25519 key the database never sees (internal/esf): signed_digests lists one SHA-256 per
-- stored field (values, records, record count, cut-off, filters, rules, who, when, note,
-- hash, id), the signature covers that list, and signing_key_id / signing_public_key name
-- the key. Verification rebuilds the list from the stored fields and checks the signature
-- against the key configured on the hub, never against the stored public key, so a
-- re-signed forgery shows; when it fails, the entries that differ name the fields that
-- changed. frozen_at is signed too, so it is set by the hub before signing: the default
-- that filled it in after the fact is dropped.
--
-- Reports frozen before this migration have no signature and stay as they are (ADD
-- COLUMN rewrites no row, and the constraint is NOT VALID): they verify as unsigned.

ALTER TABLE esf_frozen_reports
    ADD COLUMN signing_key_id      text,
    ADD COLUMN signing_public_key  bytea,
    ADD COLUMN signed_digests      text,
    ADD COLUMN signature           bytea,
    ALTER COLUMN frozen_at DROP DEFAULT;

ALTER TABLE esf_frozen_reports ADD CONSTRAINT esf_frozen_reports_signed CHECK (
    signing_key_id IS NOT NULL AND signing_key_id ~ '^[0-9a-f]{16}$'
    AND signing_public_key IS NOT NULL AND length(signing_public_key) = 32
    AND signed_digests IS NOT NULL AND signed_digests <> ''
    AND signature IS NOT NULL AND length(signature) = 64) NOT VALID;

REVOKE UPDATE, DELETE, TRUNCATE ON esf_frozen_reports, esf_frozen_records FROM ponte_app;

ALTER TABLE esf_frozen_records ALTER CONSTRAINT esf_frozen_records_report_id_fkey NOT DEFERRABLE;

-- +goose StatementBegin
CREATE FUNCTION esf_frozen_records_sealed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    r uuid;
BEGIN
    SELECT n.report_id INTO r
    FROM (SELECT DISTINCT report_id FROM new_rows) n
    LEFT JOIN esf_frozen_reports f ON f.id = n.report_id
    WHERE f.id IS NULL OR f.xmin <> pg_current_xact_id()::xid
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'frozen ESF reports are immutable: INSERT on esf_frozen_records of report % refused', r
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A report''s records are written only by the transaction that freezes it, after its report row.';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER esf_frozen_records_sealed AFTER INSERT ON esf_frozen_records
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_frozen_records_sealed();

-- +goose Down
-- The signatures are dropped with their columns: reports frozen meanwhile keep their
-- values, records and hash, and 00300's rules apply again.
DROP TRIGGER esf_frozen_records_sealed ON esf_frozen_records;
DROP FUNCTION esf_frozen_records_sealed();
ALTER TABLE esf_frozen_records ALTER CONSTRAINT esf_frozen_records_report_id_fkey DEFERRABLE INITIALLY DEFERRED;
GRANT UPDATE, DELETE ON esf_frozen_reports, esf_frozen_records TO ponte_app;
ALTER TABLE esf_frozen_reports
    DROP CONSTRAINT esf_frozen_reports_signed,
    ALTER COLUMN frozen_at SET DEFAULT now(),
    DROP COLUMN signature,
    DROP COLUMN signed_digests,
    DROP COLUMN signing_public_key,
    DROP COLUMN signing_key_id;
