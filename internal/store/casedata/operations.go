package casedata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// Operation is an ESF+ funded operation (identified by its CUP code).
type Operation struct {
	ID                string
	Code              string
	Name              string
	Programme         string
	Priority          string
	SpecificObjective string
	CategoryOfRegion  string
	FundingSource     string
	StartsOn          time.Time
	EndsOn            *time.Time
}

// Round is a funding round of an operation.
type Round struct {
	ID            string
	OperationID   string
	Number        int
	StartsOn      time.Time
	EndsOn        *time.Time
	FundingSource *string
}

// Participation is a person in an operation with the characteristics at entry.
type Participation struct {
	ID                   string
	OperationID          string
	RoundID              *string
	PersonID             string
	EntryDate            time.Time
	ExitDate             *time.Time
	Gender               *string
	BirthDate            *time.Time
	EmploymentStatus     *string
	UnemploymentMonths   *int
	ISCED                *int
	HouseholdSize        *int
	CountryOfOrigin      *string
	Disability           *string
	ThirdCountryNational *string
	ForeignBackground    *string
	Minority             *string
	Homeless             *string
	Rural                *string
}

const operationCols = `o.id, o.code, o.name, o.programme, o.priority, o.specific_objective, o.category_of_region,
	o.funding_source, o.starts_on, o.ends_on`

func scanOperationInto(r pgx.Rows, o *Operation, extra ...any) error {
	return r.Scan(append([]any{&o.ID, &o.Code, &o.Name, &o.Programme, &o.Priority, &o.SpecificObjective,
		&o.CategoryOfRegion, &o.FundingSource, &o.StartsOn, &o.EndsOn}, extra...)...)
}

// OperationsByIDs loads operations.
func OperationsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Operation, error) {
	return store.Query(ctx, t, "operations by id", `SELECT `+operationCols+` FROM operations o WHERE o.id = ANY($1::uuid[])`, []any{store.UUIDs(ids)},
		func(r pgx.Rows) (Operation, error) {
			var o Operation
			return o, scanOperationInto(r, &o)
		})
}

// OperationFilter narrows an operation listing.
type OperationFilter struct {
	Programme         *string
	SpecificObjective *string
}

// ListOperations returns a page of operations ordered by code.
func ListOperations(ctx context.Context, t *store.Tx, f OperationFilter, p store.Page) (store.Rows[Operation], error) {
	args := []any{}
	where := "true"
	if f.Programme != nil {
		where += " AND o.programme = " + store.Arg(&args, *f.Programme)
	}
	if f.SpecificObjective != nil {
		where += " AND o.specific_objective = " + store.Arg(&args, *f.SpecificObjective)
	}
	return store.ListPage(ctx, t, "list operations", `SELECT `+operationCols+`, o.code AS sort_key FROM operations o WHERE `+where, args, p,
		func(r pgx.Rows) (Operation, string, error) {
			var o Operation
			var key string
			err := scanOperationInto(r, &o, &key)
			return o, key, err
		}, func(o Operation) string { return o.ID })
}

const roundCols = `id, operation_id, number, starts_on, ends_on, funding_source`

func scanRound(r pgx.Rows) (Round, error) {
	var x Round
	err := r.Scan(&x.ID, &x.OperationID, &x.Number, &x.StartsOn, &x.EndsOn, &x.FundingSource)
	return x, err
}

// RoundsByOperation loads the rounds of the given operations in order.
func RoundsByOperation(ctx context.Context, t *store.Tx, operationIDs []string) ([]Round, error) {
	return store.Query(ctx, t, "rounds by operation", `SELECT `+roundCols+`
		FROM operation_rounds WHERE operation_id = ANY($1::uuid[]) ORDER BY number`, []any{store.UUIDs(operationIDs)}, scanRound)
}

// RoundsByIDs loads rounds.
func RoundsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Round, error) {
	return store.Query(ctx, t, "rounds by id", `SELECT `+roundCols+`
		FROM operation_rounds WHERE id = ANY($1::uuid[])`, []any{store.UUIDs(ids)}, scanRound)
}

const participationCols = `pa.id, pa.operation_id, pa.round_id, pa.person_id, pa.entry_date, pa.exit_date, pa.gender,
	pa.birth_date, pa.employment_status, pa.unemployment_months, pa.isced, pa.household_size, pa.country_of_origin,
	pa.disability, pa.third_country_national, pa.foreign_background, pa.minority, pa.homeless, pa.rural`

