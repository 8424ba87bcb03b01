package syncjob_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

const unilavHire = `<UniLav xmlns="http://servizi.lavoro.gov.it/unilav">
  <DatiInvio codiceComunicazione="1100024000123456" dataInvio="2024-03-01T09:12:00"/>
  <DatoreLavoro codiceFiscale="01234567897" denominazione="Cooperativa Arnera"><Settore>88.99.00</Settore></DatoreLavoro>
  <Lavoratore><AnagraficaCompleta codiceFiscale="RSSMRA68A01H501Y"/></Lavoratore>
  <InizioRapporto dataInizio="2024-03-04" dataFine="2024-09-03">
    <TipologiaContrattuale>A.02.00</TipologiaContrattuale>
  </InizioRapporto>
</UniLav>`

func unilavFile(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n<ComunicazioniObbligatorie>\n" + strings.Join(items, "\n") + "\n</ComunicazioniObbligatorie>"
}

func TestImportUNILAVUpsertsAndQuarantines(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := store.New(pool)
	ctx := context.Background()
	count := func(sql string) int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, sql).Scan(&n))
		return n
	}
	termination := strings.NewReplacer(
		`codiceComunicazione="1100024000123456"`, `codiceComunicazione="1100024000999999" codiceComunicazionePrecedente="1100024000123456"`,
		`</UniLav>`, `<Cessazione dataCessazione="2024-06-30" codiceCausa="AA"/></UniLav>`).Replace(unilavHire)
	badWorker := strings.NewReplacer(`codiceComunicazione="1100024000123456"`, `codiceComunicazione="1100024000555555"`,
		`RSSMRA68A01H501Y`, `RSSMRA68A01H501X`).Replace(unilavHire)
	file := unilavFile(unilavHire, termination, badWorker)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

	sum, err := syncjob.ImportUNILAV(ctx, st, "/in/comunicazioni-marzo.xml", strings.NewReader(file), now)
	require.NoError(t, err)
	require.Equal(t, syncjob.Summary{Fetched: 3, Stored: 2, Quarantined: 1, Pages: 1}, sum)
	require.Equal(t, 2, count(`SELECT count(*) FROM registry_employment_events
		WHERE source = 'labour' AND origin = 'import:comunicazioni-marzo.xml' AND content_type = 'application/xml'
		  AND encode(sha256(raw_payload), 'hex') = payload_sha256 AND convert_from(raw_payload, 'UTF8') LIKE '<UniLav%'`))
	var field, reason, ref string
	require.NoError(t, pool.QueryRow(ctx, `SELECT field, reason, source_ref FROM registry_quarantine`).Scan(&field, &reason, &ref))
	require.Equal(t, "Lavoratore/AnagraficaCompleta@codiceFiscale", field)
	require.Contains(t, reason, "invalid tax code")
	require.Equal(t, "1100024000555555", ref)

	// The same file again changes nothing; the spell it describes is there.
	sum, err = syncjob.ImportUNILAV(ctx, st, "comunicazioni-marzo.xml", strings.NewReader(file), now.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, syncjob.Summary{Fetched: 3, Unchanged: 2, Quarantined: 1, Pages: 1}, sum)
	require.Equal(t, 2, count(`SELECT count(*) FROM registry_employment_events`))
	require.Equal(t, 2, count(`SELECT times_seen FROM registry_quarantine`))
	require.Equal(t, 1, count(`SELECT count(*) FROM employment_spells WHERE tax_code = 'RSSMRA68A01H501Y' AND end_date = '2024-06-30'`))

	// A file broken halfway keeps what came before the break and names itself.
	second := strings.ReplaceAll(unilavHire, "1100024000123456", "1100024000222222")
	broken := unilavFile(second, "<UniLav xmlns=\"http://servizi.lavoro.gov.it/unilav\"><DatiInvio")
	sum, err = syncjob.ImportUNILAV(ctx, st, "aprile.xml", strings.NewReader(broken), now)
	require.Error(t, err)
	require.ErrorContains(t, err, "import aprile.xml")
	require.Equal(t, 1, sum.Stored)
	require.Equal(t, 1, sum.Failed)
	require.Equal(t, 3, count(`SELECT count(*) FROM registry_employment_events`))
	require.Equal(t, 1, count(`SELECT count(*) FROM registry_sync_runs WHERE kind = 'IMPORT' AND detail = 'aprile.xml' AND error IS NOT NULL`))

	_, err = syncjob.ImportUNILAV(ctx, st, "empty.xml", strings.NewReader("<Nothing/>"), now)
	require.ErrorIs(t, err, labour.ErrNoUNILAV)
	require.ErrorContains(t, err, "empty.xml")
}
