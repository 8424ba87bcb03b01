// Package labour owns the connector to the labour information system: DID
// labour status and UNILAV employment events, by pull API or from XML files.
package labour

import (
	"regexp"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
	"github.com/ponte-hub/ponte/pkg/partitaiva"
)

// Source is the source name used in errors, metrics and stored records.
const Source = "labour"

// Record kinds, as stored with each raw record.
const (
	KindLabourStatus    = "labour_status"
	KindEmploymentEvent = "employment_event"
)

// Employment statuses declared with the DID.
const (
	StatusUnemployed  = "UNEMPLOYED"   // disoccupato
	StatusEmployed    = "EMPLOYED"     // occupato (including low-income "in conservazione")
	StatusInactive    = "INACTIVE"     // inattivo / inoccupato
	StatusInEducation = "IN_EDUCATION" // studente
)

// LabourStatus is a person's position with the employment centres.
type LabourStatus struct {
	TaxCode            string
	DIDID              string // availability declaration id
	DIDDate            time.Time
	EmploymentStatus   string
	UnemploymentMonths *int
	ProfilingIndex     *float64 // 0 (closest to the labour market) to 1
	ServicePactDate    *time.Time
	CPICode            string // employment centre
	AsOf               time.Time
}

// EventType is the kind of compulsory communication.
type EventType string

// Event types of UNILAV communications.
const (
	EventHire           EventType = "HIRE"
	EventExtension      EventType = "EXTENSION"
	EventTransformation EventType = "TRANSFORMATION"
	EventTermination    EventType = "TERMINATION"
)

// EmploymentEvent is one compulsory communication about a job.
type EmploymentEvent struct {
	CommunicationID         string
	PreviousCommunicationID string // the communication this one amends or follows
	EventType               EventType
	WorkerTaxCode           string
	EmployerTaxCode         string // codice fiscale or 11-digit VAT number
	EmployerName            string
	ATECOCode               string
	ContractTypeCode        string
	ISTATOccupationCode     string
	StartDate               time.Time
	EndDate                 *time.Time // planned end (fixed-term) or termination date
	TerminationCauseCode    string
	SentAt                  *time.Time
}

