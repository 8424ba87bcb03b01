package graph

import (
	"context"
	"strings"

	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// mutate runs a workflow command in the request's transaction and wraps its result. The
// server rolls the whole transaction back when any mutation fails, so nothing partial lands.
func mutate[In, Out, P any](ctx context.Context, in In, cmd func(context.Context, *store.Tx, In) (Out, error), payload func(Out) P) (P, error) {
	var zero P
	r, err := request(ctx)
	if err != nil {
		return zero, err
	}
	out, err := cmd(casework.WithActor(ctx, r.actor()), r.Tx, in)
	if err != nil {
		return zero, apperr.MapFields(err, inputField)
	}
	recordWritten(ctx, r, out)
	return payload(out), nil
}

func memberPayload(m store.HouseholdMember) *model.HouseholdMemberPayload {
	return &model.HouseholdMemberPayload{Member: m}
}

func casePayload(c store.Case) *model.CasePayload { return &model.CasePayload{Case: c} }

func projectPayload(p store.Project) *model.ProjectPayload { return &model.ProjectPayload{Project: p} }

func interventionPayload(i store.Intervention) *model.InterventionPayload {
	return &model.InterventionPayload{Intervention: i}
}

func participationPayload(p store.Participation) *model.ParticipationPayload {
	return &model.ParticipationPayload{Participation: p}
}

// inputField names a problem's field as the mutation's client wrote it. The workflow
// commands name their input's fields already ("input.taxCode"); what reaches them from
// the database names a column ("household_id", or the columns of a key), which becomes
// the input field of the same name, and a problem with no column is the input's.
func inputField(f string) string {
	switch {
	case f == "":
		return "input"
	case f == "input" || strings.HasPrefix(f, "input."):
		return f
	}
	col, _, _ := strings.Cut(f, ",")
	parts := strings.Split(strings.TrimSpace(col), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return "input." + strings.Join(parts, "")
}
