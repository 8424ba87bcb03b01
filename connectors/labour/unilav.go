package labour

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	_ "time/tzdata" // UNILAV local times are Italian; the host may lack a zone database

	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// UNILAVNamespace is the namespace of UniLav elements.
const UNILAVNamespace = "http://servizi.lavoro.gov.it/unilav"

// ErrNoUNILAV: the file holds no UniLav element at all.
var ErrNoUNILAV = errors.New("labour: no UniLav element found")

// The UNILAV shape read here. A file holds one UniLav element, or any
// wrapper element containing many; every UniLav must be in UNILAVNamespace
// (children may inherit it or be unqualified). Attributes and elements:
//
//	<UniLav xmlns="http://servizi.lavoro.gov.it/unilav">
//	  <DatiInvio codiceComunicazione="1100024000123456"        required
//	             codiceComunicazionePrecedente="..."           optional
//	             dataInvio="2024-03-01T09:12:00"/>             optional; RFC 3339, or local Italian time
//	  <DatoreLavoro codiceFiscale="01234567897"                 required: VAT number or codice fiscale
//	                denominazione="Cooperativa Arnera">         optional
//	    <Settore>88.99.00</Settore>                             optional ATECO code
//	  </DatoreLavoro>
//	  <Lavoratore>
//	    <AnagraficaCompleta codiceFiscale="RSSMRA68A01H501Y"/>  required (or a child <codiceFiscale>)
//	  </Lavoratore>
//	  <InizioRapporto dataInizio="2024-03-04"                   required
//	                  dataFine="2024-09-03">                    optional (fixed term)
//	    <TipologiaContrattuale>A.02.00</TipologiaContrattuale>  optional
//	    <qualificaProfessionale>5.1.2.2.0</qualificaProfessionale> optional ISTAT CP2011
//	  </InizioRapporto>
//	  at most one of:
//	  <Proroga dataFineProroga="2025-03-03"/>                   EXTENSION; new end date required
//	  <Trasformazione dataTrasformazione="2024-12-01"           TRANSFORMATION; date required
//	                  codiceTrasformazione="DI" dataFine="">    optional; new end date if any
//	    <TipologiaContrattuale>A.01.00</TipologiaContrattuale>  optional: the new contract type
//	  </Trasformazione>
//	  <Cessazione dataCessazione="2024-09-03"                   TERMINATION; end date required
//	              codiceCausa="AA"/>                            optional cause code
//	</UniLav>
//
// With none of the three the communication is a HIRE. Dates are YYYY-MM-DD.
// Elements not listed are ignored.
type uniLav struct {
	DatiInvio struct {
		Codice     string `xml:"codiceComunicazione,attr"`
		Precedente string `xml:"codiceComunicazionePrecedente,attr"`
		DataInvio  string `xml:"dataInvio,attr"`
	} `xml:"DatiInvio"`
	DatoreLavoro *struct {
		CodiceFiscale string `xml:"codiceFiscale,attr"`
		Denominazione string `xml:"denominazione,attr"`
		Settore       string `xml:"Settore"`
	} `xml:"DatoreLavoro"`
	Lavoratore *struct {
		Anagrafica *struct {
			CodiceFiscaleAttr string `xml:"codiceFiscale,attr"`
			CodiceFiscaleElem string `xml:"codiceFiscale"`
		} `xml:"AnagraficaCompleta"`
	} `xml:"Lavoratore"`
	Inizio *struct {
		DataInizio string `xml:"dataInizio,attr"`
		DataFine   string `xml:"dataFine,attr"`
		Tipologia  string `xml:"TipologiaContrattuale"`
		Qualifica  string `xml:"qualificaProfessionale"`
	} `xml:"InizioRapporto"`
	Proroga *struct {
		DataFine string `xml:"dataFineProroga,attr"`
	} `xml:"Proroga"`
	Trasformazione *struct {
		Data      string `xml:"dataTrasformazione,attr"`
		Codice    string `xml:"codiceTrasformazione,attr"`
		DataFine  string `xml:"dataFine,attr"`
		Tipologia string `xml:"TipologiaContrattuale"`
	} `xml:"Trasformazione"`
	Cessazione *struct {
		Data   string `xml:"dataCessazione,attr"`
		Codice string `xml:"codiceCausa,attr"`
	} `xml:"Cessazione"`
}

