package esf_test

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/esfdata"
	"github.com/ponte-hub/ponte/migrations"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// frozenBundle is a report of the report data frozen by an ESF+ auditor's transaction
// (the request role), signed with key.
type frozenBundle struct {
	e      *env
	key    *esf.Signer
	p      esf.Pseudonymiser
	frozen *esf.Frozen
}

func freezeReportData(t *testing.T) *frozenBundle {
	t.Helper()
	e, _ := reportData(t)
	b := &frozenBundle{e: e, key: signer(t, 1), p: pseudonymiser(t)}
	auditor := store.Scope{Kind: store.ScopeParticipants}
	require.NoError(t, e.st.InTx(e.ctx, store.TxOptions{Claims: auditor.Claims(), Scope: auditor}, func(tx *store.Tx) error {
		var err error
		b.frozen, err = esf.Freeze(e.ctx, tx, esf.FreezeRequest{Query: esf.Query{Cutoff: date("2023-12-31"), Programme: "PN-R"},
			FrozenBy: "auditor@region", Note: "second half of 2023", Signer: b.key})
		return err
	}))
	return b
}

// verify verifies the report with the key the hub is configured with.
func (b *frozenBundle) verify(t *testing.T, key *esf.Signer) *esf.Verification {
	t.Helper()
	var v *esf.Verification
	b.e.tx(func(tx *store.Tx) error {
		var err error
		v, err = esf.Verify(b.e.ctx, tx, b.frozen.ID, b.p, key)
		return err
	})
	return v
}

