package esf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// FreezeRequest asks for a report to be frozen at its cut-off.
type FreezeRequest struct {
	Query
	// FrozenBy names who froze it (a staff subject, a service).
	FrozenBy string
	Note     string
	// Signer signs the frozen report; it must hold the private key.
	Signer *Signer
}

// Frozen is a frozen report: the values as computed when it was frozen, the hash of every
// participant record they came from, a hash over both, and the signature over all of it.
type Frozen struct {
	ID          string    `json:"id"`
	FrozenAt    time.Time `json:"frozen_at"`
	FrozenBy    string    `json:"frozen_by"`
	Note        string    `json:"note,omitempty"`
	Report      *Report   `json:"report"`
	RecordCount int64     `json:"record_count"`
	// RecordsDigest covers every record hash (see store.ESFFrozenRecordsDigest).
	RecordsDigest string `json:"records_digest"`
	// Hash is the report's hash: hex SHA-256 of "ponte-esf-report-v1\n", the report's JSON,
	// "\n" and RecordsDigest.
	Hash string `json:"hash"`
	// SignedBy is the id of the key that signed the report (see KeyID), PublicKey that key
	// and Signature the Ed25519 signature over the digests of every field, all in hex;
	// empty for a report frozen before reports were signed.
	SignedBy  string `json:"signed_by,omitempty"`
	PublicKey string `json:"public_key,omitempty"`
	Signature string `json:"signature,omitempty"`
}

// Freeze computes the report, stores its values and the hash of every participant record
// in its scope, signed with req.Signer, and returns it. Run it in a read-write
// transaction; the frozen report can never be changed or deleted afterwards, and no
// record can be added to it (the database refuses it).
func Freeze(ctx context.Context, tx *store.Tx, req FreezeRequest) (*Frozen, error) {
	if req.FrozenBy == "" {
		return nil, fmt.Errorf("esf: freeze: %w", apperr.Input("frozenBy", "is required"))
	}
	if req.Signer == nil {
		return nil, fmt.Errorf("esf: freeze: %w", ErrNoSigningKey)
	}
	if !req.Signer.CanSign() {
		return nil, fmt.Errorf("esf: freeze: %w", req.Signer.errCannotSign())
	}
	q, rules, err := req.Query.normalised()
	if err != nil {
		return nil, err
	}
	t, err := count(ctx, tx, q, rules)
	if err != nil {
		return nil, err
	}
	rep := t.report(q, rules)
	id := store.NewID().String()
	recs, err := esfdata.HashRecords(ctx, tx, q.Cutoff, scopeIDs(q, t.ops))
	if err != nil {
		return nil, fmt.Errorf("esf: freeze: %w", err)
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("esf: freeze: encode report: %w", err)
	}
	query, err := json.Marshal(frozenQuery{Cutoff: rep.Cutoff, Programme: q.Programme, SpecificObjective: q.SpecificObjective,
		OperationCode: q.OperationCode, Rules: rules})
	if err != nil {
		return nil, fmt.Errorf("esf: freeze: encode query: %w", err)
	}
	// frozen_at is signed, so it is fixed here, to the microsecond the database keeps.
	row := esfdata.FrozenReport{ID: id, Cutoff: q.Cutoff, Query: query, Report: body, RecordCount: recs.Count,
		RecordsDigest: recs.Digest, ReportHash: reportHash(body, recs.Digest), FrozenBy: req.FrozenBy, Note: req.Note,
		FrozenAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := seal(req.Signer, &row, recs.Count, recs.Digest); err != nil {
		return nil, fmt.Errorf("esf: freeze: %w", err)
	}
	// The report row first: it seals the records that follow in this transaction.
	if err := esfdata.InsertFrozenReport(ctx, tx, row); err != nil {
		return nil, fmt.Errorf("esf: freeze: %w", err)
	}
	n, digest, err := esfdata.InsertFrozenRecords(ctx, tx, id, recs)
	if err != nil {
		return nil, fmt.Errorf("esf: freeze: %w", err)
	}
	if n != recs.Count || digest != recs.Digest {
		return nil, fmt.Errorf("esf: freeze: stored %d records with digest %s, computed %d with digest %s", n, digest, recs.Count, recs.Digest)
	}
	return frozenFromRow(row)
}

// frozenQuery is the query a frozen report was computed for, stored for listings.
type frozenQuery struct {
	Cutoff            Date   `json:"cutoff"`
	Programme         string `json:"programme,omitempty"`
	SpecificObjective string `json:"specific_objective,omitempty"`
	OperationCode     string `json:"operation_code,omitempty"`
	Rules             Rules  `json:"rules"`
}

func scopeIDs(q Query, ops []esfdata.OperationRef) []string {
	if !q.Filtered() {
		return nil
	}
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.ID
	}
	return ids
}

