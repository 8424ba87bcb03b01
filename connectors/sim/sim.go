// Package sim owns the simulated registries: one loopback HTTP server speaking
// the benefits, labour and school contracts behind a PDND token endpoint.
package sim

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Collections served, named as in their paths.
const (
	BenefitCases     = "benefit-cases"
	ISEE             = "isee"
	LabourStatus     = "labour-status"
	EmploymentEvents = "employment-events"
	SchoolRecords    = "school-records"
)

// Collections lists every collection, in a stable order.
var Collections = []string{BenefitCases, ISEE, LabourStatus, EmploymentEvents, SchoolRecords}

// Faults makes the registries misbehave, deterministically from Seed: a
// request's fate depends on its URL and how many times that URL was asked
// before, a record's on its collection and position, so tests can predict
// counts and a retried request gets a fresh draw.
type Faults struct {
	Seed int64
	// Fractions of data requests answered 5xx (503 or 500), 429, or 200
	// with a body cut short. They are exclusive bands of one draw.
	ErrorRate    float64
	Rate429      float64
	TruncateRate float64
	// RetryAfter is sent with 429 and 503, in whole seconds (rounded up).
	RetryAfter time.Duration
	// Latency is added to every data request.
	Latency time.Duration
	// Fractions of records served broken: MalformedRate spread over bad
	// JSON, a bad enum value, a bad date and a bad tax code; then records
	// missing a required field; then records with an extra unknown field
	// (which still decode, with a warning). Exclusive bands of one draw.
	MalformedRate    float64
	MissingFieldRate float64
	UnknownFieldRate float64
}

func (f Faults) validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"ErrorRate", f.ErrorRate}, {"Rate429", f.Rate429}, {"TruncateRate", f.TruncateRate},
		{"MalformedRate", f.MalformedRate}, {"MissingFieldRate", f.MissingFieldRate}, {"UnknownFieldRate", f.UnknownFieldRate},
	} {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("sim: faults %s %v outside [0, 1]", r.name, r.v)
		}
	}
	if f.ErrorRate+f.Rate429+f.TruncateRate > 1 {
		return errors.New("sim: faults ErrorRate+Rate429+TruncateRate exceed 1")
	}
	if f.MalformedRate+f.MissingFieldRate+f.UnknownFieldRate > 1 {
		return errors.New("sim: faults MalformedRate+MissingFieldRate+UnknownFieldRate exceed 1")
	}
	if f.RetryAfter < 0 || f.Latency < 0 {
		return errors.New("sim: faults RetryAfter and Latency must not be negative")
	}
	return nil
}

// RecordFault is what is wrong with a served record.
type RecordFault int

// Record faults.
const (
	FaultNone RecordFault = iota
	FaultBadJSON
	FaultBadEnum
	FaultBadDate
	FaultBadTaxCode
	FaultMissingField
	FaultUnknownField
)

// Breaks reports whether the fault makes the record fail decoding.
func (f RecordFault) Breaks() bool { return f != FaultNone && f != FaultUnknownField }

// Options configures a Server.
type Options struct {
	Dataset Dataset
	Faults  Faults
	Auth    Auth
	// Now is the registries' clock, for vouchers and token checks.
	Now func() time.Time
}

// Stats counts what the server did.
type Stats struct {
	TokenRequests  int64
	TokensIssued   int64
	DataRequests   int64
	AuthRejections int64
	ServerErrors   int64
	Throttled      int64
	Truncated      int64
	RecordsServed  int64
}

// Server is the simulated registries; it is an http.Handler.
type Server struct {
	opts  Options
	now   func() time.Time
	mux   *http.ServeMux
	colls map[string]*collection
	auth  *authority

	attemptsMu sync.Mutex
	attempts   map[string]int

	tokenRequests, tokensIssued, dataRequests, authRejections atomic.Int64
	serverErrors, throttled, truncated, recordsServed         atomic.Int64
}

type collection struct {
	name      string
	explicit  [][]byte
	owners    map[string][]int
	synthetic int
	prefix    string
	gen       func(i int) (taxCode string, body []byte)
	fields    faultFields
}

// total is the number of records the collection serves.
func (c *collection) total() int { return len(c.explicit) + c.synthetic }

