package access

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2/model"
)

//go:embed policy/model.conf policy/policy.csv policy/legal_bases.csv
var policyFiles embed.FS

// LegalBasesFile is the name of the legal bases file, beside policy.csv.
const LegalBasesFile = "legal_bases.csv"

// Act is what a policy line allows on its object.
type Act string

// The acts of the policy.
const (
	ActRead Act = "read" // object: a data category
	// ActReadMinors grants a category only about persons under 18: a role that exists
	// for the children of a household (the school liaison) reads their identity, not the
	// adults'.
	ActReadMinors Act = "read_minors"
	ActWrite      Act = "write"   // object: a data category
	ActRows       Act = "rows"    // object: a row scope
	ActExecute    Act = "execute" // object: an operation
)

// Effect is a policy line's verdict.
type Effect string

// Effects: allow lines add up, one deny line overrides them.
const (
	Allow Effect = "allow"
	Deny  Effect = "deny"
)

// Rule is one line of the policy.
type Rule struct {
	// Line is the 1-based line number in the policy file.
	Line    int
	Role    Role
	Domain  string
	Purpose Purpose
	Act     Act
	Object  string
	Effect  Effect
}

func (r Rule) casbin() []string {
	return []string{string(r.Role), r.Domain, string(r.Purpose), string(r.Act), r.Object, string(r.Effect)}
}

// Policy is a parsed, validated Casbin model and policy. It is immutable.
type Policy struct {
	model   string
	rules   []Rule
	version string
	bases   map[Purpose]LegalBasis
}

// OrganisationKinds are the organisation kinds a "kind:" domain may name (the kinds of the
// organisations table, in lower case).
func OrganisationKinds() []string {
	return []string{"municipality", "health_social_agency", "cooperative", "employment_centre",
		"school", "managing_authority", "other"}
}

var (
	defaultOnce   sync.Once
	defaultPolicy *Policy
	defaultErr    error
)

// DefaultPolicy is the policy embedded in the binary (internal/access/policy).
func DefaultPolicy() (*Policy, error) {
	defaultOnce.Do(func() {
		m, err := policyFiles.ReadFile("policy/model.conf")
		if err != nil {
			defaultErr = fmt.Errorf("access: read embedded model: %w", err)
			return
		}
		p, err := policyFiles.ReadFile("policy/policy.csv")
		if err != nil {
			defaultErr = fmt.Errorf("access: read embedded policy: %w", err)
			return
		}
		b, err := policyFiles.ReadFile("policy/" + LegalBasesFile)
		if err != nil {
			defaultErr = fmt.Errorf("access: read embedded legal bases: %w", err)
			return
		}
		defaultPolicy, defaultErr = ParsePolicyWithBases(m, p, b)
	})
	return defaultPolicy, defaultErr
}

// LoadPolicyFiles reads a model and a policy from disk, for deployments that keep their
// own policy (PONTE_ACCESS_POLICY_DIR), and the legal bases file beside the policy: a
// policy is not loaded without the legal basis of each of its purposes.
func LoadPolicyFiles(modelPath, policyPath string) (*Policy, error) {
	m, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, fmt.Errorf("access: read model: %w", err)
	}
	p, err := os.ReadFile(policyPath)
	if err != nil {
		return nil, fmt.Errorf("access: read policy: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(policyPath), LegalBasesFile))
	if err != nil {
		return nil, fmt.Errorf("access: read legal bases: %w", err)
	}
	return ParsePolicyWithBases(m, p, b)
}

// PolicyError is a problem on one line of a policy file.
type PolicyError struct {
	Line   int
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("access: policy line %d: %s", e.Line, e.Reason)
}

var domainCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ParsePolicy parses and validates a Casbin model and a policy in Casbin's CSV form. Every
// line must name a known role, purpose, act and object, so a typo fails loudly instead of
// silently denying (or, for a deny line, silently allowing).
//
// The legal bases are the embedded ones (ParsePolicyWithBases names its own).
func ParsePolicy(modelText, policyText []byte) (*Policy, error) {
	b, err := policyFiles.ReadFile("policy/" + LegalBasesFile)
	if err != nil {
		return nil, fmt.Errorf("access: read embedded legal bases: %w", err)
	}
	return ParsePolicyWithBases(modelText, policyText, b)
}

// ParsePolicyWithBases is ParsePolicy with the legal bases file's text: every purpose
// must have its legal basis (legalbasis.go).
func ParsePolicyWithBases(modelText, policyText, basesText []byte) (*Policy, error) {
	if _, err := model.NewModelFromString(string(modelText)); err != nil {
		return nil, fmt.Errorf("access: parse model: %w", err)
	}
	var rules []Rule
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(policyText))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseRule(n, line)
		if err != nil {
			return nil, err
		}
		key := strings.Join(r.casbin()[:5], ",")
		if prev, dup := seen[key]; dup {
			return nil, &PolicyError{Line: n, Reason: fmt.Sprintf("repeats line %d", prev)}
		}
		seen[key] = n
		rules = append(rules, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("access: read policy: %w", err)
	}
	if len(rules) == 0 {
		return nil, errors.New("access: policy has no rules")
	}
	bases, err := parseLegalBases(basesText, rules)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(modelText)
	h.Write([]byte{0})
	h.Write(policyText)
	return &Policy{model: string(modelText), rules: rules, version: hex.EncodeToString(h.Sum(nil))[:16], bases: bases}, nil
}