func reportHash(body []byte, digest string) string {
	h := sha256.New()
	h.Write([]byte("ponte-esf-report-v1\n"))
	h.Write(body)
	h.Write([]byte("\n"))
	h.Write([]byte(digest))
	return hex.EncodeToString(h.Sum(nil))
}

// LoadFrozen returns a frozen report as stored.
func LoadFrozen(ctx context.Context, tx *store.Tx, id string) (*Frozen, error) {
	_, f, err := loadFrozen(ctx, tx, id)
	return f, err
}

func loadFrozen(ctx context.Context, tx *store.Tx, id string) (esfdata.FrozenReport, *Frozen, error) {
	if !globalid.IsUUID(id) {
		return esfdata.FrozenReport{}, nil, fmt.Errorf("esf: frozen report: %w", apperr.Inputf("id", "%q is not a report id", id))
	}
	row, err := esfdata.FrozenReportByID(ctx, tx, id)
	if err != nil {
		return row, nil, fmt.Errorf("esf: frozen report %s: %w", id, err)
	}
	f, err := frozenFromRow(row)
	return row, f, err
}

func frozenFromRow(row esfdata.FrozenReport) (*Frozen, error) {
	var rep Report
	if err := json.Unmarshal(row.Report, &rep); err != nil {
		return nil, fmt.Errorf("esf: frozen report %s: decode: %w", row.ID, err)
	}
	return &Frozen{ID: row.ID, FrozenAt: row.FrozenAt, FrozenBy: row.FrozenBy, Note: row.Note, Report: &rep,
		RecordCount: row.RecordCount, RecordsDigest: row.RecordsDigest, Hash: row.ReportHash, SignedBy: row.SigningKeyID,
		PublicKey: hex.EncodeToString(row.SigningPublicKey), Signature: hex.EncodeToString(row.Signature)}, nil
}

// Verification is the outcome of re-verifying a frozen report.
type Verification struct {
	Frozen *Frozen `json:"frozen"`
	// Intact: the stored values and records still give the stored hash, and the signature
	// of the configured key still covers every stored field.
	Intact bool `json:"intact"`
	// SignatureValid: the signature verifies with the configured key over the digests of
	// the fields as stored now. KeyID is the id of the key the report names as its signer.
	SignatureValid bool   `json:"signature_valid"`
	KeyID          string `json:"key_id"`
	// ChangedFields names, when the signature fails, the stored fields (Field*) that no
	// longer give the digest signed at freezing, in the order of the digest list, and
	// FieldSignature when the signature is missing, made with another key, or not over the
	// stored digests; SignatureProblem says why in words.
	ChangedFields    []string `json:"changed_fields"`
	SignatureProblem string   `json:"signature_problem,omitempty"`
	// ChangedRecords lists every participant record added, removed or changed since the
	// freeze; ChangedValues every value the current data would give differently.
	ChangedRecords []RecordChange `json:"changed_records"`
	ChangedValues  []ValueChange  `json:"changed_values"`
}

