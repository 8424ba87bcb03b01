package rightsdata

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// RetentionClaims are the claims of the retention job's transactions: every row, the
// registry copies (which it erases) and the records of data-subject rights (the
// restrictions and the ledger it writes).
func RetentionClaims() map[string]string {
	c := store.RegistrySyncClaims()
	c["ponte.rights"] = "manage"
	return c
}

// ESFObligation is an ESF+ participation of a person whose operation's records must
// still be kept (Reg. (EU) 2021/1060 Art. 82).
type ESFObligation struct {
	OperationCode string
	// LastPaymentOn is nil while the operation's last payment is not made: the records
	// are kept at least five years beyond it.
	LastPaymentOn *time.Time
	// KeptUntil is the last day the records are kept: 31 December of the last
	// payment's year, plus the rule's period (five years).
	KeptUntil *time.Time
}

// ESFObligations lists the person's participations still under Art. 82 on day on.
func ESFObligations(ctx context.Context, t *store.Tx, personID string, on time.Time) ([]ESFObligation, error) {
	return store.Query(ctx, t, "esf obligations", `
		SELECT DISTINCT o.code, o.last_payment_on,
			(make_date(extract(year FROM o.last_payment_on)::int, 12, 31) + r.period)::date
		FROM participations p JOIN operations o ON o.id = p.operation_id
		JOIN retention_rules r ON r.kind = 'esf_participation'
		WHERE p.person_id = $1
		  AND (o.last_payment_on IS NULL OR (make_date(extract(year FROM o.last_payment_on)::int, 12, 31) + r.period)::date >= $2::date)
		ORDER BY 1`, []any{personID, on}, func(r pgx.Rows) (ESFObligation, error) {
		var o ESFObligation
		return o, r.Scan(&o.OperationCode, &o.LastPaymentOn, &o.KeptUntil)
	})
}

// ErasedTaxCodePrefix begins the tax code of a pseudonymised person: the column keeps
// its format and uniqueness, and no real tax code begins so (its seventh and eighth
// characters are the birth year's digits).
const ErasedTaxCodePrefix = "ERASED"

// PseudonymiseResult is what pseudonymising a person did.
type PseudonymiseResult struct {
	// Deleted counts the registry copies deleted, per table.
	Deleted map[string]int64
}

// String lists the deleted counts, for the ledger.
func (r PseudonymiseResult) String() string {
	var parts []string
	for _, t := range registryCopyTables {
		if n := r.Deleted[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", t, n))
		}
	}
	if len(parts) == 0 {
		return "identity, contact and free text cleared; no registry copies"
	}
	return "identity, contact and free text cleared; registry copies deleted: " + strings.Join(parts, ", ")
}

// registryCopyTables are the registry copies held per tax code.
var registryCopyTables = []string{"registry_isee", "registry_school_records", "registry_labour_status",
	"registry_labour_status_history", "registry_employment_events", "registry_benefit_cases", "registry_lookup_state"}

