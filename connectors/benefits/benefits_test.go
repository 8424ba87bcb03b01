package benefits_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/record"
)

const goodCase = `{"programme":"ADI","application_protocol":"INPS-ADI-2024-00000042",
 "applicant_tax_code":"RSSMRA68A01H501Y",
 "household_members":[{"tax_code":"RSSMRA68A01H501Y","role":"applicant","relationship":"intestatario","birth_date":"1968-01-01"},
                      {"tax_code":"MRTMRA83T56A269B","role":"member","relationship":"coniuge"}],
 "status_raw":"In pagamento","status_date":"2024-03-10","monthly_amount_eur":500.5,
 "start_date":"2024-02-01","pad_signed_date":"2024-01-20","prelim_analysis_outcome":"B",
 "pact_type":"PAIS","pact_signed_date":"2024-04-01","municipality_belfiore":"G702"}`

func TestDecodeBenefitCase(t *testing.T) {
	t.Parallel()
	d, rerr := benefits.BenefitCaseKind.DecodeRecord(0, []byte(goodCase))
	require.Nil(t, rerr)
	c := d.Value
	require.Equal(t, benefits.ProgrammeADI, c.Programme)
	require.Equal(t, benefits.StatusAccepted, c.Status)
	require.Equal(t, "In pagamento", c.StatusRaw)
	require.Equal(t, "500.50", c.MonthlyAmountEUR.String())
	require.Len(t, c.HouseholdMembers, 2)
	require.Nil(t, c.HouseholdMembers[1].BirthDate)
	require.Equal(t, "ADI/INPS-ADI-2024-00000042", d.Raw.SourceRef)
	require.Empty(t, d.Warnings)

	for _, tc := range []struct {
		name, from, to string
		field          string
	}{
		{"bad programme", `"programme":"ADI"`, `"programme":"REI"`, "programme"},
		{"bad protocol", `"application_protocol":"INPS-ADI-2024-00000042"`, `"application_protocol":"a b"`, "application_protocol"},
		{"bad applicant", `"applicant_tax_code":"RSSMRA68A01H501Y"`, `"applicant_tax_code":"RSSMRA68A01H501Z"`, "applicant_tax_code"},
		{"unknown label", `"status_raw":"In pagamento"`, `"status_raw":"Boh"`, "status_raw"},
		{"contradicting status", `"status_raw":"In pagamento"`, `"status_raw":"In pagamento","status":"REVOKED"`, "status"},
		{"bad status enum", `"status_raw":"In pagamento"`, `"status_raw":"In pagamento","status":"PAID"`, "status"},
		{"missing status date", `"status_date":"2024-03-10",`, ``, "status_date"},
		{"end before start", `"start_date":"2024-02-01"`, `"start_date":"2024-02-01","end_date":"2024-01-01"`, "end_date"},
		{"bad outcome", `"prelim_analysis_outcome":"B"`, `"prelim_analysis_outcome":"E"`, "prelim_analysis_outcome"},
		{"bad belfiore", `"municipality_belfiore":"G702"`, `"municipality_belfiore":"PISA"`, "municipality_belfiore"},
		{"two applicants", `"role":"member"`, `"role":"applicant"`, "household_members[1].role"},
		{"applicant mismatch", `{"tax_code":"RSSMRA68A01H501Y","role":"applicant"`, `{"tax_code":"CCCFBA85D03L219P","role":"applicant"`, "household_members[0].tax_code"},
		{"member bad date", `"birth_date":"1968-01-01"`, `"birth_date":"01/01/1968"`, "household_members[0].birth_date"},
		{"amount as string", `"monthly_amount_eur":500.5`, `"monthly_amount_eur":"500.5"`, "monthly_amount_eur"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := strings.Replace(goodCase, tc.from, tc.to, 1)
			require.NotEqual(t, goodCase, in, "replacement did not apply")
			_, rerr := benefits.BenefitCaseKind.DecodeRecord(0, []byte(in))
			require.NotNil(t, rerr)
			require.Equal(t, tc.field, rerr.Field(), rerr.Error())
		})
	}

	// status alone is enough when the label is unknown to the mapping.
	in := strings.Replace(goodCase, `"status_raw":"In pagamento"`, `"status_raw":"Erogazione in corso","status":"ACCEPTED"`, 1)
	d, rerr = benefits.BenefitCaseKind.DecodeRecord(0, []byte(in))
	require.Nil(t, rerr)
	require.Equal(t, benefits.StatusAccepted, d.Value.Status)
	require.Equal(t, "Erogazione in corso", d.Value.StatusRaw)
}

