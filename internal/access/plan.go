package access

import (
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/store"
)

// Plan is one request's access plan: which data categories the principal may read and
// write for its declared purpose, which operations it may run, and which rows it sees.
// It is immutable and safe for concurrent use by the resolvers of one request.
type Plan struct {
	principal Principal
	version   string
	d         *decisions
	// bases are the legal bases of the policy the plan was built from.
	bases map[Purpose]LegalBasis
}

// PolicyLegalBases lists the legal bases of every purpose of the plan's policy, in the
// order of Purposes: what a subject access export tells the person.
func (p *Plan) PolicyLegalBases() []LegalBasis {
	var out []LegalBasis
	for _, pu := range Purposes() {
		if b, ok := p.bases[pu]; ok {
			out = append(out, b)
		}
	}
	return out
}

// LegalBases lists the legal bases of the purposes the principal may declare, in the
// order of Purposes.
func (p *Plan) LegalBases() []LegalBasis {
	var out []LegalBasis
	for _, pu := range Purposes() {
		if b, ok := p.bases[pu]; ok && p.principal.Grants(pu) {
			out = append(out, b)
		}
	}
	return out
}

// Principal returns who the plan is for.
func (p *Plan) Principal() Principal { return p.principal }

// PolicyVersion identifies the policy the plan was built from.
func (p *Plan) PolicyVersion() string { return p.version }

// CanRead reports whether the plan lets the request read fields of category c, about
// anyone.
func (p *Plan) CanRead(c Category) bool { return p.d.rows.RowLevel() && p.d.read.Has(c) }

// CanReadAbout reports whether the plan lets the request read fields of category c about
// a person who is (or is not) a minor: c about anyone, or c about minors only
// (ActReadMinors). Minors' data also needs CategoryMinors, which the caller checks.
func (p *Plan) CanReadAbout(c Category, minor bool) bool {
	return p.CanRead(c) || (minor && p.d.rows.RowLevel() && p.d.readMinors.Has(c))
}

// CanReadMinorsOnly reports whether the plan reads c about minors but not about adults.
func (p *Plan) CanReadMinorsOnly(c Category) bool {
	return !p.CanRead(c) && p.d.rows.RowLevel() && p.d.readMinors.Has(c)
}

// CanWrite reports whether the plan lets the request write fields of category c.
func (p *Plan) CanWrite(c Category) bool { return p.d.rows.Writable() && p.d.write.Has(c) }

// Can reports whether the plan lets the request run operation op.
func (p *Plan) Can(op Operation) bool { return p.d.ops[op] }

// Rows is the row scope the plan grants.
func (p *Plan) Rows() RowScope { return p.d.rows }

// Pseudonymous reports whether persons appear to this request only through their keyed
// pseudonym: it may read pseudonyms but not identity (the ESF+ auditor). The API should
// then show the pseudonym where it would show a person's id.
func (p *Plan) Pseudonymous() bool {
	return p.CanRead(CategoryPseudonym) && !p.CanRead(CategoryIdentity)
}

// Readable lists the categories the plan may read.
func (p *Plan) Readable() []Category { return p.filter(p.CanRead) }

// Writable lists the categories the plan may write.
func (p *Plan) Writable() []Category { return p.filter(p.CanWrite) }

func (p *Plan) filter(ok func(Category) bool) []Category {
	var out []Category
	for _, c := range Categories() {
		if ok(c) {
			out = append(out, c)
		}
	}
	return out
}

// CheckRead returns nil when every category may be read, else a *DeniedError naming
// the first that may not.
func (p *Plan) CheckRead(cats ...Category) error {
	for _, c := range cats {
		if !p.CanRead(c) {
			return &DeniedError{Reason: fmt.Sprintf("%s may not read %s data for %s", p.principal.describe(), c, p.principal.Purpose)}
		}
	}
	return nil
}

// CheckWrite returns nil when every category may be written, else a *DeniedError.
func (p *Plan) CheckWrite(cats ...Category) error {
	for _, c := range cats {
		if !p.CanWrite(c) {
			return &DeniedError{Reason: fmt.Sprintf("%s may not write %s data for %s", p.principal.describe(), c, p.principal.Purpose)}
		}
	}
	return nil
}

// CheckOperation returns nil when the plan allows op, else a *DeniedError.
func (p *Plan) CheckOperation(op Operation) error {
	if !p.Can(op) {
		return &DeniedError{Reason: fmt.Sprintf("%s may not %s for %s", p.principal.describe(), op, p.principal.Purpose)}
	}
	return nil
}

// VisibleServiceTypes keeps the service types of a list that the plan may read: a type
// revealing a special category needs that category.
func (p *Plan) VisibleServiceTypes(types []string) []string {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if c, ok := RevealingServiceTypes[t]; !ok || p.CanRead(c) {
			out = append(out, t)
		}
	}
	return out
}

// CheckESF returns nil when the plan may run an ESF+ operation (OpReportESF, OpDrillESF,
// OpFreezeESFReport): the policy grants it and the row scope sees every participant.
// Otherwise a *DeniedError says which of the two is missing.
func (p *Plan) CheckESF(op Operation) error {
	if err := p.CheckOperation(op); err != nil {
		return err
	}
	if !p.d.rows.SeesEveryParticipant() {
		return &DeniedError{Reason: fmt.Sprintf("%s may %s, but its row scope (%s) does not see every ESF+ participant, so the values would be incomplete",
			p.principal.describe(), op, p.d.rows)}
	}
	return nil
}

