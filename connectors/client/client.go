// Package client owns the outbound HTTP behaviour shared by every registry
// connector: bounded retries, Retry-After, circuit breaker, rate limit, typed errors and metrics.
package client

import (
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"
)

// Client calls one source. It is safe for concurrent use; create one per
// source and keep it for the life of the process, since the breaker, the
// rate limiter and the metrics live in it.
type Client struct {
	cfg      Config
	base     string
	http     *http.Client
	breakers sync.Map // endpoint → *gobreaker.TwoStepCircuitBreaker[struct{}]
	limiter  *rate.Limiter
	metrics  *metrics
	now      func() time.Time
	onRetry  func(RetryEvent)
	jitter   func(n int64) int64
}

// RetryEvent describes a retry about to happen, for logs and tests.
type RetryEvent struct {
	Source    string
	Operation string
	Attempt   int           // the attempt that failed, from 1
	Status    int           // its HTTP status; 0 if none arrived
	Err       error         // its error, if no usable response arrived
	Wait      time.Duration // how long the client waits before the next attempt
	// RetryAfter is true when Wait came from the source's Retry-After header.
	RetryAfter bool
}

// Option adjusts a Client at construction.
type Option func(*Client) error

// WithTransport sets the transport each attempt goes through, e.g. an
// authentication layer from package pdnd over a TLS transport.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) error {
		if rt == nil {
			return errors.New("client: WithTransport: nil transport")
		}
		c.http.Transport.(*attemptTransport).next = rt
		return nil
	}
}

// WithClock replaces time.Now, for Retry-After dates and metric timestamps.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		c.now = now
		return nil
	}
}

// WithRetryHook is called before every retry wait.
func WithRetryHook(fn func(RetryEvent)) Option {
	return func(c *Client) error {
		c.onRetry = fn
		return nil
	}
}

// WithJitter replaces the random source of the backoff jitter: fn(n) must
// return a value in [0, n).
func WithJitter(fn func(n int64) int64) Option {
	return func(c *Client) error {
		c.jitter = fn
		return nil
	}
}

// New builds a client for cfg.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{
		cfg:     cfg,
		base:    strings.TrimRight(cfg.BaseURL, "/"),
		metrics: newMetrics(),
		now:     time.Now,
		jitter:  rand.Int64N,
	}
	c.http = &http.Client{
		Transport: &attemptTransport{c: c, next: cleanhttp.DefaultPooledTransport()},
	}
	if cfg.RateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.RateBurst)
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Source returns the configured source name.
func (c *Client) Source() string { return c.cfg.Source }

// breaker returns the circuit breaker of one endpoint of the source, made on first use.
//
// The breaker is scoped to an endpoint (Request.Endpoint: for the registries, one
// collection), not to the whole source. A source's collections are distinct resources
// behind the gateway, often distinct e-services with their own purposes on PDND: a
// listing that keeps failing says that collection's back end is sick, and a breaker
// for the whole source would fail every other collection at once, healthy or not. A
// source that is down altogether trips each endpoint's breaker after BreakerFailures
// attempts, a bounded cost for the handful of endpoints a source has.
func (c *Client) breaker(endpoint string) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	if b, ok := c.breakers.Load(endpoint); ok {
		return b.(*gobreaker.TwoStepCircuitBreaker[struct{}])
	}
	b, _ := c.breakers.LoadOrStore(endpoint, gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:    c.cfg.Source + "/" + endpoint,
		Timeout: c.cfg.BreakerCooldown,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= c.cfg.BreakerFailures
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errNotCounted) },
	}))
	return b.(*gobreaker.TwoStepCircuitBreaker[struct{}])
}

// BreakerStates reports each endpoint's breaker ("closed", "half-open" or "open"), for
// the endpoints called so far.
func (c *Client) BreakerStates() map[string]string {
	out := map[string]string{}
	c.breakers.Range(func(k, v any) bool {
		out[k.(string)] = v.(*gobreaker.TwoStepCircuitBreaker[struct{}]).State().String()
		return true
	})
	return out
}

// BreakerState reports the source's worst breaker: "open" when any endpoint's is open,
// else "half-open" when any is half-open, else "closed".
func (c *Client) BreakerState() string {
	worst := gobreaker.StateClosed.String()
	for _, s := range c.BreakerStates() {
		if breakerStateValue(s) > breakerStateValue(worst) {
			worst = s
		}
	}
	return worst
}

