package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/graph/server"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/cli/reportcmd"
	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/demo/roster"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// esfAPIHub is the hub as ponte serve runs it — staff JWTs, the access policy, the
// pseudonym key — over the demo data (the ALI operation and synthetic ESF+ operations
// under several specific objectives), with DATABASE_URL pointing the report commands at
// the same database.
type esfAPIHub struct {
	st     *store.Store
	url    string
	tokens map[access.Purpose]string
	issuer *auth.DevIssuer
}

func setupESFAPIHub(t *testing.T) *esfAPIHub {
	t.Helper()
	ctx := context.Background()
	u := pgtest.URL(t)
	st, err := store.Open(ctx, u, store.Config{})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	_, err = demo.Load(ctx, st, demo.Options{Scale: 400}, nil)
	require.NoError(t, err)

	key := hex.EncodeToString(bytes.Repeat([]byte{5}, 32))
	t.Setenv("DATABASE_URL", u)
	t.Setenv("PONTE_PSEUDONYM_KEY", key)
	issuer, err := auth.LoadOrCreateDevIssuer(filepath.Join(t.TempDir(), "issuer.pem"))
	require.NoError(t, err)
	jwtCfg := issuer.VerifierConfig()
	c, err := accessConfigFromEnv(func(k string) string { return map[string]string{"PONTE_PSEUDONYM_KEY": key}[k] })
	require.NoError(t, err)
	c.JWT = &jwtCfg
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The API logs in as the hub's own role, as ponte serve does; the commands as the owner.
	hub, err := store.Open(ctx, pgtest.HubURL(t, u), store.Config{})
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	require.NoError(t, hub.CheckHubRole(ctx))
	acc, err := newHubAccess(hub, c, log)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "esf-signing.key")
	signer, err := esf.GenerateSigningKey(keyFile)
	require.NoError(t, err)
	t.Setenv(esf.SigningKeyEnv, keyFile)
	srv := httptest.NewServer(server.Mux(hubConfig(hub, config{ESFSigner: signer}, log, nil, acc)))
	t.Cleanup(srv.Close)

	h := &esfAPIHub{st: st, url: srv.URL, tokens: map[access.Purpose]string{}, issuer: issuer}
	// The monitoring officer and the auditor, each with a token for their own purpose only.
	for subject, purpose := range map[string]access.Purpose{"esf.monitor.test": access.PurposeESFMonitoring, "esf.auditor.test": access.PurposeESFAudit} {
		tok, err := issuer.IssueDev(subject, access.RoleESFAuditor, roster.OrgMinistryMA, []access.Purpose{purpose}, time.Hour)
		require.NoError(t, err)
		h.tokens[purpose] = tok
	}
	return h
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// query posts a GraphQL request with the purpose's token and decodes data into out.
func (h *esfAPIHub) query(t *testing.T, purpose access.Purpose, q string, vars map[string]any, out any) []gqlError {
	t.Helper()
	return h.queryWith(t, h.tokens[purpose], purpose, q, vars, out)
}

// queryWith is query with another token.
func (h *esfAPIHub) queryWith(t *testing.T, token string, purpose access.Purpose, q string, vars map[string]any, out any) []gqlError {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, h.url+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(auth.PurposeHeader, string(purpose))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(raw, &env), string(raw))
	if out != nil && len(env.Data) > 0 && string(env.Data) != "null" {
		require.NoError(t, json.Unmarshal(env.Data, out), string(env.Data))
	}
	return env.Errors
}

// apiValue is one cell group of esfReport as the API returns it.
type apiGroup struct {
	Programme         string `json:"programme"`
	Priority          string `json:"priority"`
	SpecificObjective string `json:"specificObjective"`
	CategoryOfRegion  string `json:"categoryOfRegion"`
	Values            []struct {
		Indicator        string `json:"indicator"`
		Women            int    `json:"women"`
		Men              int    `json:"men"`
		NonBinary        int    `json:"nonBinary"`
		Total            int    `json:"total"`
		OfWhichEstimated int    `json:"ofWhichEstimated"`
	} `json:"values"`
	Incomplete struct {
		Women     int `json:"women"`
		Men       int `json:"men"`
		NonBinary int `json:"nonBinary"`
		Total     int `json:"total"`
	} `json:"incomplete"`
}

