package esfdata

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// esfRecordHashes returns a WITH clause ending in rec(operation_id, person_id,
// record_hash): one hash per participant (operation and person) with an entry on or before
// the cut-off, over everything the indicators read of them: the tax code (gender and birth
// date may be derived from it), every participation row up to the cut-off, and the labour
// situations dated up to the cut-off that apply to the operation. NULLs and empty strings
// hash differently.
func (b *esfSQL) recordHashes(cutoff time.Time, ops []string) string {
	c := b.arg(cutoff) + "::date"
	opFilter := ""
	if ops != nil {
		opFilter = " AND p.operation_id = ANY (" + b.arg(store.UUIDs(ops)) + "::uuid[])"
	}
	return `WITH parts AS (
		SELECT p.operation_id, p.person_id,
			string_agg(row(p.entry_date, p.exit_date, p.gender, p.birth_date, p.employment_status, p.unemployment_months,
				p.isced, p.disability, p.third_country_national, p.foreign_background, p.minority, p.homeless, p.rural)::text,
				';' ORDER BY p.entry_date) AS txt
		FROM participations p
		WHERE p.entry_date <= ` + c + opFilter + `
		GROUP BY p.operation_id, p.person_id
	), sit AS (
		SELECT s.person_id, s.operation_id,
			string_agg(row(s.situation, s.starts_on, s.ends_on, s.spell)::text, ';'
				ORDER BY s.starts_on, s.situation, s.spell, s.ends_on) AS txt
		FROM esf_labour_situations s
		WHERE s.starts_on <= ` + c + `
		GROUP BY s.person_id, s.operation_id
	), rec AS (
		SELECT parts.operation_id, parts.person_id,
			encode(sha256(convert_to(row(pe.tax_code, parts.txt, sg.txt, so.txt)::text, 'UTF8')), 'hex') AS record_hash
		FROM parts
		JOIN persons pe ON pe.id = parts.person_id
		LEFT JOIN sit sg ON sg.person_id = parts.person_id AND sg.operation_id IS NULL
		LEFT JOIN sit so ON so.person_id = parts.person_id AND so.operation_id = parts.operation_id
	)`
}

// recordsDigest completes a WITH list holding rel (operation_id, person_id, record_hash)
// with the CTE name (n, digest): the records' count, and the SHA-256 of the per-operation
// digests, each the SHA-256 of "person_id:record_hash" lines in person order.
func recordsDigest(rel, name string) string {
	return `, per_op AS (
			SELECT operation_id, count(*) AS n,
				encode(sha256(convert_to(string_agg(person_id::text || ':' || record_hash, E'\n' ORDER BY person_id), 'UTF8')), 'hex') AS d
			FROM ` + rel + ` GROUP BY operation_id
		), ` + name + ` AS (
			SELECT coalesce(sum(n), 0)::bigint AS n,
				encode(sha256(convert_to(coalesce(string_agg(operation_id::text || ':' || d, E'\n' ORDER BY operation_id), ''), 'UTF8')), 'hex') AS digest
			FROM per_op
		)`
}

// FrozenRecordsDigest is the digest of a frozen report's records (recordsDigest).
func FrozenRecordsDigest(ctx context.Context, t *store.Tx, reportID string) (count int64, digest string, err error) {
	err = store.QueryRow(ctx, t, "esf frozen records digest",
		`WITH fr AS (SELECT operation_id, person_id, record_hash FROM esf_frozen_records WHERE report_id = $1)`+
			recordsDigest("fr", "d")+` SELECT n, digest FROM d`,
		[]any{reportID}, &count, &digest)
	return count, digest, err
}

// RecordHashes are the hashes of participant records as of a cut-off, with their count
// and digest (as FrozenRecordsDigest reads them back once stored).
type RecordHashes struct {
	OperationIDs []string
	PersonIDs    []string
	Hashes       []string
	Count        int64
	Digest       string
}

// HashRecords computes the hash of every participant record of the operations (nil:
// all) as of the cut-off, to be stored under a report with InsertFrozenRecords.
func HashRecords(ctx context.Context, t *store.Tx, cutoff time.Time, operationIDs []string) (RecordHashes, error) {
	b := &esfSQL{}
	sql := b.recordHashes(cutoff, operationIDs) + recordsDigest("rec", "d") + `, arr AS (
			SELECT array_agg(operation_id::text ORDER BY operation_id, person_id) AS ops,
				array_agg(person_id::text ORDER BY operation_id, person_id) AS persons,
				array_agg(record_hash ORDER BY operation_id, person_id) AS hashes
			FROM rec
		)
		SELECT d.n, d.digest, coalesce(arr.ops, '{}'), coalesce(arr.persons, '{}'), coalesce(arr.hashes, '{}') FROM d, arr`
	var h RecordHashes
	err := withReportSettings(ctx, t, func() error {
		return store.QueryRow(ctx, t, "esf record hashes", sql, b.args, &h.Count, &h.Digest, &h.OperationIDs, &h.PersonIDs, &h.Hashes)
	})
	return h, err
}

// InsertFrozenRecords stores record hashes under a report whose row this transaction
// inserted (the database refuses any other), and returns the count and digest of what it
// stored.
func InsertFrozenRecords(ctx context.Context, t *store.Tx, reportID string, h RecordHashes) (count int64, digest string, err error) {
	err = store.QueryRow(ctx, t, "esf insert frozen records", `WITH ins AS (
			INSERT INTO esf_frozen_records (report_id, operation_id, person_id, record_hash)
			SELECT $1::uuid, o, p, h FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS u(o, p, h)
			RETURNING operation_id, person_id, record_hash
		)`+recordsDigest("ins", "d")+` SELECT n, digest FROM d`,
		[]any{reportID, store.UUIDs(h.OperationIDs), store.UUIDs(h.PersonIDs), h.Hashes}, &count, &digest)
	return count, digest, err
}

