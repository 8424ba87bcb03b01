package registrydata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// Registry sources, as stored with every record.
const (
	SourceBenefits = "benefits"
	SourceLabour   = "labour"
	SourceSchool   = "school"
)

// Record kinds, as stored in the quarantine.
const (
	KindBenefitCase     = "benefit_case"
	KindISEE            = "isee"
	KindLabourStatus    = "labour_status"
	KindEmploymentEvent = "employment_event"
	KindSchoolRecord    = "school_record"
)

// Meta is the provenance every registry record carries. ID, PersonID, FirstSeenAt
// and UpdatedAt are filled by reads; Payload is written but not read back by the API's
// queries.
type Meta struct {
	ID        string
	PersonID  *string
	Source    string
	SourceRef string
	// TaxCode is the person the record is about (the applicant, the declarant, the worker,
	// the student).
	TaxCode       string
	Payload       []byte
	PayloadSHA256 string
	ContentType   string
	// Origin says how the record arrived: "sync", "refresh" or "import:<file>".
	Origin    string
	FetchedAt time.Time
	// MatchKeys identify the record by its content (write only): a quarantined record
	// sharing one of them is resolved by it, as one sharing its reference is.
	MatchKeys   []string
	FirstSeenAt time.Time
	UpdatedAt   time.Time
	// LookupFailure is the last failed point lookup of this person at this source, when it
	// failed after the record was fetched (reads only).
	LookupFailure *Failure
	// Person is the linked person when the transaction's scope sees them (reads only).
	Person *casedata.Person
}

// Failure is an attempt to refresh registry data that failed.
type Failure struct {
	Error string
	At    time.Time
}

// BenefitMember is one person of the household on a benefit application, as provided.
type BenefitMember struct {
	TaxCode      string     `json:"tax_code"`
	Role         string     `json:"role"` // applicant or member
	Relationship string     `json:"relationship,omitempty"`
	BirthDate    *time.Time `json:"birth_date,omitempty"`
	// PersonID is the hub's person with this tax code, when the reader may see them
	// (set by the API when it shows the member; never stored).
	PersonID string `json:"-"`
}

// BenefitCase is an RdC/PdC/ADI/SFL application and the benefit it granted.
type BenefitCase struct {
	Meta
	Programme             string
	ApplicationProtocol   string
	Members               []BenefitMember
	Status                string
	StatusRaw             string
	StatusDate            time.Time
	MonthlyAmountCents    *int64
	StartDate             *time.Time
	EndDate               *time.Time
	PADSignedDate         *time.Time
	PrelimAnalysisOutcome *string
	PactType              *string
	PactSignedDate        *time.Time
	Municipality          *string
}

// ISEE is a means-test attestation.
type ISEE struct {
	Meta
	DSUProtocol    string
	ISEEValueCents int64
	ISEEType       string
	ValidUntil     time.Time
	HouseholdSize  int
}

// LabourStatus is a person's DID position with the employment centres.
type LabourStatus struct {
	Meta
	DIDID              string
	DIDDate            time.Time
	EmploymentStatus   string
	UnemploymentMonths *int
	ProfilingIndex     *float64
	ServicePactDate    *time.Time
	CPICode            *string
	AsOf               time.Time
}

// EmploymentEvent is one UNILAV compulsory communication; TaxCode is the worker's.
type EmploymentEvent struct {
	Meta
	CommunicationID         string
	PreviousCommunicationID *string
	EventType               string
	EmployerTaxCode         string
	EmployerName            *string
	ATECOCode               *string
	ContractTypeCode        *string
	ISTATOccupationCode     *string
	StartDate               time.Time
	EndDate                 *time.Time
	TerminationCauseCode    *string
	SentAt                  *time.Time
}

// SchoolRecord is a student's enrolment and attendance in one school year.
type SchoolRecord struct {
	Meta
	SchoolYear          string
	SchoolCode          *string
	GradeLevel          *string
	AttendanceStatus    string
	AttendanceStatusRaw string
	CheckedAt           time.Time
	QualificationCode   *string
	QualificationName   *string
	QualificationDate   *time.Time
}

