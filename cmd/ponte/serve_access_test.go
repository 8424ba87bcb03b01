package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

func TestAccessConfigFromEnv(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32)
	policyDir := t.TempDir()
	for _, f := range []string{"model.conf", "policy.csv", "legal_bases.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "internal", "access", "policy", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(policyDir, f), b, 0o600))
	}
	for name, tc := range map[string]struct {
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c accessConfig)
	}{
		"defaults: partner tokens only, no pseudonyms, threshold 5": {env: nil, check: func(t *testing.T, c accessConfig) {
			require.Nil(t, c.JWT)
			require.Nil(t, c.Pseudonyms)
			require.Equal(t, access.DefaultSuppressionThreshold, c.SuppressionThreshold)
			require.NotNil(t, c.Policy)
		}},
		"everything set": {env: map[string]string{"PONTE_OIDC_ISSUER": "https://idp", "PONTE_OIDC_AUDIENCE": "ponte",
			"PONTE_OIDC_JWKS_URL": "https://idp/jwks", "PONTE_PSEUDONYM_KEY": key, "PONTE_SUPPRESSION_THRESHOLD": "10",
			"PONTE_ACCESS_POLICY_DIR": policyDir}, check: func(t *testing.T, c accessConfig) {
			require.Equal(t, "https://idp", c.JWT.Issuer)
			require.NotNil(t, c.Pseudonyms)
			require.Equal(t, 10, c.SuppressionThreshold)
			def, err := access.DefaultPolicy()
			require.NoError(t, err)
			require.Equal(t, def.Version(), c.Policy.Version(), "the same files, the same version")
		}},
		"half an identity provider":    {env: map[string]string{"PONTE_OIDC_ISSUER": "https://idp"}, wantErr: "PONTE_OIDC_AUDIENCE"},
		"short pseudonym key":          {env: map[string]string{"PONTE_PSEUDONYM_KEY": "abcd"}, wantErr: "PONTE_PSEUDONYM_KEY"},
		"pseudonym key not hex or b64": {env: map[string]string{"PONTE_PSEUDONYM_KEY": "not a key!"}, wantErr: "PONTE_PSEUDONYM_KEY"},
		"threshold zero":               {env: map[string]string{"PONTE_SUPPRESSION_THRESHOLD": "0"}, wantErr: "PONTE_SUPPRESSION_THRESHOLD"},
		"threshold not a number":       {env: map[string]string{"PONTE_SUPPRESSION_THRESHOLD": "five"}, wantErr: "PONTE_SUPPRESSION_THRESHOLD"},
		"policy dir without files":     {env: map[string]string{"PONTE_ACCESS_POLICY_DIR": t.TempDir()}, wantErr: "PONTE_ACCESS_POLICY_DIR"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := accessConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}