// tamper runs statements as the tables' owner with their triggers disabled, as someone who
// can write the database directly would.
func (b *frozenBundle) tamper(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := b.e.ctx
	tx, err := b.e.st.Pool().Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	for _, s := range []string{`ALTER TABLE esf_frozen_reports DISABLE TRIGGER USER`, `ALTER TABLE esf_frozen_records DISABLE TRIGGER USER`} {
		_, err := tx.Exec(ctx, s)
		require.NoError(t, err)
	}
	tag, err := tx.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
	require.Positive(t, tag.RowsAffected(), sql)
	for _, s := range []string{`ALTER TABLE esf_frozen_reports ENABLE TRIGGER USER`, `ALTER TABLE esf_frozen_records ENABLE TRIGGER USER`} {
		_, err := tx.Exec(ctx, s)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
}

// row reads the stored report row and the count and digest of its stored records.
func (b *frozenBundle) row(t *testing.T) (esfdata.FrozenReport, int64, string) {
	t.Helper()
	var row esfdata.FrozenReport
	var n int64
	var digest string
	b.e.tx(func(tx *store.Tx) error {
		var err error
		if row, err = esfdata.FrozenReportByID(b.e.ctx, tx, b.frozen.ID); err != nil {
			return err
		}
		n, digest, err = esfdata.FrozenRecordsDigest(b.e.ctx, tx, b.frozen.ID)
		return err
	})
	return row, n, digest
}

// store writes every column of a forged report row over the stored one.
func (b *frozenBundle) store(t *testing.T, r esfdata.FrozenReport) {
	t.Helper()
	b.tamper(t, `UPDATE esf_frozen_reports SET report = $2, report_hash = $3, note = NULLIF($4, ''), signing_key_id = $5,
		signing_public_key = $6, signed_digests = $7, signature = $8 WHERE id = $1`,
		r.ID, r.Report, r.ReportHash, r.Note, r.SigningKeyID, r.SigningPublicKey, r.SignedDigests, r.Signature)
}

// A frozen report carries the signature of the configured key, made by the request role's
// transaction, and verifies with it; the values and records are those of an owner's freeze.
func TestFrozenReportIsSignedWithTheConfiguredKey(t *testing.T) {
	t.Parallel()
	b := freezeReportData(t)
	f := b.frozen
	require.Equal(t, b.key.KeyID(), f.SignedBy)
	require.Len(t, f.Signature, 128, "hex Ed25519 signature")
	require.Equal(t, int64(7), f.RecordCount)
	require.Equal(t, b.e.compute(esf.Query{Cutoff: date("2023-12-31"), Programme: "PN-R"}), f.Report)
	require.Zero(t, f.FrozenAt.Nanosecond()%1000, "frozen_at is kept to the microsecond, as the database keeps it")

	v := b.verify(t, b.key)
	require.True(t, v.SignatureValid, v.SignatureProblem)
	require.True(t, v.Intact)
	require.True(t, v.Unchanged())
	require.Empty(t, v.ChangedFields)
	require.NotNil(t, v.ChangedFields, "an empty list, not null")
	require.Equal(t, b.key.KeyID(), v.KeyID)
	require.Equal(t, f.FrozenAt, v.Frozen.FrozenAt.UTC(), "the signed time is the stored one")
	require.Equal(t, f.Signature, v.Frozen.Signature)

	// Checking needs only the public key.
	checking, err := esf.ParseSigningKey(b.key.PublicKeyPEM())
	require.NoError(t, err)
	require.True(t, b.verify(t, checking).SignatureValid)
}

// Each stored field altered by the tables' owner is named by the verification, which then
// fails; the digest list signed at freezing still holds, so nothing else is named.
func TestVerifyNamesTheFieldThatChanged(t *testing.T) {
	t.Parallel()
	firstRecord := `(SELECT person_id FROM esf_frozen_records ORDER BY operation_id, person_id LIMIT 1)`
	for _, tc := range []struct {
		name string
		sql  string
		want []string
	}{
		{"a value", `UPDATE esf_frozen_reports SET report = jsonb_set(report, '{groups,0,values,0,women}', '99')`, []string{esf.FieldReport}},
		{"a record's hash", `UPDATE esf_frozen_records SET record_hash = repeat('0', 64) WHERE person_id = ` + firstRecord, []string{esf.FieldRecords}},
		{"a record removed", `DELETE FROM esf_frozen_records WHERE person_id = ` + firstRecord, []string{esf.FieldRecords, esf.FieldRecordCount}},
		{"a record added", `INSERT INTO esf_frozen_records SELECT report_id, operation_id, gen_random_uuid(), record_hash
			FROM esf_frozen_records LIMIT 1`, []string{esf.FieldRecords, esf.FieldRecordCount}},
		{"the records digest", `UPDATE esf_frozen_reports SET records_digest = repeat('0', 64)`, []string{esf.FieldRecords}},
		{"the record count", `UPDATE esf_frozen_reports SET record_count = record_count + 1`, []string{esf.FieldRecordCount}},
		{"the cut-off", `UPDATE esf_frozen_reports SET cutoff = cutoff - 1`, []string{esf.FieldCutoff}},
		{"the cut-off of the query", `UPDATE esf_frozen_reports SET query = jsonb_set(query, '{cutoff}', '"2023-06-30T00:00:00Z"')`, []string{esf.FieldCutoff}},
		{"the programme", `UPDATE esf_frozen_reports SET query = jsonb_set(query, '{programme}', '"PN-OTHER"')`, []string{esf.FieldFilters}},
		{"an operation filter", `UPDATE esf_frozen_reports SET query = query || '{"operation_code": "OP1"}'`, []string{esf.FieldFilters}},
		{"a rule", `UPDATE esf_frozen_reports SET query = jsonb_set(query, '{rules,leaving_window_days}', '40')`, []string{esf.FieldRules}},
		{"the query, unreadable", `UPDATE esf_frozen_reports SET query = '[]'`, []string{esf.FieldCutoff, esf.FieldFilters, esf.FieldRules}},
		{"who froze it", `UPDATE esf_frozen_reports SET frozen_by = 'someone@else'`, []string{esf.FieldFrozenBy}},
		{"when", `UPDATE esf_frozen_reports SET frozen_at = frozen_at - interval '1 day'`, []string{esf.FieldFrozenAt}},
		{"when, by a microsecond", `UPDATE esf_frozen_reports SET frozen_at = frozen_at + interval '1 microsecond'`, []string{esf.FieldFrozenAt}},
		{"the note", `UPDATE esf_frozen_reports SET note = 'first half of 2023'`, []string{esf.FieldNote}},
		{"the note removed", `UPDATE esf_frozen_reports SET note = NULL`, []string{esf.FieldNote}},
		{"the hash", `UPDATE esf_frozen_reports SET report_hash = repeat('f', 64)`, []string{esf.FieldHash}},
		{"two fields", `UPDATE esf_frozen_reports SET note = 'x', frozen_by = 'y'`, []string{esf.FieldFrozenBy, esf.FieldNote}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := freezeReportData(t)
			b.tamper(t, tc.sql)
			v := b.verify(t, b.key)
			require.False(t, v.Intact)
			require.False(t, v.SignatureValid)
			require.Equal(t, tc.want, v.ChangedFields)
			require.Equal(t, b.key.KeyID(), v.KeyID)
			require.Contains(t, v.SignatureProblem, "no longer match")
			require.False(t, v.Unchanged())
		})
	}
}

