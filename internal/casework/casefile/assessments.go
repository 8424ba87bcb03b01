package casefile

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// RecordAssessmentInput records the access & evaluation form.
type RecordAssessmentInput struct {
	CaseID                string
	PersonID              string
	AssessorID            string
	AssessedOn            time.Time
	Scores                []casedata.AssessmentScore
	WorkExperience        *string
	ProfessionalInterests *string
	HealthNotes           *string
	ProposedInterventions []string
}

// Areas are the ten employability areas every assessment scores.
var Areas = []string{"PERSONAL_CONDITIONS", "FAMILY_CONDITIONS_NETWORKS", "ECONOMIC_SITUATION",
	"EDUCATION_TRAINING_SKILLS", "COMMUNICATION_SKILLS", "ITALIAN_LANGUAGE", "DIGITAL_SKILLS",
	"EMPLOYMENT_STABILITY", "TRANSVERSAL_SKILLS", "MOBILITY_AUTONOMY"}

// RecordAssessment stores an assessment of a person in an open case, scored on all ten areas.
func RecordAssessment(ctx context.Context, tx *store.Tx, in RecordAssessmentInput) (casedata.Assessment, error) {
	var c casework.Checker
	a := casedata.NewAssessment{
		CaseID:                c.ID("caseId", in.CaseID, "Case"),
		PersonID:              c.ID("personId", in.PersonID, "Person"),
		AssessorID:            c.ID("assessorId", in.AssessorID, "Staff"),
		AssessedOn:            in.AssessedOn,
		WorkExperience:        c.OptText("workExperience", in.WorkExperience, 4000),
		ProfessionalInterests: c.OptText("professionalInterests", in.ProfessionalInterests, 4000),
		HealthNotes:           c.OptText("healthNotes", in.HealthNotes, 4000),
		ProposedInterventions: casework.Distinct(in.ProposedInterventions),
	}
	seen := map[string]bool{}
	for i, s := range in.Scores {
		if seen[s.Area] {
			c.Addf("input.scores", "area %s is scored twice", s.Area)
		}
		seen[s.Area] = true
		if s.Score < 1 || s.Score > 5 {
			c.Addf("input.scores", "score %d of area %s (item %d) is outside 1-5", s.Score, s.Area, i+1)
		}
		a.Scores = append(a.Scores, casedata.AssessmentScore{Area: s.Area, Score: s.Score, Note: c.OptText("scores.note", s.Note, 2000)})
	}
	for _, area := range Areas {
		if !seen[area] {
			c.Addf("input.scores", "area %s is not scored (all ten areas are required)", area)
		}
	}
	c.NotFuture("assessedOn", in.AssessedOn, casework.Today())
	cs, err := casework.CheckCaseOpen(ctx, tx, &c, a.CaseID, in.AssessedOn, "assessedOn")
	if err != nil {
		return casedata.Assessment{}, err
	}
	if err := casework.CheckInCase(ctx, tx, &c, cs, a.PersonID, "personId"); err != nil {
		return casedata.Assessment{}, err
	}
	if _, _, err := casework.One(ctx, &c, "assessorId", a.AssessorID, store.Bind(tx, casedata.StaffByIDs)); err != nil {
		return casedata.Assessment{}, err
	}
	if err := c.Err(); err != nil {
		return casedata.Assessment{}, err
	}
	id, err := casedata.RecordAssessment(ctx, tx, a)
	if err != nil {
		return casedata.Assessment{}, apperr.RenameFields(err, map[string]string{"assessment_id, area": "input.scores"})
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.AssessmentsByIDs))
}

// CorrectAssessmentInput corrects an assessment; absent fields keep their value, and the
// scores given replace those of their areas.
type CorrectAssessmentInput struct {
	AssessmentID          string
	AssessedOn            *time.Time
	Scores                []casedata.AssessmentScore
	WorkExperience        *string
	ProfessionalInterests *string
	HealthNotes           *string
	ProposedInterventions []string
	Reason                string
}