func TestMatchKeysLeaveOutTheBrokenFields(t *testing.T) {
	t.Parallel()
	const byProgramme = `programme+application_protocol=["ADI","INPS-ADI-2024-00000042"]`
	const byApplicant = `applicant_tax_code+application_protocol=["RSSMRA68A01H501Y","INPS-ADI-2024-00000042"]`
	d, rerr := benefits.BenefitCaseKind.DecodeRecord(0, []byte(goodCase))
	require.Nil(t, rerr)
	require.Equal(t, []string{byProgramme, byApplicant}, d.Raw.MatchKeys)

	for _, tc := range []struct {
		name, from, to string
		keys           []string
	}{
		{"programme broken: the reference is broken, the applicant key is not", `"programme":"ADI"`, `"programme":"NOT_A_VALUE"`, []string{byApplicant}},
		{"applicant broken", `"applicant_tax_code":"RSSMRA68A01H501Y"`, `"applicant_tax_code":"RSSMRA68A01H501Z"`, []string{byProgramme}},
		{"another field broken", `"status_date":"2024-03-10"`, `"status_date":"2024-13-45"`, []string{byProgramme, byApplicant}},
		{"a member broken", `"birth_date":"1968-01-01"`, `"birth_date":"01/01/1968"`, []string{byProgramme, byApplicant}},
		{"protocol missing", `"application_protocol":"INPS-ADI-2024-00000042",`, ``, nil},
		{"unreadable", `"programme":"ADI",`, `"programme":"ADI",,`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := strings.Replace(goodCase, tc.from, tc.to, 1)
			require.NotEqual(t, goodCase, in)
			_, rerr := benefits.BenefitCaseKind.DecodeRecord(0, []byte(in))
			require.NotNil(t, rerr)
			require.Equal(t, tc.keys, rerr.Raw.MatchKeys)
		})
	}
	// Case does not tell two identities apart.
	lower := strings.Replace(goodCase, `"applicant_tax_code":"RSSMRA68A01H501Y"`, `"applicant_tax_code":"rssmra68a01h501y"`, 1)
	d, rerr = benefits.BenefitCaseKind.DecodeRecord(0, []byte(lower))
	require.Nil(t, rerr)
	require.Contains(t, d.Raw.MatchKeys, byApplicant)
}

func TestMapStatus(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]benefits.Status{
		"Domanda presentata": benefits.StatusSubmitted, "  ACCOLTA ": benefits.StatusAccepted,
		"respinta": benefits.StatusRejected, "Beneficio  sospeso": benefits.StatusSuspended,
		"Revoca per condanna": benefits.StatusRevoked, "Decadenza": benefits.StatusDecayed, "Terminata": benefits.StatusTerminated,
	} {
		got, ok := benefits.MapStatus(raw)
		require.True(t, ok, raw)
		require.Equal(t, want, got, raw)
	}
	_, ok := benefits.MapStatus("in attesa di qualcosa")
	require.False(t, ok)
}

func TestDecodeISEE(t *testing.T) {
	t.Parallel()
	good := `{"tax_code":"CCCFBA85D03L219P","dsu_protocol":"INPS-ISEE-2025-00000000001","isee_value_eur":7345.12,"isee_type":"ordinario","valid_until":"2025-12-31","household_size":3}`
	d, rerr := benefits.ISEEKind.DecodeRecord(0, []byte(good))
	require.Nil(t, rerr)
	require.Equal(t, record.Euro(734512), d.Value.ISEEValueEUR)
	require.Equal(t, "INPS-ISEE-2025-00000000001", d.Raw.SourceRef)
	for from, to := range map[string]string{
		`"household_size":3`:         `"household_size":0`,
		`"isee_type":"ordinario"`:    `"isee_type":"speciale"`,
		`"valid_until":"2025-12-31"`: `"valid_until":"2025-12-32"`,
		`"isee_value_eur":7345.12`:   `"isee_value_eur":null`,
	} {
		_, rerr := benefits.ISEEKind.DecodeRecord(0, []byte(strings.Replace(good, from, to, 1)))
		require.NotNil(t, rerr, to)
	}
}

func FuzzDecodeBenefitCase(f *testing.F) {
	f.Add([]byte(goodCase))
	f.Add([]byte(`{"programme":"RDC","household_members":[1,{"role":"x"}],"status":"X"}`))
	f.Add([]byte(`{"records":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, rerr := benefits.BenefitCaseKind.DecodeRecord(0, b)
		if rerr != nil {
			require.NotEmpty(t, rerr.Problems)
			return
		}
		c := d.Value
		if c.Programme == "" || c.ApplicationProtocol == "" || c.ApplicantTaxCode == "" || c.Status == "" || c.StatusDate.IsZero() {
			t.Fatalf("accepted a case missing a required field: %+v", c)
		}
	})
}

func FuzzDecodeISEE(f *testing.F) {
	f.Add([]byte(`{"tax_code":"CCCFBA85D03L219P","dsu_protocol":"P1","isee_value_eur":1,"isee_type":"corrente","valid_until":"2025-12-31","household_size":1}`))
	f.Add([]byte(`{"isee_value_eur":1e400}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, rerr := benefits.ISEEKind.DecodeRecord(0, b)
		if rerr == nil && (d.Value.TaxCode == "" || d.Value.HouseholdSize < 1) {
			t.Fatalf("accepted an invalid ISEE: %+v", d.Value)
		}
	})
}

func FuzzDecodeBenefitCasePage(f *testing.F) {
	f.Add([]byte(`{"records":[` + goodCase + `,{"programme":"ADI",,}],"next_cursor":null,"has_more":false}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := record.DecodePage(b, benefits.BenefitCaseKind)
		if err != nil {
			return
		}
		if len(p.Raw) != len(p.Records)+len(p.Errors) {
			t.Fatalf("records lost: %d raw, %d decoded, %d errors", len(p.Raw), len(p.Records), len(p.Errors))
		}
	})
}
