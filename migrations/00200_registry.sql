-- +goose Up
-- Registry data: what the connectors pull from the benefits (INPS/GePI/SIISL), labour
-- (DID status, UNILAV employment events) and school (ANIST) registries, with its provenance
-- (source, source reference, raw payload and its SHA-256, fetch time), the records refused
-- as malformed (quarantine), and the state of each source's synchronisation.
--
-- Every record table is keyed by (source, source_ref), so pulling the same record again
-- updates it in place, and keeps the person's tax code even when the hub holds no such
-- person yet: person_id is filled in as soon as one is registered (trigger below).
--
-- Tables marked "PERSONAL DATA (row scope by person)" hold data about identifiable
-- persons: row-level security policies must restrict them like persons, through person_id,
-- or through tax_code for rows of persons the hub does not hold (visible to scope 'all'
-- only). The marker is repeated in COMMENT ON TABLE so it can be queried.

CREATE TABLE registry_sources (
    source              text PRIMARY KEY CHECK (source IN ('benefits', 'labour', 'school')),
    -- Records older than this are STALE.
    max_age_seconds     integer NOT NULL DEFAULT 86400 CHECK (max_age_seconds > 0),
    -- The circuit breaker of the source's client as last observed by a sync or lookup.
    breaker_state       text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'half-open', 'open')),
    breaker_observed_at timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO registry_sources (source) VALUES ('benefits'), ('labour'), ('school');

-- One row per source and collection: the bulk synchronisation's persisted cursor and health.
CREATE TABLE registry_sync_state (
    source                  text NOT NULL REFERENCES registry_sources(source),
    collection              text NOT NULL,
    -- The next page of the pass in progress; NULL when no pass is in progress. It is saved
    -- in the same transaction as the page's records, so a pass killed midway resumes
    -- exactly after the last page stored.
    next_cursor             text,
    pass_started_at         timestamptz,
    pass_records            bigint NOT NULL DEFAULT 0,
    last_attempt_at         timestamptz,
    last_success_at         timestamptz,
    last_full_sync_at       timestamptz,
    last_error              text,
    last_error_at           timestamptz,
    consecutive_failures    integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    PRIMARY KEY (source, collection),
    CHECK ((source, collection) IN (('benefits', 'benefit-cases'), ('benefits', 'isee'),
        ('labour', 'labour-status'), ('labour', 'employment-events'), ('school', 'school-records')))
);
INSERT INTO registry_sync_state (source, collection) VALUES
    ('benefits', 'benefit-cases'), ('benefits', 'isee'), ('labour', 'labour-status'),
    ('labour', 'employment-events'), ('school', 'school-records');

-- Every synchronisation, refresh and import, with its counts; a run with no finished_at
-- was interrupted.
CREATE TABLE registry_sync_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text NOT NULL REFERENCES registry_sources(source),
    collection      text,
    kind            text NOT NULL CHECK (kind IN ('SYNC', 'REFRESH', 'IMPORT')),
    -- What was run: a job id, a command line, a file name.
    detail          text,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    fetched         integer NOT NULL DEFAULT 0 CHECK (fetched >= 0),
    stored          integer NOT NULL DEFAULT 0 CHECK (stored >= 0),
    unchanged       integer NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
    quarantined     integer NOT NULL DEFAULT 0 CHECK (quarantined >= 0),
    error           text
);
CREATE INDEX registry_sync_runs_source_idx ON registry_sync_runs (source, started_at DESC);

-- PERSONAL DATA (row scope by person): the outcome of the last point lookup of a person
-- at a source (on-demand refresh), so a failed refresh shows on that person's records.
CREATE TABLE registry_lookup_state (
    source                  text NOT NULL REFERENCES registry_sources(source),
    tax_code                text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    last_attempt_at         timestamptz NOT NULL,
    last_success_at         timestamptz,
    last_error              text,
    last_error_at           timestamptz,
    consecutive_failures    integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    PRIMARY KEY (source, tax_code)
);
COMMENT ON TABLE registry_lookup_state IS 'PERSONAL DATA (row scope by person, via tax_code)';