// UpsertCounts says what an upsert did with its records: Inserted are new, Updated
// replaced a different payload, Unchanged carried the payload already stored (or an older
// fetch than the one stored, which never overwrites a newer one).
type UpsertCounts struct {
	Inserted  int
	Updated   int
	Unchanged int
}

// Stored is the records written with new content.
func (c UpsertCounts) Stored() int { return c.Inserted + c.Updated }

// Add sums two counts.
func (c UpsertCounts) Add(o UpsertCounts) UpsertCounts {
	return UpsertCounts{c.Inserted + o.Inserted, c.Updated + o.Updated, c.Unchanged + o.Unchanged}
}

// ErrBatch reports a batch the store refuses before sending it: records of mixed
// sources, or one source reference twice.
var ErrBatch = errors.New("store: invalid registry batch")

// regCol is one mapped column of a registry table: its SQL array type for unnest, and how
// to read its value from a record.
type regCol[R any] struct {
	name string
	typ  string
	val  func(*R) any
	// expr is the value inserted, reading the unnested input i; default i.<name>.
	expr string
}

// metaCols are the columns every registry table shares, besides source and person_id.
func metaCols[R any](meta func(*R) *Meta) []regCol[R] {
	return []regCol[R]{
		{name: "source_ref", typ: "text", val: func(r *R) any { return meta(r).SourceRef }},
		{name: "tax_code", typ: "text", val: func(r *R) any { return meta(r).TaxCode }},
		{name: "raw_payload", typ: "bytea", val: func(r *R) any { return meta(r).Payload }},
		{name: "payload_sha256", typ: "text", val: func(r *R) any { return meta(r).PayloadSHA256 }},
		{name: "content_type", typ: "text", val: func(r *R) any { return meta(r).ContentType }},
		{name: "origin", typ: "text", val: func(r *R) any { return meta(r).Origin }},
		{name: "fetched_at", typ: "timestamptz", val: func(r *R) any { return meta(r).FetchedAt }},
	}
}

// registryTable describes one registry table for the batch upsert.
type registryTable[R any] struct {
	table string
	kind  string
	meta  func(*R) *Meta
	cols  []regCol[R]
	// extra is further CTEs run in the same statement, reading the input i ($1 is the
	// source).
	extra string
	// sql is built once from the above.
	sql string
}

func (rt *registryTable[R]) build() *registryTable[R] {
	cols := append(metaCols(rt.meta), rt.cols...)
	var unnest, names, inputs, exprs, sets []string
	for k, c := range cols {
		unnest = append(unnest, fmt.Sprintf("$%d::%s[]", k+2, c.typ))
		names = append(names, c.name)
		inputs = append(inputs, c.name)
		e := c.expr
		if e == "" {
			e = "i." + c.name
		}
		exprs = append(exprs, e)
		if c.name != "source_ref" {
			sets = append(sets, c.name+" = EXCLUDED."+c.name)
		}
	}
	extra := ""
	if rt.extra != "" {
		extra = ",\n" + rt.extra
	}
	keys := fmt.Sprintf("$%d", len(cols)+2) // every content key of the batch
	rt.sql = `WITH i AS (
	SELECT * FROM unnest(` + strings.Join(unnest, ", ") + `) AS i(` + strings.Join(inputs, ", ") + `)
), old AS (
	SELECT r.source_ref, r.payload_sha256, r.fetched_at FROM ` + rt.table + ` r
	 WHERE r.source = $1 AND r.source_ref IN (SELECT source_ref FROM i)
), up AS (
	INSERT INTO ` + rt.table + ` AS r (source, person_id, ` + strings.Join(names, ", ") + `)
	SELECT $1, p.id, ` + strings.Join(exprs, ", ") + ` FROM i LEFT JOIN persons p ON p.tax_code = i.tax_code
	ON CONFLICT (source, source_ref) DO UPDATE SET person_id = EXCLUDED.person_id, ` + strings.Join(sets, ", ") + `,
	   updated_at = CASE WHEN r.payload_sha256 = EXCLUDED.payload_sha256 THEN r.updated_at ELSE now() END
	WHERE r.fetched_at <= EXCLUDED.fetched_at
	RETURNING r.source_ref
), resolved AS (
	UPDATE registry_quarantine q SET resolved_at = now()
	 WHERE q.id IN (
	       SELECT o.id FROM registry_quarantine o
	        WHERE o.source = $1 AND o.kind = '` + rt.kind + `' AND o.resolved_at IS NULL AND o.source_ref IN (SELECT source_ref FROM i)
	       UNION
	       SELECT o.id FROM registry_quarantine o
	        WHERE o.source = $1 AND o.kind = '` + rt.kind + `' AND o.resolved_at IS NULL AND o.match_keys && ` + keys + `::text[])
)` + extra + `
SELECT count(*) FILTER (WHERE o.source_ref IS NULL)::int,
       count(*) FILTER (WHERE o.source_ref IS NOT NULL AND o.payload_sha256 <> i.payload_sha256 AND o.fetched_at <= i.fetched_at)::int
  FROM i LEFT JOIN old o ON o.source_ref = i.source_ref`
	return rt
}

