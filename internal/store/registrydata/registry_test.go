package registrydata_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

var regAll = store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}

func registryStore(t *testing.T) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	return store.New(pool), pool
}

func regDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func regDayP(s string) *time.Time { d := regDay(s); return &d }

func regMeta(source, ref, taxCode, body string, at time.Time) registrydata.Meta {
	sum := sha256.Sum256([]byte(body))
	return registrydata.Meta{Source: source, SourceRef: ref, TaxCode: taxCode, Payload: []byte(body),
		PayloadSHA256: hex.EncodeToString(sum[:]), ContentType: "application/json", Origin: "sync", FetchedAt: at}
}

func regBenefit(ref, applicant, body string, at time.Time, members ...string) registrydata.BenefitCase {
	c := registrydata.BenefitCase{Meta: regMeta(registrydata.SourceBenefits, ref, applicant, body, at), Programme: "ADI",
		ApplicationProtocol: ref[4:], Status: "ACCEPTED", StatusRaw: "Accolta", StatusDate: regDay("2024-03-01")}
	c.Members = append(c.Members, registrydata.BenefitMember{TaxCode: applicant, Role: "applicant"})
	for _, m := range members {
		c.Members = append(c.Members, registrydata.BenefitMember{TaxCode: m, Role: "member", Relationship: "figlio", BirthDate: regDayP("2012-06-01")})
	}
	return c
}

func regPerson(t *testing.T, pool *pgxpool.Pool, taxCode string) string {
	t.Helper()
	var id string
	require.NoError(t, pool.QueryRow(context.Background(),
		`INSERT INTO persons (tax_code, given_name, family_name) VALUES ($1, 'Test', 'Person') RETURNING id`, taxCode).Scan(&id))
	return id
}

const (
	regAdult = "RSSMRA68A01H501Y"
	regMinor = "CCCFBA85D03L219P"
	regOther = "MRTMRA83T56A269B"
)

