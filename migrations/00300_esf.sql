-- +goose Up
-- ESF+ reporting: characteristics at entry derived once when a participation is written,
-- the entities each operation supports, planned indicator values, the labour situations that
-- decide the result indicators, and frozen reports.

-- Italian tax-code decoding for the derivation of a blank gender or birth date at entry. It
-- mirrors pkg/codicefiscale (Parse, Sex, BirthDate) and a test keeps the two in step:
-- the derivation has to run inside the database so that every writer of participations gets
-- it, not only the hub's own importers. An invalid code yields NULLs (nothing is derived).
-- The century is the latest one that puts the birth date on or before ref (the entry date).
-- +goose StatementBegin
CREATE FUNCTION esf_tax_code_birth(code text, ref date, OUT sex text, OUT birth_date date)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    c       text := upper(btrim(code));
    odd     int[] := '{1,0,5,7,9,13,15,17,19,21,2,4,18,20,11,3,6,8,12,14,16,10,22,25,24,23}';
    total   int := 0;
    ch      text;
    v       int;
    yy      int;
    mm      int;
    dd      int;
    days    int;
    y       int;
    ry      int := extract(year FROM ref)::int;
    rm      int := extract(month FROM ref)::int;
    rd      int := extract(day FROM ref)::int;
BEGIN
    IF c !~ '^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$' THEN
        RETURN;
    END IF;
    yy := translate(substr(c, 7, 2), 'LMNPQRSTUV', '0123456789')::int;
    mm := strpos('ABCDEHLMPRST', substr(c, 9, 1));
    dd := translate(substr(c, 10, 2), 'LMNPQRSTUV', '0123456789')::int;
    IF dd BETWEEN 41 AND 71 THEN
        sex := 'F';
        dd := dd - 40;
    ELSIF dd BETWEEN 1 AND 31 THEN
        sex := 'M';
    ELSE
        sex := NULL;
        RETURN;
    END IF;
    days := CASE WHEN mm = 2 THEN CASE WHEN yy % 4 = 0 THEN 29 ELSE 28 END
                 WHEN mm IN (4, 6, 9, 11) THEN 30 ELSE 31 END;
    IF dd > days THEN
        sex := NULL;
        RETURN;
    END IF;
    -- The check character is computed on the code as written, omocodic letters included.
    FOR i IN 1..15 LOOP
        ch := substr(c, i, 1);
        IF ch BETWEEN '0' AND '9' THEN
            v := ascii(ch) - 48;
        ELSE
            v := ascii(ch) - 65;
        END IF;
        IF i % 2 = 1 THEN
            total := total + odd[v + 1];
        ELSE
            total := total + v;
        END IF;
    END LOOP;
    IF chr(65 + total % 26) <> substr(c, 16, 1) THEN
        sex := NULL;
        RETURN;
    END IF;
    IF yy = 0 AND mm = 2 AND dd = 29 THEN
        -- Only centuries divisible by 400 have a 29 February.
        y := ry - ry % 400;
        IF (y, mm, dd) > (ry, rm, rd) THEN
            y := y - 400;
        END IF;
        y := greatest(y, 2000);
    ELSE
        y := ry - ry % 100 + yy;
        IF (y, mm, dd) > (ry, rm, rd) THEN
            y := y - 100;
        END IF;
    END IF;
    birth_date := make_date(y, mm, dd);
END
$$;
-- +goose StatementEnd

-- Labour-market situations of participants after they leave, as case managers record them
-- and files bring them. A row is either a dated observation ("job searching on 3 May"), or
-- a spell of employment (spell = true) that holds every day from situation_date through
-- ends_on (the last day worked; NULL: still running). operation_id NULL means the
-- situation describes the person, whatever operation they took part in. The registry's
-- employment events join them in the view esf_labour_situations.
CREATE TABLE labour_situations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id       uuid NOT NULL REFERENCES persons(id),
    operation_id    uuid REFERENCES operations(id),
    situation       text NOT NULL CHECK (situation IN ('JOB_SEARCHING', 'EDUCATION_TRAINING', 'EMPLOYED',
                        'SELF_EMPLOYED', 'INACTIVE', 'QUALIFICATION_GAINED')),
    situation_date  date NOT NULL,
    spell           boolean NOT NULL DEFAULT false,
    ends_on         date,
    source          text NOT NULL CHECK (source IN ('CASE_MANAGER', 'IMPORT')),
    -- The source's own reference (the record id of a case-management system), unique per source.
    source_ref      text,
    recorded_by     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (spell OR ends_on IS NULL),
    CHECK (NOT spell OR situation IN ('EMPLOYED', 'SELF_EMPLOYED')),
    CHECK (ends_on IS NULL OR ends_on >= situation_date),
    CHECK (source <> 'IMPORT' OR operation_id IS NOT NULL)
);
CREATE UNIQUE INDEX labour_situations_import_key ON labour_situations (operation_id, person_id, situation_date, situation)
    WHERE source = 'IMPORT';
