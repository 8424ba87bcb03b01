package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

// A filter is a read: a principal filters, searches and looks up only by what it may read,
// and a refused filter runs no statement (FORBIDDEN, naming the filter). A search also
// matches only the persons whose data the principal may read: without minors' data, only
// adults, so no answer tells it that a minor is known to the hub.

// checkFilter refuses a filter on categories the plan may not read.
func (r *Request) checkFilter(field string, set bool, cats ...access.Category) error {
	if !set || r.access.plan == nil {
		return nil
	}
	var de *access.DeniedError
	if err := r.access.plan.CheckRead(cats...); errors.As(err, &de) {
		return &access.DeniedError{Reason: fmt.Sprintf("%s: a filter reads what it matches, and %s", field, de.Reason)}
	} else if err != nil {
		return err
	}
	return nil
}

// searchAges checks a search by name or tax code (identity data) and says whom it may
// match: every person, only adults when the plan may not read minors' data, only minors
// when it reads identity about minors alone.
func (r *Request) searchAges(ctx context.Context, field string, search *string) (who store.SearchAges, err error) {
	if search == nil || *search == "" || r.access.plan == nil {
		return who, nil
	}
	plan := r.access.plan
	if plan.CanReadMinorsOnly(access.CategoryIdentity) && plan.CanRead(access.CategoryMinors) {
		// Identity only about minors (the school liaison): the search matches only them.
		who.MinorsBornAfter = r.access.adultsBornBy()
		return who, nil
	}
	if err := r.checkFilter(field, true, access.CategoryIdentity); err != nil {
		return who, err
	}
	if !plan.CanRead(access.CategoryMinors) {
		who.AdultsBornBy = r.access.adultsBornBy()
	}
	// Nor a person seen only through a referral that does not share identity data.
	l, err := r.limits(ctx)
	if err != nil {
		return who, err
	}
	if l != nil {
		for id, cats := range l.persons {
			if !cats.Has(access.CategoryIdentity) {
				who.Exclude = append(who.Exclude, id)
			}
		}
	}
	return who, nil
}

func listCases(ctx context.Context, f *model.CaseFilter, p store.Page) (*model.CaseConnection, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	var sf store.CaseFilter
	if f != nil {
		set := f.Status != nil || f.DepartmentID != nil || f.OrganisationID != nil || f.OpenedFrom != nil || f.OpenedTo != nil
		if err := r.checkFilter("filter", set, access.CategoryCase); err != nil {
			return nil, err
		}
		born, err := r.searchAges(ctx, "filter.search", f.Search)
		if err != nil {
			return nil, err
		}
		sf = store.CaseFilter{Status: f.Status, OpenedFrom: f.OpenedFrom, OpenedTo: f.OpenedTo, Search: f.Search, SearchAges: born}
		if sf.DepartmentID, err = optID("filter.departmentId", f.DepartmentID, "Department"); err != nil {
			return nil, err
		}
		if sf.OrganisationID, err = optID("filter.organisationId", f.OrganisationID, "Organisation"); err != nil {
			return nil, err
		}
	}
	rows, err := r.Tx.ListCases(ctx, sf, p)
	if err != nil {
		return nil, err
	}
	nodes := make([]store.Case, len(rows.Rows))
	for i, x := range rows.Rows {
		nodes[i] = x.Node
	}
	r.loaders.primeCases(nodes)
	return &model.CaseConnection{
		Edges:      edges(rows, func(c string, n store.Case) model.CaseEdge { return model.CaseEdge{Cursor: c, Node: n} }),
		PageInfo:   pageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

func listPersons(ctx context.Context, f *model.PersonFilter, p store.Page) (*model.PersonConnection, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	var sf store.PersonFilter
	if f != nil {
		if sf.SearchAges, err = r.searchAges(ctx, "filter.search", f.Search); err != nil {
			return nil, err
		}
		sf.Search = f.Search
	}
	rows, err := r.Tx.ListPersons(ctx, sf, p)
	if err != nil {
		return nil, err
	}
	nodes := make([]store.Person, len(rows.Rows))
	for i, x := range rows.Rows {
		nodes[i] = x.Node
	}
	r.loaders.primePersons(nodes)
	return &model.PersonConnection{
		Edges:      edges(rows, func(c string, n store.Person) model.PersonEdge { return model.PersonEdge{Cursor: c, Node: n} }),
		PageInfo:   pageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

func listOrganisations(ctx context.Context, kind *string, p store.Page) (*model.OrganisationConnection, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.Tx.ListOrganisations(ctx, kind, p)
	if err != nil {
		return nil, err
	}
	for _, x := range rows.Rows {
		r.loaders.orgDepartments.prime(x.Node.ID)
	}
	return &model.OrganisationConnection{
		Edges: edges(rows, func(c string, n store.Organisation) model.OrganisationEdge {
			return model.OrganisationEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

func listOperations(ctx context.Context, programme, specificObjective *string, p store.Page) (*model.OperationConnection, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	f := store.OperationFilter{Programme: programme}
	if specificObjective != nil {
		so, err := esf.ParseObjective("specificObjective", *specificObjective)
		if err != nil {
			return nil, err
		}
		f.SpecificObjective = &so
	}
	rows, err := r.Tx.ListOperations(ctx, f, p)
	if err != nil {
		return nil, err
	}
	for _, x := range rows.Rows {
		r.loaders.opRounds.prime(x.Node.ID)
	}
	return &model.OperationConnection{
		Edges:      edges(rows, func(c string, n store.Operation) model.OperationEdge { return model.OperationEdge{Cursor: c, Node: n} }),
		PageInfo:   pageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

func listParticipationsFiltered(ctx context.Context, f *model.ParticipationFilter, p store.Page) (*model.ParticipationConnection, error) {
	var sf store.ParticipationFilter
	if f != nil {
		var err error
		sf.Search = f.Search
		if sf.OperationID, err = optID("filter.operationId", f.OperationID, "Operation"); err != nil {
			return nil, err
		}
		if sf.RoundID, err = optID("filter.roundId", f.RoundID, "OperationRound"); err != nil {
			return nil, err
		}
	}
	return listParticipations(ctx, sf, p, "filter.search")
}

// listParticipations lists participations; searchField names the search argument in errors.
func listParticipations(ctx context.Context, f store.ParticipationFilter, p store.Page, searchField string) (*model.ParticipationConnection, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	if f.SearchAges, err = r.searchAges(ctx, searchField, f.Search); err != nil {
		return nil, err
	}
	rows, err := r.Tx.ListParticipations(ctx, f, p)
	if err != nil {
		return nil, err
	}
	nodes := make([]store.Participation, len(rows.Rows))
	for i, x := range rows.Rows {
		nodes[i] = x.Node
	}
	r.loaders.primeParticipations(nodes)
	return &model.ParticipationConnection{
		Edges: edges(rows, func(c string, n store.Participation) model.ParticipationEdge {
			return model.ParticipationEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}
