package sim_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/connectors/school"
	"github.com/ponte-hub/ponte/connectors/sim"
)

const (
	clientID  = "ponte-test-client"
	purposeID = "purpose-sociale-1"
)

var keys struct {
	once          sync.Once
	client, other *rsa.PrivateKey
}

func testKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keys.once.Do(func() {
		var err error
		keys.client, err = pdnd.GenerateKey()
		if err != nil {
			panic(err)
		}
		keys.other, err = pdnd.GenerateKey()
		if err != nil {
			panic(err)
		}
	})
	return keys.client, keys.other
}

// clock is a settable time source shared by client and simulator.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type testBundle struct {
	sim     *sim.Server
	srv     *httptest.Server
	pdndCfg pdnd.Config
	clock   *clock
}

type setupOpts struct {
	dataset     sim.Dataset
	faults      sim.Faults
	voucherTTL  time.Duration
	simClock    func() time.Time
	noAuth      bool
	pdndMutator func(*pdnd.Config)
	// voucherKey signs the simulated PDND's vouchers (a shared default when nil).
	voucherKey *rsa.PrivateKey
	// wrap sits in front of the simulator.
	wrap func(http.Handler) http.Handler
}

func setup(t testing.TB, o setupOpts) *testBundle {
	t.Helper()
	key, _ := testKeys(t)
	b := &testBundle{clock: &clock{}}
	auth := sim.Auth{ClientID: clientID, KeyID: "kid-1", PublicKey: &key.PublicKey, PurposeIDs: []string{purposeID}, VoucherTTL: o.voucherTTL,
		VoucherKey: o.voucherKey}
	if o.noAuth {
		auth = sim.Auth{}
	}
	now := o.simClock
	if now == nil {
		now = b.clock.now
	}
	s, err := sim.New(sim.Options{Dataset: o.dataset, Faults: o.faults, Auth: auth, Now: now})
	require.NoError(t, err)
	b.sim = s
	var h http.Handler = s
	if o.wrap != nil {
		h = o.wrap(h)
	}
	b.srv = httptest.NewServer(h)
	t.Cleanup(b.srv.Close)
	b.pdndCfg = pdnd.Config{
		TokenURL: b.srv.URL + "/token.oauth2", ClientID: clientID, KeyID: "kid-1", PurposeID: purposeID,
		PrivateKey: key, Audience: sim.DefaultAudience, UserLocation: "pisa-sds-ws-01",
		SystemUserID: "sds-pisa-sync-officer", SystemUserLoA: pdnd.LoASubstantial,
	}
	if o.pdndMutator != nil {
		o.pdndMutator(&b.pdndCfg)
	}
	return b
}

func fastConfig(source, url string) client.Config {
	cfg := client.DefaultConfig(source, url)
	cfg.BackoffMin = time.Millisecond
	cfg.BackoffMax = 5 * time.Millisecond
	cfg.RateLimit = 0
	cfg.BreakerFailures = 50
	return cfg
}

// transport builds the PDND transport; clientClock overrides the bundle's clock.
func (b *testBundle) transport(t testing.TB, base http.RoundTripper, clientClock func() time.Time) *pdnd.Transport {
	t.Helper()
	if clientClock == nil {
		clientClock = b.clock.now
	}
	tc, err := client.New(fastConfig("pdnd", b.srv.URL))
	require.NoError(t, err)
	tr, err := pdnd.NewTransport(b.pdndCfg, base, pdnd.WithClock(clientClock), pdnd.WithTokenClient(tc))
	require.NoError(t, err)
	return tr
}

func (b *testBundle) client(t testing.TB, source string, rt http.RoundTripper) *client.Client {
	t.Helper()
	opts := []client.Option{}
	if rt != nil {
		opts = append(opts, client.WithTransport(rt))
	}
	c, err := client.New(fastConfig(source, b.srv.URL), opts...)
	require.NoError(t, err)
	return c
}

func TestPagingReturnsEveryRecordExactlyOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{
		dataset: sim.Dataset{Seed: 7, Synthetic: 10000},
		faults:  sim.Faults{Seed: 11, ErrorRate: 0.1, Rate429: 0.05, TruncateRate: 0.05},
	})
	bc := benefits.New(b.client(t, benefits.Source, b.transport(t, nil, nil)))
	seen := map[string]int{}
	cursor, pages := "", 0
	for {
		p, err := bc.ListBenefitCases(context.Background(), cursor, 500)
		require.NoError(t, err)
		pages++
		require.Empty(t, p.Errors)
		for _, r := range p.Raw {
			seen[r.SourceRef]++
		}
		if !p.HasMore {
			break
		}
		cursor = p.NextCursor
	}
	require.Equal(t, 20, pages)
	require.Len(t, seen, 10000)
	for ref, n := range seen {
		require.Equal(t, 1, n, ref)
	}
	st := b.sim.Stats()
	require.Positive(t, st.ServerErrors+st.Throttled+st.Truncated, "faults must have been injected")
	require.Equal(t, st.DataRequests, st.TokenRequests, "AUDIT_REST_02: every attempt has its own evidence and voucher")
	require.Zero(t, st.AuthRejections, "no evidence was replayed, even on retries")
}

func TestMalformedRecordsReportedPerRecord(t *testing.T) {
	t.Parallel()
	const n = 3000
	b := setup(t, setupOpts{
		dataset: sim.Dataset{Seed: 3, Synthetic: n},
		faults:  sim.Faults{Seed: 5, MalformedRate: 0.08, MissingFieldRate: 0.02, UnknownFieldRate: 0.03},
	})
	bc := benefits.New(b.client(t, benefits.Source, b.transport(t, nil, nil)))
	wantBroken, wantWarn := 0, 0
	wantField := map[int]string{}
	for i := range n {
		f := b.sim.Fault(sim.BenefitCases, i)
		if f.Breaks() {
			wantBroken++
		}
		if f == sim.FaultUnknownField {
			wantWarn++
		}
		wantField[i] = map[sim.RecordFault]string{
			sim.FaultBadJSON: "", sim.FaultBadEnum: "programme", sim.FaultBadDate: "status_date",
			sim.FaultBadTaxCode: "applicant_tax_code", sim.FaultMissingField: "status_raw",
		}[f]
	}
	require.Positive(t, wantBroken)
	require.Positive(t, wantWarn)

	var decoded, warnings int
	var errs []record.RecordError
	cursor := ""
	for off := 0; ; off += 1000 {
		p, err := bc.ListBenefitCases(context.Background(), cursor, 1000)
		require.NoError(t, err)
		decoded += len(p.Records)
		warnings += p.Warnings()
		for _, e := range p.Errors {
			e.Index += off
			errs = append(errs, e)
		}
		require.Len(t, p.Raw, len(p.Records)+len(p.Errors))
		if !p.HasMore {
			break
		}
		cursor = p.NextCursor
	}
	require.Len(t, errs, wantBroken)
	require.Equal(t, n-wantBroken, decoded)
	require.Equal(t, wantWarn, warnings)
	for _, e := range errs {
		require.Equal(t, wantField[e.Index], e.Field(), "record %d: %v", e.Index, e.Error())
		require.NotEmpty(t, e.Raw.Body)
		require.Len(t, e.Raw.SHA256, 64)
		if e.Field() == "" {
			require.Contains(t, e.Error(), "malformed JSON")
			require.True(t, strings.HasPrefix(e.Raw.SourceRef, "sha256:"))
		} else {
			require.False(t, strings.HasPrefix(e.Raw.SourceRef, "sha256:"), "a readable record keeps its reference")
		}
	}
}

func TestAuditREST02IssuesAVoucherPerCallAndNeverReplaysAnEvidence(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 50}})
	lc := labour.New(b.client(t, labour.Source, b.transport(t, nil, nil)))
	ctx := pdnd.WithOperator(context.Background(), "operator-42", "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				_, err := lc.ListEmploymentEvents(ctx, "", 5)
				require.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	st := b.sim.Stats()
	require.EqualValues(t, 24, st.DataRequests)
	require.EqualValues(t, 24, st.TokensIssued, "a voucher per call, bound to its evidence")
	require.Zero(t, st.AuthRejections)
}

