package graph

import (
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// The mutations' payloads wrap what the workflow command returned (request.Mutate).

func memberPayload(m casedata.HouseholdMember) *model.HouseholdMemberPayload {
	return &model.HouseholdMemberPayload{Member: m}
}

func casePayload(c casedata.Case) *model.CasePayload { return &model.CasePayload{Case: c} }

func projectPayload(p casedata.Project) *model.ProjectPayload {
	return &model.ProjectPayload{Project: p}
}

func interventionPayload(i casedata.Intervention) *model.InterventionPayload {
	return &model.InterventionPayload{Intervention: i}
}

func participationPayload(p casedata.Participation) *model.ParticipationPayload {
	return &model.ParticipationPayload{Participation: p}
}

func referralPayload(x casedata.Referral) *model.ReferralPayload {
	return &model.ReferralPayload{Referral: x}
}

func transferPayload(x casedata.Transfer) *model.TransferPayload {
	return &model.TransferPayload{Transfer: x}
}

func assessmentPayload(a casedata.Assessment) *model.AssessmentPayload {
	return &model.AssessmentPayload{Assessment: a}
}
