-- +goose Up
-- Data-subject requests (GDPR Art. 15-21) as records: what the person asked, when it was
-- received, by when it must be answered (one month from receipt, extendable by two more
-- with a reason, Art. 12(3)), who handles it, and how it was closed. A request is kept
-- after it is closed, and after the person's data is erased, as the controller's proof
-- that it answered (Art. 5(2)); so no row is ever deleted, and the person reference
-- becomes null when the person row goes.
CREATE TABLE rights_requests (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id        uuid REFERENCES persons(id) ON DELETE SET NULL,
    kind             text NOT NULL CHECK (kind IN ('ACCESS', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION')),
    received_on      date NOT NULL,
    -- One month from receipt (Art. 12(3)); computed by the hub, checked here.
    due_on           date NOT NULL CHECK (due_on = (received_on + interval '1 month')::date),
    extended_due_on  date,
    extension_reason text,
    details          text NOT NULL DEFAULT '' CHECK (length(details) <= 4000),
    assignee         text CHECK (assignee <> ''),
    status           text NOT NULL DEFAULT 'RECEIVED' CHECK (status IN ('RECEIVED', 'ASSIGNED', 'CLOSED')),
    outcome          text CHECK (outcome IN ('GRANTED', 'PARTIALLY_GRANTED', 'REFUSED', 'WITHDRAWN')),
    answer           text CHECK (length(answer) <= 8000),
    answered_on      date,
    created_by       text NOT NULL CHECK (created_by <> ''),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- An extension needs its reason, and ends at most three months from receipt.
    CHECK ((extended_due_on IS NULL) = (extension_reason IS NULL)),
    CHECK (extended_due_on IS NULL OR (extended_due_on > due_on
        AND extended_due_on <= (received_on + interval '3 months')::date)),
    -- Closed exactly when it has an outcome, an answer and its date.
    CHECK ((status = 'CLOSED') = (outcome IS NOT NULL AND answer IS NOT NULL AND answered_on IS NOT NULL)),
    CHECK (answered_on IS NULL OR answered_on >= received_on)
);
CREATE INDEX rights_requests_person_idx ON rights_requests (person_id);
CREATE INDEX rights_requests_open_idx ON rights_requests (coalesce(extended_due_on, due_on)) WHERE status <> 'CLOSED';

-- What was done on a request, in order: created, assigned, extended, closed.
CREATE TABLE rights_request_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES rights_requests(id),
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL CHECK (actor <> ''),
    action     text NOT NULL CHECK (action IN ('CREATED', 'ASSIGNED', 'EXTENDED', 'CLOSED')),
    note       text NOT NULL DEFAULT ''
);
CREATE INDEX rights_request_events_request_idx ON rights_request_events (request_id, id);

-- Records of accountability: kept, never deleted by the hub's role.
REVOKE DELETE, TRUNCATE ON rights_requests, rights_request_events FROM ponte_app;
REVOKE UPDATE ON rights_request_events FROM ponte_app;

-- ---- Row security (one block; the claim is set by plans with manage_rights_requests) ----
-- A request names a person and what they asked: personal data, seen and written only by
-- a transaction whose plan handles data-subject requests (ponte.rights = manage).
ALTER TABLE rights_requests ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY rights_manager ON rights_requests
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage')
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage');
ALTER TABLE rights_request_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY rights_manager ON rights_request_events
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage')
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('rights')) = 'manage');
-- ---- end of row security ----

-- +goose Down
DROP TABLE rights_request_events;
DROP TABLE rights_requests;
