-- +goose Up
-- Rules that vary by programme, as data: how long an open case may sit with nothing
-- active before it is flagged for review, and the deadlines a benefit programme sets
-- (the national guidelines of the Assegno di Inclusione: convene the household within 60
-- days of the benefit's activation, sign the inclusion pact, PaIS, within 120 more).
--
-- A case is under a benefit programme when a person of the case (its person, or a current
-- member of its household) holds an accepted benefit application of that programme in the
-- registry data (registry_benefit_cases); the application's start date, else the date of
-- its status, is the activation. Every case is also under the programme '*', whose rules
-- apply where a programme has none of its own.

CREATE TABLE programme_rules (
    -- '*' (every case) or a benefit programme of registry_benefit_cases.
    programme          text PRIMARY KEY CHECK (programme IN ('*', 'RDC', 'PDC', 'ADI', 'SFL')),
    -- An open case with no active project or intervention and nothing recorded for this
    -- many months is stale; a case under several programmes takes the shortest.
    stale_after_months integer NOT NULL CHECK (stale_after_months BETWEEN 1 AND 120)
);
INSERT INTO programme_rules (programme, stale_after_months) VALUES ('*', 6);

-- A deadline: action must be done within days of the programme's activation
-- (after_action NULL) or of another of the programme's actions being done (or falling
-- due, while it is not). What counts as done is the action's own evidence in the stored
-- data (ponte_case_due_actions): CONVENE — an assessment, or an activity entry of kind
-- MEETING or HOME_VISIT, on or after the date counted from; SIGN_PACT — the pact's
-- signature date in the benefit's registry record, or the start of a personalised
-- project, on or after it. A deadline counts from the activation or from a deadline that
-- does.
CREATE TABLE programme_deadline_rules (
    programme    text NOT NULL CHECK (programme IN ('RDC', 'PDC', 'ADI', 'SFL')),
    action       text NOT NULL CHECK (action IN ('CONVENE', 'SIGN_PACT')),
    label        text NOT NULL,
    after_action text CHECK (after_action IN ('CONVENE', 'SIGN_PACT') AND after_action <> action),
    days         integer NOT NULL CHECK (days BETWEEN 1 AND 3650),
    -- Where the rule comes from.
    source       text NOT NULL,
    PRIMARY KEY (programme, action),
    FOREIGN KEY (programme, after_action) REFERENCES programme_deadline_rules (programme, action)
);
INSERT INTO programme_deadline_rules (programme, action, label, after_action, days, source) VALUES
    ('ADI', 'CONVENE', 'Convene the household', NULL, 60,
     'Linee guida ADI (DL 48/2023, art. 4): convocazione entro 60 giorni dall''attivazione'),
    ('ADI', 'SIGN_PACT', 'Sign the inclusion pact (PaIS)', 'CONVENE', 120,
     'Linee guida ADI (DL 48/2023, art. 4): sottoscrizione del PaIS entro 120 giorni dalla convocazione');
GRANT SELECT ON programme_rules, programme_deadline_rules TO ponte_app;