CREATE UNIQUE INDEX labour_situations_source_ref_key ON labour_situations (source, source_ref)
    WHERE source_ref IS NOT NULL;
CREATE INDEX labour_situations_person_idx ON labour_situations (person_id, situation_date);

-- Row scope as on participations (migrations/00100_access_rls.sql): the ESF+ auditors'
-- participants scope reads them all.
ALTER TABLE labour_situations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON labour_situations
    USING ((SELECT ponte_sees_all()) OR (SELECT ponte_scope()) = 'participants'
        OR EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = labour_situations.person_id))
    WITH CHECK ((SELECT ponte_sees_all())
        OR ((SELECT ponte_scope_writable())
            AND EXISTS (SELECT 1 FROM person_visibility v WHERE v.grantee = (SELECT ponte_claim('person_grantee')) AND v.person_id = labour_situations.person_id)));

-- Every situation the result indicators read: the recorded ones, and the registry's
-- employment events as spells (a hire is EMPLOYED from its start date; a termination's
-- date is the last day worked). A new source joins here, and the report queries stay as
-- they are. The caller's row scope applies to the tables below.
CREATE VIEW esf_labour_situations WITH (security_invoker = true) AS
    SELECT person_id, operation_id, situation, situation_date AS starts_on, ends_on, spell, source
    FROM labour_situations
    UNION ALL
    SELECT pe.id, NULL::uuid, 'EMPLOYED', s.start_date, s.end_date, true, 'REGISTRY_EMPLOYMENT'
    FROM employment_spells s JOIN persons pe ON pe.tax_code = s.tax_code;

-- Characteristics at entry the indicators need, stored so a report over a million rows
-- does no date arithmetic or tax-code decoding: the gender and birth date in force (the
-- recorded value, or failing that the one the tax code gives), whether each was derived,
-- and the age in completed years on the entry date.
ALTER TABLE participations
    ADD COLUMN esf_gender             text CHECK (esf_gender IN ('F', 'M', 'NB')),
    ADD COLUMN esf_gender_derived     boolean NOT NULL DEFAULT false,
    ADD COLUMN esf_birth_date         date,
    ADD COLUMN esf_birth_date_derived boolean NOT NULL DEFAULT false,
    ADD COLUMN esf_age                smallint,
    -- Number of participations of the same person in the same operation, so the report
    -- merges re-entries only where there are any.
    ADD COLUMN esf_entries            smallint NOT NULL DEFAULT 1,
    -- Results of this row's own exit, over the full windows of esf_result_windows(): the
    -- last labour situation upon leaving and six months after, and whether a qualification
    -- was gained upon leaving. A report reads them once the windows lie before its cut-off
    -- and computes the same thing live otherwise.
    ADD COLUMN esf_leaving            text,
    ADD COLUMN esf_qualified          boolean NOT NULL DEFAULT false,
    ADD COLUMN esf_six_month          text,
    -- The end of the six-month window (exit + follow-up months, a month end clamped).
    ADD COLUMN esf_follow_up_on       date,
    -- The point 1.2 characteristics as bits, two per flag in column order (disability,
    -- third_country_national, foreign_background, minority, homeless, rural): the low bit
    -- for yes or informed estimate, the high bit for an estimate. Integer tests are cheaper
    -- than text comparisons when a report reads a million rows.
    ADD COLUMN esf_flags              smallint NOT NULL GENERATED ALWAYS AS (
        (CASE disability WHEN 'Y' THEN 1 WHEN 'E' THEN 3 ELSE 0 END)
        | ((CASE third_country_national WHEN 'Y' THEN 1 WHEN 'E' THEN 3 ELSE 0 END) << 2)
        | ((CASE foreign_background WHEN 'Y' THEN 1 WHEN 'E' THEN 3 ELSE 0 END) << 4)
        | ((CASE minority WHEN 'Y' THEN 1 WHEN 'E' THEN 3 ELSE 0 END) << 6)
        | ((CASE homeless WHEN 'Y' THEN 1 WHEN 'E' THEN 3 ELSE 0 END) << 8)
        | ((CASE rural WHEN 'Y' THEN 1 WHEN 'E' THEN 3 ELSE 0 END) << 10)) STORED,
    ADD CONSTRAINT participations_birth_before_entry CHECK (birth_date IS NULL OR birth_date <= entry_date);