// Unchanged reports whether the frozen report is intact and the data still gives it.
func (v *Verification) Unchanged() bool {
	return v.Intact && len(v.ChangedRecords) == 0 && len(v.ChangedValues) == 0
}

// RecordChange is a participant record that differs from the frozen one.
type RecordChange struct {
	OperationCode string `json:"operation_code"`
	Pseudonym     string `json:"pseudonym"`
	// Change is CHANGED, ADDED or REMOVED.
	Change string `json:"change"`
	// PersonID never leaves the hub (see Participant).
	PersonID string `json:"-"`
}

// ValueChange is a value the current data gives differently.
type ValueChange struct {
	GroupKey
	Indicator string `json:"indicator"`
	// Column is women, men, non_binary, total or of_which_estimated.
	Column  string `json:"column"`
	Frozen  int64  `json:"frozen"`
	Current int64  `json:"current"`
}

// Verify checks a frozen report's hash and signature (with s, whose public key is the one
// trusted: the key stored with the report is only compared with it), recomputes the report
// from the current data with the rules it was frozen with, and lists every field, record
// and value that changed since.
func Verify(ctx context.Context, tx *store.Tx, id string, p Pseudonymiser, s *Signer) (*Verification, error) {
	if p == nil {
		return nil, errors.New("esf: verify: a pseudonymiser is required")
	}
	if s == nil {
		return nil, fmt.Errorf("esf: verify: %w", ErrNoSigningKey)
	}
	row, f, err := loadFrozen(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	v := &Verification{Frozen: f, KeyID: row.SigningKeyID, ChangedRecords: []RecordChange{}, ChangedValues: []ValueChange{}}

	n, digest, err := esfdata.FrozenRecordsDigest(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("esf: verify %s: %w", id, err)
	}
	body, err := json.Marshal(f.Report)
	if err != nil {
		return nil, fmt.Errorf("esf: verify %s: encode report: %w", id, err)
	}
	sc := checkSeal(s, row, n, digest)
	v.SignatureValid, v.ChangedFields, v.SignatureProblem = sc.valid, sc.changed, sc.problem
	v.Intact = n == f.RecordCount && digest == f.RecordsDigest && reportHash(body, digest) == f.Hash && sc.valid

	rules := f.Report.Rules
	q := Query{Cutoff: f.Report.Cutoff.Time, Programme: f.Report.Programme, SpecificObjective: f.Report.SpecificObjective,
		OperationCode: f.Report.OperationCode, Rules: &rules}
	q, rules, err = q.normalised()
	if err != nil {
		return nil, err
	}
	t, err := count(ctx, tx, q, rules)
	var ie *apperr.InputError
	switch {
	case errors.As(err, &ie) && q.OperationCode != "":
		// The operation itself is gone: nothing is in scope any more.
		t = &tally{entities: map[string]esfdata.EntityCount{}}
	case err != nil:
		return nil, err
	}
	current := t.report(q, rules)
	v.ChangedValues = compareReports(f.Report, current)

	changes, err := esfdata.FrozenRecordChanges(ctx, tx, id, q.Cutoff, scopeIDs(q, t.ops))
	if err != nil {
		return nil, fmt.Errorf("esf: verify %s: %w", id, err)
	}
	for _, c := range changes {
		v.ChangedRecords = append(v.ChangedRecords, RecordChange{OperationCode: c.OperationCode, Pseudonym: p.Person(c.PersonID), Change: c.Change,
			PersonID: c.PersonID})
	}
	return v, nil
}

// compareReports lists the values that differ between a frozen and a current report,
// including the INCOMPLETE counts; a group present in one report only compares against
// zeros. An indicator the frozen report does not hold (one added to the table since, as
// EECR06 was) is not compared: there is no frozen value for it to differ from.
func compareReports(frozen, current *Report) []ValueChange {
	type cols = [5]int64
	flatten := func(r *Report) (map[GroupKey]map[string]cols, []GroupKey) {
		m := map[GroupKey]map[string]cols{}
		var order []GroupKey
		for _, g := range r.Groups {
			vals := map[string]cols{}
			for _, v := range g.Values {
				vals[v.Indicator] = cols{v.Women, v.Men, v.NonBinary, v.Total, v.Estimated}
			}
			inc := g.Incomplete
			vals[IncompleteIndicator] = cols{inc.Women, inc.Men, inc.NonBinary, inc.Total, 0}
			m[g.GroupKey] = vals
			order = append(order, g.GroupKey)
		}
		return m, order
	}
	fm, forder := flatten(frozen)
	cm, corder := flatten(current)
	keys := forder
	for _, k := range corder {
		if _, ok := fm[k]; !ok {
			keys = append(keys, k)
		}
	}
	names := [5]string{"women", "men", "non_binary", "total", "of_which_estimated"}
	held := map[string]bool{}
	for _, g := range frozen.Groups {
		for _, v := range g.Values {
			held[v.Indicator] = true
		}
	}
	codes := make([]string, 0, len(Indicators)+1)
	for _, ind := range Indicators {
		if held[ind.Code] || len(frozen.Groups) == 0 {
			codes = append(codes, ind.Code)
		}
	}
	codes = append(codes, IncompleteIndicator)
	var out []ValueChange
	for _, k := range keys {
		for _, code := range codes {
			a, b := fm[k][code], cm[k][code]
			for i := range names {
				if a[i] != b[i] {
					out = append(out, ValueChange{GroupKey: k, Indicator: code, Column: names[i], Frozen: a[i], Current: b[i]})
				}
			}
		}
	}
	if out == nil {
		out = []ValueChange{}
	}
	return out
}

// FrozenSummary describes a frozen report in a listing.
type FrozenSummary struct {
	ID     string `json:"id"`
	Cutoff Date   `json:"cutoff"`
	// Filters says what the report covers: "all operations", or its filters.
	Filters     string    `json:"filters"`
	RecordCount int64     `json:"record_count"`
	FrozenAt    time.Time `json:"frozen_at"`
	FrozenBy    string    `json:"frozen_by"`
	Hash        string    `json:"hash"`
	// SignedBy is the signing key's id; empty for a report frozen before reports were signed.
	SignedBy string `json:"signed_by,omitempty"`
}

// ListFrozen lists the frozen reports, newest first, at most limit of them (1-1000).
func ListFrozen(ctx context.Context, tx *store.Tx, limit int) ([]FrozenSummary, error) {
	if limit < 1 || limit > 1000 {
		return nil, fmt.Errorf("esf: frozen reports: %w", apperr.Inputf("limit", "must be 1-1000, got %d", limit))
	}
	rows, err := esfdata.FrozenReports(ctx, tx, limit)
	if err != nil {
		return nil, fmt.Errorf("esf: frozen reports: %w", err)
	}
	out := make([]FrozenSummary, len(rows))
	for i, r := range rows {
		var q frozenQuery
		if err := json.Unmarshal(r.Query, &q); err != nil {
			return nil, fmt.Errorf("esf: frozen report %s: decode query: %w", r.ID, err)
		}
		var parts []string
		for _, f := range []struct{ name, v string }{{"programme", q.Programme}, {"specific objective", q.SpecificObjective}, {"operation", q.OperationCode}} {
			if f.v != "" {
				parts = append(parts, f.name+" "+f.v)
			}
		}
		filters := "all operations"
		if len(parts) > 0 {
			filters = strings.Join(parts, ", ")
		}
		out[i] = FrozenSummary{ID: r.ID, Cutoff: Date{r.Cutoff}, Filters: filters, RecordCount: r.RecordCount,
			FrozenAt: r.FrozenAt, FrozenBy: r.FrozenBy, Hash: r.ReportHash, SignedBy: r.SigningKeyID}
	}
	return out, nil
}
