-- +goose Up
-- Visibility probes stay probes. A policy that lets a row through when a visibility
-- table holds its key is written (SELECT ponte_sees_all()) OR EXISTS (SELECT 1 FROM
-- case_visibility v WHERE v.grantee = <claim> AND v.case_id = <row>.case_id). Under an
-- OR, PostgreSQL may plan such an EXISTS as a hashed subplan: it reads every key of the
-- grantee into a hash table before the first row, and a territory's grantee holds every
-- case of the territory. At 100,000 cases that cost 20-35 ms for each child relation of a
-- 50-case page (departments, organisations, members, interventions), against 0.5 ms for
-- the same statement probing the primary key once per row. "OFFSET 0" keeps the planner
-- from turning the EXISTS into a hashable IN (subselect.c's simplify_EXISTS_query gives
-- up on any OFFSET), so every policy probes case_visibility, person_visibility and
-- household_visibility by primary key for the rows it is asked about, and costs what the
-- rows read cost. A policy written later follows the same rule; TestVisibilityProbesStayProbes
-- (internal/store) checks every policy of the database.
--
-- The expressions below are the policies of 00100-00490 as PostgreSQL stores them, with
-- OFFSET 0 added to each visibility probe and nothing else changed.

ALTER POLICY scope ON activity_entries
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = activity_entries.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = activity_entries.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))) OR (EXISTS ( SELECT 1
   FROM staff s
  WHERE ((s.id = activity_entries.author_id) AND (s.organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = activity_entries.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = activity_entries.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))) OR (EXISTS ( SELECT 1
   FROM staff s
  WHERE ((s.id = activity_entries.author_id) AND (s.organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))));

ALTER POLICY scope ON assessments
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = assessments.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = assessments.person_id)) OFFSET 0))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = assessments.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = assessments.person_id)) OFFSET 0))))));

ALTER POLICY scope ON case_assignments
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_assignments.case_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_assignments.case_id)) OFFSET 0)))));

ALTER POLICY scope ON case_departments
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_departments.case_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_departments.case_id)) OFFSET 0)))));

ALTER POLICY scope ON case_events
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR ((EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_events.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (subject_id IS NULL) OR (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE (p.id = case_events.subject_id))) OR (EXISTS ( SELECT 1
   FROM interventions i
  WHERE (i.id = case_events.subject_id))) OR (EXISTS ( SELECT 1
   FROM assessments a
  WHERE (a.id = case_events.subject_id)))) AND ((category <> 'health'::text) OR (( SELECT ponte_claim('health'::text) AS ponte_claim) = 'read'::text)))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_events.case_id)) OFFSET 0))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) AND ((EXISTS ( SELECT 1
   FROM case_referrals r
  WHERE ((r.id = case_events.subject_id) AND (r.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))) OR (EXISTS ( SELECT 1
   FROM case_transfers t
  WHERE ((t.id = case_events.subject_id) AND (t.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))));

ALTER POLICY scope ON case_organisations
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_organisations.case_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_organisations.case_id)) OFFSET 0)))));

ALTER POLICY scope ON case_participations
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_participations.case_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_participations.case_id)) OFFSET 0))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) AND (((basis = 'REFERRAL'::text) AND (role = 'PARTNER'::text) AND (basis_id IN ( SELECT r.id
   FROM case_referrals r
  WHERE ((r.case_id = case_participations.case_id) AND (r.status = 'ACCEPTED'::text) AND (r.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))) OR ((basis = 'TRANSFER'::text) AND (role = 'LEAD'::text) AND (basis_id IN ( SELECT t.id
   FROM case_transfers t
  WHERE ((t.case_id = case_participations.case_id) AND (t.status = 'ACCEPTED'::text) AND (t.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))))))));

ALTER POLICY scope ON case_referrals
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_referrals.case_id)) OFFSET 0)) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_referrals.case_id)) OFFSET 0))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))));

ALTER POLICY scope ON case_transfers
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_transfers.case_id)) OFFSET 0)) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_transfers.case_id)) OFFSET 0))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))));

