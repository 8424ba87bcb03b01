package access_test

import (
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/ponte-hub/ponte/internal/access"
)

// BenchmarkEnforce is one Casbin question against the default policy: what the hub would
// pay per field or row if it asked Casbin directly.
func BenchmarkEnforce(b *testing.B) {
	p, _ := access.DefaultPolicy()
	m, err := model.NewModelFromString(string(defaultModel(b)))
	if err != nil {
		b.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range p.Rules() {
		if _, err := e.AddPolicy(string(r.Role), r.Domain, string(r.Purpose), string(r.Act), r.Object, string(r.Effect)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Enforce("case_manager", "org:COOP-1", "kind:cooperative", "territory:G702", "case_management", "read", "health"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanBuild is a cache miss: every question of a plan asked in one batch.
func BenchmarkPlanBuild(b *testing.B) {
	p, _ := access.DefaultPolicy()
	pr := principal(access.RoleCaseManager, "cooperative", access.PurposeCaseManagement)
	for b.Loop() {
		a, _ := access.NewAuthorizer(p)
		if _, err := a.Plan(pr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanNewAuthorizer is the part of BenchmarkPlanBuild spent loading the policy.
func BenchmarkPlanNewAuthorizer(b *testing.B) {
	p, _ := access.DefaultPolicy()
	for b.Loop() {
		if _, err := access.NewAuthorizer(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanCached is what a request pays: a cached plan for its principal.
func BenchmarkPlanCached(b *testing.B) {
	a := newAuthorizer(b)
	pr := principal(access.RoleCaseManager, "cooperative", access.PurposeCaseManagement)
	if _, err := a.Plan(pr); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Plan(pr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFieldMasks checks the categories of a page of 50 cases with nested persons
// (about 20 category checks per case), as the field directive will.
func BenchmarkFieldMasks(b *testing.B) {
	a := newAuthorizer(b)
	plan, err := a.Plan(principal(access.RoleCaseManager, "cooperative", access.PurposeCaseManagement))
	if err != nil {
		b.Fatal(err)
	}
	cats := access.Categories()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for i := range 50 * 20 {
			if plan.CanRead(cats[i%len(cats)]) {
				n++
			}
		}
		_ = n
	}
}