// upsert writes recs in one statement. Records are sorted by source reference, so that
// concurrent writers of overlapping batches lock rows in the same order.
func (rt *registryTable[R]) upsert(ctx context.Context, t *store.Tx, recs []R) (UpsertCounts, error) {
	op := "upsert " + rt.kind + " records"
	if len(recs) == 0 {
		return UpsertCounts{}, nil
	}
	source := rt.meta(&recs[0]).Source
	idx := make([]int, len(recs))
	for i := range recs {
		idx[i] = i
		m := rt.meta(&recs[i])
		if m.Source != source {
			return UpsertCounts{}, fmt.Errorf("%w: %s: records of sources %q and %q", ErrBatch, op, source, m.Source)
		}
	}
	sort.Slice(idx, func(a, b int) bool { return rt.meta(&recs[idx[a]]).SourceRef < rt.meta(&recs[idx[b]]).SourceRef })
	for k := 1; k < len(idx); k++ {
		if ref := rt.meta(&recs[idx[k]]).SourceRef; ref == rt.meta(&recs[idx[k-1]]).SourceRef {
			return UpsertCounts{}, fmt.Errorf("%w: %s: source reference %q twice", ErrBatch, op, ref)
		}
	}
	cols := append(metaCols(rt.meta), rt.cols...)
	args := make([]any, 0, len(cols)+2)
	args = append(args, source)
	for _, c := range cols {
		args = append(args, column(recs, idx, c.val))
	}
	keys := []string{}
	for i := range recs {
		keys = append(keys, rt.meta(&recs[i]).MatchKeys...)
	}
	args = append(args, keys)
	var counts UpsertCounts
	if err := store.QueryRow(ctx, t, op, rt.sql, args, &counts.Inserted, &counts.Updated); err != nil {
		return UpsertCounts{}, err
	}
	counts.Unchanged = len(recs) - counts.Inserted - counts.Updated
	return counts, nil
}

// column gathers one column's values in the order of idx, as a typed slice pgx encodes
// as an array (nil pointers become NULLs).
func column[R any](recs []R, idx []int, val func(*R) any) any {
	first := val(&recs[idx[0]])
	switch first.(type) {
	case string:
		return gather[R, string](recs, idx, val)
	case *string:
		return gather[R, *string](recs, idx, val)
	case []byte:
		return gather[R, []byte](recs, idx, val)
	case time.Time:
		return gather[R, time.Time](recs, idx, val)
	case *time.Time:
		return gather[R, *time.Time](recs, idx, val)
	case int64:
		return gather[R, int64](recs, idx, val)
	case *int64:
		return gather[R, *int64](recs, idx, val)
	case *float64:
		return gather[R, *float64](recs, idx, val)
	}
	panic(fmt.Sprintf("store: registry column of unsupported type %T", first))
}

func gather[R, V any](recs []R, idx []int, val func(*R) any) []V {
	out := make([]V, len(idx))
	for k, i := range idx {
		out[k] = val(&recs[i]).(V)
	}
	return out
}

func intPtr64(p *int) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

func emptyNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