func TestAuditREST01CachesOneVoucherForEveryOperator(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 50}, pdndMutator: func(c *pdnd.Config) { c.Audit = pdnd.AuditREST01 }})
	lc := labour.New(b.client(t, labour.Source, b.transport(t, nil, nil)))
	ctx := context.Background()
	for range 20 {
		_, err := lc.ListLabourStatus(ctx, "", 10)
		require.NoError(t, err)
	}
	require.Equal(t, int64(1), b.sim.Stats().TokenRequests)

	// The voucher is not bound to an evidence, so another operator's calls reuse it,
	// each with an evidence of its own (a replayed one would be refused).
	opCtx := pdnd.WithOperator(ctx, "operator-42", "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := lc.ListEmploymentEvents(opCtx, "", 5)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	require.Equal(t, int64(1), b.sim.Stats().TokenRequests)
	require.Zero(t, b.sim.Stats().AuthRejections)
}

func TestRotatedVoucherKeyIsOvercomeWithinTheCall(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 10}, pdndMutator: func(c *pdnd.Config) { c.Audit = pdnd.AuditREST01 }})
	sc := school.New(b.client(t, school.Source, b.transport(t, nil, nil)))
	ctx := context.Background()
	_, err := sc.ListSchoolRecords(ctx, "", 5)
	require.NoError(t, err)
	require.NoError(t, b.sim.RotateVoucherKey())
	_, err = sc.ListSchoolRecords(ctx, "", 5)
	require.NoError(t, err, "the cached voucher is refused once; a new one goes through")
	st := b.sim.Stats()
	require.EqualValues(t, 2, st.TokensIssued)
	require.EqualValues(t, 1, st.AuthRejections)
	require.EqualValues(t, 3, st.DataRequests)
}

func TestVoucherRefreshedNearExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 10}, voucherTTL: 60 * time.Second,
		pdndMutator: func(c *pdnd.Config) { c.Audit = pdnd.AuditREST01 }})
	sc := school.New(b.client(t, school.Source, b.transport(t, nil, nil)))
	ctx := context.Background()
	_, err := sc.ListSchoolRecords(ctx, "", 5)
	require.NoError(t, err)
	b.clock.advance(29 * time.Second)
	_, err = sc.ListSchoolRecords(ctx, "", 5)
	require.NoError(t, err)
	require.Equal(t, int64(1), b.sim.Stats().TokenRequests, "still 30s from expiry")
	b.clock.advance(2 * time.Second)
	_, err = sc.ListSchoolRecords(ctx, "", 5)
	require.NoError(t, err)
	require.Equal(t, int64(2), b.sim.Stats().TokenRequests, "refreshed 30s before expiry")
}

func TestClockSkewIsReportedWithTheRegistrysReason(t *testing.T) {
	t.Parallel()
	simClock := &clock{}
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 10}, simClock: simClock.now,
		pdndMutator: func(c *pdnd.Config) { c.Audit = pdnd.AuditREST01 }})
	bc := benefits.New(b.client(t, benefits.Source, b.transport(t, nil, time.Now)))
	ctx := context.Background()
	_, err := bc.ListISEE(ctx, "", 5)
	require.NoError(t, err)
	// The registry's clock runs 11 minutes ahead of ours: it finds the cached voucher
	// expired, and a new one cannot be had either, since our assertion is already old by
	// its clock. One retry, and the skew is reported.
	simClock.advance(11 * time.Minute)
	_, err = bc.ListISEE(ctx, "", 5)
	require.ErrorIs(t, err, client.ErrAuth)
	require.False(t, client.IsRetryable(err))
	require.Contains(t, err.Error(), "benefits: list ISEE: pdnd: request voucher for purpose "+purposeID+": HTTP 400 Bad Request: invalid_grant: client assertion rejected: expired")
	st := b.sim.Stats()
	require.EqualValues(t, 2, st.DataRequests)
	require.EqualValues(t, 2, st.TokenRequests)

	// Behind by as much: our evidence is issued in the future by its clock.
	simClock.advance(-22 * time.Minute)
	_, err = bc.ListISEE(ctx, "", 5)
	require.ErrorIs(t, err, client.ErrAuth)
	require.Contains(t, err.Error(), "issued in the future")
}

