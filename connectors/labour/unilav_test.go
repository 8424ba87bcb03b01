package labour_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/labour"
)

const hireXML = `<UniLav xmlns="http://servizi.lavoro.gov.it/unilav">
  <DatiInvio codiceComunicazione="1100024000123456" dataInvio="2024-03-01T09:12:00"/>
  <DatoreLavoro codiceFiscale="01234567897" denominazione="Cooperativa Arnera"><Settore>88.99.00</Settore></DatoreLavoro>
  <Lavoratore><AnagraficaCompleta codiceFiscale="RSSMRA68A01H501Y" cognome="ROSSI" nome="MARIO"/></Lavoratore>
  <InizioRapporto dataInizio="2024-03-04" dataFine="2024-09-03">
    <TipologiaContrattuale>A.02.00</TipologiaContrattuale>
    <qualificaProfessionale>5.1.2.2.0</qualificaProfessionale>
  </InizioRapporto>
</UniLav>`

func wrap(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<ComunicazioniObbligatorie xmlns=\"http://servizi.lavoro.gov.it/unilav\">\n" +
		strings.Join(items, "\n") + "\n</ComunicazioniObbligatorie>"
}

func TestParseUNILAVSingleHire(t *testing.T) {
	t.Parallel()
	events, errs, err := labour.ParseUNILAV(strings.NewReader(hireXML))
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Len(t, events, 1)
	e := events[0]
	require.Equal(t, labour.EventHire, e.EventType)
	require.Equal(t, "1100024000123456", e.CommunicationID)
	require.Equal(t, "RSSMRA68A01H501Y", e.WorkerTaxCode)
	require.Equal(t, "01234567897", e.EmployerTaxCode)
	require.Equal(t, "Cooperativa Arnera", e.EmployerName)
	require.Equal(t, "88.99.00", e.ATECOCode)
	require.Equal(t, "A.02.00", e.ContractTypeCode)
	require.Equal(t, "5.1.2.2.0", e.ISTATOccupationCode)
	require.Equal(t, time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC), e.StartDate)
	require.Equal(t, time.Date(2024, 9, 3, 0, 0, 0, 0, time.UTC), *e.EndDate)
	require.Equal(t, time.Date(2024, 3, 1, 8, 12, 0, 0, time.UTC), *e.SentAt, "local Italian time, CET in March")
}

