package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/cli/importcmd"
	"github.com/ponte-hub/ponte/internal/cli/synccmd"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

// registryEnv points the environment at in-process simulators the way an operator would
// configure real registries, with the PDND key in a file, and at a fresh database.
func registryEnv(t *testing.T) *simulate.Simulator {
	t.Helper()
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("needs DATABASE_URL (make test provides one)")
	}
	s, err := simulate.Start(context.Background(), simulate.Options{Seed: 3, Synthetic: 120,
		Faults: sim.Faults{Seed: 3, MalformedRate: 0.05}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	auth := s.Config.Sources["labour"].Auth.PDND
	keyFile, _, err := pdnd.WriteKeyPair(t.TempDir(), "client", auth.PrivateKey)
	require.NoError(t, err)
	t.Setenv("DATABASE_URL", pgtest.URL(t))
	t.Setenv("PONTE_PDND_TOKEN_URL", auth.TokenURL)
	t.Setenv("PONTE_PDND_CLIENT_ID", auth.ClientID)
	t.Setenv("PONTE_PDND_KEY_ID", auth.KeyID)
	t.Setenv("PONTE_PDND_SYSTEM_USER_ID", simulate.SystemUserID)
	t.Setenv("PONTE_PDND_SYSTEM_USER_LOA", simulate.SystemUserLoA)
	t.Setenv("PONTE_PDND_KEY_FILE", keyFile)
	for _, src := range syncjob.Sources {
		p := "PONTE_REGISTRY_" + strings.ToUpper(src) + "_"
		t.Setenv(p+"AUTH", "pdnd")
		t.Setenv(p+"PURPOSE_ID", "purpose-"+src)
		t.Setenv(p+"AUDIENCE", sim.DefaultAudience)
	}
	return s
}

func captureStdout(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	cli.Stdout = &buf
	t.Cleanup(func() { cli.Stdout = os.Stdout })
	return &buf
}

func TestSyncCommandPrintsTheSummaryAndResumes(t *testing.T) {
	s := registryEnv(t)
	out := captureStdout(t)
	ctx := context.Background()
	broken := 0
	for i := range s.Server.Total(sim.LabourStatus) {
		if s.Server.Fault(sim.LabourStatus, i).Breaks() {
			broken++
		}
	}
	require.Positive(t, broken)

	require.NoError(t, synccmd.Run(ctx, []string{"--source", "labour", "--collection", "labour-status", "--registry", s.URL,
		"--page-size", "50", "--max-pages", "1"}))
	require.Regexp(t, regexp.MustCompile(`labour/labour-status\s+50\s+\d+\s+0\s+\d+\s+0`), out.String())

	out.Reset()
	require.NoError(t, synccmd.Run(ctx, []string{"--source", "labour", "--collection", "labour-status", "--registry", s.URL, "--page-size", "50"}))
	// The second run resumes after the first page: the remaining 70 records, none seen before.
	require.Regexp(t, regexp.MustCompile(`labour/labour-status\s+70\s+\d+\s+0\s+\d+\s+0`), out.String())

	out.Reset()
	require.NoError(t, synccmd.Run(ctx, []string{"--source", "labour", "--registry", s.URL}))
	require.Regexp(t, regexp.MustCompile(`labour/labour-status\s+120\s+0\s+\d+\s+\d+\s+0`), out.String(), "a new pass finds nothing new")
	require.Contains(t, out.String(), "labour/employment-events")
	require.NotContains(t, out.String(), "benefits/")
	require.Regexp(t, regexp.MustCompile(`(?m)^\s+total\s+\d+`), out.String())

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--source", "taxes"}, `--source: unknown source "taxes" (benefits, labour, school, all)`},
		{[]string{"--source", "school", "--collection", "isee", "--registry", s.URL}, `--collection: "isee" is not a collection of school`},
		{[]string{"--max-pages", "-1", "--registry", s.URL}, "--max-pages"},
		{[]string{"extra"}, "unexpected arguments: extra"},
	} {
		err := synccmd.Run(ctx, tc.args)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}

func TestSyncCommandFailsWithTheRegistrysAnswer(t *testing.T) {
	s := registryEnv(t)
	out := captureStdout(t)
	t.Setenv("PONTE_PDND_KEY_ID", "not-the-registered-kid")
	err := synccmd.Run(context.Background(), []string{"--source", "school", "--registry", s.URL})
	require.Equal(t, cli.ExitError{Code: 1}, err)
	require.Regexp(t, regexp.MustCompile(`school/school-records\s+0\s+0\s+0\s+0\s+1`), out.String())
	require.Contains(t, out.String(), `failed: syncjob: sync school/school-records: school: list school records: pdnd: request voucher`)
	require.Contains(t, out.String(), `unknown kid "not-the-registered-kid"`)
}

func TestImportUNILAVCommand(t *testing.T) {
	registryEnv(t)
	out := captureStdout(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "marzo.xml")
	require.NoError(t, os.WriteFile(good, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<ComunicazioniObbligatorie>
<UniLav xmlns="http://servizi.lavoro.gov.it/unilav">
  <DatiInvio codiceComunicazione="1100024000123456"/>
  <DatoreLavoro codiceFiscale="01234567897" denominazione="Cooperativa Arnera"/>
  <Lavoratore><AnagraficaCompleta codiceFiscale="RSSMRA68A01H501Y"/></Lavoratore>
  <InizioRapporto dataInizio="2024-03-04"/>
</UniLav>
<UniLav xmlns="http://servizi.lavoro.gov.it/unilav">
  <DatiInvio codiceComunicazione="1100024000123457"/>
  <DatoreLavoro codiceFiscale="01234567890"/>
  <Lavoratore><AnagraficaCompleta codiceFiscale="RSSMRA68A01H501Y"/></Lavoratore>
  <InizioRapporto dataInizio="2024-03-04"/>
</UniLav>
</ComunicazioniObbligatorie>`), 0o600))
	require.NoError(t, importcmd.Run(context.Background(), []string{"unilav", good}))
	require.Regexp(t, regexp.MustCompile(`marzo.xml\s+2\s+1\s+0\s+1`), out.String())
	require.Contains(t, out.String(), "registry_quarantine")

	out.Reset()
	err := importcmd.Run(context.Background(), []string{"unilav", good, filepath.Join(dir, "missing.xml")})
	require.ErrorContains(t, err, "1 of 2 file(s) could not be fully imported")
	require.Regexp(t, regexp.MustCompile(`marzo.xml\s+2\s+0\s+1\s+1`), out.String(), "importing again changes nothing")
}