// faultFields names, per collection, the fields the faults corrupt.
type faultFields struct{ enum, date, tax, required string }

// New builds a Server.
func New(opts Options) (*Server, error) {
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	ds := opts.Dataset
	if ds.AsOf.IsZero() {
		ds.AsOf = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	}
	if ds.Synthetic < 0 || ds.Synthetic > MaxSynthetic {
		return nil, fmt.Errorf("sim: dataset synthetic %d outside [0, %d]", ds.Synthetic, MaxSynthetic)
	}
	opts.Dataset = ds
	s := &Server{opts: opts, now: opts.Now, attempts: map[string]int{}}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.auth, err = newAuthority(opts.Auth, s.now); err != nil {
		return nil, err
	}
	if s.colls, err = buildCollections(ds); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sim: marshal generated record: " + err.Error()) // plain structs of strings and numbers
	}
	return b
}

func buildCollections(ds Dataset) (map[string]*collection, error) {
	persons, err := buildPersons(ds)
	if err != nil {
		return nil, err
	}
	seed, asOf := ds.Seed, ds.AsOf
	cs := map[string]*collection{
		BenefitCases: {name: BenefitCases, prefix: prefixAdult, fields: faultFields{"programme", "status_date", "applicant_tax_code", "status_raw"},
			gen: func(i int) (string, []byte) {
				p := synthPerson(seed, prefixAdult, i, asOf)
				return p.taxCode, mustJSON(genBenefitCase(seed, p, asOf, 0))
			}},
		ISEE: {name: ISEE, prefix: prefixAdult, fields: faultFields{"isee_type", "valid_until", "tax_code", "isee_value_eur"},
			gen: func(i int) (string, []byte) {
				p := synthPerson(seed, prefixAdult, i, asOf)
				return p.taxCode, mustJSON(genISEE(seed, p, asOf))
			}},
		LabourStatus: {name: LabourStatus, prefix: prefixAdult, fields: faultFields{"employment_status", "did_date", "tax_code", "did_id"},
			gen: func(i int) (string, []byte) {
				p := synthPerson(seed, prefixAdult, i, asOf)
				return p.taxCode, mustJSON(genLabourStatus(seed, p, asOf))
			}},
		EmploymentEvents: {name: EmploymentEvents, prefix: prefixAdult, fields: faultFields{"event_type", "start_date", "worker_tax_code", "employer_tax_code"},
			gen: func(i int) (string, []byte) {
				p := synthPerson(seed, prefixAdult, i, asOf)
				evs := genEvents(seed, p, asOf)
				if len(evs) == 0 {
					evs = genEvents(seed+1, p, asOf.AddDate(0, 0, 1))
				}
				if len(evs) == 0 {
					return p.taxCode, mustJSON(eventWire{
						CommunicationID: fmt.Sprintf("1100%d%010d", asOf.Year(), i), EventType: "HIRE", WorkerTaxCode: p.taxCode,
						EmployerTaxCode: employers[0].vat, EmployerName: employers[0].name, StartDate: day(asOf.AddDate(0, -1, 0)),
					})
				}
				return p.taxCode, mustJSON(evs[0])
			}},
		SchoolRecords: {name: SchoolRecords, prefix: prefixMinor, fields: faultFields{"attendance_status", "checked_at", "tax_code", "attendance_status_raw"},
			gen: func(i int) (string, []byte) {
				p := synthPerson(seed, prefixMinor, i, asOf)
				return p.taxCode, mustJSON(genSchool(seed, p, asOf))
			}},
	}
	add := func(c string, body []byte, owners ...string) {
		col := cs[c]
		idx := len(col.explicit)
		col.explicit = append(col.explicit, body)
		for _, o := range owners {
			col.owners[o] = append(col.owners[o], idx)
		}
	}
	for _, c := range cs {
		c.owners = map[string][]int{}
		c.synthetic = ds.Synthetic
	}
	for _, p := range persons {
		age := p.ageAt(asOf)
		if p.head() == p {
			if newRNG(seed, "has-benefit", p.taxCode).float() < 0.7 {
				owners := make([]string, len(p.household))
				for i, m := range p.household {
					owners[i] = m.taxCode
				}
				add(BenefitCases, mustJSON(genBenefitCase(seed, p, asOf, 0)), owners...)
			}
			add(ISEE, mustJSON(genISEE(seed, p, asOf)), p.taxCode)
		}
		if age >= 16 && age < 67 {
			add(LabourStatus, mustJSON(genLabourStatus(seed, p, asOf)), p.taxCode)
			for _, ev := range genEvents(seed, p, asOf) {
				add(EmploymentEvents, mustJSON(ev), p.taxCode)
			}
		}
		if age >= 6 && age < 18 {
			add(SchoolRecords, mustJSON(genSchool(seed, p, asOf)), p.taxCode)
		}
	}
	return cs, nil
}

