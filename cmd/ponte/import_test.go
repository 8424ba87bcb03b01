package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/cli/importcmd"
	"github.com/ponte-hub/ponte/internal/cli/reportcmd"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// TestImportItalianSpreadsheets: the files an Italian office saves from Excel load: ';'
// and comma decimals, a byte-order mark and CRLF, or Windows-1252 with --encoding; a file
// separated otherwise is refused with the reason, and nothing of it is loaded.
func TestImportItalianSpreadsheets(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	require.NoError(t, store.MigrateAll(ctx, u))
	t.Setenv("DATABASE_URL", u)
	t.Setenv("PONTE_PSEUDONYM_KEY", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	out := esfCommandOutput(t)
	dir := t.TempDir()
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

	ops := esfTestFile(t, dir, "ops.csv", "code;name;programme;priority;specific_objective;category_of_region;funding_source;start_date;end_date\n"+
		"J11B20000010001;Agenzia per il lavoro \xe0 Pisa;PN Inclusione;P1;OS ix;LESS_DEVELOPED;PON Inclusione;01/10/2020;31/12/2022\n")
	require.ErrorContains(t, importcmd.Run(ctx, []string{"operations", ops}), "1 problem(s), nothing loaded")
	require.NoError(t, importcmd.Run(ctx, []string{"operations", "--encoding", "windows-1252", ops}))
	require.Contains(t, out.String(), "ops.csv: 1 operations rows: 1 inserted")

	targets := esfTestFile(t, dir, "targets.csv", "\ufeff"+crlf("operation_code;indicator_type;indicator;planned\n"+
		"J11B20000010001;COM;EECO01;1.200\nJ11B20000010001;DPR;ALI_HOMES;12,0\n"))
	require.NoError(t, importcmd.Run(ctx, []string{"targets", targets}))
	require.Contains(t, out.String(), "targets.csv: 2 targets rows: 2 inserted")
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"in01", "--cutoff", "2022-12-31"}))
	require.Contains(t, out.String(), "J11B20000010001|COM|EECO01|1200|0\n")
	require.Contains(t, out.String(), "J11B20000010001|DPR|ALI_HOMES|12|\n")

	entities := esfTestFile(t, dir, "entities.csv", crlf("operation_code;tax_code;name;kind;supported_from\n"+
		"J11B20000010001;80000000002;Societ\xe0 della Salute;PUBLIC_ADMINISTRATION;01/10/2020\n"+
		"J11B20000010001;IT12345678903;Cooperativa sociale;SME;01/11/2020\n"))
	require.NoError(t, importcmd.Run(ctx, []string{"entities", "--encoding", "windows-1252", entities}))
	require.Contains(t, out.String(), "entities.csv: 2 entities rows: 2 inserted, 0 updated, 0 unchanged; 2 organisation(s) registered")
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"in01", "--cutoff", "2022-12-31"}))
	require.Contains(t, out.String(), "J11B20000010001|COM|EECO18||1\n")
	require.Contains(t, out.String(), "J11B20000010001|COM|EECO19||1\n")

	tabs := esfTestFile(t, dir, "tabs.csv", "operation_code\tindicator_type\tindicator\tplanned\nJ11B20000010001\tCOM\tEECO02\t5\n")
	stderr := captureStderr(t, func() {
		require.ErrorContains(t, importcmd.Run(ctx, []string{"targets", tabs}), "1 problem(s), nothing loaded")
	})
	require.Contains(t, stderr, "the file seems separated by tabs; use ',' or ';'")
	require.ErrorContains(t, importcmd.Run(ctx, []string{"targets", "--encoding", "ebcdic", tabs}), `unknown encoding "ebcdic"`)
}

// captureStderr returns what fn writes to the standard error.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		done <- b.String()
	}()
	defer func() { os.Stderr = saved }()
	fn()
	require.NoError(t, w.Close())
	os.Stderr = saved
	return <-done
}
