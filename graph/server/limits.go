package server

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/ponte-hub/ponte/graph/generated"
	"github.com/ponte-hub/ponte/graph/lists"
	"github.com/ponte-hub/ponte/graph/model"
)

// nestedListWeight is what an unpaged nested list (a case's projects, a household's
// members) counts for: such lists are short in practice, but not free.
const nestedListWeight = 5

// pageWeight is the number of rows a connection may return: its first argument, or the
// resolver's default when the client passes null.
func pageWeight(first *int, def int) int {
	if first == nil {
		return def
	}
	if *first < 1 {
		return 1
	}
	return *first
}

// setComplexity weights list fields by the rows they can return, so the complexity limit
// bounds the work a query can ask for rather than the number of fields it names.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Cases = func(child int, first *int, _ *string, _ *model.CaseFilter) int {
		return 1 + pageWeight(first, lists.DefaultPageSize)*child
	}
	c.Query.Persons = func(child int, first *int, _ *string, _ *model.PersonFilter) int {
		return 1 + pageWeight(first, lists.DefaultPageSize)*child
	}
	c.Query.Organisations = func(child int, first *int, _ *string, _ *string) int {
		return 1 + pageWeight(first, lists.DefaultPageSize)*child
	}
	c.Query.AccessLog = func(child int, _, _ *string, _, _ *time.Time, first *int, _ *string) int {
		return 1 + pageWeight(first, lists.DefaultAccessLogPage)*child
	}
	c.Query.Operations = func(child int, first *int, _ *string, _ *string, _ *string) int {
		return 1 + pageWeight(first, lists.DefaultPageSize)*child
	}
	c.Query.Participations = func(child int, first *int, _ *string, _ *model.ParticipationFilter) int {
		return 1 + pageWeight(first, lists.DefaultPageSize)*child
	}
	c.Query.Nodes = func(child int, ids []string) int { return 1 + len(ids)*child }
	c.Query.EsfDrillDown = func(child int, _ time.Time, _, _, _ *string, _ *model.EsfGroupInput, _ string, _ *model.EsfGenderColumn, _ *bool, first *int) int {
		return 1 + pageWeight(first, lists.DefaultDrillDownLimit)*child
	}
	c.Operation.Participations = func(child int, first *int, _ *string, _ *string, _ *string) int {
		return 1 + pageWeight(first, lists.DefaultPageSize)*child
	}
	nested := func(child int) int { return 1 + nestedListWeight*child }
	c.Case.Assessments, c.Case.Projects, c.Case.Interventions, c.Case.Activity = nested, nested, nested, nested
	c.Case.Departments, c.Case.Organisations = nested, nested
	c.Project.Interventions = nested
	c.Household.Members, c.Household.Cases = nested, nested
	c.Person.Households, c.Person.Participations = nested, nested
	c.Organisation.Departments = nested
	c.Operation.Rounds = nested
	c.Person.Benefits, c.Person.EmploymentEvents, c.Person.SchoolRecords, c.Person.Isee = nested, nested, nested, nested
	c.Household.Benefits, c.Household.Isee, c.Household.LabourStatuses, c.Household.SchoolRecords = nested, nested, nested, nested
}

// depthLimit rejects operations nested deeper than max, before anything runs.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	if depth := selectionDepth(op.Operation.SelectionSet, op.Doc.Fragments, 0, map[string]bool{}); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, depth int, seen map[string]bool) int {
	max := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = depth + 1
			} else {
				d = selectionDepth(s.SelectionSet, frags, depth+1, seen)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, depth, seen)
		case *ast.FragmentSpread:
			// Fragment cycles are rejected by validation; seen guards the walk anyway.
			if seen[s.Name] {
				continue
			}
			if f := frags.ForName(s.Name); f != nil {
				seen[s.Name] = true
				d = selectionDepth(f.SelectionSet, frags, depth, seen)
				delete(seen, s.Name)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}
