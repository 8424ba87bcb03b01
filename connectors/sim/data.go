package sim

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Person is someone the simulated registries know about. Only TaxCode is
// required; birth date and sex are read from the tax code when omitted.
type Person struct {
	TaxCode      string `json:"tax_code"`
	BirthDate    string `json:"birth_date,omitempty"`   // YYYY-MM-DD
	Municipality string `json:"municipality,omitempty"` // Belfiore code of residence
	// HouseholdID groups persons into a household; empty means living alone.
	HouseholdID string `json:"household_id,omitempty"`
	// Relationship to the household's head: "intestatario" marks the head
	// (the first adult otherwise), others e.g. "coniuge", "figlio".
	Relationship string `json:"relationship,omitempty"`
}

// Dataset seeds the simulated registries. Records for Persons are derived
// deterministically from Seed and each person; Synthetic adds that many
// generated records to every collection, produced on demand per page so
// that a large registry costs no memory.
type Dataset struct {
	Seed      int64    `json:"seed"`
	Persons   []Person `json:"persons"`
	Synthetic int      `json:"synthetic"`
	// AsOf is the registries' "today" (default 2025-06-30).
	AsOf time.Time `json:"as_of"`
}

// MaxSynthetic bounds Dataset.Synthetic: the synthetic tax codes encode
// the record number and run out beyond it.
const MaxSynthetic = 26 * 26 * 26 * 1000

type person struct {
	taxCode      string
	birth        time.Time
	female       bool
	municipality string
	relationship string
	household    []*person // all members, head first
}

func (p *person) ageAt(t time.Time) int {
	age := t.Year() - p.birth.Year()
	if t.YearDay() < p.birth.YearDay() {
		age--
	}
	return age
}

func (p *person) head() *person { return p.household[0] }

// rng is a tiny deterministic generator seeded from a hash of its key.
type rng struct{ s uint64 }

func newRNG(seed int64, parts ...any) *rng {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	for _, p := range parts {
		fmt.Fprint(h, "\x00", p)
	}
	return &rng{s: h.Sum64() | 1}
}

// next is splitmix64.
func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int         { return int(r.next() % uint64(n)) }
func (r *rng) float() float64         { return float64(r.next()>>11) / (1 << 53) }
func (r *rng) pick(s []string) string { return s[r.intn(len(s))] }

// hash01 is a uniform value in [0,1) for a key, for deterministic faults.
func hash01(seed int64, parts ...any) float64 { return newRNG(seed, parts...).float() }

var (
	monthLetters   = "ABCDEHLMPRST"
	municipalities = []string{"G702", "L219", "H501", "F205", "A944", "D612", "F839", "B354"}
)

// synthCode builds a valid tax code for synthetic person i of a
// population; the prefix and the record number are readable back from it.
func synthCode(prefix string, i int, birth time.Time, female bool) string {
	var b strings.Builder
	b.WriteString(prefix)
	n := i / 1000
	b.WriteByte(byte('A' + n/676%26))
	b.WriteByte(byte('A' + n/26%26))
	b.WriteByte(byte('A' + n%26))
	fmt.Fprintf(&b, "%02d", birth.Year()%100)
	b.WriteByte(monthLetters[birth.Month()-1])
	day := birth.Day()
	if female {
		day += 40
	}
	fmt.Fprintf(&b, "%02dZ%03d", day, i%1000)
	first15 := b.String()
	c, err := codicefiscale.CheckChar(first15)
	if err != nil {
		panic("sim: synthetic tax code: " + err.Error()) // built from letters and digits only
	}
	return first15 + string(c)
}

// synthIndex reads the record number back from a synthetic tax code.
func synthIndex(prefix, tc string) (int, bool) {
	if len(tc) != 16 || !strings.HasPrefix(tc, prefix) || tc[11] != 'Z' {
		return 0, false
	}
	n := 0
	for _, c := range tc[3:6] {
		if c < 'A' || c > 'Z' {
			return 0, false
		}
		n = n*26 + int(c-'A')
	}
	d := 0
	for _, c := range tc[12:15] {
		if c < '0' || c > '9' {
			return 0, false
		}
		d = d*10 + int(c-'0')
	}
	return n*1000 + d, true
}

