package esf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// Fields of a frozen report covered by its signature, in the order of its digest list.
// Verification names the ones whose stored value no longer gives the signed digest.
const (
	FieldID          = "id"
	FieldReport      = "report" // the values, as the report's JSON
	FieldRecords     = "records"
	FieldRecordCount = "record_count"
	FieldCutoff      = "cutoff"
	FieldFilters     = "filters" // programme, specific objective, operation
	FieldRules       = "rules"
	FieldFrozenBy    = "frozen_by"
	FieldFrozenAt    = "frozen_at"
	FieldNote        = "note"
	FieldHash        = "hash"
	// FieldSignature is named when the signature itself is missing, made with another key
	// or over other digests than those stored.
	FieldSignature = "signature"
)

var signedFields = []string{FieldID, FieldReport, FieldRecords, FieldRecordCount, FieldCutoff, FieldFilters, FieldRules,
	FieldFrozenBy, FieldFrozenAt, FieldNote, FieldHash}

// digestListHeader starts every digest list; a new layout gets a new header.
const digestListHeader = "ponte-esf-frozen-report-v1"

// frozenAtLayout writes frozen_at as stored: UTC, to the microsecond PostgreSQL keeps.
const frozenAtLayout = "2006-01-02T15:04:05.000000Z"

// digestList is what a frozen report's signature covers: the signing key's id and one
// SHA-256 per signed field. Its text form is
//
//	ponte-esf-frozen-report-v1
//	key <key id>
//	<field> <hex SHA-256>     (one line per field of signedFields, in that order)
type digestList struct {
	keyID   string
	digests map[string]string
}

func (d digestList) String() string {
	var b strings.Builder
	b.WriteString(digestListHeader + "\nkey " + d.keyID + "\n")
	for _, f := range signedFields {
		b.WriteString(f + " " + d.digests[f] + "\n")
	}
	return b.String()
}

var (
	keyIDPattern  = regexp.MustCompile(`^[0-9a-f]{16}$`)
	digestPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// parseDigestList reads a digest list's text form, strictly: it must be one that String
// writes.
func parseDigestList(s string) (digestList, error) {
	lines := strings.Split(s, "\n")
	if len(lines) != len(signedFields)+3 || lines[len(lines)-1] != "" {
		return digestList{}, fmt.Errorf("esf: digest list: want %d lines ending in a newline", len(signedFields)+2)
	}
	if lines[0] != digestListHeader {
		return digestList{}, fmt.Errorf("esf: digest list: header %q, want %q", lines[0], digestListHeader)
	}
	key, ok := strings.CutPrefix(lines[1], "key ")
	if !ok || !keyIDPattern.MatchString(key) {
		return digestList{}, errors.New("esf: digest list: the second line must be \"key\" and a 16-digit hex key id")
	}
	d := digestList{keyID: key, digests: make(map[string]string, len(signedFields))}
	for i, f := range signedFields {
		name, sum, ok := strings.Cut(lines[i+2], " ")
		if !ok || name != f || !digestPattern.MatchString(sum) {
			return digestList{}, fmt.Errorf("esf: digest list: line %d must be %q and a hex SHA-256", i+3, f)
		}
		d.digests[f] = sum
	}
	return d, nil
}

// digestsOf is the digest list of a stored report, given the count and digest of its
// records as they are stored now.
func digestsOf(keyID string, row esfdata.FrozenReport, records int64, recordsDigest string) digestList {
	vals := fieldValues(row, records, recordsDigest)
	d := digestList{keyID: keyID, digests: make(map[string]string, len(vals))}
	for name, v := range vals {
		h := sha256.New()
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(v)
		d.digests[name] = hex.EncodeToString(h.Sum(nil))
	}
	return d
}

// fieldValues is the canonical content of each signed field of a stored report. A field
// stored more than once (the records' digest as a column and as the records themselves,
// the cut-off as a column and in the query) takes every copy, so that a change to any of
// them shows. JSON is decoded and encoded again, since jsonb does not keep the text it
// was given.
func fieldValues(row esfdata.FrozenReport, records int64, recordsDigest string) map[string][]byte {
	vals := map[string][]byte{
		FieldID:          []byte(row.ID),
		FieldRecords:     []byte(recordsDigest + "\n" + row.RecordsDigest),
		FieldRecordCount: []byte(strconv.FormatInt(records, 10) + "\n" + strconv.FormatInt(row.RecordCount, 10)),
		FieldFrozenBy:    []byte(row.FrozenBy),
		FieldFrozenAt:    []byte(row.FrozenAt.UTC().Format(frozenAtLayout)),
		FieldNote:        []byte(row.Note),
		FieldHash:        []byte(row.ReportHash),
	}
	vals[FieldReport] = canonicalJSON[Report](row.Report)
	cutoff := row.Cutoff.Format(DateLayout)
	var q frozenQuery
	if err := json.Unmarshal(row.Query, &q); err != nil {
		bad := append([]byte("undecodable query\n"), row.Query...)
		vals[FieldCutoff] = append([]byte(cutoff+"\n"), bad...)
		vals[FieldFilters], vals[FieldRules] = bad, bad
		return vals
	}
	vals[FieldCutoff] = []byte(cutoff + "\n" + q.Cutoff.Format(DateLayout))
	vals[FieldFilters] = mustJSON(struct {
		Programme         string `json:"programme"`
		SpecificObjective string `json:"specific_objective"`
		OperationCode     string `json:"operation_code"`
	}{q.Programme, q.SpecificObjective, q.OperationCode})
	vals[FieldRules] = mustJSON(q.Rules)
	return vals
}

// canonicalJSON decodes raw as a T and encodes it again; what does not decode stays as it
// is, marked.
func canonicalJSON[T any](raw []byte) []byte {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return append([]byte("undecodable\n"), raw...)
	}
	return mustJSON(v)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("esf: encode %T: %v", v, err)) // plain structs always encode
	}
	return b
}