-- PERSONAL DATA (row scope by person): RdC/PdC/ADI/SFL applications and benefits. person_id
-- is the applicant; member_tax_codes lists every household member on the application,
-- applicant included, so a member's cases are found by one index lookup.
CREATE TABLE registry_benefit_cases (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source                  text NOT NULL REFERENCES registry_sources(source),
    source_ref              text NOT NULL CHECK (length(source_ref) BETWEEN 1 AND 200),
    person_id               uuid REFERENCES persons(id) ON DELETE SET NULL,
    tax_code                text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    programme               text NOT NULL CHECK (programme IN ('RDC', 'PDC', 'ADI', 'SFL')),
    application_protocol    text NOT NULL,
    -- [{"tax_code", "role": "applicant"|"member", "relationship", "birth_date"}], as provided.
    household_members       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(household_members) = 'array'),
    member_tax_codes        text[] NOT NULL,
    status                  text NOT NULL CHECK (status IN ('SUBMITTED', 'ACCEPTED', 'REJECTED', 'SUSPENDED',
                                'REVOKED', 'DECAYED', 'TERMINATED')),
    -- The source's own label, verbatim.
    status_raw              text NOT NULL,
    status_date             date NOT NULL,
    monthly_amount_cents    bigint,
    start_date              date,
    end_date                date,
    pad_signed_date         date,
    prelim_analysis_outcome text CHECK (prelim_analysis_outcome IN ('A', 'B', 'C', 'D')),
    pact_type               text CHECK (pact_type IN ('PAIS', 'PSP')),
    pact_signed_date        date,
    municipality            text CHECK (municipality ~ '^[A-Z][0-9]{3}$'),
    raw_payload             bytea NOT NULL,
    payload_sha256          text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    content_type            text NOT NULL,
    -- How the record arrived: sync, refresh, or import:<file>.
    origin                  text NOT NULL,
    fetched_at              timestamptz NOT NULL,
    first_seen_at           timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_ref),
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE INDEX registry_benefit_cases_person_idx ON registry_benefit_cases (person_id);
CREATE INDEX registry_benefit_cases_tax_code_idx ON registry_benefit_cases (tax_code);
CREATE INDEX registry_benefit_cases_members_idx ON registry_benefit_cases USING gin (member_tax_codes);
COMMENT ON TABLE registry_benefit_cases IS 'PERSONAL DATA (row scope by person, via person_id or member_tax_codes)';

-- PERSONAL DATA (row scope by person): ISEE attestations, keyed by DSU protocol.
CREATE TABLE registry_isee (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source              text NOT NULL REFERENCES registry_sources(source),
    source_ref          text NOT NULL CHECK (length(source_ref) BETWEEN 1 AND 200),
    person_id           uuid REFERENCES persons(id) ON DELETE SET NULL,
    tax_code            text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    dsu_protocol        text NOT NULL,
    isee_value_cents    bigint NOT NULL,
    isee_type           text NOT NULL,
    valid_until         date NOT NULL,
    household_size      integer NOT NULL CHECK (household_size > 0),
    raw_payload         bytea NOT NULL,
    payload_sha256      text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    content_type        text NOT NULL,
    origin              text NOT NULL,
    fetched_at          timestamptz NOT NULL,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_ref)
);
CREATE INDEX registry_isee_person_idx ON registry_isee (person_id);
CREATE INDEX registry_isee_tax_code_idx ON registry_isee (tax_code, valid_until DESC);
COMMENT ON TABLE registry_isee IS 'PERSONAL DATA (row scope by person, via person_id)';

-- PERSONAL DATA (row scope by person): the current DID labour status of a person; the
-- source reference is the tax code, since each status supersedes the previous one.
CREATE TABLE registry_labour_status (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source              text NOT NULL REFERENCES registry_sources(source),
    source_ref          text NOT NULL CHECK (length(source_ref) BETWEEN 1 AND 200),
    person_id           uuid REFERENCES persons(id) ON DELETE SET NULL,
    tax_code            text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    did_id              text NOT NULL,
    did_date            date NOT NULL,
    employment_status   text NOT NULL CHECK (employment_status IN ('UNEMPLOYED', 'EMPLOYED', 'INACTIVE', 'IN_EDUCATION')),
    unemployment_months integer CHECK (unemployment_months >= 0),
    profiling_index     numeric(5,4) CHECK (profiling_index BETWEEN 0 AND 1),
    service_pact_date   date,
    cpi_code            text,
    as_of               timestamptz NOT NULL,
    raw_payload         bytea NOT NULL,
    payload_sha256      text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    content_type        text NOT NULL,
    origin              text NOT NULL,
    fetched_at          timestamptz NOT NULL,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_ref)
);
CREATE INDEX registry_labour_status_person_idx ON registry_labour_status (person_id);
CREATE INDEX registry_labour_status_tax_code_idx ON registry_labour_status (tax_code);
COMMENT ON TABLE registry_labour_status IS 'PERSONAL DATA (row scope by person, via person_id)';