-- What is due on each open case on p_today, computed from the stored dates: the
-- deadlines not yet done, and the review of a case with nothing active. SECURITY INVOKER:
-- a request sees the due actions of the cases in its scope, computed from the rows its
-- scope shows. kind is a deadline's action or REVIEW_STALE_CASE. The cases may be
-- narrowed to those a member of staff leads or is assigned to (p_staff), that involve a
-- department (p_department) or that an organisation leads (p_organisation); NULL: any.
-- +goose StatementBegin
CREATE FUNCTION ponte_case_due_actions(p_today date, p_staff uuid, p_department uuid, p_organisation uuid)
    RETURNS TABLE (case_id uuid, kind text, programme text, label text, counted_from date, due_on date)
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
    WITH open_cases AS (
        SELECT c.id, c.person_id, c.household_id, c.opened_on FROM public.cases c
         WHERE c.status = 'OPEN'
           AND (p_staff IS NULL OR c.lead_worker_id = p_staff
                OR c.id IN (SELECT ca.case_id FROM public.case_assignments ca WHERE ca.staff_id = p_staff))
           AND (p_department IS NULL OR c.id IN (SELECT cd.case_id FROM public.case_departments cd WHERE cd.department_id = p_department))
           AND (p_organisation IS NULL OR c.organisation_id = p_organisation)
    ), case_persons AS (
        SELECT oc.id AS case_id, oc.person_id FROM open_cases oc WHERE oc.person_id IS NOT NULL
        UNION
        SELECT oc.id, m.person_id FROM open_cases oc JOIN public.household_members m ON m.household_id = oc.household_id
         WHERE m.valid_to IS NULL OR m.valid_to >= p_today
    ), activations AS (
        SELECT cp.case_id, b.programme, min(coalesce(b.start_date, b.status_date)) AS activated_on,
               min(b.pact_signed_date) AS pact_signed_on
          FROM case_persons cp JOIN public.persons p ON p.id = cp.person_id
          JOIN public.registry_benefit_cases b ON p.tax_code = ANY (b.member_tax_codes)
         WHERE b.status = 'ACCEPTED'
         GROUP BY cp.case_id, b.programme
    ), done AS (
        -- When each action was first done on or after a date, per case: the dates it could
        -- have been done on.
        SELECT a.case_id, 'CONVENE'::text AS action, a.assessed_on AS on_date FROM public.assessments a
         WHERE a.cancelled_at IS NULL AND a.case_id IN (SELECT id FROM open_cases)
        UNION ALL
        SELECT e.case_id, 'CONVENE', e.occurred_on FROM public.activity_entries e
         WHERE e.kind IN ('MEETING', 'HOME_VISIT') AND e.case_id IN (SELECT id FROM open_cases)
        UNION ALL
        SELECT pr.case_id, 'SIGN_PACT', pr.started_on FROM public.projects pr
         WHERE pr.started_on IS NOT NULL AND pr.case_id IN (SELECT id FROM open_cases)
        UNION ALL
        SELECT ac.case_id, 'SIGN_PACT', ac.pact_signed_on FROM activations ac WHERE ac.pact_signed_on IS NOT NULL
    ), first_level AS (
        SELECT ac.case_id, r.programme, r.action, r.label, ac.activated_on AS counted_from,
               ac.activated_on + r.days AS due_on,
               (SELECT min(d.on_date) FROM done d WHERE d.case_id = ac.case_id AND d.action = r.action
                  AND d.on_date >= ac.activated_on) AS done_on
          FROM activations ac JOIN public.programme_deadline_rules r ON r.programme = ac.programme AND r.after_action IS NULL
    ), second_level AS (
        SELECT f.case_id, r.programme, r.action, r.label, coalesce(f.done_on, f.due_on) AS counted_from,
               coalesce(f.done_on, f.due_on) + r.days AS due_on,
               (SELECT min(d.on_date) FROM done d WHERE d.case_id = f.case_id AND d.action = r.action
                  AND d.on_date >= f.counted_from) AS done_on  -- done any time after the activation
          FROM first_level f JOIN public.programme_deadline_rules r ON r.programme = f.programme AND r.after_action = f.action
    ), idle AS (
        SELECT oc.id AS case_id,
               greatest(oc.opened_on,
                        (SELECT max(greatest(pr.started_on, pr.ended_on)) FROM public.projects pr WHERE pr.case_id = oc.id),
                        (SELECT max(greatest(i.starts_on, i.ends_on)) FROM public.interventions i WHERE i.case_id = oc.id AND i.status <> 'CANCELLED'),
                        (SELECT max(e.occurred_on) FROM public.activity_entries e WHERE e.case_id = oc.id),
                        (SELECT max(a.assessed_on) FROM public.assessments a WHERE a.case_id = oc.id AND a.cancelled_at IS NULL)) AS last_on,
               (SELECT min(pr.stale_after_months) FROM public.programme_rules pr
                 WHERE pr.programme IN (SELECT ac.programme FROM activations ac WHERE ac.case_id = oc.id)) AS own_months
          FROM open_cases oc
         WHERE NOT EXISTS (SELECT 1 FROM public.projects pr WHERE pr.case_id = oc.id AND pr.status IN ('DRAFT', 'ACTIVE', 'SUSPENDED'))
           AND NOT EXISTS (SELECT 1 FROM public.interventions i WHERE i.case_id = oc.id AND i.status IN ('PLANNED', 'ACTIVE'))
    )
    SELECT x.case_id, x.action, x.programme, x.label, x.counted_from, x.due_on
      FROM (SELECT * FROM first_level UNION ALL SELECT * FROM second_level) x WHERE x.done_on IS NULL
    UNION ALL
    SELECT i.case_id, 'REVIEW_STALE_CASE', '*', 'Review a case with nothing active', i.last_on,
           (i.last_on + make_interval(months => coalesce(i.own_months, (SELECT stale_after_months FROM public.programme_rules WHERE programme = '*'))))::date
      FROM idle i
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_case_due_actions(date, uuid, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_case_due_actions(date, uuid, uuid, uuid) TO ponte_app;

-- The dashboard's counts of due and overdue actions per kind, over the cases led in the
-- aggregate territory (every case for a national body), suppressed by the hub like
-- caseLoad before anything leaves it.
-- +goose StatementBegin
CREATE FUNCTION ponte_due_action_counts(p_today date)
    RETURNS TABLE (kind text, overdue boolean, actions bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
#variable_conflict use_column
DECLARE t text := ponte_claim('aggregate_territory');
BEGIN
    PERFORM ponte_require_aggregates();
    RETURN QUERY
        SELECT d.kind, d.due_on < p_today, count(*)
          FROM ponte_case_due_actions(p_today, NULL, NULL, NULL) d JOIN cases c ON c.id = d.case_id JOIN organisations lo ON lo.id = c.organisation_id
         WHERE t IS NULL OR lo.territory = t
         GROUP BY 1, 2;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_due_action_counts(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_due_action_counts(date) TO ponte_app;

-- +goose Down
DROP FUNCTION ponte_due_action_counts(date);
DROP FUNCTION ponte_case_due_actions(date, uuid, uuid, uuid);
DROP TABLE programme_deadline_rules, programme_rules;