// Reports forged by someone who can write the tables but does not hold the key fail the
// signature: a recomputed plain hash, a signature of another key (under its own id or the
// configured one), a signature of nothing in particular, a digest list rewritten to match.
func TestVerifyDetectsForgedReports(t *testing.T) {
	t.Parallel()
	// forge changes a value and recomputes the plain hash, which then matches.
	forge := func(t *testing.T, b *frozenBundle) (esfdata.FrozenReport, int64, string) {
		t.Helper()
		row, n, digest := b.row(t)
		var rep esf.Report
		require.NoError(t, json.Unmarshal(row.Report, &rep))
		rep.Groups[0].Values[0].Women++
		rep.Groups[0].Values[0].Total++
		var err error
		row.Report, err = json.Marshal(rep)
		require.NoError(t, err)
		row.ReportHash = esf.ReportHashForTest(row.Report, digest)
		return row, n, digest
	}
	other := signer(t, 2)
	for _, tc := range []struct {
		name    string
		forge   func(t *testing.T, b *frozenBundle) esfdata.FrozenReport
		changed []string
		problem string
	}{
		{"plain hash recomputed", func(t *testing.T, b *frozenBundle) esfdata.FrozenReport {
			row, _, _ := forge(t, b)
			return row
		}, []string{esf.FieldReport, esf.FieldHash}, "no longer match"},
		{"re-signed with another key", func(t *testing.T, b *frozenBundle) esfdata.FrozenReport {
			row, n, digest := forge(t, b)
			require.NoError(t, esf.SealForTest(other, &row, n, digest))
			return row
		}, []string{esf.FieldSignature}, `signed with key "` + other.KeyID() + `", not with the configured key ` + signer(t, 1).KeyID()},
		{"another key under the configured key's id", func(t *testing.T, b *frozenBundle) esfdata.FrozenReport {
			row, n, digest := forge(t, b)
			require.NoError(t, esf.SealForTest(other, &row, n, digest))
			row.SigningKeyID = b.key.KeyID()
			return row
		}, []string{esf.FieldSignature}, "the stored public key is not the configured key"},
		{"a signature by another key beside the configured public key", func(t *testing.T, b *frozenBundle) esfdata.FrozenReport {
			row, n, digest := forge(t, b)
			forged := row
			require.NoError(t, esf.SealForTest(other, &forged, n, digest))
			row.SignedDigests = strings.Replace(forged.SignedDigests, other.KeyID(), b.key.KeyID(), 1)
			row.Signature = forged.Signature
			return row
		}, []string{esf.FieldSignature}, "does not verify"},
		{"random signature", func(t *testing.T, b *frozenBundle) esfdata.FrozenReport {
			row, _, _ := b.row(t)
			_, _ = rand.Read(row.Signature)
			return row
		}, []string{esf.FieldSignature}, "does not verify"},
		{"digest list rewritten, signature kept", func(t *testing.T, b *frozenBundle) esfdata.FrozenReport {
			row, n, digest := b.row(t)
			row.Note = "first half of 2023"
			forged := row
			require.NoError(t, esf.SealForTest(other, &forged, n, digest))
			row.SignedDigests = strings.Replace(forged.SignedDigests, other.KeyID(), b.key.KeyID(), 1)
			return row
		}, []string{esf.FieldSignature}, "does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := freezeReportData(t)
			b.store(t, tc.forge(t, b))
			v := b.verify(t, b.key)
			require.False(t, v.SignatureValid)
			require.False(t, v.Intact)
			require.Equal(t, tc.changed, v.ChangedFields)
			require.Contains(t, v.SignatureProblem, tc.problem)
		})
	}

	// A report re-signed with another key verifies with that key only: the trust is in the
	// key the hub is configured with, not in the one stored beside the signature.
	b := freezeReportData(t)
	row, n, digest := forge(t, b)
	require.NoError(t, esf.SealForTest(other, &row, n, digest))
	b.store(t, row)
	require.False(t, b.verify(t, b.key).SignatureValid)
	require.True(t, b.verify(t, other).SignatureValid)
}