func TestUpsertIsIdempotentAndCountsChanges(t *testing.T) {
	t.Parallel()
	st, pool := registryStore(t)
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	batch := []registrydata.BenefitCase{
		regBenefit("ADI/P-1", regAdult, `{"n":1}`, t0, regMinor),
		regBenefit("ADI/P-2", regOther, `{"n":2}`, t0),
		regBenefit("ADI/P-3", regOther, `{"n":3}`, t0),
	}
	upsert := func(recs []registrydata.BenefitCase) registrydata.UpsertCounts {
		var c registrydata.UpsertCounts
		require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
			var err error
			c, err = registrydata.UpsertBenefitCases(ctx, tx, recs)
			return err
		}))
		return c
	}
	require.Equal(t, registrydata.UpsertCounts{Inserted: 3}, upsert(batch))
	require.Equal(t, registrydata.UpsertCounts{Unchanged: 3}, upsert(batch), "the same data again stores nothing new")

	t1 := t0.Add(time.Hour)
	changed := []registrydata.BenefitCase{regBenefit("ADI/P-1", regAdult, `{"n":1,"status":"sospesa"}`, t1, regMinor), regBenefit("ADI/P-2", regOther, `{"n":2}`, t1)}
	changed[0].Status, changed[0].StatusRaw = "SUSPENDED", "Sospesa"
	require.Equal(t, registrydata.UpsertCounts{Updated: 1, Unchanged: 1}, upsert(changed))

	stale := []registrydata.BenefitCase{regBenefit("ADI/P-1", regAdult, `{"n":1,"old":true}`, t0.Add(-time.Hour), regMinor)}
	require.Equal(t, registrydata.UpsertCounts{Unchanged: 1}, upsert(stale), "an older fetch never overwrites a newer one")

	var n int
	var status string
	var fetched time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM registry_benefit_cases`).Scan(&n))
	require.Equal(t, 3, n, "no duplicates")
	require.NoError(t, pool.QueryRow(ctx, `SELECT status, fetched_at FROM registry_benefit_cases WHERE source_ref = 'ADI/P-1'`).Scan(&status, &fetched))
	require.Equal(t, "SUSPENDED", status)
	require.True(t, fetched.Equal(t1))
	require.NoError(t, pool.QueryRow(ctx, `SELECT fetched_at FROM registry_benefit_cases WHERE source_ref = 'ADI/P-3'`).Scan(&fetched))
	require.True(t, fetched.Equal(t0), "a record not fetched again keeps its fetch time")
}

func TestUpsertRefusesBadBatches(t *testing.T) {
	t.Parallel()
	st, _ := registryStore(t)
	ctx := context.Background()
	now := time.Now()
	err := st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.UpsertBenefitCases(ctx, tx, []registrydata.BenefitCase{regBenefit("ADI/P-1", regAdult, `{}`, now), regBenefit("ADI/P-1", regOther, `{"x":1}`, now)})
		return err
	})
	require.ErrorIs(t, err, registrydata.ErrBatch)
	require.ErrorContains(t, err, `"ADI/P-1" twice`)

	bad := regBenefit("ADI/P-9", regAdult, `{}`, now)
	bad.Status = "NOT_A_STATUS"
	err = st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.UpsertBenefitCases(ctx, tx, []registrydata.BenefitCase{bad})
		return err
	})
	ie, ok := apperr.AsInput(err)
	require.True(t, ok, "a constraint violation is an input error: %v", err)
	require.Equal(t, "status", ie.Fields[0].Field)
	require.NotContains(t, ie.Error(), "registry_benefit_cases_status_check", "what a client sees names no constraint")
	require.ErrorContains(t, err, "registry_benefit_cases_status_check", "the operator's error does")
}

func TestRecordsLinkToPersonsRegisteredLater(t *testing.T) {
	t.Parallel()
	st, pool := registryStore(t)
	ctx := context.Background()
	known := regPerson(t, pool, regAdult)
	now := time.Now().UTC()
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		if _, err := registrydata.UpsertBenefitCases(ctx, tx, []registrydata.BenefitCase{regBenefit("ADI/P-1", regAdult, `{}`, now, regMinor)}); err != nil {
			return err
		}
		_, err := registrydata.UpsertSchoolRecords(ctx, tx, []registrydata.SchoolRecord{{Meta: regMeta(registrydata.SourceSchool, regMinor+"/2024/2025", regMinor, `{}`, now),
			SchoolYear: "2024/2025", AttendanceStatus: "ATTENDING", AttendanceStatusRaw: "Frequentante", CheckedAt: now}})
		return err
	}))
	var link *string
	require.NoError(t, pool.QueryRow(ctx, `SELECT person_id::text FROM registry_benefit_cases`).Scan(&link))
	require.Equal(t, known, *link, "linked at upsert when the person exists")
	require.NoError(t, pool.QueryRow(ctx, `SELECT person_id::text FROM registry_school_records`).Scan(&link))
	require.Nil(t, link)

	later := regPerson(t, pool, regMinor)
	require.NoError(t, pool.QueryRow(ctx, `SELECT person_id::text FROM registry_school_records`).Scan(&link))
	require.NotNil(t, link)
	require.Equal(t, later, *link, "linked when the person is registered")

	_, err := pool.Exec(ctx, `UPDATE persons SET tax_code = $1 WHERE id = $2`, regOther, later)
	require.NoError(t, err)
	require.NoError(t, pool.QueryRow(ctx, `SELECT person_id::text FROM registry_school_records`).Scan(&link))
	require.Nil(t, link, "a corrected tax code unlinks the records of the old one")

	// The regMinor is a member of the regBenefit case: found through member_tax_codes.
	var rows []registrydata.Keyed[registrydata.BenefitCase]
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		rows, err = registrydata.BenefitCasesByPersons(ctx, tx, []string{known})
		return err
	}))
	require.Len(t, rows, 1)
	require.Equal(t, known, rows[0].Key)
	c := rows[0].Value
	require.Equal(t, "ADI/P-1", c.SourceRef)
	require.Len(t, c.Members, 2)
	require.Equal(t, regMinor, c.Members[1].TaxCode)
	require.Equal(t, "2012-06-01", c.Members[1].BirthDate.Format(time.DateOnly))
	require.Empty(t, c.Payload, "the API's reads leave the payload out")
}

func TestQuarantineKeepsOneCopyAndResolves(t *testing.T) {
	t.Parallel()
	st, pool := registryStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	body := `{"programme":"ADI","application_protocol":"P-7","status_raw":"??"}`
	m := regMeta(registrydata.SourceBenefits, "ADI/P-7", "", body, now)
	q := registrydata.QuarantinedRecord{Source: registrydata.SourceBenefits, Kind: registrydata.KindBenefitCase, SourceRef: "ADI/P-7", Payload: m.Payload,
		PayloadSHA256: m.PayloadSHA256, ContentType: "application/json", Origin: "sync", FetchedAt: now,
		Problems: []registrydata.Problem{{Field: "status_raw", Reason: `label "??" maps to no known status`}, {Field: "applicant_tax_code", Reason: "is required"}}}
	unreadable := regMeta(registrydata.SourceBenefits, "", "", `{"programme":,}`, now)
	q2 := registrydata.QuarantinedRecord{Source: registrydata.SourceBenefits, Kind: registrydata.KindBenefitCase, Payload: unreadable.Payload,
		PayloadSHA256: unreadable.PayloadSHA256, ContentType: "application/json", Origin: "sync", FetchedAt: now,
		Problems: []registrydata.Problem{{Reason: "invalid character ','"}}}
	for round, want := range []int{2, 0} {
		require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
			n, err := registrydata.Quarantine(ctx, tx, []registrydata.QuarantinedRecord{q, q2, q})
			require.Equal(t, want, n, "round %d", round)
			return err
		}))
	}
	var list []registrydata.QuarantinedRecord
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		list, err = registrydata.QuarantineBySource(ctx, tx, registrydata.SourceBenefits, 10)
		return err
	}))
	require.Len(t, list, 2)
	byRef := map[string]registrydata.QuarantinedRecord{}
	for _, r := range list {
		byRef[r.SourceRef] = r
	}
	require.Equal(t, 2, byRef["ADI/P-7"].TimesSeen)
	require.Equal(t, body, string(byRef["ADI/P-7"].Payload), "the body is kept exactly as received")
	require.Equal(t, q.Problems, byRef["ADI/P-7"].Problems)
	var field, reason string
	var ref *string
	require.NoError(t, pool.QueryRow(ctx, `SELECT field, reason, source_ref FROM registry_quarantine WHERE source_ref IS NULL`).Scan(&field, &reason, &ref))
	require.Equal(t, "", field)
	require.Equal(t, "invalid character ','", reason)
	require.NoError(t, pool.QueryRow(ctx, `SELECT field, reason FROM registry_quarantine WHERE source_ref = 'ADI/P-7'`).Scan(&field, &reason))
	require.Equal(t, "status_raw", field)
	require.Equal(t, `field status_raw: label "??" maps to no known status; field applicant_tax_code: is required`, reason)

	// A valid version of the same reference resolves the quarantined one.
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.UpsertBenefitCases(ctx, tx, []registrydata.BenefitCase{regBenefit("ADI/P-7", regAdult, `{"fixed":true}`, now)})
		return err
	}))
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		list, err = registrydata.QuarantineBySource(ctx, tx, registrydata.SourceBenefits, 10)
		return err
	}))
	require.Len(t, list, 1)
	require.Empty(t, list[0].SourceRef)

	err := st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.Quarantine(ctx, tx, []registrydata.QuarantinedRecord{{Source: registrydata.SourceBenefits, Kind: registrydata.KindBenefitCase, PayloadSHA256: m.PayloadSHA256}})
		return err
	})
	require.ErrorIs(t, err, registrydata.ErrBatch)
}

func TestQuarantineResolvesByContentKeys(t *testing.T) {
	t.Parallel()
	st, pool := registryStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	quarantine := func(ref, body string, keys ...string) registrydata.QuarantinedRecord {
		m := regMeta(registrydata.SourceBenefits, ref, "", body, now)
		return registrydata.QuarantinedRecord{Source: registrydata.SourceBenefits, Kind: registrydata.KindBenefitCase, SourceRef: ref, Payload: m.Payload,
			PayloadSHA256: m.PayloadSHA256, ContentType: "application/json", Origin: "sync", FetchedAt: now, MatchKeys: keys,
			Problems: []registrydata.Problem{{Field: "programme", Reason: "not one of RDC, PDC, ADI, SFL"}}}
	}
	const byApplicant = `applicant_tax_code+application_protocol=["RSSMRA68A01H501Y","P-9"]`
	broken := quarantine("NOT_A_VALUE/P-9", `{"programme":"NOT_A_VALUE","application_protocol":"P-9"}`, byApplicant)
	other := quarantine("NOT_A_VALUE/P-10", `{"programme":"NOT_A_VALUE","application_protocol":"P-10"}`,
		`applicant_tax_code+application_protocol=["RSSMRA68A01H501Y","P-10"]`)
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.Quarantine(ctx, tx, []registrydata.QuarantinedRecord{broken, other})
		return err
	}))
	open := func() []string {
		var refs []string
		require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
			list, err := registrydata.QuarantineBySource(ctx, tx, registrydata.SourceBenefits, 10)
			for _, q := range list {
				refs = append(refs, q.SourceRef)
			}
			return err
		}))
		return refs
	}

	// The corrected record has another reference: it is its content that matches.
	fixed := regBenefit("ADI/P-9", regAdult, `{"programme":"ADI","application_protocol":"P-9"}`, now)
	fixed.MatchKeys = []string{`programme+application_protocol=["ADI","P-9"]`, byApplicant}
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.UpsertBenefitCases(ctx, tx, []registrydata.BenefitCase{fixed})
		return err
	}))
	require.Equal(t, []string{"NOT_A_VALUE/P-10"}, open(), "only the row sharing a key is resolved")

	// A row stored before content keys has none until they are set.
	_, err := pool.Exec(ctx, `UPDATE registry_quarantine SET match_keys = NULL`)
	require.NoError(t, err)
	var unkeyed []registrydata.QuarantinedRecord
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		unkeyed, err = registrydata.UnkeyedQuarantine(ctx, tx, 10)
		return err
	}))
	require.Len(t, unkeyed, 1, "resolved rows are left alone")
	require.Equal(t, other.PayloadSHA256, unkeyed[0].PayloadSHA256)
	unkeyed[0].MatchKeys = other.MatchKeys
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error { return registrydata.SetQuarantineKeys(ctx, tx, unkeyed) }))
	var keys []string
	require.NoError(t, pool.QueryRow(ctx, `SELECT match_keys FROM registry_quarantine WHERE source_ref = 'NOT_A_VALUE/P-10'`).Scan(&keys))
	require.Equal(t, other.MatchKeys, keys)
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		unkeyed, err = registrydata.UnkeyedQuarantine(ctx, tx, 10)
		return err
	}))
	require.Empty(t, unkeyed)

	// Seeing the same broken body again refreshes its keys.
	other.MatchKeys = append(other.MatchKeys, "extra")
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.Quarantine(ctx, tx, []registrydata.QuarantinedRecord{other})
		return err
	}))
	require.NoError(t, pool.QueryRow(ctx, `SELECT match_keys FROM registry_quarantine WHERE source_ref = 'NOT_A_VALUE/P-10'`).Scan(&keys))
	require.Equal(t, other.MatchKeys, keys)
}

func TestSyncCursorAdvancesWithCompareAndSwap(t *testing.T) {
	t.Parallel()
	st, _ := registryStore(t)
	ctx := context.Background()
	const src, coll = registrydata.SourceLabour, "employment-events"
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	adv := func(from, next *string, n int) error {
		return st.InTx(ctx, regAll, func(tx *store.Tx) error { return registrydata.AdvanceSyncCursor(ctx, tx, src, coll, from, next, n, at) })
	}
	state := func() registrydata.SyncState {
		var s registrydata.SyncState
		require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
			var err error
			s, err = registrydata.ReadSyncState(ctx, tx, src, coll)
			return err
		}))
		return s
	}
	require.Nil(t, state().NextCursor)
	require.NoError(t, adv(nil, str("c2"), 100))
	require.ErrorIs(t, adv(nil, str("c2"), 100), registrydata.ErrSyncCursorMoved, "a second run from the start must not overwrite")
	require.ErrorIs(t, adv(str("c1"), str("c3"), 100), registrydata.ErrSyncCursorMoved)
	require.NoError(t, adv(str("c2"), str("c3"), 100))
	s := state()
	require.Equal(t, "c3", *s.NextCursor)
	require.EqualValues(t, 200, s.PassRecords)
	require.Nil(t, s.LastFullSyncAt)

	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		return registrydata.RecordSyncFailure(ctx, tx, src, coll, "labour: HTTP 503", at)
	}))
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		return registrydata.RecordSyncFailure(ctx, tx, src, coll, "labour: HTTP 503", at)
	}))
	s = state()
	require.Equal(t, 2, s.ConsecutiveFailures)
	require.Equal(t, "c3", *s.NextCursor, "a failure keeps the cursor")

	require.NoError(t, adv(str("c3"), nil, 50))
	s = state()
	require.Nil(t, s.NextCursor, "the last page completes the pass")
	require.NotNil(t, s.LastFullSyncAt)
	require.Equal(t, 0, s.ConsecutiveFailures)
	require.EqualValues(t, 250, s.PassRecords)

	err := st.InTx(ctx, regAll, func(tx *store.Tx) error {
		return registrydata.AdvanceSyncCursor(ctx, tx, "labour", "nope", nil, nil, 0, at)
	})
	require.ErrorIs(t, err, registrydata.ErrBatch)
	require.ErrorContains(t, err, "labour/nope")
}

func TestFreshnessVerdict(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tp := func(t time.Time) *time.Time { return &t }
	msg := "benefits: list regBenefit cases: HTTP 503 Service Unavailable"
	h := func(st registrydata.SyncState) registrydata.Health {
		st.Source, st.Collection = registrydata.SourceBenefits, "benefit-cases"
		return registrydata.Health{
			Sources:     map[string]registrydata.Source{registrydata.SourceBenefits: {Source: registrydata.SourceBenefits, MaxAge: 6 * time.Hour}},
			Collections: map[string]registrydata.SyncState{"benefits/benefit-cases": st},
		}
	}
	for _, tc := range []struct {
		name    string
		health  registrydata.Health
		fetched time.Time
		lookup  *registrydata.Failure
		want    string
		wantErr string
	}{
		{name: "fresh", health: h(registrydata.SyncState{}), fetched: ago(time.Hour), want: registrydata.Fresh},
		{name: "stale past max age", health: h(registrydata.SyncState{}), fetched: ago(7 * time.Hour), want: registrydata.Stale},
		{name: "failing sync after the fetch", fetched: ago(2 * time.Hour), want: registrydata.Failing, wantErr: msg,
			health: h(registrydata.SyncState{ConsecutiveFailures: 1, LastError: &msg, LastErrorAt: tp(ago(time.Minute))})},
		{name: "failing sync before the fetch", fetched: ago(time.Minute), want: registrydata.Fresh,
			health: h(registrydata.SyncState{ConsecutiveFailures: 1, LastError: &msg, LastErrorAt: tp(ago(time.Hour))})},
		{name: "fetched by the pass that then failed", fetched: ago(30 * time.Minute), want: registrydata.Fresh,
			health: h(registrydata.SyncState{ConsecutiveFailures: 1, LastError: &msg, LastErrorAt: tp(ago(time.Minute)), PassStartedAt: tp(ago(time.Hour))})},
		{name: "failed lookup", health: h(registrydata.SyncState{}), fetched: ago(time.Hour), want: registrydata.Failing, wantErr: "lookup failed",
			lookup: &registrydata.Failure{Error: "lookup failed", At: ago(time.Minute)}},
		{name: "failing wins over stale", health: h(registrydata.SyncState{}), fetched: ago(30 * time.Hour), want: registrydata.Failing, wantErr: "lookup failed",
			lookup: &registrydata.Failure{Error: "lookup failed", At: ago(time.Minute)}},
		{name: "default max age", health: registrydata.Health{}, fetched: ago(23 * time.Hour), want: registrydata.Fresh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := registrydata.Meta{Source: registrydata.SourceBenefits, FetchedAt: tc.fetched, LookupFailure: tc.lookup}
			f := tc.health.Verdict(now, "benefit-cases", &m)
			require.Equal(t, tc.want, f.Status)
			require.Equal(t, now.Sub(tc.fetched), f.Age)
			if tc.wantErr == "" {
				require.Nil(t, f.LastError)
			} else {
				require.Equal(t, tc.wantErr, f.LastError.Error)
			}
		})
	}
}

func regEvent(id, prev, typ, worker, employer, start string, end *time.Time, sent time.Time) registrydata.EmploymentEvent {
	e := registrydata.EmploymentEvent{Meta: regMeta(registrydata.SourceLabour, id, worker, fmt.Sprintf(`{"id":%q}`, id), sent),
		CommunicationID: id, EventType: typ, EmployerTaxCode: employer, StartDate: regDay(start), EndDate: end, SentAt: &sent}
	if prev != "" {
		e.PreviousCommunicationID = &prev
	}
	return e
}

func TestEmploymentSpellsAndStatusAsOf(t *testing.T) {
	t.Parallel()
	st, pool := registryStore(t)
	ctx := context.Background()
	personID := regPerson(t, pool, regAdult)
	ts := func(s string) time.Time { return regDay(s).Add(9 * time.Hour) }
	const coop, shop = "01234567897", "12345678903"
	events := []registrydata.EmploymentEvent{
		// A fixed-term job extended, then terminated early.
		regEvent("C-000001", "", "HIRE", regAdult, coop, "2023-01-09", regDayP("2023-07-08"), ts("2023-01-08")),
		regEvent("C-000002", "C-000001", "EXTENSION", regAdult, coop, "2023-01-09", regDayP("2024-01-08"), ts("2023-07-01")),
		regEvent("C-000003", "C-000002", "TERMINATION", regAdult, coop, "2023-01-09", regDayP("2023-10-31"), ts("2023-11-01")),
		// An open-ended job from spring 2024.
		regEvent("C-000004", "", "HIRE", regAdult, shop, "2024-04-02", nil, ts("2024-04-01")),
		// Someone else's job.
		regEvent("C-000005", "", "HIRE", regOther, shop, "2024-01-01", nil, ts("2024-01-01")),
	}
	// A status computed in January 2024 (unemployed 2 months), then another in March.
	status := func(asOf string, months int) registrydata.LabourStatus {
		m := months
		return registrydata.LabourStatus{Meta: regMeta(registrydata.SourceLabour, regAdult, regAdult, fmt.Sprintf(`{"as_of":%q}`, asOf), ts(asOf)),
			DIDID: "DID-1", DIDDate: regDay("2023-11-02"), EmploymentStatus: "UNEMPLOYED", UnemploymentMonths: &m, AsOf: ts(asOf)}
	}
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		if _, err := registrydata.UpsertEmploymentEvents(ctx, tx, events); err != nil {
			return err
		}
		if _, err := registrydata.UpsertLabourStatus(ctx, tx, []registrydata.LabourStatus{status("2024-01-05", 2)}); err != nil {
			return err
		}
		if _, err := registrydata.UpsertLabourStatus(ctx, tx, []registrydata.LabourStatus{status("2024-01-06", 2)}); err != nil {
			return err
		}
		_, err := registrydata.UpsertLabourStatus(ctx, tx, []registrydata.LabourStatus{status("2024-03-05", 4)})
		return err
	}))
	var history int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM registry_labour_status_history`).Scan(&history))
	require.Equal(t, 2, history, "a status repeated on the next regDay adds no history")

	var spells []registrydata.EmploymentSpell
	var at []registrydata.LabourStatusAt
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		if spells, err = registrydata.EmploymentSpells(ctx, tx, []string{regAdult}, time.Time{}, time.Time{}); err != nil {
			return err
		}
		at, err = registrydata.LabourStatusAsOf(ctx, tx, []registrydata.LabourQuery{
			{TaxCode: regAdult, Date: regDay("2022-12-01")}, // before anything: no data
			{TaxCode: regAdult, Date: regDay("2023-05-01")}, // in the first job
			{TaxCode: regAdult, Date: regDay("2023-11-01")}, // after it ended, before the DID: the job ended
			{TaxCode: regAdult, Date: regDay("2023-12-15")}, // unemployed since the DID, as the January status counts back
			{TaxCode: regAdult, Date: regDay("2024-02-10")}, // the January status, a month on
			{TaxCode: regAdult, Date: regDay("2024-03-20")}, // the March status
			{TaxCode: regAdult, Date: regDay("2024-06-01")}, // in the second job
		})
		return err
	}))
	require.Len(t, spells, 2)
	require.Equal(t, "2023-01-09", spells[0].StartDate.Format(time.DateOnly))
	require.Equal(t, "2023-10-31", spells[0].EndDate.Format(time.DateOnly), "the termination ends the spell before the extended term")
	require.True(t, spells[0].Terminated)
	require.Equal(t, 3, spells[0].Communications)
	require.Equal(t, personID, *spells[0].PersonID)
	require.Nil(t, spells[1].EndDate, "an open-ended job runs on")

	want := []struct {
		status, basis string
		months        *int
	}{
		{"UNKNOWN", registrydata.BasisNone, nil},
		{"EMPLOYED", registrydata.BasisEmploymentSpell, nil},
		{"UNKNOWN", registrydata.BasisEmploymentEnded, nil},
		{"UNEMPLOYED", registrydata.BasisDIDStatus, regPtr(1)},
		{"UNEMPLOYED", registrydata.BasisDIDStatus, regPtr(3)},
		{"UNEMPLOYED", registrydata.BasisDIDStatus, regPtr(4)},
		{"EMPLOYED", registrydata.BasisEmploymentSpell, nil},
	}
	require.Len(t, at, len(want))
	for i, w := range want {
		require.Equal(t, w.status, at[i].Status, "query %d", i)
		require.Equal(t, w.basis, at[i].Basis, "query %d", i)
		require.Equal(t, w.months, at[i].UnemploymentMonths, "query %d", i)
	}

	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		spells, err = registrydata.EmploymentSpells(ctx, tx, []string{regAdult, regOther}, regDay("2024-01-01"), regDay("2024-03-01"))
		return err
	}))
	require.Len(t, spells, 1, "only the regOther worker's spell overlaps early 2024")
	require.Equal(t, regOther, spells[0].TaxCode)

	err := st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.EmploymentSpells(ctx, tx, []string{regAdult}, regDay("2024-03-01"), regDay("2024-01-01"))
		return err
	})
	require.ErrorContains(t, err, "before from")
}

