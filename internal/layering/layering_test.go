package layering_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ponte-hub/ponte"

// rule forbids the packages under from, but those under except, to depend, directly or
// not, on a package under one of the prefixes of not, but those under one of allow.
type rule struct {
	from   string
	except []string
	not    []string
	allow  []string
	why    string
}

var rules = []rule{
	{from: "pkg/", not: []string{""}, allow: []string{"pkg/"},
		why: "pkg/ holds leaf libraries: they import nothing of the hub"},
	{from: "connectors/", not: []string{""}, allow: []string{"connectors/", "pkg/"},
		why: "the registry clients and simulators import only each other and pkg/"},
	{from: "internal/", except: []string{"internal/cli"}, not: []string{"graph", "cmd/"},
		why: "dependencies point cmd → graph → internal"},
	// internal/cli holds the command's subcommands: it is cmd's layer, kept apart from
	// cmd/ponte's wiring, and may read the API's scalars as the API does.
	{from: "internal/cli", not: []string{"cmd/"},
		why: "dependencies point cmd → graph → internal"},
	{from: "", except: []string{"cmd/", "internal/cli"}, not: []string{"internal/cli"},
		why: "only the command runs the subcommands"},
	{from: "graph", not: []string{"cmd/"},
		why: "dependencies point cmd → graph → internal"},
	{from: "internal/syncjob", except: []string{"internal/syncjob/simulate"}, not: []string{"connectors/sim", "internal/syncjob/simulate"},
		why: "the production sync code runs without the simulators"},
}

// pkg is one package of the module as go list reports it, import paths relative to the
// module ("" for the module's root).
type pkg struct {
	path     string
	imports  []string
	deps     []string
	external []string // imports from outside the module
}

// list runs go list over the module's packages, tests left out.
func list(t *testing.T) map[string]pkg {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", sc.Text())
		}
		p := pkg{path: rel(f[0])}
		for _, s := range strings.Fields(f[1]) {
			if r, ok := own(s); ok {
				p.imports = append(p.imports, r)
			} else {
				p.external = append(p.external, s)
			}
		}
		for _, s := range strings.Fields(f[2]) {
			if r, ok := own(s); ok {
				p.deps = append(p.deps, r)
			}
		}
		pkgs[p.path] = p
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func rel(path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
}

// own is the path relative to the module of a package of the module.
func own(path string) (string, bool) {
	if path != module && !strings.HasPrefix(path, module+"/") {
		return "", false
	}
	return rel(path), true
}

// under reports whether path is prefix or in it: "graph" holds graph and graph/server,
// "pkg/" the packages below pkg, "" every package of the module.
func under(path, prefix string) bool {
	switch {
	case prefix == "":
		return true
	case strings.HasSuffix(prefix, "/"):
		return strings.HasPrefix(path, prefix)
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func underAny(path string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return under(path, p) })
}

// chain is a shortest import path from one package to another, for the failure message.
func chain(pkgs map[string]pkg, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var out []string
			for ; p != ""; p = prev[p] {
				out = append(out, p)
			}
			slices.Reverse(out)
			return out
		}
		for _, im := range pkgs[p].imports {
			if _, seen := prev[im]; !seen {
				prev[im] = p
				queue = append(queue, im)
			}
		}
	}
	return []string{from, "…", to}
}

func TestImportsPointOneWay(t *testing.T) {
	pkgs := list(t)
	for _, r := range rules {
		matched := false
		for _, p := range pkgs {
			if !under(p.path, r.from) || underAny(p.path, r.except) {
				continue
			}
			matched = true
			for _, d := range p.deps {
				if underAny(d, r.not) && !underAny(d, r.allow) {
					t.Errorf("%s imports %s (%s): %s", p.path, d, strings.Join(chain(pkgs, p.path, d), " → "), r.why)
				}
			}
		}
		if !matched {
			t.Errorf("no package under %q: the rule %q checks nothing", r.from, r.why)
		}
	}
}

// pgxUsers are the packages outside internal/store that may import the driver, and what
// for: none of them holds the hub's queries.
var pgxUsers = map[string]string{
	"internal/pgserver": "a throw-away PostgreSQL for with-db and the tests",
	"internal/pgtest":   "a fresh database per test, from a template",
	"internal/tracing":  "the tracer the driver calls for every statement",
	"internal/syncjob":  "the job queue's driver, on the store's queue pool",
	"graph/server":      "the pool's metrics",
	"cmd/ponte":         "the demo creates and drops its database",
	"bench/load":        "the load script records the statements a page runs, for pgbench",
}

// TestOnlyTheStoreSpeaksSQL: the driver is imported under internal/store (the core and
// its area packages), and elsewhere only by the packages of pgxUsers.
func TestOnlyTheStoreSpeaksSQL(t *testing.T) {
	pkgs := list(t)
	used := map[string]bool{}
	for _, p := range pkgs {
		for _, im := range p.external {
			if im != "github.com/jackc/pgx/v5" && !strings.HasPrefix(im, "github.com/jackc/pgx/v5/") {
				continue
			}
			if under(p.path, "internal/store") {
				continue
			}
			if _, ok := pgxUsers[p.path]; ok {
				used[p.path] = true
				continue
			}
			t.Errorf("%s imports %s: only internal/store and its packages speak SQL", p.path, im)
		}
	}
	for p, why := range pgxUsers {
		if !used[p] {
			t.Errorf("%s is allowed the driver (%s) but no longer imports it: drop it from pgxUsers", p, why)
		}
	}
}