CREATE INDEX participations_operation_entry_idx ON participations (operation_id, entry_date);
CREATE INDEX participations_exit_idx ON participations (exit_date);
CREATE INDEX participations_reentry_idx ON participations (operation_id, person_id, entry_date) WHERE esf_entries > 1;

-- The functions that maintain the stored columns run as their owner (SECURITY DEFINER):
-- a writer whose row scope hides a person's tax code, situations or other entries must
-- still leave complete values behind. They return nothing to the caller.
-- +goose StatementBegin
CREATE FUNCTION esf_participation_derive() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    decoded record;
BEGIN
    NEW.esf_gender := NEW.gender;
    NEW.esf_gender_derived := false;
    NEW.esf_birth_date := NEW.birth_date;
    NEW.esf_birth_date_derived := false;
    IF NEW.gender IS NULL OR NEW.birth_date IS NULL THEN
        SELECT d.sex, d.birth_date INTO decoded
        FROM persons p, esf_tax_code_birth(p.tax_code, NEW.entry_date) d
        WHERE p.id = NEW.person_id;
        IF NEW.gender IS NULL AND decoded.sex IS NOT NULL THEN
            NEW.esf_gender := decoded.sex;
            NEW.esf_gender_derived := true;
        END IF;
        IF NEW.birth_date IS NULL AND decoded.birth_date IS NOT NULL THEN
            NEW.esf_birth_date := decoded.birth_date;
            NEW.esf_birth_date_derived := true;
        END IF;
    END IF;
    NEW.esf_age := CASE WHEN NEW.esf_birth_date IS NOT NULL
        THEN extract(year FROM age(NEW.entry_date, NEW.esf_birth_date))::smallint END;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER participations_esf_derive
    BEFORE INSERT OR UPDATE OF person_id, entry_date, gender, birth_date ON participations
    FOR EACH ROW EXECUTE FUNCTION esf_participation_derive();

-- A corrected tax code changes what can be derived from it, and which employment events
-- are the person's.
-- +goose StatementBegin
CREATE FUNCTION esf_person_tax_code_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE participations SET gender = gender WHERE person_id = NEW.id;
    PERFORM esf_refresh_results(array_agg(id)) FROM participations WHERE person_id = NEW.id HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER persons_esf_tax_code_changed
    AFTER UPDATE OF tax_code ON persons
    FOR EACH ROW WHEN (OLD.tax_code IS DISTINCT FROM NEW.tax_code)
    EXECUTE FUNCTION esf_person_tax_code_changed();

-- The result windows the stored results were computed over. internal/esf's default rules
-- carry the same values (a test compares them); a report with other windows computes every
-- result live.
CREATE FUNCTION esf_result_windows(OUT leaving_days int, OUT follow_up_months int)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 28, 6 $$;

