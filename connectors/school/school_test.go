package school_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/connectors/school"
)

const goodRecord = `{"tax_code":"RSSLCU12C15H501L","school_year":"2024/2025","school_code":"PIIC83400X",
 "grade_level":"S1-3","attendance_status_raw":"Frequentante","checked_at":"2025-06-30T09:00:00Z",
 "qualification":{"title_code":"LIC-S1","title_name":"Diploma di licenza conclusivo del primo ciclo","obtained_date":"2025-06-20"}}`

func TestDecodeSchoolRecord(t *testing.T) {
	t.Parallel()
	d, rerr := school.SchoolRecordKind.DecodeRecord(0, []byte(goodRecord))
	require.Nil(t, rerr)
	r := d.Value
	require.Equal(t, school.StatusAttending, r.AttendanceStatus)
	require.Equal(t, "LIC-S1", r.Qualification.TitleCode)
	require.Equal(t, "RSSLCU12C15H501L/2024/2025", d.Raw.SourceRef)

	notFound := `{"tax_code":"RSSLCU12C15H501L","school_year":"2024/2025","attendance_status":"NOT_FOUND","attendance_status_raw":"Non presente in anagrafe","checked_at":"2025-06-30T09:00:00Z"}`
	d, rerr = school.SchoolRecordKind.DecodeRecord(0, []byte(notFound))
	require.Nil(t, rerr, "no school code is needed for a student the registry does not know")
	require.Equal(t, school.StatusNotFound, d.Value.AttendanceStatus)

	for _, tc := range []struct{ from, to, field string }{
		{`"school_year":"2024/2025"`, `"school_year":"2024/2026"`, "school_year"},
		{`"school_year":"2024/2025"`, `"school_year":"2024-25"`, "school_year"},
		{`"school_code":"PIIC83400X",`, ``, "school_code"},
		{`"grade_level":"S1-3"`, `"grade_level":"S1-4"`, "grade_level"},
		{`"attendance_status_raw":"Frequentante"`, `"attendance_status_raw":"Frequentante","attendance_status":"WITHDRAWN"`, "attendance_status"},
		{`"attendance_status_raw":"Frequentante"`, `"attendance_status_raw":"Boh"`, "attendance_status_raw"},
		{`"checked_at":"2025-06-30T09:00:00Z"`, `"checked_at":"2025-06-30"`, "checked_at"},
		{`"obtained_date":"2025-06-20"`, `"obtained_date":"20/06/2025"`, "qualification.obtained_date"},
		{`"title_name":"Diploma di licenza conclusivo del primo ciclo",`, ``, "qualification.title_name"},
		{`"tax_code":"RSSLCU12C15H501L"`, `"tax_code":"RSSLCU12C35H501L"`, "tax_code"},
	} {
		in := strings.Replace(goodRecord, tc.from, tc.to, 1)
		require.NotEqual(t, goodRecord, in)
		_, rerr := school.SchoolRecordKind.DecodeRecord(0, []byte(in))
		require.NotNil(t, rerr, tc.to)
		require.Equal(t, tc.field, rerr.Field(), rerr.Error())
	}
}

func TestMapStatus(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]school.AttendanceStatus{
		"Iscritta": school.StatusEnrolled, "frequentante": school.StatusAttending, "TRASFERITO": school.StatusTransferred,
		"Abbandono": school.StatusWithdrawn, "non  presente in anagrafe": school.StatusNotFound,
	} {
		got, ok := school.MapStatus(raw)
		require.True(t, ok, raw)
		require.Equal(t, want, got)
	}
}

func FuzzDecodeSchoolRecord(f *testing.F) {
	f.Add([]byte(goodRecord))
	f.Add([]byte(`{"qualification":[],"school_year":"9999/10000"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, rerr := school.SchoolRecordKind.DecodeRecord(0, b)
		if rerr != nil {
			return
		}
		r := d.Value
		if r.TaxCode == "" || r.SchoolYear == "" || r.AttendanceStatus == "" || r.CheckedAt.IsZero() {
			t.Fatalf("accepted an incomplete record: %+v", r)
		}
		if r.AttendanceStatus != school.StatusNotFound && r.SchoolCode == "" {
			t.Fatal("accepted an enrolled student without a school")
		}
	})
}

func FuzzDecodeSchoolPage(f *testing.F) {
	f.Add([]byte(`{"records":[` + goodRecord + `,[]],"next_cursor":"b2", "has_more":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := record.DecodePage(b, school.SchoolRecordKind)
		if err == nil && len(p.Raw) != len(p.Records)+len(p.Errors) {
			t.Fatal("records lost")
		}
	})
}
