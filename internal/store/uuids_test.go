package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// TestUUIDsBindWhatTextDid: ids bound with store.UUIDs mean to PostgreSQL exactly what
// the same []string meant: the same array, NULL for nil, the empty array for none, the
// forms besides the canonical one PostgreSQL accepts, and for a malformed id the same
// failure, which the store reports as the same input error.
func TestUUIDsBindWhatTextDid(t *testing.T) {
	t.Parallel()
	st, _ := storetest.Store(t)
	ctx := context.Background()
	const id = "0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091"
	read := func(v any) (string, error) {
		tx, err := st.Begin(ctx, store.TxOptions{ReadOnly: true})
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		got, err := storetest.Strings(ctx, tx, `SELECT coalesce(($1::uuid[])::text, 'NULL') || ' ' ||
			coalesce(cardinality($1::uuid[])::text, 'NULL') || ' ' || ($1::uuid[] IS NULL)::text`, v)
		if err != nil {
			return "", err
		}
		return got[0], nil
	}
	for _, c := range []struct {
		name   string
		ids    []string
		binary bool // bound as 16 bytes an id, not as text
	}{
		{"canonical", []string{id, strings.Replace(id, "7d2a", "7d2b", 1)}, true},
		{"upper case", []string{strings.ToUpper(id)}, true},
		{"nil", nil, true},
		{"empty", []string{}, true},
		{"braces", []string{"{" + id + "}"}, false},
		{"no hyphens", []string{strings.ReplaceAll(id, "-", "")}, false},
		{"hyphens elsewhere", []string{"0190-a5e4-7f3c-7d2a-9b1e-4c5d-6e7f-8091"}, false},
		{"canonical beside one in braces", []string{id, "{" + id + "}"}, false},
	} {
		_, text := store.UUIDs(c.ids).([]string)
		require.Equal(t, c.binary, !text, "%s: bound in binary", c.name)
		want, err := read(c.ids)
		require.NoError(t, err, c.name)
		got, err := read(store.UUIDs(c.ids))
		require.NoError(t, err, c.name)
		require.Equal(t, want, got, c.name)
	}
	for _, bad := range [][]string{
		{"not-a-uuid"}, {""}, {id, "x"}, {"urn:uuid:" + id}, {strings.Replace(id, "7", "g", 1)},
		{id[:35]}, {id + "0"}, {strings.Replace(id, "-", "_", 1)}, {" " + id[1:]},
	} {
		_, text := store.UUIDs(bad).([]string)
		require.True(t, text, "%q is bound as text, for PostgreSQL to refuse", bad)
		_, want := read(bad)
		_, got := read(store.UUIDs(bad))
		require.ErrorContains(t, want, "invalid input syntax for type uuid", "%q", bad)
		require.Equal(t, want.Error(), got.Error(), "%q", bad)
		var in *apperr.InputError
		require.ErrorAs(t, got, &in, "%q", bad)
	}
}

// TestMalformedIDAtALoader: a malformed row id reaching a loader's statement is still
// PostgreSQL's input error, which the store reports as the caller's input error, and the
// transaction it ran in is over, as before.
func TestMalformedIDAtALoader(t *testing.T) {
	t.Parallel()
	st, _ := storetest.Store(t)
	ctx := context.Background()
	tx := storetest.Begin(t, st, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}})
	_, err := casedata.CasesByIDs(ctx, tx, []string{"0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091", "42"})
	var in *apperr.InputError
	require.ErrorAs(t, err, &in)
	require.Equal(t, []apperr.FieldError{{Field: "", Reason: `is not valid: invalid input syntax for type uuid: "42"`}}, in.Fields)
	_, err = casedata.CasesByIDs(ctx, tx, []string{"0190a5e4-7f3c-7d2a-9b1e-4c5d6e7f8091"})
	require.ErrorContains(t, err, "current transaction is aborted")
}