func TestWrongSignatureRejected(t *testing.T) {
	t.Parallel()
	_, other := testKeys(t)
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 10}, pdndMutator: func(c *pdnd.Config) { c.PrivateKey = other }})
	bc := benefits.New(b.client(t, benefits.Source, b.transport(t, nil, nil)))
	_, err := bc.ListBenefitCases(context.Background(), "", 5)
	require.Error(t, err)
	require.ErrorIs(t, err, client.ErrAuth)
	require.False(t, client.IsRetryable(err))
	msg := err.Error()
	require.Contains(t, msg, "benefits: list benefit cases")
	require.Contains(t, msg, "pdnd: request voucher for purpose "+purposeID+": HTTP 401 Unauthorized: invalid_client: client assertion rejected: signature invalid")
	require.Zero(t, b.sim.Stats().DataRequests, "no data request without a voucher")
	require.Equal(t, int64(1), b.sim.Stats().TokenRequests, "a 401 from the token endpoint is not retried")
}

func TestWrongAudienceRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*pdnd.Config)
		want   string
	}{
		{"assertion audience", func(c *pdnd.Config) { c.AssertionAudience = "auth.uat.interop.pagopa.it/client-assertion" }, "invalid_client: client assertion rejected: wrong audience"},
		{"evidence audience", func(c *pdnd.Config) { c.Audience = "another-eservice" }, "HTTP 403 Forbidden: TRACKING_EVIDENCE_INVALID: Agid-JWT-TrackingEvidence rejected: wrong audience"},
		{"unknown purpose", func(c *pdnd.Config) { c.PurposeID = "purpose-not-granted" }, "HTTP 400 Bad Request: invalid_scope: purpose purpose-not-granted is not authorised"},
		{"unknown kid", func(c *pdnd.Config) { c.KeyID = "kid-9" }, "client assertion rejected: token is unverifiable: error while executing keyfunc: unknown kid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 10}, pdndMutator: tc.mutate})
			lc := labour.New(b.client(t, labour.Source, b.transport(t, nil, nil)))
			_, err := lc.ListLabourStatus(context.Background(), "", 5)
			require.ErrorIs(t, err, client.ErrAuth)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

// tamper alters request bodies after they were signed.
type tamper struct{ next http.RoundTripper }

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		body = bytes.Replace(body, []byte("tax_codes"), []byte("tax_codes "), 1)
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return t.next.RoundTrip(r)
}

var demoPersons = []sim.Person{
	{TaxCode: "RSSMRA68A01H501Y", HouseholdID: "h1", Relationship: "intestatario"},
	{TaxCode: "MRTMRA83T56A269B", HouseholdID: "h1", Relationship: "coniuge"},
	{TaxCode: "CCCFBA85D03L219P", HouseholdID: "h2"},
	{TaxCode: "THDSDA95P08Z330H"},
	{TaxCode: "RSSLCU12C15H501L", HouseholdID: "h1", Relationship: "figlio", BirthDate: "2012-03-15"},
}

func TestSearchBodyIsSignedAndChecked(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 2, Persons: demoPersons}})
	ctx := context.Background()
	bc := benefits.New(b.client(t, benefits.Source, b.transport(t, nil, nil)))
	p, err := bc.SearchISEE(ctx, []string{"RSSMRA68A01H501Y", "CCCFBA85D03L219P"})
	require.NoError(t, err)
	require.Len(t, p.Records, 2)

	tampered := benefits.New(b.client(t, benefits.Source, b.transport(t, tamper{http.DefaultTransport}, nil)))
	_, err = tampered.SearchISEE(ctx, []string{"RSSMRA68A01H501Y"})
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusForbidden, e.Status)
	require.Equal(t, "DIGEST_MISMATCH", e.Code)
}

