package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/access"
)

// The DPO's subject access export holds the person's case data, registry records with
// their source and fetch time, ESF+ participations and who accessed the data; the HTML
// copy escapes what it shows; the export is logged; a social worker may not make one.
func TestSubjectAccessExport(t *testing.T) {
	t.Parallel()
	b := setupAccess(t, 1)
	ctx := context.Background()
	adult := b.fx.persons[0]
	_, err := b.store.Pool().Exec(ctx, `UPDATE cases SET summary = '<script>alert(1)</script> housing' WHERE person_id = $1`, b.ax.adult)
	require.NoError(t, err)
	// A read to find in the export's access log.
	b.okAs(t, "social_worker", access.PurposeCaseManagement, `query($id: ID!) { node(id: $id) { ... on Person { taxCode } } }`, map[string]any{"id": adult})

	q := `query($p: ID!) { subjectAccessExport(person: $p) { person generatedAt json html } }`
	r := b.as(t, "social_worker", access.PurposeCaseManagement, q, map[string]any{"p": adult})
	require.True(t, hasCode(r, "FORBIDDEN"), "%+v", r.Errors)
	before := len(accessLog(t, b.store))

	ex := at[map[string]any](t, b.okAs(t, "dpo", access.PurposeDataProtectionReview, q, map[string]any{"p": adult}), "subjectAccessExport")
	require.Equal(t, adult, ex["person"])
	var doc struct {
		Person   struct{ ID, TaxCode string }
		Purposes []struct {
			Purpose, Basis, Law string
		}
		Cases          []struct{ Reference string }
		Assessments    []struct{ HealthNotes *string }
		Participations []struct{ ID string } `json:"esfParticipations"`
		Registry       []struct {
			Kind, Source, FetchedAt string
		} `json:"registryRecords"`
		AccessLog []struct {
			Subject, Purpose string
		} `json:"accessLog"`
	}
	require.NoError(t, json.Unmarshal([]byte(at[string](t, ex, "json")), &doc))
	require.Equal(t, b.ax.adult, doc.Person.ID)
	require.Len(t, doc.Purposes, len(access.Purposes()))
	require.NotEmpty(t, doc.Cases)
	require.Len(t, doc.Assessments, 1)
	require.Equal(t, "asthma", *doc.Assessments[0].HealthNotes)
	require.Len(t, doc.Participations, 1)
	require.Len(t, doc.Registry, 1)
	require.Equal(t, "ISEE", doc.Registry[0].Kind)
	require.Equal(t, "benefits", doc.Registry[0].Source)
	require.NotEmpty(t, doc.Registry[0].FetchedAt)
	var sawWorker bool
	for _, a := range doc.AccessLog {
		sawWorker = sawWorker || (a.Subject == "sw.test" && a.Purpose == "case_management")
	}
	require.True(t, sawWorker, "who accessed the data, and why: %+v", doc.AccessLog)

	html := at[string](t, ex, "html")
	require.True(t, strings.HasPrefix(html, "<!DOCTYPE html>"))
	require.Contains(t, html, "Who accessed your data")
	require.Contains(t, html, "&lt;script&gt;alert(1)&lt;/script&gt; housing")
	require.NotContains(t, html, "<script>")
	require.Contains(t, html, "L. 328/2000")

	recs := accessLog(t, b.store)
	require.Len(t, recs, before+1)
	last := recs[len(recs)-1]
	require.Equal(t, "dpo.test", last.Subject)
	require.Equal(t, []string{b.ax.adult}, last.PersonIDs)
	require.Contains(t, last.Categories, "health")
	require.Contains(t, last.Categories, "registry_provenance")
}
