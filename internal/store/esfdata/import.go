package esfdata

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// UpsertResult says what an idempotent import did: rows written for the first time,
// rows whose values changed, and rows already as given.
type UpsertResult struct {
	Inserted  int
	Updated   int
	Unchanged int
}

// RecordProblem is a record that refers to something the database does not hold.
// Index is the record's position in the slice passed in.
type RecordProblem struct {
	Index  int
	Field  string
	Reason string
}

// UpsertOperations inserts operations by code, or updates those whose values differ;
// the records' ids are ignored.
func UpsertOperations(ctx context.Context, t *store.Tx, recs []casedata.Operation) (UpsertResult, error) {
	n := len(recs)
	codes, names, progs, prios, sos, cats, funds := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	starts, ends := make([]time.Time, n), make([]*time.Time, n)
	for i, r := range recs {
		codes[i], names[i], progs[i], prios[i], sos[i], cats[i], funds[i] = r.Code, r.Name, r.Programme, r.Priority,
			r.SpecificObjective, r.CategoryOfRegion, r.FundingSource
		starts[i], ends[i] = r.StartsOn, r.EndsOn
	}
	inserted, err := store.Query(ctx, t, "esf upsert operations", `INSERT INTO operations AS o (code, name, programme, priority,
			specific_objective, category_of_region, funding_source, starts_on, ends_on)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[], $9::date[])
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, programme = EXCLUDED.programme, priority = EXCLUDED.priority,
			specific_objective = EXCLUDED.specific_objective, category_of_region = EXCLUDED.category_of_region,
			funding_source = EXCLUDED.funding_source, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on
		WHERE (o.name, o.programme, o.priority, o.specific_objective, o.category_of_region, o.funding_source, o.starts_on, o.ends_on)
			IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.programme, EXCLUDED.priority, EXCLUDED.specific_objective,
			EXCLUDED.category_of_region, EXCLUDED.funding_source, EXCLUDED.starts_on, EXCLUDED.ends_on)
		RETURNING xmax = 0`, []any{codes, names, progs, prios, sos, cats, funds, starts, ends}, scanBool)
	if err != nil {
		return UpsertResult{}, err
	}
	return upsertResult(n, inserted), nil
}

func scanBool(r pgx.Rows) (bool, error) {
	var b bool
	err := r.Scan(&b)
	return b, err
}

func upsertResult(total int, inserted []bool) UpsertResult {
	var res UpsertResult
	for _, ins := range inserted {
		if ins {
			res.Inserted++
		} else {
			res.Updated++
		}
	}
	res.Unchanged = total - res.Inserted - res.Updated
	return res
}

// ParticipationRecord is a participation with its characteristics at entry, as imported.
// Nil fields are unknown.
type ParticipationRecord struct {
	OperationCode        string
	TaxCode              string
	Gender               *string
	BirthDate            *time.Time
	EntryDate            time.Time
	ExitDate             *time.Time
	EmploymentStatus     *string
	UnemploymentMonths   *int
	ISCED                *int
	Disability           *string
	ThirdCountryNational *string
	ForeignBackground    *string
	Minority             *string
	Homeless             *string
	Rural                *string
}

// esfOperationIDs resolves operation codes, reporting the records whose code is unknown.
func esfOperationIDs(ctx context.Context, t *store.Tx, codes []string) (map[string]string, error) {
	type pair struct{ code, id string }
	rows, err := store.Query(ctx, t, "esf operation ids", `SELECT code, id FROM operations WHERE code = ANY ($1::text[])`, []any{codes},
		func(r pgx.Rows) (pair, error) {
			var p pair
			err := r.Scan(&p.code, &p.id)
			return p, err
		})
	if err != nil {
		return nil, err
	}
	ids := make(map[string]string, len(rows))
	for _, p := range rows {
		ids[p.code] = p.id
	}
	return ids, nil
}

