-- +goose Up
-- Working one case together across organisations: who takes part in a case now, why, and
-- since when; the case's history; referrals between organisations with their legal basis;
-- transfers of the lead.
--
-- The contract with the row scope: a row of case_organisations means "takes part now",
-- and is all the visibility mechanism reads. Why an organisation takes part, and since
-- when, is case_participations: one row per reason (it leads the case, was named when the
-- case was opened or added later, delivers a project or an intervention, accepted a
-- referral, received the lead by a transfer), open while the reason holds. A trigger
-- keeps case_organisations the projection of the open reasons: a row exists while the
-- organisation has one, with the strongest role among them (LEAD, then PARTNER, then
-- PROVIDER), and is deleted with the last. Ended reasons stay in case_participations as
-- history, never as rows of case_organisations. The hub's role can no longer write
-- case_organisations itself: every change of who sees a case leaves its reason behind.
--
-- Rows of case_organisations loaded in bulk (seed data, operators' loads) have no reason
-- recorded; the hub records one (basis IMPORTED) the first time it changes the
-- organisation's part in that case, and this migration does so for the rows already there.

-- Who acts: the request's subject, or the database role for operators' own sessions.
CREATE FUNCTION ponte_actor() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('ponte.subject', true), ''), current_user::text) $$;

CREATE TABLE case_participations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id         uuid NOT NULL REFERENCES cases(id),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    role            text NOT NULL CHECK (role IN ('LEAD', 'PARTNER', 'PROVIDER')),
    -- Why: named when the case was opened, added later, delivers a project or an
    -- intervention (basis_id), accepted a referral or a transfer (basis_id), or loaded so.
    basis           text NOT NULL CHECK (basis IN ('OPENED', 'ADDED', 'PROJECT', 'INTERVENTION', 'REFERRAL', 'TRANSFER', 'IMPORTED')),
    basis_id        uuid,
    start_reason    text,
    from_on         date NOT NULL,
    to_on           date,
    started_at      timestamptz NOT NULL DEFAULT now(),
    started_by      text NOT NULL DEFAULT ponte_actor(),
    ended_at        timestamptz,
    ended_by        text,
    end_reason      text,
    CHECK ((basis IN ('PROJECT', 'INTERVENTION', 'REFERRAL', 'TRANSFER')) = (basis_id IS NOT NULL)),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (to_on IS NULL)),
    CHECK (to_on IS NULL OR to_on >= from_on)
);
CREATE INDEX case_participations_open_idx ON case_participations (case_id, organisation_id) WHERE ended_at IS NULL;
CREATE INDEX case_participations_case_idx ON case_participations (case_id, started_at);
CREATE INDEX case_participations_basis_idx ON case_participations (basis_id) WHERE basis_id IS NOT NULL;
COMMENT ON TABLE case_participations IS 'PERSONAL DATA (row scope by case): why and since when organisations take part in a case';

-- The case's history: one row per step (opened, suspended, referral accepted, an
-- intervention corrected with its previous values…). Append-only. changes lists the
-- fields a step changed, each with its data category, as [{field, category, previous,
-- value}]; category is the category of the step as a whole, for the reader's plan.
CREATE TABLE case_events (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id               uuid NOT NULL REFERENCES cases(id),
    at                    timestamptz NOT NULL DEFAULT now(),
    effective_on          date,
    kind                  text NOT NULL CHECK (kind IN ('OPENED', 'CLOSED', 'SUSPENDED', 'REOPENED', 'SECOND_CASE_CONFIRMED',
                              'LEAD_WORKER_CHANGED', 'DEPARTMENTS_CHANGED', 'PARTICIPATION_STARTED', 'PARTICIPATION_ENDED',
                              'REFERRAL_REQUESTED', 'REFERRAL_ACCEPTED', 'REFERRAL_DECLINED', 'REFERRAL_WITHDRAWN', 'REFERRAL_ENDED',
                              'TRANSFER_REQUESTED', 'TRANSFER_ACCEPTED', 'TRANSFER_DECLINED', 'TRANSFER_CANCELLED',
                              'INTERVENTION_CORRECTED', 'INTERVENTION_CANCELLED', 'ASSESSMENT_CORRECTED', 'ASSESSMENT_CANCELLED')),
    category              text NOT NULL DEFAULT 'case',
    -- What the step is about: a participation, referral, transfer, project, intervention
    -- or assessment.
    subject_id            uuid,
    -- The organisation the step concerns (the one taking part, referred, receiving).
    organisation_id       uuid REFERENCES organisations(id),
    reason                text,
    changes               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(changes) = 'array'),
    actor_subject         text NOT NULL DEFAULT ponte_actor(),
    actor_staff_id        uuid REFERENCES staff(id),
    actor_organisation_id uuid REFERENCES organisations(id) DEFAULT nullif(current_setting('ponte.principal_org', true), '')::uuid
);
CREATE INDEX case_events_case_idx ON case_events (case_id, at);
CREATE INDEX case_events_subject_idx ON case_events (subject_id) WHERE subject_id IS NOT NULL;
COMMENT ON TABLE case_events IS 'PERSONAL DATA (row scope by case): the history of a case';

