package registrydata

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// EmploymentSpell is one employment relationship read from the employment events
// (migrations/00200_registry.sql, view employment_spells). EndDate is the last day worked,
// nil while the relationship runs.
type EmploymentSpell struct {
	Source           string
	TaxCode          string
	PersonID         *string
	EmployerTaxCode  string
	EmployerName     *string
	StartDate        time.Time
	EndDate          *time.Time
	ContractTypeCode *string
	ATECOCode        *string
	Terminated       bool
	Communications   int
	FetchedAt        time.Time
}

// EmploymentSpells returns the spells of the given workers that overlap [from, to]
// (either bound may be zero for none), ordered by worker and start.
func EmploymentSpells(ctx context.Context, t *store.Tx, taxCodes []string, from, to time.Time) ([]EmploymentSpell, error) {
	var fromArg, toArg *time.Time
	if !from.IsZero() {
		fromArg = &from
	}
	if !to.IsZero() {
		toArg = &to
	}
	if fromArg != nil && toArg != nil && to.Before(from) {
		return nil, fmt.Errorf("store: employment spells: to %s is before from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	return store.Query(ctx, t, "employment spells", `SELECT s.source, s.tax_code, s.person_id, s.employer_tax_code, s.employer_name,
		    s.start_date, s.end_date, s.contract_type_code, s.ateco_code, s.terminated, s.communications::int, s.fetched_at
		  FROM employment_spells s
		 WHERE s.tax_code = ANY($1::text[])
		   AND ($3::date IS NULL OR s.start_date <= $3)
		   AND ($2::date IS NULL OR s.end_date IS NULL OR s.end_date >= $2)
		 ORDER BY s.tax_code, s.start_date, s.employer_tax_code`, []any{taxCodes, fromArg, toArg},
		func(r pgx.Rows) (EmploymentSpell, error) {
			var s EmploymentSpell
			err := r.Scan(&s.Source, &s.TaxCode, &s.PersonID, &s.EmployerTaxCode, &s.EmployerName, &s.StartDate, &s.EndDate,
				&s.ContractTypeCode, &s.ATECOCode, &s.Terminated, &s.Communications, &s.FetchedAt)
			return s, err
		})
}

// Bases of a labour status on a date.
const (
	// BasisEmploymentSpell: an employment spell covers the date.
	BasisEmploymentSpell = "EMPLOYMENT_SPELL"
	// BasisDIDStatus: read from the DID labour status the registry computed.
	BasisDIDStatus = "DID_STATUS"
	// BasisEmploymentEnded: a spell ended before the date, and the registry said nothing since.
	BasisEmploymentEnded = "EMPLOYMENT_ENDED"
	// BasisNone: the hub holds no labour data for the person.
	BasisNone = "NONE"
)

// LabourStatusAt is a person's labour status on one date, as the registry data held by
// the hub tells it (function registry_labour_status_as_of).
type LabourStatusAt struct {
	TaxCode string
	Date    time.Time
	// Status is EMPLOYED, UNEMPLOYED, INACTIVE, IN_EDUCATION or UNKNOWN.
	Status string
	// UnemploymentMonths is set for UNEMPLOYED when the registry gave a duration.
	UnemploymentMonths *int
	Basis              string
	// ObservedOn is the date of the evidence used (the status's date, the spell's end).
	ObservedOn *time.Time
}

// LabourQuery asks for a person's status on a date.
type LabourQuery struct {
	TaxCode string
	Date    time.Time
}

// LabourStatusAsOf answers many (tax code, date) questions in one statement, in the
// order asked.
func LabourStatusAsOf(ctx context.Context, t *store.Tx, qs []LabourQuery) ([]LabourStatusAt, error) {
	if len(qs) == 0 {
		return nil, nil
	}
	codes := make([]string, len(qs))
	dates := make([]time.Time, len(qs))
	for i, q := range qs {
		if q.Date.IsZero() {
			return nil, fmt.Errorf("store: labour status as of: query %d (%s) has no date", i, q.TaxCode)
		}
		codes[i], dates[i] = q.TaxCode, q.Date
	}
	return store.Query(ctx, t, "labour status as of", `SELECT q.tax_code, q.d, s.employment_status, s.unemployment_months, s.basis, s.observed_on
		  FROM unnest($1::text[], $2::date[]) WITH ORDINALITY AS q(tax_code, d, n)
		 CROSS JOIN LATERAL registry_labour_status_as_of(q.tax_code, q.d) s
		 ORDER BY q.n`, []any{codes, dates},
		func(r pgx.Rows) (LabourStatusAt, error) {
			var s LabourStatusAt
			err := r.Scan(&s.TaxCode, &s.Date, &s.Status, &s.UnemploymentMonths, &s.Basis, &s.ObservedOn)
			return s, err
		})
}
