// Package syncjob owns the movement of registry data into the store: bulk synchronisation
// with persisted cursors, point refreshes and UNILAV imports, run directly or on the job queue.
package syncjob

import (
	"fmt"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/connectors/school"
	"github.com/ponte-hub/ponte/internal/store"
)

// Collection is one kind of record of one registry source, synchronised on its own
// cursor.
type Collection struct {
	Source string // benefits, labour or school
	Name   string // as in the registry's path, e.g. "benefit-cases"
	Kind   string // the record kind, e.g. "benefit_case"
}

func (c Collection) String() string { return c.Source + "/" + c.Name }

// The collections of the three registries.
var (
	BenefitCases     = Collection{Source: benefits.Source, Name: "benefit-cases", Kind: benefits.KindBenefitCase}
	ISEE             = Collection{Source: benefits.Source, Name: "isee", Kind: benefits.KindISEE}
	LabourStatus     = Collection{Source: labour.Source, Name: "labour-status", Kind: labour.KindLabourStatus}
	EmploymentEvents = Collection{Source: labour.Source, Name: "employment-events", Kind: labour.KindEmploymentEvent}
	SchoolRecords    = Collection{Source: school.Source, Name: "school-records", Kind: school.KindSchoolRecord}
)

// Sources lists the registry sources, in a stable order.
var Sources = []string{benefits.Source, labour.Source, school.Source}

// Collections lists every collection, in a stable order.
func Collections() []Collection {
	return []Collection{BenefitCases, ISEE, LabourStatus, EmploymentEvents, SchoolRecords}
}

// CollectionsOf lists the collections of the given sources.
func CollectionsOf(sources []string) []Collection {
	var out []Collection
	for _, c := range Collections() {
		for _, s := range sources {
			if c.Source == s {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// CollectionNamed finds a collection by source and name.
func CollectionNamed(source, name string) (Collection, error) {
	for _, c := range Collections() {
		if c.Source == source && c.Name == name {
			return c, nil
		}
	}
	return Collection{}, fmt.Errorf("syncjob: unknown collection %s/%s", source, name)
}

// ParseSources reads a comma-separated list of sources; "all" names every source.
func ParseSources(s string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "all":
			for _, src := range Sources {
				if !seen[src] {
					seen[src] = true
					out = append(out, src)
				}
			}
		case isSource(part):
			if !seen[part] {
				seen[part] = true
				out = append(out, part)
			}
		default:
			return nil, fmt.Errorf("syncjob: source %q: want benefits, labour, school or all", part)
		}
	}
	return out, nil
}

func isSource(s string) bool {
	for _, src := range Sources {
		if s == src {
			return true
		}
	}
	return false
}

// Summary counts what a sync, refresh or import did with the records it met.
type Summary struct {
	// Fetched is every record received, good or malformed.
	Fetched int `json:"fetched"`
	// Stored were new or changed; Unchanged carried what the store already held.
	Stored    int `json:"stored"`
	Unchanged int `json:"unchanged"`
	// Quarantined were refused as malformed and kept with the reason.
	Quarantined int `json:"quarantined"`
	// Failed counts the collections (sync), lookups (refresh) or files (import) that
	// stopped on an error.
	Failed int `json:"failed"`
	Pages  int `json:"pages"`
}

// Add sums two summaries.
func (s Summary) Add(o Summary) Summary {
	return Summary{Fetched: s.Fetched + o.Fetched, Stored: s.Stored + o.Stored, Unchanged: s.Unchanged + o.Unchanged,
		Quarantined: s.Quarantined + o.Quarantined, Failed: s.Failed + o.Failed, Pages: s.Pages + o.Pages}
}

// Progress is reported after every stored page.
type Progress struct {
	Collection Collection
	Summary    Summary
	Elapsed    time.Duration
	// Done is true on the last report of a collection.
	Done bool
	Err  error
}

// syncTx is how the engine's transactions are opened: every row, with the claim that lets
// registry data be written. In the hub they run on the hub's login role, which the
// row-level security policies bind; on an operator's (ponte sync, ponte import) they are
// not bound.
var syncTx = store.TxOptions{Claims: store.RegistrySyncClaims(), Scope: store.Scope{Kind: store.ScopeAll}}