-- +goose StatementBegin
CREATE FUNCTION ponte_refuse_history_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% is history: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION ponte_refuse_history_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION ponte_refuse_history_change();

-- A participation is written once and ended once: nothing else about it changes, and it
-- is never deleted.
-- +goose StatementBegin
CREATE FUNCTION ponte_case_participation_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.ended_at IS NOT NULL
       OR (NEW.id, NEW.case_id, NEW.organisation_id, NEW.role, NEW.basis, NEW.basis_id, NEW.start_reason, NEW.from_on, NEW.started_at, NEW.started_by)
          IS DISTINCT FROM (OLD.id, OLD.case_id, OLD.organisation_id, OLD.role, OLD.basis, OLD.basis_id, OLD.start_reason, OLD.from_on, OLD.started_at, OLD.started_by) THEN
        RAISE EXCEPTION 'case_participations is history: only an open participation may be ended' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER case_participations_history BEFORE UPDATE OR DELETE ON case_participations
    FOR EACH ROW EXECUTE FUNCTION ponte_case_participation_guard();
CREATE TRIGGER case_participations_no_truncate BEFORE TRUNCATE ON case_participations
    FOR EACH STATEMENT EXECUTE FUNCTION ponte_refuse_history_change();

-- case_organisations follows the open participations, and the history records each start
-- and end. SECURITY DEFINER: the projection is written only here, by the owner, from the
-- participations the hub's role was allowed to write (their policy below).
-- +goose StatementBegin
CREATE FUNCTION ponte_case_participation_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE r text;
BEGIN
    SELECT p.role INTO r FROM case_participations p
     WHERE p.case_id = NEW.case_id AND p.organisation_id = NEW.organisation_id AND p.ended_at IS NULL
     ORDER BY CASE p.role WHEN 'LEAD' THEN 0 WHEN 'PARTNER' THEN 1 ELSE 2 END LIMIT 1;
    IF r IS NULL THEN
        DELETE FROM case_organisations WHERE case_id = NEW.case_id AND organisation_id = NEW.organisation_id;
    ELSE
        INSERT INTO case_organisations (case_id, organisation_id, role) VALUES (NEW.case_id, NEW.organisation_id, r)
        ON CONFLICT (case_id, organisation_id) DO UPDATE SET role = EXCLUDED.role
            WHERE case_organisations.role IS DISTINCT FROM EXCLUDED.role;
    END IF;
    IF NEW.basis <> 'IMPORTED' OR NEW.ended_at IS NOT NULL THEN
        INSERT INTO case_events (case_id, effective_on, kind, subject_id, organisation_id, reason, changes, actor_staff_id)
        VALUES (NEW.case_id, coalesce(NEW.to_on, NEW.from_on),
                CASE WHEN NEW.ended_at IS NULL THEN 'PARTICIPATION_STARTED' ELSE 'PARTICIPATION_ENDED' END,
                NEW.id, NEW.organisation_id, CASE WHEN NEW.ended_at IS NULL THEN NEW.start_reason ELSE NEW.end_reason END,
                jsonb_build_array(jsonb_build_object('field', 'role', 'category', 'case', 'previous', NULL, 'value', NEW.role),
                                  jsonb_build_object('field', 'basis', 'category', 'case', 'previous', NULL, 'value', NEW.basis)),
                (SELECT s.id FROM staff s WHERE s.subject = nullif(current_setting('ponte.subject', true), '')));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER case_participations_sync AFTER INSERT OR UPDATE OF ended_at ON case_participations
    FOR EACH ROW EXECUTE FUNCTION ponte_case_participation_sync();