const esfReportQuery = `query($cutoff: Date!, $programme: String, $so: String, $op: String) {
  esfReport(cutoff: $cutoff, programme: $programme, specificObjective: $so, operationCode: $op) {
    groups { programme priority specificObjective categoryOfRegion
      values { indicator women men nonBinary total ofWhichEstimated }
      incomplete { women men nonBinary total } } } }`

// csvRows turns the API's report into the lines of ponte report esf's CSV.
func csvRows(groups []apiGroup) []string {
	var out []string
	for _, g := range groups {
		lead := strings.Join([]string{g.Programme, g.Priority, g.SpecificObjective, g.CategoryOfRegion}, ",")
		for _, v := range g.Values {
			if v.Indicator == "EECO18" || v.Indicator == "EECO19" {
				out = append(out, fmt.Sprintf("%s,%s,,,,%d,%d", lead, v.Indicator, v.Total, v.OfWhichEstimated))
				continue
			}
			out = append(out, fmt.Sprintf("%s,%s,%d,%d,%d,%d,%d", lead, v.Indicator, v.Women, v.Men, v.NonBinary, v.Total, v.OfWhichEstimated))
		}
		inc := g.Incomplete
		out = append(out, fmt.Sprintf("%s,INCOMPLETE,%d,%d,%d,%d,0", lead, inc.Women, inc.Men, inc.NonBinary, inc.Total))
	}
	return out
}

// cliReport runs ponte report with args and returns its CSV lines without the header.
func cliReport(t *testing.T, args ...string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.csv")
	require.NoError(t, reportcmd.Run(context.Background(), append(args, "-o", out)))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return lines[1:]
}

