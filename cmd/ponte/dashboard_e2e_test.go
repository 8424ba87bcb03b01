package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
)

// What the browser script (testdata/e2e/browse.mjs) reports of a page.
type (
	pageCell struct {
		Text       string `json:"text"`
		Spoken     string `json:"spoken"`
		Value      *int   `json:"value"`
		Suppressed bool   `json:"suppressed"`
	}
	pageRow struct {
		Key    string     `json:"key"`
		Header string     `json:"header"`
		Cells  []pageCell `json:"cells"`
	}
	pageTable struct {
		Caption string    `json:"caption"`
		Columns []string  `json:"columns"`
		Rows    []pageRow `json:"rows"`
	}
	pagePanel struct {
		Status  string `json:"status"`
		Heading string `json:"heading"`
		Text    string `json:"text"`
	}
	pageView struct {
		Lang                string               `json:"lang"`
		Hash                string               `json:"hash"`
		StoredToken         bool                 `json:"storedToken"`
		TokenInLocalStorage bool                 `json:"tokenInLocalStorage"`
		Panels              map[string]pagePanel `json:"panels"`
		Tables              map[string]pageTable `json:"tables"`
		Completeness        *struct {
			Complete   int `json:"complete"`
			Incomplete int `json:"incomplete"`
		} `json:"completeness"`
		RoundOptions  []string `json:"roundOptions"`
		EsfCutoff     string   `json:"esfCutoff"`
		SignInVisible bool     `json:"signInVisible"`
	}
	browserRun struct {
		Requests []struct {
			Page, URL, Method string
		} `json:"requests"`
		OffHost       []struct{ Page, URL string }       `json:"offHost"`
		ConsoleErrors []struct{ Page, Text, URL string } `json:"consoleErrors"`
		PageErrors    []struct{ Page, Text string }      `json:"pageErrors"`
		Dashboard     struct {
			pageView
			FirstTab            string   `json:"firstTab"`
			AfterSkip           string   `json:"afterSkip"`
			FocusAfterReload    string   `json:"focusAfterReload"`
			RequestsForLanguage int      `json:"requestsForLanguage"`
			SecondRound         pageView `json:"secondRound"`
			Italian             pageView `json:"italian"`
		} `json:"dashboard"`
		AfterSignOut pageView `json:"afterSignOut"`
		Monitor      pageView `json:"monitor"`
		IDE          struct {
			ExampleQuery string `json:"exampleQuery"`
			Headers      string `json:"headers"`
			Typed        string `json:"typed"`
			Response     string `json:"response"`
		} `json:"ide"`
	}
)

// The API's CountTable, as the dashboard asks for it.
type (
	apiCount struct {
		Value      *int `json:"value"`
		Suppressed bool `json:"suppressed"`
	}
	apiCountTable struct {
		Threshold int      `json:"threshold"`
		Columns   []string `json:"columns"`
		Rows      []struct {
			Key    string     `json:"key"`
			Label  string     `json:"label"`
			Counts []apiCount `json:"counts"`
			Total  apiCount   `json:"total"`
		} `json:"rows"`
		ColumnTotals []apiCount `json:"columnTotals"`
		Total        apiCount   `json:"total"`
	}
)

const countTableSelection = `{ threshold columns rows { key label counts { value suppressed } total { value suppressed } }
  columnTotals { value suppressed } total { value suppressed } }`

