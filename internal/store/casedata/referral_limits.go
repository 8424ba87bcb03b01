package casedata

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// ReferralLimits are the data categories an organisation may see of what it sees only
// through accepted referrals: per case (every accepted referral to it of a case it does
// not lead), per person and per household of those cases that it sees through none of its
// other cases and did not register itself. Absent: not narrowed.
type ReferralLimits struct {
	Cases      map[string][]string
	Persons    map[string][]string
	Households map[string][]string
}

// Empty reports whether nothing is narrowed.
func (l ReferralLimits) Empty() bool {
	return len(l.Cases) == 0 && len(l.Persons) == 0 && len(l.Households) == 0
}

// ReferralLimitsOf computes the limits of orgID within the transaction's scope, in one
// statement.
func ReferralLimitsOf(ctx context.Context, t *store.Tx, orgID string) (ReferralLimits, error) {
	// Most organisations lead their cases and hold no accepted referral. The statement
	// below inlines the row policies of every table it names, and PostgreSQL spends
	// 10-30 ms setting up that plan whatever it finds; an index probe of the referrals
	// answers those organisations first.
	var referred bool
	if err := store.QueryRow(ctx, t, "referral limits", `SELECT EXISTS (SELECT 1 FROM case_referrals r
		WHERE r.to_organisation_id = $1::uuid AND r.status = 'ACCEPTED')`, []any{orgID}, &referred); err != nil {
		return ReferralLimits{}, err
	}
	if !referred {
		return ReferralLimits{}, nil
	}
	args := []any{orgID}
	other := t.Scope().CasePredicate("oc", &args)
	rows, err := store.Query(ctx, t, "referral limits", `WITH rc AS (
		SELECT r.case_id, array_agg(DISTINCT x) AS cats
		  FROM case_referrals r CROSS JOIN LATERAL unnest(r.categories) x JOIN cases c ON c.id = r.case_id
		 WHERE r.to_organisation_id = $1::uuid AND r.status = 'ACCEPTED' AND c.organisation_id <> $1::uuid
		 GROUP BY r.case_id
	), rp AS (
		SELECT rc.case_id, rc.cats, c.person_id FROM rc JOIN cases c ON c.id = rc.case_id WHERE c.person_id IS NOT NULL
		UNION SELECT rc.case_id, rc.cats, m.person_id FROM rc JOIN cases c ON c.id = rc.case_id JOIN household_members m ON m.household_id = c.household_id
		UNION SELECT rc.case_id, rc.cats, p.participant_id FROM rc JOIN projects p ON p.case_id = rc.case_id
		UNION SELECT rc.case_id, rc.cats, i.beneficiary_id FROM rc JOIN interventions i ON i.case_id = rc.case_id
		UNION SELECT rc.case_id, rc.cats, a.person_id FROM rc JOIN assessments a ON a.case_id = rc.case_id
	), oc AS (
		SELECT oc.id, oc.person_id, oc.household_id FROM cases oc WHERE `+other+` AND oc.id NOT IN (SELECT case_id FROM rc)
	)
	SELECT 'case', rc.case_id, rc.cats FROM rc
	UNION ALL
	SELECT 'person', rp.person_id, array_agg(DISTINCT x) FROM rp CROSS JOIN LATERAL unnest(rp.cats) x
	 WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = rp.person_id AND p.registered_by = $1::uuid)
	   AND NOT EXISTS (SELECT 1 FROM oc WHERE oc.person_id = rp.person_id
	        OR oc.household_id IN (SELECT m.household_id FROM household_members m WHERE m.person_id = rp.person_id)
	        OR oc.id IN (SELECT p.case_id FROM projects p WHERE p.participant_id = rp.person_id)
	        OR oc.id IN (SELECT i.case_id FROM interventions i WHERE i.beneficiary_id = rp.person_id)
	        OR oc.id IN (SELECT a.case_id FROM assessments a WHERE a.person_id = rp.person_id))
	 GROUP BY rp.person_id
	UNION ALL
	SELECT 'household', c.household_id, array_agg(DISTINCT x) FROM rc JOIN cases c ON c.id = rc.case_id CROSS JOIN LATERAL unnest(rc.cats) x
	 WHERE c.household_id IS NOT NULL
	   AND NOT EXISTS (SELECT 1 FROM households h WHERE h.id = c.household_id AND h.registered_by = $1::uuid)
	   AND NOT EXISTS (SELECT 1 FROM oc WHERE oc.household_id = c.household_id)
	 GROUP BY c.household_id`, args,
		func(r pgx.Rows) (struct {
			kind, id string
			cats     []string
		}, error) {
			var v struct {
				kind, id string
				cats     []string
			}
			err := r.Scan(&v.kind, &v.id, &v.cats)
			return v, err
		})
	if err != nil {
		return ReferralLimits{}, err
	}
	l := ReferralLimits{Cases: map[string][]string{}, Persons: map[string][]string{}, Households: map[string][]string{}}
	for _, v := range rows {
		switch v.kind {
		case "case":
			l.Cases[v.id] = v.cats
		case "person":
			l.Persons[v.id] = v.cats
		case "household":
			l.Households[v.id] = v.cats
		}
	}
	return l, nil
}
