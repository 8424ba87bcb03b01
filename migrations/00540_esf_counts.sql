-- +goose Up
-- ESF+ counts kept as data, so a report adds up a few thousand rows instead of classifying
-- every participation (the README's "Cost at 1,000,000 participations").
--
-- esf_participants holds one row per participant as the indicators count them: an
-- operation and a person, merged from all their entries (characteristics of the first
-- entry, the final exit once every entry has one, the results of that exit over the windows
-- of esf_result_windows()). esf_counts_by_day and esf_counts_by_month add them up by
-- operation, gender and set of missing fields (miss, the bits of store.ESFMissing), three
-- kinds of row to a participant:
--   E  on the first entry date: the participant (n) and the outputs they count for
--   X  on the final exit date: the results upon leaving (EECR01-EECR04)
--   F  on the follow-up date (exit + the follow-up months): EECR05 and EECR06
-- Only complete participants (miss = 0) count for an indicator; X and F rows hold only
-- them. A report with cut-off c sums the E and F rows dated on or before c and the X rows
-- dated on or before c minus the leaving window, whole months from the monthly table and
-- the days of the last month from the daily one; what the cut-off truncates (exits of the
-- last leaving window, participants with an entry after c besides one before it) it computes
-- from the participations as before. The bands the outputs are counted in are those of
-- esf_count_rules(), internal/esf's default rules: a report with other rules reads the
-- participations.
--
-- Triggers keep the three tables in step with the participations, in the transaction that
-- writes them: participations → esf_participants (per affected operation and person) →
-- the counts (by the difference between the old and the new rows). The stored results of
-- the participations feed esf_participants through the same triggers; esf_refresh_results
-- also refreshes re-entered participants, whose EECR06 rests on their first entry.

-- The bands of the maintained counts: age in completed years at entry cut at 18, 30 and 55
-- (EECO06 below 18, EECO07 18-29, EECO08 55 and over), ISCED at 3 and 5 (EECO09 0-2,
-- EECO10 3-4, EECO11 5-8), and the long-term unemployment thresholds (EECO03): more than 6
-- months below 25, more than 12 from 25.
CREATE FUNCTION esf_count_rules(OUT age_limits int[], OUT isced_limits int[], OUT ltu_adult_age int,
    OUT youth_ltu_months int, OUT adult_ltu_months int)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ARRAY[18, 30, 55], ARRAY[3, 5], 25, 6, 12 $$;

CREATE TABLE esf_participants (
    operation_id        uuid NOT NULL,
    person_id           uuid NOT NULL,
    first_entry         date NOT NULL,
    last_entry          date NOT NULL,
    entries             integer NOT NULL,
    -- The final exit: the latest exit date when every entry has one.
    exit_date           date,
    -- F, M, NB, or '' unknown.
    gender              text NOT NULL,
    miss                smallint NOT NULL,
    employment_status   text,
    unemployment_months integer,
    age                 smallint,
    isced               smallint,
    flags               smallint NOT NULL,
    leaving             text,
    qualified           boolean NOT NULL,
    six_month           text,
    follow_up_on        date,
    improved            boolean NOT NULL,
    PRIMARY KEY (operation_id, person_id)
);
CREATE INDEX esf_participants_exit_idx ON esf_participants (exit_date) WHERE miss = 0;

CREATE TABLE esf_counts_by_day (
    kind                       "char" NOT NULL CHECK (kind IN ('E', 'X', 'F')),
    period                     date NOT NULL,
    operation_id               uuid NOT NULL,
    gender                     text NOT NULL,
    miss                       smallint NOT NULL,
    n                          integer NOT NULL DEFAULT 0,
    unemployed                 integer NOT NULL DEFAULT 0,
    inactive                   integer NOT NULL DEFAULT 0,
    employed                   integer NOT NULL DEFAULT 0,
    ltu                        integer NOT NULL DEFAULT 0,
    age_0                      integer NOT NULL DEFAULT 0,
    age_1                      integer NOT NULL DEFAULT 0,
    age_2                      integer NOT NULL DEFAULT 0,
    age_3                      integer NOT NULL DEFAULT 0,
    isced_0                    integer NOT NULL DEFAULT 0,
    isced_1                    integer NOT NULL DEFAULT 0,
    isced_2                    integer NOT NULL DEFAULT 0,
    flag_0                     integer NOT NULL DEFAULT 0,
    flag_1                     integer NOT NULL DEFAULT 0,
    flag_2                     integer NOT NULL DEFAULT 0,
    flag_3                     integer NOT NULL DEFAULT 0,
    flag_4                     integer NOT NULL DEFAULT 0,
    flag_5                     integer NOT NULL DEFAULT 0,
    est_0                      integer NOT NULL DEFAULT 0,
    est_1                      integer NOT NULL DEFAULT 0,
    est_2                      integer NOT NULL DEFAULT 0,
    est_3                      integer NOT NULL DEFAULT 0,
    est_4                      integer NOT NULL DEFAULT 0,
    est_5                      integer NOT NULL DEFAULT 0,
    leaving_job_searching      integer NOT NULL DEFAULT 0,
    leaving_education_training integer NOT NULL DEFAULT 0,
    leaving_employed           integer NOT NULL DEFAULT 0,
    leaving_self_employed      integer NOT NULL DEFAULT 0,
    leaving_inactive           integer NOT NULL DEFAULT 0,
    leaving_employment_ended   integer NOT NULL DEFAULT 0,
    qualified                  integer NOT NULL DEFAULT 0,
    six_job_searching          integer NOT NULL DEFAULT 0,
    six_education_training     integer NOT NULL DEFAULT 0,
    six_employed               integer NOT NULL DEFAULT 0,
    six_self_employed          integer NOT NULL DEFAULT 0,
    six_inactive               integer NOT NULL DEFAULT 0,
    six_employment_ended       integer NOT NULL DEFAULT 0,
    improved                   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, period, operation_id, gender, miss)
);
-- period is the first day of the month.
CREATE TABLE esf_counts_by_month (LIKE esf_counts_by_day INCLUDING ALL);