ALTER POLICY scope ON consent_records
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = consent_records.person_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (ponte_scope_writable() AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = consent_records.person_id)) OFFSET 0)))));

ALTER POLICY scope ON household_members
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM household_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.household_id = household_members.household_id)) OFFSET 0)) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = household_members.person_id)) OFFSET 0))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (( SELECT pg_current_xact_id_if_assigned() AS pg_current_xact_id_if_assigned) IS NOT NULL) AND (EXISTS ( SELECT 1
   FROM households h
  WHERE ((h.id = household_members.household_id) AND ponte_written_here(h.created_xact)))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND ((EXISTS ( SELECT 1
   FROM household_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.household_id = household_members.household_id)) OFFSET 0)) OR (EXISTS ( SELECT 1
   FROM households h
  WHERE ((h.id = household_members.household_id) AND ponte_written_here(h.created_xact))))))));

ALTER POLICY scope ON interventions
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((( SELECT ponte_scope() AS ponte_scope) = 'participants'::text) AND (round_id IS NOT NULL) AND (EXISTS ( SELECT 1
   FROM participations pa
  WHERE (pa.person_id = interventions.beneficiary_id)))) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = interventions.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = interventions.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = interventions.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = interventions.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))));

ALTER POLICY scope ON labour_situations
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope() AS ponte_scope) = 'participants'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = labour_situations.person_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = labour_situations.person_id)) OFFSET 0)))));

ALTER POLICY scope ON participations
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope() AS ponte_scope) = 'participants'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = participations.person_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = participations.person_id)) OFFSET 0)))));

ALTER POLICY scope ON person_data_changes
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_data_changes.person_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_data_changes.person_id)) OFFSET 0)))));

ALTER POLICY scope ON person_rectifications
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_rectifications.person_id)) OFFSET 0))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (ponte_scope_writable() AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_rectifications.person_id)) OFFSET 0)))));

ALTER POLICY scope ON processing_restrictions
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_claim('rights'::text) AS ponte_claim) = 'manage'::text) OR (ponte_scope() = ANY (ARRAY['all'::text, 'participants'::text])) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = processing_restrictions.person_id)) OFFSET 0))));

ALTER POLICY scope ON projects
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = projects.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = projects.case_id)) OFFSET 0)) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))));

-- +goose Down
ALTER POLICY scope ON activity_entries
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = activity_entries.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = activity_entries.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))) OR (EXISTS ( SELECT 1
   FROM staff s
  WHERE ((s.id = activity_entries.author_id) AND (s.organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = activity_entries.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = activity_entries.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))) OR (EXISTS ( SELECT 1
   FROM staff s
  WHERE ((s.id = activity_entries.author_id) AND (s.organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))));

ALTER POLICY scope ON assessments
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = assessments.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = assessments.person_id))))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = assessments.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = assessments.person_id))))))));

ALTER POLICY scope ON case_assignments
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_assignments.case_id))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_assignments.case_id)))))));

ALTER POLICY scope ON case_departments
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_departments.case_id))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_departments.case_id)))))));

ALTER POLICY scope ON case_events
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR ((EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_events.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (subject_id IS NULL) OR (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE (p.id = case_events.subject_id))) OR (EXISTS ( SELECT 1
   FROM interventions i
  WHERE (i.id = case_events.subject_id))) OR (EXISTS ( SELECT 1
   FROM assessments a
  WHERE (a.id = case_events.subject_id)))) AND ((category <> 'health'::text) OR (( SELECT ponte_claim('health'::text) AS ponte_claim) = 'read'::text)))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_events.case_id))))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) AND ((EXISTS ( SELECT 1
   FROM case_referrals r
  WHERE ((r.id = case_events.subject_id) AND (r.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))) OR (EXISTS ( SELECT 1
   FROM case_transfers t
  WHERE ((t.id = case_events.subject_id) AND (t.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))));

ALTER POLICY scope ON case_organisations
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_organisations.case_id))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = case_organisations.case_id)))))));

