// Package school owns the connector to the national student registry (ANIST):
// enrolment and attendance status and qualifications of minors.
package school

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/record"
)

// Source is the source name used in errors, metrics and stored records.
const Source = "school"

// KindSchoolRecord is the record kind stored with each raw record.
const KindSchoolRecord = "school_record"

// AttendanceStatus is the hub's reading of the registry's status label.
type AttendanceStatus string

// Attendance statuses.
const (
	StatusEnrolled    AttendanceStatus = "ENROLLED"
	StatusAttending   AttendanceStatus = "ATTENDING"
	StatusTransferred AttendanceStatus = "TRANSFERRED"
	StatusWithdrawn   AttendanceStatus = "WITHDRAWN"
	StatusNotFound    AttendanceStatus = "NOT_FOUND" // not in the registry: possible evasion
)

var statuses = []string{string(StatusEnrolled), string(StatusAttending), string(StatusTransferred), string(StatusWithdrawn), string(StatusNotFound)}

var statusLabels = map[string]AttendanceStatus{
	"iscritto": StatusEnrolled, "iscritta": StatusEnrolled, "iscrizione": StatusEnrolled, "enrolled": StatusEnrolled,
	"frequentante": StatusAttending, "frequenza regolare": StatusAttending, "in frequenza": StatusAttending, "attending": StatusAttending,
	"trasferito": StatusTransferred, "trasferita": StatusTransferred, "trasferimento": StatusTransferred, "transferred": StatusTransferred,
	"ritirato": StatusWithdrawn, "ritirata": StatusWithdrawn, "ritiro": StatusWithdrawn, "abbandono": StatusWithdrawn,
	"interruzione di frequenza": StatusWithdrawn, "withdrawn": StatusWithdrawn,
	"non presente in anagrafe": StatusNotFound, "non trovato": StatusNotFound, "non iscritto": StatusNotFound, "not found": StatusNotFound,
}

// MapStatus reads a source attendance label (case and spacing ignored).
func MapStatus(raw string) (AttendanceStatus, bool) { return record.MapLabel(statusLabels, raw) }

// Qualification is a title the student obtained.
type Qualification struct {
	TitleCode    string
	TitleName    string
	ObtainedDate time.Time
}

// SchoolRecord is a student's position in one school year.
type SchoolRecord struct {
	TaxCode             string
	SchoolYear          string // "2025/2026"
	SchoolCode          string // ministerial code; empty when NOT_FOUND
	GradeLevel          string // e.g. "P3" (primary, 3rd year), "S1-2", "S2-5"
	AttendanceStatus    AttendanceStatus
	AttendanceStatusRaw string
	CheckedAt           time.Time
	Qualification       *Qualification
}

var (
	schoolYear = regexp.MustCompile(`^([0-9]{4})/([0-9]{4})$`)
	schoolCode = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9]{8}$`)
	gradeLevel = regexp.MustCompile(`^(I[0-3]|P[1-5]|S1-[1-3]|S2-[1-5])$`)
	titleCode  = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,19}$`)
)

// SchoolRecordKind decodes school_record records. The source reference is
// tax code and school year: one record per student per year. Nothing else in the
// record identifies the student, so a record whose tax code is broken has no key.
var SchoolRecordKind = record.Kind[SchoolRecord]{
	Keys: [][]string{{"tax_code", "school_year"}},
	Name: KindSchoolRecord,
	Ref: func(o *record.Object) string {
		if tc, y := o.Peek("tax_code"), o.Peek("school_year"); tc != "" && y != "" {
			return strings.ToUpper(tc) + "/" + y
		}
		return ""
	},
	Decode: decodeSchoolRecord,
}

func decodeSchoolRecord(o *record.Object) SchoolRecord {
	var r SchoolRecord
	r.TaxCode = o.TaxCode("tax_code", true)
	r.SchoolYear = o.Match("school_year", true, schoolYear, "a school year (YYYY/YYYY)")
	if m := schoolYear.FindStringSubmatch(r.SchoolYear); m != nil {
		from, _ := strconv.Atoi(m[1])
		to, _ := strconv.Atoi(m[2])
		if to != from+1 {
			o.Failf("school_year", "%q does not span consecutive years", r.SchoolYear)
			r.SchoolYear = ""
		}
	}
	r.AttendanceStatus, r.AttendanceStatusRaw = record.Labelled(o, "attendance_status", "attendance_status_raw", statusLabels, statuses...)
	r.SchoolCode = o.Match("school_code", r.AttendanceStatus != StatusNotFound && r.AttendanceStatus != "", schoolCode, "a ministerial school code")
	r.GradeLevel = o.Match("grade_level", false, gradeLevel, "a grade level (I0-I3, P1-P5, S1-1..S1-3, S2-1..S2-5)")
	r.CheckedAt, _ = o.Time("checked_at", true)
	o.Object("qualification", false, func(q *record.Object) {
		var t Qualification
		t.TitleCode = q.Match("title_code", true, titleCode, "a title code")
		t.TitleName = q.String("title_name", true)
		t.ObtainedDate, _ = q.Date("obtained_date", true)
		r.Qualification = &t
	})
	return r
}

// Paths of the school contract.
const (
	PathSchoolRecords       = "/v1/school-records" // listing; + /{taxCode} for one student
	PathSchoolRecordsSearch = "/v1/school-records/search"
)

// Client reads school records.
type Client struct {
	http    *client.Client
	records record.Fetcher[SchoolRecord]
}

// New wraps a client configured for the school source.
func New(c *client.Client) *Client {
	return &Client{http: c, records: record.Fetcher[SchoolRecord]{Client: c, Kind: SchoolRecordKind}}
}

// HTTP returns the underlying client, for its metrics and breaker state.
func (c *Client) HTTP() *client.Client { return c.http }

// ListSchoolRecords fetches one page of school records.
func (c *Client) ListSchoolRecords(ctx context.Context, cursor string, limit int) (*record.Page[SchoolRecord], error) {
	return c.records.List(ctx, "list school records", PathSchoolRecords, cursor, limit, nil)
}

// SchoolRecords fetches every school year on record for a student.
func (c *Client) SchoolRecords(ctx context.Context, taxCode string) (*record.Page[SchoolRecord], error) {
	const op = "get school records of student"
	tc, err := record.LookupCode(Source, op, taxCode)
	if err != nil {
		return nil, err
	}
	return c.records.Get(ctx, op, fmt.Sprintf("%s/%s", PathSchoolRecords, url.PathEscape(tc)), nil)
}

// SearchSchoolRecords fetches the school records of up to record.MaxSearch students.
func (c *Client) SearchSchoolRecords(ctx context.Context, taxCodes []string) (*record.Page[SchoolRecord], error) {
	const op = "search school records"
	req, err := record.NewSearch(Source, op, taxCodes)
	if err != nil {
		return nil, err
	}
	return c.records.Search(ctx, op, PathSchoolRecordsSearch, req)
}
