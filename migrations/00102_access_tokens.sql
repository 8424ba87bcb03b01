-- +goose Up
-- Partner tokens: opaque bearer tokens for partner agencies and service front ends. Only
-- the SHA-256 of a token is stored; the token itself is shown once, when issued. Each is
-- bound to an organisation, a role and the purposes it may declare, expires, can be
-- revoked, and records when it was last used.

CREATE TABLE access_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    label           text NOT NULL DEFAULT '',
    role            text NOT NULL CHECK (role <> ''),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    -- Optional: the staff member the token acts for (row scope "assigned cases").
    staff_id        uuid REFERENCES staff(id),
    purposes        text[] NOT NULL CHECK (cardinality(purposes) > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL DEFAULT '',
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX access_tokens_organisation_idx ON access_tokens (organisation_id);

-- The hub authenticates (reads) and records last use; issuing and revoking are operator
-- commands run as the login role.
REVOKE ALL ON access_tokens FROM ponte_app;
GRANT SELECT ON access_tokens TO ponte_app;
GRANT UPDATE (last_used_at) ON access_tokens TO ponte_app;

-- +goose Down
DROP TABLE access_tokens;