var benefitCases = (&registryTable[BenefitCase]{
	table: "registry_benefit_cases", kind: KindBenefitCase,
	meta: func(r *BenefitCase) *Meta { return &r.Meta },
	cols: []regCol[BenefitCase]{
		{name: "programme", typ: "text", val: func(r *BenefitCase) any { return r.Programme }},
		{name: "application_protocol", typ: "text", val: func(r *BenefitCase) any { return r.ApplicationProtocol }},
		{name: "household_members", typ: "text", expr: "i.household_members::jsonb", val: func(r *BenefitCase) any {
			b, err := json.Marshal(membersOrEmpty(r.Members))
			if err != nil {
				panic("store: encode benefit case members: " + err.Error()) // strings and dates only
			}
			return string(b)
		}},
		{name: "member_tax_codes", typ: "text", expr: "string_to_array(i.member_tax_codes, ',')", val: func(r *BenefitCase) any {
			return strings.Join(memberCodes(r), ",")
		}},
		{name: "status", typ: "text", val: func(r *BenefitCase) any { return r.Status }},
		{name: "status_raw", typ: "text", val: func(r *BenefitCase) any { return r.StatusRaw }},
		{name: "status_date", typ: "date", val: func(r *BenefitCase) any { return r.StatusDate }},
		{name: "monthly_amount_cents", typ: "int8", val: func(r *BenefitCase) any { return r.MonthlyAmountCents }},
		{name: "start_date", typ: "date", val: func(r *BenefitCase) any { return r.StartDate }},
		{name: "end_date", typ: "date", val: func(r *BenefitCase) any { return r.EndDate }},
		{name: "pad_signed_date", typ: "date", val: func(r *BenefitCase) any { return r.PADSignedDate }},
		{name: "prelim_analysis_outcome", typ: "text", val: func(r *BenefitCase) any { return r.PrelimAnalysisOutcome }},
		{name: "pact_type", typ: "text", val: func(r *BenefitCase) any { return r.PactType }},
		{name: "pact_signed_date", typ: "date", val: func(r *BenefitCase) any { return r.PactSignedDate }},
		{name: "municipality", typ: "text", val: func(r *BenefitCase) any { return r.Municipality }},
	},
}).build()

func membersOrEmpty(m []BenefitMember) []BenefitMember {
	if m == nil {
		return []BenefitMember{}
	}
	return m
}

// memberCodes lists the applicant and every member once, applicant first.
func memberCodes(r *BenefitCase) []string {
	out := []string{r.TaxCode}
	seen := map[string]bool{r.TaxCode: true}
	for _, m := range r.Members {
		if !seen[m.TaxCode] && m.TaxCode != "" {
			seen[m.TaxCode] = true
			out = append(out, m.TaxCode)
		}
	}
	return out
}

var iseeTable = (&registryTable[ISEE]{
	table: "registry_isee", kind: KindISEE,
	meta: func(r *ISEE) *Meta { return &r.Meta },
	cols: []regCol[ISEE]{
		{name: "dsu_protocol", typ: "text", val: func(r *ISEE) any { return r.DSUProtocol }},
		{name: "isee_value_cents", typ: "int8", val: func(r *ISEE) any { return r.ISEEValueCents }},
		{name: "isee_type", typ: "text", val: func(r *ISEE) any { return r.ISEEType }},
		{name: "valid_until", typ: "date", val: func(r *ISEE) any { return r.ValidUntil }},
		{name: "household_size", typ: "int8", val: func(r *ISEE) any { return int64(r.HouseholdSize) }},
	},
}).build()

