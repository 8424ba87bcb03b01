package graph

import "github.com/ponte-hub/ponte/internal/store"

// Pickers name a request's loader for the generic load helpers.
func organisationsL(l *loaders) *loader[*store.Organisation] { return l.organisations }
func departmentsL(l *loaders) *loader[*store.Department]     { return l.departments }
func staffL(l *loaders) *loader[*store.Staff]                { return l.staff }
func personsL(l *loaders) *loader[*store.Person]             { return l.persons }
func householdsL(l *loaders) *loader[*store.Household]       { return l.households }
func casesL(l *loaders) *loader[*store.Case]                 { return l.cases }
func projectsL(l *loaders) *loader[*store.Project]           { return l.projects }
func operationsL(l *loaders) *loader[*store.Operation]       { return l.operations }
func roundsL(l *loaders) *loader[*store.Round]               { return l.rounds }

// genderName maps a participation's ESF gender code to the API's Gender.
var genderName = map[string]string{"F": "FEMALE", "M": "MALE", "NB": "NON_BINARY"}

// flagName maps a stored disadvantage flag to the API's DisadvantageFlag.
var flagName = map[string]string{"Y": "YES", "N": "NO", "E": "ESTIMATE"}

func decode(v *string, names map[string]string) *string {
	if v == nil {
		return nil
	}
	n, ok := names[*v]
	if !ok {
		return nil
	}
	return &n
}

// ptr returns a pointer to a copy of v, for nullable fields computed from values.
func ptr[T any](v T) *T { return &v }