// ParseUNILAV reads UNILAV communications. Each UniLav element is judged
// on its own: the bad ones come back as RecordErrors naming the element or
// attribute and the reason, the good ones as events. The error is for the
// file as a whole (unreadable XML, no UniLav at all); events decoded before
// an XML syntax error are still returned.
func ParseUNILAV(r io.Reader) ([]EmploymentEvent, []record.RecordError, error) {
	decoded, errs, err := ReadUNILAV(r)
	events := make([]EmploymentEvent, len(decoded))
	for i, d := range decoded {
		events[i] = d.Value
	}
	return events, errs, err
}

// ReadUNILAV is ParseUNILAV keeping each communication's raw XML and hash,
// for audit and quarantine.
func ReadUNILAV(r io.Reader) ([]record.Decoded[EmploymentEvent], []record.RecordError, error) {
	rec := &recorder{r: r}
	dec := xml.NewDecoder(rec)
	dec.Strict = true
	var (
		out   []record.Decoded[EmploymentEvent]
		errs  []record.RecordError
		index int
	)
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, errs, fmt.Errorf("labour: parse UNILAV after %d communication(s): %w", index, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "UniLav" {
			rec.discard(dec.InputOffset())
			continue
		}
		var u uniLav
		if err := dec.DecodeElement(&u, &se); err != nil {
			return out, errs, fmt.Errorf("labour: parse UNILAV communication %d: %w", index, err)
		}
		end := dec.InputOffset()
		body := append([]byte(nil), rec.slice(start, end)...)
		rec.discard(end)

		var problems []record.FieldError
		fail := func(field, reason string) {
			problems = append(problems, record.FieldError{Field: field, Reason: reason})
		}
		var ev EmploymentEvent
		if se.Name.Space != UNILAVNamespace {
			fail("UniLav", fmt.Sprintf("namespace %q, want %q", se.Name.Space, UNILAVNamespace))
		} else {
			ev = u.event(fail)
		}
		raw := record.NewRaw(strings.TrimSpace(u.DatiInvio.Codice), body, "application/xml")
		if len(problems) > 0 {
			errs = append(errs, record.RecordError{Index: index, Raw: raw, Problems: problems})
		} else {
			out = append(out, record.Decoded[EmploymentEvent]{Index: index, Raw: raw, Value: ev})
		}
		index++
	}
	if index == 0 {
		return nil, nil, ErrNoUNILAV
	}
	return out, errs, nil
}

var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("labour: embedded zone database lacks Europe/Rome: " + err.Error())
	}
	return loc
}()

