package model

import "time"

// EsfParticipant is a participant behind an ESF+ value. The schema shows only the
// pseudonym; PersonID and BirthDate stay on the server, so the access layer can apply the
// minors' rule to the record and name the person in the request's access-log entry.
type EsfParticipant struct {
	Pseudonym     *string    `json:"pseudonym,omitempty"`
	OperationCode string     `json:"operationCode"`
	EntryDate     *time.Time `json:"entryDate,omitempty"`
	ExitDate      *time.Time `json:"exitDate,omitempty"`
	// Entries into the operation merged into this participant.
	Entries *int `json:"entries,omitempty"`
	// F, M or NB.
	Gender *string `json:"gender,omitempty"`
	// True when taken from the tax code because the record left it blank.
	GenderDerived *bool `json:"genderDerived,omitempty"`
	// Completed years on the entry date.
	Age                      *int    `json:"age,omitempty"`
	AgeDerived               *bool   `json:"ageDerived,omitempty"`
	EmploymentStatus         *string `json:"employmentStatus,omitempty"`
	Isced                    *int    `json:"isced,omitempty"`
	SituationUponLeaving     *string `json:"situationUponLeaving,omitempty"`
	QualificationUponLeaving *bool   `json:"qualificationUponLeaving,omitempty"`
	SituationSixMonthsAfter  *string `json:"situationSixMonthsAfter,omitempty"`
	// Annex I fields missing from the record (incomplete participants).
	Missing   []string `json:"missing,omitempty"`
	Estimated *bool    `json:"estimated,omitempty"`

	PersonID  string     `json:"-"`
	BirthDate *time.Time `json:"-"`
}

// EsfRecordChange is a participant record that changed since a report was frozen; like
// EsfParticipant it keeps the person's id on the server for the access layer.
type EsfRecordChange struct {
	OperationCode string  `json:"operationCode"`
	Pseudonym     *string `json:"pseudonym,omitempty"`
	Change        string  `json:"change"`

	PersonID string `json:"-"`
}