-- Situations dated the same day are ordered by rank, the most favourable last: a person
-- hired on the day they also registered as job seeking counts as employed.
CREATE FUNCTION esf_situation_rank(situation text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE situation WHEN 'EMPLOYED' THEN 5 WHEN 'SELF_EMPLOYED' THEN 4 WHEN 'EDUCATION_TRAINING' THEN 3
        WHEN 'JOB_SEARCHING' THEN 2 WHEN 'INACTIVE' THEN 1 ELSE 0 END
$$;

-- esf_situation_key places one situation row in the window [lo, hi]: the day it is dated
-- there and its rank, packed into one number so that max() picks the last situation. A dated
-- observation counts when dated inside the window. A spell of employment counts from the
-- later of its start and lo; when it ends before hi, the day after its end (rank 0,
-- EMPLOYMENT_ENDED) comes last instead. Qualifications are not labour situations: NULL.
CREATE FUNCTION esf_situation_key(situation text, spell boolean, starts_on date, ends_on date, lo date, hi date)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN situation = 'QUALIFICATION_GAINED' THEN NULL
        WHEN NOT spell THEN
            CASE WHEN starts_on BETWEEN lo AND hi
                THEN (starts_on - DATE '1900-01-01')::bigint * 8 + esf_situation_rank(situation) END
        WHEN starts_on <= hi AND (ends_on IS NULL OR ends_on >= lo) THEN
            CASE WHEN ends_on < hi
                THEN (ends_on + 1 - DATE '1900-01-01')::bigint * 8
                ELSE (greatest(starts_on, lo) - DATE '1900-01-01')::bigint * 8 + esf_situation_rank(situation) END
    END
$$;

-- The situation a key stands for.
CREATE FUNCTION esf_situation_of_key(k bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE k % 8 WHEN 5 THEN 'EMPLOYED' WHEN 4 THEN 'SELF_EMPLOYED' WHEN 3 THEN 'EDUCATION_TRAINING'
        WHEN 2 THEN 'JOB_SEARCHING' WHEN 1 THEN 'INACTIVE' WHEN 0 THEN 'EMPLOYMENT_ENDED' END
$$;

-- Recomputes the stored results of the given participations. Dynamic SQL, so each call is
-- planned for its own array: a nested loop for the few rows of a correction, hash joins for
-- a bulk load.
-- +goose StatementBegin
CREATE FUNCTION esf_refresh_results(ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    EXECUTE $sql$
    UPDATE participations p
    SET esf_leaving = r.leaving, esf_qualified = r.qualified, esf_six_month = r.six_month, esf_follow_up_on = r.follow_up_on
    FROM (
        SELECT t.id,
            esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on,
                t.exit_date, t.exit_date + w.leaving_days))) AS leaving,
            coalesce(bool_or(s.situation = 'QUALIFICATION_GAINED' AND NOT s.spell
                AND s.starts_on BETWEEN t.exit_date AND t.exit_date + w.leaving_days), false) AS qualified,
            esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on,
                t.exit_date, (t.exit_date + make_interval(months => w.follow_up_months))::date))) AS six_month,
            (t.exit_date + make_interval(months => max(w.follow_up_months)))::date AS follow_up_on
        FROM participations t
        CROSS JOIN esf_result_windows() w
        LEFT JOIN esf_labour_situations s ON s.person_id = t.person_id
            AND (s.operation_id IS NULL OR s.operation_id = t.operation_id)
            AND s.starts_on <= greatest(t.exit_date + w.leaving_days,
                (t.exit_date + make_interval(months => w.follow_up_months))::date)
            AND (s.ends_on IS NULL OR s.ends_on >= t.exit_date)
        WHERE t.id = ANY ($1)
        GROUP BY t.id
    ) r
    WHERE p.id = r.id
      AND (p.esf_leaving, p.esf_qualified, p.esf_six_month, p.esf_follow_up_on)
          IS DISTINCT FROM (r.leaving, r.qualified, r.six_month, r.follow_up_on)
    $sql$ USING ids;
END
$$;
-- +goose StatementEnd

