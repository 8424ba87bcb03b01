package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	hash := sha256.Sum256([]byte("pnt_secret"))
	tok, err := st.CreateAccessToken(ctx, store.NewAccessToken{
		Hash: hash[:], Label: "cooperative portal", Role: "case_manager", OrganisationID: storetest.FID("COOP-1"),
		StaffID: storetest.FID("cm1"), Purposes: []string{"case_management"}, ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "ops",
	})
	require.NoError(t, err)
	require.Equal(t, "COOP-1", tok.OrganisationCode)
	require.Equal(t, "COOPERATIVE", tok.OrganisationKind)
	require.Equal(t, "T1", tok.Territory)
	require.Equal(t, "cm1", tok.StaffSubject)
	require.Nil(t, tok.RevokedAt)
	require.Nil(t, tok.LastUsedAt)

	got, err := st.AccessTokenByHash(ctx, hash[:])
	require.NoError(t, err)
	require.Equal(t, tok.ID, got.ID)
	other := sha256.Sum256([]byte("pnt_other"))
	_, err = st.AccessTokenByHash(ctx, other[:])
	require.ErrorIs(t, err, apperr.ErrNotFound)

	now := time.Now()
	require.NoError(t, st.TouchAccessToken(ctx, tok.ID, now))
	require.NoError(t, st.TouchAccessToken(ctx, tok.ID, now.Add(10*time.Second)))
	got, err = st.AccessTokenByID(ctx, tok.ID)
	require.NoError(t, err)
	require.NotNil(t, got.LastUsedAt)
	require.WithinDuration(t, now, *got.LastUsedAt, time.Millisecond, "a second use within a minute does not write")

	revoked, err := st.RevokeAccessToken(ctx, tok.ID)
	require.NoError(t, err)
	require.NotNil(t, revoked.RevokedAt)
	again, err := st.RevokeAccessToken(ctx, tok.ID)
	require.NoError(t, err)
	require.Equal(t, revoked.RevokedAt, again.RevokedAt, "the first revocation stands")
	_, err = st.RevokeAccessToken(ctx, "7d0e3c41-0000-4000-8000-000000000000")
	require.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = st.RevokeAccessToken(ctx, "42")
	ie, ok := apperr.AsInput(err)
	require.True(t, ok)
	require.Equal(t, "id", ie.Fields[0].Field)

	list, err := st.ListAccessTokens(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)

	_, err = st.CreateAccessToken(ctx, store.NewAccessToken{Hash: []byte("short"), ExpiresAt: time.Now().Add(-time.Hour)})
	ie, ok = apperr.AsInput(err)
	require.True(t, ok)
	var fields []string
	for _, f := range ie.Fields {
		fields = append(fields, f.Field)
	}
	require.ElementsMatch(t, []string{"hash", "role", "organisation", "purposes", "expires"}, fields)
}

func TestDirectoryLookups(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	o, err := st.OrganisationByCode(ctx, "SDS")
	require.NoError(t, err)
	require.Equal(t, storetest.FID("SDS"), o.ID)
	require.Equal(t, "HEALTH_SOCIAL_AGENCY", o.Kind)
	o, err = st.OrganisationByID(ctx, storetest.FID("REGION"))
	require.NoError(t, err)
	require.Equal(t, "", o.Territory)
	_, err = st.OrganisationByCode(ctx, "NOPE")
	require.ErrorIs(t, err, apperr.ErrNotFound)
	s, err := st.StaffBySubject(ctx, "sw_b")
	require.NoError(t, err)
	require.Equal(t, storetest.FID("MUN-B"), s.OrganisationID)
	_, err = st.StaffBySubject(ctx, "ghost")
	require.ErrorIs(t, err, apperr.ErrNotFound)
}