var (
	communicationID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{5,39}$`)
	atecoCode       = regexp.MustCompile(`^[0-9]{2}(\.[0-9]{1,2}){0,2}$`)
	contractCode    = regexp.MustCompile(`^[A-Z]\.[0-9]{2}\.[0-9]{2}$`)
	istatCode       = regexp.MustCompile(`^[0-9](\.[0-9]{1,2}){1,4}$`)
	causeCode       = regexp.MustCompile(`^[A-Z0-9]{1,4}(\.[0-9]{1,2})?$`)
	cpiCode         = regexp.MustCompile(`^[A-Z0-9]{3,12}$`)
	didID           = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)
)

// ValidEmployer checks an employer's tax code: a company's 11-digit VAT
// number (partita IVA) with its check digit, or a person's codice fiscale.
func ValidEmployer(s string) (string, string) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) == partitaiva.Len {
		v, err := partitaiva.Parse(s)
		if err != nil {
			return "", "VAT number " + partitaiva.Reason(err)
		}
		return v, ""
	}
	c, err := codicefiscale.Parse(s)
	if err != nil {
		return "", "neither a VAT number nor a valid tax code"
	}
	return c.String(), ""
}

// LabourStatusKind decodes labour_status records; the source reference
// is the person's tax code, since a status supersedes the previous one. The DID
// identifier names the same status when the tax code is what is broken.
var LabourStatusKind = record.Kind[LabourStatus]{
	Keys: [][]string{{"tax_code"}, {"did_id"}},
	Name: KindLabourStatus,
	Ref:  func(o *record.Object) string { return strings.ToUpper(o.Peek("tax_code")) },
	Decode: func(o *record.Object) LabourStatus {
		var s LabourStatus
		s.TaxCode = o.TaxCode("tax_code", true)
		s.DIDID = o.Match("did_id", true, didID, "a DID identifier")
		s.DIDDate, _ = o.Date("did_date", true)
		s.EmploymentStatus = o.Enum("employment_status", true, StatusUnemployed, StatusEmployed, StatusInactive, StatusInEducation)
		s.UnemploymentMonths = o.OptInt("unemployment_months", 0, 600)
		s.ProfilingIndex = o.OptFloat("profiling_index", 0, 1)
		s.ServicePactDate = o.OptDate("service_pact_date")
		if s.ServicePactDate != nil && !s.DIDDate.IsZero() && s.ServicePactDate.Before(s.DIDDate) {
			o.Fail("service_pact_date", "is before did_date")
		}
		s.CPICode = o.Match("cpi_code", false, cpiCode, "an employment centre code")
		s.AsOf, _ = o.Time("as_of", true)
		return s
	},
}

// EmploymentEventKind decodes employment_event records. A communication is identified
// by its id, or by worker, employer, start of the relationship and kind of event when
// the id is what is broken.
var EmploymentEventKind = record.Kind[EmploymentEvent]{
	Keys:   [][]string{{"communication_id"}, {"worker_tax_code", "employer_tax_code", "start_date", "event_type"}},
	Name:   KindEmploymentEvent,
	Ref:    func(o *record.Object) string { return o.Peek("communication_id") },
	Decode: decodeEvent,
}

func decodeEvent(o *record.Object) EmploymentEvent {
	var e EmploymentEvent
	e.CommunicationID = o.Match("communication_id", true, communicationID, "a communication id")
	e.PreviousCommunicationID = o.Match("previous_communication_id", false, communicationID, "a communication id")
	e.EventType = EventType(o.Enum("event_type", true, string(EventHire), string(EventExtension), string(EventTransformation), string(EventTermination)))
	e.WorkerTaxCode = o.TaxCode("worker_tax_code", true)
	if emp := o.String("employer_tax_code", true); emp != "" {
		if v, why := ValidEmployer(emp); why != "" {
			o.Fail("employer_tax_code", why)
		} else {
			e.EmployerTaxCode = v
		}
	}
	e.EmployerName = o.String("employer_name", false)
	e.ATECOCode = o.Match("ateco_code", false, atecoCode, "an ATECO code (e.g. 88.99.00)")
	e.ContractTypeCode = o.Match("contract_type_code", false, contractCode, "a contract type code (e.g. A.01.00)")
	e.ISTATOccupationCode = o.Match("istat_occupation_code", false, istatCode, "an ISTAT CP2011 code (e.g. 5.1.2.2.0)")
	e.StartDate, _ = o.Date("start_date", true)
	e.EndDate = o.OptDate("end_date")
	e.TerminationCauseCode = o.Match("termination_cause_code", false, causeCode, "a termination cause code")
	e.SentAt = o.OptTime("sent_at")
	checkEvent(&e, o.Fail)
	return e
}

// checkEvent applies the rules that tie fields together; fail names the field.
func checkEvent(e *EmploymentEvent, fail func(field, reason string)) {
	if e.EndDate != nil && !e.StartDate.IsZero() && e.EndDate.Before(e.StartDate) {
		fail("end_date", "is before start_date")
	}
	switch e.EventType {
	case EventTermination:
		if e.EndDate == nil {
			fail("end_date", "is required for a TERMINATION")
		}
	case EventExtension:
		if e.EndDate == nil {
			fail("end_date", "is required for an EXTENSION (the new end date)")
		}
	}
	if e.TerminationCauseCode != "" && e.EventType != EventTermination {
		fail("termination_cause_code", "is only allowed on a TERMINATION")
	}
	if e.PreviousCommunicationID != "" && e.PreviousCommunicationID == e.CommunicationID {
		fail("previous_communication_id", "equals communication_id")
	}
}