// CheckMutation returns nil when the plan allows mutation m: it may write every category
// m writes (in a writable row scope) and run m's operation. Resolvers call it before
// touching the database, so a denied mutation writes nothing.
func (p *Plan) CheckMutation(m Mutation) error {
	spec, ok := mutations[m]
	if !ok {
		return &DeniedError{Reason: fmt.Sprintf("unknown mutation %q", m)}
	}
	if spec.op != "" {
		if err := p.CheckOperation(spec.op); err != nil {
			return err
		}
	}
	if err := p.CheckWrite(spec.writes...); err != nil {
		return &DeniedError{Reason: fmt.Sprintf("%s: %s", m, err.(*DeniedError).Reason)}
	}
	return nil
}

// CanMutate reports whether CheckMutation(m) would pass.
func (p *Plan) CanMutate(m Mutation) bool { return p.CheckMutation(m) == nil }

// Scope is the row scope for store transactions (TxOptions.Scope): the rows of the plan's
// row scope, without the interventions whose service type reveals health data when the
// plan may not read it.
func (p *Plan) Scope() store.Scope {
	s := p.rowScope()
	s.HidesHealth = !p.CanRead(CategoryHealth)
	return s
}

func (p *Plan) rowScope() store.Scope {
	pr := p.principal
	switch p.d.rows {
	case RowsAll:
		return store.Scope{Kind: store.ScopeAll}
	case RowsTerritory:
		if pr.Territory == "" {
			// An organisation without a territory falls back to its own cases: narrower,
			// never broader.
			return store.Scope{Kind: store.ScopeOrganisation, OrganisationID: pr.OrganisationID}
		}
		// The organisation too: referrals and transfers addressed to it are its to answer.
		return store.Scope{Kind: store.ScopeTerritory, Territory: pr.Territory, OrganisationID: pr.OrganisationID}
	case RowsOrganisation:
		return store.Scope{Kind: store.ScopeOrganisation, OrganisationID: pr.OrganisationID}
	case RowsProvider:
		return store.Scope{Kind: store.ScopeProvider, OrganisationID: pr.OrganisationID}
	case RowsAssigned:
		return store.Scope{Kind: store.ScopeAssigned, StaffID: pr.StaffID, OrganisationID: pr.OrganisationID}
	case RowsParticipants:
		return store.Scope{Kind: store.ScopeParticipants}
	case RowsAggregates:
		return store.Scope{Kind: store.ScopeAggregates}
	}
	return store.Scope{Kind: store.ScopeNone}
}

// Claim keys the plan sets besides the store's scope claims.
const (
	ClaimSubject   = "ponte.subject"
	ClaimRole      = "ponte.role"
	ClaimPurpose   = "ponte.purpose"
	ClaimAccessLog = "ponte.access_log"
	// ClaimRights is "manage" for plans that handle data-subject requests
	// (migrations/00450_rights_requests.sql).
	ClaimRights = "ponte.rights"
	// ClaimConsentPurpose names the request's purpose when its legal basis is consent.
	ClaimConsentPurpose = "ponte.consent_purpose"
)

// Claims are the transaction settings for the plan: the database role, the row scope
// the row-level security policies repeat, who asks for what purpose, the organisation
// that registers what the request creates, and what the plan's operations unlock in the
// database (the access log, aggregates of the principal's territory). A claim is always
// set, empty when not granted, so nothing is inherited.
func (p *Plan) Claims() map[string]string {
	return p.TxOptions().AllClaims()
}

// requestClaims are the claims besides the row scope's.
func (p *Plan) requestClaims() map[string]string {
	c := map[string]string{}
	c[ClaimSubject] = p.principal.Subject
	c[ClaimRole] = string(p.principal.Role)
	c[ClaimPurpose] = string(p.principal.Purpose)
	c[store.ClaimPrincipalOrganisation] = p.principal.OrganisationID
	c[ClaimAccessLog] = ""
	if p.Can(OpReadAccessLog) {
		c[ClaimAccessLog] = "read"
	}
	// A purpose resting on consent reads only persons with a consent in force for it
	// (migrations/00490_consent_records.sql).
	c[ClaimConsentPurpose] = ""
	if b, ok := p.bases[p.principal.Purpose]; ok && b.Basis == BasisConsent {
		c[ClaimConsentPurpose] = string(p.principal.Purpose)
	}
	c[ClaimRights] = ""
	if p.Can(OpManageRightsRequests) {
		c[ClaimRights] = "manage"
	}
	c[store.ClaimAggregates], c[store.ClaimAggregateTerritory] = "", ""
	if p.Can(OpReadAggregates) {
		c[store.ClaimAggregates], c[store.ClaimAggregateTerritory] = "read", p.principal.Territory
	}
	c[store.ClaimESFReport] = ""
	if p.CheckESF(OpReportESF) == nil {
		c[store.ClaimESFReport] = "read"
	}
	return c
}

// TxOptions are the options of the request's store transaction. It is read-write even
// for queries: the access log is appended in the same transaction, and PostgreSQL
// refuses inserts in a read-only one.
func (p *Plan) TxOptions() store.TxOptions {
	return store.TxOptions{Restricted: true, Scope: p.Scope(), Claims: p.requestClaims()}
}

// LogEntry builds the access-log entry of an operation of this request that touched
// persons' data in the given categories (append it with accessdata.AppendLogOnCommit).
func (p *Plan) LogEntry(operation, requestID string, persons []string, cats []Category) audit.Entry {
	cs := make([]string, len(cats))
	for i, c := range cats {
		cs[i] = string(c)
	}
	return audit.Entry{
		At:             time.Now(),
		Subject:        p.principal.Subject,
		Role:           string(p.principal.Role),
		OrganisationID: p.principal.OrganisationID,
		Purpose:        string(p.principal.Purpose),
		Operation:      operation,
		RequestID:      requestID,
		PersonIDs:      persons,
		Categories:     cs,
	}
}
