package rights

import (
	"context"
	"regexp"
	"strings"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// RectifyInput corrects a person's data on their request (Art. 16). A nil field is left
// as it is; an empty phone, e-mail or municipality clears it. The tax code is not
// rectified here: registry copies are keyed by it, and a wrong one is a new person.
type RectifyInput struct {
	PersonID              string
	RequestID             *string
	GivenName             *string
	FamilyName            *string
	Phone                 *string
	Email                 *string
	ResidenceMunicipality *string
	Reason                string
}

var (
	phoneRe     = regexp.MustCompile(`^\+?[0-9 ]{6,20}$`)
	emailRe     = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	belfioreRe  = regexp.MustCompile(`^[A-Z][0-9]{3}$`)
	maxNameRune = 100
)

// Rectify checks the corrections whole and applies them, each recorded with the value it
// replaced; it returns the changes made (none when every value was already so).
func Rectify(ctx context.Context, tx *store.Tx, in RectifyInput, actor string) ([]rightsdata.Rectification, error) {
	var c apperr.Collector
	person := decode(&c, "input.personId", in.PersonID, "Person")
	var request *string
	if in.RequestID != nil {
		if id := decode(&c, "input.requestId", *in.RequestID, "RightsRequest"); id != "" {
			request = &id
		}
	}
	changes := map[string]*string{}
	name := func(field, col string, v *string) {
		if v == nil {
			return
		}
		s := strings.TrimSpace(*v)
		switch {
		case s == "":
			c.Add("input."+field, "cannot be blank")
		case len([]rune(s)) > maxNameRune:
			c.Addf("input."+field, "is longer than %d characters", maxNameRune)
		}
		changes[col] = &s
	}
	optional := func(field, col string, v *string, re *regexp.Regexp, want string) {
		if v == nil {
			return
		}
		s := strings.TrimSpace(*v)
		if s == "" {
			changes[col] = nil
			return
		}
		if !re.MatchString(s) {
			c.Addf("input."+field, "is not %s", want)
		}
		changes[col] = &s
	}
	name("givenName", "given_name", in.GivenName)
	name("familyName", "family_name", in.FamilyName)
	optional("phone", "phone", in.Phone, phoneRe, "a phone number (digits, spaces, a leading +)")
	optional("email", "email", in.Email, emailRe, "an e-mail address")
	optional("residenceMunicipality", "residence_municipality", in.ResidenceMunicipality, belfioreRe, "a Belfiore municipality code (e.g. G702)")
	if len(changes) == 0 {
		c.Add("input", "names no field to rectify")
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		c.Add("input.reason", "is required: the history says why the data changed")
	case len([]rune(reason)) > 2000:
		c.Add("input.reason", "is longer than 2000 characters")
	}
	if person != "" {
		ps, err := casedata.PersonsByIDs(ctx, tx, []string{person})
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			c.Add("input.personId", "does not exist or is not visible to you")
		}
	}
	if request != nil {
		rs, err := rightsdata.RequestsByIDs(ctx, tx, []string{*request})
		if err != nil {
			return nil, err
		}
		switch {
		case len(rs) == 0:
			c.Add("input.requestId", "does not exist or is not visible to you")
		case rs[0].PersonID == nil || *rs[0].PersonID != person:
			c.Add("input.requestId", "is another person's request")
		case rs[0].Kind != "RECTIFICATION":
			c.Addf("input.requestId", "is a request of kind %s, not RECTIFICATION", rs[0].Kind)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return rightsdata.RectifyPerson(ctx, tx, person, changes, request, reason, actor)
}