// PseudonymisePerson erases what identifies a person and keeps the row and its id: the
// identity, contact and demographic columns are cleared (the tax code becomes
// ERASED + ten characters derived from the row id), the free text written about them
// (case summaries, activity notes, assessment notes) is cleared, and the registry copies
// held under their tax code are deleted. What the ESF+ indicators count stays, keyed by
// the same row id, so frozen reports keep verifying (their record hashes are stored).
func PseudonymisePerson(ctx context.Context, t *store.Tx, personID string) (PseudonymiseResult, error) {
	res := PseudonymiseResult{Deleted: map[string]int64{}}
	// The person's participations are rewritten below, in every operation: those
	// operations' ESF+ counts' locks are taken first, in key order and before the person's
	// row (an import holds them while it refers to the row), see store.LockESFOperations.
	if err := store.LockESFOperationsOfPersons(ctx, t, []string{personID}); err != nil {
		return res, err
	}
	var code string
	if err := store.QueryRow(ctx, t, "pseudonymise person", `SELECT tax_code FROM persons WHERE id = $1 FOR UPDATE`, []any{personID}, &code); err != nil {
		return res, err
	}
	if strings.HasPrefix(code, ErasedTaxCodePrefix) {
		return res, nil
	}
	// The ESF+ indicators derive a participant's gender and birth date from the tax code
	// when the participation lacks them: pin the derived values first, so that the
	// values counted do not change, and mark them derived again afterwards (a changed
	// tax code re-derives, which would clear the marks).
	var derivedGender, derivedBirth []string
	if err := store.QueryRow(ctx, t, "pseudonymise person", `SELECT
			coalesce(array_agg(id::text) FILTER (WHERE esf_gender_derived), '{}'),
			coalesce(array_agg(id::text) FILTER (WHERE esf_birth_date_derived), '{}')
		FROM participations WHERE person_id = $1`, []any{personID}, &derivedGender, &derivedBirth); err != nil {
		return res, err
	}
	if _, err := store.Exec(ctx, t, "pseudonymise person", `UPDATE participations SET gender = coalesce(gender, esf_gender),
			birth_date = coalesce(birth_date, esf_birth_date)
		WHERE person_id = $1 AND (esf_gender_derived OR esf_birth_date_derived)`, personID); err != nil {
		return res, err
	}
	if _, err := store.Exec(ctx, t, "pseudonymise person", `UPDATE persons SET
			tax_code = $2 || upper(substr(md5(id::text), 1, 10)), given_name = '', family_name = '', birth_date = NULL,
			birth_place = NULL, gender = NULL, citizenship = NULL, country_of_birth = NULL, residence_municipality = NULL,
			phone = NULL, email = NULL, updated_at = now()
		WHERE id = $1`, personID, ErasedTaxCodePrefix); err != nil {
		return res, err
	}
	if len(derivedGender)+len(derivedBirth) > 0 {
		if _, err := store.Exec(ctx, t, "pseudonymise person", `UPDATE participations SET esf_gender_derived = esf_gender_derived OR id = ANY($1::uuid[]),
				esf_birth_date_derived = esf_birth_date_derived OR id = ANY($2::uuid[])
			WHERE person_id = $3`, store.UUIDs(derivedGender), store.UUIDs(derivedBirth), personID); err != nil {
			return res, err
		}
	}
	for _, sql := range []string{
		`UPDATE cases SET summary = NULL WHERE person_id = $1 AND summary IS NOT NULL`,
		`UPDATE activity_entries SET note = '' WHERE case_id IN (SELECT id FROM cases WHERE person_id = $1) AND note <> ''`,
		`UPDATE assessments SET work_experience = NULL, professional_interests = NULL, health_notes = NULL WHERE person_id = $1`,
	} {
		if _, err := store.Exec(ctx, t, "pseudonymise person", sql, personID); err != nil {
			return res, err
		}
	}
	for _, table := range registryCopyTables {
		n, err := store.Exec(ctx, t, "pseudonymise person", `DELETE FROM `+table+` WHERE tax_code = $1`, code)
		if err != nil {
			return res, err
		}
		res.Deleted[table] = n
	}
	return res, nil
}

// RetentionStep is the next thing the retention job does to a person.
type RetentionStep string

// The steps: restrict when the last rule keeping the person expires, pseudonymise after
// the rule's grace days.
const (
	StepRestrict     RetentionStep = "RESTRICT"
	StepPseudonymise RetentionStep = "PSEUDONYMISE"
)

// RetentionDue is a person whose retention expired by the day asked.
type RetentionDue struct {
	PersonID string
	// Rule is the last rule that kept the person (case or esf_participation).
	Rule string
	// DueOn is the first day the person is no longer kept.
	DueOn time.Time
	Step  RetentionStep
	// StepOn is the first day of Step: DueOn, or DueOn plus the grace days.
	StepOn time.Time
}