-- Recounts esf_entries for the given (operation, person) pairs.
-- +goose StatementBegin
CREATE FUNCTION esf_recount_entries(operation_ids uuid[], person_ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    EXECUTE $sql$
    UPDATE participations p SET esf_entries = c.n
    FROM (
        SELECT q.operation_id, q.person_id, count(*)::smallint AS n
        FROM participations q
        JOIN (SELECT DISTINCT o, pe FROM unnest($1, $2) AS k(o, pe)) k
            ON k.o = q.operation_id AND k.pe = q.person_id
        GROUP BY q.operation_id, q.person_id
    ) c
    WHERE p.operation_id = c.operation_id AND p.person_id = c.person_id AND p.esf_entries <> c.n
    $sql$ USING operation_ids, person_ids;
END
$$;
-- +goose StatementEnd

-- Only the triggers call them (as the owner); a request role has no use for them.
REVOKE ALL ON FUNCTION esf_refresh_results(uuid[]), esf_recount_entries(uuid[], uuid[]) FROM PUBLIC;

-- Statement-level, so a bulk load recounts and recomputes in one pass. An update acts only
-- when it moved a row or changed an exit date, which also stops the functions' own updates
-- from recursing.
-- +goose StatementBegin
CREATE FUNCTION esf_participations_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_recount_entries(array_agg(operation_id), array_agg(person_id)) FROM new_rows
            HAVING count(*) > 0;
        PERFORM esf_refresh_results(array_agg(id)) FROM new_rows WHERE exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_recount_entries(array_agg(operation_id), array_agg(person_id)) FROM old_rows
            HAVING count(*) > 0;
    ELSE
        PERFORM esf_recount_entries(array_agg(x.operation_id), array_agg(x.person_id))
        FROM (SELECT o.operation_id, o.person_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id) IS DISTINCT FROM (n.operation_id, n.person_id)
              UNION
              SELECT n.operation_id, n.person_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id) IS DISTINCT FROM (n.operation_id, n.person_id)) x
        HAVING count(*) > 0;
        PERFORM esf_refresh_results(array_agg(n.id))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.operation_id, o.person_id, o.exit_date) IS DISTINCT FROM (n.operation_id, n.person_id, n.exit_date)
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER participations_esf_changed_ins
    AFTER INSERT ON participations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participations_changed();
CREATE TRIGGER participations_esf_changed_del
    AFTER DELETE ON participations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participations_changed();
CREATE TRIGGER participations_esf_changed_upd
    AFTER UPDATE ON participations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participations_changed();