// FrozenReport is a frozen report as stored. The signature columns are empty for
// reports frozen before reports were signed.
type FrozenReport struct {
	ID            string
	Cutoff        time.Time
	Query         []byte
	Report        []byte
	RecordCount   int64
	RecordsDigest string
	ReportHash    string
	FrozenBy      string
	Note          string
	FrozenAt      time.Time
	// SigningKeyID and SigningPublicKey name the key that signed SignedDigests.
	SigningKeyID     string
	SigningPublicKey []byte
	SignedDigests    string
	Signature        []byte
}

// InsertFrozenReport stores a frozen report; it can never be changed or deleted, and
// its records follow with InsertFrozenRecords in the same transaction.
func InsertFrozenReport(ctx context.Context, t *store.Tx, r FrozenReport) error {
	_, err := store.Exec(ctx, t, "esf insert frozen report", `INSERT INTO esf_frozen_reports (id, cutoff, query, report, record_count,
			records_digest, report_hash, frozen_by, note, frozen_at, signing_key_id, signing_public_key, signed_digests, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, ''), $10, $11, $12, $13, $14)`,
		r.ID, r.Cutoff, r.Query, r.Report, r.RecordCount, r.RecordsDigest, r.ReportHash, r.FrozenBy, r.Note, r.FrozenAt,
		r.SigningKeyID, r.SigningPublicKey, r.SignedDigests, r.Signature)
	return err
}

// FrozenReportByID loads a frozen report.
func FrozenReportByID(ctx context.Context, t *store.Tx, id string) (FrozenReport, error) {
	var r FrozenReport
	err := store.QueryRow(ctx, t, "esf frozen report", `SELECT id, cutoff, query, report, record_count, records_digest, report_hash,
			frozen_by, coalesce(note, ''), frozen_at, coalesce(signing_key_id, ''), signing_public_key, coalesce(signed_digests, ''), signature
		FROM esf_frozen_reports WHERE id = $1`, []any{id},
		&r.ID, &r.Cutoff, &r.Query, &r.Report, &r.RecordCount, &r.RecordsDigest, &r.ReportHash, &r.FrozenBy, &r.Note, &r.FrozenAt,
		&r.SigningKeyID, &r.SigningPublicKey, &r.SignedDigests, &r.Signature)
	return r, err
}

// RecordChange is a participant record that differs from its frozen hash.
type RecordChange struct {
	OperationID   string
	OperationCode string
	PersonID      string
	// Change is CHANGED, ADDED (no record at freezing) or REMOVED (no record now).
	Change string
}

// FrozenRecordChanges recomputes the record hashes of a frozen report's scope and lists
// every record that is new, gone or different since the freeze, ordered by operation code
// and person.
func FrozenRecordChanges(ctx context.Context, t *store.Tx, reportID string, cutoff time.Time, operationIDs []string) ([]RecordChange, error) {
	b := &esfSQL{}
	id := b.arg(reportID) + "::uuid"
	sql := b.recordHashes(cutoff, operationIDs) + `, frozen AS (
			SELECT operation_id, person_id, record_hash FROM esf_frozen_records WHERE report_id = ` + id + `
		), diff AS (
			SELECT coalesce(rec.operation_id, frozen.operation_id) AS operation_id,
				coalesce(rec.person_id, frozen.person_id) AS person_id,
				CASE WHEN frozen.record_hash IS NULL THEN 'ADDED' WHEN rec.record_hash IS NULL THEN 'REMOVED' ELSE 'CHANGED' END AS change
			FROM rec FULL JOIN frozen ON frozen.operation_id = rec.operation_id AND frozen.person_id = rec.person_id
			WHERE rec.record_hash IS DISTINCT FROM frozen.record_hash
		)
		SELECT d.operation_id, coalesce(o.code, ''), d.person_id, d.change
		FROM diff d LEFT JOIN operations o ON o.id = d.operation_id
		ORDER BY o.code, d.person_id`
	var out []RecordChange
	err := withReportSettings(ctx, t, func() error {
		var err error
		out, err = store.Query(ctx, t, "esf frozen record changes", sql, b.args, func(r pgx.Rows) (RecordChange, error) {
			var c RecordChange
			err := r.Scan(&c.OperationID, &c.OperationCode, &c.PersonID, &c.Change)
			return c, err
		})
		return err
	})
	return out, err
}

// FrozenReportSummary describes a frozen report in a listing.
type FrozenReportSummary struct {
	ID          string
	Cutoff      time.Time
	Query       []byte
	RecordCount int64
	ReportHash  string
	FrozenBy    string
	FrozenAt    time.Time
	// SigningKeyID is empty for a report frozen before reports were signed.
	SigningKeyID string
}

// FrozenReports lists frozen reports, newest first.
func FrozenReports(ctx context.Context, t *store.Tx, limit int) ([]FrozenReportSummary, error) {
	return store.Query(ctx, t, "esf frozen reports", `SELECT id, cutoff, query, record_count, report_hash, frozen_by, frozen_at,
			coalesce(signing_key_id, '')
		FROM esf_frozen_reports ORDER BY frozen_at DESC, id LIMIT $1`, []any{limit},
		func(r pgx.Rows) (FrozenReportSummary, error) {
			var s FrozenReportSummary
			err := r.Scan(&s.ID, &s.Cutoff, &s.Query, &s.RecordCount, &s.ReportHash, &s.FrozenBy, &s.FrozenAt, &s.SigningKeyID)
			return s, err
		})
}