-- Whether the maintained counts stand for the participations the transaction sees: its
-- scope sees every participation, and no processing restriction hides one from it.
-- Otherwise the tables show nothing and a report reads the participations.
-- +goose StatementBegin
CREATE FUNCTION esf_participants_restricted() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT ponte_scope() NOT IN ('all', 'participants') OR EXISTS (
        SELECT 1 FROM processing_restrictions r
        WHERE r.lifted_at IS NULL AND NOT coalesce(ponte_claim_uuid('principal_org') = ANY (r.claim_organisation_ids), false)
          AND EXISTS (SELECT 1 FROM participations p WHERE p.person_id = r.person_id))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION esf_counts_answer() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((ponte_sees_all() OR ponte_scope() = 'participants')
        AND (ponte_unrestricted() OR ponte_claim('rights') = 'manage' OR ponte_claim('esf_report') = 'read'
             OR NOT esf_participants_restricted()), false)
$$;
-- +goose StatementEnd

ALTER TABLE esf_participants ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE esf_counts_by_day ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE esf_counts_by_month ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY esf_counts ON esf_participants USING ((SELECT esf_counts_answer()));
CREATE POLICY esf_counts ON esf_counts_by_day USING ((SELECT esf_counts_answer()));
CREATE POLICY esf_counts ON esf_counts_by_month USING ((SELECT esf_counts_answer()));
-- Only the triggers write them, as the owner.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON esf_participants, esf_counts_by_day, esf_counts_by_month FROM ponte_app;

-- Recomputes the esf_participants rows of the given (operation, person) pairs from their
-- participations, writing only what changed.
-- +goose StatementBegin
CREATE FUNCTION esf_refresh_participants(operation_ids uuid[], person_ids uuid[]) RETURNS void
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

