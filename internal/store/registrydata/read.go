package registrydata

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// Keyed is a row loaded for a key: the person or household it was asked for.
type Keyed[T any] struct {
	Key   string
	Value T
}

// MarshalJSON writes the birth date as YYYY-MM-DD, as the registries send it.
func (m BenefitMember) MarshalJSON() ([]byte, error) {
	type wire struct {
		TaxCode      string `json:"tax_code"`
		Role         string `json:"role"`
		Relationship string `json:"relationship,omitempty"`
		BirthDate    string `json:"birth_date,omitempty"`
	}
	w := wire{TaxCode: m.TaxCode, Role: m.Role, Relationship: m.Relationship}
	if m.BirthDate != nil {
		w.BirthDate = m.BirthDate.Format(time.DateOnly)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (m *BenefitMember) UnmarshalJSON(b []byte) error {
	var w struct {
		TaxCode      string `json:"tax_code"`
		Role         string `json:"role"`
		Relationship string `json:"relationship"`
		BirthDate    string `json:"birth_date"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = BenefitMember{TaxCode: w.TaxCode, Role: w.Role, Relationship: w.Relationship}
	if w.BirthDate != "" {
		d, err := time.Parse(time.DateOnly, w.BirthDate)
		if err != nil {
			return fmt.Errorf("birth_date: %w", err)
		}
		m.BirthDate = &d
	}
	return nil
}

// registryReader reads one registry table for persons or households.
type registryReader[R any] struct {
	op    string
	table string
	// match joins the table r to the person p.
	match string
	cols  string
	scan  func(*R) []any
	meta  func(*R) *Meta
	order string
}

const registryMetaCols = `r.id, r.person_id, r.source, r.source_ref, r.tax_code, r.payload_sha256, r.content_type, r.origin,
	r.fetched_at, r.first_seen_at, r.updated_at,
	CASE WHEN l.consecutive_failures > 0 AND l.last_error_at > r.fetched_at THEN l.last_error END,
	CASE WHEN l.consecutive_failures > 0 AND l.last_error_at > r.fetched_at THEN l.last_error_at END,
	lp.id, lp.tax_code, lp.given_name, lp.family_name, lp.birth_date, lp.birth_place, lp.gender,
	lp.citizenship, lp.country_of_birth, lp.residence_municipality, lp.phone, lp.email`

// linkedPerson joins the record's person, lp, when the scope sees them; the API shows
// the link without a statement of its own.
func linkedPerson(t *store.Tx, args *[]any) string {
	return ` LEFT JOIN persons lp ON lp.id = r.person_id AND ` + t.Scope().PersonPredicate("lp", args)
}

// nullPerson scans the columns of a person that may be missing.
type nullPerson struct {
	id, taxCode, given, family                                               *string
	birth                                                                    *time.Time
	birthPlace, gender, citizenship, countryOfBirth, residence, phone, email *string
}

func (n *nullPerson) dest() []any {
	return []any{&n.id, &n.taxCode, &n.given, &n.family, &n.birth, &n.birthPlace, &n.gender, &n.citizenship,
		&n.countryOfBirth, &n.residence, &n.phone, &n.email}
}

func (n *nullPerson) person() *casedata.Person {
	if n.id == nil || n.taxCode == nil || n.given == nil || n.family == nil {
		return nil
	}
	return &casedata.Person{ID: *n.id, TaxCode: *n.taxCode, GivenName: *n.given, FamilyName: *n.family, BirthDate: n.birth,
		BirthPlace: n.birthPlace, Gender: n.gender, Citizenship: n.citizenship, CountryOfBirth: n.countryOfBirth,
		ResidenceMunicipality: n.residence, Phone: n.phone, Email: n.email}
}

func (rr registryReader[R]) scanRow(r pgx.Rows) (Keyed[R], error) {
	var k Keyed[R]
	m := rr.meta(&k.Value)
	var lookupErr *string
	var lookupAt *time.Time
	var linked nullPerson
	dest := []any{&k.Key, &m.ID, &m.PersonID, &m.Source, &m.SourceRef, &m.TaxCode, &m.PayloadSHA256, &m.ContentType, &m.Origin,
		&m.FetchedAt, &m.FirstSeenAt, &m.UpdatedAt, &lookupErr, &lookupAt}
	dest = append(dest, linked.dest()...)
	if err := r.Scan(append(dest, rr.scan(&k.Value)...)...); err != nil {
		return k, err
	}
	m.Person = linked.person()
	if lookupErr != nil && lookupAt != nil {
		m.LookupFailure = &Failure{Error: *lookupErr, At: *lookupAt}
	}
	return k, nil
}

// byPersons loads the records of the given persons, within the transaction's scope.
func (rr registryReader[R]) byPersons(ctx context.Context, t *store.Tx, personIDs []string) ([]Keyed[R], error) {
	args := []any{store.UUIDs(personIDs)}
	return store.Query(ctx, t, rr.op+" by person", `SELECT p.id, `+registryMetaCols+`, `+rr.cols+`
		  FROM persons p JOIN `+rr.table+` r ON `+rr.match+`
		  LEFT JOIN registry_lookup_state l ON l.source = r.source AND l.tax_code = p.tax_code`+linkedPerson(t, &args)+`
		 WHERE p.id = ANY($1::uuid[]) AND `+t.Scope().PersonPredicate("p", &args)+`
		 ORDER BY p.id, `+rr.order, args, rr.scanRow)
}

// byHouseholds loads the records of the current members of the given households, each
// record once per household, within the transaction's scope.
func (rr registryReader[R]) byHouseholds(ctx context.Context, t *store.Tx, householdIDs []string) ([]Keyed[R], error) {
	args := []any{store.UUIDs(householdIDs)}
	return store.Query(ctx, t, rr.op+" by household", `SELECT * FROM (
		SELECT DISTINCT ON (m.household_id, r.id) m.household_id, `+registryMetaCols+`, `+rr.cols+`
		  FROM household_members m JOIN persons p ON p.id = m.person_id
		  JOIN `+rr.table+` r ON `+rr.match+`
		  LEFT JOIN registry_lookup_state l ON l.source = r.source AND l.tax_code = p.tax_code`+linkedPerson(t, &args)+`
		 WHERE m.household_id = ANY($1::uuid[]) AND (m.valid_to IS NULL OR m.valid_to >= current_date)
		   AND `+t.Scope().PersonPredicate("p", &args)+`
		 ORDER BY m.household_id, r.id, l.last_error_at DESC NULLS LAST) r
		 ORDER BY r.household_id, `+rr.order, args, rr.scanRow)
}

var benefitReader = registryReader[BenefitCase]{
	op: "benefit cases", table: "registry_benefit_cases", match: "r.member_tax_codes @> ARRAY[p.tax_code]",
	cols: `r.programme, r.application_protocol, r.household_members, r.status, r.status_raw, r.status_date, r.monthly_amount_cents,
		r.start_date, r.end_date, r.pad_signed_date, r.prelim_analysis_outcome, r.pact_type, r.pact_signed_date, r.municipality`,
	order: "status_date DESC, source_ref",
	meta:  func(r *BenefitCase) *Meta { return &r.Meta },
	scan: func(r *BenefitCase) []any {
		return []any{&r.Programme, &r.ApplicationProtocol, &r.Members, &r.Status, &r.StatusRaw, &r.StatusDate,
			&r.MonthlyAmountCents, &r.StartDate, &r.EndDate, &r.PADSignedDate, &r.PrelimAnalysisOutcome, &r.PactType,
			&r.PactSignedDate, &r.Municipality}
	},
}

var iseeReader = registryReader[ISEE]{
	op: "ISEE", table: "registry_isee", match: "r.tax_code = p.tax_code",
	cols:  `r.dsu_protocol, r.isee_value_cents, r.isee_type, r.valid_until, r.household_size`,
	order: "valid_until DESC, source_ref",
	meta:  func(r *ISEE) *Meta { return &r.Meta },
	scan: func(r *ISEE) []any {
		return []any{&r.DSUProtocol, &r.ISEEValueCents, &r.ISEEType, &r.ValidUntil, &r.HouseholdSize}
	},
}

var labourReader = registryReader[LabourStatus]{
	op: "labour status", table: "registry_labour_status", match: "r.tax_code = p.tax_code",
	cols: `r.did_id, r.did_date, r.employment_status, r.unemployment_months, r.profiling_index::float8, r.service_pact_date,
		r.cpi_code, r.as_of`,
	order: "as_of DESC, source_ref",
	meta:  func(r *LabourStatus) *Meta { return &r.Meta },
	scan: func(r *LabourStatus) []any {
		return []any{&r.DIDID, &r.DIDDate, &r.EmploymentStatus, &r.UnemploymentMonths, &r.ProfilingIndex, &r.ServicePactDate,
			&r.CPICode, &r.AsOf}
	},
}

var eventReader = registryReader[EmploymentEvent]{
	op: "employment events", table: "registry_employment_events", match: "r.tax_code = p.tax_code",
	cols: `r.communication_id, r.previous_communication_id, r.event_type, r.employer_tax_code, r.employer_name, r.ateco_code,
		r.contract_type_code, r.istat_occupation_code, r.start_date, r.end_date, r.termination_cause_code, r.sent_at`,
	order: "start_date DESC, sent_at DESC NULLS LAST, source_ref",
	meta:  func(r *EmploymentEvent) *Meta { return &r.Meta },
	scan: func(r *EmploymentEvent) []any {
		return []any{&r.CommunicationID, &r.PreviousCommunicationID, &r.EventType, &r.EmployerTaxCode, &r.EmployerName, &r.ATECOCode,
			&r.ContractTypeCode, &r.ISTATOccupationCode, &r.StartDate, &r.EndDate, &r.TerminationCauseCode, &r.SentAt}
	},
}

var schoolReader = registryReader[SchoolRecord]{
	op: "school records", table: "registry_school_records", match: "r.tax_code = p.tax_code",
	cols: `r.school_year, r.school_code, r.grade_level, r.attendance_status, r.attendance_status_raw, r.checked_at,
		r.qualification_code, r.qualification_name, r.qualification_date`,
	order: "school_year DESC, source_ref",
	meta:  func(r *SchoolRecord) *Meta { return &r.Meta },
	scan: func(r *SchoolRecord) []any {
		return []any{&r.SchoolYear, &r.SchoolCode, &r.GradeLevel, &r.AttendanceStatus, &r.AttendanceStatusRaw, &r.CheckedAt,
			&r.QualificationCode, &r.QualificationName, &r.QualificationDate}
	},
}

// BenefitCasesByPersons loads the benefit cases in which the given persons are applicant
// or household member, latest status first.
func BenefitCasesByPersons(ctx context.Context, t *store.Tx, personIDs []string) ([]Keyed[BenefitCase], error) {
	return benefitReader.byPersons(ctx, t, personIDs)
}

// BenefitCasesByHouseholds loads the benefit cases of the households' current members.
func BenefitCasesByHouseholds(ctx context.Context, t *store.Tx, householdIDs []string) ([]Keyed[BenefitCase], error) {
	return benefitReader.byHouseholds(ctx, t, householdIDs)
}

// ISEEByPersons loads the ISEE attestations the given persons declared, latest first.
func ISEEByPersons(ctx context.Context, t *store.Tx, personIDs []string) ([]Keyed[ISEE], error) {
	return iseeReader.byPersons(ctx, t, personIDs)
}

// ISEEByHouseholds loads the ISEE attestations of the households' current members.
func ISEEByHouseholds(ctx context.Context, t *store.Tx, householdIDs []string) ([]Keyed[ISEE], error) {
	return iseeReader.byHouseholds(ctx, t, householdIDs)
}

// LabourStatusByPersons loads the labour status of the given persons.
func LabourStatusByPersons(ctx context.Context, t *store.Tx, personIDs []string) ([]Keyed[LabourStatus], error) {
	return labourReader.byPersons(ctx, t, personIDs)
}

// LabourStatusByHouseholds loads the labour status of the households' current members.
func LabourStatusByHouseholds(ctx context.Context, t *store.Tx, householdIDs []string) ([]Keyed[LabourStatus], error) {
	return labourReader.byHouseholds(ctx, t, householdIDs)
}

// EmploymentEventsByPersons loads the employment events of the given workers, latest first.
func EmploymentEventsByPersons(ctx context.Context, t *store.Tx, personIDs []string) ([]Keyed[EmploymentEvent], error) {
	return eventReader.byPersons(ctx, t, personIDs)
}

// SchoolRecordsByPersons loads the school records of the given students, latest year first.
func SchoolRecordsByPersons(ctx context.Context, t *store.Tx, personIDs []string) ([]Keyed[SchoolRecord], error) {
	return schoolReader.byPersons(ctx, t, personIDs)
}

// SchoolRecordsByHouseholds loads the school records of the households' current members.
func SchoolRecordsByHouseholds(ctx context.Context, t *store.Tx, householdIDs []string) ([]Keyed[SchoolRecord], error) {
	return schoolReader.byHouseholds(ctx, t, householdIDs)
}

// Freshness verdicts.
const (
	Fresh   = "FRESH"
	Stale   = "STALE"
	Failing = "FAILING"
)

// Freshness is how current a registry record is.
type Freshness struct {
	Status    string
	FetchedAt time.Time
	Age       time.Duration
	MaxAge    time.Duration
	// LastError is the failure that makes the record FAILING.
	LastError *Failure
}

// DefaultMaxAge applies to a source with no stored configuration.
const DefaultMaxAge = 24 * time.Hour

// Health is what the freshness of any record depends on besides its own fetch
// time: each source's max age and each collection's last synchronisation.
type Health struct {
	Sources     map[string]Source
	Collections map[string]SyncState // by source + "/" + collection
}

// ReadHealth loads the sources and collections' states (two statements).
func ReadHealth(ctx context.Context, t *store.Tx) (Health, error) {
	h := Health{Sources: map[string]Source{}, Collections: map[string]SyncState{}}
	srcs, err := Sources(ctx, t)
	if err != nil {
		return h, err
	}
	for _, s := range srcs {
		h.Sources[s.Source] = s
	}
	states, err := SyncStates(ctx, t)
	if err != nil {
		return h, err
	}
	for _, s := range states {
		h.Collections[s.Source+"/"+s.Collection] = s
	}
	return h, nil
}

// Verdict judges a record of collection fetched as m says, at now:
//   - FAILING when the last attempt to refresh it failed: a lookup of its person after
//     it was fetched, or the collection's synchronisation failing when the record was
//     not fetched by the pass in progress;
//   - else STALE when older than the source's max age;
//   - else FRESH.
func (h Health) Verdict(now time.Time, collection string, m *Meta) Freshness {
	maxAge := DefaultMaxAge
	if s, ok := h.Sources[m.Source]; ok && s.MaxAge > 0 {
		maxAge = s.MaxAge
	}
	f := Freshness{Status: Fresh, FetchedAt: m.FetchedAt, Age: max(now.Sub(m.FetchedAt), 0), MaxAge: maxAge}
	var failure *Failure
	if m.LookupFailure != nil && m.LookupFailure.At.After(m.FetchedAt) {
		failure = m.LookupFailure
	}
	if st, ok := h.Collections[m.Source+"/"+collection]; ok && st.Failing() && st.LastError != nil && st.LastErrorAt != nil {
		refreshedBy := *st.LastErrorAt
		if st.PassStartedAt != nil && st.PassStartedAt.Before(refreshedBy) {
			refreshedBy = *st.PassStartedAt
		}
		if m.FetchedAt.Before(refreshedBy) && (failure == nil || st.LastErrorAt.After(failure.At)) {
			failure = &Failure{Error: *st.LastError, At: *st.LastErrorAt}
		}
	}
	switch {
	case failure != nil:
		f.Status, f.LastError = Failing, failure
	case f.Age > maxAge:
		f.Status = Stale
	}
	return f
}

// SourceStatus is one source's health for operators.
type SourceStatus struct {
	Source              string
	Status              string // HEALTHY, STALE, FAILING or NEVER_SYNCED
	MaxAge              time.Duration
	BreakerState        string
	BreakerObservedAt   *time.Time
	LastSuccessAt       *time.Time
	LastAttemptAt       *time.Time
	ConsecutiveFailures int
	LastError           *string
	LastErrorAt         *time.Time
	// RecentFailures counts the failed runs of the last 24 hours.
	RecentFailures int
	Collections    []SyncState
}

// Status reports every source's health, with its collections. The jobs waiting
// for a source are the job queue's to count (syncjob.Queue.Depth).
func Status(ctx context.Context, t *store.Tx) ([]SourceStatus, error) {
	out, err := store.Query(ctx, t, "registry status", `SELECT s.source, s.status, s.max_age_seconds, s.breaker_state, s.breaker_observed_at,
		    s.last_success_at, s.last_attempt_at, s.consecutive_failures, s.last_error, s.last_error_at,
		    (SELECT count(*)::int FROM registry_sync_runs r
		      WHERE r.source = s.source AND r.error IS NOT NULL AND r.started_at > now() - interval '24 hours')
		   FROM registry_source_status s ORDER BY s.source`, nil,
		func(r pgx.Rows) (SourceStatus, error) {
			var s SourceStatus
			var secs int64
			err := r.Scan(&s.Source, &s.Status, &secs, &s.BreakerState, &s.BreakerObservedAt, &s.LastSuccessAt, &s.LastAttemptAt,
				&s.ConsecutiveFailures, &s.LastError, &s.LastErrorAt, &s.RecentFailures)
			s.MaxAge = time.Duration(secs) * time.Second
			return s, err
		})
	if err != nil {
		return nil, err
	}
	states, err := SyncStates(ctx, t)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, st := range states {
			if st.Source == out[i].Source {
				out[i].Collections = append(out[i].Collections, st)
			}
		}
	}
	return out, nil
}

// QuarantineBySource lists the unresolved quarantined records of a source, newest first.
func QuarantineBySource(ctx context.Context, t *store.Tx, source string, limit int) ([]QuarantinedRecord, error) {
	return store.Query(ctx, t, "quarantine by source", `SELECT id, source, kind, coalesce(source_ref, ''), raw_payload, payload_sha256,
		    content_type, problems, origin, fetched_at, times_seen, resolved_at
		  FROM registry_quarantine WHERE source = $1 AND resolved_at IS NULL
		  ORDER BY last_seen_at DESC, id DESC LIMIT $2`, []any{source, limit},
		func(r pgx.Rows) (QuarantinedRecord, error) {
			var q QuarantinedRecord
			err := r.Scan(&q.ID, &q.Source, &q.Kind, &q.SourceRef, &q.Payload, &q.PayloadSHA256, &q.ContentType,
				&q.Problems, &q.Origin, &q.FetchedAt, &q.TimesSeen, &q.ResolvedAt)
			return q, err
		})
}

// Person is a person as the registry simulators take them: tax code, birth date,
// residence and current household.
type Person struct {
	TaxCode               string
	BirthDate             *time.Time
	ResidenceMunicipality string
	HouseholdID           string
	Relationship          string
}

// Persons lists the persons in scope with their current household membership
// (the latest, when several are current): the first limit registered (0 for all), in
// the order they were registered.
func Persons(ctx context.Context, t *store.Tx, limit int) ([]Person, error) {
	args := []any{}
	lim := ""
	if limit > 0 {
		lim = " LIMIT " + store.Arg(&args, limit)
	}
	pred := t.Scope().PersonPredicate("p", &args)
	return store.Query(ctx, t, "registry persons", `SELECT tax_code, birth_date, residence, household, relationship FROM (
		SELECT DISTINCT ON (p.id) p.tax_code, p.birth_date, coalesce(p.residence_municipality, '') AS residence,
		       coalesce(m.household_id::text, '') AS household, coalesce(m.relationship, '') AS relationship, p.created_at, p.id
		  FROM persons p
		  LEFT JOIN household_members m ON m.person_id = p.id AND (m.valid_to IS NULL OR m.valid_to >= current_date)
		 WHERE `+pred+`
		 ORDER BY p.id, m.valid_from DESC NULLS LAST) x
		 ORDER BY created_at, tax_code`+lim, args,
		func(r pgx.Rows) (Person, error) {
			var p Person
			err := r.Scan(&p.TaxCode, &p.BirthDate, &p.ResidenceMunicipality, &p.HouseholdID, &p.Relationship)
			return p, err
		})
}