// UpsertParticipations writes participations keyed by operation, person and entry date.
// A person unknown to the hub is registered by tax code, with empty names (the file does
// not carry them) and the birth date and gender of the first record that gives them.
// Records naming an unknown operation are returned as problems and nothing is written.
// Only the imported columns are updated: the round, household size and country of origin
// a participation may have from elsewhere stay as they are.
func UpsertParticipations(ctx context.Context, t *store.Tx, recs []ParticipationRecord) (UpsertResult, []RecordProblem, error) {
	n := len(recs)
	codes := make([]string, n)
	for i, r := range recs {
		codes[i] = r.OperationCode
	}
	opIDs, err := esfOperationIDs(ctx, t, codes)
	if err != nil {
		return UpsertResult{}, nil, err
	}
	var problems []RecordProblem
	for i, r := range recs {
		if _, ok := opIDs[r.OperationCode]; !ok {
			problems = append(problems, RecordProblem{Index: i, Field: "operation_code", Reason: fmt.Sprintf("no operation with code %q", r.OperationCode)})
		}
	}
	if len(problems) > 0 {
		return UpsertResult{}, problems, nil
	}
	// The file's operations are known before anything is written: their counts' locks are
	// taken now, in key order, so that two imports of files naming the same operations in
	// different orders take turns instead of deadlocking on each other's rows.
	if err := store.LockESFOperations(ctx, t, slices.Collect(maps.Values(opIDs))); err != nil {
		return UpsertResult{}, nil, err
	}

	taxCodes := make([]string, n)
	births := make([]*time.Time, n)
	genders := make([]*string, n)
	for i, r := range recs {
		taxCodes[i], births[i] = r.TaxCode, r.BirthDate
		if r.Gender != nil {
			g := map[string]string{"F": "FEMALE", "M": "MALE", "NB": "NON_BINARY"}[*r.Gender]
			genders[i] = &g
		}
	}
	if _, err := store.Exec(ctx, t, "esf register persons", `INSERT INTO persons (tax_code, given_name, family_name, birth_date, gender)
		SELECT DISTINCT ON (tc) tc, '', '', bd, g
		FROM unnest($1::text[], $2::date[], $3::text[]) WITH ORDINALITY AS r(tc, bd, g, i)
		ORDER BY tc, (bd IS NULL AND g IS NULL), i
		ON CONFLICT (tax_code) DO NOTHING`, taxCodes, births, genders); err != nil {
		return UpsertResult{}, nil, err
	}

	ops := make([]string, n)
	entries, exits := make([]time.Time, n), make([]*time.Time, n)
	pGenders, statuses := make([]*string, n), make([]*string, n)
	months, isceds := make([]*int, n), make([]*int, n)
	var flags [6][]*string
	for k := range flags {
		flags[k] = make([]*string, n)
	}
	for i, r := range recs {
		ops[i] = opIDs[r.OperationCode]
		entries[i], exits[i] = r.EntryDate, r.ExitDate
		pGenders[i], statuses[i], months[i], isceds[i] = r.Gender, r.EmploymentStatus, r.UnemploymentMonths, r.ISCED
		for k, f := range []*string{r.Disability, r.ThirdCountryNational, r.ForeignBackground, r.Minority, r.Homeless, r.Rural} {
			flags[k][i] = f
		}
	}
	written, err := store.Query(ctx, t, "esf upsert participations", `INSERT INTO participations AS pa (operation_id, person_id, entry_date,
			exit_date, gender, birth_date, employment_status, unemployment_months, isced, disability, third_country_national,
			foreign_background, minority, homeless, rural)
		SELECT r.op, pe.id, r.entry, r.exit, r.g, r.bd, r.st, r.um, r.isced, r.f1, r.f2, r.f3, r.f4, r.f5, r.f6
		FROM unnest($1::uuid[], $2::text[], $3::date[], $4::date[], $5::text[], $6::date[], $7::text[], $8::int[], $9::smallint[],
			$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
			AS r(op, tc, entry, exit, g, bd, st, um, isced, f1, f2, f3, f4, f5, f6)
		JOIN persons pe ON pe.tax_code = r.tc
		ON CONFLICT (operation_id, person_id, entry_date) DO UPDATE SET exit_date = EXCLUDED.exit_date,
			gender = EXCLUDED.gender, birth_date = EXCLUDED.birth_date, employment_status = EXCLUDED.employment_status,
			unemployment_months = EXCLUDED.unemployment_months, isced = EXCLUDED.isced, disability = EXCLUDED.disability,
			third_country_national = EXCLUDED.third_country_national, foreign_background = EXCLUDED.foreign_background,
			minority = EXCLUDED.minority, homeless = EXCLUDED.homeless, rural = EXCLUDED.rural, updated_at = now()
		WHERE (pa.exit_date, pa.gender, pa.birth_date, pa.employment_status, pa.unemployment_months, pa.isced, pa.disability,
				pa.third_country_national, pa.foreign_background, pa.minority, pa.homeless, pa.rural)
			IS DISTINCT FROM (EXCLUDED.exit_date, EXCLUDED.gender, EXCLUDED.birth_date, EXCLUDED.employment_status,
				EXCLUDED.unemployment_months, EXCLUDED.isced, EXCLUDED.disability, EXCLUDED.third_country_national,
				EXCLUDED.foreign_background, EXCLUDED.minority, EXCLUDED.homeless, EXCLUDED.rural)
		RETURNING xmax = 0`,
		[]any{store.UUIDs(ops), taxCodes, entries, exits, pGenders, births, statuses, months, isceds,
			flags[0], flags[1], flags[2], flags[3], flags[4], flags[5]}, scanBool)
	if err != nil {
		return UpsertResult{}, nil, err
	}
	return upsertResult(n, written), nil, nil
}