-- Adds the rows new to esf_participants to the counts and takes the old ones away, in
-- the order of the counts' keys (so concurrent writers lock them in the same order).
-- +goose StatementBegin
CREATE FUNCTION esf_participants_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
DECLARE
    src text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS s, n.* FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT -1 AS s, o.* FROM old_rows o'
        ELSE 'SELECT 1 AS s, n.* FROM new_rows n UNION ALL SELECT -1 AS s, o.* FROM old_rows o' END;
BEGIN
    EXECUTE replace($sql$
    WITH d AS ({{SRC}}),
    c AS (
        SELECT d.operation_id, 'E'::"char" AS kind, d.first_entry AS period, d.gender, d.miss,
            d.s AS n,
            CASE WHEN d.miss = 0 AND d.employment_status = 'UNEMPLOYED' THEN d.s ELSE 0 END AS unemployed,
            CASE WHEN d.miss = 0 AND d.employment_status = 'INACTIVE' THEN d.s ELSE 0 END AS inactive,
            CASE WHEN d.miss = 0 AND d.employment_status = 'EMPLOYED' THEN d.s ELSE 0 END AS employed,
            CASE WHEN d.miss = 0 AND d.employment_status = 'UNEMPLOYED' AND (d.age < r.ltu_adult_age AND d.unemployment_months > r.youth_ltu_months
                OR d.age >= r.ltu_adult_age AND d.unemployment_months > r.adult_ltu_months) THEN d.s ELSE 0 END AS ltu,
            CASE WHEN d.miss = 0 AND d.age >= 0 AND d.age < r.age_limits[1] THEN d.s ELSE 0 END AS age_0,
            CASE WHEN d.miss = 0 AND d.age >= r.age_limits[1] AND d.age < r.age_limits[2] THEN d.s ELSE 0 END AS age_1,
            CASE WHEN d.miss = 0 AND d.age >= r.age_limits[2] AND d.age < r.age_limits[3] THEN d.s ELSE 0 END AS age_2,
            CASE WHEN d.miss = 0 AND d.age >= r.age_limits[3] THEN d.s ELSE 0 END AS age_3,
            CASE WHEN d.miss = 0 AND d.isced >= 0 AND d.isced < r.isced_limits[1] THEN d.s ELSE 0 END AS isced_0,
            CASE WHEN d.miss = 0 AND d.isced >= r.isced_limits[1] AND d.isced < r.isced_limits[2] THEN d.s ELSE 0 END AS isced_1,
            CASE WHEN d.miss = 0 AND d.isced >= r.isced_limits[2] THEN d.s ELSE 0 END AS isced_2,
            CASE WHEN d.miss = 0 AND d.flags & 1 <> 0 THEN d.s ELSE 0 END AS flag_0,
            CASE WHEN d.miss = 0 AND d.flags & 4 <> 0 THEN d.s ELSE 0 END AS flag_1,
            CASE WHEN d.miss = 0 AND d.flags & 16 <> 0 THEN d.s ELSE 0 END AS flag_2,
            CASE WHEN d.miss = 0 AND d.flags & 64 <> 0 THEN d.s ELSE 0 END AS flag_3,
            CASE WHEN d.miss = 0 AND d.flags & 256 <> 0 THEN d.s ELSE 0 END AS flag_4,
            CASE WHEN d.miss = 0 AND d.flags & 1024 <> 0 THEN d.s ELSE 0 END AS flag_5,
            CASE WHEN d.miss = 0 AND d.flags & 2 <> 0 THEN d.s ELSE 0 END AS est_0,
            CASE WHEN d.miss = 0 AND d.flags & 8 <> 0 THEN d.s ELSE 0 END AS est_1,
            CASE WHEN d.miss = 0 AND d.flags & 32 <> 0 THEN d.s ELSE 0 END AS est_2,
            CASE WHEN d.miss = 0 AND d.flags & 128 <> 0 THEN d.s ELSE 0 END AS est_3,
            CASE WHEN d.miss = 0 AND d.flags & 512 <> 0 THEN d.s ELSE 0 END AS est_4,
            CASE WHEN d.miss = 0 AND d.flags & 2048 <> 0 THEN d.s ELSE 0 END AS est_5,
            0 AS leaving_job_searching,
            0 AS leaving_education_training,
            0 AS leaving_employed,
            0 AS leaving_self_employed,
            0 AS leaving_inactive,
            0 AS leaving_employment_ended,
            0 AS qualified,
            0 AS six_job_searching,
            0 AS six_education_training,
            0 AS six_employed,
            0 AS six_self_employed,
            0 AS six_inactive,
            0 AS six_employment_ended,
            0 AS improved
        FROM d CROSS JOIN esf_count_rules() r
        UNION ALL
        SELECT d.operation_id, 'X'::"char", d.exit_date, d.gender, d.miss,
            0 AS n,
            0 AS unemployed,
            0 AS inactive,
            0 AS employed,
            0 AS ltu,
            0 AS age_0,
            0 AS age_1,
            0 AS age_2,
            0 AS age_3,
            0 AS isced_0,
            0 AS isced_1,
            0 AS isced_2,
            0 AS flag_0,
            0 AS flag_1,
            0 AS flag_2,
            0 AS flag_3,
            0 AS flag_4,
            0 AS flag_5,
            0 AS est_0,
            0 AS est_1,
            0 AS est_2,
            0 AS est_3,
            0 AS est_4,
            0 AS est_5,
            CASE WHEN d.leaving = 'JOB_SEARCHING' THEN d.s ELSE 0 END AS leaving_job_searching,
            CASE WHEN d.leaving = 'EDUCATION_TRAINING' THEN d.s ELSE 0 END AS leaving_education_training,
            CASE WHEN d.leaving = 'EMPLOYED' THEN d.s ELSE 0 END AS leaving_employed,
            CASE WHEN d.leaving = 'SELF_EMPLOYED' THEN d.s ELSE 0 END AS leaving_self_employed,
            CASE WHEN d.leaving = 'INACTIVE' THEN d.s ELSE 0 END AS leaving_inactive,
            CASE WHEN d.leaving = 'EMPLOYMENT_ENDED' THEN d.s ELSE 0 END AS leaving_employment_ended,
            CASE WHEN d.qualified THEN d.s ELSE 0 END AS qualified,
            0 AS six_job_searching,
            0 AS six_education_training,
            0 AS six_employed,
            0 AS six_self_employed,
            0 AS six_inactive,
            0 AS six_employment_ended,
            0 AS improved
        FROM d WHERE d.miss = 0 AND d.exit_date IS NOT NULL
        UNION ALL
        SELECT d.operation_id, 'F'::"char", d.follow_up_on, d.gender, d.miss,
            0 AS n,
            0 AS unemployed,
            0 AS inactive,
            0 AS employed,
            0 AS ltu,
            0 AS age_0,
            0 AS age_1,
            0 AS age_2,
            0 AS age_3,
            0 AS isced_0,
            0 AS isced_1,
            0 AS isced_2,
            0 AS flag_0,
            0 AS flag_1,
            0 AS flag_2,
            0 AS flag_3,
            0 AS flag_4,
            0 AS flag_5,
            0 AS est_0,
            0 AS est_1,
            0 AS est_2,
            0 AS est_3,
            0 AS est_4,
            0 AS est_5,
            0 AS leaving_job_searching,
            0 AS leaving_education_training,
            0 AS leaving_employed,
            0 AS leaving_self_employed,
            0 AS leaving_inactive,
            0 AS leaving_employment_ended,
            0 AS qualified,
            CASE WHEN d.six_month = 'JOB_SEARCHING' THEN d.s ELSE 0 END AS six_job_searching,
            CASE WHEN d.six_month = 'EDUCATION_TRAINING' THEN d.s ELSE 0 END AS six_education_training,
            CASE WHEN d.six_month = 'EMPLOYED' THEN d.s ELSE 0 END AS six_employed,
            CASE WHEN d.six_month = 'SELF_EMPLOYED' THEN d.s ELSE 0 END AS six_self_employed,
            CASE WHEN d.six_month = 'INACTIVE' THEN d.s ELSE 0 END AS six_inactive,
            CASE WHEN d.six_month = 'EMPLOYMENT_ENDED' THEN d.s ELSE 0 END AS six_employment_ended,
            CASE WHEN d.improved THEN d.s ELSE 0 END AS improved
        FROM d WHERE d.miss = 0 AND d.follow_up_on IS NOT NULL
    ),
    by_day AS (
        INSERT INTO esf_counts_by_day AS t (kind, period, operation_id, gender, miss, n, unemployed, inactive, employed, ltu, age_0, age_1, age_2, age_3, isced_0, isced_1, isced_2, flag_0, flag_1, flag_2, flag_3, flag_4, flag_5, est_0, est_1, est_2, est_3, est_4, est_5, leaving_job_searching, leaving_education_training, leaving_employed, leaving_self_employed, leaving_inactive, leaving_employment_ended, qualified, six_job_searching, six_education_training, six_employed, six_self_employed, six_inactive, six_employment_ended, improved)
        SELECT kind, period, operation_id, gender, miss, sum(n), sum(unemployed), sum(inactive), sum(employed), sum(ltu), sum(age_0), sum(age_1), sum(age_2), sum(age_3), sum(isced_0), sum(isced_1), sum(isced_2), sum(flag_0), sum(flag_1), sum(flag_2), sum(flag_3), sum(flag_4), sum(flag_5), sum(est_0), sum(est_1), sum(est_2), sum(est_3), sum(est_4), sum(est_5), sum(leaving_job_searching), sum(leaving_education_training), sum(leaving_employed), sum(leaving_self_employed), sum(leaving_inactive), sum(leaving_employment_ended), sum(qualified), sum(six_job_searching), sum(six_education_training), sum(six_employed), sum(six_self_employed), sum(six_inactive), sum(six_employment_ended), sum(improved)
        FROM c GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (kind, period, operation_id, gender, miss) DO UPDATE SET
            n = t.n + excluded.n,
            unemployed = t.unemployed + excluded.unemployed,
            inactive = t.inactive + excluded.inactive,
            employed = t.employed + excluded.employed,
            ltu = t.ltu + excluded.ltu,
            age_0 = t.age_0 + excluded.age_0,
            age_1 = t.age_1 + excluded.age_1,
            age_2 = t.age_2 + excluded.age_2,
            age_3 = t.age_3 + excluded.age_3,
            isced_0 = t.isced_0 + excluded.isced_0,
            isced_1 = t.isced_1 + excluded.isced_1,
            isced_2 = t.isced_2 + excluded.isced_2,
            flag_0 = t.flag_0 + excluded.flag_0,
            flag_1 = t.flag_1 + excluded.flag_1,
            flag_2 = t.flag_2 + excluded.flag_2,
            flag_3 = t.flag_3 + excluded.flag_3,
            flag_4 = t.flag_4 + excluded.flag_4,
            flag_5 = t.flag_5 + excluded.flag_5,
            est_0 = t.est_0 + excluded.est_0,
            est_1 = t.est_1 + excluded.est_1,
            est_2 = t.est_2 + excluded.est_2,
            est_3 = t.est_3 + excluded.est_3,
            est_4 = t.est_4 + excluded.est_4,
            est_5 = t.est_5 + excluded.est_5,
            leaving_job_searching = t.leaving_job_searching + excluded.leaving_job_searching,
            leaving_education_training = t.leaving_education_training + excluded.leaving_education_training,
            leaving_employed = t.leaving_employed + excluded.leaving_employed,
            leaving_self_employed = t.leaving_self_employed + excluded.leaving_self_employed,
            leaving_inactive = t.leaving_inactive + excluded.leaving_inactive,
            leaving_employment_ended = t.leaving_employment_ended + excluded.leaving_employment_ended,
            qualified = t.qualified + excluded.qualified,
            six_job_searching = t.six_job_searching + excluded.six_job_searching,
            six_education_training = t.six_education_training + excluded.six_education_training,
            six_employed = t.six_employed + excluded.six_employed,
            six_self_employed = t.six_self_employed + excluded.six_self_employed,
            six_inactive = t.six_inactive + excluded.six_inactive,
            six_employment_ended = t.six_employment_ended + excluded.six_employment_ended,
            improved = t.improved + excluded.improved
    )
    INSERT INTO esf_counts_by_month AS t (kind, period, operation_id, gender, miss, n, unemployed, inactive, employed, ltu, age_0, age_1, age_2, age_3, isced_0, isced_1, isced_2, flag_0, flag_1, flag_2, flag_3, flag_4, flag_5, est_0, est_1, est_2, est_3, est_4, est_5, leaving_job_searching, leaving_education_training, leaving_employed, leaving_self_employed, leaving_inactive, leaving_employment_ended, qualified, six_job_searching, six_education_training, six_employed, six_self_employed, six_inactive, six_employment_ended, improved)
    SELECT kind, date_trunc('month', period)::date, operation_id, gender, miss, sum(n), sum(unemployed), sum(inactive), sum(employed), sum(ltu), sum(age_0), sum(age_1), sum(age_2), sum(age_3), sum(isced_0), sum(isced_1), sum(isced_2), sum(flag_0), sum(flag_1), sum(flag_2), sum(flag_3), sum(flag_4), sum(flag_5), sum(est_0), sum(est_1), sum(est_2), sum(est_3), sum(est_4), sum(est_5), sum(leaving_job_searching), sum(leaving_education_training), sum(leaving_employed), sum(leaving_self_employed), sum(leaving_inactive), sum(leaving_employment_ended), sum(qualified), sum(six_job_searching), sum(six_education_training), sum(six_employed), sum(six_self_employed), sum(six_inactive), sum(six_employment_ended), sum(improved)
    FROM c GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (kind, period, operation_id, gender, miss) DO UPDATE SET
            n = t.n + excluded.n,
            unemployed = t.unemployed + excluded.unemployed,
            inactive = t.inactive + excluded.inactive,
            employed = t.employed + excluded.employed,
            ltu = t.ltu + excluded.ltu,
            age_0 = t.age_0 + excluded.age_0,
            age_1 = t.age_1 + excluded.age_1,
            age_2 = t.age_2 + excluded.age_2,
            age_3 = t.age_3 + excluded.age_3,
            isced_0 = t.isced_0 + excluded.isced_0,
            isced_1 = t.isced_1 + excluded.isced_1,
            isced_2 = t.isced_2 + excluded.isced_2,
            flag_0 = t.flag_0 + excluded.flag_0,
            flag_1 = t.flag_1 + excluded.flag_1,
            flag_2 = t.flag_2 + excluded.flag_2,
            flag_3 = t.flag_3 + excluded.flag_3,
            flag_4 = t.flag_4 + excluded.flag_4,
            flag_5 = t.flag_5 + excluded.flag_5,
            est_0 = t.est_0 + excluded.est_0,
            est_1 = t.est_1 + excluded.est_1,
            est_2 = t.est_2 + excluded.est_2,
            est_3 = t.est_3 + excluded.est_3,
            est_4 = t.est_4 + excluded.est_4,
            est_5 = t.est_5 + excluded.est_5,
            leaving_job_searching = t.leaving_job_searching + excluded.leaving_job_searching,
            leaving_education_training = t.leaving_education_training + excluded.leaving_education_training,
            leaving_employed = t.leaving_employed + excluded.leaving_employed,
            leaving_self_employed = t.leaving_self_employed + excluded.leaving_self_employed,
            leaving_inactive = t.leaving_inactive + excluded.leaving_inactive,
            leaving_employment_ended = t.leaving_employment_ended + excluded.leaving_employment_ended,
            qualified = t.qualified + excluded.qualified,
            six_job_searching = t.six_job_searching + excluded.six_job_searching,
            six_education_training = t.six_education_training + excluded.six_education_training,
            six_employed = t.six_employed + excluded.six_employed,
            six_self_employed = t.six_self_employed + excluded.six_self_employed,
            six_inactive = t.six_inactive + excluded.six_inactive,
            six_employment_ended = t.six_employment_ended + excluded.six_employment_ended,
            improved = t.improved + excluded.improved
    $sql$, '{{SRC}}', src);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER esf_participants_counted_ins AFTER INSERT ON esf_participants REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participants_changed();