// Metrics returns a snapshot of the source's counters.
func (c *Client) Metrics() Metrics {
	m := c.metrics.snapshot(c.cfg.Source, c.BreakerState())
	m.Breakers = c.BreakerStates()
	return m
}

// Request is one logical call to the source.
type Request struct {
	Operation string // human description, used in errors ("list benefit cases")
	// Endpoint names the resource the call reaches, for the circuit breaker: calls with
	// the same endpoint share one (see Client.breaker). The connectors use the
	// collection; "" stands for the operation.
	Endpoint    string
	Method      string // default GET
	Path        string // appended to Config.BaseURL; must start with "/"
	Query       url.Values
	Header      http.Header
	Body        []byte
	ContentType string // default application/json when Body is set
	// Check validates a 2xx body inside the retry loop: an error marks the
	// attempt failed (FailureBody) and it is retried like a 5xx, which is
	// how a truncated or garbled page gets fetched again.
	Check func(body []byte) error
}

// Response is a successful (2xx) answer.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
}

// Do performs r with retries. Any non-2xx outcome is returned as *Error.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	// The span names the source and the operation, never the path or the query, which
	// may carry a tax code.
	ctx, span := otel.Tracer(tracerName).Start(ctx, "registry "+c.cfg.Source+" "+r.Operation, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("ponte.registry.source", c.cfg.Source), attribute.String("ponte.registry.operation", r.Operation)))
	defer span.End()
	start := c.now()
	resp, err := c.do(ctx, r)
	end := c.now()
	c.metrics.call(end.Sub(start), err == nil, end)
	var e *Error
	if errors.As(err, &e) && e.Status != 0 {
		span.SetAttributes(attribute.Int("http.response.status_code", e.Status))
	}
	if err != nil {
		span.SetStatus(codes.Error, "registry call failed")
	}
	return resp, err
}

// tracerName names the spans of registry calls.
const tracerName = "github.com/ponte-hub/ponte/connectors/client"

// callState carries one call's retry decisions between the retryablehttp
// hooks, which see a single call at a time.
type callState struct {
	retries    int           // retries decided so far
	wait       time.Duration // wait before the next attempt
	retryAfter bool          // wait came from Retry-After
	retryable  bool          // last failure may succeed later
	giveUp     string        // why retrying stopped early, if it did
	lastStatus int
	lastErr    error
	attempts   int
}

func (c *Client) do(ctx context.Context, r Request) (*Response, error) {
	fail := func(status int, retryable bool, err error) *Error {
		return &Error{Source: c.cfg.Source, Operation: r.Operation, Status: status, Retryable: retryable, Err: err}
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, fail(0, false, fmt.Errorf("request path %q must start with /", r.Path))
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	target := c.base + r.Path
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	var body any
	if r.Body != nil {
		body = r.Body
	}
	endpoint := r.Endpoint
	if endpoint == "" {
		endpoint = r.Operation
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, endpointKey{}, endpoint), method, target, body)
	if err != nil {
		return nil, fail(0, false, fmt.Errorf("build request: %w", err))
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, application/problem+json")
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)

	st := &callState{}
	var out *Response
	req.SetResponseHandler(func(hr *http.Response) error {
		defer hr.Body.Close()
		data, err := readLimited(hr.Body, c.cfg.MaxBodyBytes)
		if err != nil {
			be := &bodyError{status: hr.StatusCode, err: err, retryable: !errors.Is(err, errBodyTooLarge)}
			kind := FailureBody
			if isTimeout(err) {
				kind = FailureTimeout
			}
			c.metrics.failure(kind, c.now())
			return be
		}
		if hr.StatusCode/100 == 2 && r.Check != nil {
			if err := r.Check(data); err != nil {
				c.metrics.failure(FailureBody, c.now())
				return &bodyError{status: hr.StatusCode, err: err, retryable: true}
			}
		}
		out = &Response{Status: hr.StatusCode, Header: hr.Header, Body: data}
		return nil
	})

	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryWaitMin: c.cfg.BackoffMin,
		RetryWaitMax: c.cfg.BackoffMax,
		RetryMax:     c.cfg.MaxRetries,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			return c.checkRetry(ctx, st, resp, err)
		},
		Backoff: func(_, _ time.Duration, attempt int, _ *http.Response) time.Duration {
			c.metrics.retry()
			if c.onRetry != nil {
				c.onRetry(RetryEvent{
					Source: c.cfg.Source, Operation: r.Operation, Attempt: attempt + 1,
					Status: st.lastStatus, Err: st.lastErr, Wait: st.wait, RetryAfter: st.retryAfter,
				})
			}
			return st.wait
		},
		ErrorHandler: func(resp *http.Response, err error, tries int) (*http.Response, error) {
			st.attempts = tries
			return resp, err
		},
	}
	hr, err := rc.Do(req)
	if err == nil && out != nil {
		if out.Status/100 == 2 {
			out.Attempts = st.retries + 1
			return out, nil
		}
		// A 429 or 5xx lands here when retrying stopped early (Retry-After
		// beyond the limit or the deadline), since the body was read then.
		e := fail(out.Status, st.retryable, nil)
		if st.giveUp != "" {
			e.Err = errors.New(st.giveUp)
		}
		e.Code, e.Message = ParseErrorBody(out.Header.Get("Content-Type"), out.Body)
		return nil, e
	}
	return nil, c.failure(ctx, r, st, hr, err)
}

