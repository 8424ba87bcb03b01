package labour_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/labour"
)

const goodStatus = `{"tax_code":"CCCFBA85D03L219P","did_id":"DID-2024-00000042","did_date":"2024-01-15",
 "employment_status":"UNEMPLOYED","unemployment_months":17,"profiling_index":0.734,
 "service_pact_date":"2024-02-01","cpi_code":"CPIG702","as_of":"2025-06-30T10:00:00+02:00"}`

func TestDecodeLabourStatus(t *testing.T) {
	t.Parallel()
	d, rerr := labour.LabourStatusKind.DecodeRecord(0, []byte(goodStatus))
	require.Nil(t, rerr)
	s := d.Value
	require.Equal(t, 17, *s.UnemploymentMonths)
	require.InDelta(t, 0.734, *s.ProfilingIndex, 1e-9)
	require.Equal(t, time.Date(2025, 6, 30, 8, 0, 0, 0, time.UTC), s.AsOf)
	require.Equal(t, "CCCFBA85D03L219P", d.Raw.SourceRef)
	for _, tc := range []struct{ from, to, field string }{
		{`"employment_status":"UNEMPLOYED"`, `"employment_status":"disoccupato"`, "employment_status"},
		{`"profiling_index":0.734`, `"profiling_index":1.5`, "profiling_index"},
		{`"unemployment_months":17`, `"unemployment_months":-1`, "unemployment_months"},
		{`"service_pact_date":"2024-02-01"`, `"service_pact_date":"2023-02-01"`, "service_pact_date"},
		{`"as_of":"2025-06-30T10:00:00+02:00"`, `"as_of":"2025-06-30"`, "as_of"},
		{`"did_id":"DID-2024-00000042",`, ``, "did_id"},
	} {
		_, rerr := labour.LabourStatusKind.DecodeRecord(0, []byte(strings.Replace(goodStatus, tc.from, tc.to, 1)))
		require.NotNil(t, rerr, tc.to)
		require.Equal(t, tc.field, rerr.Field(), rerr.Error())
	}
}

const goodEvent = `{"communication_id":"1100202400000042","event_type":"TERMINATION","worker_tax_code":"CCCFBA85D03L219P",
 "previous_communication_id":"1100202300000001","employer_tax_code":"01234567897","employer_name":"Cooperativa Arnera",
 "ateco_code":"88.99.00","contract_type_code":"A.02.00","istat_occupation_code":"5.1.2.2.0",
 "start_date":"2024-01-08","end_date":"2024-07-07","termination_cause_code":"AA","sent_at":"2024-07-08T09:00:00Z"}`

func TestDecodeEmploymentEvent(t *testing.T) {
	t.Parallel()
	d, rerr := labour.EmploymentEventKind.DecodeRecord(0, []byte(goodEvent))
	require.Nil(t, rerr)
	require.Equal(t, labour.EventTermination, d.Value.EventType)
	require.Equal(t, "01234567897", d.Value.EmployerTaxCode)
	require.Equal(t, "1100202400000042", d.Raw.SourceRef)
	for _, tc := range []struct{ from, to, field string }{
		{`"employer_tax_code":"01234567897"`, `"employer_tax_code":"01234567890"`, "employer_tax_code"},
		{`"employer_tax_code":"01234567897"`, `"employer_tax_code":"ACME"`, "employer_tax_code"},
		{`"event_type":"TERMINATION"`, `"event_type":"FIRE"`, "event_type"},
		{`"end_date":"2024-07-07",`, ``, "end_date"},
		{`"end_date":"2024-07-07"`, `"end_date":"2023-07-07"`, "end_date"},
		{`"ateco_code":"88.99.00"`, `"ateco_code":"8899"`, "ateco_code"},
		{`"event_type":"TERMINATION"`, `"event_type":"HIRE"`, "termination_cause_code"},
		{`"previous_communication_id":"1100202300000001"`, `"previous_communication_id":"1100202400000042"`, "previous_communication_id"},
		{`"sent_at":"2024-07-08T09:00:00Z"`, `"sent_at":"yesterday"`, "sent_at"},
	} {
		_, rerr := labour.EmploymentEventKind.DecodeRecord(0, []byte(strings.Replace(goodEvent, tc.from, tc.to, 1)))
		require.NotNil(t, rerr, tc.to)
		require.Equal(t, tc.field, rerr.Field(), rerr.Error())
	}
}

func TestValidEmployer(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"01234567897": true, "02345678904": true, "01234567890": false, "0123456789A": false,
		"RSSMRA68A01H501Y": true, "rssmra68a01h501y": true, "RSSMRA68A01H501Z": false, "": false,
	} {
		_, why := labour.ValidEmployer(in)
		require.Equal(t, ok, why == "", "%q: %s", in, why)
	}
}

func FuzzDecodeLabourStatus(f *testing.F) {
	f.Add([]byte(goodStatus))
	f.Add([]byte(`{"unemployment_months":1.5,"profiling_index":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, rerr := labour.LabourStatusKind.DecodeRecord(0, b)
		if rerr == nil && (d.Value.TaxCode == "" || d.Value.DIDID == "" || d.Value.AsOf.IsZero()) {
			t.Fatalf("accepted an incomplete status: %+v", d.Value)
		}
	})
}

func FuzzDecodeEmploymentEvent(f *testing.F) {
	f.Add([]byte(goodEvent))
	f.Add([]byte(`{"event_type":"EXTENSION","start_date":"2024-01-01"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, rerr := labour.EmploymentEventKind.DecodeRecord(0, b)
		if rerr != nil {
			return
		}
		e := d.Value
		if e.EndDate != nil && e.EndDate.Before(e.StartDate) {
			t.Fatal("accepted an end before the start")
		}
		if e.EventType == labour.EventTermination && e.EndDate == nil {
			t.Fatal("accepted a termination without end date")
		}
	})
}
