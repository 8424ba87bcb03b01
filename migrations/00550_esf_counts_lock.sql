-- +goose Up
-- Writers of the ESF+ counts of one operation take turns, to their commit, on a
-- transaction-level advisory lock per operation: a write to a participation takes its
-- operation's before the row is written, and esf_refresh_participants, through which every
-- write to esf_participants and the counts goes, takes those of the operations it refreshes,
-- in the order of the locks' keys, before it reads the participations. Two
-- transactions writing the same operation in several statements each (two imports, an
-- import and a case worker's correction) no longer lock the participants' and the counts'
-- rows in crossing orders and deadlock; and the second reads the participations after the
-- first has committed, where before its statement's snapshot could miss the other's
-- participations of the same person, and write that person's row without them.

-- The advisory lock key of an operation's counts (the first 64 bits of the md5 of its id,
-- so distinct from the keys other code takes).
-- +goose StatementBegin
CREATE FUNCTION esf_counts_lock_key(operation_id uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ('x' || left(md5('esf_counts/' || operation_id::text), 16))::bit(64)::bigint $$;
-- +goose StatementEnd

-- A participation's operation is locked before the row is written: the triggers of 00300
-- and 00540 that follow lock its other entries and the counts, which the writer before it
-- may hold.
-- +goose StatementBegin
CREATE FUNCTION esf_participation_lock() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_advisory_xact_lock(esf_counts_lock_key(OLD.operation_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_advisory_xact_lock(esf_counts_lock_key(NEW.operation_id));
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER participations_esf_counts_lock BEFORE INSERT OR UPDATE OR DELETE ON participations
    FOR EACH ROW EXECUTE FUNCTION esf_participation_lock();

-- As in 00540, after the locks.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_refresh_participants(operation_ids uuid[], person_ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
DECLARE
    key bigint;
BEGIN
    -- One writer of an operation's counts at a time, to its commit: the locks are taken in
    -- the order of their keys, before the statement below takes its snapshot (so it sees
    -- what the writer before it committed).
    FOR key IN SELECT DISTINCT esf_counts_lock_key(o) FROM unnest(operation_ids) AS o WHERE o IS NOT NULL ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(key);
    END LOOP;
    EXECUTE $sql$
    WITH k AS (SELECT DISTINCT o, pe FROM unnest($1::uuid[], $2::uuid[]) AS k(o, pe)),
    cur AS (
        SELECT DISTINCT ON (p.operation_id, p.person_id) p.operation_id, p.person_id, p.entry_date AS first_entry,
            max(p.entry_date) OVER w AS last_entry, count(*) OVER w AS entries,
            CASE WHEN bool_and(p.exit_date IS NOT NULL) OVER w THEN max(p.exit_date) OVER w END AS exit_date,
            coalesce(p.esf_gender, '') AS gender,
            (CASE WHEN p.esf_gender IS NULL THEN 1 ELSE 0 END
             | CASE WHEN p.esf_age IS NULL THEN 2 ELSE 0 END
             | CASE WHEN p.employment_status IS NULL THEN 4 ELSE 0 END
             | CASE WHEN p.employment_status = 'UNEMPLOYED' AND p.unemployment_months IS NULL THEN 8 ELSE 0 END
             | CASE WHEN p.isced IS NULL THEN 16 ELSE 0 END)::smallint AS miss,
            p.employment_status, p.unemployment_months, p.esf_age, p.isced, p.esf_flags,
            p.esf_leaving, p.esf_qualified, p.esf_six_month, p.esf_follow_up_on, p.esf_improved
        FROM participations p JOIN k ON k.o = p.operation_id AND k.pe = p.person_id
        WINDOW w AS (PARTITION BY p.operation_id, p.person_id)
        ORDER BY p.operation_id, p.person_id, p.entry_date
    ),
    fresh AS (
        SELECT c.operation_id, c.person_id, c.first_entry, c.last_entry, c.entries::int AS entries, c.exit_date, c.gender,
            c.miss, c.employment_status, c.unemployment_months, c.esf_age AS age, c.isced, c.esf_flags AS flags,
            -- A single entry's own results; a re-entered participant's are those of the entry
            -- that left last (they depend on the person, operation and exit only), but for
            -- EECR06, which reads the first entry's status and date.
            CASE WHEN c.entries = 1 THEN c.esf_leaving ELSE l.esf_leaving END AS leaving,
            CASE WHEN c.entries = 1 THEN c.esf_qualified ELSE coalesce(l.esf_qualified, false) END AS qualified,
            CASE WHEN c.entries = 1 THEN c.esf_six_month ELSE l.esf_six_month END AS six_month,
            CASE WHEN c.entries = 1 THEN c.esf_follow_up_on ELSE l.esf_follow_up_on END AS follow_up_on,
            CASE WHEN c.entries = 1 THEN c.esf_improved
                 WHEN c.exit_date IS NOT NULL AND c.employment_status = 'EMPLOYED'
                     AND EXISTS (SELECT 1 FROM persons pe JOIN registry_employment_events e ON e.tax_code = pe.tax_code
                                 WHERE pe.id = c.person_id)
                 THEN coalesce(esf_participant_improved(c.person_id, c.employment_status, c.first_entry, c.exit_date,
                     w.follow_up_months), false)
                 ELSE false END AS improved
        FROM cur c
        CROSS JOIN esf_result_windows() w
        LEFT JOIN LATERAL (
            SELECT q.esf_leaving, q.esf_qualified, q.esf_six_month, q.esf_follow_up_on FROM participations q
            WHERE c.entries > 1 AND c.exit_date IS NOT NULL
              AND q.operation_id = c.operation_id AND q.person_id = c.person_id AND q.exit_date = c.exit_date
            ORDER BY q.entry_date LIMIT 1
        ) l ON true
    ),
    gone AS (
        DELETE FROM esf_participants e USING k
        WHERE e.operation_id = k.o AND e.person_id = k.pe
          AND NOT EXISTS (SELECT 1 FROM cur c WHERE c.operation_id = k.o AND c.person_id = k.pe)
    )
    INSERT INTO esf_participants AS e (operation_id, person_id, first_entry, last_entry, entries, exit_date, gender, miss,
        employment_status, unemployment_months, age, isced, flags, leaving, qualified, six_month, follow_up_on, improved)
    SELECT * FROM fresh ORDER BY operation_id, person_id
    ON CONFLICT (operation_id, person_id) DO UPDATE SET
        first_entry = excluded.first_entry, last_entry = excluded.last_entry, entries = excluded.entries,
        exit_date = excluded.exit_date, gender = excluded.gender, miss = excluded.miss,
        employment_status = excluded.employment_status, unemployment_months = excluded.unemployment_months,
        age = excluded.age, isced = excluded.isced, flags = excluded.flags, leaving = excluded.leaving,
        qualified = excluded.qualified, six_month = excluded.six_month, follow_up_on = excluded.follow_up_on,
        improved = excluded.improved
    WHERE (e.first_entry, e.last_entry, e.entries, e.exit_date, e.gender, e.miss, e.employment_status,
           e.unemployment_months, e.age, e.isced, e.flags, e.leaving, e.qualified, e.six_month, e.follow_up_on, e.improved)
        IS DISTINCT FROM
          (excluded.first_entry, excluded.last_entry, excluded.entries, excluded.exit_date, excluded.gender, excluded.miss,
           excluded.employment_status, excluded.unemployment_months, excluded.age, excluded.isced, excluded.flags,
           excluded.leaving, excluded.qualified, excluded.six_month, excluded.follow_up_on, excluded.improved)
    $sql$ USING operation_ids, person_ids;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION esf_refresh_participants(uuid[], uuid[]) FROM PUBLIC;

-- +goose Down
-- 00540's function, unchanged.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_refresh_participants(operation_ids uuid[], person_ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    EXECUTE $sql$
    WITH k AS (SELECT DISTINCT o, pe FROM unnest($1::uuid[], $2::uuid[]) AS k(o, pe)),
    cur AS (
        SELECT DISTINCT ON (p.operation_id, p.person_id) p.operation_id, p.person_id, p.entry_date AS first_entry,
            max(p.entry_date) OVER w AS last_entry, count(*) OVER w AS entries,
            CASE WHEN bool_and(p.exit_date IS NOT NULL) OVER w THEN max(p.exit_date) OVER w END AS exit_date,
            coalesce(p.esf_gender, '') AS gender,
            (CASE WHEN p.esf_gender IS NULL THEN 1 ELSE 0 END
             | CASE WHEN p.esf_age IS NULL THEN 2 ELSE 0 END
             | CASE WHEN p.employment_status IS NULL THEN 4 ELSE 0 END
             | CASE WHEN p.employment_status = 'UNEMPLOYED' AND p.unemployment_months IS NULL THEN 8 ELSE 0 END
             | CASE WHEN p.isced IS NULL THEN 16 ELSE 0 END)::smallint AS miss,
            p.employment_status, p.unemployment_months, p.esf_age, p.isced, p.esf_flags,
            p.esf_leaving, p.esf_qualified, p.esf_six_month, p.esf_follow_up_on, p.esf_improved
        FROM participations p JOIN k ON k.o = p.operation_id AND k.pe = p.person_id
        WINDOW w AS (PARTITION BY p.operation_id, p.person_id)
        ORDER BY p.operation_id, p.person_id, p.entry_date
    ),
    fresh AS (
        SELECT c.operation_id, c.person_id, c.first_entry, c.last_entry, c.entries::int AS entries, c.exit_date, c.gender,
            c.miss, c.employment_status, c.unemployment_months, c.esf_age AS age, c.isced, c.esf_flags AS flags,
            -- A single entry's own results; a re-entered participant's are those of the entry
            -- that left last (they depend on the person, operation and exit only), but for
            -- EECR06, which reads the first entry's status and date.
            CASE WHEN c.entries = 1 THEN c.esf_leaving ELSE l.esf_leaving END AS leaving,
            CASE WHEN c.entries = 1 THEN c.esf_qualified ELSE coalesce(l.esf_qualified, false) END AS qualified,
            CASE WHEN c.entries = 1 THEN c.esf_six_month ELSE l.esf_six_month END AS six_month,
            CASE WHEN c.entries = 1 THEN c.esf_follow_up_on ELSE l.esf_follow_up_on END AS follow_up_on,
            CASE WHEN c.entries = 1 THEN c.esf_improved
                 WHEN c.exit_date IS NOT NULL AND c.employment_status = 'EMPLOYED'
                     AND EXISTS (SELECT 1 FROM persons pe JOIN registry_employment_events e ON e.tax_code = pe.tax_code
                                 WHERE pe.id = c.person_id)
                 THEN coalesce(esf_participant_improved(c.person_id, c.employment_status, c.first_entry, c.exit_date,
                     w.follow_up_months), false)
                 ELSE false END AS improved
        FROM cur c
        CROSS JOIN esf_result_windows() w
        LEFT JOIN LATERAL (
            SELECT q.esf_leaving, q.esf_qualified, q.esf_six_month, q.esf_follow_up_on FROM participations q
            WHERE c.entries > 1 AND c.exit_date IS NOT NULL
              AND q.operation_id = c.operation_id AND q.person_id = c.person_id AND q.exit_date = c.exit_date
            ORDER BY q.entry_date LIMIT 1
        ) l ON true
    ),
    gone AS (
        DELETE FROM esf_participants e USING k
        WHERE e.operation_id = k.o AND e.person_id = k.pe
          AND NOT EXISTS (SELECT 1 FROM cur c WHERE c.operation_id = k.o AND c.person_id = k.pe)
    )
    INSERT INTO esf_participants AS e (operation_id, person_id, first_entry, last_entry, entries, exit_date, gender, miss,
        employment_status, unemployment_months, age, isced, flags, leaving, qualified, six_month, follow_up_on, improved)
    SELECT * FROM fresh ORDER BY operation_id, person_id
    ON CONFLICT (operation_id, person_id) DO UPDATE SET
        first_entry = excluded.first_entry, last_entry = excluded.last_entry, entries = excluded.entries,
        exit_date = excluded.exit_date, gender = excluded.gender, miss = excluded.miss,
        employment_status = excluded.employment_status, unemployment_months = excluded.unemployment_months,
        age = excluded.age, isced = excluded.isced, flags = excluded.flags, leaving = excluded.leaving,
        qualified = excluded.qualified, six_month = excluded.six_month, follow_up_on = excluded.follow_up_on,
        improved = excluded.improved
    WHERE (e.first_entry, e.last_entry, e.entries, e.exit_date, e.gender, e.miss, e.employment_status,
           e.unemployment_months, e.age, e.isced, e.flags, e.leaving, e.qualified, e.six_month, e.follow_up_on, e.improved)
        IS DISTINCT FROM
          (excluded.first_entry, excluded.last_entry, excluded.entries, excluded.exit_date, excluded.gender, excluded.miss,
           excluded.employment_status, excluded.unemployment_months, excluded.age, excluded.isced, excluded.flags,
           excluded.leaving, excluded.qualified, excluded.six_month, excluded.follow_up_on, excluded.improved)
    $sql$ USING operation_ids, person_ids;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION esf_refresh_participants(uuid[], uuid[]) FROM PUBLIC;
DROP TRIGGER participations_esf_counts_lock ON participations;
DROP FUNCTION esf_participation_lock();
DROP FUNCTION esf_counts_lock_key(uuid);