CREATE TRIGGER esf_participants_counted_del AFTER DELETE ON esf_participants REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participants_changed();
CREATE TRIGGER esf_participants_counted_upd AFTER UPDATE ON esf_participants REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participants_changed();

-- The participations' changes reach esf_participants: every pair a written row belonged
-- to before or after, when a column the indicators read changed.
-- +goose StatementBegin
CREATE FUNCTION esf_participations_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM old_rows HAVING count(*) > 0;
    ELSE
        PERFORM esf_refresh_participants(array_agg(x.operation_id), array_agg(x.person_id))
        FROM (SELECT o.operation_id, o.person_id, n.operation_id AS new_operation_id, n.person_id AS new_person_id
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.operation_id, o.person_id, o.entry_date, o.exit_date, o.esf_gender, o.esf_age, o.employment_status,
                     o.unemployment_months, o.isced, o.esf_flags, o.esf_leaving, o.esf_qualified, o.esf_six_month,
                     o.esf_follow_up_on, o.esf_improved)
                  IS DISTINCT FROM
                    (n.operation_id, n.person_id, n.entry_date, n.exit_date, n.esf_gender, n.esf_age, n.employment_status,
                     n.unemployment_months, n.isced, n.esf_flags, n.esf_leaving, n.esf_qualified, n.esf_six_month,
                     n.esf_follow_up_on, n.esf_improved)) c
        CROSS JOIN LATERAL (VALUES (c.operation_id, c.person_id), (c.new_operation_id, c.new_person_id)) x(operation_id, person_id)
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER participations_esf_participants_ins AFTER INSERT ON participations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participations_follow();
CREATE TRIGGER participations_esf_participants_del AFTER DELETE ON participations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participations_follow();
CREATE TRIGGER participations_esf_participants_upd AFTER UPDATE ON participations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION esf_participations_follow();