func TestDatasetLookups(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 2, Persons: demoPersons, Synthetic: 30}})
	ctx := pdnd.WithOperator(context.Background(), "social-worker-7", "")
	rt := b.transport(t, nil, nil)
	bc := benefits.New(b.client(t, benefits.Source, rt))
	lc := labour.New(b.client(t, labour.Source, rt))
	sc := school.New(b.client(t, school.Source, rt))

	isee, err := bc.ISEE(ctx, "RSSMRA68A01H501Y")
	require.NoError(t, err)
	require.Len(t, isee.Records, 1)
	require.Equal(t, 3, isee.Records[0].Value.HouseholdSize)
	_, err = bc.ISEE(ctx, "MRTMRA83T56A269B") // not the DSU's declarant
	require.ErrorIs(t, err, client.ErrNotFound)

	st, err := lc.LabourStatus(ctx, "THDSDA95P08Z330H")
	require.NoError(t, err)
	require.Equal(t, "THDSDA95P08Z330H", st.Records[0].Value.TaxCode)
	_, err = lc.LabourStatus(ctx, "RSSLCU12C15H501L") // a minor has no DID
	require.ErrorIs(t, err, client.ErrNotFound)

	sr, err := sc.SchoolRecords(ctx, "RSSLCU12C15H501L")
	require.NoError(t, err)
	require.Len(t, sr.Records, 1)
	require.Equal(t, "2024/2025", sr.Records[0].Value.SchoolYear)

	cases, err := bc.BenefitCases(ctx, "MRTMRA83T56A269B")
	require.NoError(t, err)
	for _, c := range cases.Values() {
		require.Equal(t, "RSSMRA68A01H501Y", c.ApplicantTaxCode)
		require.Len(t, c.HouseholdMembers, 3)
	}

	// Synthetic persons are reachable by tax code too.
	first, err := bc.ListBenefitCases(ctx, "", 1000)
	require.NoError(t, err)
	last := first.Records[len(first.Records)-1].Value
	again, err := bc.BenefitCases(ctx, last.ApplicantTaxCode)
	require.NoError(t, err)
	require.Len(t, again.Records, 1)
	require.Equal(t, last.ApplicationProtocol, again.Records[0].Value.ApplicationProtocol)

	_, err = bc.ISEE(ctx, "RSSMRA68A01H501X")
	require.ErrorContains(t, err, "check character")
	require.Zero(t, b.sim.Stats().AuthRejections)
}

func TestEveryCollectionDecodesCleanly(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 9, Persons: demoPersons, Synthetic: 400}, noAuth: true})
	ctx := context.Background()
	bc := benefits.New(b.client(t, benefits.Source, nil))
	lc := labour.New(b.client(t, labour.Source, nil))
	sc := school.New(b.client(t, school.Source, nil))
	check := func(name string, raw, errs int, total int) {
		require.Zero(t, errs, name)
		require.Equal(t, total, raw, name)
	}
	p1, err := bc.ListBenefitCases(ctx, "", 1000)
	require.NoError(t, err)
	check("benefit cases", len(p1.Raw), len(p1.Errors), b.sim.Total(sim.BenefitCases))
	p2, err := bc.ListISEE(ctx, "", 1000)
	require.NoError(t, err)
	check("isee", len(p2.Raw), len(p2.Errors), b.sim.Total(sim.ISEE))
	p3, err := lc.ListLabourStatus(ctx, "", 1000)
	require.NoError(t, err)
	check("labour", len(p3.Raw), len(p3.Errors), b.sim.Total(sim.LabourStatus))
	p4, err := lc.ListEmploymentEvents(ctx, "", 1000)
	require.NoError(t, err)
	for _, e := range p4.Errors {
		t.Log(e.Error())
	}
	check("events", len(p4.Raw), len(p4.Errors), b.sim.Total(sim.EmploymentEvents))
	p5, err := sc.ListSchoolRecords(ctx, "", 1000)
	require.NoError(t, err)
	check("school", len(p5.Raw), len(p5.Errors), b.sim.Total(sim.SchoolRecords))
	require.Zero(t, p1.Warnings()+p2.Warnings()+p3.Warnings()+p4.Warnings()+p5.Warnings())

	ev, err := lc.EmploymentEvents(ctx, "RSSMRA68A01H501Y", "", 100)
	require.NoError(t, err)
	for _, e := range ev.Values() {
		require.Equal(t, "RSSMRA68A01H501Y", e.WorkerTaxCode)
	}
}

func TestBadRequestsAnsweredWithProblems(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{dataset: sim.Dataset{Seed: 1, Synthetic: 10}})
	for _, tc := range []struct{ method, path, code string }{
		{http.MethodGet, "/v1/benefit-cases", "VOUCHER_MISSING"},
		{http.MethodGet, "/v1/nothing", "NOT_FOUND"},
	} {
		req, err := http.NewRequest(tc.method, b.srv.URL+tc.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		code, _ := client.ParseErrorBody(resp.Header.Get("Content-Type"), body)
		require.Equal(t, tc.code, code)
	}
	bc := benefits.New(b.client(t, benefits.Source, b.transport(t, nil, nil)))
	_, err := bc.ListBenefitCases(context.Background(), "bm90LWEtY3Vyc29y", 10)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "BAD_CURSOR", e.Code)
	require.Equal(t, http.StatusBadRequest, e.Status)
}