INSERT INTO case_participations (case_id, organisation_id, role, basis, from_on)
SELECT co.case_id, co.organisation_id, co.role, 'IMPORTED', c.opened_on
  FROM case_organisations co JOIN cases c ON c.id = co.case_id;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON case_organisations FROM ponte_app;

-- A referral: organisation A asks B to take part in a case, for a purpose and a set of
-- data categories, on a legal basis. Only an accepted referral shares anything (a
-- participation of role PARTNER), and B's plan on the case is narrowed to the categories
-- it names (internal/access, graph.Access). Consent is recorded here, on the referral.
CREATE TABLE case_referrals (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id              uuid NOT NULL REFERENCES cases(id),
    from_organisation_id uuid NOT NULL REFERENCES organisations(id),
    to_organisation_id   uuid NOT NULL REFERENCES organisations(id),
    purpose              text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    categories           text[] NOT NULL CHECK ('case' = ANY (categories) AND categories <@ ARRAY['identity', 'demographic', 'contact',
                             'household', 'socio_economic', 'employment', 'education', 'health', 'special_other', 'judicial',
                             'minors', 'case_notes', 'case', 'services', 'participation', 'registry_provenance', 'pseudonym']),
    -- GDPR Art. 6(1): consent (a), contract (b), legal obligation (c), vital interests (d),
    -- public task (e); the law it rests on, for every basis but consent.
    legal_basis          text NOT NULL CHECK (legal_basis IN ('CONSENT', 'CONTRACT', 'LEGAL_OBLIGATION', 'VITAL_INTERESTS', 'PUBLIC_TASK')),
    legal_reference      text,
    consent_given_at     timestamptz,
    consent_given_by     text,
    consent_evidence     text,
    status               text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN', 'ENDED')),
    requested_at         timestamptz NOT NULL DEFAULT now(),
    requested_by         text NOT NULL DEFAULT ponte_actor(),
    responded_at         timestamptz,
    responded_by         text,
    response_note        text,
    ended_at             timestamptz,
    ended_by             text,
    end_reason           text,
    CHECK (from_organisation_id <> to_organisation_id),
    CHECK (legal_basis <> 'CONSENT' OR (consent_given_at IS NOT NULL AND consent_given_by IS NOT NULL AND consent_evidence IS NOT NULL)),
    CHECK (legal_basis = 'CONSENT' OR legal_reference IS NOT NULL),
    CHECK ((status IN ('REQUESTED', 'WITHDRAWN')) = (responded_at IS NULL)),
    CHECK ((status IN ('WITHDRAWN', 'ENDED')) = (ended_at IS NOT NULL))
);
-- One open referral per organisation and case.
CREATE UNIQUE INDEX case_referrals_open_key ON case_referrals (case_id, to_organisation_id) WHERE status IN ('REQUESTED', 'ACCEPTED');
CREATE INDEX case_referrals_to_idx ON case_referrals (to_organisation_id, status);
CREATE INDEX case_referrals_case_idx ON case_referrals (case_id);
COMMENT ON TABLE case_referrals IS 'PERSONAL DATA (row scope by case, and the receiving organisation): referrals and their legal basis';

