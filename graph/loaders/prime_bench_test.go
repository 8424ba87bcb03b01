package loaders

import (
	"fmt"
	"testing"
	"time"

	"github.com/ponte-hub/ponte/internal/store/casedata"
)

// BenchmarkPrimePage primes what a 50-case page's rows prime (its cases, their persons
// and members), most of it for relations the page never asks for, and fetches nothing.
func BenchmarkPrimePage(b *testing.B) {
	cases := make([]casedata.Case, 50)
	persons := make([]casedata.Person, 190)
	for i := range cases {
		h, p := fmt.Sprintf("h-%d", i), fmt.Sprintf("p-%d", i)
		cases[i] = casedata.Case{ID: fmt.Sprintf("c-%d", i), HouseholdID: &h, PersonID: &p, OrganisationID: "o-1", LeadWorkerID: fmt.Sprintf("s-%d", i%7)}
	}
	for i := range persons {
		persons[i] = casedata.Person{ID: fmt.Sprintf("p-%d", i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		l := New(nil, time.Time{})
		l.PrimeCases(cases)
		l.PrimePersons(persons)
	}
}