// SituationRecord is a dated labour situation of a participant, as imported.
type SituationRecord struct {
	OperationCode string
	TaxCode       string
	Date          time.Time
	Situation     string
}

// InsertSituations records imported situations once each (by operation, person, date and
// situation). A record whose operation is unknown, or whose person has no participation in
// that operation, is returned as a problem and nothing is written.
func InsertSituations(ctx context.Context, t *store.Tx, recs []SituationRecord) (UpsertResult, []RecordProblem, error) {
	n := len(recs)
	codes, taxCodes, sits := make([]string, n), make([]string, n), make([]string, n)
	dates := make([]time.Time, n)
	for i, r := range recs {
		codes[i], taxCodes[i], dates[i], sits[i] = r.OperationCode, r.TaxCode, r.Date, r.Situation
	}
	type resolved struct {
		i           int
		op, person  *string
		participant bool
	}
	res, err := store.Query(ctx, t, "esf resolve situations", `SELECT r.i::int, o.id, pe.id,
			EXISTS (SELECT 1 FROM participations pa WHERE pa.operation_id = o.id AND pa.person_id = pe.id)
		FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(code, tc, i)
		LEFT JOIN operations o ON o.code = r.code
		LEFT JOIN persons pe ON pe.tax_code = r.tc
		ORDER BY r.i`, []any{codes, taxCodes},
		func(r pgx.Rows) (resolved, error) {
			var x resolved
			err := r.Scan(&x.i, &x.op, &x.person, &x.participant)
			return x, err
		})
	if err != nil {
		return UpsertResult{}, nil, err
	}
	var problems []RecordProblem
	ops, persons := make([]string, n), make([]string, n)
	for _, x := range res {
		i := x.i - 1
		switch {
		case x.op == nil:
			problems = append(problems, RecordProblem{Index: i, Field: "operation_code", Reason: fmt.Sprintf("no operation with code %q", codes[i])})
		case x.person == nil || !x.participant:
			problems = append(problems, RecordProblem{Index: i, Field: "tax_code", Reason: fmt.Sprintf("this person has no participation in operation %q", codes[i])})
		default:
			ops[i], persons[i] = *x.op, *x.person
		}
	}
	if len(problems) > 0 {
		return UpsertResult{}, problems, nil
	}
	// A situation refreshes the results of every exit of its person, in every operation:
	// those operations' locks are taken first, in key order (see store.LockESFOperations).
	if err := store.LockESFOperationsOfPersons(ctx, t, persons); err != nil {
		return UpsertResult{}, nil, err
	}
	inserted, err := store.Query(ctx, t, "esf insert situations", `INSERT INTO labour_situations (person_id, operation_id, situation, situation_date, source)
		SELECT DISTINCT pe, op, s, d, 'IMPORT' FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[]) AS r(pe, op, s, d)
		ON CONFLICT (operation_id, person_id, situation_date, situation) WHERE source = 'IMPORT' DO NOTHING
		RETURNING true`, []any{store.UUIDs(persons), store.UUIDs(ops), sits, dates}, scanBool)
	if err != nil {
		return UpsertResult{}, nil, err
	}
	return UpsertResult{Inserted: len(inserted), Unchanged: n - len(inserted)}, nil, nil
}

