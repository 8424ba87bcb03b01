package request

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/audit"
)

// disclosure is what an operation returned and changed, for its disclosure record in the
// access log. Every field returned records its categories and person, so recording takes
// no lock once a person is known: resolvers of one request run concurrently.
type disclosure struct {
	read    atomic.Uint32
	written atomic.Uint32
	// persons maps each person whose data was returned or changed to what is known of
	// their age (personNamedOnly, personUnaged, personAged). Fields read without ageing
	// their person (the plan reads minors' data anyway) leave the age to settleAges, which
	// works it out once at the end: it only decides whether the record lists minors' data.
	persons sync.Map // string → personAge
}

// RecordRead records that the request returned data of categories cats about person ("":
// about no one person; no categories: the person was only named).
func (r *Request) RecordRead(person string, cats access.CategorySet) { r.record(person, cats, false) }

// RecordChanged records persons the request changed: the disclosure record names them,
// with the categories its mutation's rule writes (CheckMutation).
func (r *Request) RecordChanged(persons ...string) { r.touch(persons...) }

// disclosureRecord is the access-log entry of what the request returned or changed; false
// when it disclosed nothing or ran open. Read categories are logged by name, written ones
// as "write:<name>"; the entry is stamped with the request's time.
func (r *Request) disclosureRecord(ctx context.Context, operation, requestID string) (audit.Entry, bool) {
	if r.plan == nil {
		return audit.Entry{}, false
	}
	r.settleAges(ctx)
	persons, read, written := r.Touched()
	if len(persons) == 0 && len(read) == 0 && len(written) == 0 {
		return audit.Entry{}, false
	}
	cats := make([]access.Category, 0, len(read)+len(written))
	cats = append(cats, read...)
	for _, c := range written {
		cats = append(cats, "write:"+c)
	}
	entry := r.plan.LogEntry(operation, requestID, persons, cats)
	entry.At = r.now
	return entry, true
}

// Touched returns what the request returned or changed so far: the persons, the
// categories read, and the categories written (sorted).
func (r *Request) Touched() (persons []string, read, written []access.Category) {
	r.disclosed.persons.Range(func(k, _ any) bool {
		persons = append(persons, k.(string))
		return true
	})
	sort.Strings(persons)
	if persons == nil {
		persons = []string{}
	}
	return persons, access.CategorySet(r.disclosed.read.Load()).List(), access.CategorySet(r.disclosed.written.Load()).List()
}

// personAge is what a request knows of a person's age, for the access log.
type personAge int

const (
	// personNamedOnly: the person was named (an id, a change) with no field read about them.
	personNamedOnly personAge = iota
	// personUnaged: fields about the person were read without working out their age.
	personUnaged
	// personAged: a field read about the person was checked against their age, and the
	// minors category recorded if they are one.
	personAged
)

// record records what a field returned or a mutation changed: bits are its categories.
func (r *Request) record(person string, bits access.CategorySet, write bool) {
	if r.plan == nil {
		return
	}
	if write {
		r.disclosed.written.Or(uint32(bits))
	} else {
		r.disclosed.read.Or(uint32(bits))
	}
	if person == "" {
		return
	}
	if !write && bits != 0 {
		// Read through subjectOf: the age is known and the minors bit already set.
		r.disclosed.persons.Store(person, personAged)
		return
	}
	r.disclosed.persons.LoadOrStore(person, personNamedOnly)
}

// recordUnaged records a read about person, whose age settleAges works out later.
func (r *Request) recordUnaged(person string, bits access.CategorySet) {
	r.disclosed.read.Or(uint32(bits))
	if person == "" {
		return
	}
	if v, loaded := r.disclosed.persons.LoadOrStore(person, personUnaged); loaded && v.(personAge) == personNamedOnly {
		r.disclosed.persons.CompareAndSwap(person, personNamedOnly, personUnaged)
	}
}

// touch records persons the request changed without writing categories of theirs
// (registry refreshes).
func (r *Request) touch(persons ...string) {
	for _, p := range persons {
		r.record(p, 0, true)
	}
}

// settleAges ages the persons recorded unaged, through the request's person loader (one
// statement for those the request did not load anyway), and adds the minors category
// to what was read when one of them is a minor.
func (r *Request) settleAges(ctx context.Context) {
	var ids []string
	r.disclosed.persons.Range(func(k, v any) bool {
		if v.(personAge) == personUnaged {
			ids = append(ids, k.(string))
		}
		return true
	})
	if len(ids) == 0 {
		return
	}
	loaders.Persons(r.loaders).Prime(ids...)
	minor := false
	for _, id := range ids {
		if !minor && r.personByID(ctx, id).minor {
			r.disclosed.read.Or(uint32(access.CategoryMinors.Bit()))
			minor = true
		}
		r.disclosed.persons.Store(id, personAged)
	}
}
