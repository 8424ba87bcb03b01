-- +goose Up
-- EECR06, participants with an improved labour-market situation six months after leaving,
-- from the registry's employment events (UNILAV compulsory communications).
--
-- The rule (2014-2020 ESF monitoring guidance, kept by the 2021 ESF+ Common Indicators
-- Toolbox; SFC FAQ "Does the indicator on improved labour market situation also cover
-- participants who..."): persons employed when entering who, following the support, moved
-- from precarious to stable employment, from underemployment to full employment, to a job
-- requiring higher competences with more responsibilities, or were promoted, six months
-- after leaving. Of the four the registry's data show one: the contract type. Counted here:
--   - employment status at entry EMPLOYED (the participant counts under EECO05), and
--   - on the entry date the person held at least one job and every job they held was
--     precarious, by its contract type then, and
--   - on the follow-up date (exit + the follow-up months of esf_result_windows(), six) the
--     person held at least one stable job.
-- A participant with no registry job on either date, or a job whose contract type is not
-- classified, does not count: the data do not show an improvement. Underemployment,
-- higher competences and promotions are not counted: the employment events carry no
-- working time and nothing about responsibilities.
--
-- The contract type in force on a day is that of the relationship's latest communication
-- effective on or before it: a hire from its start date, a transformation or an extension
-- from the day it was sent (the records carry no transformation date; employers have five
-- days to send one, so a change in the last days before the follow-up date may be missed).
-- A communication without a contract type, or a transformation without a sending time, is
-- passed over. Terminations only end relationships.

-- Classes of the contract types of the compulsory communications (the Ministry of Labour's
-- table "tipologie contrattuali", as ANPAL publishes it; codes closed in 2013 are kept
-- because older communications carry them). The split is the ESF guidance's "precarious"
-- and "stable", which no text defines: read here as Eurostat's temporary employment (a job
-- whose end is set by a date, an assignment or the return of a replaced worker; seasonal,
-- agency and training contracts included) widened to work with no assured continuation
-- (on call, occasional, traineeships, collaborations). To confirm: a correction here
-- recomputes every stored result (trigger below).
--   STABLE      open-ended employment
--   PRECARIOUS  fixed-term, apprenticeship and other training contracts, intermittent
--               (on call), agency with a fixed term, occasional, collaborations,
--               traineeships and work experiences, socially useful work
--   BY_TERM     a code that since 2013 covers both durations: stable when the
--               communication gives no end date, precarious when it does
-- Codes not listed (self-employment, volunteering, association in participation, agency
-- contracts of commercial agents) are not employment a contract type can place.
CREATE TABLE esf_contract_types (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z]\.[0-9]{2}\.[0-9]{2}$'),
    name        text NOT NULL,
    stability   text NOT NULL CHECK (stability IN ('STABLE', 'PRECARIOUS', 'BY_TERM'))
);
INSERT INTO esf_contract_types (code, name, stability) VALUES
    ('A.01.00', 'Lavoro a tempo indeterminato', 'STABLE'),
    ('A.02.00', 'Lavoro a tempo determinato', 'PRECARIOUS'),
    ('A.02.01', 'Lavoro a tempo determinato per sostituzione', 'PRECARIOUS'),
    ('A.03.00', 'Apprendistato ex art. 16 L. 196/97', 'PRECARIOUS'),
    ('A.03.01', 'Apprendistato per l''espletamento del diritto-dovere di istruzione e formazione', 'PRECARIOUS'),
    ('A.03.02', 'Apprendistato professionalizzante', 'PRECARIOUS'),
    ('A.03.03', 'Apprendistato per l''acquisizione di diploma o per percorsi di alta formazione', 'PRECARIOUS'),
    ('A.03.04', 'Contratto di formazione e lavoro (pubblica amministrazione)', 'PRECARIOUS'),
    ('A.03.07', 'Contratto di inserimento lavorativo', 'PRECARIOUS'),
    ('A.03.08', 'Apprendistato per la qualifica e per il diploma professionale', 'PRECARIOUS'),
    ('A.03.09', 'Apprendistato professionalizzante o contratto di mestiere', 'PRECARIOUS'),
    ('A.03.10', 'Apprendistato di alta formazione e ricerca', 'PRECARIOUS'),
    ('A.03.11', 'Apprendistato per la qualifica e per il diploma professionale per lavoratori in mobilità', 'PRECARIOUS'),
    ('A.03.12', 'Apprendistato professionalizzante o contratto di mestiere per lavoratori in mobilità', 'PRECARIOUS'),
    ('A.03.13', 'Apprendistato di alta formazione e ricerca per lavoratori in mobilità', 'PRECARIOUS'),
    ('A.03.14', 'Apprendistato professionalizzante o contratto di mestiere per lavoratori stagionali', 'PRECARIOUS'),
    ('A.04.00', 'Lavoro domestico a tempo indeterminato', 'STABLE'),
    ('A.04.01', 'Lavoro domestico a tempo determinato', 'PRECARIOUS'),
    ('A.04.02', 'Lavoro domestico', 'BY_TERM'),
    ('A.05.00', 'Lavoro intermittente a tempo indeterminato', 'PRECARIOUS'),
    ('A.05.01', 'Lavoro intermittente a tempo determinato', 'PRECARIOUS'),
    ('A.05.02', 'Lavoro intermittente', 'PRECARIOUS'),
    -- Eurostat: agency work is temporary unless the contract with the agency is open-ended.
    ('A.06.00', 'Lavoro interinale (o a scopo di somministrazione) a tempo indeterminato', 'STABLE'),
    ('A.06.01', 'Lavoro interinale (o a scopo di somministrazione) a tempo determinato', 'PRECARIOUS'),
    ('A.07.00', 'Lavoro ripartito a tempo indeterminato', 'STABLE'),
    ('A.07.01', 'Lavoro ripartito a tempo determinato', 'PRECARIOUS'),
    ('A.07.02', 'Lavoro ripartito', 'BY_TERM'),
    ('A.08.00', 'Lavoro a domicilio a tempo indeterminato', 'STABLE'),
    ('A.08.01', 'Lavoro a domicilio a tempo determinato', 'PRECARIOUS'),
    ('A.08.02', 'Lavoro a domicilio', 'BY_TERM'),
    ('A.09.00', 'Lavoro accessorio', 'PRECARIOUS'),
    ('B.01.00', 'Lavoro a progetto / collaborazione coordinata e continuativa', 'PRECARIOUS'),
    ('B.02.00', 'Lavoro occasionale', 'PRECARIOUS'),
    ('B.03.00', 'Collaborazione coordinata e continuativa', 'PRECARIOUS'),
    ('C.01.00', 'Tirocinio', 'PRECARIOUS'),
    ('C.02.00', 'Tirocinio estivo di orientamento', 'PRECARIOUS'),
    ('C.03.00', 'Lavoro o attività socialmente utile (LSU - ASU)', 'PRECARIOUS'),
    ('C.04.00', 'Contratti di borsa lavoro e altre work experiences', 'PRECARIOUS'),
    ('F.01.00', 'Lavoro marittimo a tempo indeterminato', 'STABLE'),
    ('F.02.00', 'Lavoro marittimo a tempo determinato', 'PRECARIOUS'),
    ('G.01.00', 'Lavoro nello spettacolo a tempo indeterminato', 'STABLE'),
    ('G.02.00', 'Lavoro nello spettacolo a tempo determinato', 'PRECARIOUS'),
    ('H.01.00', 'Lavoro in agricoltura a tempo determinato', 'PRECARIOUS'),
    ('H.02.00', 'Lavoro congiunto in agricoltura', 'BY_TERM'),
    ('I.01.00', 'Lavoro dipendente nella P.A. a tempo indeterminato', 'STABLE'),
    ('I.02.00', 'Lavoro dipendente nella P.A. a tempo determinato', 'PRECARIOUS');