// TestESFOverTheAPIMatchesTheCommandLine: the monitoring officer and the auditor, each
// with their own token and access control on, get over GraphQL exactly the values ponte
// report esf and ponte report profile compute on the same data, for every filter and
// cut-off; every value drills down to as many pseudonymised participants as it counts,
// under the purpose that shows it.
func TestESFOverTheAPIMatchesTheCommandLine(t *testing.T) {
	h := setupESFAPIHub(t)
	type filter struct{ cutoff, programme, so, op string }
	filters := []filter{
		{cutoff: "2021-06-30"},
		{cutoff: "2022-12-31"},
		{cutoff: "2060-12-31"},
		{cutoff: "2060-12-31", programme: demo.ScaleProgramme},
		{cutoff: "2022-12-31", so: "OS ix"},
		{cutoff: "2022-12-31", so: "k"},
		{cutoff: "2060-12-31", so: "ESO4.11"},
		{cutoff: "2060-12-31", so: "OS i"},
		{cutoff: "2022-12-31", op: demo.ALIOperationCode},
	}
	for _, purpose := range []access.Purpose{access.PurposeESFMonitoring, access.PurposeESFAudit} {
		for _, f := range filters {
			args := []string{"esf", "--cutoff", f.cutoff}
			vars := map[string]any{"cutoff": f.cutoff}
			if f.programme != "" {
				args, vars["programme"] = append(args, "--programme", f.programme), f.programme
			}
			if f.so != "" {
				args, vars["so"] = append(args, "--specific-objective", f.so), f.so
			}
			if f.op != "" {
				args, vars["op"] = append(args, "--operation", f.op), f.op
			}
			want := cliReport(t, args...)
			var got struct {
				EsfReport struct{ Groups []apiGroup } `json:"esfReport"`
			}
			errs := h.query(t, purpose, esfReportQuery, vars, &got)
			require.Empty(t, errs, "%s %+v", purpose, f)
			require.NotEmpty(t, got.EsfReport.Groups, "%+v covers operations", f)
			require.Equal(t, want, csvRows(got.EsfReport.Groups), "%s %+v: the API's values are the command line's", purpose, f)
			nonZero := 0
			for _, g := range got.EsfReport.Groups {
				for _, v := range g.Values {
					if v.Total > 0 {
						nonZero++
					}
				}
			}
			require.Positive(t, nonZero, "%+v: the demo gives values, not zeros", f)
		}
	}

	// The demo's ALI figure the command line prints.
	var ali struct {
		EsfReport struct{ Groups []apiGroup } `json:"esfReport"`
	}
	require.Empty(t, h.query(t, access.PurposeESFAudit, esfReportQuery, map[string]any{"cutoff": "2022-12-31", "op": demo.ALIOperationCode}, &ali))
	require.Len(t, ali.EsfReport.Groups, 1)
	eeco01 := ali.EsfReport.Groups[0].Values[0]
	require.Equal(t, "EECO01", eeco01.Indicator)
	require.Equal(t, 187, eeco01.Total)
	require.Equal(t, 110, eeco01.Women)
	require.Equal(t, 77, eeco01.Men)

	t.Run("profile", func(t *testing.T) {
		want := cliReport(t, "profile", "--operation", demo.ALIOperationCode, "--format", "csv")
		for _, purpose := range []access.Purpose{access.PurposeESFMonitoring, access.PurposeESFAudit} {
			var got struct {
				EsfProfile struct {
					Rounds []struct {
						Round        int `json:"round"`
						Participants int `json:"participants"`
						Tables       []struct {
							Name    string `json:"name"`
							Missing int    `json:"missing"`
							Rows    []struct {
								Category string   `json:"category"`
								Count    int      `json:"count"`
								Offered  bool     `json:"offered"`
								Percent  *float64 `json:"percent"`
							} `json:"rows"`
						} `json:"tables"`
					} `json:"rounds"`
				} `json:"esfProfile"`
			}
			errs := h.query(t, purpose, `query($op: String!) { esfProfile(operationCode: $op) { rounds { round participants
				tables { name missing rows { category count offered percent } } } } }`, map[string]any{"op": demo.ALIOperationCode}, &got)
			require.Empty(t, errs)
			var lines []string
			for _, r := range got.EsfProfile.Rounds {
				lines = append(lines, fmt.Sprintf("%d,participants,,%d,", r.Round, r.Participants))
				for _, tb := range r.Tables {
					for _, row := range tb.Rows {
						pct := ""
						if row.Percent != nil {
							pct = strconv.FormatFloat(*row.Percent, 'f', 1, 64)
						}
						count := strconv.Itoa(row.Count)
						if !row.Offered {
							count = "not offered"
						}
						lines = append(lines, fmt.Sprintf("%d,%s,%s,%s,%s", r.Round, tb.Name, csvField(row.Category), count, pct))
					}
					lines = append(lines, fmt.Sprintf("%d,%s,MISSING,%d,", r.Round, tb.Name, tb.Missing))
				}
			}
			require.Equal(t, want, lines, "%s: esfProfile is ponte report profile", purpose)
			require.Equal(t, 144, got.EsfProfile.Rounds[0].Participants)
		}
	})

	t.Run("drill-down", func(t *testing.T) {
		for _, purpose := range []access.Purpose{access.PurposeESFMonitoring, access.PurposeESFAudit} {
			for _, f := range []filter{{cutoff: "2022-12-31"}, {cutoff: "2060-12-31", so: "OS i"}} {
				var rep struct {
					EsfReport struct{ Groups []apiGroup } `json:"esfReport"`
				}
				require.Empty(t, h.query(t, purpose, esfReportQuery, map[string]any{"cutoff": f.cutoff, "so": nilIfEmpty(f.so)}, &rep))
				drilled := 0
				for _, g := range rep.EsfReport.Groups {
					group := map[string]any{"programme": g.Programme, "priority": g.Priority, "specificObjective": g.SpecificObjective,
						"categoryOfRegion": g.CategoryOfRegion}
					type cell struct {
						indicator, gender string
						estimated         bool
						want              int
					}
					var cells []cell
					for _, v := range g.Values {
						if v.Indicator == "EECO18" || v.Indicator == "EECO19" {
							continue
						}
						cells = append(cells, cell{v.Indicator, "", false, v.Total}, cell{v.Indicator, "WOMEN", false, v.Women},
							cell{v.Indicator, "MEN", false, v.Men}, cell{v.Indicator, "NON_BINARY", false, v.NonBinary})
						if v.OfWhichEstimated > 0 {
							cells = append(cells, cell{v.Indicator, "", true, v.OfWhichEstimated})
						}
					}
					inc := g.Incomplete
					cells = append(cells, cell{"INCOMPLETE", "", false, inc.Total}, cell{"INCOMPLETE", "WOMEN", false, inc.Women},
						cell{"INCOMPLETE", "MEN", false, inc.Men})
					for _, c := range cells {
						vars := map[string]any{"cutoff": f.cutoff, "so": nilIfEmpty(f.so), "group": group, "indicator": c.indicator,
							"estimated": c.estimated}
						if c.gender != "" {
							vars["gender"] = c.gender
						}
						var got struct {
							EsfDrillDown []struct {
								Pseudonym *string `json:"pseudonym"`
							} `json:"esfDrillDown"`
						}
						errs := h.query(t, purpose, `query($cutoff: Date!, $so: String, $group: EsfGroupInput, $indicator: String!,
							$gender: EsfGenderColumn, $estimated: Boolean) { esfDrillDown(cutoff: $cutoff, specificObjective: $so,
							group: $group, indicator: $indicator, gender: $gender, estimatedOnly: $estimated, first: 1000) { pseudonym } }`, vars, &got)
						require.Empty(t, errs, "%s %s %+v", purpose, c.indicator, c)
						require.Len(t, got.EsfDrillDown, c.want, "%s %s %s %s: the drill-down lists the value's participants",
							purpose, g.SpecificObjective, c.indicator, c.gender)
						for _, p := range got.EsfDrillDown {
							require.NotNil(t, p.Pseudonym)
							require.Regexp(t, `^ps_[a-z2-7]{26}$`, *p.Pseudonym, "a keyed pseudonym, never an identity")
						}
						drilled += c.want
					}
				}
				require.Positive(t, drilled)
			}
		}
	})

	t.Run("what each purpose reads about a drilled participant", func(t *testing.T) {
		const q = `{ esfDrillDown(cutoff: "2022-12-31", indicator: "EECO01", first: 3) { pseudonym entryDate gender age employmentStatus } }`
		var got struct {
			EsfDrillDown []map[string]any `json:"esfDrillDown"`
		}
		errs := h.query(t, access.PurposeESFAudit, q, nil, &got)
		require.Empty(t, errs)
		require.Len(t, got.EsfDrillDown, 3)
		require.NotNil(t, got.EsfDrillDown[0]["gender"], "the auditor checks the characteristics behind a value")

		got.EsfDrillDown = nil
		errs = h.query(t, access.PurposeESFMonitoring, q, nil, &got)
		require.Len(t, got.EsfDrillDown, 3)
		require.NotNil(t, got.EsfDrillDown[0]["entryDate"])
		require.Nil(t, got.EsfDrillDown[0]["gender"], "monitoring reads the participation record, not the characteristics")
		require.NotEmpty(t, errs)
		for _, e := range errs {
			require.Equal(t, "FORBIDDEN", e.Extensions["code"], e.Message)
			require.Contains(t, []any{"gender", "age", "employmentStatus"}, e.Path[len(e.Path)-1])
		}
	})
}