// The dashboard and the IDE work in a real browser against the demo, as ponte demo serves
// them, with access control on: the pages load nothing from another host, the dashboard
// opened from the link the demo prints shows the numbers the API gives the same token —
// suppressed cells as "< 5", never as 0 — says what the dashboard role may not see, works
// from the keyboard and in Italian, and the IDE runs a query typed into it.
func TestDashboardAndIDEInABrowserShowTheAPIsNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo and a browser")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the browser test needs Node.js (.ci/run installs it)")
	}
	browser := chromiumPath()
	if browser == "" {
		t.Skip("no Chromium on this machine (apt-get install chromium; .ci/run installs it): the browser test is skipped")
	}
	dir, err := filepath.Abs("testdata/e2e")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed: run `npm ci` in %s (make test does)", dir)
	}

	// The demo, as `ponte demo` runs it, on a database of its own.
	t.Setenv("DATABASE_URL", pgtest.URL(t))
	base, _, tokens, stop := startDemo(t, "--data-dir", filepath.Join(t.TempDir(), "pg"))
	t.Cleanup(func() { require.NoError(t, stop()) })
	dashboard, monitor := tokens["dashboard.sds-pisa"], tokens["esf.monitor.serra"]
	link := tokens["link:statistics"]
	require.NotEmpty(t, dashboard)
	require.NotEmpty(t, monitor)
	require.Equal(t, base+"/dashboard#token="+dashboard+"&purpose=statistics", link, "the demo prints the dashboard's signed-in link")
	require.Contains(t, tokens["link:esf_monitoring"], "#token="+monitor+"&")
	// The registries are synced on start; the freshness panel is read once they are.
	require.Eventually(t, func() bool {
		var data struct {
			RegistryStatus []struct{ LastSuccessAt *string }
		}
		apiPost(t, base, dashboard, "statistics", `{ registryStatus { lastSuccessAt } }`, nil, &data)
		for _, s := range data.RegistryStatus {
			if s.LastSuccessAt == nil {
				return false
			}
		}
		return len(data.RegistryStatus) == 3
	}, time.Minute, 200*time.Millisecond)

	cmd := exec.Command(node, filepath.Join(dir, "browse.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PONTE_BASE="+base, "PONTE_DASHBOARD_LINK="+link, "PONTE_TOKEN="+dashboard,
		"PONTE_MONITOR_TOKEN="+monitor, "PONTE_CHROMIUM="+browser)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	started := time.Now()
	out, err := cmd.Output()
	require.NoError(t, err, "browse.mjs: %s", stderr.String())
	t.Logf("browser run: %s", time.Since(started).Round(time.Millisecond))
	var run browserRun
	require.NoError(t, json.Unmarshal(out, &run))

	// Nothing but the hub: every request the pages and their workers made went to it.
	hub, err := url.Parse(base)
	require.NoError(t, err)
	require.Empty(t, run.OffHost, "requests to another host")
	require.NotEmpty(t, run.Requests)
	for _, r := range run.Requests {
		u, err := url.Parse(r.URL)
		require.NoError(t, err)
		require.Equal(t, hub.Host, u.Host, "%s requested %s", r.Page, r.URL)
	}
	require.Empty(t, run.PageErrors)
	for _, e := range run.ConsoleErrors {
		require.NotContains(t, e.Text, "Content Security Policy", e.Page)
		// The IDE introspects the schema at once, with the template's placeholder token:
		// the hub answers 401 until a real token is typed in. Nothing else may fail.
		require.True(t, e.Page == "/" && strings.HasSuffix(e.URL, "/graphql") && strings.Contains(e.Text, "401"),
			"console error on %s: %s (%s)", e.Page, e.Text, e.URL)
	}

	// The dashboard's token, from the link: taken out of the address bar, kept for the
	// tab only.
	d := run.Dashboard
	require.Empty(t, d.Hash, "the token is removed from the address bar")
	require.True(t, d.StoredToken)
	require.False(t, d.TokenInLocalStorage)
	require.Equal(t, "en", d.Lang)
	for _, p := range []string{"caseload", "services", "registry"} {
		require.Equal(t, "ready", d.Panels[p].Status, p)
	}
	require.Equal(t, "forbidden", d.Panels["esf"].Status, "a dashboard may not compute ESF+ values")
	require.Contains(t, d.Panels["esf"].Text, "Not available for this role")
	require.Contains(t, d.Panels["esf"].Text, "esf_monitoring")

	// The numbers are the API's, for the same token.
	caseLoad := func(token, purpose string) map[string]apiCountTable {
		var data map[string]apiCountTable
		apiPost(t, base, token, purpose, `{ STATUS: caseLoad(groupBy: STATUS) `+countTableSelection+`
			ORGANISATION: caseLoad(groupBy: ORGANISATION) `+countTableSelection+`
			DEPARTMENT: caseLoad(groupBy: DEPARTMENT) `+countTableSelection+` }`, nil, &data)
		return data
	}
	suppressedShown := 0
	checkCaseLoad := func(view pageView, tables map[string]apiCountTable) {
		suppressedShown += requireCountTable(t, "caseload-status", view.Tables["caseload-status"], tables["STATUS"])
		suppressedShown += requireCountTable(t, "caseload-organisation", view.Tables["caseload-organisation"], tables["ORGANISATION"])
		suppressedShown += requireCountTable(t, "caseload-department", view.Tables["caseload-department"], tables["DEPARTMENT"])
	}
	checkCaseLoad(d.pageView, caseLoad(dashboard, "statistics"))

	var ops struct {
		Operations struct {
			Edges []struct {
				Node struct {
					Rounds []struct{ ID string }
				}
			}
		}
	}
	apiPost(t, base, dashboard, "statistics", `{ operations(first: 100) { edges { node { rounds { id } } } } }`, nil, &ops)
	var rounds []string
	for _, e := range ops.Operations.Edges {
		for _, r := range e.Node.Rounds {
			rounds = append(rounds, r.ID)
		}
	}
	require.Len(t, rounds, 2, "the ALI operation's two rounds")
	require.Equal(t, rounds, d.RoundOptions)
	services := func(round string) apiCountTable {
		var data struct{ ServicesActivated apiCountTable }
		apiPost(t, base, dashboard, "statistics", `query($r: ID!) { servicesActivated(roundId: $r) `+countTableSelection+` }`,
			map[string]any{"r": round}, &data)
		return data.ServicesActivated
	}
	suppressedShown += requireCountTable(t, "services round 1", d.Tables["services"], services(rounds[0]))
	suppressedShown += requireCountTable(t, "services round 2", d.SecondRound.Tables["services"], services(rounds[1]))
	require.Positive(t, suppressedShown, "the demo's small counts are shown suppressed")

	var registry struct {
		RegistryStatus []struct {
			Source, Status string
			RecentFailures int
		}
	}
	apiPost(t, base, dashboard, "statistics", `{ registryStatus { source status recentFailures } }`, nil, &registry)
	reg := d.Tables["registry"]
	require.Len(t, reg.Rows, len(registry.RegistryStatus))
	for i, s := range registry.RegistryStatus {
		require.Equal(t, s.Source, reg.Rows[i].Key)
		require.Contains(t, reg.Rows[i].Cells[0].Text, map[string]string{"HEALTHY": "Up to date", "STALE": "Stale",
			"FAILING": "Failing", "NEVER_SYNCED": "Never synced"}[s.Status], s.Source)
		require.Equal(t, s.RecentFailures, *reg.Rows[i].Cells[4].Value, s.Source)
	}

	// From the keyboard: the skip link comes first; the round picker keeps the focus while
	// the other round loads. Switching language asks the hub nothing and keeps the numbers.
	require.Equal(t, "skip-link", d.FirstTab)
	require.Equal(t, "main", d.AfterSkip)
	require.Equal(t, "services-round", d.FocusAfterReload)
	require.Equal(t, "it", d.Italian.Lang)
	require.Equal(t, "Carico di lavoro: casi", d.Italian.Panels["caseload"].Heading)
	require.Contains(t, d.Italian.Panels["esf"].Text, "Non disponibile per questo ruolo")
	require.Zero(t, d.RequestsForLanguage)
	requireCountTable(t, "services in Italian", d.Italian.Tables["services"], services(rounds[1]))

	// Signing out forgets the token.
	require.True(t, run.AfterSignOut.SignInVisible)
	require.False(t, run.AfterSignOut.StoredToken)

	// The ESF+ monitoring officer, signed in through the form: every panel, the ESF+
	// values by gender and the incomplete records, as the API computes them.
	m := run.Monitor
	for _, p := range []string{"caseload", "services", "registry", "esf"} {
		require.Equal(t, "ready", m.Panels[p].Status, p)
	}
	checkCaseLoad(m, caseLoad(monitor, "esf_monitoring"))
	require.NotEmpty(t, m.EsfCutoff)
	var esf struct {
		EsfReport struct {
			Groups []struct {
				Values []struct {
					Indicator                    string
					Women, Men, NonBinary, Total int
					OfWhichEstimated             int
				}
				Incomplete struct{ Total int }
			}
		}
	}
	apiPost(t, base, monitor, "esf_monitoring", `query($c: Date!) { esfReport(cutoff: $c) { groups {
		values { indicator women men nonBinary total ofWhichEstimated } incomplete { total } } } }`,
		map[string]any{"c": m.EsfCutoff}, &esf)
	require.NotEmpty(t, esf.EsfReport.Groups)
	group := esf.EsfReport.Groups[0]
	table := m.Tables["esf"]
	require.Len(t, table.Rows, len(group.Values))
	for i, v := range group.Values {
		row := table.Rows[i]
		require.Equal(t, v.Indicator, row.Key)
		want := []int{v.Women, v.Men, v.NonBinary, v.Total, v.OfWhichEstimated}
		cells := row.Cells[1:] // after the name
		if v.Indicator == "EECO18" || v.Indicator == "EECO19" {
			// Entities have no gender: the dashboard shows only their total.
			want = want[3:]
			for _, c := range cells[:3] {
				require.Equal(t, "—", c.Text)
			}
			cells = cells[3:]
		}
		for k, c := range cells {
			require.NotNil(t, c.Value, "%s column %d", v.Indicator, k)
			require.Equal(t, want[k], *c.Value, "%s column %d", v.Indicator, k)
			require.Equal(t, strconv.Itoa(want[k]), digits(c.Text), "%s column %d", v.Indicator, k)
		}
	}
	require.NotNil(t, m.Completeness)
	require.Equal(t, group.Values[0].Total, m.Completeness.Complete, "EECO01 counts the complete records")
	require.Equal(t, group.Incomplete.Total, m.Completeness.Incomplete)

	// The IDE opens with a ready example and the headers template, and runs what is typed.
	require.Contains(t, nbsp(run.IDE.ExampleQuery), "caseLoad(groupBy: STATUS)")
	require.Contains(t, nbsp(run.IDE.ExampleQuery), "Ponte-Purpose")
	require.Contains(t, nbsp(run.IDE.Headers), `"Authorization": "Bearer <your token>"`)
	require.Contains(t, nbsp(run.IDE.Headers), `"Ponte-Purpose": "statistics"`)
	require.Contains(t, nbsp(run.IDE.Typed), "query Typed")
	var answer struct {
		Data struct {
			CaseLoad struct{ Total apiCount }
		}
		Errors []any
	}
	require.NoError(t, json.Unmarshal([]byte(nbsp(run.IDE.Response)), &answer), run.IDE.Response)
	require.Empty(t, answer.Errors)
	want := caseLoad(dashboard, "statistics")["ORGANISATION"].Total
	require.Equal(t, want, answer.Data.CaseLoad.Total, "the IDE shows the hub's answer")
}