-- A transfer of the lead: to another worker of the same organisation, or to another
-- organisation and one of its workers, effective when the receiving side accepts.
CREATE TABLE case_transfers (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id              uuid NOT NULL REFERENCES cases(id),
    from_organisation_id uuid NOT NULL REFERENCES organisations(id),
    from_worker_id       uuid NOT NULL REFERENCES staff(id),
    to_organisation_id   uuid NOT NULL REFERENCES organisations(id),
    to_worker_id         uuid REFERENCES staff(id),
    -- The previous lead organisation stays in the case as a partner.
    keep_previous        boolean NOT NULL DEFAULT false,
    reason               text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    status               text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'ACCEPTED', 'DECLINED', 'CANCELLED')),
    requested_at         timestamptz NOT NULL DEFAULT now(),
    requested_by         text NOT NULL DEFAULT ponte_actor(),
    responded_at         timestamptz,
    responded_by         text,
    response_note        text,
    CHECK ((status = 'REQUESTED') = (responded_at IS NULL)),
    CHECK (status <> 'ACCEPTED' OR to_worker_id IS NOT NULL)
);
CREATE UNIQUE INDEX case_transfers_open_key ON case_transfers (case_id) WHERE status = 'REQUESTED';
CREATE INDEX case_transfers_to_idx ON case_transfers (to_organisation_id, status);
COMMENT ON TABLE case_transfers IS 'PERSONAL DATA (row scope by case, and the receiving organisation): transfers of the lead';

-- Row security. The history and the referrals follow their case; a referral or a
-- transfer is also visible to the organisation it is addressed to, which has to decide on
-- it before it sees the case. The one way into a case the receiving side can write itself
-- is the participation its acceptance opens: a PARTNER for an accepted referral, the LEAD
-- for an accepted transfer, both addressed to the claimed organisation.
ALTER TABLE case_participations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_participations
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_participations.case_id))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_participations.case_id))
        OR ((SELECT ponte_scope_writable()) AND organisation_id = (SELECT ponte_claim_uuid('org_id'))
            AND ((basis = 'REFERRAL' AND role = 'PARTNER' AND basis_id IN (SELECT r.id FROM case_referrals r
                    WHERE r.case_id = case_participations.case_id AND r.status = 'ACCEPTED' AND r.to_organisation_id = (SELECT ponte_claim_uuid('org_id'))))
              OR (basis = 'TRANSFER' AND role = 'LEAD' AND basis_id IN (SELECT t.id FROM case_transfers t
                    WHERE t.case_id = case_participations.case_id AND t.status = 'ACCEPTED' AND t.to_organisation_id = (SELECT ponte_claim_uuid('org_id')))))));

-- A cooperative (provider scope) sees the steps of the whole case, its own and those of
-- what it delivers, not the steps about other organisations' projects and interventions.
ALTER TABLE case_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_events
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR (EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_events.case_id)
            AND ((SELECT ponte_scope()) <> 'provider' OR subject_id IS NULL OR organisation_id = (SELECT ponte_claim_uuid('org_id'))
                 OR EXISTS (SELECT 1 FROM projects p WHERE p.id = case_events.subject_id)
                 OR EXISTS (SELECT 1 FROM interventions i WHERE i.id = case_events.subject_id)
                 OR EXISTS (SELECT 1 FROM assessments a WHERE a.id = case_events.subject_id))
            AND (category <> 'health' OR (SELECT ponte_claim('health')) = 'read')))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_events.case_id))
        OR ((SELECT ponte_scope_writable()) AND organisation_id = (SELECT ponte_claim_uuid('org_id'))
            AND (EXISTS (SELECT 1 FROM case_referrals r WHERE r.id = case_events.subject_id
                            AND r.to_organisation_id = (SELECT ponte_claim_uuid('org_id')))
                 OR EXISTS (SELECT 1 FROM case_transfers t WHERE t.id = case_events.subject_id
                            AND t.to_organisation_id = (SELECT ponte_claim_uuid('org_id'))))));

ALTER TABLE case_referrals ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_referrals
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_referrals.case_id)
        OR ((SELECT ponte_scope_writable()) AND to_organisation_id = (SELECT ponte_claim_uuid('org_id'))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_referrals.case_id))
        OR ((SELECT ponte_scope_writable()) AND to_organisation_id = (SELECT ponte_claim_uuid('org_id'))));