-- Reference data: changed by migrations, read by everyone.
REVOKE INSERT, UPDATE, DELETE ON esf_contract_types FROM ponte_app;

-- The class of a person's employment on day d: NULL when the registry shows no job that
-- day; STABLE when one of the jobs is stable; PRECARIOUS when every job is; UNKNOWN when
-- a job's contract type is missing or unclassified and none is stable. The caller's row
-- scope applies to the employment events.
-- +goose StatementBegin
CREATE FUNCTION esf_employment_class_on(p_tax_code text, d date) RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT CASE WHEN count(*) = 0 THEN NULL
                WHEN bool_or(j.class = 'STABLE') THEN 'STABLE'
                WHEN bool_and(coalesce(j.class = 'PRECARIOUS', false)) THEN 'PRECARIOUS'
                ELSE 'UNKNOWN' END
    FROM employment_spells s
    LEFT JOIN LATERAL (
        SELECT CASE c.stability WHEN 'BY_TERM' THEN CASE WHEN e.end_date IS NULL THEN 'STABLE' ELSE 'PRECARIOUS' END
                   ELSE c.stability END AS class
        FROM registry_employment_events e
        CROSS JOIN LATERAL (SELECT CASE WHEN e.event_type = 'HIRE' THEN e.start_date
                                        ELSE (e.sent_at AT TIME ZONE 'Europe/Rome')::date END AS effective_on) x
        LEFT JOIN esf_contract_types c ON c.code = e.contract_type_code
        WHERE e.source = s.source AND e.tax_code = s.tax_code AND e.employer_tax_code = s.employer_tax_code
          AND e.start_date = s.start_date AND e.event_type <> 'TERMINATION' AND e.contract_type_code IS NOT NULL
          AND x.effective_on <= d
        ORDER BY x.effective_on DESC, array_position(ARRAY['HIRE', 'TRANSFORMATION', 'EXTENSION'], e.event_type) DESC,
                 e.sent_at DESC NULLS LAST, e.source_ref DESC
        LIMIT 1
    ) j ON true
    WHERE s.tax_code = p_tax_code AND s.start_date <= d AND (s.end_date IS NULL OR s.end_date >= d)
