package rights

import (
	"context"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// EraseInput erases a person's data on their request (Art. 17).
type EraseInput struct {
	PersonID  string
	RequestID *string
}

// Erasure is what an erasure did.
type Erasure struct {
	PersonID string
	Detail   string
}

// Erase pseudonymises a person's data where no legal obligation keeps it; where one
// does, it refuses with an *apperr.RetainedError naming the obligation and the last day
// it keeps the data. ESF+ participations are kept for five years from 31 December of the
// year of the operation's last payment (Reg. (EU) 2021/1060 Art. 82).
func Erase(ctx context.Context, tx *store.Tx, in EraseInput, actor string, today time.Time) (Erasure, error) {
	var c apperr.Collector
	person := decode(&c, "input.personId", in.PersonID, "Person")
	var request *string
	if in.RequestID != nil {
		if id := decode(&c, "input.requestId", *in.RequestID, "RightsRequest"); id != "" {
			request = &id
		}
	}
	if person != "" {
		ps, err := casedata.PersonsByIDs(ctx, tx, []string{person})
		if err != nil {
			return Erasure{}, err
		}
		if len(ps) == 0 {
			c.Add("input.personId", "does not exist or is not visible to you")
		}
	}
	if request != nil {
		rs, err := rightsdata.RequestsByIDs(ctx, tx, []string{*request})
		if err != nil {
			return Erasure{}, err
		}
		switch {
		case len(rs) == 0:
			c.Add("input.requestId", "does not exist or is not visible to you")
		case rs[0].PersonID == nil || *rs[0].PersonID != person:
			c.Add("input.requestId", "is another person's request")
		case rs[0].Kind != "ERASURE":
			c.Addf("input.requestId", "is a request of kind %s, not ERASURE", rs[0].Kind)
		}
	}
	if err := c.Err(); err != nil {
		return Erasure{}, err
	}
	obligations, err := rightsdata.ESFObligations(ctx, tx, person, day(today))
	if err != nil {
		return Erasure{}, err
	}
	if len(obligations) > 0 {
		return Erasure{}, retained(obligations)
	}
	res, err := rightsdata.PseudonymisePerson(ctx, tx, person)
	if err != nil {
		return Erasure{}, err
	}
	if _, err := rightsdata.AppendRetentionLedger(ctx, tx, rightsdata.RetentionLedgerEntry{At: time.Now(), Actor: actor, Rule: "erasure_request",
		PersonID: &person, RequestID: request, Action: "PSEUDONYMISED", DueOn: day(today), Detail: res.String()}); err != nil {
		return Erasure{}, err
	}
	return Erasure{PersonID: person, Detail: res.String()}, nil
}

// retained is the refusal for the obligation that keeps the data longest: one whose
// last payment is not made yet, else the latest end.
func retained(obs []rightsdata.ESFObligation) error {
	longest := obs[0]
	for _, o := range obs[1:] {
		if o.KeptUntil == nil || (longest.KeptUntil != nil && o.KeptUntil.After(*longest.KeptUntil)) {
			longest = o
		}
	}
	e := &apperr.RetainedError{Obligation: "Reg. (EU) 2021/1060 Art. 82: the records of ESF+ operation " + longest.OperationCode,
		Until: longest.KeptUntil}
	if longest.LastPaymentOn == nil {
		e.Why = "the operation's last payment is not made yet; its records are kept five years from 31 December of that payment's year"
	} else {
		e.Why = "five years from 31 December of the year of the operation's last payment (" + longest.LastPaymentOn.Format(time.DateOnly) + ")"
	}
	return e
}