ALTER TABLE case_transfers ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY scope ON case_transfers
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all' OR EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_transfers.case_id)
        OR ((SELECT ponte_scope_writable()) AND to_organisation_id = (SELECT ponte_claim_uuid('org_id'))))
    WITH CHECK ((SELECT ponte_unrestricted()) OR (SELECT ponte_scope()) = 'all'
        OR ((SELECT ponte_scope_writable()) AND EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = (SELECT ponte_claim('grantee')) AND cv.case_id = case_transfers.case_id))
        OR ((SELECT ponte_scope_writable()) AND to_organisation_id = (SELECT ponte_claim_uuid('org_id'))));

-- The hand-over of an accepted transfer: the case's leading organisation and lead worker
-- become the transfer's. The receiving organisation may not see the case by its row
-- scope yet (a territory scope sees the cases led in its territory), so the owner makes
-- this one change, for a transfer addressed to the claimed organisation, accepted, of a
-- case still led as it was when the transfer was asked for. Nothing else.
-- +goose StatementBegin
CREATE FUNCTION ponte_hand_over_case(p_transfer uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE n int;
BEGIN
    IF NOT ponte_scope_writable() OR ponte_claim_uuid('org_id') IS NULL THEN
        RAISE EXCEPTION 'a hand-over needs the receiving organisation''s claims' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE cases c SET organisation_id = t.to_organisation_id, lead_worker_id = t.to_worker_id, updated_at = now()
      FROM case_transfers t
     WHERE t.id = p_transfer AND t.case_id = c.id AND t.status = 'ACCEPTED'
       AND t.to_organisation_id = ponte_claim_uuid('org_id')
       AND c.organisation_id = t.from_organisation_id AND c.lead_worker_id = t.from_worker_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> 1 THEN
        RAISE EXCEPTION 'no accepted transfer % to hand over', p_transfer USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_hand_over_case(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_hand_over_case(uuid) TO ponte_app;

-- The projects and interventions of a case still running, whoever delivers them: the
-- workflow's rules about the whole case (close it only when nothing runs, conclude a
-- project only when its interventions ended, end an organisation's part only when it
-- delivers nothing) must hold past the caller's row scope, which may show part of the
-- case. Only kinds, ids, organisations and statuses, of a case the claims see (any, for an
-- operator's session).
-- +goose StatementBegin
CREATE FUNCTION ponte_case_active_deliveries(p_case uuid)
    RETURNS TABLE (kind text, id uuid, organisation_id uuid, project_id uuid, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    -- A request's transaction (the hub's role, as ponte_require_aggregates recognises it)
    -- asks about a case its claims see; an operator's own session about any.
    WITH req AS (SELECT coalesce(current_setting('role', true), 'none') <> 'none'
                        OR (session_user <> current_user AND pg_has_role(session_user, 'ponte_app', 'USAGE')) AS r)
    SELECT 'PROJECT', pr.id, pr.provider_organisation_id, pr.id, pr.status FROM projects pr
     WHERE pr.case_id = p_case AND pr.status IN ('DRAFT', 'ACTIVE', 'SUSPENDED')
       AND (ponte_scope() = 'all' OR EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = ponte_claim('grantee') AND cv.case_id = p_case) OR NOT (SELECT r FROM req))
    UNION ALL
    SELECT 'INTERVENTION', i.id, i.provider_organisation_id, i.project_id, i.status FROM interventions i
     WHERE i.case_id = p_case AND i.status IN ('PLANNED', 'ACTIVE')
       AND (ponte_scope() = 'all' OR EXISTS (SELECT 1 FROM case_visibility cv WHERE cv.grantee = ponte_claim('grantee') AND cv.case_id = p_case) OR NOT (SELECT r FROM req))
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_case_active_deliveries(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_case_active_deliveries(uuid) TO ponte_app;

-- +goose Down
DROP FUNCTION ponte_case_active_deliveries(uuid);
DROP FUNCTION ponte_hand_over_case(uuid);
GRANT INSERT, UPDATE, DELETE ON case_organisations TO ponte_app;
DROP TABLE case_participations;
DROP TABLE case_events;
DROP TABLE case_transfers, case_referrals;
DROP FUNCTION ponte_case_participation_sync();
DROP FUNCTION ponte_case_participation_guard();
DROP FUNCTION ponte_refuse_history_change();
DROP FUNCTION ponte_actor();