// The labour status table also appends to the status history, when the status differs
// from the latest one recorded at or before its date, so that a registry re-sending the
// same status every day does not grow it.
var labourStatusTable = (&registryTable[LabourStatus]{
	table: "registry_labour_status", kind: KindLabourStatus,
	meta: func(r *LabourStatus) *Meta { return &r.Meta },
	cols: []regCol[LabourStatus]{
		{name: "did_id", typ: "text", val: func(r *LabourStatus) any { return r.DIDID }},
		{name: "did_date", typ: "date", val: func(r *LabourStatus) any { return r.DIDDate }},
		{name: "employment_status", typ: "text", val: func(r *LabourStatus) any { return r.EmploymentStatus }},
		{name: "unemployment_months", typ: "int8", val: func(r *LabourStatus) any { return intPtr64(r.UnemploymentMonths) }},
		{name: "profiling_index", typ: "float8", val: func(r *LabourStatus) any { return r.ProfilingIndex }},
		{name: "service_pact_date", typ: "date", val: func(r *LabourStatus) any { return r.ServicePactDate }},
		{name: "cpi_code", typ: "text", val: func(r *LabourStatus) any { return r.CPICode }},
		{name: "as_of", typ: "timestamptz", val: func(r *LabourStatus) any { return r.AsOf }},
	},
	extra: `history AS (
	INSERT INTO registry_labour_status_history (source, tax_code, as_of, did_date, employment_status, unemployment_months, payload_sha256)
	SELECT $1, i.tax_code, i.as_of, i.did_date, i.employment_status, i.unemployment_months, i.payload_sha256 FROM i
	 WHERE NOT EXISTS (
	       SELECT 1 FROM (SELECT h.did_date, h.employment_status, h.unemployment_months
	                        FROM registry_labour_status_history h
	                       WHERE h.source = $1 AND h.tax_code = i.tax_code AND h.as_of <= i.as_of
	                       ORDER BY h.as_of DESC LIMIT 1) l
	        WHERE l.did_date = i.did_date AND l.employment_status = i.employment_status
	          AND l.unemployment_months IS NOT DISTINCT FROM i.unemployment_months)
	ON CONFLICT (source, tax_code, as_of) DO NOTHING
)`,
}).build()

var employmentEvents = (&registryTable[EmploymentEvent]{
	table: "registry_employment_events", kind: KindEmploymentEvent,
	meta: func(r *EmploymentEvent) *Meta { return &r.Meta },
	cols: []regCol[EmploymentEvent]{
		{name: "communication_id", typ: "text", val: func(r *EmploymentEvent) any { return r.CommunicationID }},
		{name: "previous_communication_id", typ: "text", val: func(r *EmploymentEvent) any { return r.PreviousCommunicationID }},
		{name: "event_type", typ: "text", val: func(r *EmploymentEvent) any { return r.EventType }},
		{name: "employer_tax_code", typ: "text", val: func(r *EmploymentEvent) any { return r.EmployerTaxCode }},
		{name: "employer_name", typ: "text", val: func(r *EmploymentEvent) any { return r.EmployerName }},
		{name: "ateco_code", typ: "text", val: func(r *EmploymentEvent) any { return r.ATECOCode }},
		{name: "contract_type_code", typ: "text", val: func(r *EmploymentEvent) any { return r.ContractTypeCode }},
		{name: "istat_occupation_code", typ: "text", val: func(r *EmploymentEvent) any { return r.ISTATOccupationCode }},
		{name: "start_date", typ: "date", val: func(r *EmploymentEvent) any { return r.StartDate }},
		{name: "end_date", typ: "date", val: func(r *EmploymentEvent) any { return r.EndDate }},
		{name: "termination_cause_code", typ: "text", val: func(r *EmploymentEvent) any { return r.TerminationCauseCode }},
		{name: "sent_at", typ: "timestamptz", val: func(r *EmploymentEvent) any { return r.SentAt }},
	},
}).build()

var schoolRecords = (&registryTable[SchoolRecord]{
	table: "registry_school_records", kind: KindSchoolRecord,
	meta: func(r *SchoolRecord) *Meta { return &r.Meta },
	cols: []regCol[SchoolRecord]{
		{name: "school_year", typ: "text", val: func(r *SchoolRecord) any { return r.SchoolYear }},
		{name: "school_code", typ: "text", val: func(r *SchoolRecord) any { return r.SchoolCode }},
		{name: "grade_level", typ: "text", val: func(r *SchoolRecord) any { return r.GradeLevel }},
		{name: "attendance_status", typ: "text", val: func(r *SchoolRecord) any { return r.AttendanceStatus }},
		{name: "attendance_status_raw", typ: "text", val: func(r *SchoolRecord) any { return r.AttendanceStatusRaw }},
		{name: "checked_at", typ: "timestamptz", val: func(r *SchoolRecord) any { return r.CheckedAt }},
		{name: "qualification_code", typ: "text", val: func(r *SchoolRecord) any { return r.QualificationCode }},
		{name: "qualification_name", typ: "text", val: func(r *SchoolRecord) any { return r.QualificationName }},
		{name: "qualification_date", typ: "date", val: func(r *SchoolRecord) any { return r.QualificationDate }},
	},
}).build()