func regPtr(n int) *int { return &n }

func TestRegistryStatusDerivesHealth(t *testing.T) {
	t.Parallel()
	st, _ := registryStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		for _, c := range []string{"benefit-cases", "isee"} {
			if err := registrydata.AdvanceSyncCursor(ctx, tx, registrydata.SourceBenefits, c, nil, nil, 10, now); err != nil {
				return err
			}
		}
		if err := registrydata.AdvanceSyncCursor(ctx, tx, registrydata.SourceSchool, "school-records", nil, nil, 10, now.Add(-48*time.Hour)); err != nil {
			return err
		}
		if err := registrydata.AdvanceSyncCursor(ctx, tx, registrydata.SourceLabour, "labour-status", nil, nil, 10, now); err != nil {
			return err
		}
		if err := registrydata.RecordSyncFailure(ctx, tx, registrydata.SourceLabour, "employment-events", "labour: HTTP 401 Unauthorized: INVALID_VOUCHER", now); err != nil {
			return err
		}
		id, err := registrydata.StartSyncRun(ctx, tx, registrydata.SyncRun{Source: registrydata.SourceLabour, Collection: "employment-events", Kind: registrydata.RunSync, StartedAt: now})
		if err != nil {
			return err
		}
		return registrydata.FinishSyncRun(ctx, tx, id, now, 0, 0, 0, 0, "labour: HTTP 401 Unauthorized: INVALID_VOUCHER")
	}))
	var got []registrydata.SourceStatus
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		got, err = registrydata.Status(ctx, tx)
		return err
	}))
	require.Len(t, got, 3)
	by := map[string]registrydata.SourceStatus{}
	for _, s := range got {
		by[s.Source] = s
	}
	require.Equal(t, "HEALTHY", by["benefits"].Status)
	require.Equal(t, "FAILING", by["labour"].Status)
	require.Equal(t, "labour: HTTP 401 Unauthorized: INVALID_VOUCHER", *by["labour"].LastError)
	require.Equal(t, 1, by["labour"].RecentFailures)
	require.Len(t, by["labour"].Collections, 2)
	require.Equal(t, "STALE", by["school"].Status)
	require.Equal(t, "closed", by["school"].BreakerState)

	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		if err := registrydata.SetBreaker(ctx, tx, registrydata.SourceBenefits, "open", now); err != nil {
			return err
		}
		return registrydata.ConfigureSource(ctx, tx, registrydata.SourceSchool, 72*time.Hour)
	}))
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		var err error
		got, err = registrydata.Status(ctx, tx)
		return err
	}))
	require.Equal(t, "FAILING", got[0].Status, "an open breaker fails the source")
	require.Equal(t, "open", got[0].BreakerState)
	require.Equal(t, "HEALTHY", got[2].Status, "within the longer max age")

	err := st.InTx(ctx, regAll, func(tx *store.Tx) error { return registrydata.SetBreaker(ctx, tx, "tax-office", "open", now) })
	require.True(t, errors.Is(err, registrydata.ErrBatch), "%v", err)

	// The last sync or refresh of a source decides too; interrupted runs and imports do not.
	run := func(kind, msg string, at time.Time) {
		require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
			id, err := registrydata.StartSyncRun(ctx, tx, registrydata.SyncRun{Source: registrydata.SourceSchool, Kind: kind, StartedAt: at})
			if err != nil {
				return err
			}
			return registrydata.FinishSyncRun(ctx, tx, id, at, 0, 0, 0, 0, msg)
		}))
	}
	school := func() registrydata.SourceStatus {
		var rows []registrydata.SourceStatus
		require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
			var err error
			rows, err = registrydata.Status(ctx, tx)
			return err
		}))
		return rows[2]
	}
	run(registrydata.RunRefresh, "school: search school records: HTTP 503 Service Unavailable", now.Add(time.Minute))
	got2 := school()
	require.Equal(t, "FAILING", got2.Status, "a failed refresh fails the source")
	require.Equal(t, "school: search school records: HTTP 503 Service Unavailable", *got2.LastError)
	run(registrydata.RunSync, "interrupted: context canceled", now.Add(2*time.Minute))
	run(registrydata.RunImport, "import broken.xml: XML syntax error", now.Add(3*time.Minute))
	require.Equal(t, "FAILING", school().Status, "neither an interruption nor an import is the registry's answer")
	run(registrydata.RunRefresh, "", now.Add(4*time.Minute))
	require.Equal(t, "HEALTHY", school().Status)
}