// requireCountTable checks a table of the dashboard against the API's CountTable — row by
// row, every count and total, a suppressed one shown as "< threshold" with nothing behind
// it — and returns how many suppressed cells it showed.
func requireCountTable(t *testing.T, name string, page pageTable, api apiCountTable) int {
	t.Helper()
	require.Len(t, page.Rows, len(api.Rows)+1, "%s: a row per API row and the totals", name)
	single := len(api.Columns) == 1
	suppressed := 0
	check := func(where string, cell pageCell, want apiCount) {
		if want.Suppressed {
			suppressed++
			require.True(t, cell.Suppressed, "%s %s: suppressed", name, where)
			require.Nil(t, cell.Value, "%s %s: a suppressed cell carries no value", name, where)
			require.Equal(t, "< "+strconv.Itoa(api.Threshold), cell.Text, "%s %s", name, where)
			require.Greater(t, len(cell.Spoken), len(cell.Text), "%s %s: screen readers hear why", name, where)
			return
		}
		require.False(t, cell.Suppressed, "%s %s", name, where)
		require.NotNil(t, want.Value, "%s %s", name, where)
		require.NotNil(t, cell.Value, "%s %s", name, where)
		require.Equal(t, *want.Value, *cell.Value, "%s %s", name, where)
		require.Equal(t, strconv.Itoa(*want.Value), digits(cell.Text), "%s %s: shown", name, where)
	}
	for i, row := range api.Rows {
		got := page.Rows[i]
		require.Equal(t, row.Key, got.Key, "%s row %d", name, i)
		want := row.Counts
		if !single {
			want = append(append([]apiCount(nil), row.Counts...), row.Total)
		}
		require.Len(t, got.Cells, len(want), "%s row %s", name, row.Key)
		for k, c := range want {
			check(row.Key+"/"+strconv.Itoa(k), got.Cells[k], c)
		}
	}
	totals := page.Rows[len(api.Rows)]
	want := []apiCount{api.Total}
	if !single {
		want = append(append([]apiCount(nil), api.ColumnTotals...), api.Total)
	}
	require.Len(t, totals.Cells, len(want), "%s totals", name)
	for k, c := range want {
		check("total/"+strconv.Itoa(k), totals.Cells[k], c)
	}
	return suppressed
}

var nonDigits = regexp.MustCompile(`\D`)

// digits keeps the digits of a number as shown (1,234 or 1.234).
func digits(s string) string { return nonDigits.ReplaceAllString(s, "") }

// nbsp undoes the editor's drawing of spaces as no-break spaces.
func nbsp(s string) string { return strings.ReplaceAll(s, "\u00a0", " ") }

// chromiumPath is the browser the test drives: PONTE_CHROMIUM, or Debian's chromium.
func chromiumPath() string {
	if p := os.Getenv("PONTE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// apiPost runs a query with a token and purpose, requires no errors and decodes data.
func apiPost(t *testing.T, base, token, purpose, query string, vars map[string]any, out any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Ponte-Purpose", purpose)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(raw, &env), string(raw))
	require.Empty(t, env.Errors, string(raw))
	require.NoError(t, json.Unmarshal(env.Data, out), string(env.Data))
}
