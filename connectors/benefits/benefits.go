// Package benefits owns the connector to the income-support registries (INPS,
// GePI, SIISL): RdC/ADI/SFL benefit cases and ISEE, decoded into hub fields.
package benefits

import (
	"regexp"
	"time"

	"github.com/ponte-hub/ponte/connectors/record"
)

// Source is the source name used in errors, metrics and stored records.
const Source = "benefits"

// Record kinds, as stored with each raw record.
const (
	KindBenefitCase = "benefit_case"
	KindISEE        = "isee"
)

// Programme is the benefit programme.
type Programme string

// Programmes: Reddito/Pensione di Cittadinanza (2019-2023), Assegno di
// Inclusione and Supporto Formazione e Lavoro (from 2024).
const (
	ProgrammeRDC Programme = "RDC"
	ProgrammePDC Programme = "PDC"
	ProgrammeADI Programme = "ADI"
	ProgrammeSFL Programme = "SFL"
)

// Status is the hub's reading of a case's status label.
type Status string

// Statuses of an application or of the benefit it granted.
const (
	StatusSubmitted  Status = "SUBMITTED"
	StatusAccepted   Status = "ACCEPTED"
	StatusRejected   Status = "REJECTED"
	StatusSuspended  Status = "SUSPENDED"
	StatusRevoked    Status = "REVOKED"
	StatusDecayed    Status = "DECAYED"
	StatusTerminated Status = "TERMINATED"
)

var statuses = []string{
	string(StatusSubmitted), string(StatusAccepted), string(StatusRejected), string(StatusSuspended),
	string(StatusRevoked), string(StatusDecayed), string(StatusTerminated),
}

// statusLabels maps the labels seen from the sources (lower-cased, single
// spaces) to the hub's statuses.
var statusLabels = map[string]Status{
	"domanda presentata": StatusSubmitted, "presentata": StatusSubmitted, "inviata": StatusSubmitted,
	"in istruttoria": StatusSubmitted, "in lavorazione": StatusSubmitted, "submitted": StatusSubmitted,
	"accolta": StatusAccepted, "domanda accolta": StatusAccepted, "in pagamento": StatusAccepted,
	"attiva": StatusAccepted, "accepted": StatusAccepted,
	"respinta": StatusRejected, "domanda respinta": StatusRejected, "rigettata": StatusRejected, "rejected": StatusRejected,
	"sospesa": StatusSuspended, "domanda sospesa": StatusSuspended, "beneficio sospeso": StatusSuspended,
	"sospensione": StatusSuspended, "suspended": StatusSuspended,
	"revocata": StatusRevoked, "beneficio revocato": StatusRevoked, "revoca": StatusRevoked,
	"revoca per condanna": StatusRevoked, "revoca per perdita requisiti": StatusRevoked, "revoked": StatusRevoked,
	"decaduta": StatusDecayed, "decadenza": StatusDecayed, "beneficio decaduto": StatusDecayed, "decayed": StatusDecayed,
	"terminata": StatusTerminated, "conclusa": StatusTerminated, "beneficio terminato": StatusTerminated,
	"cessata": StatusTerminated, "terminated": StatusTerminated,
}

// MapStatus reads a source status label (case and spacing ignored).
func MapStatus(raw string) (Status, bool) { return record.MapLabel(statusLabels, raw) }

// Household roles.
const (
	RoleApplicant = "applicant"
	RoleMember    = "member"
)

// HouseholdMember is one person of the household on the application.
type HouseholdMember struct {
	TaxCode      string
	Role         string // applicant or member
	Relationship string // source label, e.g. "coniuge", "figlio"
	BirthDate    *time.Time
}

// BenefitCase is an application for, and the life of, one benefit.
type BenefitCase struct {
	Programme             Programme
	ApplicationProtocol   string
	ApplicantTaxCode      string
	HouseholdMembers      []HouseholdMember
	Status                Status
	StatusRaw             string // the source's label, kept verbatim
	StatusDate            time.Time
	MonthlyAmountEUR      *record.Euro
	StartDate             *time.Time
	EndDate               *time.Time
	PADSignedDate         *time.Time // digital activation pact
	PrelimAnalysisOutcome string     // A, B, C or D
	PactType              string     // PAIS or PSP
	PactSignedDate        *time.Time
	MunicipalityBelfiore  string
}