// UpsertBenefitCases stores a batch of benefit cases of one source in one statement:
// new references are inserted, known ones updated in place, a record fetched earlier
// than the stored one never overwrites it, and quarantined versions of the same
// references are marked resolved.
func UpsertBenefitCases(ctx context.Context, t *store.Tx, recs []BenefitCase) (UpsertCounts, error) {
	return benefitCases.upsert(ctx, t, recs)
}

// UpsertISEE stores a batch of ISEE attestations (see UpsertBenefitCases).
func UpsertISEE(ctx context.Context, t *store.Tx, recs []ISEE) (UpsertCounts, error) {
	return iseeTable.upsert(ctx, t, recs)
}

// UpsertLabourStatus stores a batch of labour statuses (see UpsertBenefitCases) and
// records each status that differs from the last one known at its date in the history.
func UpsertLabourStatus(ctx context.Context, t *store.Tx, recs []LabourStatus) (UpsertCounts, error) {
	return labourStatusTable.upsert(ctx, t, recs)
}

// UpsertEmploymentEvents stores a batch of employment events (see UpsertBenefitCases),
// after LockEmploymentEvents.
func UpsertEmploymentEvents(ctx context.Context, t *store.Tx, recs []EmploymentEvent) (UpsertCounts, error) {
	if err := LockEmploymentEvents(ctx, t, recs); err != nil {
		return UpsertCounts{}, err
	}
	return employmentEvents.upsert(ctx, t, recs)
}

// LockEmploymentEvents takes the locks writing recs needs besides rows: an event
// refreshes the ESF+ results of its worker's exits in every operation, so those
// operations' counts are locked first, in key order (see store.LockESFOperations), and
// the batch and an import take turns instead of deadlocking. A writer that stores the
// records one statement at a time calls it once for all of them first.
func LockEmploymentEvents(ctx context.Context, t *store.Tx, recs []EmploymentEvent) error {
	codes := make([]string, len(recs))
	for i := range recs {
		codes[i] = recs[i].TaxCode
	}
	return store.LockESFOperationsOfTaxCodes(ctx, t, codes)
}

// UpsertSchoolRecords stores a batch of school records (see UpsertBenefitCases).
func UpsertSchoolRecords(ctx context.Context, t *store.Tx, recs []SchoolRecord) (UpsertCounts, error) {
	return schoolRecords.upsert(ctx, t, recs)
}

// Problem is one reason a quarantined record was refused.
type Problem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// QuarantinedRecord is a registry record refused as malformed, kept exactly as received.
type QuarantinedRecord struct {
	ID            int64
	Source        string
	Kind          string
	SourceRef     string // "" when unreadable
	Payload       []byte
	PayloadSHA256 string
	ContentType   string
	Problems      []Problem
	Origin        string
	FetchedAt     time.Time
	TimesSeen     int
	ResolvedAt    *time.Time
	// MatchKeys identify the record by the content it did not fail on (see
	// Meta.MatchKeys); written, and read back by UnkeyedQuarantine's callers.
	MatchKeys []string
}