// Total is the number of records in a collection.
func (s *Server) Total(collection string) int {
	c := s.colls[collection]
	if c == nil {
		return 0
	}
	return c.total()
}

// Fault says what is wrong with record i of a collection as served.
func (s *Server) Fault(collection string, i int) RecordFault {
	f := s.opts.Faults
	u := hash01(f.Seed, "record", collection, i)
	switch {
	case u < f.MalformedRate:
		return FaultBadJSON + RecordFault(newRNG(f.Seed, "variant", collection, i).intn(4))
	case u < f.MalformedRate+f.MissingFieldRate:
		return FaultMissingField
	case u < f.MalformedRate+f.MissingFieldRate+f.UnknownFieldRate:
		return FaultUnknownField
	}
	return FaultNone
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		TokenRequests: s.tokenRequests.Load(), TokensIssued: s.tokensIssued.Load(),
		DataRequests: s.dataRequests.Load(), AuthRejections: s.authRejections.Load(),
		ServerErrors: s.serverErrors.Load(), Throttled: s.throttled.Load(),
		Truncated: s.truncated.Load(), RecordsServed: s.recordsServed.Load(),
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ResponseKey is the public key the registries sign their responses with.
func (s *Server) ResponseKey() *rsa.PublicKey { return &s.auth.cfg.ResponseKey.PublicKey }

// VoucherKey is the public key the simulated PDND signs its vouchers with.
func (s *Server) VoucherKey() *rsa.PublicKey { return &s.auth.voucherKey.Load().key.PublicKey }

// RotateVoucherKey replaces the key the simulated PDND signs vouchers with: vouchers
// issued before are refused from now on, as after a key rotation.
func (s *Server) RotateVoucherKey() error { return s.auth.rotateVoucherKey() }

// ProviderID is the iss and sub of the registries' response signatures.
func (s *Server) ProviderID() string { return s.auth.cfg.ProviderID }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /token.oauth2", s.token)
	m.HandleFunc("GET "+PathJWKS, s.jwks)
	for _, name := range Collections {
		c := s.colls[name]
		m.HandleFunc("GET /v1/"+name, s.data(func(w http.ResponseWriter, r *http.Request, _ []byte) { s.list(w, r, c) }))
		m.HandleFunc("POST /v1/"+name+"/search", s.data(func(w http.ResponseWriter, r *http.Request, body []byte) { s.search(w, r, c, body) }))
	}
	m.HandleFunc("GET /v1/persons/{taxCode}/benefit-cases", s.data(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		s.byPerson(w, r, s.colls[BenefitCases], false)
	}))
	m.HandleFunc("GET /v1/isee/{taxCode}", s.data(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		s.byPerson(w, r, s.colls[ISEE], true)
	}))
	m.HandleFunc("GET /v1/labour-status/{taxCode}", s.data(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		s.byPerson(w, r, s.colls[LabourStatus], true)
	}))
	m.HandleFunc("GET /v1/school-records/{taxCode}", s.data(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		s.byPerson(w, r, s.colls[SchoolRecords], false)
	}))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "NOT_FOUND", "no such resource: "+r.Method+" "+r.URL.Path)
	})
	s.mux = m
}

// maxRequestBody bounds what a client may post.
const maxRequestBody = 1 << 20