-- A new, corrected or deleted situation changes the stored results of the person's exits.
-- +goose StatementBegin
CREATE FUNCTION esf_situations_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p
        WHERE p.person_id IN (SELECT person_id FROM new_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p
        WHERE p.person_id IN (SELECT person_id FROM old_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSE
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p
        WHERE p.person_id IN (SELECT person_id FROM old_rows UNION SELECT person_id FROM new_rows)
          AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER labour_situations_esf_changed_ins
    AFTER INSERT ON labour_situations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_situations_changed();
CREATE TRIGGER labour_situations_esf_changed_del
    AFTER DELETE ON labour_situations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_situations_changed();
CREATE TRIGGER labour_situations_esf_changed_upd
    AFTER UPDATE ON labour_situations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_situations_changed();

-- The registry's employment events are situations too (through employment_spells).
-- +goose StatementBegin
CREATE FUNCTION esf_employment_events_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM new_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM old_rows) AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    ELSE
        PERFORM esf_refresh_results(array_agg(p.id)) FROM participations p JOIN persons pe ON pe.id = p.person_id
        WHERE pe.tax_code IN (SELECT tax_code FROM old_rows UNION SELECT tax_code FROM new_rows)
          AND p.exit_date IS NOT NULL HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER registry_employment_events_esf_changed_ins
    AFTER INSERT ON registry_employment_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_employment_events_changed();
CREATE TRIGGER registry_employment_events_esf_changed_del
    AFTER DELETE ON registry_employment_events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_employment_events_changed();
CREATE TRIGGER registry_employment_events_esf_changed_upd
    AFTER UPDATE ON registry_employment_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_employment_events_changed();

-- Entities an operation supports (EECO18 public administrations, EECO19 SMEs): counted once
-- per operation and entity, from the date support began.
CREATE TABLE operation_entities (
    operation_id    uuid NOT NULL REFERENCES operations(id),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    supported_from  date NOT NULL,
    PRIMARY KEY (operation_id, organisation_id)
);
CREATE INDEX operation_entities_organisation_idx ON operation_entities (organisation_id);

-- Planned (target) values per operation and indicator, for the national protocol's IN01
-- record. COM = common indicator of the regulation, DPR = programme-specific indicator.
CREATE TABLE operation_indicator_targets (
    operation_id    uuid NOT NULL REFERENCES operations(id),
    indicator_type  text NOT NULL CHECK (indicator_type IN ('COM', 'DPR')),
    indicator       text NOT NULL CHECK (indicator ~ '^[A-Z0-9_]{1,20}$'),
    planned         bigint NOT NULL CHECK (planned >= 0),
    PRIMARY KEY (operation_id, indicator)
);

-- Frozen reports: the values as computed at freezing, the query and rules that produced
-- them, the hash of every participant record they came from, and the report's own hash.
CREATE TABLE esf_frozen_reports (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cutoff          date NOT NULL,
    query           jsonb NOT NULL,
    report          jsonb NOT NULL,
    record_count    bigint NOT NULL,
    records_digest  text NOT NULL,
    report_hash     text NOT NULL,
    frozen_by       text NOT NULL,
    note            text,
    frozen_at       timestamptz NOT NULL DEFAULT now()
);

-- The records are written before the report row whose hash covers them, hence the
-- deferred reference.
CREATE TABLE esf_frozen_records (
    report_id       uuid NOT NULL REFERENCES esf_frozen_reports(id) DEFERRABLE INITIALLY DEFERRED,
    operation_id    uuid NOT NULL,
    person_id       uuid NOT NULL,
    record_hash     text NOT NULL,
    PRIMARY KEY (report_id, operation_id, person_id)
);

-- +goose StatementBegin
CREATE FUNCTION esf_frozen_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'frozen ESF reports are immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER esf_frozen_reports_immutable BEFORE UPDATE OR DELETE ON esf_frozen_reports
    FOR EACH ROW EXECUTE FUNCTION esf_frozen_immutable();
CREATE TRIGGER esf_frozen_reports_no_truncate BEFORE TRUNCATE ON esf_frozen_reports
    FOR EACH STATEMENT EXECUTE FUNCTION esf_frozen_immutable();
CREATE TRIGGER esf_frozen_records_immutable BEFORE UPDATE OR DELETE ON esf_frozen_records
    FOR EACH ROW EXECUTE FUNCTION esf_frozen_immutable();
CREATE TRIGGER esf_frozen_records_no_truncate BEFORE TRUNCATE ON esf_frozen_records
    FOR EACH STATEMENT EXECUTE FUNCTION esf_frozen_immutable();

-- +goose Down
DROP TABLE esf_frozen_records, esf_frozen_reports;
DROP FUNCTION esf_frozen_immutable();
DROP TABLE operation_indicator_targets, operation_entities;
DROP TRIGGER labour_situations_esf_changed_ins ON labour_situations;
DROP TRIGGER labour_situations_esf_changed_del ON labour_situations;
DROP TRIGGER labour_situations_esf_changed_upd ON labour_situations;
DROP FUNCTION esf_situations_changed();
DROP TRIGGER registry_employment_events_esf_changed_ins ON registry_employment_events;
DROP TRIGGER registry_employment_events_esf_changed_del ON registry_employment_events;
DROP TRIGGER registry_employment_events_esf_changed_upd ON registry_employment_events;
DROP FUNCTION esf_employment_events_changed();
DROP TRIGGER participations_esf_changed_ins ON participations;
DROP TRIGGER participations_esf_changed_del ON participations;
DROP TRIGGER participations_esf_changed_upd ON participations;
DROP FUNCTION esf_participations_changed();
DROP FUNCTION esf_recount_entries(uuid[], uuid[]);
DROP FUNCTION esf_refresh_results(uuid[]);
DROP FUNCTION esf_situation_of_key(bigint);
DROP FUNCTION esf_situation_key(text, boolean, date, date, date, date);
DROP FUNCTION esf_situation_rank(text);
DROP FUNCTION esf_result_windows();
DROP TRIGGER persons_esf_tax_code_changed ON persons;
DROP FUNCTION esf_person_tax_code_changed();
DROP TRIGGER participations_esf_derive ON participations;
DROP FUNCTION esf_participation_derive();
DROP INDEX participations_reentry_idx, participations_exit_idx, participations_operation_entry_idx;
ALTER TABLE participations
    DROP CONSTRAINT participations_birth_before_entry,
    DROP COLUMN esf_flags,
    DROP COLUMN esf_follow_up_on,
    DROP COLUMN esf_six_month,
    DROP COLUMN esf_qualified,
    DROP COLUMN esf_leaving,
    DROP COLUMN esf_entries,
    DROP COLUMN esf_age,
    DROP COLUMN esf_birth_date_derived,
    DROP COLUMN esf_birth_date,
    DROP COLUMN esf_gender_derived,
    DROP COLUMN esf_gender;
DROP VIEW esf_labour_situations;
DROP POLICY scope ON labour_situations;
DROP TABLE labour_situations;
DROP FUNCTION esf_tax_code_birth(text, date);