-- PERSONAL DATA (row scope by person): every distinct labour status seen, by the date the
-- registry computed it, so the status on a past date can be answered.
CREATE TABLE registry_labour_status_history (
    source              text NOT NULL REFERENCES registry_sources(source),
    tax_code            text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    as_of               timestamptz NOT NULL,
    did_date            date NOT NULL,
    employment_status   text NOT NULL CHECK (employment_status IN ('UNEMPLOYED', 'EMPLOYED', 'INACTIVE', 'IN_EDUCATION')),
    unemployment_months integer CHECK (unemployment_months >= 0),
    payload_sha256      text NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, tax_code, as_of)
);
CREATE INDEX registry_labour_status_history_tax_code_idx ON registry_labour_status_history (tax_code, as_of);
COMMENT ON TABLE registry_labour_status_history IS 'PERSONAL DATA (row scope by person, via tax_code)';

-- PERSONAL DATA (row scope by person): UNILAV compulsory communications (hire, extension,
-- transformation, termination), keyed by communication id, pulled or imported from files.
CREATE TABLE registry_employment_events (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source                      text NOT NULL REFERENCES registry_sources(source),
    source_ref                  text NOT NULL CHECK (length(source_ref) BETWEEN 1 AND 200),
    person_id                   uuid REFERENCES persons(id) ON DELETE SET NULL,
    -- The worker.
    tax_code                    text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    communication_id            text NOT NULL,
    previous_communication_id   text,
    event_type                  text NOT NULL CHECK (event_type IN ('HIRE', 'EXTENSION', 'TRANSFORMATION', 'TERMINATION')),
    employer_tax_code           text NOT NULL,
    employer_name               text,
    ateco_code                  text,
    contract_type_code          text,
    istat_occupation_code       text,
    -- The employment relationship's start; all communications of one relationship share it.
    start_date                  date NOT NULL,
    -- Planned end (fixed term), new end (extension) or last day worked (termination).
    end_date                    date,
    termination_cause_code      text,
    sent_at                     timestamptz,
    raw_payload                 bytea NOT NULL,
    payload_sha256              text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    content_type                text NOT NULL,
    origin                      text NOT NULL,
    fetched_at                  timestamptz NOT NULL,
    first_seen_at               timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_ref),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX registry_employment_events_person_idx ON registry_employment_events (person_id);
CREATE INDEX registry_employment_events_spell_idx ON registry_employment_events (tax_code, employer_tax_code, start_date);
COMMENT ON TABLE registry_employment_events IS 'PERSONAL DATA (row scope by person, via person_id)';

-- PERSONAL DATA (row scope by person; data about minors): enrolment and attendance per
-- school year, keyed by tax code and school year.
CREATE TABLE registry_school_records (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source                  text NOT NULL REFERENCES registry_sources(source),
    source_ref              text NOT NULL CHECK (length(source_ref) BETWEEN 1 AND 200),
    person_id               uuid REFERENCES persons(id) ON DELETE SET NULL,
    tax_code                text NOT NULL CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    school_year             text NOT NULL CHECK (school_year ~ '^[0-9]{4}/[0-9]{4}$'),
    school_code             text,
    grade_level             text,
    attendance_status       text NOT NULL CHECK (attendance_status IN ('ENROLLED', 'ATTENDING', 'TRANSFERRED', 'WITHDRAWN', 'NOT_FOUND')),
    attendance_status_raw   text NOT NULL,
    checked_at              timestamptz NOT NULL,
    qualification_code      text,
    qualification_name      text,
    qualification_date      date,
    raw_payload             bytea NOT NULL,
    payload_sha256          text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    content_type            text NOT NULL,
    origin                  text NOT NULL,
    fetched_at              timestamptz NOT NULL,
    first_seen_at           timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_ref)
);
CREATE INDEX registry_school_records_person_idx ON registry_school_records (person_id);
CREATE INDEX registry_school_records_tax_code_idx ON registry_school_records (tax_code, school_year DESC);
COMMENT ON TABLE registry_school_records IS 'PERSONAL DATA (row scope by person, via person_id; minors)';

