package syncjob_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := pdnd.GenerateKey()
	require.NoError(t, err)
	keyFile, pubFile, err := pdnd.WriteKeyPair(dir, "client", key)
	require.NoError(t, err)

	cfg, err := syncjob.ConfigFromEnv(envFrom(map[string]string{
		"PONTE_REGISTRY_BENEFITS_URL":               "https://api.inps.example/adi",
		"PONTE_REGISTRY_BENEFITS_AUTH":              "pdnd",
		"PONTE_REGISTRY_BENEFITS_PURPOSE_ID":        "purpose-adi",
		"PONTE_REGISTRY_BENEFITS_AUDIENCE":          "inps-adi",
		"PONTE_REGISTRY_BENEFITS_MAX_AGE":           "12h",
		"PONTE_REGISTRY_BENEFITS_SYNC_INTERVAL":     "2h",
		"PONTE_REGISTRY_BENEFITS_RATE_LIMIT":        "5",
		"PONTE_PDND_CLIENT_ID":                      "client-1",
		"PONTE_PDND_KEY_ID":                         "kid-1",
		"PONTE_PDND_KEY_FILE":                       keyFile,
		"PONTE_PDND_USER_LOCATION":                  "pisa-sds",
		"PONTE_PDND_SYSTEM_USER_ID":                 "RSSMRA68A01H501Y",
		"PONTE_PDND_SYSTEM_USER_LOA":                "High",
		"PONTE_REGISTRY_BENEFITS_AUDIT_PATTERN":     "audit_rest_01",
		"PONTE_REGISTRY_BENEFITS_RESPONSE_KEY_FILE": pubFile,
		"PONTE_REGISTRY_BENEFITS_RESPONSE_ISSUER":   "inps",
		"PONTE_REGISTRY_SCHOOL_URL":                 "https://anist.example",
		"PONTE_REGISTRY_SCHOOL_AUTH":                "bearer",
		"PONTE_REGISTRY_SCHOOL_BEARER_TOKEN":        "s3cret",
		"PONTE_REGISTRY_PAGE_SIZE":                  "250",
	}))
	require.NoError(t, err)
	require.Len(t, cfg.Sources, 2, "labour has no URL: not configured")
	b := cfg.Sources["benefits"]
	require.Equal(t, "https://api.inps.example/adi", b.Client.BaseURL)
	require.Equal(t, "benefits", b.Client.Source)
	require.Equal(t, 12*time.Hour, b.MaxAge)
	require.Equal(t, 2*time.Hour, b.SyncInterval)
	require.InDelta(t, 5, b.Client.RateLimit, 0)
	require.Equal(t, "pdnd", b.Auth.Kind)
	require.Equal(t, "https://auth.interop.pagopa.it/token.oauth2", b.Auth.PDND.TokenURL)
	require.Equal(t, "purpose-adi", b.Auth.PDND.PurposeID)
	require.Equal(t, "pisa-sds", b.Auth.PDND.UserLocation)
	require.Equal(t, "RSSMRA68A01H501Y", b.Auth.PDND.SystemUserID)
	require.Equal(t, "high", b.Auth.PDND.SystemUserLoA)
	require.Equal(t, pdnd.AuditREST01, b.Auth.PDND.Audit)
	require.Equal(t, pubFile, b.Auth.PDND.ResponseKeyFile)
	require.Equal(t, "inps", b.Auth.PDND.ResponseIssuer)
	s := cfg.Sources["school"]
	require.Equal(t, syncjob.DefaultMaxAge, s.MaxAge)
	require.Equal(t, "s3cret", s.Auth.BearerToken)
	require.Equal(t, 250, cfg.PageSize)
	require.Equal(t, syncjob.DefaultWorkers, cfg.Workers)

	conn, err := syncjob.NewConnectors(cfg, nil)
	require.NoError(t, err)
	require.NotNil(t, conn.Benefits)
	require.Nil(t, conn.Labour)
	require.Len(t, conn.Clients(), 2)
}

func TestConfigFromEnvNamesEveryBadVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"unknown auth", map[string]string{"PONTE_REGISTRY_LABOUR_URL": "https://x.example", "PONTE_REGISTRY_LABOUR_AUTH": "kerberos"},
			[]string{`PONTE_REGISTRY_LABOUR_AUTH: "kerberos": want none, bearer, mtls or pdnd`}},
		{"pdnd without identity", map[string]string{"PONTE_REGISTRY_LABOUR_URL": "https://x.example", "PONTE_REGISTRY_LABOUR_AUTH": "pdnd"},
			[]string{"PONTE_PDND_CLIENT_ID: required", "PONTE_PDND_KEY_FILE: required", "PONTE_REGISTRY_LABOUR_PURPOSE_ID: required",
				"PONTE_REGISTRY_LABOUR_AUDIENCE: required", "PONTE_PDND_SYSTEM_USER_ID: required", "PONTE_PDND_SYSTEM_USER_LOA: required"}},
		{"pdnd with a made-up level", map[string]string{"PONTE_REGISTRY_LABOUR_URL": "https://x.example", "PONTE_REGISTRY_LABOUR_AUTH": "pdnd",
			"PONTE_PDND_SYSTEM_USER_ID": "op", "PONTE_PDND_SYSTEM_USER_LOA": "SpidL2", "PONTE_PDND_USER_LOA": "4"},
			[]string{`PONTE_PDND_SYSTEM_USER_LOA: "spidl2": want low, substantial or high`, `PONTE_PDND_USER_LOA: "4"`}},
		{"response key twice", map[string]string{"PONTE_REGISTRY_LABOUR_URL": "https://x.example", "PONTE_REGISTRY_LABOUR_AUTH": "pdnd",
			"PONTE_REGISTRY_LABOUR_RESPONSE_KEY_FILE": "/k.pub", "PONTE_REGISTRY_LABOUR_RESPONSE_JWKS_URL": "https://x.example/jwks",
			"PONTE_REGISTRY_LABOUR_AUDIT_PATTERN": "AUDIT_REST_09"},
			[]string{"PONTE_REGISTRY_LABOUR_RESPONSE_KEY_FILE and PONTE_REGISTRY_LABOUR_RESPONSE_JWKS_URL: set one, not both",
				`PONTE_REGISTRY_LABOUR_AUDIT_PATTERN: "AUDIT_REST_09"`}},
		{"response key without pdnd", map[string]string{"PONTE_REGISTRY_SCHOOL_URL": "https://x.example", "PONTE_REGISTRY_SCHOOL_RESPONSE_KEY_FILE": "/k.pub"},
			[]string{"PONTE_REGISTRY_SCHOOL_RESPONSE_KEY_FILE: only used with PONTE_REGISTRY_SCHOOL_AUTH=pdnd"}},
		{"bearer without token", map[string]string{"PONTE_REGISTRY_SCHOOL_URL": "https://x.example", "PONTE_REGISTRY_SCHOOL_AUTH": "bearer"},
			[]string{"PONTE_REGISTRY_SCHOOL_BEARER_TOKEN: required"}},
		{"bad durations and numbers", map[string]string{"PONTE_REGISTRY_SCHOOL_URL": "https://x.example", "PONTE_REGISTRY_SCHOOL_MAX_AGE": "1 day",
			"PONTE_REGISTRY_PAGE_SIZE": "-3", "PONTE_REGISTRY_SCHOOL_RATE_LIMIT": "fast"},
			[]string{`PONTE_REGISTRY_SCHOOL_MAX_AGE: "1 day" is not a positive duration`, `PONTE_REGISTRY_PAGE_SIZE: "-3" is not a positive whole number`,
				`PONTE_REGISTRY_SCHOOL_RATE_LIMIT: "fast"`}},
		{"page over the registry limit", map[string]string{"PONTE_REGISTRY_PAGE_SIZE": "5000"}, []string{"PageSize: 5000 outside [1, 1000]"}},
		{"relative URL", map[string]string{"PONTE_REGISTRY_BENEFITS_URL": "api/adi"}, []string{"source benefits", "BaseURL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := syncjob.ConfigFromEnv(envFrom(tc.env))
			require.Error(t, err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

func TestParseSources(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"all":             {"benefits", "labour", "school"},
		"labour":          {"labour"},
		"school, Labour":  {"school", "labour"},
		"benefits,all":    {"benefits", "labour", "school"},
		"labour,labour":   {"labour"},
		"BENEFITS,school": {"benefits", "school"},
	} {
		got, err := syncjob.ParseSources(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "tax", "labour,,school", "benefits;labour"} {
		_, err := syncjob.ParseSources(bad)
		require.ErrorContains(t, err, "want benefits, labour, school or all", bad)
	}
}

func FuzzParseSources(f *testing.F) {
	for _, s := range []string{"all", "labour,school", "", ",", "benefits, ALL", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := syncjob.ParseSources(s)
		if err != nil {
			require.Nil(t, got)
			return
		}
		require.NotEmpty(t, got)
		seen := map[string]bool{}
		for _, src := range got {
			require.Contains(t, syncjob.Sources, src)
			require.False(t, seen[src], "listed once")
			seen[src] = true
		}
	})
}

func FuzzConfigFromEnv(f *testing.F) {
	f.Add("https://x.example", "pdnd", "12h", "500", "5")
	f.Add("", "none", "", "", "")
	f.Add("http://127.0.0.1:1", "bearer", "-1s", "0", "nan")
	f.Add("ftp://x", "mtls", "1h", "1001", "-2")
	dir := f.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "k"), []byte("not a key"), 0o600)
	f.Fuzz(func(t *testing.T, url, auth, maxAge, page, rate string) {
		cfg, err := syncjob.ConfigFromEnv(envFrom(map[string]string{
			"PONTE_REGISTRY_LABOUR_URL": url, "PONTE_REGISTRY_LABOUR_AUTH": auth, "PONTE_REGISTRY_LABOUR_MAX_AGE": maxAge,
			"PONTE_REGISTRY_PAGE_SIZE": page, "PONTE_REGISTRY_LABOUR_RATE_LIMIT": rate, "PONTE_REGISTRY_LABOUR_BEARER_TOKEN": "t",
			"PONTE_PDND_KEY_FILE": filepath.Join(dir, "k"),
		}))
		if err != nil {
			require.NotEmpty(t, err.Error())
			require.True(t, strings.Contains(err.Error(), "PONTE_") || strings.Contains(err.Error(), "syncjob: "), err.Error())
			return
		}
		require.GreaterOrEqual(t, cfg.PageSize, 1)
		require.LessOrEqual(t, cfg.PageSize, 1000)
		if sc, ok := cfg.Sources["labour"]; ok {
			require.NoError(t, sc.Client.Validate())
			require.GreaterOrEqual(t, sc.MaxAge, time.Second)
		}
	})
}
