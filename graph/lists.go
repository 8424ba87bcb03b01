package graph

import (
	"context"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

func listCases(ctx context.Context, f *model.CaseFilter, p store.Page) (*model.CaseConnection, error) {
	r, err := request(ctx)
	if err != nil {
		return nil, err
	}
	var sf store.CaseFilter
	if f != nil {
		sf = store.CaseFilter{Status: f.Status, OpenedFrom: f.OpenedFrom, OpenedTo: f.OpenedTo, Search: f.Search}
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
	return listParticipations(ctx, sf, p)
}

func listParticipations(ctx context.Context, f store.ParticipationFilter, p store.Page) (*model.ParticipationConnection, error) {
	r, err := request(ctx)
	if err != nil {
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
