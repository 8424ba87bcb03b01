package access_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

// Every purpose of the embedded policy names its legal basis and the law it rests on;
// those reading special categories name their Art. 9(2) condition.
func TestEveryPurposeHasALegalBasis(t *testing.T) {
	t.Parallel()
	p, err := access.DefaultPolicy()
	require.NoError(t, err)
	require.Len(t, p.LegalBases(), len(access.Purposes()))
	for _, pu := range access.Purposes() {
		b, ok := p.LegalBasis(pu)
		require.True(t, ok, pu)
		require.Equal(t, pu, b.Purpose)
		require.NotEmpty(t, b.Law, pu)
		require.True(t, strings.HasPrefix(b.Article, "GDPR Art. 6(1)("), b.Article)
	}
	cm, _ := p.LegalBasis(access.PurposeCaseManagement)
	require.Equal(t, access.BasisPublicTask, cm.Basis)
	require.Contains(t, cm.Law, "L. 328/2000")
	require.Contains(t, cm.Law, "D.L. 48/2023")
	require.Contains(t, cm.Special, "Art. 9(2)")
	esf, _ := p.LegalBasis(access.PurposeESFMonitoring)
	require.Equal(t, access.BasisLegalObligation, esf.Basis)
	require.Contains(t, esf.Law, "Reg. (EU) 2021/1060")
}

func TestLegalBasesErrors(t *testing.T) {
	t.Parallel()
	m := defaultModel(t)
	policy, bases, err := access.PolicyTextsForTest()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(bases)), "\n")
	without := func(purpose string) string {
		var out []string
		for _, l := range lines {
			if !strings.HasPrefix(l, purpose+",") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	cm := "case_management,public_task,GDPR Art. 6(1)(e),,L. 328/2000"
	cases := map[string]struct{ text, want string }{
		"missing purpose":     {without("esf_audit"), "purpose esf_audit has no legal basis"},
		"unknown purpose":     {string(bases) + "\ncuriosity,consent,GDPR Art. 6(1)(a),,none", `unknown purpose "curiosity"`},
		"repeated purpose":    {string(bases) + "\nstatistics,public_task,GDPR Art. 6(1)(e),,L. 328/2000", "statistics has a legal basis already"},
		"unknown basis":       {without("statistics") + "\nstatistics,whim,GDPR Art. 6(1)(e),,L. 328/2000", `unknown basis "whim"`},
		"no article":          {without("statistics") + "\nstatistics,public_task,Art. 6,,L. 328/2000", "article: want the GDPR Art. 6(1) point"},
		"no law":              {without("statistics") + "\nstatistics,public_task,GDPR Art. 6(1)(e),,", "law: the law the processing rests on is required"},
		"special unnamed":     {without("case_management") + "\n" + cm, "purpose case_management processes health data"},
		"wrong field count":   {without("statistics") + "\nstatistics,public_task", "wrong number of fields"},
		"purpose in capitals": {without("statistics") + "\nSTATISTICS,public_task,GDPR Art. 6(1)(e),,L. 328/2000", `unknown purpose "STATISTICS"`},
	}
	for name, tc := range cases {
		_, err := access.ParsePolicyWithBases(m, policy, []byte(tc.text))
		require.ErrorContains(t, err, tc.want, name)
	}
}

// A deployment's own policy directory must carry its legal bases.
func TestLoadPolicyFilesReadsTheLegalBases(t *testing.T) {
	t.Parallel()
	policy, bases, err := access.PolicyTextsForTest()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.conf"), defaultModel(t), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "policy.csv"), policy, 0o600))
	_, err = access.LoadPolicyFiles(filepath.Join(dir, "model.conf"), filepath.Join(dir, "policy.csv"))
	require.ErrorContains(t, err, "legal bases")
	require.NoError(t, os.WriteFile(filepath.Join(dir, access.LegalBasesFile), bases, 0o600))
	p, err := access.LoadPolicyFiles(filepath.Join(dir, "model.conf"), filepath.Join(dir, "policy.csv"))
	require.NoError(t, err)
	require.Len(t, p.LegalBases(), len(access.Purposes()))
}

func FuzzParseLegalBases(f *testing.F) {
	m, err := access.PolicyFilesForTest()
	if err != nil {
		f.Fatal(err)
	}
	policy, bases, err := access.PolicyTextsForTest()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bases)
	f.Add([]byte("statistics,public_task,GDPR Art. 6(1)(e),,x"))
	f.Add([]byte("\"a,b\",\"\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := access.ParsePolicyWithBases(m, policy, text)
		if err != nil {
			return
		}
		for _, pu := range access.Purposes() {
			if b, ok := p.LegalBasis(pu); !ok || b.Law == "" {
				t.Fatalf("a parsed file left %s without a basis", pu)
			}
		}
	})
}