// Freezing without a key, or with a public key only, fails naming the setting, and stores
// nothing; verifying without a key fails too.
func TestFreezeNeedsASigningKey(t *testing.T) {
	t.Parallel()
	e, _ := reportData(t)
	checking, err := esf.ParseSigningKey(signer(t, 1).PublicKeyPEM())
	require.NoError(t, err)
	q := esf.Query{Cutoff: date("2023-12-31")}
	err = e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
		_, err := esf.Freeze(e.ctx, tx, esf.FreezeRequest{Query: q, FrozenBy: "auditor"})
		return err
	})
	require.ErrorIs(t, err, esf.ErrNoSigningKey)
	require.ErrorIs(t, err, apperr.ErrUnavailable)
	require.ErrorContains(t, err, "PONTE_ESF_SIGNING_KEY")
	err = e.st.InTx(e.ctx, allScope, func(tx *store.Tx) error {
		_, err := esf.Freeze(e.ctx, tx, esf.FreezeRequest{Query: q, FrozenBy: "auditor", Signer: checking})
		return err
	})
	require.ErrorContains(t, err, "is a public key: freezing needs the private key (PONTE_ESF_SIGNING_KEY)")
	var n int
	require.NoError(t, e.st.Pool().QueryRow(e.ctx, `SELECT count(*) FROM esf_frozen_reports`).Scan(&n))
	require.Zero(t, n)

	e.tx(func(tx *store.Tx) error {
		_, err := esf.Verify(e.ctx, tx, "00000000-0000-0000-0000-000000000000", pseudonymiser(t), nil)
		require.ErrorIs(t, err, esf.ErrNoSigningKey)
		return nil
	})
}

// Migration 00320 down and up again: a report frozen before reports were signed keeps its
// hash and verifies as unsigned, and reports frozen afterwards are signed again.
func TestReportFrozenBeforeSigningVerifiesAsUnsigned(t *testing.T) {
	t.Parallel()
	b := freezeReportData(t)
	ctx := b.e.ctx
	url := b.e.st.Pool().Config().ConnString()
	migrate := func(fn func(*goose.Provider) error) {
		t.Helper()
		cc, err := pgx.ParseConfig(url)
		require.NoError(t, err)
		db := stdlib.OpenDB(*cc)
		defer db.Close()
		p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithAllowOutofOrder(true))
		require.NoError(t, err)
		require.NoError(t, fn(p))
	}
	privileges := func() (update, hasDefault bool) {
		t.Helper()
		require.NoError(t, b.e.st.Pool().QueryRow(ctx, `SELECT has_table_privilege('ponte_app', 'esf_frozen_reports', 'UPDATE'),
			EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'esf_frozen_reports' AND column_name = 'frozen_at'
				AND column_default IS NOT NULL)`).Scan(&update, &hasDefault))
		return update, hasDefault
	}
	u, d := privileges()
	require.False(t, u, "the request role cannot update frozen reports")
	require.False(t, d, "frozen_at has no default")

	migrate(func(p *goose.Provider) error { _, err := p.ApplyVersion(ctx, 320, false); return err })
	u, d = privileges()
	require.True(t, u && d, "the Down section restores 00300's privileges and default")
	migrate(func(p *goose.Provider) error { _, err := p.ApplyVersion(ctx, 320, true); return err })

	v := b.verify(t, b.key)
	require.False(t, v.SignatureValid)
	require.False(t, v.Intact, "an unsigned report cannot be vouched for")
	require.Equal(t, []string{esf.FieldSignature}, v.ChangedFields)
	require.Contains(t, v.SignatureProblem, "not signed")
	require.Empty(t, v.KeyID)
	require.Empty(t, v.ChangedRecords, "its values and records are still those of the data")
	require.Empty(t, v.ChangedValues)

	again := &frozenBundle{e: b.e, key: b.key, p: b.p}
	b.e.tx(func(tx *store.Tx) error {
		var err error
		again.frozen, err = esf.Freeze(ctx, tx, esf.FreezeRequest{Query: esf.Query{Cutoff: date("2023-12-31")}, FrozenBy: "auditor", Signer: b.key})
		return err
	})
	require.True(t, again.verify(t, b.key).Intact)
}
