package project

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// EnrolParticipantInput enrols a person in an ESF+ operation with the characteristics at entry.
type EnrolParticipantInput struct {
	OperationID          string
	RoundID              *string
	PersonID             string
	EntryDate            time.Time
	Gender               *string
	BirthDate            *time.Time
	EmploymentStatus     *string
	UnemploymentMonths   *int
	Isced                *int
	HouseholdSize        *int
	CountryOfOrigin      *string
	Disability           *string
	ThirdCountryNational *string
	ForeignBackground    *string
	Minority             *string
	Homeless             *string
	Rural                *string
}

// genderCode maps the API's gender to the participation's ESF code.
var genderCode = map[string]string{"FEMALE": "F", "MALE": "M", "NON_BINARY": "NB"}

// flagCode maps the API's disadvantage flag to the stored code.
var flagCode = map[string]string{"YES": "Y", "NO": "N", "ESTIMATE": "E"}

// EnrolParticipant records a participation. Gender and birth date at entry default to the
// person's record; unknown characteristics stay unknown (the ESF engine reports them as
// missing rather than guessing).
func EnrolParticipant(ctx context.Context, tx *store.Tx, in EnrolParticipantInput) (casedata.Participation, error) {
	var c casework.Checker
	x := casedata.Participation{
		OperationID:        c.ID("operationId", in.OperationID, "Operation"),
		RoundID:            c.OptID("roundId", in.RoundID, "OperationRound"),
		PersonID:           c.ID("personId", in.PersonID, "Person"),
		EntryDate:          in.EntryDate,
		BirthDate:          in.BirthDate,
		EmploymentStatus:   in.EmploymentStatus,
		UnemploymentMonths: in.UnemploymentMonths,
		ISCED:              in.Isced,
		HouseholdSize:      in.HouseholdSize,
		CountryOfOrigin:    c.Country("countryOfOrigin", in.CountryOfOrigin),
	}
	if in.Gender != nil {
		g := genderCode[*in.Gender]
		x.Gender = &g
	}
	for _, f := range []struct {
		in  *string
		out **string
	}{
		{in.Disability, &x.Disability}, {in.ThirdCountryNational, &x.ThirdCountryNational},
		{in.ForeignBackground, &x.ForeignBackground}, {in.Minority, &x.Minority},
		{in.Homeless, &x.Homeless}, {in.Rural, &x.Rural},
	} {
		if f.in != nil {
			v := flagCode[*f.in]
			*f.out = &v
		}
	}
	if in.Isced != nil && (*in.Isced < 0 || *in.Isced > 8) {
		c.Add("input.isced", "must be an ISCED level 0-8")
	}
	if in.HouseholdSize != nil && (*in.HouseholdSize < 1 || *in.HouseholdSize > 30) {
		c.Add("input.householdSize", "must be between 1 and 30")
	}
	if in.UnemploymentMonths != nil && (*in.UnemploymentMonths < 0 || *in.UnemploymentMonths > 600) {
		c.Add("input.unemploymentMonths", "must be between 0 and 600")
	}
	if in.EmploymentStatus != nil && *in.EmploymentStatus == "UNEMPLOYED" && in.UnemploymentMonths == nil {
		c.Add("input.unemploymentMonths", "is required when the participant is unemployed at entry")
	}
	if in.EmploymentStatus != nil && *in.EmploymentStatus != "UNEMPLOYED" && in.UnemploymentMonths != nil {
		c.Add("input.unemploymentMonths", "applies only to unemployed participants")
	}
	if in.BirthDate != nil && in.BirthDate.After(in.EntryDate) {
		c.Add("input.birthDate", "is after the entry date")
	}
	c.NotFuture("entryDate", in.EntryDate, casework.Today())
	op, ok, err := casework.One(ctx, &c, "operationId", x.OperationID, store.Bind(tx, casedata.OperationsByIDs))
	if err != nil {
		return casedata.Participation{}, err
	}
	if ok {
		c.NotBefore("entryDate", in.EntryDate, op.StartsOn, "the operation's start")
		if op.EndsOn != nil && in.EntryDate.After(*op.EndsOn) {
			c.Addf("input.entryDate", "is after the operation's end (%s)", op.EndsOn.Format("2006-01-02"))
		}
	}
	if x.RoundID != nil {
		r, ok, err := casework.One(ctx, &c, "roundId", *x.RoundID, store.Bind(tx, casedata.RoundsByIDs))
		if err != nil {
			return casedata.Participation{}, err
		}
		if ok && r.OperationID != x.OperationID {
			c.Add("input.roundId", "is a round of another operation")
		}
	}
	person, ok, err := casework.One(ctx, &c, "personId", x.PersonID, store.Bind(tx, casedata.PersonsByIDs))
	if err != nil {
		return casedata.Participation{}, err
	}
	if ok {
		if x.Gender == nil && person.Gender != nil {
			g := genderCode[*person.Gender]
			x.Gender = &g
		}
		if x.BirthDate == nil {
			x.BirthDate = person.BirthDate
		}
	}
	if err := c.Err(); err != nil {
		return casedata.Participation{}, err
	}
	id, err := casedata.EnrolParticipant(ctx, tx, x)
	if err != nil {
		// The same person entering the same operation twice on one day is one entry.
		return casedata.Participation{}, apperr.RenameFields(err, map[string]string{"operation_id, person_id, entry_date": "input.entryDate"})
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ParticipationsByIDs))
}

// RecordParticipantExitInput records when a participant left.
type RecordParticipantExitInput struct {
	ParticipationID string
	ExitDate        time.Time
}

// RecordParticipantExit sets the exit date, not before entry and not in the future.
func RecordParticipantExit(ctx context.Context, tx *store.Tx, in RecordParticipantExitInput) (casedata.Participation, error) {
	var c casework.Checker
	id := c.ID("participationId", in.ParticipationID, "Participation")
	x, ok, err := casework.One(ctx, &c, "participationId", id, store.Bind(tx, casedata.ParticipationsByIDs))
	if err != nil {
		return casedata.Participation{}, err
	}
	if ok {
		if x.ExitDate != nil {
			c.Addf("input.participationId", "participant already left on %s", x.ExitDate.Format("2006-01-02"))
		}
		c.NotBefore("exitDate", in.ExitDate, x.EntryDate, "the entry date")
	}
	c.NotFuture("exitDate", in.ExitDate, casework.Today())
	if err := c.Err(); err != nil {
		return casedata.Participation{}, err
	}
	if err := casedata.RecordParticipantExit(ctx, tx, id, in.ExitDate); err != nil {
		return casedata.Participation{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.ParticipationsByIDs))
}