func (u *uniLav) event(fail func(field, reason string)) EmploymentEvent {
	var e EmploymentEvent
	date := func(field, v string, required bool) *time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			if required {
				fail(field, "is required")
			}
			return nil
		}
		t, problem := record.ParseDate(v)
		if problem != "" {
			fail(field, problem)
			return nil
		}
		return &t
	}
	match := func(field, v string, required bool, ok func(string) bool, what string) string {
		v = strings.TrimSpace(v)
		if v == "" {
			if required {
				fail(field, "is required")
			}
			return ""
		}
		if !ok(v) {
			fail(field, fmt.Sprintf("%q is not %s", record.Clip(v), what))
			return ""
		}
		return v
	}

	e.CommunicationID = match("DatiInvio@codiceComunicazione", u.DatiInvio.Codice, true, communicationID.MatchString, "a communication id")
	e.PreviousCommunicationID = match("DatiInvio@codiceComunicazionePrecedente", u.DatiInvio.Precedente, false, communicationID.MatchString, "a communication id")
	if s := strings.TrimSpace(u.DatiInvio.DataInvio); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04:05", s, rome)
		}
		if err != nil {
			fail("DatiInvio@dataInvio", fmt.Sprintf("%q is not a timestamp", record.Clip(s)))
		} else {
			t = t.UTC()
			e.SentAt = &t
		}
	}

	if u.DatoreLavoro == nil {
		fail("DatoreLavoro", "is required")
	} else {
		if emp := strings.TrimSpace(u.DatoreLavoro.CodiceFiscale); emp == "" {
			fail("DatoreLavoro@codiceFiscale", "is required")
		} else if v, why := ValidEmployer(emp); why != "" {
			fail("DatoreLavoro@codiceFiscale", why)
		} else {
			e.EmployerTaxCode = v
		}
		e.EmployerName = strings.TrimSpace(u.DatoreLavoro.Denominazione)
		e.ATECOCode = match("DatoreLavoro/Settore", u.DatoreLavoro.Settore, false, atecoCode.MatchString, "an ATECO code")
	}

	switch {
	case u.Lavoratore == nil:
		fail("Lavoratore", "is required")
	case u.Lavoratore.Anagrafica == nil:
		fail("Lavoratore/AnagraficaCompleta", "is required")
	default:
		a := u.Lavoratore.Anagrafica
		field, v := "Lavoratore/AnagraficaCompleta@codiceFiscale", a.CodiceFiscaleAttr
		if strings.TrimSpace(v) == "" {
			field, v = "Lavoratore/AnagraficaCompleta/codiceFiscale", a.CodiceFiscaleElem
		}
		if strings.TrimSpace(v) == "" {
			fail("Lavoratore/AnagraficaCompleta@codiceFiscale", "is required")
		} else if c, err := codicefiscale.Parse(v); err != nil {
			fail(field, "invalid tax code: "+codicefiscale.Reason(err))
		} else {
			e.WorkerTaxCode = c.String()
		}
	}

	if u.Inizio == nil {
		fail("InizioRapporto", "is required")
	} else {
		if d := date("InizioRapporto@dataInizio", u.Inizio.DataInizio, true); d != nil {
			e.StartDate = *d
		}
		e.EndDate = date("InizioRapporto@dataFine", u.Inizio.DataFine, false)
		e.ContractTypeCode = match("InizioRapporto/TipologiaContrattuale", u.Inizio.Tipologia, false, contractCode.MatchString, "a contract type code")
		e.ISTATOccupationCode = match("InizioRapporto/qualificaProfessionale", u.Inizio.Qualifica, false, istatCode.MatchString, "an ISTAT CP2011 code")
	}

	sections := 0
	for _, present := range []bool{u.Proroga != nil, u.Trasformazione != nil, u.Cessazione != nil} {
		if present {
			sections++
		}
	}
	switch {
	case sections > 1:
		fail("UniLav", "more than one of Proroga, Trasformazione, Cessazione")
	case u.Proroga != nil:
		e.EventType = EventExtension
		e.EndDate = date("Proroga@dataFineProroga", u.Proroga.DataFine, true)
	case u.Trasformazione != nil:
		e.EventType = EventTransformation
		date("Trasformazione@dataTrasformazione", u.Trasformazione.Data, true)
		e.EndDate = date("Trasformazione@dataFine", u.Trasformazione.DataFine, false)
		if t := match("Trasformazione/TipologiaContrattuale", u.Trasformazione.Tipologia, false, contractCode.MatchString, "a contract type code"); t != "" {
			e.ContractTypeCode = t
		}
	case u.Cessazione != nil:
		e.EventType = EventTermination
		e.EndDate = date("Cessazione@dataCessazione", u.Cessazione.Data, true)
		e.TerminationCauseCode = match("Cessazione@codiceCausa", u.Cessazione.Codice, false, causeCode.MatchString, "a termination cause code")
	default:
		e.EventType = EventHire
	}
	if sections <= 1 {
		checkEvent(&e, func(field, reason string) {
			switch field {
			case "end_date":
				if e.EndDate != nil { // a missing one was reported where it belongs
					fail(endDateField(u), reason)
				}
			case "previous_communication_id":
				fail("DatiInvio@codiceComunicazionePrecedente", reason)
			}
		})
	}
	return e
}

func endDateField(u *uniLav) string {
	switch {
	case u.Proroga != nil:
		return "Proroga@dataFineProroga"
	case u.Trasformazione != nil:
		return "Trasformazione@dataFine"
	case u.Cessazione != nil:
		return "Cessazione@dataCessazione"
	}
	return "InizioRapporto@dataFine"
}

// recorder keeps the bytes the XML decoder has read since the last
// discard, so each communication's exact text can be kept as its raw body.
type recorder struct {
	r    io.Reader
	buf  []byte
	base int64 // input offset of buf[0]
}

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	rc.buf = append(rc.buf, p[:n]...)
	return n, err
}

func (rc *recorder) slice(from, to int64) []byte { return rc.buf[from-rc.base : to-rc.base] }

func (rc *recorder) discard(upto int64) {
	drop := int(upto - rc.base)
	if drop <= 0 {
		return
	}
	rc.buf = append(rc.buf[:0], rc.buf[drop:]...)
	rc.base = upto
}