// Quarantine stores refused records; the same broken body is kept once, with a count of
// the times it was seen. It returns how many were new.
func Quarantine(ctx context.Context, t *store.Tx, recs []QuarantinedRecord) (int, error) {
	const op = "quarantine registry records"
	if len(recs) == 0 {
		return 0, nil
	}
	type key struct{ source, kind, sha string }
	seen := map[key]bool{}
	var (
		sources, kinds, shas, cts, fields, reasons, problems, origins, keys []string
		refPtrs                                                             []*string
		payloads                                                            [][]byte
		fetched                                                             []time.Time
	)
	sorted := append([]QuarantinedRecord(nil), recs...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].PayloadSHA256 < sorted[b].PayloadSHA256 })
	for _, r := range sorted {
		k := key{r.Source, r.Kind, r.PayloadSHA256}
		if seen[k] {
			continue
		}
		seen[k] = true
		if len(r.Problems) == 0 {
			return 0, fmt.Errorf("%w: %s: a quarantined record needs at least one problem", ErrBatch, op)
		}
		pb, err := json.Marshal(r.Problems)
		if err != nil {
			return 0, fmt.Errorf("store: %s: encode problems: %w", op, err)
		}
		reason := make([]string, len(r.Problems))
		for i, p := range r.Problems {
			if p.Field == "" {
				reason[i] = p.Reason
			} else {
				reason[i] = "field " + p.Field + ": " + p.Reason
			}
		}
		sources = append(sources, r.Source)
		kinds = append(kinds, r.Kind)
		refPtrs = append(refPtrs, emptyNil(r.SourceRef))
		payloads = append(payloads, r.Payload)
		shas = append(shas, r.PayloadSHA256)
		cts = append(cts, r.ContentType)
		fields = append(fields, r.Problems[0].Field)
		reasons = append(reasons, strings.Join(reason, "; "))
		problems = append(problems, string(pb))
		kb, err := json.Marshal(stringsOrEmpty(r.MatchKeys))
		if err != nil {
			return 0, fmt.Errorf("store: %s: encode match keys: %w", op, err)
		}
		keys = append(keys, string(kb))
		origins = append(origins, r.Origin)
		fetched = append(fetched, r.FetchedAt)
	}
	var inserted int
	err := store.QueryRow(ctx, t, op, `WITH ins AS (
		INSERT INTO registry_quarantine AS q (source, kind, source_ref, raw_payload, payload_sha256, content_type,
		       field, reason, problems, origin, fetched_at, match_keys)
		SELECT s, k, r, p, h, c, f, rs, pr::jsonb, o, fa, ARRAY(SELECT jsonb_array_elements_text(mk::jsonb))
		  FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::text[],
		              $9::text[], $10::text[], $11::timestamptz[], $12::text[]) AS i(s, k, r, p, h, c, f, rs, pr, o, fa, mk)
		ON CONFLICT (source, kind, payload_sha256) DO UPDATE
		   SET last_seen_at = now(), times_seen = q.times_seen + 1, fetched_at = greatest(q.fetched_at, EXCLUDED.fetched_at),
		       match_keys = EXCLUDED.match_keys
		RETURNING (xmax = 0) AS inserted)
		SELECT count(*) FILTER (WHERE inserted)::int FROM ins`,
		[]any{sources, kinds, refPtrs, payloads, shas, cts, fields, reasons, problems, origins, fetched, keys}, &inserted)
	if err != nil {
		return 0, err
	}
	return inserted, nil
}

func stringsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UnkeyedQuarantine lists up to limit open quarantined records stored before records
// carried content keys, oldest first, for their keys to be computed and set.
func UnkeyedQuarantine(ctx context.Context, t *store.Tx, limit int) ([]QuarantinedRecord, error) {
	return store.Query(ctx, t, "unkeyed quarantine", `SELECT id, source, kind, coalesce(source_ref, ''), raw_payload, payload_sha256,
		    content_type, problems, origin, fetched_at, times_seen
		  FROM registry_quarantine WHERE match_keys IS NULL AND resolved_at IS NULL
		  ORDER BY id LIMIT $1`, []any{limit},
		func(r pgx.Rows) (QuarantinedRecord, error) {
			var q QuarantinedRecord
			err := r.Scan(&q.ID, &q.Source, &q.Kind, &q.SourceRef, &q.Payload, &q.PayloadSHA256, &q.ContentType,
				&q.Problems, &q.Origin, &q.FetchedAt, &q.TimesSeen)
			return q, err
		})
}

// SetQuarantineKeys records the content keys of quarantined records (recs' ID and
// MatchKeys; none is recorded as none, so the record is not listed again).
func SetQuarantineKeys(ctx context.Context, t *store.Tx, recs []QuarantinedRecord) error {
	if len(recs) == 0 {
		return nil
	}
	ids := make([]int64, len(recs))
	keys := make([]string, len(recs))
	for i, r := range recs {
		kb, err := json.Marshal(stringsOrEmpty(r.MatchKeys))
		if err != nil {
			return fmt.Errorf("store: set quarantine keys: %w", err)
		}
		ids[i], keys[i] = r.ID, string(kb)
	}
	_, err := store.Exec(ctx, t, "set quarantine keys", `UPDATE registry_quarantine q
		   SET match_keys = ARRAY(SELECT jsonb_array_elements_text(i.mk::jsonb))
		  FROM unnest($1::int8[], $2::text[]) AS i(id, mk) WHERE q.id = i.id`, ids, keys)
	return err
}