$$;
-- +goose StatementEnd

-- Whether a participant (person, employment status and date at entry, final exit) has an
-- improved labour-market situation after follow_up_months: the rule above. NULL when the
-- caller's scope does not see the person.
-- +goose StatementBegin
CREATE FUNCTION esf_participant_improved(p_person uuid, p_status text, p_entry date, p_exit date, follow_up_months int)
RETURNS boolean LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT CASE WHEN p_status IS DISTINCT FROM 'EMPLOYED' OR p_exit IS NULL THEN false
                WHEN esf_employment_class_on(pe.tax_code, p_entry) IS DISTINCT FROM 'PRECARIOUS' THEN false
                ELSE coalesce(esf_employment_class_on(pe.tax_code,
                    (p_exit + make_interval(months => follow_up_months))::date) = 'STABLE', false) END
    FROM persons pe WHERE pe.id = p_person
$$;
-- +goose StatementEnd

-- The stored EECR06 result of the row's own exit, over the windows of esf_result_windows(),
-- read like esf_six_month once esf_follow_up_on lies on or before a report's cut-off.
ALTER TABLE participations ADD COLUMN esf_improved boolean NOT NULL DEFAULT false;

-- As in 00300, with the improvement computed beside the other results.
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

-- As in 00300; an update also recomputes the results when the entry date or the
-- employment status at entry changed, which the improvement reads.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_participations_changed() RETURNS trigger
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
        WHERE (o.operation_id, o.person_id, o.exit_date, o.entry_date, o.employment_status)
              IS DISTINCT FROM (n.operation_id, n.person_id, n.exit_date, n.entry_date, n.employment_status)
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A corrected classification recomputes the results of every participant it may touch.
-- +goose StatementBegin
CREATE FUNCTION esf_contract_types_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    PERFORM esf_refresh_results(array_agg(id)) FROM participations
    WHERE exit_date IS NOT NULL AND employment_status = 'EMPLOYED' HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER esf_contract_types_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON esf_contract_types
    FOR EACH STATEMENT EXECUTE FUNCTION esf_contract_types_changed();

SELECT esf_refresh_results(array_agg(id)) FROM participations
WHERE exit_date IS NOT NULL AND employment_status = 'EMPLOYED' HAVING count(*) > 0;

-- +goose Down
DROP TRIGGER esf_contract_types_changed ON esf_contract_types;
DROP FUNCTION esf_contract_types_changed();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_participations_changed() RETURNS trigger
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION esf_refresh_results(ids uuid[]) RETURNS void
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

ALTER TABLE participations DROP COLUMN esf_improved;
DROP FUNCTION esf_participant_improved(uuid, text, date, date, int);
DROP FUNCTION esf_employment_class_on(text, date);
DROP TABLE esf_contract_types;