// retentionDue lists persons with a step due on $1, after the person id $2, at most $3.
// A person is held by each rule that applies to them: a case until its period after the
// last case closed (forever while one is open), an ESF+ participation until Art. 82's
// period after 31 December of its operation's last payment year (forever while a payment
// is missing). They expire the day after the last of those ends.
const retentionDue = `
	WITH rc AS (SELECT period, grace_days FROM retention_rules WHERE kind = 'case'),
	re AS (SELECT period, grace_days FROM retention_rules WHERE kind = 'esf_participation'),
	c AS (SELECT person_id, bool_or(status <> 'CLOSED' OR closed_on IS NULL) AS open, max(closed_on) AS last_closed
	      FROM cases WHERE person_id IS NOT NULL GROUP BY person_id),
	e AS (SELECT p.person_id, bool_or(o.last_payment_on IS NULL) AS unpaid, max(o.last_payment_on) AS last_paid
	      FROM participations p JOIN operations o ON o.id = p.operation_id GROUP BY p.person_id),
	held AS (
		SELECT pe.id AS person_id,
			CASE WHEN c.person_id IS NULL THEN NULL WHEN c.open THEN 'infinity'::date
			     ELSE ((c.last_closed + rc.period)::date + 1) END AS case_due,
			CASE WHEN e.person_id IS NULL THEN NULL WHEN e.unpaid THEN 'infinity'::date
			     ELSE ((make_date(extract(year FROM e.last_paid)::int, 12, 31) + re.period)::date + 1) END AS esf_due,
			rc.grace_days AS case_grace, re.grace_days AS esf_grace
		FROM persons pe LEFT JOIN c ON c.person_id = pe.id LEFT JOIN e ON e.person_id = pe.id, rc, re
		WHERE (c.person_id IS NOT NULL OR e.person_id IS NOT NULL) AND pe.id > $2::uuid
	),
	due AS (
		SELECT person_id, greatest(case_due, esf_due) AS due_on,
			CASE WHEN esf_due IS NOT NULL AND (case_due IS NULL OR esf_due >= case_due) THEN 'esf_participation' ELSE 'case' END AS rule,
			CASE WHEN esf_due IS NOT NULL AND (case_due IS NULL OR esf_due >= case_due) THEN esf_grace ELSE case_grace END AS grace
		FROM held
	)
	SELECT d.person_id::text, d.rule, d.due_on,
		CASE WHEN r.id IS NULL THEN 'RESTRICT' ELSE 'PSEUDONYMISE' END,
		CASE WHEN r.id IS NULL THEN d.due_on ELSE d.due_on + d.grace END
	FROM due d
	LEFT JOIN retention_ledger r ON r.person_id = d.person_id AND r.action = 'RESTRICTED'
	LEFT JOIN retention_ledger x ON x.person_id = d.person_id AND x.action = 'PSEUDONYMISED'
	WHERE d.due_on <> 'infinity' AND x.id IS NULL
	  AND (CASE WHEN r.id IS NULL THEN d.due_on ELSE d.due_on + d.grace END) <= $1::date
	ORDER BY d.person_id
	LIMIT $3`

func scanDue(r pgx.Rows) (RetentionDue, error) {
	var d RetentionDue
	var step string
	err := r.Scan(&d.PersonID, &d.Rule, &d.DueOn, &step, &d.StepOn)
	d.Step = RetentionStep(step)
	return d, err
}

// RetentionDueOn lists, in person order after the id after ("" for the first), at most
// limit persons with a retention step due on day on.
func RetentionDueOn(ctx context.Context, t *store.Tx, on time.Time, after string, limit int) ([]RetentionDue, error) {
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	return store.Query(ctx, t, "retention due", retentionDue, []any{on, after, limit}, scanDue)
}