ALTER POLICY scope ON case_participations
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_participations.case_id))))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_participations.case_id))))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) AND (((basis = 'REFERRAL'::text) AND (role = 'PARTNER'::text) AND (basis_id IN ( SELECT r.id
   FROM case_referrals r
  WHERE ((r.case_id = case_participations.case_id) AND (r.status = 'ACCEPTED'::text) AND (r.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))) OR ((basis = 'TRANSFER'::text) AND (role = 'LEAD'::text) AND (basis_id IN ( SELECT t.id
   FROM case_transfers t
  WHERE ((t.case_id = case_participations.case_id) AND (t.status = 'ACCEPTED'::text) AND (t.to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))))))));

ALTER POLICY scope ON case_referrals
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_referrals.case_id)))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_referrals.case_id))))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))));

ALTER POLICY scope ON case_transfers
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_transfers.case_id)))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility cv
  WHERE ((cv.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (cv.case_id = case_transfers.case_id))))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (to_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))));

ALTER POLICY scope ON consent_records
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = consent_records.person_id))))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (ponte_scope_writable() AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = consent_records.person_id)))))));

ALTER POLICY scope ON household_members
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM household_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.household_id = household_members.household_id)))) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = household_members.person_id))))) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (( SELECT pg_current_xact_id_if_assigned() AS pg_current_xact_id_if_assigned) IS NOT NULL) AND (EXISTS ( SELECT 1
   FROM households h
  WHERE ((h.id = household_members.household_id) AND ponte_written_here(h.created_xact)))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND ((EXISTS ( SELECT 1
   FROM household_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.household_id = household_members.household_id)))) OR (EXISTS ( SELECT 1
   FROM households h
  WHERE ((h.id = household_members.household_id) AND ponte_written_here(h.created_xact))))))));

ALTER POLICY scope ON interventions
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((( SELECT ponte_scope() AS ponte_scope) = 'participants'::text) AND (round_id IS NOT NULL) AND (EXISTS ( SELECT 1
   FROM participations pa
  WHERE (pa.person_id = interventions.beneficiary_id)))) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = interventions.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = interventions.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = interventions.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)) OR (EXISTS ( SELECT 1
   FROM projects p
  WHERE ((p.id = interventions.project_id) AND (p.provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid)))))))));

ALTER POLICY scope ON labour_situations
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope() AS ponte_scope) = 'participants'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = labour_situations.person_id))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = labour_situations.person_id)))))));

ALTER POLICY scope ON participations
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope() AS ponte_scope) = 'participants'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = participations.person_id))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = participations.person_id)))))));

ALTER POLICY scope ON person_data_changes
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_data_changes.person_id))))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_scope() AS ponte_scope) = 'all'::text) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_data_changes.person_id)))))));

ALTER POLICY scope ON person_rectifications
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_rectifications.person_id))))))
    WITH CHECK ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (ponte_scope() = 'all'::text) OR (ponte_scope_writable() AND (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = person_rectifications.person_id)))))));

ALTER POLICY scope ON processing_restrictions
    USING ((( SELECT ponte_unrestricted() AS ponte_unrestricted) OR (( SELECT ponte_claim('rights'::text) AS ponte_claim) = 'manage'::text) OR (ponte_scope() = ANY (ARRAY['all'::text, 'participants'::text])) OR (EXISTS ( SELECT 1
   FROM person_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('person_grantee'::text) AS ponte_claim)) AND (v.person_id = processing_restrictions.person_id))))));

ALTER POLICY scope ON projects
    USING ((( SELECT ponte_sees_all() AS ponte_sees_all) OR ((EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = projects.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))))
    WITH CHECK ((( SELECT ponte_sees_all() AS ponte_sees_all) OR (( SELECT ponte_scope_writable() AS ponte_scope_writable) AND (EXISTS ( SELECT 1
   FROM case_visibility v
  WHERE ((v.grantee = ( SELECT ponte_claim('grantee'::text) AS ponte_claim)) AND (v.case_id = projects.case_id)))) AND ((( SELECT ponte_scope() AS ponte_scope) <> 'provider'::text) OR (provider_organisation_id = ( SELECT ponte_claim_uuid('org_id'::text) AS ponte_claim_uuid))))));