-- PERSONAL DATA (row scope 'all' only: the person is often unreadable): records refused
-- as malformed, with the raw body exactly as received and the reason naming the field. The
-- same broken body is kept once (times_seen counts repeats); it is resolved when a valid
-- record with the same source reference lands.
CREATE TABLE registry_quarantine (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text NOT NULL REFERENCES registry_sources(source),
    kind            text NOT NULL CHECK (kind IN ('benefit_case', 'isee', 'labour_status', 'employment_event', 'school_record')),
    -- NULL when the record was too broken to read its reference.
    source_ref      text,
    raw_payload     bytea NOT NULL,
    payload_sha256  text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
    content_type    text NOT NULL,
    -- The first problem's field ('' for an unreadable record) and every problem found.
    field           text NOT NULL,
    reason          text NOT NULL,
    problems        jsonb NOT NULL CHECK (jsonb_typeof(problems) = 'array'),
    origin          text NOT NULL,
    fetched_at      timestamptz NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    times_seen      integer NOT NULL DEFAULT 1 CHECK (times_seen > 0),
    resolved_at     timestamptz,
    UNIQUE (source, kind, payload_sha256)
);
CREATE INDEX registry_quarantine_open_idx ON registry_quarantine (source, kind, source_ref) WHERE resolved_at IS NULL;
COMMENT ON TABLE registry_quarantine IS 'PERSONAL DATA (row scope all only)';

-- A person registered after their registry records arrived gets linked to them at once,
-- and a corrected tax code moves the link. Statement-level with transition tables, so a
-- bulk load of persons costs one join per registry table, not one update per person. It
-- runs as the migration role: the link is bookkeeping, not a write of the caller's.
-- +goose StatementBegin
CREATE FUNCTION registry_link_persons() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
BEGIN
    UPDATE registry_benefit_cases r SET person_id = n.id FROM registry_new_persons n
        WHERE r.tax_code = n.tax_code AND r.person_id IS DISTINCT FROM n.id;
    UPDATE registry_isee r SET person_id = n.id FROM registry_new_persons n
        WHERE r.tax_code = n.tax_code AND r.person_id IS DISTINCT FROM n.id;
    UPDATE registry_labour_status r SET person_id = n.id FROM registry_new_persons n
        WHERE r.tax_code = n.tax_code AND r.person_id IS DISTINCT FROM n.id;
    UPDATE registry_employment_events r SET person_id = n.id FROM registry_new_persons n
        WHERE r.tax_code = n.tax_code AND r.person_id IS DISTINCT FROM n.id;
    UPDATE registry_school_records r SET person_id = n.id FROM registry_new_persons n
        WHERE r.tax_code = n.tax_code AND r.person_id IS DISTINCT FROM n.id;
    IF TG_OP = 'UPDATE' THEN
        -- A tax code changed away: unlink the rows that no longer match.
        UPDATE registry_benefit_cases r SET person_id = NULL FROM registry_new_persons n
            WHERE r.person_id = n.id AND r.tax_code <> n.tax_code;
        UPDATE registry_isee r SET person_id = NULL FROM registry_new_persons n
            WHERE r.person_id = n.id AND r.tax_code <> n.tax_code;
        UPDATE registry_labour_status r SET person_id = NULL FROM registry_new_persons n
            WHERE r.person_id = n.id AND r.tax_code <> n.tax_code;
        UPDATE registry_employment_events r SET person_id = NULL FROM registry_new_persons n
            WHERE r.person_id = n.id AND r.tax_code <> n.tax_code;
        UPDATE registry_school_records r SET person_id = NULL FROM registry_new_persons n
            WHERE r.person_id = n.id AND r.tax_code <> n.tax_code;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION registry_link_persons() FROM PUBLIC;

CREATE TRIGGER registry_link_inserted_persons AFTER INSERT ON persons
    REFERENCING NEW TABLE AS registry_new_persons
    FOR EACH STATEMENT EXECUTE FUNCTION registry_link_persons();
CREATE TRIGGER registry_link_updated_persons AFTER UPDATE ON persons
    REFERENCING NEW TABLE AS registry_new_persons
    FOR EACH STATEMENT EXECUTE FUNCTION registry_link_persons();

