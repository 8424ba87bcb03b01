package client

import (
	"fmt"
	"net/url"
	"time"
)

// Config tunes the behaviour of one source's client. Obtain one from
// DefaultConfig and override what a deployment needs; New validates it.
type Config struct {
	// Source names the registry in errors, metrics and logs (e.g. "benefits").
	Source string
	// BaseURL is the e-service root; request paths are resolved against it.
	BaseURL string

	// MaxRetries bounds the retries after the first attempt (default 4).
	MaxRetries int
	// BackoffMin is the ceiling of the first retry's jittered wait; each
	// further retry doubles the ceiling up to BackoffMax (defaults 100ms, 5s).
	BackoffMin time.Duration
	BackoffMax time.Duration
	// MaxRetryAfter caps how long the client is willing to wait when the
	// source sends Retry-After; a longer demand ends the call with a
	// retryable error so a job queue can come back later (default 1m).
	MaxRetryAfter time.Duration

	// Timeout bounds one attempt: connect, headers and reading the body
	// (default 10s). The caller's context bounds the whole call.
	Timeout time.Duration

	// BreakerFailures consecutive failed attempts open the circuit
	// (default 5); after BreakerCooldown it lets one probe through (default 30s).
	BreakerFailures uint32
	BreakerCooldown time.Duration

	// RateLimit is the sustained requests per second allowed to the source
	// and RateBurst the burst above it (defaults 50 and 10). A RateLimit of
	// zero or less disables limiting.
	RateLimit float64
	RateBurst int

	// MaxBodyBytes bounds a response body (default 64 MiB).
	MaxBodyBytes int64
	// UserAgent is sent on every request (default "ponte-registry-client").
	UserAgent string
}

// Defaults documented on Config.
const (
	DefaultMaxRetries      = 4
	DefaultBackoffMin      = 100 * time.Millisecond
	DefaultBackoffMax      = 5 * time.Second
	DefaultMaxRetryAfter   = time.Minute
	DefaultTimeout         = 10 * time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
	DefaultRateLimit       = 50
	DefaultRateBurst       = 10
	DefaultMaxBodyBytes    = 64 << 20
	DefaultUserAgent       = "ponte-registry-client"
)

// DefaultConfig returns the documented defaults for source at baseURL.
func DefaultConfig(source, baseURL string) Config {
	return Config{
		Source:          source,
		BaseURL:         baseURL,
		MaxRetries:      DefaultMaxRetries,
		BackoffMin:      DefaultBackoffMin,
		BackoffMax:      DefaultBackoffMax,
		MaxRetryAfter:   DefaultMaxRetryAfter,
		Timeout:         DefaultTimeout,
		BreakerFailures: DefaultBreakerFailures,
		BreakerCooldown: DefaultBreakerCooldown,
		RateLimit:       DefaultRateLimit,
		RateBurst:       DefaultRateBurst,
		MaxBodyBytes:    DefaultMaxBodyBytes,
		UserAgent:       DefaultUserAgent,
	}
}

// Validate reports the first field that cannot work, naming it.
func (c Config) Validate() error {
	bad := func(field, reason string) error {
		return fmt.Errorf("client: config %s: %s", field, reason)
	}
	switch {
	case c.Source == "":
		return bad("Source", "must not be empty")
	case c.BaseURL == "":
		return bad("BaseURL", "must not be empty")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return bad("BaseURL", err.Error())
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("BaseURL", fmt.Sprintf("%q is not an absolute http(s) URL", c.BaseURL))
	}
	switch {
	case c.MaxRetries < 0:
		return bad("MaxRetries", "must not be negative")
	case c.BackoffMin <= 0:
		return bad("BackoffMin", "must be positive")
	case c.BackoffMax < c.BackoffMin:
		return bad("BackoffMax", "must not be below BackoffMin")
	case c.MaxRetryAfter < 0:
		return bad("MaxRetryAfter", "must not be negative")
	case c.Timeout <= 0:
		return bad("Timeout", "must be positive")
	case c.BreakerFailures == 0:
		return bad("BreakerFailures", "must be at least 1")
	case c.BreakerCooldown <= 0:
		return bad("BreakerCooldown", "must be positive")
	case c.RateLimit > 0 && c.RateBurst < 1:
		return bad("RateBurst", "must be at least 1 when RateLimit is set")
	case c.MaxBodyBytes <= 0:
		return bad("MaxBodyBytes", "must be positive")
	}
	return nil
}