// failure turns the end of an unsuccessful retry loop into an *Error.
func (c *Client) failure(ctx context.Context, r Request, st *callState, hr *http.Response, err error) *Error {
	e := &Error{Source: c.cfg.Source, Operation: r.Operation, Retryable: st.retryable}
	var giveUp error
	if st.giveUp != "" {
		giveUp = errors.New(st.giveUp)
	}
	if st.attempts == 0 {
		// retryablehttp returns early, without the error handler, when the
		// context ends during a wait: every decided retry was a failed attempt.
		st.attempts = max(st.retries, 1)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.Retryable = errors.Is(ctxErr, context.DeadlineExceeded)
		e.Err = fmt.Errorf("after %d attempt(s): %w", st.attempts, ctxErr)
		if hr != nil {
			e.Status = hr.StatusCode
		}
		return e
	}
	var be *bodyError
	var inner *Error
	var le *localError
	switch {
	case errors.As(err, &be):
		e.Retryable = be.retryable
		e.Err = fmt.Errorf("read response body (HTTP %d) after %d attempt(s): %w", be.status, st.attempts, be.err)
	case errors.As(err, &le):
		e.Retryable = le.retryable
		e.Err = le.err
	case errors.As(err, &inner):
		e.Retryable = inner.Retryable
		e.Err = inner
	case hr != nil:
		e.Status = hr.StatusCode
		data, _ := readLimited(hr.Body, 64<<10) // best effort: the status already says what failed
		hr.Body.Close()
		e.Code, e.Message = ParseErrorBody(hr.Header.Get("Content-Type"), data)
		e.Retryable = true
		switch {
		case giveUp != nil:
			e.Err = giveUp
		case st.attempts > 1:
			e.Err = fmt.Errorf("gave up after %d attempts", st.attempts)
		}
	case err != nil:
		e.Err = fmt.Errorf("after %d attempt(s): %w", st.attempts, err)
		if giveUp != nil {
			e.Err = fmt.Errorf("%w (%s)", e.Err, st.giveUp)
		}
	default:
		e.Err = fmt.Errorf("no response after %d attempt(s)", st.attempts)
	}
	return e
}

// checkRetry decides whether to retry and how long to wait, so that the
// wait can be checked against the call's deadline before sleeping.
func (c *Client) checkRetry(ctx context.Context, st *callState, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st.retryAfter = false
	st.lastErr, st.lastStatus = nil, 0
	retry := false
	var wait time.Duration
	haveWait := false
	if err != nil {
		st.lastErr = err
		if resp != nil {
			st.lastStatus = resp.StatusCode
		}
		var be *bodyError
		var le *localError
		var inner *Error
		switch {
		case errors.As(err, &be):
			retry = be.retryable
		case errors.As(err, &le):
			st.retryable = le.retryable
			return false, nil
		case errors.As(err, &inner):
			st.retryable = inner.Retryable
			return false, nil
		default:
			retry, _ = retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		}
	} else {
		st.lastStatus = resp.StatusCode
		switch {
		case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout:
			retry = true // 408: the source gave up waiting for the request; it may not next time
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
			retry = true
		}
		if retry && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
				wait, haveWait, st.retryAfter = d, true, true
				if d > c.cfg.MaxRetryAfter {
					st.retryable = true
					st.giveUp = fmt.Sprintf("source asked to retry after %s, beyond the %s limit", d, c.cfg.MaxRetryAfter)
					return false, nil
				}
			}
		}
	}
	st.retryable = retry
	if !retry {
		return false, nil
	}
	if !haveWait {
		wait = c.backoff(st.retries)
	}
	if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) && st.retries < c.cfg.MaxRetries {
		st.giveUp = fmt.Sprintf("next retry in %s would pass the call deadline", wait.Round(time.Millisecond))
		return false, nil
	}
	st.wait = wait
	st.retries++
	return true, nil
}