-- Employment spells, one per employment relationship (worker, employer, start date: every
-- communication about one relationship carries its start date). The end is the last
-- termination's date when there is one, else the end the latest communication gives
-- (a fixed term's planned end, an extension's new end, NULL for an open-ended contract).
-- Communications are ordered by sending time, then by the order the kinds follow in a
-- relationship's life. end_date is the last day worked; NULL means still running.
CREATE VIEW employment_spells AS
    SELECT e.source,
           e.tax_code,
           (array_agg(e.person_id) FILTER (WHERE e.person_id IS NOT NULL))[1] AS person_id,
           e.employer_tax_code,
           (array_agg(e.employer_name ORDER BY e.sent_at DESC NULLS LAST, e.id)
                FILTER (WHERE e.employer_name IS NOT NULL AND e.employer_name <> ''))[1] AS employer_name,
           e.start_date,
           coalesce(
               (array_agg(e.end_date ORDER BY e.sent_at DESC NULLS LAST, e.source_ref DESC)
                    FILTER (WHERE e.event_type = 'TERMINATION'))[1],
               (array_agg(e.end_date ORDER BY e.sent_at DESC NULLS LAST,
                    array_position(ARRAY['HIRE', 'TRANSFORMATION', 'EXTENSION', 'TERMINATION'], e.event_type) DESC,
                    e.source_ref DESC))[1]) AS end_date,
           (array_agg(e.contract_type_code ORDER BY e.sent_at DESC NULLS LAST,
                array_position(ARRAY['HIRE', 'TRANSFORMATION', 'EXTENSION', 'TERMINATION'], e.event_type) DESC)
                FILTER (WHERE e.contract_type_code IS NOT NULL))[1] AS contract_type_code,
           (array_agg(e.ateco_code) FILTER (WHERE e.ateco_code IS NOT NULL))[1] AS ateco_code,
           bool_or(e.event_type = 'TERMINATION') AS terminated,
           count(*) AS communications,
           max(e.fetched_at) AS fetched_at
    FROM registry_employment_events e
    GROUP BY e.source, e.tax_code, e.employer_tax_code, e.start_date;

-- Whole months from a to b (0 when b is not after a).
CREATE FUNCTION registry_months_between(a date, b date) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT CASE WHEN b <= a THEN 0
                      ELSE (extract(year FROM age(b, a)) * 12 + extract(month FROM age(b, a)))::integer END $$;

-- A person's labour status on day d, from the registry data the hub holds:
--  1. an employment spell covering d: EMPLOYED (basis EMPLOYMENT_SPELL);
--  2. else a spell that ended on or before d, after the latest status computed on or before
--     d: the registry has not said anything since the job ended: UNKNOWN (EMPLOYMENT_ENDED);
--  3. else the latest status computed on or before d (DID_STATUS); an unemployed person's
--     months of unemployment run on from it;
--  4. else a later status that finds the person unemployed since before d: UNEMPLOYED, the
--     months counted back from it (DID_STATUS);
--  5. else UNKNOWN: EMPLOYMENT_ENDED after a past spell, NONE without any data.
-- unemployment_months is set for UNEMPLOYED only, and only when the registry sent it.
-- +goose StatementBegin
CREATE FUNCTION registry_labour_status_as_of(p_tax_code text, d date,
        OUT employment_status text, OUT unemployment_months integer, OUT basis text, OUT observed_on date)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    snap        registry_labour_status_history;
    last_end    date;
    since       date;
BEGIN
    IF EXISTS (SELECT 1 FROM employment_spells s
               WHERE s.tax_code = p_tax_code AND s.start_date <= d AND (s.end_date IS NULL OR s.end_date >= d)) THEN
        employment_status := 'EMPLOYED';
        basis := 'EMPLOYMENT_SPELL';
        observed_on := d;
        RETURN;
    END IF;
    SELECT max(s.end_date) INTO last_end FROM employment_spells s
        WHERE s.tax_code = p_tax_code AND s.end_date < d;

    SELECT * INTO snap FROM registry_labour_status_history h
        WHERE h.tax_code = p_tax_code AND (h.as_of AT TIME ZONE 'Europe/Rome')::date <= d
        ORDER BY h.as_of DESC LIMIT 1;
    IF FOUND THEN
        IF last_end IS NOT NULL AND last_end >= (snap.as_of AT TIME ZONE 'Europe/Rome')::date THEN
            employment_status := 'UNKNOWN';
            basis := 'EMPLOYMENT_ENDED';
            observed_on := last_end;
            RETURN;
        END IF;
        employment_status := snap.employment_status;
        basis := 'DID_STATUS';
        observed_on := (snap.as_of AT TIME ZONE 'Europe/Rome')::date;
        IF snap.employment_status = 'UNEMPLOYED' AND snap.unemployment_months IS NOT NULL THEN
            unemployment_months := snap.unemployment_months + registry_months_between(observed_on, d);
        END IF;
        RETURN;
    END IF;

    SELECT * INTO snap FROM registry_labour_status_history h
        WHERE h.tax_code = p_tax_code AND h.employment_status = 'UNEMPLOYED' AND h.did_date <= d
        ORDER BY h.as_of ASC LIMIT 1;
    IF FOUND THEN
        observed_on := (snap.as_of AT TIME ZONE 'Europe/Rome')::date;
        since := snap.did_date;
        IF snap.unemployment_months IS NOT NULL THEN
            since := greatest(since, (observed_on - make_interval(months => snap.unemployment_months))::date);
        END IF;
        IF since <= d AND (last_end IS NULL OR last_end < since) THEN
            employment_status := 'UNEMPLOYED';
            basis := 'DID_STATUS';
            IF snap.unemployment_months IS NOT NULL THEN
                unemployment_months := registry_months_between(since, d);
            END IF;
            RETURN;
        END IF;
    END IF;
    employment_status := 'UNKNOWN';
    IF last_end IS NOT NULL THEN
        basis := 'EMPLOYMENT_ENDED';
        observed_on := last_end;
    ELSE
        basis := 'NONE';
    END IF;