// Synthetic populations: adults for benefits and labour, minors for school.
const (
	prefixAdult = "SIM"
	prefixMinor = "SMN"
)

func synthPerson(seed int64, prefix string, i int, asOf time.Time) *person {
	r := newRNG(seed, "synthetic-person", prefix, i)
	var birth time.Time
	if prefix == prefixMinor {
		birth = time.Date(asOf.Year()-6-r.intn(11), time.Month(1+r.intn(12)), 1+r.intn(28), 0, 0, 0, 0, time.UTC)
	} else {
		birth = time.Date(asOf.Year()-20-r.intn(45), time.Month(1+r.intn(12)), 1+r.intn(28), 0, 0, 0, 0, time.UTC)
	}
	female := r.intn(2) == 0
	p := &person{
		taxCode:      synthCode(prefix, i, birth, female),
		birth:        birth,
		female:       female,
		municipality: r.pick(municipalities),
		relationship: "intestatario",
	}
	p.household = []*person{p}
	return p
}

// buildPersons resolves the dataset's persons and links households.
func buildPersons(ds Dataset) ([]*person, error) {
	out := make([]*person, 0, len(ds.Persons))
	households := map[string][]*person{}
	var order []string
	seen := map[string]bool{}
	for i, in := range ds.Persons {
		c, err := codicefiscale.Parse(in.TaxCode)
		if err != nil {
			return nil, fmt.Errorf("sim: dataset person %d: %w", i, err)
		}
		tc := c.String()
		if seen[tc] {
			return nil, fmt.Errorf("sim: dataset person %d: tax code listed twice", i)
		}
		seen[tc] = true
		p := &person{taxCode: tc, female: c.Sex() == 'F', municipality: in.Municipality, relationship: in.Relationship}
		if in.BirthDate != "" {
			p.birth, err = time.Parse(time.DateOnly, in.BirthDate)
			if err != nil {
				return nil, fmt.Errorf("sim: dataset person %d: birth_date %q is not YYYY-MM-DD", i, in.BirthDate)
			}
		} else {
			p.birth = c.BirthDate(ds.AsOf)
		}
		if p.municipality == "" {
			if c.BornAbroad() {
				p.municipality = municipalities[newRNG(ds.Seed, "municipality", tc).intn(len(municipalities))]
			} else {
				p.municipality = c.Birthplace()
			}
		}
		hid := in.HouseholdID
		if hid == "" {
			hid = "\x00" + tc
		}
		if _, ok := households[hid]; !ok {
			order = append(order, hid)
		}
		households[hid] = append(households[hid], p)
		out = append(out, p)
	}
	for _, hid := range order {
		members := households[hid]
		head := -1
		for i, m := range members {
			if strings.EqualFold(m.relationship, "intestatario") {
				head = i
				break
			}
		}
		if head < 0 {
			for i, m := range members {
				if m.ageAt(ds.AsOf) >= 18 {
					head = i
					break
				}
			}
		}
		if head < 0 {
			head = 0
		}
		ordered := append([]*person{members[head]}, append(append([]*person(nil), members[:head]...), members[head+1:]...)...)
		for _, m := range ordered {
			m.household = ordered
		}
		if ordered[0].relationship == "" {
			ordered[0].relationship = "intestatario"
		}
	}
	return out, nil
}

// Wire shapes: the registries speak the contract's field names.

type memberWire struct {
	TaxCode      string `json:"tax_code"`
	Role         string `json:"role"`
	Relationship string `json:"relationship,omitempty"`
	BirthDate    string `json:"birth_date,omitempty"`
}