// TargetRecord is a planned value of an indicator for an operation.
type TargetRecord struct {
	OperationCode string
	IndicatorType string
	Indicator     string
	Planned       int64
}

// UpsertTargets writes planned values keyed by operation and indicator.
func UpsertTargets(ctx context.Context, t *store.Tx, recs []TargetRecord) (UpsertResult, []RecordProblem, error) {
	n := len(recs)
	codes := make([]string, n)
	for i, r := range recs {
		codes[i] = r.OperationCode
	}
	opIDs, err := esfOperationIDs(ctx, t, codes)
	if err != nil {
		return UpsertResult{}, nil, err
	}
	var problems []RecordProblem
	ops, types, inds := make([]string, n), make([]string, n), make([]string, n)
	planned := make([]int64, n)
	for i, r := range recs {
		id, ok := opIDs[r.OperationCode]
		if !ok {
			problems = append(problems, RecordProblem{Index: i, Field: "operation_code", Reason: fmt.Sprintf("no operation with code %q", r.OperationCode)})
			continue
		}
		ops[i], types[i], inds[i], planned[i] = id, r.IndicatorType, r.Indicator, r.Planned
	}
	if len(problems) > 0 {
		return UpsertResult{}, problems, nil
	}
	written, err := store.Query(ctx, t, "esf upsert targets", `INSERT INTO operation_indicator_targets AS x (operation_id, indicator_type, indicator, planned)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[])
		ON CONFLICT (operation_id, indicator) DO UPDATE SET indicator_type = EXCLUDED.indicator_type, planned = EXCLUDED.planned
		WHERE (x.indicator_type, x.planned) IS DISTINCT FROM (EXCLUDED.indicator_type, EXCLUDED.planned)
		RETURNING xmax = 0`, []any{store.UUIDs(ops), types, inds, planned}, scanBool)
	if err != nil {
		return UpsertResult{}, nil, err
	}
	return upsertResult(n, written), nil, nil
}

// Situation is a labour situation a case manager records, or a spell of employment.
type Situation struct {
	PersonID string
	// OperationID ties the situation to one operation; empty applies it to all of the person's.
	OperationID string
	Situation   string
	Date        time.Time
	// Spell marks an employment that holds from Date through EndsOn (nil: still running).
	Spell  bool
	EndsOn *time.Time
	// Source is CASE_MANAGER or IMPORT; SourceRef, when given, makes the record
	// idempotent per source.
	Source     string
	SourceRef  string
	RecordedBy string
}

// RecordSituation stores a situation and returns its id; a second call with the same
// source and source reference updates the first instead.
func RecordSituation(ctx context.Context, t *store.Tx, s Situation) (string, error) {
	// As in InsertSituations. A second call with the same source reference may move the
	// situation from another person, whose operations the trigger then locks as it reaches
	// them.
	if err := store.LockESFOperationsOfPersons(ctx, t, []string{s.PersonID}); err != nil {
		return "", err
	}
	var id string
	err := store.QueryRow(ctx, t, "esf record situation", `INSERT INTO labour_situations AS l (person_id, operation_id, situation,
			situation_date, spell, ends_on, source, source_ref, recorded_by)
		VALUES ($1, NULLIF($2, '')::uuid, $3, $4, $5, $6, $7, NULLIF($8, ''), NULLIF($9, ''))
		ON CONFLICT (source, source_ref) WHERE source_ref IS NOT NULL DO UPDATE SET person_id = EXCLUDED.person_id,
			operation_id = EXCLUDED.operation_id, situation = EXCLUDED.situation, situation_date = EXCLUDED.situation_date,
			spell = EXCLUDED.spell, ends_on = EXCLUDED.ends_on, recorded_by = EXCLUDED.recorded_by
		RETURNING id`,
		[]any{s.PersonID, s.OperationID, s.Situation, s.Date, s.Spell, s.EndsOn, s.Source, s.SourceRef, s.RecordedBy}, &id)
	return id, err
}