// ISEE is a means-test indicator computed from a DSU.
type ISEE struct {
	TaxCode       string
	DSUProtocol   string
	ISEEValueEUR  record.Euro
	ISEEType      string // e.g. ordinario, corrente, minorenni, sociosanitario, universitario
	ValidUntil    time.Time
	HouseholdSize int
}

var (
	belfiore = regexp.MustCompile(`^[A-Z][0-9]{3}$`)
	protocol = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$`)
)

// BenefitCaseKind decodes benefit_case records. status_raw is required;
// status may be omitted when the label maps to a known status, and must
// agree with it when both are sent and the label is known. A case is identified by
// programme and protocol (its reference), or by applicant and protocol when the
// programme is what is broken.
var BenefitCaseKind = record.Kind[BenefitCase]{
	Keys: [][]string{{"programme", "application_protocol"}, {"applicant_tax_code", "application_protocol"}},
	Name: KindBenefitCase,
	Ref: func(o *record.Object) string {
		if p, n := o.Peek("programme"), o.Peek("application_protocol"); p != "" && n != "" {
			return p + "/" + n
		}
		return ""
	},
	Decode: decodeBenefitCase,
}

func decodeBenefitCase(o *record.Object) BenefitCase {
	var c BenefitCase
	c.Programme = Programme(o.Enum("programme", true, string(ProgrammeRDC), string(ProgrammePDC), string(ProgrammeADI), string(ProgrammeSFL)))
	c.ApplicationProtocol = o.Match("application_protocol", true, protocol, "a protocol number (letters, digits, . / _ -)")
	c.ApplicantTaxCode = o.TaxCode("applicant_tax_code", true)
	applicants := 0
	o.Array("household_members", false, func(i int, m *record.Object) {
		hm := HouseholdMember{
			TaxCode:      m.TaxCode("tax_code", true),
			Role:         m.Enum("role", true, RoleApplicant, RoleMember),
			Relationship: m.String("relationship", false),
			BirthDate:    m.OptDate("birth_date"),
		}
		if hm.Role == RoleApplicant {
			applicants++
			if applicants > 1 {
				m.Fail("role", "a second applicant in the household")
			}
			if hm.TaxCode != "" && c.ApplicantTaxCode != "" && hm.TaxCode != c.ApplicantTaxCode {
				m.Fail("tax_code", "applicant differs from applicant_tax_code")
			}
		}
		c.HouseholdMembers = append(c.HouseholdMembers, hm)
	})
	c.Status, c.StatusRaw = record.Labelled(o, "status", "status_raw", statusLabels, statuses...)
	c.StatusDate, _ = o.Date("status_date", true)
	c.MonthlyAmountEUR = o.OptEuro("monthly_amount_eur")
	c.StartDate = o.OptDate("start_date")
	c.EndDate = o.OptDate("end_date")
	if c.StartDate != nil && c.EndDate != nil && c.EndDate.Before(*c.StartDate) {
		o.Fail("end_date", "is before start_date")
	}
	c.PADSignedDate = o.OptDate("pad_signed_date")
	c.PrelimAnalysisOutcome = o.Enum("prelim_analysis_outcome", false, "A", "B", "C", "D")
	c.PactType = o.Enum("pact_type", false, "PAIS", "PSP")
	c.PactSignedDate = o.OptDate("pact_signed_date")
	c.MunicipalityBelfiore = o.Match("municipality_belfiore", false, belfiore, "a Belfiore code (letter and three digits)")
	return c
}

// ISEEKind decodes isee records. An attestation is identified by its DSU protocol, or
// by declarant, type and validity when the protocol is what is broken.
var ISEEKind = record.Kind[ISEE]{
	Keys: [][]string{{"dsu_protocol"}, {"tax_code", "isee_type", "valid_until"}},
	Name: KindISEE,
	Ref:  func(o *record.Object) string { return o.Peek("dsu_protocol") },
	Decode: func(o *record.Object) ISEE {
		var i ISEE
		i.TaxCode = o.TaxCode("tax_code", true)
		i.DSUProtocol = o.Match("dsu_protocol", true, protocol, "a DSU protocol (letters, digits, . / _ -)")
		i.ISEEValueEUR, _ = o.Euro("isee_value_eur", true)
		i.ISEEType = o.Enum("isee_type", true, "ordinario", "corrente", "minorenni", "sociosanitario", "universitario", "residenziale")
		i.ValidUntil, _ = o.Date("valid_until", true)
		i.HouseholdSize, _ = o.Int("household_size", true, 1, 50)
		return i
	},
}
