package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/cli/importcmd"
	"github.com/ponte-hub/ponte/internal/cli/reportcmd"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// esfCommandOutput sends what the commands print to a buffer for the test.
func esfCommandOutput(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	cli.Stdout = &buf
	t.Cleanup(func() { cli.Stdout = os.Stdout })
	return &buf
}

func esfTestFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestImportAndReportCommands(t *testing.T) {
	ctx := context.Background()
	// The test database comes from the suite's server (DATABASE_URL) before the commands
	// are shown a machine without one.
	u := pgtest.URL(t)
	t.Setenv("DATABASE_URL", "")
	require.ErrorContains(t, importcmd.Run(ctx, []string{"operations", "x.csv"}), "DATABASE_URL is not set")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "2022-12-31"}), "DATABASE_URL is not set")

	require.NoError(t, store.MigrateAll(ctx, u))
	t.Setenv("DATABASE_URL", u)
	t.Setenv("PONTE_PSEUDONYM_KEY", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	out := esfCommandOutput(t)
	dir := t.TempDir()

	ops := esfTestFile(t, dir, "ops.csv", "code,name,programme,priority,specific_objective,category_of_region,funding_source,start_date,end_date\n"+
		"J11B20000010001,ALI,PN Inclusione,P1,OS ix,LESS_DEVELOPED,PON Inclusione,2020-10-01,2022-12-31\n")
	parts := esfTestFile(t, dir, "parts.csv", "operation_code,tax_code,gender,birth_date,entry_date,exit_date,employment_status,"+
		"unemployment_months,isced,disability,third_country_national,foreign_background,minority,homeless,rural\n"+
		"J11B20000010001,RSSMRA68A01H501Y,,,2021-01-10,2021-06-30,UNEMPLOYED,14,3,E,N,N,N,N,N\n"+
		"J11B20000010001,MRTMRA83T56A269B,F,1983-12-16,2021-02-10,,INACTIVE,,,N,Y,Y,,N,N\n")
	sits := esfTestFile(t, dir, "sits.csv", "operation_code,tax_code,date,situation\nJ11B20000010001,RSSMRA68A01H501Y,2021-07-15,EMPLOYED\n")
	require.NoError(t, importcmd.Run(ctx, []string{"operations", ops}))
	require.NoError(t, importcmd.Run(ctx, []string{"participants", parts}))
	require.NoError(t, importcmd.Run(ctx, []string{"situations", sits}))
	require.NoError(t, importcmd.Run(ctx, []string{"participants", parts}))
	require.Contains(t, out.String(), "parts.csv: 2 participants rows: 2 inserted, 0 updated, 0 unchanged")
	require.Contains(t, out.String(), "parts.csv: 2 participants rows: 0 inserted, 0 updated, 2 unchanged")

	bad := esfTestFile(t, dir, "bad.csv", "operation_code,tax_code,date,situation\nNOPE,RSSMRA68A01H501Y,2021-07-15,HIRED\n")
	require.ErrorContains(t, importcmd.Run(ctx, []string{"situations", bad}), "1 problem(s), nothing loaded")
	require.ErrorContains(t, importcmd.Run(ctx, []string{"people", bad}), `unknown subcommand "people"`)

	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "2022-12-31", "--specific-objective", "k"}))
	lines := strings.Split(out.String(), "\n")
	require.Equal(t, "programme,priority,specific_objective,category_of_region,indicator,women,men,non_binary,total,of_which_estimated", lines[0])
	require.Contains(t, lines, "PN Inclusione,P1,ESO4.11,LESS_DEVELOPED,EECO01,0,1,0,1,0")
	require.Contains(t, lines, "PN Inclusione,P1,ESO4.11,LESS_DEVELOPED,EECR04,0,1,0,1,0")
	require.Contains(t, lines, "PN Inclusione,P1,ESO4.11,LESS_DEVELOPED,INCOMPLETE,1,0,0,1,0")

	require.ErrorContains(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "2022-12-31", "--format", "xlsx"}), "give -o FILE")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "31/12/2022"}), "--cutoff")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "2022-12-31", "--specific-objective", "OS iii"}), "split")
	xlsx := filepath.Join(dir, "report.xlsx")
	require.NoError(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "2022-12-31", "--format", "xlsx", "-o", xlsx}))
	info, err := os.Stat(xlsx)
	require.NoError(t, err)
	require.Positive(t, info.Size())

	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"drill", "--cutoff", "2022-12-31", "--indicator", "INCOMPLETE"}))
	require.Regexp(t, regexp.MustCompile(`\nps_[a-z2-7]{26},J11B20000010001,2021-02-10,,1,F,false,37,false,INACTIVE,,,false,,false,isced\n`), out.String())

	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"in01", "--cutoff", "2022-12-31"}))
	require.True(t, strings.HasPrefix(out.String(), "J11B20000010001|COM|EECO01||1\n"), out.String())

	// Frozen reports are signed: no key, no freeze.
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"freeze", "--cutoff", "2022-12-31", "--by", "auditor"}),
		"PONTE_ESF_SIGNING_KEY is not set")
	out.Reset()
	keyFile := filepath.Join(dir, "keys", "esf-signing.key")
	require.NoError(t, reportcmd.Run(ctx, []string{"keygen", keyFile}))
	keyID := regexp.MustCompile(`key id\s+([0-9a-f]{16})`).FindStringSubmatch(out.String())[1]
	require.Contains(t, out.String(), "BEGIN PUBLIC KEY")
	require.ErrorIs(t, reportcmd.Run(ctx, []string{"keygen", keyFile}), os.ErrExist)
	t.Setenv("PONTE_ESF_SIGNING_KEY", keyFile)

	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"freeze", "--cutoff", "2022-12-31", "--by", "auditor"}))
	id := regexp.MustCompile(`frozen report ([0-9a-f-]{36})`).FindStringSubmatch(out.String())[1]
	require.Contains(t, out.String(), "key id     "+keyID)
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"verify", id}))
	require.Contains(t, out.String(), "unchanged")
	require.Contains(t, out.String(), "signature valid: key "+keyID)
	// A correction after freezing shows in the verification, which then fails.
	require.NoError(t, importcmd.Run(ctx, []string{"participants", esfTestFile(t, dir, "fix.csv", strings.Replace(
		esfReadFile(t, parts), "2021-06-30", "2021-08-31", 1))}))
	out.Reset()
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"verify", id}), "1 record(s) and 4 value(s) changed")
	require.Regexp(t, regexp.MustCompile(`J11B20000010001\s+ps_[a-z2-7]{26}\s+CHANGED`), out.String())
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"esf", "--frozen", id}))
	require.Contains(t, out.String(), "PN Inclusione,P1,ESO4.11,LESS_DEVELOPED,EECR04,0,1,0,1,0", "the frozen values, not today's")
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"frozen"}))
	require.Contains(t, out.String(), id)
	require.Contains(t, out.String(), keyID)

	// A note rewritten by the tables' owner: verify names the field and fails.
	_, err = pgExec(t, u, `ALTER TABLE esf_frozen_reports DISABLE TRIGGER esf_frozen_reports_immutable;
		UPDATE esf_frozen_reports SET note = 'rewritten';
		ALTER TABLE esf_frozen_reports ENABLE TRIGGER esf_frozen_reports_immutable`)
	require.NoError(t, err)
	out.Reset()
	err = reportcmd.Run(ctx, []string{"verify", id})
	require.ErrorContains(t, err, "not intact: signature valid false, changed field(s) note")
	require.Contains(t, out.String(), "WARNING: signature invalid (key \""+keyID+"\")")
	require.Contains(t, out.String(), "changed fields: note\n")
	// Checked with another key, the report is not the hub's.
	t.Setenv("PONTE_ESF_SIGNING_KEY", esfTestFile(t, dir, "other.pem",
		"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"))
	out.Reset()
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"verify", id}), "changed field(s) note, signature")
	require.Contains(t, out.String(), "not with the configured key")
	t.Setenv("PONTE_ESF_SIGNING_KEY", "")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"verify", id}), "PONTE_ESF_SIGNING_KEY is not set")

	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"profile", "--operation", "J11B20000010001"}))
	require.Equal(t, "round,table,category,count,percent\n", out.String(), "the operation has no rounds")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"profile"}), "--operation is required")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"chart"}), `unknown subcommand "chart"`)
}