// The participants a drill-down shows are named in the request's access-log entry, by
// their hub ids, with what was read about them; a refused report writes no entry and
// reads nothing.
func TestESFDrillDownIsLogged(t *testing.T) {
	h := setupESFAPIHub(t)
	ctx := context.Background()
	before, err := accessdata.LogPage(ctx, h.st, 0, 1000)
	require.NoError(t, err)
	var drilled struct {
		EsfDrillDown []struct{ Pseudonym string } `json:"esfDrillDown"`
	}
	errs := h.query(t, access.PurposeESFMonitoring, `query Drill { esfDrillDown(cutoff: "2022-12-31", operationCode: "`+demo.ALIOperationCode+`",
		indicator: "EECO07") { pseudonym entryDate } }`, nil, &drilled)
	require.Empty(t, errs)
	recs, err := accessdata.LogPage(ctx, h.st, 0, 1000)
	require.NoError(t, err)
	require.Len(t, recs, len(before)+1)
	e := recs[len(recs)-1]
	require.Equal(t, "esf.monitor.test", e.Subject)
	require.Equal(t, "esf_monitoring", e.Purpose)
	require.Equal(t, "query Drill: esfDrillDown", e.Operation)

	pseudo, err := cli.PseudonymiserFromEnv()
	require.NoError(t, err)
	var want, logged []string
	for _, p := range drilled.EsfDrillDown {
		want = append(want, p.Pseudonym)
	}
	for _, id := range e.PersonIDs {
		logged = append(logged, pseudo.Person(id))
	}
	slices.Sort(want)
	slices.Sort(logged)
	require.Len(t, want, 36, "the young participants of ALI")
	require.Equal(t, want, logged, "every drilled participant is in the log, by the hub's id")
	require.Equal(t, []string{"participation", "pseudonym"}, e.Categories)

	// Refused: a dashboard may not report ESF+ values at all, a social worker's
	// statistics scope cannot, and the auditor does not freeze the report it audits.
	for _, c := range []struct {
		who     access.Role
		purpose access.Purpose
		query   string
		reason  string
	}{
		{access.RoleDashboard, access.PurposeStatistics, `{ esfReport(cutoff: "2022-12-31") { cutoff } }`, "may not report_esf"},
		{access.RoleSocialWorker, access.PurposeStatistics, `{ esfProfile(operationCode: "` + demo.ALIOperationCode + `") { operationCode } }`, "may not report_esf"},
		{access.RoleCaseManager, access.PurposeCaseManagement, `{ esfDrillDown(cutoff: "2022-12-31", indicator: "EECO01") { pseudonym } }`, "may not drill_esf"},
		{access.RoleESFAuditor, access.PurposeESFAudit, `mutation { freezeEsfReport(input: {cutoff: "2022-12-31"}) { frozen { id } } }`, "may not freeze_esf_report"},
	} {
		tok, err := h.issuer.IssueDev("other."+string(c.who), c.who, roster.OrgSdSPisa, []access.Purpose{c.purpose}, time.Hour)
		require.NoError(t, err)
		errs := h.queryWith(t, tok, c.purpose, c.query, nil, nil)
		require.NotEmpty(t, errs, "%s %s", c.who, c.purpose)
		require.Equal(t, "FORBIDDEN", errs[0].Extensions["code"], "%s: refused, never zeros: %+v", c.who, errs)
		require.Contains(t, errs[0].Message, c.reason)
	}
	after, err := accessdata.LogPage(ctx, h.st, 0, 1000)
	require.NoError(t, err)
	require.Len(t, after, len(recs), "refusals read nothing")
}