// What an operation supported an entity as: the indicator it counts under.
const (
	// EntityPublic is a public administration or public service (EECO18).
	EntityPublic = "PUBLIC_ADMINISTRATION"
	// EntitySME is a micro, small or medium-sized enterprise, cooperatives and social
	// enterprises included (EECO19).
	EntitySME = "SME"
)

// SetOperationEntity records that an operation supports an organisation from a date,
// as kind (EntityPublic or EntitySME).
func SetOperationEntity(ctx context.Context, t *store.Tx, operationID, organisationID, kind string, from time.Time) error {
	_, err := store.Exec(ctx, t, "esf set operation entity", `INSERT INTO operation_entities (operation_id, organisation_id, kind, supported_from)
		VALUES ($1, $2, $3, $4) ON CONFLICT (operation_id, organisation_id) DO UPDATE SET kind = EXCLUDED.kind,
			supported_from = EXCLUDED.supported_from`,
		operationID, organisationID, kind, from)
	return err
}

// EntityRecord is an entity an operation supports, as imported.
type EntityRecord struct {
	OperationCode string
	// TaxCode is the organisation's 11-digit tax number, or a sole trader's codice fiscale.
	TaxCode string
	// Name names an organisation the hub does not hold yet; a known one keeps its own.
	Name string
	// Kind is EntityPublic or EntitySME.
	Kind          string
	SupportedFrom time.Time
}

// EntitiesResult says what an entities import did: the supported entities written, and
// the organisations it registered.
type EntitiesResult struct {
	UpsertResult
	Registered int
}