// backoff is exponential with full jitter: a uniform wait in
// [0, min(BackoffMax, BackoffMin·2^n)], so that clients failing together
// do not retry together.
func (c *Client) backoff(n int) time.Duration {
	ceiling := c.cfg.BackoffMax
	if n < 30 {
		if d := c.cfg.BackoffMin << n; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return time.Duration(c.jitter(int64(ceiling) + 1))
}

// ParseRetryAfter reads a Retry-After value, either delta-seconds or an
// HTTP-date, relative to now. A date in the past yields zero.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	allDigits := true
	for _, r := range v {
		if r < '0' || r > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		if len(v) > 9 { // over 31 years: treat as "not soon"
			return time.Duration(1<<63 - 1), true
		}
		var n int64
		for _, r := range v {
			n = n*10 + int64(r-'0')
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

var errBodyTooLarge = errors.New("response body too large")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", errBodyTooLarge, limit)
	}
	return data, nil
}

// bodyError is a failure reading or checking a response body.
type bodyError struct {
	status    int
	err       error
	retryable bool
}

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// localError is a refusal on our side (breaker open, rate limit beyond
// the deadline): not retried within the call.
type localError struct {
	err       error
	retryable bool
}

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// endpointKey carries a request's breaker endpoint from Do to the attempt transport.
type endpointKey struct{}

// errNotCounted marks outcomes the breaker must ignore: they say nothing
// about the source's health.
var errNotCounted = errors.New("not counted by the breaker")

var errServerFailure = errors.New("server failure")

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// attemptTransport applies the rate limit, the breaker and the per-attempt
// metrics around each HTTP attempt.
type attemptTransport struct {
	c    *Client
	next http.RoundTripper
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.c
	if c.limiter != nil {
		if err := c.limiter.Wait(req.Context()); err != nil {
			if req.Context().Err() != nil {
				return nil, req.Context().Err()
			}
			return nil, &localError{err: fmt.Errorf("rate limit: %w", err), retryable: true}
		}
	}
	endpoint, _ := req.Context().Value(endpointKey{}).(string)
	done, err := c.breaker(endpoint).Allow()
	if err != nil {
		c.metrics.failure(FailureCircuitOpen, c.now())
		return nil, &localError{err: fmt.Errorf("%w (%v)", ErrCircuitOpen, err), retryable: true}
	}
	c.metrics.attempt()
	// The attempt's own deadline covers reading the body too, so it is
	// released only when the body is closed.
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, c.cfg.Timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	now := c.now()
	if err != nil {
		timedOut := ctx.Err() != nil
		cancel()
		var inner *Error
		switch {
		case errors.Is(err, ErrIntegrity):
			// A response that fails verification says nothing about the source's
			// availability: it is reported, not counted.
			c.metrics.failure(FailureIntegrity, now)
			done(errNotCounted)
		case errors.As(err, &inner):
			c.metrics.failure(FailureAuth, now)
			done(errNotCounted)
		case parent.Err() != nil:
			done(errNotCounted) // the caller gave up; the source may be fine
		case timedOut || isTimeout(err):
			c.metrics.failure(FailureTimeout, now)
			err = fmt.Errorf("attempt timed out after %s: %w", c.cfg.Timeout, err)
			done(err)
		default:
			c.metrics.failure(FailureNetwork, now)
			done(err)
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	switch {
	case resp.StatusCode >= 500:
		c.metrics.failure(FailureServer, now)
		done(errServerFailure)
	case resp.StatusCode == http.StatusTooManyRequests:
		c.metrics.failure(FailureThrottled, now)
		done(nil)
	case resp.StatusCode == http.StatusRequestTimeout:
		c.metrics.failure(FailureTimeout, now)
		done(errServerFailure)
	case resp.StatusCode >= 400 && resp.StatusCode != http.StatusNotFound:
		c.metrics.failure(FailureClient, now)
		done(nil)
	default:
		done(nil)
	}
	return resp, nil
}

// cancelOnClose releases an attempt's deadline once its body is done with.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