// The monitoring officer freezes a report over the API; a participant's record then
// changes, and someone who can write the tables edits the stored values: the auditor's
// verification, over the API and on the command line, names the changed record, the
// changed value and the altered field.
func TestESFFreezeAlterVerifyOverTheAPI(t *testing.T) {
	h := setupESFAPIHub(t)
	ctx := context.Background()
	var frozen struct {
		FreezeEsfReport struct {
			Frozen struct {
				ID          string `json:"id"`
				RecordCount int    `json:"recordCount"`
				FrozenBy    string `json:"frozenBy"`
				SignedBy    string `json:"signedBy"`
			} `json:"frozen"`
		} `json:"freezeEsfReport"`
	}
	errs := h.query(t, access.PurposeESFMonitoring, `mutation { freezeEsfReport(input: {cutoff: "2022-12-31", operationCode: "`+
		demo.ALIOperationCode+`"}) { frozen { id recordCount frozenBy signedBy } } }`, nil, &frozen)
	require.Empty(t, errs)
	f := frozen.FreezeEsfReport.Frozen
	require.Equal(t, 207, f.RecordCount, "every participation record of ALI, not the zero of a partial scope")
	require.Equal(t, "esf.monitor.test", f.FrozenBy)
	require.NotEmpty(t, f.SignedBy)

	type verification struct {
		VerifyFrozenEsfReport struct {
			Intact         bool     `json:"intact"`
			Unchanged      bool     `json:"unchanged"`
			SignatureValid bool     `json:"signatureValid"`
			ChangedFields  []string `json:"changedFields"`
			ChangedRecords []struct {
				Pseudonym string `json:"pseudonym"`
				Change    string `json:"change"`
			} `json:"changedRecords"`
			ChangedValues []struct {
				Indicator string `json:"indicator"`
				Column    string `json:"column"`
				Frozen    int    `json:"frozen"`
				Current   int    `json:"current"`
			} `json:"changedValues"`
		} `json:"verifyFrozenEsfReport"`
	}
	const verify = `query($id: ID!) { verifyFrozenEsfReport(id: $id) { intact unchanged signatureValid changedFields
		changedRecords { pseudonym change } changedValues { indicator column frozen current } } }`
	var v verification
	require.Empty(t, h.query(t, access.PurposeESFAudit, verify, map[string]any{"id": f.ID}, &v))
	require.True(t, v.VerifyFrozenEsfReport.Intact)
	require.True(t, v.VerifyFrozenEsfReport.Unchanged)

	// A participant's employment status at entry is corrected after the freeze.
	var person string
	require.NoError(t, h.st.Pool().QueryRow(ctx, `UPDATE participations SET employment_status = 'EMPLOYED'
		WHERE id = (SELECT pa.id FROM participations pa JOIN operations o ON o.id = pa.operation_id
		            WHERE o.code = $1 AND pa.employment_status = 'UNEMPLOYED' ORDER BY pa.id LIMIT 1)
		RETURNING person_id::text`, demo.ALIOperationCode).Scan(&person))
	v = verification{}
	require.Empty(t, h.query(t, access.PurposeESFAudit, verify, map[string]any{"id": f.ID}, &v))
	got := v.VerifyFrozenEsfReport
	require.True(t, got.Intact, "the frozen report itself is untouched")
	require.False(t, got.Unchanged)
	pseudo, err := cli.PseudonymiserFromEnv()
	require.NoError(t, err)
	require.Len(t, got.ChangedRecords, 1)
	require.Equal(t, pseudo.Person(person), got.ChangedRecords[0].Pseudonym)
	require.Equal(t, "CHANGED", got.ChangedRecords[0].Change)
	moved := map[string]int{}
	for _, c := range got.ChangedValues {
		if c.Column == "total" {
			moved[c.Indicator] = c.Current - c.Frozen
		}
	}
	require.Equal(t, -1, moved["EECO02"], "one unemployed fewer")
	require.Equal(t, 1, moved["EECO05"], "one employed more")

	// Someone with write access to the tables edits a stored value: the signature no
	// longer covers the report, and the field is named.
	_, err = h.st.Pool().Exec(ctx, `ALTER TABLE esf_frozen_reports DISABLE TRIGGER USER`)
	require.NoError(t, err)
	_, err = h.st.Pool().Exec(ctx, `UPDATE esf_frozen_reports SET frozen_by = 'someone.else' WHERE id = $1`, f.ID)
	require.NoError(t, err)
	_, err = h.st.Pool().Exec(ctx, `ALTER TABLE esf_frozen_reports ENABLE TRIGGER USER`)
	require.NoError(t, err)
	v = verification{}
	require.Empty(t, h.query(t, access.PurposeESFAudit, verify, map[string]any{"id": f.ID}, &v))
	require.False(t, v.VerifyFrozenEsfReport.Intact)
	require.False(t, v.VerifyFrozenEsfReport.SignatureValid)
	require.Equal(t, []string{"frozen_by"}, v.VerifyFrozenEsfReport.ChangedFields)

	// The command line says the same and fails.
	out := esfCommandOutput(t)
	require.Error(t, reportcmd.Run(ctx, []string{"verify", f.ID}))
	require.Contains(t, out.String(), "frozen_by")
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// csvField quotes a value the way encoding/csv writes it.
func csvField(s string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{s})
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}
