package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// pageSummary is what two systems must agree on for their pages to count as the same
// page: the cases in order, the total, and how many of each nested row came back.
type pageSummary struct {
	Total       int
	HasNext     bool
	References  []string
	Persons     int // cases with their person
	PersonHomes int // the persons' household memberships
	Households  int // cases with their household
	Members     int // the households' members
	LeadWorkers int
	Departments int
	Orgs        int
	Projects    int
	ProjectInts int // the projects' interventions
	Rounds      int // of those, with their round
	Ints        int // the cases' interventions
}

// Counts is the nested row counts, for messages.
func (s pageSummary) Counts() string {
	return fmt.Sprintf("persons %d (households %d), households %d (members %d), lead workers %d, departments %d, organisations %d, projects %d (interventions %d, rounds %d), interventions %d",
		s.Persons, s.PersonHomes, s.Households, s.Members, s.LeadWorkers, s.Departments, s.Orgs, s.Projects, s.ProjectInts, s.Rounds, s.Ints)
}

// summarise reads a GraphQL response of either page query (queries/): the hub's lists
// are lists, PostGraphile's are connections whose rows are under nodes, and
// PostGraphile's query aliases its fields to the hub's names, so one walk reads both.
func summarise(raw []byte) (pageSummary, error) {
	var resp struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	var s pageSummary
	if err := json.Unmarshal(raw, &resp); err != nil {
		return s, fmt.Errorf("not a GraphQL response (%w): %.200s", err, raw)
	}
	if len(resp.Errors) > 0 {
		msgs := make([]string, len(resp.Errors))
		for i, e := range resp.Errors {
			msgs[i] = e.Message
		}
		return s, fmt.Errorf("GraphQL errors: %s", strings.Join(msgs, "; "))
	}
	if len(resp.Data) != 1 {
		return s, fmt.Errorf("want one root field in data, got %d", len(resp.Data))
	}
	var list map[string]any
	for _, v := range resp.Data {
		if err := json.Unmarshal(v, &list); err != nil || list == nil {
			return s, fmt.Errorf("the root field is not a connection: %.200s", v)
		}
	}
	total, ok := list["totalCount"].(float64)
	if !ok {
		return s, fmt.Errorf("no totalCount")
	}
	s.Total = int(total)
	if pi, ok := list["pageInfo"].(map[string]any); ok {
		s.HasNext, _ = pi["hasNextPage"].(bool)
	}
	edges, ok := list["edges"].([]any)
	if !ok {
		return s, fmt.Errorf("no edges")
	}
	for _, e := range edges {
		node := obj(obj(e)["node"])
		if node == nil {
			return s, fmt.Errorf("an edge without its node")
		}
		ref, _ := node["reference"].(string)
		s.References = append(s.References, ref)
		if p := obj(node["person"]); p != nil {
			s.Persons++
			s.PersonHomes += len(rows(p["households"]))
		}
		if h := obj(node["household"]); h != nil {
			s.Households++
			s.Members += len(rows(h["members"]))
		}
		if obj(node["leadWorker"]) != nil {
			s.LeadWorkers++
		}
		s.Departments += len(rows(node["departments"]))
		s.Orgs += len(rows(node["organisations"]))
		for _, pr := range rows(node["projects"]) {
			s.Projects++
			for _, i := range rows(obj(pr)["interventions"]) {
				s.ProjectInts++
				if obj(obj(i)["round"]) != nil {
					s.Rounds++
				}
			}
		}
		s.Ints += len(rows(node["interventions"]))
	}
	return s, nil
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// rows is a list field's rows: the list itself, or a connection's nodes.
func rows(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case map[string]any:
		n, _ := t["nodes"].([]any)
		return n
	}
	return nil
}

// samePage reports how b differs from a, or "" when they are the same page.
func samePage(a, b pageSummary) string {
	var diffs []string
	if a.Total != b.Total {
		diffs = append(diffs, fmt.Sprintf("totalCount %d and %d", a.Total, b.Total))
	}
	if a.HasNext != b.HasNext {
		diffs = append(diffs, fmt.Sprintf("hasNextPage %t and %t", a.HasNext, b.HasNext))
	}
	if strings.Join(a.References, ",") != strings.Join(b.References, ",") {
		diffs = append(diffs, fmt.Sprintf("cases %d and %d, not the same in the same order", len(a.References), len(b.References)))
	}
	if a.Counts() != b.Counts() {
		diffs = append(diffs, fmt.Sprintf("nested rows: %s, and %s", a.Counts(), b.Counts()))
	}
	return strings.Join(diffs, "; ")
}
