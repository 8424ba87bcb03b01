package graph

import (
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/store"
)

// The mutations' payloads wrap what the workflow command returned (request.Mutate).

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

func referralPayload(x store.Referral) *model.ReferralPayload {
	return &model.ReferralPayload{Referral: x}
}

func transferPayload(x store.Transfer) *model.TransferPayload {
	return &model.TransferPayload{Transfer: x}
}

func assessmentPayload(a store.Assessment) *model.AssessmentPayload {
	return &model.AssessmentPayload{Assessment: a}
}