// pgExec runs statements on the database at url, as its owner.
func pgExec(t *testing.T, url, sql string) (pgconn.CommandTag, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	return conn.Exec(ctx, sql)
}

func esfReadFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

func TestExportCommands(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	require.NoError(t, store.MigrateAll(ctx, u))
	t.Setenv("DATABASE_URL", u)
	t.Setenv("PONTE_PSEUDONYM_KEY", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	out := esfCommandOutput(t)
	dir := t.TempDir()
	require.NoError(t, importcmd.Run(ctx, []string{"operations", esfTestFile(t, dir, "ops.csv",
		"code,name,programme,priority,specific_objective,category_of_region,funding_source,start_date,end_date\n"+
			"J11B20000010001,ALI,PN Inclusione,P1,OS ix,LESS_DEVELOPED,PON Inclusione,2020-10-01,2022-12-31\n")}))
	require.NoError(t, importcmd.Run(ctx, []string{"participants", esfTestFile(t, dir, "parts.csv",
		"operation_code,tax_code,gender,birth_date,entry_date,exit_date,employment_status,"+
			"unemployment_months,isced,disability,third_country_national,foreign_background,minority,homeless,rural\n"+
			"J11B20000010001,RSSMRA68A01H501Y,,,2021-01-10,2021-06-30,UNEMPLOYED,14,3,E,N,N,N,N,N\n"+
			"J11B20000010001,MRTMRA83T56A269B,F,1983-12-16,2021-02-10,,INACTIVE,,,N,Y,Y,,N,N\n")}))
	require.NoError(t, importcmd.Run(ctx, []string{"situations", esfTestFile(t, dir, "sits.csv",
		"operation_code,tax_code,date,situation\nJ11B20000010001,RSSMRA68A01H501Y,2021-07-15,EMPLOYED\n")}))
	require.NoError(t, importcmd.Run(ctx, []string{"targets", esfTestFile(t, dir, "targets.csv",
		"operation_code,indicator_type,indicator,planned\nJ11B20000010001,COM,EECO01,120\nJ11B20000010001,COM,EECR04,30\n"+
			"J11B20000010001,DPR,ALI_HOMES,12\n")}))

	// The workbook of the Commission's tables.
	xlsx := filepath.Join(dir, "esf.xlsx")
	require.NoError(t, reportcmd.Run(ctx, []string{"esf", "--cutoff", "2022-12-31", "--format", "xlsx", "-o", xlsx}))
	f, err := excelize.OpenFile(xlsx)
	require.NoError(t, err)
	require.Equal(t, []string{"Outputs (T6)", "Results (T10)", "Incomplete participants", "Incomplete records"}, f.GetSheetList())
	rows, err := f.GetRows("Results (T10)")
	require.NoError(t, err)
	require.Contains(t, rows[1][0], "Cut-off 2022-12-31")
	require.Equal(t, "Programme PN Inclusione   ·   Priority P1   ·   Specific objective ESO4.11 (Art. 4(1)(k))   ·   "+
		"Category of region: less developed   ·   Operation J11B20000010001", rows[3][0])
	require.Equal(t, []string{"EECR04", "participants in employment, including self-employment, upon leaving", "0", "1", "0", "1"}, rows[7])
	require.NoError(t, f.Close())

	// The profile's workbook; the operation has no rounds.
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"profile", "--operation", "J11B20000010001", "--format", "xlsx"}), "give -o FILE")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"profile", "--operation", "J11B20000010001", "--format", "pdf"}), "not csv or xlsx")
	profile := filepath.Join(dir, "profile.xlsx")
	require.NoError(t, reportcmd.Run(ctx, []string{"profile", "--operation", "J11B20000010001", "--format", "xlsx", "-o", profile}))
	f, err = excelize.OpenFile(profile)
	require.NoError(t, err)
	rows, err = f.GetRows("Profile")
	require.NoError(t, err)
	require.Equal(t, "The operation has no rounds.", rows[3][0])
	require.NoError(t, f.Close())

	// The protocol's structures, with the targets and the cancellation of what is gone.
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN01", "--cutoff", "2022-12-31"}))
	require.Equal(t, "J11B20000010001|COM|EECO01|120,00|1,00|\r\n", strings.SplitAfter(out.String(), "\r\n")[0])
	require.Contains(t, out.String(), "J11B20000010001|DPR|ALI_HOMES|12,00||\r\n")
	previous := esfTestFile(t, dir, "previous.txt", out.String()+"J11B20000010001|DPR|ALI_OLD|5,00||\r\n")
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"puc", "--structure", "in01", "--cutoff", "2022-12-31", "--previous", previous}))
	require.True(t, strings.HasSuffix(out.String(), "J11B20000010001|DPR|ALI_OLD|5,00||S\r\n"), out.String())
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN00", "--cutoff", "2022-12-31"}))
	require.Equal(t, "J11B20000010001|COM|EECR04|\r\nJ11B20000010001|COM|EECR05|\r\n", out.String(),
		"the result with a target, and the one with a value")
	out.Reset()
	require.NoError(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN00", "--cutoff", "2022-12-31", "--format", "csv"}))
	require.Equal(t, "structure,operation_code,indicator_type,indicator,planned,achieved,cancelled\n"+
		"IN00,J11B20000010001,COM,EECR04,30,1,false\nIN00,J11B20000010001,COM,EECR05,,1,false\n", out.String())

	require.ErrorContains(t, reportcmd.Run(ctx, []string{"puc", "--cutoff", "2022-12-31"}), "--structure")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN02", "--cutoff", "2022-12-31"}), `"IN02" is not IN00 or IN01`)
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN01", "--cutoff", "2022-12-31", "--format", "xml"}), "not puc or csv")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN00", "--cutoff", "2022-12-31", "--previous", previous}),
		"6 fields, want 4")
	require.ErrorContains(t, reportcmd.Run(ctx, []string{"puc", "--structure", "IN00"}), "--cutoff is required")
}
