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
// access log. Every field returned records its categories and person; the root fields of
// one request run concurrently, so the categories are atomic and the persons behind a
// lock, held for one map lookup (the fields below a root field run one after another).
type disclosure struct {
	read    atomic.Uint32
	written atomic.Uint32
	mu      sync.Mutex
	// persons maps each person whose data was returned or changed to what is known of
	// their age (personNamedOnly, personUnaged, personAged). Fields read without ageing
	// their person (the plan reads minors' data anyway) leave the age to settleAges, which
	// works it out once at the end: it only decides whether the record lists minors' data.
	persons map[string]personAge
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
	r.disclosed.mu.Lock()
	for p := range r.disclosed.persons {
		persons = append(persons, p)
	}
	r.disclosed.mu.Unlock()
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
	d := &r.disclosed
	d.mu.Lock()
	if !write && bits != 0 {
		// Read through subjectOf: the age is known and the minors bit already set.
		d.persons[person] = personAged
	} else if _, ok := d.persons[person]; !ok {
		d.persons[person] = personNamedOnly
	}
	d.mu.Unlock()
}

// recordUnaged records a read about person, whose age settleAges works out later.
func (r *Request) recordUnaged(person string, bits access.CategorySet) {
	r.disclosed.read.Or(uint32(bits))
	if person == "" {
		return
	}
	d := &r.disclosed
	d.mu.Lock()
	if v, ok := d.persons[person]; !ok || v == personNamedOnly {
		d.persons[person] = personUnaged
	}
	d.mu.Unlock()
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
	d := &r.disclosed
	var ids []string
	d.mu.Lock()
	for id, age := range d.persons {
		if age == personUnaged {
			ids = append(ids, id)
		}
	}
	d.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	loaders.Persons(r.loaders).Prime(ids...)
	minor := false
	for _, id := range ids {
		if !minor && r.personByID(ctx, id).minor {
			d.read.Or(uint32(access.CategoryMinors.Bit()))
			minor = true
		}
		d.mu.Lock()
		d.persons[id] = personAged
		d.mu.Unlock()
	}
}