// UpsertEntities records the entities operations support, keyed by operation and
// organisation. Organisations are found by tax code; one the hub does not hold is
// registered with the record's name (kind OTHER: the file does not say more, public when
// supported as a public administration). Returned as problems, with nothing written: an
// unknown operation, support starting outside the operation's dates, and a known
// organisation whose public flag contradicts the kind (a public body is no SME, a private
// one no public administration).
func UpsertEntities(ctx context.Context, t *store.Tx, recs []EntityRecord) (EntitiesResult, []RecordProblem, error) {
	n := len(recs)
	codes, taxCodes := make([]string, n), make([]string, n)
	for i, r := range recs {
		codes[i], taxCodes[i] = r.OperationCode, r.TaxCode
	}
	type operation struct {
		id     string
		starts time.Time
		ends   *time.Time
		code   string
	}
	ops, err := store.Query(ctx, t, "esf entity operations", `SELECT code, id, starts_on, ends_on FROM operations WHERE code = ANY ($1::text[])`,
		[]any{codes}, func(r pgx.Rows) (operation, error) {
			var o operation
			err := r.Scan(&o.code, &o.id, &o.starts, &o.ends)
			return o, err
		})
	if err != nil {
		return EntitiesResult{}, nil, err
	}
	opByCode := make(map[string]operation, len(ops))
	for _, o := range ops {
		opByCode[o.code] = o
	}
	type organisation struct {
		taxCode, id, name string
		public            bool
	}
	orgs, err := store.Query(ctx, t, "esf entity organisations", `SELECT tax_code, id, name, is_public FROM organisations WHERE tax_code = ANY ($1::text[])`,
		[]any{taxCodes}, func(r pgx.Rows) (organisation, error) {
			var o organisation
			err := r.Scan(&o.taxCode, &o.id, &o.name, &o.public)
			return o, err
		})
	if err != nil {
		return EntitiesResult{}, nil, err
	}
	orgByTaxCode := make(map[string]organisation, len(orgs))
	for _, o := range orgs {
		orgByTaxCode[o.taxCode] = o
	}

	var problems []RecordProblem
	fail := func(i int, field, format string, args ...any) {
		problems = append(problems, RecordProblem{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for i, r := range recs {
		o, ok := opByCode[r.OperationCode]
		switch {
		case !ok:
			fail(i, "operation_code", "no operation with code %q", r.OperationCode)
		case r.SupportedFrom.Before(o.starts):
			fail(i, "supported_from", "is before operation %q starts (%s)", o.code, o.starts.Format(time.DateOnly))
		case o.ends != nil && r.SupportedFrom.After(*o.ends):
			fail(i, "supported_from", "is after operation %q ends (%s)", o.code, o.ends.Format(time.DateOnly))
		}
		if g, ok := orgByTaxCode[r.TaxCode]; ok {
			switch {
			case g.public && r.Kind == EntitySME:
				fail(i, "kind", "the organisation with this tax code (%s) is recorded as public: a public body is not an SME", g.name)
			case !g.public && r.Kind == EntityPublic:
				fail(i, "kind", "the organisation with this tax code (%s) is recorded as not public: it is not a public administration", g.name)
			}
		}
	}
	if len(problems) > 0 {
		return EntitiesResult{}, problems, nil
	}

	var newTax, newNames []string
	var newPublic []bool
	for _, r := range recs {
		if _, ok := orgByTaxCode[r.TaxCode]; !ok && !slices.Contains(newTax, r.TaxCode) {
			newTax, newNames, newPublic = append(newTax, r.TaxCode), append(newNames, r.Name), append(newPublic, r.Kind == EntityPublic)
		}
	}
	// A new organisation is registered under its tax code as its code, which one without a
	// tax code may hold already.
	taken, err := store.Query(ctx, t, "esf entity codes taken", `SELECT code FROM organisations WHERE code = ANY ($1::text[])`,
		[]any{newTax}, func(r pgx.Rows) (string, error) {
			var c string
			err := r.Scan(&c)
			return c, err
		})
	if err != nil {
		return EntitiesResult{}, nil, err
	}
	for i, r := range recs {
		if slices.Contains(taken, r.TaxCode) {
			fail(i, "tax_code", "an organisation with code %q but without this tax code exists: give it the tax code first", r.TaxCode)
		}
	}
	if len(problems) > 0 {
		return EntitiesResult{}, problems, nil
	}
	var res EntitiesResult
	if len(newTax) > 0 {
		created, err := store.Query(ctx, t, "esf register organisations", `INSERT INTO organisations (code, name, kind, is_public, tax_code)
			SELECT tc, name, 'OTHER', pub, tc FROM unnest($1::text[], $2::text[], $3::boolean[]) AS r(tc, name, pub)
			RETURNING tax_code, id`, []any{newTax, newNames, newPublic}, func(r pgx.Rows) (organisation, error) {
			var o organisation
			err := r.Scan(&o.taxCode, &o.id)
			return o, err
		})
		if err != nil {
			return EntitiesResult{}, nil, err
		}
		for _, o := range created {
			orgByTaxCode[o.taxCode] = o
		}
		res.Registered = len(created)
	}
	opIDs, orgIDs, kinds := make([]string, n), make([]string, n), make([]string, n)
	froms := make([]time.Time, n)
	for i, r := range recs {
		opIDs[i], orgIDs[i], kinds[i], froms[i] = opByCode[r.OperationCode].id, orgByTaxCode[r.TaxCode].id, r.Kind, r.SupportedFrom
	}
	written, err := store.Query(ctx, t, "esf upsert entities", `INSERT INTO operation_entities AS x (operation_id, organisation_id, kind, supported_from)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[])
		ON CONFLICT (operation_id, organisation_id) DO UPDATE SET kind = EXCLUDED.kind, supported_from = EXCLUDED.supported_from
		WHERE (x.kind, x.supported_from) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.supported_from)
		RETURNING xmax = 0`, []any{store.UUIDs(opIDs), store.UUIDs(orgIDs), kinds, froms}, scanBool)
	if err != nil {
		return EntitiesResult{}, nil, err
	}
	res.UpsertResult = upsertResult(n, written)
	return res, nil, nil
}

// PersonIDByTaxCode returns the id of the person with the given tax code, within the
// transaction's person scope.
func PersonIDByTaxCode(ctx context.Context, t *store.Tx, taxCode string) (string, error) {
	args := []any{taxCode}
	var id string
	err := store.QueryRow(ctx, t, "esf person by tax code", `SELECT pe.id FROM persons pe WHERE pe.tax_code = $1 AND `+
		t.Scope().PersonPredicate("pe", &args), args, &id)
	return id, err
}
