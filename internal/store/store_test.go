package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestMigrationsApplied(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	st, err := store.MigrationStatus(context.Background(), u)
	require.NoError(t, err)
	require.NotEmpty(t, st)
	for _, s := range st {
		require.Equal(t, "applied", string(s.State), s.Source.Path)
	}
}