func scanParticipationInto(r pgx.Rows, x *Participation, extra ...any) error {
	return r.Scan(append([]any{&x.ID, &x.OperationID, &x.RoundID, &x.PersonID, &x.EntryDate, &x.ExitDate, &x.Gender,
		&x.BirthDate, &x.EmploymentStatus, &x.UnemploymentMonths, &x.ISCED, &x.HouseholdSize, &x.CountryOfOrigin,
		&x.Disability, &x.ThirdCountryNational, &x.ForeignBackground, &x.Minority, &x.Homeless, &x.Rural}, extra...)...)
}

func scanParticipation(r pgx.Rows) (Participation, error) {
	var x Participation
	return x, scanParticipationInto(r, &x)
}

// ParticipationsByIDs loads participations within scope.
func ParticipationsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Participation, error) {
	args := []any{store.UUIDs(ids)}
	return store.Query(ctx, t, "participations by id", `SELECT `+participationCols+` FROM participations pa
		WHERE pa.id = ANY($1::uuid[]) AND `+t.Scope().ParticipationPredicate("pa", &args), args, scanParticipation)
}

// ParticipationsByPerson loads the participations of the given persons within scope.
func ParticipationsByPerson(ctx context.Context, t *store.Tx, personIDs []string) ([]Participation, error) {
	args := []any{store.UUIDs(personIDs)}
	return store.Query(ctx, t, "participations by person", `SELECT `+participationCols+` FROM participations pa
		WHERE pa.person_id = ANY($1::uuid[]) AND `+t.Scope().ParticipationPredicate("pa", &args)+` ORDER BY pa.entry_date, pa.id`, args, scanParticipation)
}

// ParticipationFilter narrows a participation listing.
type ParticipationFilter struct {
	OperationID *string
	RoundID     *string
	// Search matches the start of the tax code or any part of the name.
	Search *string
	// SearchAges: as in PersonFilter.
	SearchAges SearchAges
}

// ListParticipations returns a page of participations ordered by entry date.
func ListParticipations(ctx context.Context, t *store.Tx, f ParticipationFilter, p store.Page) (store.Rows[Participation], error) {
	args := []any{}
	where := t.Scope().ParticipationPredicate("pa", &args)
	if f.OperationID != nil {
		where += " AND pa.operation_id = " + store.Arg(&args, *f.OperationID)
	}
	if f.RoundID != nil {
		where += " AND pa.round_id = " + store.Arg(&args, *f.RoundID)
	}
	if f.Search != nil && *f.Search != "" {
		where += ` AND ` + personSearch{Text: *f.Search, Ages: f.SearchAges}.predicate("p", &args)
	}
	return store.ListPage(ctx, t, "list participations", `SELECT `+participationCols+`, to_char(pa.entry_date, 'YYYY-MM-DD') AS sort_key
		FROM participations pa JOIN persons p ON p.id = pa.person_id WHERE `+where, args, p,
		func(r pgx.Rows) (Participation, string, error) {
			var x Participation
			var key string
			err := scanParticipationInto(r, &x, &key)
			return x, key, err
		}, func(x Participation) string { return x.ID })
}

// EnrolParticipant inserts a participation and returns its id.
func EnrolParticipant(ctx context.Context, t *store.Tx, x Participation) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "enrol participant", `INSERT INTO participations (operation_id, round_id, person_id, entry_date,
		gender, birth_date, employment_status, unemployment_months, isced, household_size, country_of_origin,
		disability, third_country_national, foreign_background, minority, homeless, rural)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		[]any{x.OperationID, x.RoundID, x.PersonID, x.EntryDate, x.Gender, x.BirthDate, x.EmploymentStatus,
			x.UnemploymentMonths, x.ISCED, x.HouseholdSize, x.CountryOfOrigin, x.Disability, x.ThirdCountryNational,
			x.ForeignBackground, x.Minority, x.Homeless, x.Rural}, &id)
	return id, err
}

// RecordParticipantExit sets the exit date of a participation within scope.
func RecordParticipantExit(ctx context.Context, t *store.Tx, id string, exit time.Time) error {
	args := []any{id, exit}
	_, err := store.Exec(ctx, t, "record participant exit", `UPDATE participations pa SET exit_date = $2, updated_at = now()
		WHERE pa.id = $1 AND `+t.Scope().ParticipationPredicate("pa", &args), args...)
	return err
}