type benefitCaseWire struct {
	Programme             string       `json:"programme"`
	ApplicationProtocol   string       `json:"application_protocol"`
	ApplicantTaxCode      string       `json:"applicant_tax_code"`
	HouseholdMembers      []memberWire `json:"household_members,omitempty"`
	Status                string       `json:"status,omitempty"`
	StatusRaw             string       `json:"status_raw"`
	StatusDate            string       `json:"status_date"`
	MonthlyAmountEUR      json.Number  `json:"monthly_amount_eur,omitempty"`
	StartDate             string       `json:"start_date,omitempty"`
	EndDate               string       `json:"end_date,omitempty"`
	PADSignedDate         string       `json:"pad_signed_date,omitempty"`
	PrelimAnalysisOutcome string       `json:"prelim_analysis_outcome,omitempty"`
	PactType              string       `json:"pact_type,omitempty"`
	PactSignedDate        string       `json:"pact_signed_date,omitempty"`
	MunicipalityBelfiore  string       `json:"municipality_belfiore,omitempty"`
}

type iseeWire struct {
	TaxCode       string      `json:"tax_code"`
	DSUProtocol   string      `json:"dsu_protocol"`
	ISEEValueEUR  json.Number `json:"isee_value_eur"`
	ISEEType      string      `json:"isee_type"`
	ValidUntil    string      `json:"valid_until"`
	HouseholdSize int         `json:"household_size"`
}

type labourStatusWire struct {
	TaxCode            string   `json:"tax_code"`
	DIDID              string   `json:"did_id"`
	DIDDate            string   `json:"did_date"`
	EmploymentStatus   string   `json:"employment_status"`
	UnemploymentMonths *int     `json:"unemployment_months,omitempty"`
	ProfilingIndex     *float64 `json:"profiling_index,omitempty"`
	ServicePactDate    string   `json:"service_pact_date,omitempty"`
	CPICode            string   `json:"cpi_code,omitempty"`
	AsOf               string   `json:"as_of"`
}

type eventWire struct {
	CommunicationID         string `json:"communication_id"`
	PreviousCommunicationID string `json:"previous_communication_id,omitempty"`
	EventType               string `json:"event_type"`
	WorkerTaxCode           string `json:"worker_tax_code"`
	EmployerTaxCode         string `json:"employer_tax_code"`
	EmployerName            string `json:"employer_name,omitempty"`
	ATECOCode               string `json:"ateco_code,omitempty"`
	ContractTypeCode        string `json:"contract_type_code,omitempty"`
	ISTATOccupationCode     string `json:"istat_occupation_code,omitempty"`
	StartDate               string `json:"start_date"`
	EndDate                 string `json:"end_date,omitempty"`
	TerminationCauseCode    string `json:"termination_cause_code,omitempty"`
	SentAt                  string `json:"sent_at,omitempty"`
}

type qualificationWire struct {
	TitleCode    string `json:"title_code"`
	TitleName    string `json:"title_name"`
	ObtainedDate string `json:"obtained_date"`
}

type schoolWire struct {
	TaxCode             string             `json:"tax_code"`
	SchoolYear          string             `json:"school_year"`
	SchoolCode          string             `json:"school_code,omitempty"`
	GradeLevel          string             `json:"grade_level,omitempty"`
	AttendanceStatus    string             `json:"attendance_status,omitempty"`
	AttendanceStatusRaw string             `json:"attendance_status_raw"`
	CheckedAt           string             `json:"checked_at"`
	Qualification       *qualificationWire `json:"qualification,omitempty"`
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func euros(cents int) json.Number { return json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100)) }

var benefitLabels = []struct{ raw, status string }{
	{"Domanda presentata", "SUBMITTED"}, {"In istruttoria", "SUBMITTED"},
	{"Accolta", "ACCEPTED"}, {"In pagamento", "ACCEPTED"}, {"In pagamento", "ACCEPTED"}, {"Accolta", "ACCEPTED"},
	{"Respinta", "REJECTED"}, {"Sospesa", "SUSPENDED"}, {"Beneficio revocato", "REVOKED"},
	{"Decaduta", "DECAYED"}, {"Terminata", "TERMINATED"},
}