// data wraps a data endpoint with latency, authentication and request faults.
func (s *Server) data(h func(http.ResponseWriter, *http.Request, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.dataRequests.Add(1)
		f := s.opts.Faults
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil || len(body) > maxRequestBody {
			writeProblem(w, http.StatusBadRequest, "BAD_BODY", "request body unreadable or over 1 MiB")
			return
		}
		client, p := s.auth.check(r, body)
		if p != nil {
			s.authRejections.Add(1)
			writeProblem(w, p.status, p.code, p.detail)
			return
		}
		u := hash01(f.Seed, "request", r.Method, r.URL.String(), s.attempt(r.Method+" "+r.URL.String()))
		switch {
		case u < f.ErrorRate:
			s.serverErrors.Add(1)
			if u < f.ErrorRate/2 {
				w.Header().Set("Retry-After", retryAfter(f.RetryAfter))
				writeProblem(w, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "registry temporarily unavailable")
			} else {
				writeProblem(w, http.StatusInternalServerError, "INTERNAL_ERROR", "registry failed to answer")
			}
			return
		case u < f.ErrorRate+f.Rate429:
			s.throttled.Add(1)
			w.Header().Set("Retry-After", retryAfter(f.RetryAfter))
			writeProblem(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "request quota exceeded")
			return
		case u < f.ErrorRate+f.Rate429+f.TruncateRate:
			s.truncated.Add(1)
			s.answer(&truncatingWriter{ResponseWriter: w}, r, body, client, h)
			return
		}
		s.answer(w, r, body, client, h)
	}
}

// answer runs h and sends what it wrote, a 2xx signed for the client the voucher was
// issued to (when authentication is on), as an e-service applying INTEGRITY_REST_02 to
// its responses does. A truncated answer is signed whole and then cut, as a connection
// dropped mid-answer would deliver it.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, body []byte, client string, h func(http.ResponseWriter, *http.Request, []byte)) {
	rec := &recorder{header: http.Header{}}
	h(rec, r, body)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if client != "" && rec.status/100 == 2 {
		if err := s.auth.signResponse(rec.header, rec.body.Bytes(), client); err != nil {
			writeProblem(w, http.StatusInternalServerError, "INTERNAL_ERROR", err.Error())
			return
		}
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// recorder holds a handler's answer until it is signed.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func retryAfter(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// attempt counts requests per URL so that a retry draws a new fate.
func (s *Server) attempt(key string) int {
	s.attemptsMu.Lock()
	defer s.attemptsMu.Unlock()
	if len(s.attempts) > 1<<16 {
		clear(s.attempts)
	}
	s.attempts[key]++
	return s.attempts[key]
}

// truncatingWriter declares the full length and sends half the body, as
// a connection dropped mid-answer does.
type truncatingWriter struct {
	http.ResponseWriter
	status int
}

func (t *truncatingWriter) WriteHeader(status int) { t.status = status }

func (t *truncatingWriter) Write(b []byte) (int, error) {
	t.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.ResponseWriter.WriteHeader(t.status)
	if _, err := t.ResponseWriter.Write(b[:len(b)/2]); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Paging.

const (
	defaultLimit = 100
)

func encodeCursor(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(off)))
}

func decodeCursor(c string, total int) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !bytes.HasPrefix(b, []byte("o:")) {
		return 0, false
	}
	off, err := strconv.Atoi(string(b[2:]))
	if err != nil || off < 0 || off > total {
		return 0, false
	}
	return off, true
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, c *collection) {
	q := r.URL.Query()
	if tc := q.Get("tax_code"); tc != "" {
		if c.name != EmploymentEvents {
			writeProblem(w, http.StatusBadRequest, "BAD_PARAMETER", "tax_code filter is not supported here")
			return
		}
		code, err := codicefiscale.Parse(tc)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "BAD_TAX_CODE", "tax_code: "+err.Error())
			return
		}
		s.writePage(w, c, s.owned(c, code.String()), "", false)
		return
	}
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > record.MaxLimit {
			writeProblem(w, http.StatusBadRequest, "BAD_LIMIT", fmt.Sprintf("limit must be an integer in [1, %d]", record.MaxLimit))
			return
		}
		limit = n
	}
	total := c.total()
	off := 0
	if v := q.Get("cursor"); v != "" {
		var ok bool
		if off, ok = decodeCursor(v, total); !ok {
			writeProblem(w, http.StatusBadRequest, "BAD_CURSOR", "cursor is not one this registry issued")
			return
		}
	}
	end := min(off+limit, total)
	idx := make([]int, 0, end-off)
	for i := off; i < end; i++ {
		idx = append(idx, i)
	}
	next := ""
	if end < total {
		next = encodeCursor(end)
	}
	s.writePage(w, c, idx, next, end < total)
}

