package rights

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"time"

	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Export is everything the hub holds about a person (GDPR Art. 15), as read through the
// caller's transaction: so the row security of the request applies to it as to any read.
type Export struct {
	GeneratedAt time.Time       `json:"generatedAt"`
	Person      casedata.Person `json:"person"`
	// Purposes are the purposes the hub processes data for, with their legal bases
	// (Art. 15(1)(a) and (c)); filled by the caller from the policy.
	Purposes        []any                             `json:"purposes"`
	Households      []casedata.HouseholdMember        `json:"householdMemberships"`
	Cases           []casedata.Case                   `json:"cases"`
	Assessments     []casedata.Assessment             `json:"assessments"`
	Interventions   []casedata.Intervention           `json:"interventions"`
	ActivityEntries []casedata.ActivityEntry          `json:"activityEntries"`
	Participations  []casedata.Participation          `json:"esfParticipations"`
	Registry        []RegistryRecord                  `json:"registryRecords"`
	AccessLog       []audit.Record                    `json:"accessLog"`
	RightsRequests  []rightsdata.Request              `json:"rightsRequests"`
	Restrictions    []rightsdata.Restriction          `json:"restrictions"`
	Retention       []rightsdata.RetentionLedgerEntry `json:"retentionLedger"`
}

// RegistryRecord is a registry copy with where it came from and when.
type RegistryRecord struct {
	Kind      string    `json:"kind"`
	Source    string    `json:"source"`
	SourceRef string    `json:"sourceRef"`
	FetchedAt time.Time `json:"fetchedAt"`
	Origin    string    `json:"origin"`
	Record    any       `json:"record"`
}

// BuildExport gathers the export of personID.
func BuildExport(ctx context.Context, tx *store.Tx, personID string, now time.Time) (Export, error) {
	ps, err := casedata.PersonsByIDs(ctx, tx, []string{personID})
	if err != nil {
		return Export{}, err
	}
	if len(ps) == 0 {
		return Export{}, apperr.ErrNotFound
	}
	e := Export{GeneratedAt: now.UTC(), Person: ps[0]}
	ids := []string{personID}
	if e.Households, err = casedata.MembershipsByPerson(ctx, tx, ids); err != nil {
		return e, err
	}
	caseIDs, err := rightsdata.CaseIDsOfPerson(ctx, tx, personID)
	if err != nil {
		return e, err
	}
	if e.Cases, err = casedata.CasesByIDs(ctx, tx, caseIDs); err != nil {
		return e, err
	}
	as, err := casedata.AssessmentsByCase(ctx, tx, caseIDs)
	if err != nil {
		return e, err
	}
	for _, a := range as {
		if a.PersonID == personID {
			e.Assessments = append(e.Assessments, a)
		}
	}
	is, err := casedata.InterventionsByCase(ctx, tx, caseIDs)
	if err != nil {
		return e, err
	}
	for _, i := range is {
		if i.BeneficiaryID == personID {
			e.Interventions = append(e.Interventions, i)
		}
	}
	if e.ActivityEntries, err = casedata.ActivityByCase(ctx, tx, caseIDs); err != nil {
		return e, err
	}
	if e.Participations, err = casedata.ParticipationsByPerson(ctx, tx, ids); err != nil {
		return e, err
	}
	if err := e.registry(ctx, tx, ids); err != nil {
		return e, err
	}
	if e.AccessLog, err = accessdata.Log(ctx, tx, accessdata.LogFilter{PersonID: personID, Limit: 1000}); err != nil {
		return e, err
	}
	if e.RightsRequests, err = rightsdata.Requests(ctx, tx, rightsdata.RequestFilter{PersonID: personID}); err != nil {
		return e, err
	}
	if e.Restrictions, err = rightsdata.Restrictions(ctx, tx, ids, false); err != nil {
		return e, err
	}
	if e.Retention, err = rightsdata.RetentionLedger(ctx, tx, personID); err != nil {
		return e, err
	}
	return e, nil
}