func genBenefitCase(seed int64, p *person, asOf time.Time, n int) benefitCaseWire {
	r := newRNG(seed, "benefit_case", p.taxCode, n)
	prog := "ADI"
	start := asOf.AddDate(0, -1-r.intn(17), 0)
	switch {
	case start.Year() < 2024:
		prog = "RDC"
	case r.intn(4) == 0:
		prog = "SFL"
	}
	lbl := benefitLabels[r.intn(len(benefitLabels))]
	w := benefitCaseWire{
		Programme:            prog,
		ApplicationProtocol:  fmt.Sprintf("INPS-%s-%d-%08d", prog, start.Year(), r.intn(100000000)),
		ApplicantTaxCode:     p.head().taxCode,
		StatusRaw:            lbl.raw,
		StatusDate:           day(start.AddDate(0, 0, 10+r.intn(20))),
		MunicipalityBelfiore: p.head().municipality,
	}
	if r.intn(2) == 0 {
		w.Status = lbl.status
	}
	for i, m := range p.household {
		role, rel := "member", m.relationship
		if i == 0 {
			role, rel = "applicant", "intestatario"
		}
		w.HouseholdMembers = append(w.HouseholdMembers, memberWire{TaxCode: m.taxCode, Role: role, Relationship: rel, BirthDate: day(m.birth)})
	}
	if lbl.status != "SUBMITTED" && lbl.status != "REJECTED" {
		w.MonthlyAmountEUR = euros(20000 + r.intn(80000))
		w.StartDate = day(start)
		w.PADSignedDate = day(start.AddDate(0, 0, -r.intn(10)))
		w.PrelimAnalysisOutcome = string("ABCD"[r.intn(4)])
		if r.intn(3) > 0 {
			w.PactType = []string{"PAIS", "PSP"}[r.intn(2)]
			w.PactSignedDate = day(start.AddDate(0, 0, 30+r.intn(90)))
		}
		if lbl.status == "TERMINATED" || lbl.status == "DECAYED" || lbl.status == "REVOKED" {
			w.EndDate = day(start.AddDate(0, 6+r.intn(12), 0))
		}
	}
	return w
}

func genISEE(seed int64, p *person, asOf time.Time) iseeWire {
	r := newRNG(seed, "isee", p.taxCode)
	return iseeWire{
		TaxCode:       p.taxCode,
		DSUProtocol:   fmt.Sprintf("INPS-ISEE-%d-%011d", asOf.Year(), r.next()%100000000000),
		ISEEValueEUR:  euros(r.intn(1500000)),
		ISEEType:      []string{"ordinario", "ordinario", "ordinario", "corrente", "minorenni"}[r.intn(5)],
		ValidUntil:    day(time.Date(asOf.Year(), 12, 31, 0, 0, 0, 0, time.UTC)),
		HouseholdSize: len(p.household),
	}
}

func genLabourStatus(seed int64, p *person, asOf time.Time) labourStatusWire {
	r := newRNG(seed, "labour_status", p.taxCode)
	did := asOf.AddDate(0, -r.intn(48), -r.intn(28))
	w := labourStatusWire{
		TaxCode:          p.taxCode,
		DIDID:            fmt.Sprintf("DID-%d-%08d", did.Year(), r.intn(100000000)),
		DIDDate:          day(did),
		EmploymentStatus: []string{"UNEMPLOYED", "UNEMPLOYED", "UNEMPLOYED", "EMPLOYED", "INACTIVE"}[r.intn(5)],
		CPICode:          fmt.Sprintf("CPI%s", p.municipality),
		AsOf:             asOf.Add(time.Duration(r.intn(86400)) * time.Second).Format(time.RFC3339),
	}
	if w.EmploymentStatus == "UNEMPLOYED" {
		months := int(math.Round(asOf.Sub(did).Hours() / 24 / 30))
		w.UnemploymentMonths = &months
		idx := math.Round(r.float()*1000) / 1000
		w.ProfilingIndex = &idx
	}
	if r.intn(3) > 0 {
		w.ServicePactDate = day(did.AddDate(0, 0, 5+r.intn(60)))
	}
	return w
}

var employers = []struct{ vat, name, ateco string }{
	{"01234567897", "Cooperativa Arnera", "88.99.00"},
	{"02345678904", "Aforisma Società Cooperativa", "85.59.20"},
	{"03456789019", "Il Simbolo Cooperativa Sociale", "81.21.00"},
	{"04567890126", "Logistica Pisana Srl", "52.10.10"},
}