-- As in 00330, and then the re-entered participants among the given participations: their
-- EECR06 may change (a new employment event, a reclassified contract type) while no
-- participation row does.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_refresh_results(ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    EXECUTE $sql$
    UPDATE participations p
    SET esf_leaving = r.leaving, esf_qualified = r.qualified, esf_six_month = r.six_month, esf_follow_up_on = r.follow_up_on,
        esf_improved = r.improved
    FROM (
        SELECT t.id,
            esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on,
                t.exit_date, t.exit_date + w.leaving_days))) AS leaving,
            coalesce(bool_or(s.situation = 'QUALIFICATION_GAINED' AND NOT s.spell
                AND s.starts_on BETWEEN t.exit_date AND t.exit_date + w.leaving_days), false) AS qualified,
            esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on,
                t.exit_date, (t.exit_date + make_interval(months => w.follow_up_months))::date))) AS six_month,
            (t.exit_date + make_interval(months => max(w.follow_up_months)))::date AS follow_up_on,
            -- The function runs only for participants it may count: a bulk load of a million
            -- rows calls it for the employed with employment events, not for everyone.
            CASE WHEN t.employment_status = 'EMPLOYED' AND t.exit_date IS NOT NULL
                    AND EXISTS (SELECT 1 FROM persons pe JOIN registry_employment_events e ON e.tax_code = pe.tax_code
                                WHERE pe.id = t.person_id)
                THEN coalesce(esf_participant_improved(t.person_id, t.employment_status, t.entry_date, t.exit_date,
                    max(w.follow_up_months)), false)
                ELSE false END AS improved
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
      AND (p.esf_leaving, p.esf_qualified, p.esf_six_month, p.esf_follow_up_on, p.esf_improved)
          IS DISTINCT FROM (r.leaving, r.qualified, r.six_month, r.follow_up_on, r.improved)
    $sql$ USING ids;
    PERFORM esf_refresh_participants(array_agg(p.operation_id), array_agg(p.person_id))
    FROM participations p WHERE p.id = ANY (ids) AND p.esf_entries > 1 HAVING count(*) > 0;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION esf_refresh_participants(uuid[], uuid[]) FROM PUBLIC;