// seal signs a report row about to be stored, whose records have the given count and
// digest.
func seal(s *Signer, row *esfdata.FrozenReport, records int64, recordsDigest string) error {
	row.SigningKeyID = s.KeyID()
	row.SigningPublicKey = s.PublicKey()
	row.SignedDigests = digestsOf(row.SigningKeyID, *row, records, recordsDigest).String()
	sig, err := s.sign([]byte(row.SignedDigests))
	if err != nil {
		return err
	}
	row.Signature = sig
	return nil
}

// signatureCheck is what verification says of a stored report's signature.
type signatureCheck struct {
	valid   bool
	changed []string
	problem string
}

// checkSeal checks a stored report's signature over the digests of its fields as stored
// now (records: the count and digest of its stored records). When it fails, the fields
// whose digest differs from the stored list name what changed, and FieldSignature is
// added when that list is not itself what the configured key signed.
func checkSeal(s *Signer, row esfdata.FrozenReport, records int64, recordsDigest string) signatureCheck {
	now := digestsOf(row.SigningKeyID, row, records, recordsDigest)
	if ok, _ := s.check(row.SigningKeyID, row.SigningPublicKey, []byte(now.String()), row.Signature); ok {
		return signatureCheck{valid: true, changed: []string{}}
	}
	c := signatureCheck{changed: []string{}}
	stored, perr := parseDigestList(row.SignedDigests)
	if perr == nil {
		for _, f := range signedFields {
			if stored.digests[f] != now.digests[f] {
				c.changed = append(c.changed, f)
			}
		}
	}
	authentic, problem := s.check(row.SigningKeyID, row.SigningPublicKey, []byte(row.SignedDigests), row.Signature)
	switch {
	case !authentic:
		c.problem = problem
	case len(c.changed) > 0:
		c.problem = "the signature holds for the digests stored at freezing, and the fields named no longer match them"
	default:
		c.problem = "the signature does not cover the stored fields"
	}
	if !authentic || len(c.changed) == 0 {
		c.changed = append(c.changed, FieldSignature)
	}
	if perr != nil && row.SignedDigests != "" {
		c.problem += "; the stored digest list is unreadable"
	}
	return c
}