// CorrectAssessment applies a correction and keeps the previous values in the case's
// history, each with its data category.
func CorrectAssessment(ctx context.Context, tx *store.Tx, in CorrectAssessmentInput) (casedata.Assessment, error) {
	var c casework.Checker
	id := c.ID("assessmentId", in.AssessmentID, "Assessment")
	reason := c.Text("reason", in.Reason, 2000)
	a, ok, err := casework.One(ctx, &c, "assessmentId", id, store.Bind(tx, casedata.AssessmentsByIDs))
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return casedata.Assessment{}, err
	}
	before := a
	before.Scores = slices.Clone(a.Scores)
	if a.CancelledAt != nil {
		c.Add("input.assessmentId", "assessment is cancelled")
	}
	if in.AssessedOn != nil {
		a.AssessedOn = *in.AssessedOn
		c.NotFuture("assessedOn", *in.AssessedOn, casework.Today())
	}
	if _, err := casework.CheckCaseOpen(ctx, tx, &c, a.CaseID, a.AssessedOn, "assessedOn"); err != nil {
		return casedata.Assessment{}, err
	}
	seen := map[string]bool{}
	for i, s := range in.Scores {
		if !slices.Contains(Areas, s.Area) {
			c.Addf("input.scores", "area %s is not an employability area", s.Area)
		}
		if seen[s.Area] {
			c.Addf("input.scores", "area %s is scored twice", s.Area)
		}
		seen[s.Area] = true
		if s.Score < 1 || s.Score > 5 {
			c.Addf("input.scores", "score %d of area %s (item %d) is outside 1-5", s.Score, s.Area, i+1)
		}
		note := c.OptText("scores.note", s.Note, 2000)
		replaced := false
		for j := range a.Scores {
			if a.Scores[j].Area == s.Area {
				a.Scores[j].Score, a.Scores[j].Note, replaced = s.Score, note, true
			}
		}
		if !replaced {
			a.Scores = append(a.Scores, casedata.AssessmentScore{Area: s.Area, Score: s.Score, Note: note, CaseID: a.CaseID})
		}
	}
	for _, f := range []struct {
		name string
		in   *string
		out  **string
	}{
		{"workExperience", in.WorkExperience, &a.WorkExperience},
		{"professionalInterests", in.ProfessionalInterests, &a.ProfessionalInterests},
		{"healthNotes", in.HealthNotes, &a.HealthNotes},
	} {
		if f.in != nil {
			*f.out = c.OptText(f.name, f.in, 4000)
		}
	}
	if in.ProposedInterventions != nil {
		a.ProposedInterventions = casework.Distinct(in.ProposedInterventions)
	}
	ch := assessmentChanges(before, a)
	if len(ch) == 0 {
		c.Add("input", "changes nothing")
	}
	if err := c.Err(); err != nil {
		return casedata.Assessment{}, err
	}
	if err := casedata.CorrectAssessment(ctx, tx, a); err != nil {
		return casedata.Assessment{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: a.CaseID, Kind: "ASSESSMENT_CORRECTED", Category: "services", SubjectID: &a.ID,
		Reason: &reason, EffectiveOn: datePtr(casework.Today()), Changes: ch}); err != nil {
		return casedata.Assessment{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.AssessmentsByIDs))
}

func assessmentChanges(a, b casedata.Assessment) []casedata.FieldChange {
	score := func(x casedata.Assessment, area string) (*string, *string) {
		for _, s := range x.Scores {
			if s.Area == area {
				return ptr(strconv.Itoa(s.Score)), s.Note
			}
		}
		return nil, nil
	}
	out := casework.Changes(
		casework.Change("assessedOn", "services", casework.DateText(&a.AssessedOn), casework.DateText(&b.AssessedOn)),
		casework.Change("workExperience", "employment", a.WorkExperience, b.WorkExperience),
		casework.Change("professionalInterests", "employment", a.ProfessionalInterests, b.ProfessionalInterests),
		casework.Change("healthNotes", "health", a.HealthNotes, b.HealthNotes),
		casework.Change("proposedInterventions", "services", ptr(strings.Join(a.ProposedInterventions, ",")), ptr(strings.Join(b.ProposedInterventions, ","))))
	for _, area := range Areas {
		as, an := score(a, area)
		bs, bn := score(b, area)
		out = append(out, casework.Changes(casework.Change(fmt.Sprintf("scores.%s", area), "employment", as, bs),
			casework.Change(fmt.Sprintf("scores.%s.note", area), "case_notes", an, bn))...)
	}
	return out
}

// CancelAssessmentInput cancels an assessment recorded in error.
type CancelAssessmentInput struct {
	AssessmentID string
	Reason       string
}

// CancelAssessment keeps an assessment recorded in error, cancelled, with the reason.
func CancelAssessment(ctx context.Context, tx *store.Tx, in CancelAssessmentInput) (casedata.Assessment, error) {
	var c casework.Checker
	id := c.ID("assessmentId", in.AssessmentID, "Assessment")
	reason := c.Text("reason", in.Reason, 2000)
	a, ok, err := casework.One(ctx, &c, "assessmentId", id, store.Bind(tx, casedata.AssessmentsByIDs))
	if err != nil {
		return casedata.Assessment{}, err
	}
	if ok {
		if a.CancelledAt != nil {
			c.Add("input.assessmentId", "assessment is already cancelled")
		}
		if _, err := casework.CheckCaseOpen(ctx, tx, &c, a.CaseID, time.Time{}, ""); err != nil {
			return casedata.Assessment{}, err
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Assessment{}, err
	}
	if err := casedata.CancelAssessment(ctx, tx, id, reason); err != nil {
		return casedata.Assessment{}, err
	}
	if err := casework.Event(ctx, tx, casedata.CaseEvent{CaseID: a.CaseID, Kind: "ASSESSMENT_CANCELLED", Category: "services", SubjectID: &a.ID,
		Reason: &reason, EffectiveOn: datePtr(casework.Today())}); err != nil {
		return casedata.Assessment{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.AssessmentsByIDs))
}

func ptr[T any](v T) *T { return &v }

func datePtr(d time.Time) *time.Time { return &d }
