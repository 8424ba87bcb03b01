package syncjob

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/connectors/school"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
)

// batch is one page (or lookup answer, or file) turned into what the store takes: the
// decodable records, which can be written all at once or a subset at a time, and the
// malformed ones for the quarantine.
type batch struct {
	coll      Collection
	fetched   int
	next      string
	hasMore   bool
	fetchedAt time.Time
	// n is the number of decodable records, after merging repeated references.
	n int
	// merged counts records dropped because a later one on the page had the same reference.
	merged     int
	write      func(ctx context.Context, tx *store.Tx, idx []int) (registrydata.UpsertCounts, error)
	refuse     func(i int, p registrydata.Problem) registrydata.QuarantinedRecord
	quarantine []registrydata.QuarantinedRecord
	// lock takes, for the whole batch, the locks a write takes besides rows (nil: none),
	// before the batch is stored record by record.
	lock func(ctx context.Context, tx *store.Tx) error
}

// newBatch converts a decoded page. A reference met twice keeps its last record.
func newBatch[T, R any](coll Collection, origin string, p *record.Page[T],
	conv func(T, registrydata.Meta) R,
	upsert func(context.Context, *store.Tx, []R) (registrydata.UpsertCounts, error),
	lock func(context.Context, *store.Tx, []R) error,
) *batch {
	b := &batch{coll: coll, fetched: len(p.Records) + len(p.Errors), next: p.NextCursor, hasMore: p.HasMore, fetchedAt: p.FetchedAt}
	last := map[string]int{}
	for i, d := range p.Records {
		last[d.Raw.SourceRef] = i
	}
	recs := make([]R, 0, len(last))
	raws := make([]record.RawRecord, 0, len(last))
	for i, d := range p.Records {
		if last[d.Raw.SourceRef] != i {
			b.merged++
			continue
		}
		recs = append(recs, conv(d.Value, meta(coll, origin, d.Raw, p.FetchedAt)))
		raws = append(raws, d.Raw)
	}
	b.n = len(recs)
	b.write = func(ctx context.Context, tx *store.Tx, idx []int) (registrydata.UpsertCounts, error) {
		if idx == nil {
			return upsert(ctx, tx, recs)
		}
		sub := make([]R, len(idx))
		for k, i := range idx {
			sub[k] = recs[i]
		}
		return upsert(ctx, tx, sub)
	}
	if lock != nil {
		b.lock = func(ctx context.Context, tx *store.Tx) error { return lock(ctx, tx, recs) }
	}
	b.refuse = func(i int, prob registrydata.Problem) registrydata.QuarantinedRecord {
		return quarantined(coll, origin, raws[i], p.FetchedAt, []record.FieldError{{Field: prob.Field, Reason: prob.Reason}})
	}
	for _, e := range p.Errors {
		b.quarantine = append(b.quarantine, quarantined(coll, origin, e.Raw, p.FetchedAt, e.Problems))
	}
	return b
}

func meta(coll Collection, origin string, raw record.RawRecord, at time.Time) registrydata.Meta {
	return registrydata.Meta{Source: coll.Source, SourceRef: raw.SourceRef, Payload: raw.Body, PayloadSHA256: raw.SHA256,
		ContentType: raw.ContentType, Origin: origin, FetchedAt: at, MatchKeys: raw.MatchKeys}
}

func quarantined(coll Collection, origin string, raw record.RawRecord, at time.Time, problems []record.FieldError) registrydata.QuarantinedRecord {
	q := registrydata.QuarantinedRecord{Source: coll.Source, Kind: coll.Kind, SourceRef: raw.OwnRef(), Payload: raw.Body, PayloadSHA256: raw.SHA256,
		ContentType: raw.ContentType, Origin: origin, FetchedAt: at, MatchKeys: raw.MatchKeys}
	for _, p := range problems {
		q.Problems = append(q.Problems, registrydata.Problem{Field: p.Field, Reason: p.Reason})
	}
	if len(q.Problems) == 0 {
		q.Problems = []registrydata.Problem{{Reason: "refused without a reason"}}
	}
	if q.ContentType == "" {
		q.ContentType = "application/octet-stream"
	}
	return q
}

// The conversions from the connectors' contract types to the store's rows.