func parseRule(n int, line string) (Rule, error) {
	fields := strings.Split(line, ",")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	bad := func(format string, args ...any) (Rule, error) {
		return Rule{}, &PolicyError{Line: n, Reason: fmt.Sprintf(format, args...)}
	}
	if fields[0] != "p" {
		return bad("kind %q: only p lines are allowed", fields[0])
	}
	if len(fields) != 7 {
		return bad("want 7 fields (p, role, domain, purpose, act, object, effect), got %d", len(fields))
	}
	r := Rule{Line: n, Domain: fields[2], Act: Act(fields[4]), Object: fields[5], Effect: Effect(fields[6])}
	var err error
	if r.Role, err = ParseRole(fields[1]); err != nil || string(r.Role) != fields[1] {
		return bad("role: unknown role %q", fields[1])
	}
	if err := checkDomain(r.Domain); err != nil {
		return bad("domain: %v", err)
	}
	if r.Purpose, err = ParsePurpose(fields[3]); err != nil || string(r.Purpose) != fields[3] {
		return bad("purpose: unknown purpose %q", fields[3])
	}
	switch r.Act {
	case ActRead, ActReadMinors, ActWrite:
		if c, err := ParseCategory(r.Object); err != nil || string(c) != r.Object {
			return bad("object: unknown data category %q", r.Object)
		}
	case ActRows:
		if s, err := ParseRowScope(r.Object); err != nil || string(s) != r.Object || s == RowsNone {
			return bad("object: unknown row scope %q", r.Object)
		}
	case ActExecute:
		if o, err := ParseOperation(r.Object); err != nil || string(o) != r.Object {
			return bad("object: unknown operation %q", r.Object)
		}
	default:
		return bad("act: unknown act %q (want read, write, rows or execute)", r.Act)
	}
	if r.Effect != Allow && r.Effect != Deny {
		return bad("effect: want allow or deny, got %q", r.Effect)
	}
	return r, nil
}

func checkDomain(d string) error {
	if d == "*" {
		return nil
	}
	prefix, value, ok := strings.Cut(d, ":")
	if !ok {
		return fmt.Errorf("%q: want *, org:<code>, kind:<kind> or territory:<code>", d)
	}
	switch prefix {
	case "org", "territory":
		if !domainCode.MatchString(value) {
			return fmt.Errorf("%q: %s code must be 1-64 letters, digits, '.', '_' or '-'", d, prefix)
		}
	case "kind":
		for _, k := range OrganisationKinds() {
			if k == value {
				return nil
			}
		}
		return fmt.Errorf("%q: unknown organisation kind (known: %s)", d, strings.Join(OrganisationKinds(), ", "))
	default:
		return fmt.Errorf("%q: want *, org:<code>, kind:<kind> or territory:<code>", d)
	}
	return nil
}

// Version identifies the policy: a digest of the model and the policy text. Cached plans
// are keyed by it.
func (p *Policy) Version() string { return p.version }

// Rules returns the policy's lines in file order.
func (p *Policy) Rules() []Rule { return append([]Rule(nil), p.rules...) }

// PurposesFor lists the purposes for which the policy allows role anything at all, in the
// order of Purposes. A principal may declare no other purpose.
func (p *Policy) PurposesFor(role Role) []Purpose {
	set := map[Purpose]bool{}
	for _, r := range p.rules {
		if r.Role == role && r.Effect == Allow {
			set[r.Purpose] = true
		}
	}
	var out []Purpose
	for _, pu := range Purposes() {
		if set[pu] {
			out = append(out, pu)
		}
	}
	return out
}

// Domains returns the distinct domains named by the policy, sorted.
func (p *Policy) Domains() []string {
	set := map[string]bool{}
	for _, r := range p.rules {
		set[r.Domain] = true
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}
