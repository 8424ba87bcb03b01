// Package lists answers the API's connections of the hub's own rows (cases, persons,
// organisations, operations, participations): the paging arguments, the filters the
// request's plan allows, and the loaders primed for each page.
package lists

import (
	"context"

	"github.com/ponte-hub/ponte/graph/args"
	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// Cases lists the cases the request sees, filtered by what its plan may read.
func Cases(ctx context.Context, f *model.CaseFilter, p store.Page) (*model.CaseConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	var sf casedata.CaseFilter
	if f != nil {
		set := f.Status != nil || f.DepartmentID != nil || f.OrganisationID != nil || f.OpenedFrom != nil || f.OpenedTo != nil
		if err := r.CheckFilter("filter", set, access.CategoryCase); err != nil {
			return nil, err
		}
		born, err := r.SearchAges(ctx, "filter.search", f.Search)
		if err != nil {
			return nil, err
		}
		sf = casedata.CaseFilter{Status: f.Status, OpenedFrom: f.OpenedFrom, OpenedTo: f.OpenedTo, Search: f.Search, SearchAges: born}
		if sf.DepartmentID, err = args.OptID("filter.departmentId", f.DepartmentID, "Department"); err != nil {
			return nil, err
		}
		if sf.OrganisationID, err = args.OptID("filter.organisationId", f.OrganisationID, "Organisation"); err != nil {
			return nil, err
		}
	}
	rows, err := casedata.ListCases(ctx, r.Tx(), sf, p)
	if err != nil {
		return nil, err
	}
	nodes := make([]casedata.Case, len(rows.Rows))
	for i, x := range rows.Rows {
		nodes[i] = x.Node
	}
	r.Loaders().PrimeCases(nodes)
	return &model.CaseConnection{
		Edges:      Edges(rows, func(c string, n casedata.Case) model.CaseEdge { return model.CaseEdge{Cursor: c, Node: n} }),
		PageInfo:   PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// Persons lists the persons the request sees; a search matches only whom it may read.
func Persons(ctx context.Context, f *model.PersonFilter, p store.Page) (*model.PersonConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	var sf casedata.PersonFilter
	if f != nil {
		if sf.SearchAges, err = r.SearchAges(ctx, "filter.search", f.Search); err != nil {
			return nil, err
		}
		sf.Search = f.Search
	}
	rows, err := casedata.ListPersons(ctx, r.Tx(), sf, p)
	if err != nil {
		return nil, err
	}
	nodes := make([]casedata.Person, len(rows.Rows))
	for i, x := range rows.Rows {
		nodes[i] = x.Node
	}
	r.Loaders().PrimePersons(nodes)
	return &model.PersonConnection{
		Edges:      Edges(rows, func(c string, n casedata.Person) model.PersonEdge { return model.PersonEdge{Cursor: c, Node: n} }),
		PageInfo:   PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// Organisations lists organisations, of one kind when kind is set.
func Organisations(ctx context.Context, kind *string, p store.Page) (*model.OrganisationConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := casedata.ListOrganisations(ctx, r.Tx(), kind, p)
	if err != nil {
		return nil, err
	}
	for _, x := range rows.Rows {
		loaders.OrganisationDepartments(r.Loaders()).Prime(x.Node.ID)
	}
	return &model.OrganisationConnection{
		Edges: Edges(rows, func(c string, n casedata.Organisation) model.OrganisationEdge {
			return model.OrganisationEdge{Cursor: c, Node: n}
		}),
		PageInfo:   PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// Operations lists ESF+ operations, by programme and specific objective.
func Operations(ctx context.Context, programme, specificObjective *string, p store.Page) (*model.OperationConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	f := casedata.OperationFilter{Programme: programme}
	if specificObjective != nil {
		so, err := esf.ParseObjective("specificObjective", *specificObjective)
		if err != nil {
			return nil, err
		}
		f.SpecificObjective = &so
	}
	rows, err := casedata.ListOperations(ctx, r.Tx(), f, p)
	if err != nil {
		return nil, err
	}
	for _, x := range rows.Rows {
		loaders.OperationRounds(r.Loaders()).Prime(x.Node.ID)
	}
	return &model.OperationConnection{
		Edges: Edges(rows, func(c string, n casedata.Operation) model.OperationEdge {
			return model.OperationEdge{Cursor: c, Node: n}
		}),
		PageInfo:   PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}

// FilteredParticipations lists participations under the API's filter.
func FilteredParticipations(ctx context.Context, f *model.ParticipationFilter, p store.Page) (*model.ParticipationConnection, error) {
	var sf casedata.ParticipationFilter
	if f != nil {
		var err error
		sf.Search = f.Search
		if sf.OperationID, err = args.OptID("filter.operationId", f.OperationID, "Operation"); err != nil {
			return nil, err
		}
		if sf.RoundID, err = args.OptID("filter.roundId", f.RoundID, "OperationRound"); err != nil {
			return nil, err
		}
	}
	return Participations(ctx, sf, p, "filter.search")
}

// Participations lists participations; searchField names the search argument in errors.
func Participations(ctx context.Context, f casedata.ParticipationFilter, p store.Page, searchField string) (*model.ParticipationConnection, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	if f.SearchAges, err = r.SearchAges(ctx, searchField, f.Search); err != nil {
		return nil, err
	}
	rows, err := casedata.ListParticipations(ctx, r.Tx(), f, p)
	if err != nil {
		return nil, err
	}
	nodes := make([]casedata.Participation, len(rows.Rows))
	for i, x := range rows.Rows {
		nodes[i] = x.Node
	}
	r.Loaders().PrimeParticipations(nodes)
	return &model.ParticipationConnection{
		Edges: Edges(rows, func(c string, n casedata.Participation) model.ParticipationEdge {
			return model.ParticipationEdge{Cursor: c, Node: n}
		}),
		PageInfo:   PageInfo(rows),
		TotalCount: rows.TotalCount,
	}, nil
}
