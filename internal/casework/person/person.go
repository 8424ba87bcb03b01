// Package person registers persons and households and keeps their records: identity and
// tax code, declared data, household memberships.
package person

import (
	"context"
	"net/mail"
	"time"

	"github.com/ponte-hub/ponte/internal/casework"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// RegisterPersonInput registers a person by tax code.
type RegisterPersonInput struct {
	TaxCode               string
	GivenName             string
	FamilyName            string
	BirthDate             *time.Time
	Gender                *string
	Citizenship           *string
	CountryOfBirth        *string
	ResidenceMunicipality *string
	Phone                 *string
	Email                 *string
}

// RegisterPerson validates the tax code (and that it agrees with the birth date and gender
// given) and stores the person. Birth date and place are taken from the tax code when absent.
func RegisterPerson(ctx context.Context, tx *store.Tx, in RegisterPersonInput) (casedata.Person, error) {
	var c casework.Checker
	p := casedata.Person{
		GivenName:             c.Text("givenName", in.GivenName, 100),
		FamilyName:            c.Text("familyName", in.FamilyName, 100),
		Gender:                in.Gender,
		ResidenceMunicipality: c.OptText("residenceMunicipality", in.ResidenceMunicipality, 100),
		Phone:                 c.OptText("phone", in.Phone, 40),
		Email:                 c.OptText("email", in.Email, 254),
	}
	code, err := codicefiscale.Parse(in.TaxCode)
	if err != nil {
		c.Add("input.taxCode", "is not a valid tax code: "+codicefiscale.Reason(err))
	} else {
		p.TaxCode = code.String()
		place := code.Birthplace()
		p.BirthPlace = &place
		born := code.BirthDate(casework.Today())
		if in.BirthDate == nil {
			p.BirthDate = &born
		} else {
			p.BirthDate = in.BirthDate
			if !in.BirthDate.Equal(born) && !sameDayMonthYY(*in.BirthDate, born) {
				c.Addf("input.birthDate", "does not match the tax code (which says %s)", born.Format("2006-01-02"))
			}
		}
		if in.Gender != nil && *in.Gender != "NON_BINARY" {
			want := map[byte]string{'F': "FEMALE", 'M': "MALE"}[code.Sex()]
			if *in.Gender != want {
				c.Addf("input.gender", "does not match the tax code (which says %s)", want)
			}
		}
	}
	p.Citizenship = c.Country("citizenship", in.Citizenship)
	p.CountryOfBirth = c.Country("countryOfBirth", in.CountryOfBirth)
	if p.Email != nil {
		if _, err := mail.ParseAddress(*p.Email); err != nil {
			c.Add("input.email", "is not an e-mail address")
		}
	}
	if p.BirthDate != nil && p.BirthDate.After(casework.Today()) {
		c.Add("input.birthDate", "is in the future")
	}
	if err := c.Err(); err != nil {
		return casedata.Person{}, err
	}
	id, err := casedata.CreatePerson(ctx, tx, p)
	if err != nil {
		// "Already registered" is the same answer whether the caller can see that person or
		// not, and no more; that it tells the hub holds the tax code at all is the residual
		// risk of one person per tax code (internal/store, uniqueKeys).
		return casedata.Person{}, apperr.RenameFields(err, map[string]string{"tax_code": "input.taxCode"})
	}
	// Returned as written: a person in no case yet lies outside case-based row scopes.
	p.ID = id
	return p, nil
}

// sameDayMonthYY accepts a declared birth date whose century differs from the tax code's
// guess: the code carries only two year digits.
func sameDayMonthYY(a, b time.Time) bool {
	return a.Day() == b.Day() && a.Month() == b.Month() && a.Year()%100 == b.Year()%100
}

// CreateHouseholdInput creates an empty household.
type CreateHouseholdInput struct {
	Label                 string
	ResidenceMunicipality *string
}

// CreateHousehold stores a household with no members yet.
func CreateHousehold(ctx context.Context, tx *store.Tx, in CreateHouseholdInput) (casedata.Household, error) {
	var c casework.Checker
	label := c.Text("label", in.Label, 200)
	mun := c.OptText("residenceMunicipality", in.ResidenceMunicipality, 100)
	if err := c.Err(); err != nil {
		return casedata.Household{}, err
	}
	id, err := casedata.CreateHousehold(ctx, tx, label, mun)
	if err != nil {
		return casedata.Household{}, err
	}
	// A household with no members is outside every member-based scope, so it is
	// returned as written rather than re-read.
	return casedata.Household{ID: id, Label: label, ResidenceMunicipality: mun}, nil
}

// AddHouseholdMemberInput adds a person to a household from a date.
type AddHouseholdMemberInput struct {
	HouseholdID  string
	PersonID     string
	Relationship string
	ValidFrom    time.Time
}

// AddHouseholdMember adds a membership; a person cannot be in the same household twice at once.
func AddHouseholdMember(ctx context.Context, tx *store.Tx, in AddHouseholdMemberInput) (casedata.HouseholdMember, error) {
	var c casework.Checker
	hid := c.ID("householdId", in.HouseholdID, "Household")
	pid := c.ID("personId", in.PersonID, "Person")
	if _, _, err := casework.One(ctx, &c, "personId", pid, store.Bind(tx, casedata.PersonsByIDs)); err != nil {
		return casedata.HouseholdMember{}, err
	}
	if err := c.Err(); err != nil {
		return casedata.HouseholdMember{}, err
	}
	dup, err := casedata.ActiveMembership(ctx, tx, hid, pid, in.ValidFrom)
	if err != nil {
		return casedata.HouseholdMember{}, err
	}
	if dup {
		c.Add("input.personId", "is already a member of this household on that date")
		return casedata.HouseholdMember{}, c.Err()
	}
	id, err := casedata.AddHouseholdMember(ctx, tx, casedata.HouseholdMember{HouseholdID: hid, PersonID: pid, Relationship: in.Relationship, ValidFrom: in.ValidFrom})
	if err != nil {
		return casedata.HouseholdMember{}, err
	}
	return casedata.MemberByID(ctx, tx, id)
}

// EndHouseholdMembershipInput ends a membership on a date.
type EndHouseholdMembershipInput struct {
	MemberID string
	ValidTo  time.Time
}

// EndHouseholdMembership sets the last day of a current membership.
func EndHouseholdMembership(ctx context.Context, tx *store.Tx, in EndHouseholdMembershipInput) (casedata.HouseholdMember, error) {
	var c casework.Checker
	id := c.ID("memberId", in.MemberID, "HouseholdMember")
	if err := c.Err(); err != nil {
		return casedata.HouseholdMember{}, err
	}
	m, err := casedata.MemberByID(ctx, tx, id)
	if err := c.Exists("memberId", err); err != nil {
		return casedata.HouseholdMember{}, err
	}
	if err := c.Err(); err != nil {
		return casedata.HouseholdMember{}, err
	}
	if m.ValidTo != nil {
		c.Addf("input.memberId", "membership already ended on %s", m.ValidTo.Format("2006-01-02"))
	}
	c.NotBefore("validTo", in.ValidTo, m.ValidFrom, "the start of the membership")
	if err := c.Err(); err != nil {
		return casedata.HouseholdMember{}, err
	}
	if err := casedata.EndHouseholdMembership(ctx, tx, id, in.ValidTo); err != nil {
		return casedata.HouseholdMember{}, err
	}
	return casedata.MemberByID(ctx, tx, id)
}

// UpdatePersonInput rectifies a person's data (GDPR Art. 16): absent fields keep their
// value, an empty string clears an optional one. Reason says why (the request, the
// document that shows the right value).
type UpdatePersonInput struct {
	PersonID              string
	TaxCode               *string
	GivenName             *string
	FamilyName            *string
	BirthDate             *time.Time
	Gender                *string
	Citizenship           *string
	CountryOfBirth        *string
	ResidenceMunicipality *string
	Phone                 *string
	Email                 *string
	Reason                string
}

// UpdatePerson applies a rectification checked as a registration is (the tax code agrees
// with the birth date and gender), and keeps the previous values, each with its data
// category, in the person's history.
func UpdatePerson(ctx context.Context, tx *store.Tx, in UpdatePersonInput) (casedata.Person, error) {
	var c casework.Checker
	id := c.ID("personId", in.PersonID, "Person")
	reason := c.Text("reason", in.Reason, 2000)
	p, ok, err := casework.One(ctx, &c, "personId", id, store.Bind(tx, casedata.PersonsByIDs))
	if err != nil || !ok {
		if err == nil {
			err = c.Err()
		}
		return casedata.Person{}, err
	}
	before := p
	if in.GivenName != nil {
		p.GivenName = c.Text("givenName", *in.GivenName, 100)
	}
	if in.FamilyName != nil {
		p.FamilyName = c.Text("familyName", *in.FamilyName, 100)
	}
	if in.BirthDate != nil {
		p.BirthDate = in.BirthDate
	}
	if in.Gender != nil {
		p.Gender = in.Gender
	}
	if in.Citizenship != nil {
		p.Citizenship = c.Country("citizenship", in.Citizenship)
	}
	if in.CountryOfBirth != nil {
		p.CountryOfBirth = c.Country("countryOfBirth", in.CountryOfBirth)
	}
	if in.ResidenceMunicipality != nil {
		p.ResidenceMunicipality = c.OptText("residenceMunicipality", in.ResidenceMunicipality, 100)
	}
	if in.Phone != nil {
		p.Phone = c.OptText("phone", in.Phone, 40)
	}
	if in.Email != nil {
		p.Email = c.OptText("email", in.Email, 254)
		if p.Email != nil {
			if _, err := mail.ParseAddress(*p.Email); err != nil {
				c.Add("input.email", "is not an e-mail address")
			}
		}
	}
	if in.TaxCode != nil {
		code, err := codicefiscale.Parse(*in.TaxCode)
		if err != nil {
			c.Add("input.taxCode", "is not a valid tax code: "+codicefiscale.Reason(err))
		} else {
			p.TaxCode = code.String()
			place := code.Birthplace()
			p.BirthPlace = &place
		}
	}
	if code, err := codicefiscale.Parse(p.TaxCode); err == nil && (in.TaxCode != nil || in.BirthDate != nil || in.Gender != nil) {
		born := code.BirthDate(casework.Today())
		if p.BirthDate != nil && !p.BirthDate.Equal(born) && !sameDayMonthYY(*p.BirthDate, born) {
			c.Addf("input.birthDate", "does not match the tax code (which says %s)", born.Format("2006-01-02"))
		}
		if p.Gender != nil && *p.Gender != "NON_BINARY" {
			if want := map[byte]string{'F': "FEMALE", 'M': "MALE"}[code.Sex()]; *p.Gender != want {
				c.Addf("input.gender", "does not match the tax code (which says %s)", want)
			}
		}
	}
	if p.BirthDate != nil && p.BirthDate.After(casework.Today()) {
		c.Add("input.birthDate", "is in the future")
	}
	ch := casework.Changes(
		casework.Change("taxCode", "identity", &before.TaxCode, &p.TaxCode),
		casework.Change("givenName", "identity", &before.GivenName, &p.GivenName),
		casework.Change("familyName", "identity", &before.FamilyName, &p.FamilyName),
		casework.Change("birthDate", "identity", casework.DateText(before.BirthDate), casework.DateText(p.BirthDate)),
		casework.Change("birthPlace", "identity", before.BirthPlace, p.BirthPlace),
		casework.Change("gender", "demographic", before.Gender, p.Gender),
		casework.Change("citizenship", "demographic", before.Citizenship, p.Citizenship),
		casework.Change("countryOfBirth", "demographic", before.CountryOfBirth, p.CountryOfBirth),
		casework.Change("residenceMunicipality", "demographic", before.ResidenceMunicipality, p.ResidenceMunicipality),
		casework.Change("phone", "contact", before.Phone, p.Phone),
		casework.Change("email", "contact", before.Email, p.Email))
	if len(ch) == 0 {
		c.Add("input", "changes nothing")
	}
	if err := c.Err(); err != nil {
		return casedata.Person{}, err
	}
	if p.TaxCode != before.TaxCode {
		// A new tax code rewrites the person's participations in every operation (what is
		// derived from it, and which employment events are theirs): those operations' ESF+
		// counts are locked first, in key order, see store.LockESFOperations.
		if err := store.LockESFOperationsOfPersons(ctx, tx, []string{id}); err != nil {
			return casedata.Person{}, err
		}
	}
	if err := casedata.UpdatePerson(ctx, tx, p); err != nil {
		return casedata.Person{}, apperr.RenameFields(err, map[string]string{"tax_code": "input.taxCode"})
	}
	if err := casedata.AddPersonDataChange(ctx, tx, id, reason, ch, casework.ActorFrom(ctx).StaffRef()); err != nil {
		return casedata.Person{}, err
	}
	return casework.Reload(ctx, id, store.Bind(tx, casedata.PersonsByIDs))
}