func (s *Server) owned(c *collection, tc string) []int {
	idx := append([]int(nil), c.owners[tc]...)
	if i, ok := synthIndex(c.prefix, tc); ok && i < c.synthetic {
		if code, _ := c.gen(i); code == tc {
			idx = append(idx, len(c.explicit)+i)
		}
	}
	return idx
}

func (s *Server) byPerson(w http.ResponseWriter, r *http.Request, c *collection, one bool) {
	code, err := codicefiscale.Parse(r.PathValue("taxCode"))
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "BAD_TAX_CODE", "taxCode: "+err.Error())
		return
	}
	idx := s.owned(c, code.String())
	if !one {
		s.writePage(w, c, idx, "", false)
		return
	}
	if len(idx) == 0 {
		writeProblem(w, http.StatusNotFound, "NOT_FOUND", "no "+c.name+" record for this person")
		return
	}
	s.recordsServed.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.record(c, idx[0]))
}

func (s *Server) search(w http.ResponseWriter, _ *http.Request, c *collection, body []byte) {
	var req struct {
		TaxCodes []string `json:"tax_codes"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeProblem(w, http.StatusBadRequest, "BAD_BODY", "search body: "+err.Error())
		return
	}
	if len(req.TaxCodes) == 0 || len(req.TaxCodes) > record.MaxSearch {
		writeProblem(w, http.StatusBadRequest, "BAD_BODY", fmt.Sprintf("tax_codes must hold 1 to %d codes", record.MaxSearch))
		return
	}
	var idx []int
	for i, tc := range req.TaxCodes {
		code, err := codicefiscale.Parse(tc)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "BAD_TAX_CODE", fmt.Sprintf("tax_codes[%d]: %v", i, err))
			return
		}
		idx = append(idx, s.owned(c, code.String())...)
	}
	s.writePage(w, c, idx, "", false)
}

func (s *Server) writePage(w http.ResponseWriter, c *collection, idx []int, next string, more bool) {
	var b bytes.Buffer
	b.WriteString(`{"records":[`)
	for k, i := range idx {
		if k > 0 {
			b.WriteByte(',')
		}
		b.Write(s.record(c, i))
	}
	b.WriteString(`],"next_cursor":`)
	if next == "" {
		b.WriteString("null")
	} else {
		b.WriteString(strconv.Quote(next))
	}
	fmt.Fprintf(&b, `,"has_more":%t}`, more)
	s.recordsServed.Add(int64(len(idx)))
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
}

// record is record i of c as served, faults applied.
func (s *Server) record(c *collection, i int) []byte {
	var body []byte
	if i < len(c.explicit) {
		body = c.explicit[i]
	} else {
		_, body = c.gen(i - len(c.explicit))
	}
	fault := s.Fault(c.name, i)
	if fault == FaultNone {
		return body
	}
	if fault == FaultBadJSON {
		// A stray comma keeps brackets balanced: the record is broken, the page is not.
		return bytes.Replace(body, []byte(","), []byte(",,"), 1)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		panic("sim: generated record is not an object: " + err.Error())
	}
	switch fault {
	case FaultBadEnum:
		m[c.fields.enum] = "NOT_A_VALUE"
	case FaultBadDate:
		m[c.fields.date] = "2024-13-45"
	case FaultBadTaxCode:
		if tc, ok := m[c.fields.tax].(string); ok && len(tc) == 16 {
			last := tc[15] + 1
			if last > 'Z' {
				last = 'A'
			}
			m[c.fields.tax] = tc[:15] + string(last)
		}
	case FaultMissingField:
		delete(m, c.fields.required)
	case FaultUnknownField:
		m["x_registry_note"] = "field added by a newer registry release"
	}
	return mustJSON(m)
}

// Problems.

type problem struct {
	status int
	code   string
	detail string
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail, "code": code,
	})
}