SELECT esf_refresh_participants(array_agg(operation_id), array_agg(person_id)) FROM participations HAVING count(*) > 0;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_refresh_results(ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    EXECUTE $sql$
    UPDATE participations p
    SET esf_leaving = r.leaving, esf_qualified = r.qualified, esf_six_month = r.six_month, esf_follow_up_on = r.follow_up_on,
        esf_improved = r.improved
    FROM (
        SELECT t.id,
            esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on,
                t.exit_date, t.exit_date + w.leaving_days))) AS leaving,
            coalesce(bool_or(s.situation = 'QUALIFICATION_GAINED' AND NOT s.spell
                AND s.starts_on BETWEEN t.exit_date AND t.exit_date + w.leaving_days), false) AS qualified,
            esf_situation_of_key(max(esf_situation_key(s.situation, s.spell, s.starts_on, s.ends_on,
                t.exit_date, (t.exit_date + make_interval(months => w.follow_up_months))::date))) AS six_month,
            (t.exit_date + make_interval(months => max(w.follow_up_months)))::date AS follow_up_on,
            -- The function runs only for participants it may count: a bulk load of a million
            -- rows calls it for the employed with employment events, not for everyone.
            CASE WHEN t.employment_status = 'EMPLOYED' AND t.exit_date IS NOT NULL
                    AND EXISTS (SELECT 1 FROM persons pe JOIN registry_employment_events e ON e.tax_code = pe.tax_code
                                WHERE pe.id = t.person_id)
                THEN coalesce(esf_participant_improved(t.person_id, t.employment_status, t.entry_date, t.exit_date,
                    max(w.follow_up_months)), false)
                ELSE false END AS improved
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
      AND (p.esf_leaving, p.esf_qualified, p.esf_six_month, p.esf_follow_up_on, p.esf_improved)
          IS DISTINCT FROM (r.leaving, r.qualified, r.six_month, r.follow_up_on, r.improved)
    $sql$ USING ids;
END
$$;
-- +goose StatementEnd
DROP TRIGGER participations_esf_participants_ins ON participations;
DROP TRIGGER participations_esf_participants_del ON participations;
DROP TRIGGER participations_esf_participants_upd ON participations;
DROP FUNCTION esf_participations_follow();
DROP TABLE esf_counts_by_month, esf_counts_by_day, esf_participants;
DROP FUNCTION esf_participants_changed();
DROP FUNCTION esf_refresh_participants(uuid[], uuid[]);
DROP FUNCTION esf_counts_answer();
DROP FUNCTION esf_participants_restricted();
DROP FUNCTION esf_count_rules();