func convBenefitCase(c benefits.BenefitCase, m registrydata.Meta) registrydata.BenefitCase {
	m.TaxCode = c.ApplicantTaxCode
	out := registrydata.BenefitCase{Meta: m, Programme: string(c.Programme), ApplicationProtocol: c.ApplicationProtocol,
		Status: string(c.Status), StatusRaw: c.StatusRaw, StatusDate: c.StatusDate, StartDate: c.StartDate, EndDate: c.EndDate,
		PADSignedDate: c.PADSignedDate, PrelimAnalysisOutcome: opt(c.PrelimAnalysisOutcome), PactType: opt(c.PactType),
		PactSignedDate: c.PactSignedDate, Municipality: opt(c.MunicipalityBelfiore)}
	if c.MonthlyAmountEUR != nil {
		cents := int64(*c.MonthlyAmountEUR)
		out.MonthlyAmountCents = &cents
	}
	for _, hm := range c.HouseholdMembers {
		out.Members = append(out.Members, registrydata.BenefitMember{TaxCode: hm.TaxCode, Role: hm.Role, Relationship: hm.Relationship, BirthDate: hm.BirthDate})
	}
	return out
}

func convISEE(i benefits.ISEE, m registrydata.Meta) registrydata.ISEE {
	m.TaxCode = i.TaxCode
	return registrydata.ISEE{Meta: m, DSUProtocol: i.DSUProtocol, ISEEValueCents: int64(i.ISEEValueEUR), ISEEType: i.ISEEType,
		ValidUntil: i.ValidUntil, HouseholdSize: i.HouseholdSize}
}

func convLabourStatus(s labour.LabourStatus, m registrydata.Meta) registrydata.LabourStatus {
	m.TaxCode = s.TaxCode
	return registrydata.LabourStatus{Meta: m, DIDID: s.DIDID, DIDDate: s.DIDDate, EmploymentStatus: s.EmploymentStatus,
		UnemploymentMonths: s.UnemploymentMonths, ProfilingIndex: s.ProfilingIndex, ServicePactDate: s.ServicePactDate,
		CPICode: opt(s.CPICode), AsOf: s.AsOf}
}

func convEmploymentEvent(e labour.EmploymentEvent, m registrydata.Meta) registrydata.EmploymentEvent {
	m.TaxCode = e.WorkerTaxCode
	return registrydata.EmploymentEvent{Meta: m, CommunicationID: e.CommunicationID, PreviousCommunicationID: opt(e.PreviousCommunicationID),
		EventType: string(e.EventType), EmployerTaxCode: e.EmployerTaxCode, EmployerName: opt(e.EmployerName), ATECOCode: opt(e.ATECOCode),
		ContractTypeCode: opt(e.ContractTypeCode), ISTATOccupationCode: opt(e.ISTATOccupationCode), StartDate: e.StartDate,
		EndDate: e.EndDate, TerminationCauseCode: opt(e.TerminationCauseCode), SentAt: e.SentAt}
}

func convSchoolRecord(r school.SchoolRecord, m registrydata.Meta) registrydata.SchoolRecord {
	m.TaxCode = r.TaxCode
	out := registrydata.SchoolRecord{Meta: m, SchoolYear: r.SchoolYear, SchoolCode: opt(r.SchoolCode), GradeLevel: opt(r.GradeLevel),
		AttendanceStatus: string(r.AttendanceStatus), AttendanceStatusRaw: r.AttendanceStatusRaw, CheckedAt: r.CheckedAt}
	if q := r.Qualification; q != nil {
		out.QualificationCode, out.QualificationName = opt(q.TitleCode), opt(q.TitleName)
		d := q.ObtainedDate
		out.QualificationDate = &d
	}
	return out
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Batch builders per collection, shared by listing, lookups and imports.

func benefitCaseBatch(origin string, p *record.Page[benefits.BenefitCase]) *batch {
	return newBatch(BenefitCases, origin, p, convBenefitCase, registrydata.UpsertBenefitCases, nil)
}

func iseeBatch(origin string, p *record.Page[benefits.ISEE]) *batch {
	return newBatch(ISEE, origin, p, convISEE, registrydata.UpsertISEE, nil)
}

func labourStatusBatch(origin string, p *record.Page[labour.LabourStatus]) *batch {
	return newBatch(LabourStatus, origin, p, convLabourStatus, registrydata.UpsertLabourStatus, nil)
}

func employmentEventBatch(origin string, p *record.Page[labour.EmploymentEvent]) *batch {
	return newBatch(EmploymentEvents, origin, p, convEmploymentEvent, registrydata.UpsertEmploymentEvents, registrydata.LockEmploymentEvents)
}

func schoolRecordBatch(origin string, p *record.Page[school.SchoolRecord]) *batch {
	return newBatch(SchoolRecords, origin, p, convSchoolRecord, registrydata.UpsertSchoolRecords, nil)
}