func TestParseUNILAVManyWithBadRecords(t *testing.T) {
	t.Parallel()
	termination := strings.NewReplacer(
		`codiceComunicazione="1100024000123456"`, `codiceComunicazione="1100024000999999" codiceComunicazionePrecedente="1100024000123456"`,
		`</UniLav>`, `<Cessazione dataCessazione="2024-06-30" codiceCausa="AA"/></UniLav>`,
	).Replace(hireXML)
	extension := strings.NewReplacer(
		`codiceComunicazione="1100024000123456"`, `codiceComunicazione="1100024000777777"`,
		`</UniLav>`, `<Proroga dataFineProroga="2025-03-03"/></UniLav>`,
	).Replace(hireXML)
	transformation := strings.NewReplacer(
		`codiceComunicazione="1100024000123456"`, `codiceComunicazione="1100024000888888"`,
		`</UniLav>`, `<Trasformazione dataTrasformazione="2024-08-01" codiceTrasformazione="DI"><TipologiaContrattuale>A.01.00</TipologiaContrattuale></Trasformazione></UniLav>`,
	).Replace(hireXML)
	badWorker := strings.Replace(hireXML, "RSSMRA68A01H501Y", "RSSMRA68A01H501B", 1)
	badDate := strings.Replace(hireXML, `dataInizio="2024-03-04"`, `dataInizio="04/03/2024"`, 1)
	noEmployer := strings.Replace(hireXML, `codiceFiscale="01234567897" `, ``, 1)
	wrongNS := strings.Replace(hireXML, "http://servizi.lavoro.gov.it/unilav", "urn:other", 1)
	twoSections := strings.Replace(termination, `<Cessazione`, `<Proroga dataFineProroga="2025-01-01"/><Cessazione`, 1)
	endBeforeStart := strings.Replace(hireXML, `dataFine="2024-09-03"`, `dataFine="2024-01-01"`, 1)
	childCF := strings.Replace(hireXML, `<AnagraficaCompleta codiceFiscale="RSSMRA68A01H501Y" cognome="ROSSI" nome="MARIO"/>`,
		`<AnagraficaCompleta><codiceFiscale>CCCFBA85D03L219P</codiceFiscale></AnagraficaCompleta>`, 1)

	in := wrap(hireXML, termination, badWorker, extension, badDate, noEmployer, transformation, wrongNS, twoSections, endBeforeStart, childCF)
	decoded, errs, err := labour.ReadUNILAV(strings.NewReader(in))
	require.NoError(t, err)
	types := []labour.EventType{}
	for _, d := range decoded {
		types = append(types, d.Value.EventType)
	}
	require.Equal(t, []labour.EventType{labour.EventHire, labour.EventTermination, labour.EventExtension, labour.EventTransformation, labour.EventHire}, types)
	require.Equal(t, "1100024000123456", decoded[1].Value.PreviousCommunicationID)
	require.Equal(t, "AA", decoded[1].Value.TerminationCauseCode)
	require.Equal(t, "2024-06-30", decoded[1].Value.EndDate.Format("2006-01-02"))
	require.Equal(t, "2025-03-03", decoded[2].Value.EndDate.Format("2006-01-02"))
	require.Equal(t, "A.01.00", decoded[3].Value.ContractTypeCode)
	require.Equal(t, "CCCFBA85D03L219P", decoded[4].Value.WorkerTaxCode)
	require.Equal(t, 10, decoded[4].Index)

	want := map[int]string{
		2: "Lavoratore/AnagraficaCompleta@codiceFiscale",
		4: "InizioRapporto@dataInizio",
		5: "DatoreLavoro@codiceFiscale",
		7: "UniLav",
		8: "UniLav",
		9: "InizioRapporto@dataFine",
	}
	require.Len(t, errs, len(want))
	for _, e := range errs {
		require.Equal(t, want[e.Index], e.Field(), e.Error())
		require.Equal(t, "application/xml", e.Raw.ContentType)
		require.True(t, bytes.HasPrefix(e.Raw.Body, []byte("<UniLav")), string(e.Raw.Body))
		require.True(t, bytes.HasSuffix(e.Raw.Body, []byte("</UniLav>")))
	}
	require.Contains(t, errs[0].Error(), "check character")
	require.Equal(t, "1100024000123456", errs[0].Raw.SourceRef)
	// The raw body of a decoded record is its own element, nothing more.
	require.Equal(t, hireXML, string(decoded[0].Raw.Body))
}

func TestParseUNILAVFileErrors(t *testing.T) {
	t.Parallel()
	_, _, err := labour.ParseUNILAV(strings.NewReader(`<Other xmlns="x"/>`))
	require.ErrorIs(t, err, labour.ErrNoUNILAV)

	truncated := wrap(hireXML, hireXML)
	truncated = truncated[:len(truncated)-200]
	events, _, err := labour.ParseUNILAV(strings.NewReader(truncated))
	require.Error(t, err)
	require.Contains(t, err.Error(), "parse UNILAV communication 1: XML syntax error")
	require.Len(t, events, 1, "communications before the damage are kept")

	_, _, err = labour.ParseUNILAV(strings.NewReader(`not xml at all`))
	require.ErrorIs(t, err, labour.ErrNoUNILAV)

	_, _, err = labour.ParseUNILAV(strings.NewReader(`<a><b></a>`))
	require.ErrorContains(t, err, "XML syntax error")
}

func FuzzParseUNILAV(f *testing.F) {
	f.Add([]byte(hireXML))
	f.Add([]byte(wrap(hireXML, strings.Replace(hireXML, "</UniLav>", `<Cessazione dataCessazione="2024-06-30"/></UniLav>`, 1))))
	f.Add([]byte(`<UniLav xmlns="http://servizi.lavoro.gov.it/unilav"><Proroga/></UniLav>`))
	f.Add([]byte(`<a><UniLav/></a>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		decoded, errs, err := labour.ReadUNILAV(bytes.NewReader(b))
		if err != nil && errors.Is(err, labour.ErrNoUNILAV) && (len(decoded) > 0 || len(errs) > 0) {
			t.Fatal("no UniLav reported alongside records")
		}
		for _, d := range decoded {
			if d.Value.CommunicationID == "" || d.Value.WorkerTaxCode == "" || d.Value.StartDate.IsZero() {
				t.Fatalf("accepted an incomplete communication: %+v", d.Value)
			}
			if !bytes.Contains(b, d.Raw.Body) {
				t.Fatal("raw body is not a slice of the input")
			}
		}
		for _, e := range errs {
			if len(e.Problems) == 0 {
				t.Fatal("record error without a reason")
			}
		}
	})
}