END
$$;
-- +goose StatementEnd

-- Each source's health, derived from its collections' synchronisation, its last sync or
-- refresh, and its breaker: FAILING when the last attempt of any collection failed, the
-- last sync or refresh failed, or the breaker is not closed; NEVER_SYNCED before a
-- collection's first success; STALE when a collection's last success is older than the
-- source's max age; HEALTHY otherwise. Interrupted runs (shutdown) and file imports say
-- nothing about the registry's health.
CREATE VIEW registry_source_status AS
    WITH last_run AS (
        SELECT DISTINCT ON (r.source) r.source, r.error, r.finished_at
          FROM registry_sync_runs r
         WHERE r.kind <> 'IMPORT' AND r.finished_at IS NOT NULL AND (r.error IS NULL OR r.error NOT LIKE 'interrupted:%')
         ORDER BY r.source, r.started_at DESC, r.id DESC
    ), collections AS (
        SELECT st.source,
               min(st.last_success_at) AS oldest_success_at,
               max(st.last_success_at) AS last_success_at,
               max(st.last_attempt_at) AS last_attempt_at,
               max(st.consecutive_failures) AS consecutive_failures,
               bool_or(st.last_success_at IS NULL) AS never_synced,
               (array_agg(st.last_error ORDER BY st.last_error_at DESC NULLS LAST)
                    FILTER (WHERE st.consecutive_failures > 0))[1] AS last_error,
               max(st.last_error_at) FILTER (WHERE st.consecutive_failures > 0) AS last_error_at
          FROM registry_sync_state st GROUP BY st.source
    )
    SELECT s.source,
           s.max_age_seconds,
           s.breaker_state,
           s.breaker_observed_at,
           c.oldest_success_at,
           c.last_success_at,
           greatest(c.last_attempt_at, lr.finished_at) AS last_attempt_at,
           c.consecutive_failures,
           CASE WHEN lr.error IS NOT NULL AND (c.last_error_at IS NULL OR lr.finished_at > c.last_error_at)
                THEN lr.error ELSE c.last_error END AS last_error,
           CASE WHEN lr.error IS NOT NULL AND (c.last_error_at IS NULL OR lr.finished_at > c.last_error_at)
                THEN lr.finished_at ELSE c.last_error_at END AS last_error_at,
           CASE
               WHEN c.consecutive_failures > 0 OR s.breaker_state <> 'closed' OR lr.error IS NOT NULL THEN 'FAILING'
               WHEN c.never_synced THEN 'NEVER_SYNCED'
               WHEN c.oldest_success_at < now() - make_interval(secs => s.max_age_seconds) THEN 'STALE'
               ELSE 'HEALTHY'
           END AS status
      FROM registry_sources s
      JOIN collections c ON c.source = s.source
      LEFT JOIN last_run lr ON lr.source = s.source;

-- +goose Down
DROP VIEW registry_source_status;
DROP FUNCTION registry_labour_status_as_of(text, date);
DROP FUNCTION registry_months_between(date, date);
DROP VIEW employment_spells;
DROP TRIGGER registry_link_updated_persons ON persons;
DROP TRIGGER registry_link_inserted_persons ON persons;
DROP FUNCTION registry_link_persons();
DROP TABLE registry_quarantine, registry_school_records, registry_employment_events,
    registry_labour_status_history, registry_labour_status, registry_isee, registry_benefit_cases,
    registry_lookup_state, registry_sync_runs, registry_sync_state, registry_sources;