func TestRegistryReadsRunAsTheRequestRole(t *testing.T) {
	t.Parallel()
	st, pool := registryStore(t)
	ctx := context.Background()
	personID := regPerson(t, pool, regAdult)
	now := time.Now().UTC()
	require.NoError(t, st.InTx(ctx, regAll, func(tx *store.Tx) error {
		_, err := registrydata.UpsertBenefitCases(ctx, tx, []registrydata.BenefitCase{regBenefit("ADI/P-1", regAdult, `{}`, now)})
		return err
	}))
	read := func(scope store.Scope) (int, error) {
		var n int
		err := st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: scope, Claims: scope.Claims()}, func(tx *store.Tx) error {
			rows, err := registrydata.BenefitCasesByPersons(ctx, tx, []string{personID})
			if err != nil {
				return err
			}
			n = len(rows)
			if _, err := registrydata.ReadHealth(ctx, tx); err != nil {
				return err
			}
			_, err = registrydata.Status(ctx, tx)
			return err
		})
		return n, err
	}
	n, err := read(store.Scope{Kind: store.ScopeAll})
	require.NoError(t, err, "the request role may read the registry tables and the queue")
	require.Equal(t, 1, n)
	n, err = read(store.Scope{Kind: store.ScopeAssigned, StaffID: "00000000-0000-0000-0000-000000000001"})
	require.NoError(t, err)
	require.Zero(t, n, "a person outside the scope shows no registry data")
}
