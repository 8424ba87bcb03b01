package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// One case as the hub answers it, and as PostGraphile answers its query (connections
// under nodes, a department under its link row).
const (
	hubAnswer = `{"data":{"cases":{"totalCount":1204,"pageInfo":{"hasNextPage":true,"endCursor":"x"},"edges":[{"cursor":"a","node":{
		"id":"Q2FzZTox","reference":"SYN-2023-0009716","status":"OPEN","openedOn":"2023-02-10",
		"person":{"id":"p","taxCode":"T","familyName":"Diop","households":[{"relationship":"HEAD","household":{"id":"h","label":"Nucleo Diop"}}]},
		"household":{"id":"h","label":"Nucleo Diop","members":[{"relationship":"HEAD","validFrom":"2015-03-26","person":{"id":"p","givenName":"Moussa","birthDate":"1989-11-04"}},{"relationship":"CHILD","validFrom":"2016-01-01","person":null}]},
		"leadWorker":{"displayName":"W","organisation":{"name":"SdS"}},
		"departments":[{"name":"A"},{"name":"B"}],
		"organisations":[{"role":"LEAD","organisation":{"code":"SDS-PISA"}}],
		"projects":[{"id":"pr","title":"T","status":"ACTIVE","provider":null,"caseManager":{"displayName":"M"},
			"interventions":[{"serviceType":"X","status":"S","beneficiary":{"givenName":"Moussa"},"round":{"number":1,"operation":{"code":"O"}}},{"serviceType":"Y","status":"S","beneficiary":null,"round":null}]}],
		"interventions":[{"id":"i1","serviceType":"X"},{"id":"i2","serviceType":"Y"}]}}]}}}`
	postgraphileAnswer = `{"data":{"allCases":{"totalCount":1204,"pageInfo":{"hasNextPage":true,"endCursor":"y"},"edges":[{"cursor":"b","node":{
		"id":"WyJDYXNlIl0=","rowId":"01a2","reference":"SYN-2023-0009716","status":"OPEN","openedOn":"2023-02-10",
		"person":{"id":"p","taxCode":"T","familyName":"Diop","households":{"nodes":[{"relationship":"HEAD","household":{"id":"h","label":"Nucleo Diop"}}]}},
		"household":{"id":"h","label":"Nucleo Diop","members":{"nodes":[{"relationship":"HEAD","validFrom":"2015-03-26","person":{"id":"p","givenName":"Moussa","birthDate":"1989-11-04"}},{"relationship":"CHILD","validFrom":"2016-01-01","person":null}]}},
		"leadWorker":{"displayName":"W","organisation":{"name":"SdS"}},
		"departments":{"nodes":[{"department":{"name":"A"}},{"department":{"name":"B"}}]},
		"organisations":{"nodes":[{"role":"LEAD","organisation":{"code":"SDS-PISA"}}]},
		"projects":{"nodes":[{"id":"pr","title":"T","status":"ACTIVE","provider":null,"caseManager":{"displayName":"M"},
			"interventions":{"nodes":[{"serviceType":"X","status":"S","beneficiary":{"givenName":"Moussa"},"round":{"number":1,"operation":{"code":"O"}}},{"serviceType":"Y","status":"S","beneficiary":null,"round":null}]}}]},
		"interventions":{"nodes":[{"id":"i1","serviceType":"X"},{"id":"i2","serviceType":"Y"}]}}}]}}}`
)

func TestSummariseReadsBothSchemasAlike(t *testing.T) {
	hub, err := summarise([]byte(hubAnswer))
	require.NoError(t, err)
	require.Equal(t, pageSummary{Total: 1204, HasNext: true, References: []string{"SYN-2023-0009716"},
		Persons: 1, PersonHomes: 1, Households: 1, Members: 2, LeadWorkers: 1, Departments: 2, Orgs: 1,
		Projects: 1, ProjectInts: 2, Rounds: 1, Ints: 2}, hub)
	pgl, err := summarise([]byte(postgraphileAnswer))
	require.NoError(t, err)
	require.Equal(t, hub, pgl)
	require.Empty(t, samePage(hub, pgl))
}

func TestSamePageNamesWhatDiffers(t *testing.T) {
	a := pageSummary{Total: 10, References: []string{"A", "B"}, Projects: 2}
	b := a
	b.References = []string{"B", "A"}
	require.Contains(t, samePage(a, b), "not the same in the same order")
	b = a
	b.Total = 11
	require.Contains(t, samePage(a, b), "totalCount 10 and 11")
	b = a
	b.Projects = 1
	require.Contains(t, samePage(a, b), "projects 2")
}

func TestSummariseRefusesWhatIsNotAPage(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":         `<html>`,
		"errors":           `{"errors":[{"message":"permission denied for table cases"}],"data":null}`,
		"no data":          `{"data":{}}`,
		"two roots":        `{"data":{"a":{},"b":{}}}`,
		"not an object":    `{"data":{"cases":[1,2]}}`,
		"no totalCount":    `{"data":{"cases":{"edges":[]}}}`,
		"no edges":         `{"data":{"cases":{"totalCount":1}}}`,
		"an edge, no node": `{"data":{"cases":{"totalCount":1,"edges":[{"cursor":"a"}]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := summarise([]byte(raw))
			require.Error(t, err)
		})
	}
}
