package esf_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestFreezeAndVerify(t *testing.T) {
	t.Parallel()
	e, codes := reportData(t)
	p := pseudonymiser(t)
	key := signer(t, 1)
	q := esf.Query{Cutoff: date("2023-12-31"), Programme: "PN-R"}

	var frozen *esf.Frozen
	e.tx(func(tx *store.Tx) error {
		var err error
		frozen, err = esf.Freeze(e.ctx, tx, esf.FreezeRequest{Query: q, FrozenBy: "auditor@region", Note: "second half of 2023", Signer: key})
		return err
	})
	require.Len(t, frozen.Hash, 64)
	require.Equal(t, int64(7), frozen.RecordCount, "every participant record in scope, complete or not")
	require.Equal(t, e.compute(q), frozen.Report)

	verify := func() *esf.Verification {
		t.Helper()
		var v *esf.Verification
		e.tx(func(tx *store.Tx) error {
			var err error
			v, err = esf.Verify(e.ctx, tx, frozen.ID, p, key)
			return err
		})
		return v
	}
	v := verify()
	require.True(t, v.Intact)
	require.True(t, v.Unchanged(), "%+v", v)
	require.Equal(t, frozen.Hash, v.Frozen.Hash)

	// The frozen report reads back as it was frozen.
	e.tx(func(tx *store.Tx) error {
		f, err := esf.LoadFrozen(e.ctx, tx, frozen.ID)
		require.NoError(t, err)
		require.Equal(t, frozen.Report, f.Report)
		require.Equal(t, "auditor@region", f.FrozenBy)
		return nil
	})

	// A later change to a record before the cut-off: ann's exit moves, eve gets a
	// situation dated before the cut-off, and a participant is added with an entry
	// before the cut-off.
	_, err := e.st.Pool().Exec(e.ctx, `UPDATE participations SET exit_date = '2023-05-15'
		WHERE person_id = (SELECT id FROM persons WHERE tax_code = $1)`, codes["ann"])
	require.NoError(t, err)
	e.load(nil, []part{{Op: "OP3", TaxCode: taxCode(50, "1985-01-01", 'M'), Gender: "M", Entry: "2023-11-01"}},
		[]sit{{Op: "OP2", TaxCode: codes["eve"], Date: "2023-07-05", Situation: "JOB_SEARCHING"}})
	// Changes after the cut-off leave the frozen report valid.
	e.load(nil, []part{{Op: "OP3", TaxCode: taxCode(51, "1985-01-01", 'M'), Gender: "M", Entry: "2024-02-01"}},
		[]sit{{Op: "OP1", TaxCode: codes["bob"], Date: "2024-03-01", Situation: "EMPLOYED"}})

	v = verify()
	require.True(t, v.Intact, "the frozen report itself is untouched")
	require.False(t, v.Unchanged())
	change := func(op, taxCode, kind string) esf.RecordChange {
		id := e.personID(taxCode)
		return esf.RecordChange{OperationCode: op, Pseudonym: p.Person(id), Change: kind, PersonID: id}
	}
	require.ElementsMatch(t, []esf.RecordChange{
		change("OP1", codes["ann"], "CHANGED"),
		change("OP2", codes["eve"], "CHANGED"),
		change("OP3", taxCode(50, "1985-01-01", 'M'), "ADDED"),
	}, v.ChangedRecords)
	changed := map[string]esf.ValueChange{}
	for _, c := range v.ChangedValues {
		changed[c.Priority+"/"+c.Indicator+"/"+c.Column] = c
	}
	// ann's employment on 10 April is no longer within 28 days of her exit, nor her last
	// situation six months after; eve now searches for a job instead of training.
	for key, want := range map[string][2]int64{
		"P1/EECR04/total": {1, 0}, "P1/EECR04/women": {1, 0},
		"P1/EECR05/total": {1, 0}, "P1/EECR05/women": {1, 0},
		"P1/EECR02/total": {1, 0}, "P1/EECR02/women": {1, 0},
		"P1/EECR01/total": {1, 2}, "P1/EECR01/women": {0, 1},
		"P2/EECO01/total": {1, 2}, "P2/EECO01/men": {1, 2},
		"P2/EECO04/total": {1, 2}, "P2/EECO04/men": {1, 2},
		"P2/EECO10/total": {1, 2}, "P2/EECO10/men": {1, 2},
	} {
		c, ok := changed[key]
		require.True(t, ok, key)
		require.Equal(t, want, [2]int64{c.Frozen, c.Current}, key)
	}
	require.Len(t, v.ChangedValues, 14)

	// Frozen reports cannot be changed or removed, even by the tables' owner.
	for _, sql := range []string{
		`UPDATE esf_frozen_reports SET note = 'changed'`,
		`DELETE FROM esf_frozen_reports`,
		`TRUNCATE esf_frozen_reports CASCADE`,
		`UPDATE esf_frozen_records SET record_hash = 'x'`,
		`DELETE FROM esf_frozen_records`,
		`TRUNCATE esf_frozen_records`,
	} {
		_, err := e.st.Pool().Exec(e.ctx, sql)
		require.ErrorContains(t, err, "frozen ESF reports are immutable", sql)
	}

	// A tampered report (triggers disabled by a superuser) no longer matches its hash.
	_, err = e.st.Pool().Exec(e.ctx, `ALTER TABLE esf_frozen_reports DISABLE TRIGGER esf_frozen_reports_immutable;
		UPDATE esf_frozen_reports SET report = jsonb_set(report, '{groups,0,values,0,women}', '99');
		ALTER TABLE esf_frozen_reports ENABLE TRIGGER esf_frozen_reports_immutable`)
	require.NoError(t, err)
	require.False(t, verify().Intact)

	e.tx(func(tx *store.Tx) error {
		_, err := esf.Verify(e.ctx, tx, "not-an-id", p, key)
		_, ok := apperr.AsInput(err)
		require.True(t, ok)
		_, err = esf.Verify(e.ctx, tx, "00000000-0000-0000-0000-000000000000", p, key)
		require.ErrorIs(t, err, apperr.ErrNotFound)
		_, err = esf.Freeze(e.ctx, tx, esf.FreezeRequest{Query: q})
		ie, ok := apperr.AsInput(err)
		require.True(t, ok)
		require.Equal(t, "frozenBy", ie.Fields[0].Field)
		return nil
	})
}
