package accessdata_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/storetest"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	_, st := storetest.ScopeFixture(t)
	ctx := context.Background()
	hash := sha256.Sum256([]byte("pnt_secret"))
	tok, err := accessdata.CreateToken(ctx, st, accessdata.NewToken{
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

	got, err := accessdata.TokenByHash(ctx, st, hash[:])
	require.NoError(t, err)
	require.Equal(t, tok.ID, got.ID)
	other := sha256.Sum256([]byte("pnt_other"))
	_, err = accessdata.TokenByHash(ctx, st, other[:])
	require.ErrorIs(t, err, apperr.ErrNotFound)

	now := time.Now()
	require.NoError(t, accessdata.TouchToken(ctx, st, tok.ID, now))
	require.NoError(t, accessdata.TouchToken(ctx, st, tok.ID, now.Add(10*time.Second)))
	got, err = accessdata.TokenByID(ctx, st, tok.ID)
	require.NoError(t, err)
	require.NotNil(t, got.LastUsedAt)
	require.WithinDuration(t, now, *got.LastUsedAt, time.Millisecond, "a second use within a minute does not write")

	revoked, err := accessdata.RevokeToken(ctx, st, tok.ID)
	require.NoError(t, err)
	require.NotNil(t, revoked.RevokedAt)
	again, err := accessdata.RevokeToken(ctx, st, tok.ID)
	require.NoError(t, err)
	require.Equal(t, revoked.RevokedAt, again.RevokedAt, "the first revocation stands")
	_, err = accessdata.RevokeToken(ctx, st, "7d0e3c41-0000-4000-8000-000000000000")
	require.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = accessdata.RevokeToken(ctx, st, "42")
	ie, ok := apperr.AsInput(err)
	require.True(t, ok)
	require.Equal(t, "id", ie.Fields[0].Field)

	list, err := accessdata.ListTokens(ctx, st)
	require.NoError(t, err)
	require.Len(t, list, 1)

	_, err = accessdata.CreateToken(ctx, st, accessdata.NewToken{Hash: []byte("short"), ExpiresAt: time.Now().Add(-time.Hour)})
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
	o, err := accessdata.OrganisationByCode(ctx, st, "SDS")
	require.NoError(t, err)
	require.Equal(t, storetest.FID("SDS"), o.ID)
	require.Equal(t, "HEALTH_SOCIAL_AGENCY", o.Kind)
	o, err = accessdata.OrganisationByID(ctx, st, storetest.FID("REGION"))
	require.NoError(t, err)
	require.Equal(t, "", o.Territory)
	_, err = accessdata.OrganisationByCode(ctx, st, "NOPE")
	require.ErrorIs(t, err, apperr.ErrNotFound)
	s, err := accessdata.StaffBySubject(ctx, st, "sw_b")
	require.NoError(t, err)
	require.Equal(t, storetest.FID("MUN-B"), s.OrganisationID)
	_, err = accessdata.StaffBySubject(ctx, st, "ghost")
	require.ErrorIs(t, err, apperr.ErrNotFound)
}