func (e *Export) registry(ctx context.Context, tx *store.Tx, ids []string) error {
	add := func(kind string, m registrydata.Meta, v any) {
		e.Registry = append(e.Registry, RegistryRecord{Kind: kind, Source: m.Source, SourceRef: m.SourceRef, FetchedAt: m.FetchedAt,
			Origin: m.Origin, Record: v})
	}
	isee, err := registrydata.ISEEByPersons(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, k := range isee {
		add("ISEE", k.Value.Meta, k.Value)
	}
	bc, err := registrydata.BenefitCasesByPersons(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, k := range bc {
		add("benefit case", k.Value.Meta, k.Value)
	}
	ls, err := registrydata.LabourStatusByPersons(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, k := range ls {
		add("labour status", k.Value.Meta, k.Value)
	}
	ev, err := registrydata.EmploymentEventsByPersons(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, k := range ev {
		add("employment event", k.Value.Meta, k.Value)
	}
	sr, err := registrydata.SchoolRecordsByPersons(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, k := range sr {
		add("school record", k.Value.Meta, k.Value)
	}
	sort.SliceStable(e.Registry, func(i, j int) bool { return e.Registry[i].FetchedAt.Before(e.Registry[j].FetchedAt) })
	return nil
}

// JSON is the export as one indented JSON document.
func (e Export) JSON() (string, error) {
	b, err := json.MarshalIndent(e, "", "  ")
	return string(b), err
}

// HTML is the export as a self-contained document to give to the person: each section a
// heading, each record its fields, every value escaped.
func (e Export) HTML() (string, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	sections := []struct{ Key, Title string }{
		{"person", "Your identity and contact data"},
		{"purposes", "Why we process your data, and on what legal basis"},
		{"householdMemberships", "Households"},
		{"cases", "Cases (taking in charge by social services)"},
		{"assessments", "Assessments"},
		{"interventions", "Services and interventions"},
		{"activityEntries", "Activity register"},
		{"esfParticipations", "ESF+ participations"},
		{"registryRecords", "Data received from public registries, with source and time"},
		{"accessLog", "Who accessed your data, when and why"},
		{"rightsRequests", "Your requests"},
		{"restrictions", "Restrictions of processing"},
		{"retentionLedger", "Retention: what was erased or pseudonymised"},
	}
	type section struct {
		Title string
		Body  template.HTML
	}
	var out []section
	for _, s := range sections {
		var b bytes.Buffer
		renderValue(&b, doc[s.Key])
		out = append(out, section{Title: s.Title, Body: template.HTML(b.String())})
	}
	var b bytes.Buffer
	err = exportPage.Execute(&b, map[string]any{"At": e.GeneratedAt.Format(time.RFC3339), "Name": e.Person.GivenName + " " + e.Person.FamilyName,
		"Sections": out})
	return b.String(), err
}

// renderValue writes v as nested definition lists, escaping every string.
func renderValue(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString(`<p class="none">none</p>`)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<dl>")
		for _, k := range keys {
			if x[k] == nil {
				continue
			}
			fmt.Fprintf(b, "<dt>%s</dt><dd>", template.HTMLEscapeString(k))
			renderValue(b, x[k])
			b.WriteString("</dd>")
		}
		b.WriteString("</dl>")
	case []any:
		if len(x) == 0 {
			b.WriteString(`<p class="none">none</p>`)
			return
		}
		b.WriteString("<ol>")
		for _, it := range x {
			b.WriteString("<li>")
			renderValue(b, it)
			b.WriteString("</li>")
		}
		b.WriteString("</ol>")
	default:
		b.WriteString(template.HTMLEscapeString(fmt.Sprint(x)))
	}
}

var exportPage = template.Must(template.New("export").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Your data held by the hub</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}dt{font-weight:bold}dd{margin:0 0 .3em 1.5em}.none{color:#777}</style>
</head><body>
<h1>Your personal data (GDPR Art. 15)</h1>
<p>Copy for {{.Name}}, produced on {{.At}}.</p>
{{range .Sections}}<section><h2>{{.Title}}</h2>{{.Body}}</section>
{{end}}</body></html>
`))