// RetentionLedgerEntry is one line of the retention ledger.
type RetentionLedgerEntry struct {
	At        time.Time
	Actor     string
	Rule      string
	PersonID  *string
	RequestID *string
	Action    string
	DueOn     time.Time
	Detail    string
}

// AppendRetentionLedger records a step; false when the step was recorded already (the
// ledger's unique key), so a resumed run does nothing twice.
func AppendRetentionLedger(ctx context.Context, t *store.Tx, e RetentionLedgerEntry) (bool, error) {
	n, err := store.Exec(ctx, t, "append retention ledger", `INSERT INTO retention_ledger (at, actor, rule, person_id, request_id, action, due_on, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (rule, person_id, action) DO NOTHING`,
		e.At, e.Actor, e.Rule, e.PersonID, e.RequestID, e.Action, e.DueOn, e.Detail)
	return n == 1, err
}

// RetentionLedger lists the ledger, oldest first.
func RetentionLedger(ctx context.Context, t *store.Tx, personID string) ([]RetentionLedgerEntry, error) {
	return store.Query(ctx, t, "retention ledger", `SELECT at, actor, rule, person_id::text, request_id::text, action, due_on, detail
		FROM retention_ledger WHERE ($1::uuid IS NULL OR person_id = $1::uuid) ORDER BY id LIMIT 10000`,
		[]any{emptyAsNull(personID)}, func(r pgx.Rows) (RetentionLedgerEntry, error) {
			var e RetentionLedgerEntry
			return e, r.Scan(&e.At, &e.Actor, &e.Rule, &e.PersonID, &e.RequestID, &e.Action, &e.DueOn, &e.Detail)
		})
}

// RegistryCopiesDue counts, per table, the registry copies whose purpose ended more than
// the registry_copy rule's period before day on: no person holding the tax code has an
// open case or a case closed within the period, and the copy was fetched before it.
func RegistryCopiesDue(ctx context.Context, t *store.Tx, on time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	for _, table := range registryCopyTables {
		var n int64
		if err := store.QueryRow(ctx, t, "registry copies due", `SELECT count(*) FROM `+table+` x `+registryCopyDue(table), []any{on}, &n); err != nil {
			return nil, err
		}
		out[table] = n
	}
	return out, nil
}

// EraseRegistryCopies deletes the registry copies RegistryCopiesDue counts.
func EraseRegistryCopies(ctx context.Context, t *store.Tx, on time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	for _, table := range registryCopyTables {
		n, err := store.Exec(ctx, t, "erase registry copies", `DELETE FROM `+table+` x `+registryCopyDue(table), on)
		if err != nil {
			return nil, err
		}
		out[table] = n
	}
	return out, nil
}

func registryCopyDue(table string) string {
	fetched := "x.fetched_at"
	switch table {
	case "registry_labour_status_history":
		fetched = "x.as_of"
	case "registry_lookup_state":
		fetched = "x.last_attempt_at"
	}
	const period = `(SELECT r.period FROM retention_rules r WHERE r.kind = 'registry_copy')`
	return `WHERE ` + fetched + ` < ($1::date - ` + period + `)
		AND NOT EXISTS (SELECT 1 FROM persons pe JOIN cases c ON c.person_id = pe.id
			WHERE pe.tax_code = x.tax_code AND (c.status <> 'CLOSED' OR c.closed_on IS NULL OR c.closed_on + ` + period + ` >= $1::date))`
}

// AccessLogDue counts the access-log entries older than the access_log rule's period on
// day on. The job does not delete them: the log is append-only and hash-chained, and
// cutting its head needs the chain's anchor moved first.
func AccessLogDue(ctx context.Context, t *store.Tx, on time.Time) (int64, error) {
	var n int64
	err := store.QueryRow(ctx, t, "access log due", `SELECT count(*) FROM access_log a, retention_rules r
		WHERE r.kind = 'access_log' AND a.at < ($1::date - r.period)`, []any{on}, &n)
	return n, err
}
