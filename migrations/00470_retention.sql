-- +goose Up
-- Retention as data, and what was done under it.
--
-- Art. 82 of Regulation (EU) 2021/1060 keeps the documents of an operation for five years
-- from 31 December of the year of the managing authority's last payment to the
-- beneficiary: the payment date is the operation's, recorded here.
ALTER TABLE operations ADD COLUMN last_payment_on date;

-- One rule per kind of record: how long it is kept, from what, and on what ground. The
-- job (internal/retention) reads them; changing a period is an UPDATE, not a release.
CREATE TABLE retention_rules (
    kind        text PRIMARY KEY CHECK (kind IN ('case', 'esf_participation', 'registry_copy', 'access_log')),
    -- The period after the anchor; the record expires the day after it ends.
    period      interval NOT NULL CHECK (period > interval '0'),
    anchor      text NOT NULL,
    -- Days between restricting a due person and pseudonymising them: the DPO's window
    -- to stop a wrong expiry.
    grace_days  integer NOT NULL DEFAULT 30 CHECK (grace_days >= 0),
    legal_basis text NOT NULL CHECK (legal_basis <> '')
);
INSERT INTO retention_rules (kind, period, anchor, grace_days, legal_basis) VALUES
    ('case', interval '10 years', 'closed_on of the person''s last case', 30,
     'D.P.R. 445/2000 and the municipality''s retention plan (piano di conservazione) for social-service files'),
    ('esf_participation', interval '5 years', '31 December of the year of the operation''s last payment', 30,
     'Reg. (EU) 2021/1060 Art. 82'),
    ('registry_copy', interval '1 year', 'the end of the purpose: the person''s last case closed, or the copy''s fetch when no case holds it', 0,
     'GDPR Art. 5(1)(e): copies fetched for taking in charge are kept no longer than it'),
    ('access_log', interval '6 years', 'the entry''s time', 0,
     'GDPR Art. 5(2) and 30; kept beyond the data it mentions to answer Art. 15 requests and the supervisory authority');
GRANT SELECT ON retention_rules TO ponte_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON retention_rules FROM ponte_app;

-- What the retention job and the DPO's erasures did, one line per person and step: the
-- unique key makes a step done once however often a run is repeated or resumed.
CREATE TABLE retention_ledger (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL CHECK (actor <> ''),
    rule       text NOT NULL,
    person_id  uuid,
    request_id uuid REFERENCES rights_requests(id),
    action     text NOT NULL CHECK (action IN ('RESTRICTED', 'PSEUDONYMISED', 'ERASED')),
    -- Expired on: the first day the record was no longer kept.
    due_on     date NOT NULL,
    detail     text NOT NULL DEFAULT '',
    UNIQUE (rule, person_id, action)
);
REVOKE UPDATE, DELETE, TRUNCATE ON retention_ledger FROM ponte_app;

-- ---- Row security (one block) ----
-- The ledger names persons: the DPO's plans (ponte.rights = manage) read and write it.
ALTER TABLE retention_ledger ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY rights_manager ON retention_ledger
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage')
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage');
-- ---- end of row security ----

-- +goose Down
DROP TABLE retention_ledger;
DROP TABLE retention_rules;
ALTER TABLE operations DROP COLUMN last_payment_on;
