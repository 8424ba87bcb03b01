package access

import (
	"fmt"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// Authorizer turns principals into access plans. It asks Casbin every question a plan
// needs once per (role, organisation, purpose) and policy version, and caches the
// answers; building a plan from the cache costs no Casbin call.
type Authorizer struct {
	mu       sync.RWMutex
	policy   *Policy
	enforcer *casbin.Enforcer
	cache    map[decisionKey]*decisions
	maxCache int
	builds   int // Casbin batches run, for tests
}

// decisionKey is everything a Casbin answer depends on. The plan's row-scope
// identifiers (staff, organisation id) are added per principal, outside the cache.
type decisionKey struct {
	version   string
	role      Role
	org       string
	kind      string
	territory string
	purpose   Purpose
}

// decisions are Casbin's answers for one decisionKey. Immutable once built.
type decisions struct {
	read CategorySet
	// readMinors: categories readable about minors only (ActReadMinors).
	readMinors CategorySet
	write      CategorySet
	ops        map[Operation]bool
	rows       RowScope
}

// CategorySet is a set of data categories, one bit each.
type CategorySet uint32

var categoryBits = func() map[Category]CategorySet {
	m := map[Category]CategorySet{}
	for i, c := range Categories() {
		m[c] = 1 << i
	}
	return m
}()

// Bit is the set holding only c (empty for a name outside the vocabulary).
func (c Category) Bit() CategorySet { return categoryBits[c] }

// Has reports whether c is in s.
func (s CategorySet) Has(c Category) bool { b := c.Bit(); return b != 0 && s&b == b }

// List returns the categories of s in the vocabulary's order.
func (s CategorySet) List() []Category {
	var out []Category
	for _, c := range Categories() {
		if s.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// NewAuthorizer builds an authorizer for policy. The plan cache holds up to 10,000
// (role, organisation, purpose) combinations; beyond that it starts afresh.
func NewAuthorizer(policy *Policy) (*Authorizer, error) {
	a := &Authorizer{maxCache: 10000}
	if err := a.SetPolicy(policy); err != nil {
		return nil, err
	}
	return a, nil
}

// SetPolicy replaces the policy, e.g. after an operator edited it. Plans of the old
// policy version are dropped.
func (a *Authorizer) SetPolicy(policy *Policy) error {
	if policy == nil {
		return fmt.Errorf("access: no policy")
	}
	m, err := model.NewModelFromString(policy.model)
	if err != nil {
		return fmt.Errorf("access: parse model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return fmt.Errorf("access: build enforcer: %w", err)
	}
	e.EnableAutoSave(false)
	rules := make([][]string, len(policy.rules))
	for i, r := range policy.rules {
		rules[i] = r.casbin()
	}
	if _, err := e.AddPolicies(rules); err != nil {
		return fmt.Errorf("access: load policy: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.policy, a.enforcer, a.cache = policy, e, map[decisionKey]*decisions{}
	return nil
}

// Policy returns the policy in force.
func (a *Authorizer) Policy() *Policy {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.policy
}

// Plan returns the access plan of p for its declared purpose. It fails when the principal
// is incomplete or declares a purpose it was not granted (a *DeniedError).
func (a *Authorizer) Plan(p Principal) (*Plan, error) {
	if err := p.Validate(); err != nil {
		if !p.Grants(p.Purpose) && p.Purpose != "" {
			return nil, &DeniedError{Reason: fmt.Sprintf("purpose %s is not granted to this %s", p.Purpose, p.describe())}
		}
		return nil, err
	}
	a.mu.RLock()
	key := decisionKey{version: a.policy.version, role: p.Role, org: p.OrganisationCode,
		kind: strings.ToLower(p.OrganisationKind), territory: p.Territory, purpose: p.Purpose}
	d, ok := a.cache[key]
	a.mu.RUnlock()
	if !ok {
		var err error
		if d, err = a.decide(key); err != nil {
			return nil, err
		}
	}
	return &Plan{principal: p, version: key.version, d: d, bases: a.policy.bases}, nil
}

// decide asks Casbin every question of a plan in one batch and caches the answers.
func (a *Authorizer) decide(key decisionKey) (*decisions, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if key.version != a.policy.version {
		return nil, fmt.Errorf("access: policy changed while planning; retry")
	}
	if d, ok := a.cache[key]; ok {
		return d, nil
	}
	cats := Categories()
	ops := Operations()
	scopes := RowScopes()[1:] // none is never granted
	reqs := make([][]any, 0, 3*len(cats)+len(ops)+len(scopes))
	req := func(act Act, obj string) []any {
		return []any{string(key.role), dom("org:", key.org), dom("kind:", key.kind), dom("territory:", key.territory),
			string(key.purpose), string(act), obj}
	}
	for _, c := range cats {
		reqs = append(reqs, req(ActRead, string(c)), req(ActWrite, string(c)), req(ActReadMinors, string(c)))
	}
	for _, o := range ops {
		reqs = append(reqs, req(ActExecute, string(o)))
	}
	for _, s := range scopes {
		reqs = append(reqs, req(ActRows, string(s)))
	}
	a.builds++
	res, err := a.enforcer.BatchEnforce(reqs)
	if err != nil {
		return nil, fmt.Errorf("access: enforce: %w", err)
	}
	d := &decisions{ops: map[Operation]bool{}, rows: RowsNone}
	i := 0
	for _, c := range cats {
		if res[i] {
			d.read |= c.Bit()
		}
		if res[i+1] {
			d.write |= c.Bit()
		}
		if res[i+2] {
			d.readMinors |= c.Bit()
		}
		i += 3
	}
	for _, o := range ops {
		d.ops[o] = res[i]
		i++
	}
	for _, s := range scopes {
		if res[i] {
			d.rows = s // scopes run narrowest to broadest: the broadest granted wins
		}
		i++
	}
	if len(a.cache) >= a.maxCache {
		a.cache = map[decisionKey]*decisions{}
	}
	a.cache[key] = d
	return d, nil
}

// dom prefixes a request domain value; an empty value stays empty, which no policy line
// can name.
func dom(prefix, v string) string {
	if v == "" {
		return ""
	}
	return prefix + v
}