func genEvents(seed int64, p *person, asOf time.Time) []eventWire {
	r := newRNG(seed, "employment_events", p.taxCode)
	n := r.intn(3)
	var out []eventWire
	prev := ""
	start := asOf.AddDate(0, -2-r.intn(30), 0)
	for k := range n {
		emp := employers[r.intn(len(employers))]
		id := fmt.Sprintf("1100%d%010d", start.Year(), r.next()%10000000000)
		hire := eventWire{
			CommunicationID: id, EventType: "HIRE", WorkerTaxCode: p.taxCode,
			EmployerTaxCode: emp.vat, EmployerName: emp.name, ATECOCode: emp.ateco,
			ContractTypeCode:    []string{"A.01.00", "A.02.00", "A.07.00"}[r.intn(3)],
			ISTATOccupationCode: []string{"5.1.2.2.0", "8.1.4.2.0", "4.1.1.1.0"}[r.intn(3)],
			StartDate:           day(start), SentAt: start.AddDate(0, 0, -1).Add(9 * time.Hour).Format(time.RFC3339),
		}
		if hire.ContractTypeCode == "A.02.00" {
			hire.EndDate = day(start.AddDate(0, 6, 0))
		}
		out = append(out, hire)
		prev = id
		if k == 0 && n > 1 {
			end := start.AddDate(0, 3+r.intn(6), 0)
			out = append(out, eventWire{
				CommunicationID: fmt.Sprintf("1100%d%010d", end.Year(), r.next()%10000000000), PreviousCommunicationID: prev,
				EventType: "TERMINATION", WorkerTaxCode: p.taxCode, EmployerTaxCode: emp.vat, EmployerName: emp.name,
				StartDate: day(start), EndDate: day(end), TerminationCauseCode: []string{"AA", "AB", "AD"}[r.intn(3)],
				SentAt: end.Add(10 * time.Hour).Format(time.RFC3339),
			})
			start = end.AddDate(0, 0, 10+r.intn(60))
		}
	}
	return out
}

var schoolLabels = []struct{ raw, status string }{
	{"Frequentante", "ATTENDING"}, {"Frequentante", "ATTENDING"}, {"Frequentante", "ATTENDING"},
	{"Iscritto", "ENROLLED"}, {"Trasferito", "TRANSFERRED"}, {"Ritirato", "WITHDRAWN"},
	{"Non presente in anagrafe", "NOT_FOUND"},
}

func schoolYearOf(t time.Time) int {
	if t.Month() >= time.September {
		return t.Year()
	}
	return t.Year() - 1
}

func genSchool(seed int64, p *person, asOf time.Time) schoolWire {
	r := newRNG(seed, "school_record", p.taxCode)
	y := schoolYearOf(asOf)
	lbl := schoolLabels[r.intn(len(schoolLabels))]
	w := schoolWire{
		TaxCode:             p.taxCode,
		SchoolYear:          fmt.Sprintf("%d/%d", y, y+1),
		AttendanceStatusRaw: lbl.raw,
		CheckedAt:           asOf.Add(time.Duration(8+r.intn(8)) * time.Hour).Format(time.RFC3339),
	}
	if r.intn(2) == 0 {
		w.AttendanceStatus = lbl.status
	}
	if lbl.status != "NOT_FOUND" {
		w.SchoolCode = fmt.Sprintf("PI%s%05dX", []string{"IC", "EE", "MM", "PS"}[r.intn(4)], r.intn(100000))
		age := y - p.birth.Year()
		switch {
		case age <= 10:
			w.GradeLevel = fmt.Sprintf("P%d", max(1, min(5, age-5)))
		case age <= 13:
			w.GradeLevel = fmt.Sprintf("S1-%d", age-10)
		default:
			w.GradeLevel = fmt.Sprintf("S2-%d", max(1, min(5, age-13)))
		}
		if w.GradeLevel == "S1-3" && r.intn(2) == 0 {
			w.Qualification = &qualificationWire{TitleCode: "LIC-S1", TitleName: "Diploma di licenza conclusivo del primo ciclo", ObtainedDate: day(time.Date(y, 6, 20, 0, 0, 0, 0, time.UTC))}
		}
	}
	return w
}
