-- +goose Up
-- The access log: who read or changed which persons' data, for which purpose, in which
-- data categories. Rows are hash-chained: hash(n) = SHA-256(hash(n-1) || int8(n) ||
-- digest(n)), where digest(n) is the SHA-256 of the row's canonical content
-- (internal/audit). Appends go through access_log_append only, which locks the chain head
-- so the chain stays linear however many requests commit at once. The hub's role can
-- read the log (under row-level security: only with the DPO's claim) and append to it,
-- nothing else; a trigger refuses UPDATE, DELETE and TRUNCATE from anyone.

CREATE TABLE access_log (
    seq             bigint PRIMARY KEY CHECK (seq > 0),
    at              timestamptz NOT NULL,
    subject         text NOT NULL CHECK (subject <> ''),
    role            text NOT NULL CHECK (role <> ''),
    -- No foreign key: the log outlives what it mentions, and must never be touched by a
    -- referential action.
    organisation_id uuid,
    purpose         text NOT NULL CHECK (purpose <> ''),
    operation       text NOT NULL CHECK (operation <> ''),
    request_id      text NOT NULL DEFAULT '',
    person_ids      uuid[] NOT NULL,
    categories      text[] NOT NULL,
    hash            bytea NOT NULL CHECK (length(hash) = 32)
);
-- "Who accessed this person's data" (GDPR Art. 15).
CREATE INDEX access_log_person_idx ON access_log USING gin (person_ids);
CREATE INDEX access_log_subject_idx ON access_log (subject, seq);
CREATE INDEX access_log_at_idx ON access_log USING brin (at);

-- The chain head: the last sequence number and hash. Its row lock serialises appends.
CREATE TABLE access_log_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq         bigint NOT NULL,
    hash        bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO access_log_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- +goose StatementBegin
CREATE FUNCTION access_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse_change();
CREATE TRIGGER access_log_head_no_delete BEFORE DELETE ON access_log_head
    FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change();
CREATE TRIGGER access_log_head_no_truncate BEFORE TRUNCATE ON access_log_head
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_refuse_change();

-- Appends one row and returns its sequence number and hash. p_digest is the SHA-256 of
-- the row's canonical content, computed by the hub; verification recomputes it from the
-- stored columns, so a digest that does not match the content shows as tampering.
-- +goose StatementBegin
CREATE FUNCTION access_log_append(
    p_at timestamptz, p_subject text, p_role text, p_organisation_id uuid, p_purpose text,
    p_operation text, p_request_id text, p_person_ids uuid[], p_categories text[], p_digest bytea)
    RETURNS TABLE (seq bigint, hash bytea)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    h access_log_head;
BEGIN
    IF p_digest IS NULL OR length(p_digest) <> 32 THEN
        RAISE EXCEPTION 'access_log_append: digest must be 32 bytes' USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO h FROM access_log_head WHERE singleton FOR UPDATE;
    seq := h.seq + 1;
    hash := sha256(h.hash || int8send(seq) || p_digest);
    INSERT INTO access_log (seq, at, subject, role, organisation_id, purpose, operation, request_id,
                            person_ids, categories, hash)
    VALUES (seq, p_at, p_subject, p_role, p_organisation_id, p_purpose, p_operation,
            coalesce(p_request_id, ''), p_person_ids, p_categories, hash);
    UPDATE access_log_head SET seq = access_log_append.seq, hash = access_log_append.hash WHERE singleton;
    RETURN NEXT;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON access_log, access_log_head FROM ponte_app;
GRANT SELECT ON access_log TO ponte_app;
REVOKE ALL ON FUNCTION access_log_append(timestamptz, text, text, uuid, text, text, text, uuid[], text[], bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION access_log_append(timestamptz, text, text, uuid, text, text, text, uuid[], text[], bytea) TO ponte_app;

-- The log is personal data too: the hub's role reads it only with the claim the DPO's
-- plan sets (ponte.access_log = read).
ALTER TABLE access_log ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY reader ON access_log FOR SELECT
    USING ((SELECT ponte_unrestricted()) OR ponte_claim('access_log') = 'read');
-- The append function runs as the migration role; FORCE applies to it unless it is a
-- superuser, so it needs a policy of its own to insert.
CREATE POLICY appender ON access_log FOR INSERT
    WITH CHECK ((SELECT ponte_unrestricted()));

-- +goose Down
DROP FUNCTION access_log_append(timestamptz, text, text, uuid, text, text, text, uuid[], text[], bytea);
DROP TABLE access_log_head;
DROP TABLE access_log;
DROP FUNCTION access_log_refuse_change();
