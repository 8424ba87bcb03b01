package syncjob

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/labour"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/connectors/school"
)

// SourceConfig configures the connection to one registry and how often it is read.
type SourceConfig struct {
	// Client holds the base URL and the retry, breaker and rate-limit settings.
	Client client.Config
	// Auth selects none, bearer, mtls or pdnd and carries its settings.
	Auth pdnd.Auth
	// MaxAge is how old the source's records may get before they are STALE.
	MaxAge time.Duration
	// SyncInterval is how often the queue runs each collection's bulk sync.
	SyncInterval time.Duration
}

// Config configures the registries and the engine that reads them.
type Config struct {
	// Sources holds the configured registries by source name; a source left out is
	// neither synchronised nor refreshed.
	Sources map[string]SourceConfig
	// PageSize is the number of records asked per page (1 to record.MaxLimit).
	PageSize int
	// Workers bounds the jobs run at once by this process.
	Workers int
	// JobTimeout bounds one attempt of a bulk sync job; the next attempt resumes from
	// the cursor saved by the last stored page.
	JobTimeout time.Duration
	// MaxAttempts bounds the attempts of a job before it is discarded.
	MaxAttempts int
	// RetryBase and RetryMax shape the jobs' retry backoff: RetryBase·2^(attempt-1),
	// capped at RetryMax, with jitter.
	RetryBase time.Duration
	RetryMax  time.Duration
}

// Documented defaults.
const (
	DefaultPageSize     = 500
	DefaultWorkers      = 4
	DefaultJobTimeout   = time.Hour
	DefaultMaxAttempts  = 8
	DefaultRetryBase    = 10 * time.Second
	DefaultRetryMax     = 10 * time.Minute
	DefaultMaxAge       = 24 * time.Hour
	DefaultSyncInterval = 6 * time.Hour
)

// withDefaults fills zero values and checks the rest, naming the field at fault.
func (c Config) withDefaults() (Config, error) {
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryBase == 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	bad := func(field, reason string) error { return fmt.Errorf("syncjob: config %s: %s", field, reason) }
	switch {
	case c.PageSize < 1 || c.PageSize > record.MaxLimit:
		return c, bad("PageSize", fmt.Sprintf("%d outside [1, %d]", c.PageSize, record.MaxLimit))
	case c.Workers < 1:
		return c, bad("Workers", "must be at least 1")
	case c.JobTimeout < 0:
		return c, bad("JobTimeout", "must not be negative")
	case c.MaxAttempts < 1:
		return c, bad("MaxAttempts", "must be at least 1")
	case c.RetryBase <= 0 || c.RetryMax < c.RetryBase:
		return c, bad("RetryBase", "must be positive and not above RetryMax")
	}
	for name, s := range c.Sources {
		if !isSource(name) {
			return c, bad("Sources", fmt.Sprintf("unknown source %q", name))
		}
		if s.MaxAge == 0 {
			s.MaxAge = DefaultMaxAge
		}
		if s.SyncInterval == 0 {
			s.SyncInterval = DefaultSyncInterval
		}
		if s.MaxAge < time.Second || s.SyncInterval < time.Second {
			return c, bad("Sources["+name+"]", "MaxAge and SyncInterval must be at least a second")
		}
		if s.Client.Source == "" {
			s.Client.Source = name
		}
		if err := s.Client.Validate(); err != nil {
			return c, fmt.Errorf("syncjob: source %s: %w", name, err)
		}
		c.Sources[name] = s
	}
	return c, nil
}

// ConfigFromEnv reads the registries' configuration from environment variables (getenv
// is os.Getenv outside tests). A source is configured when its URL is set:
//
//	PONTE_REGISTRY_<SOURCE>_URL            base URL of the e-service (SOURCE: BENEFITS, LABOUR, SCHOOL)
//	PONTE_REGISTRY_<SOURCE>_AUTH           none | bearer | mtls | pdnd (default none)
//	PONTE_REGISTRY_<SOURCE>_BEARER_TOKEN   static token (auth bearer)
//	PONTE_REGISTRY_<SOURCE>_CERT_FILE, _KEY_FILE, _CA_FILE   client certificate (auth mtls)
//	PONTE_REGISTRY_<SOURCE>_PURPOSE_ID     PDND purpose id of the e-service (auth pdnd)
//	PONTE_REGISTRY_<SOURCE>_AUDIENCE       e-service audience for the ModI headers (auth pdnd)
//	PONTE_REGISTRY_<SOURCE>_AUDIT_PATTERN  AUDIT_REST_02 (default: a voucher per call, bound to its evidence) or AUDIT_REST_01
//	PONTE_REGISTRY_<SOURCE>_RESPONSE_KEY_FILE   PEM public key the e-service signs responses with (auth pdnd)
//	PONTE_REGISTRY_<SOURCE>_RESPONSE_JWKS_URL   or the URL of the e-service's JWK Set (auth pdnd)
//	PONTE_REGISTRY_<SOURCE>_RESPONSE_ISSUER     iss/sub the response signatures must carry (optional)
//	PONTE_REGISTRY_<SOURCE>_MAX_AGE        records older are STALE (default 24h)
//	PONTE_REGISTRY_<SOURCE>_SYNC_INTERVAL  bulk sync period (default 6h)
//	PONTE_REGISTRY_<SOURCE>_RATE_LIMIT     requests per second to the source (default 50)
//	PONTE_REGISTRY_<SOURCE>_TIMEOUT        bound on one HTTP attempt (default 10s)
//	PONTE_REGISTRY_<SOURCE>_MAX_RETRIES    retries of one call (default 4)
//	PONTE_PDND_TOKEN_URL                   voucher endpoint (default https://auth.interop.pagopa.it/token.oauth2)
//	PONTE_PDND_CLIENT_ID                   client id registered on PDND
//	PONTE_PDND_KEY_ID                      kid of the client's registered key
//	PONTE_PDND_KEY_FILE                    PEM private key of the client
//	PONTE_PDND_ASSERTION_AUDIENCE          default auth.interop.pagopa.it/client-assertion
//	PONTE_PDND_USER_LOCATION               workstation or office in the tracking evidence (default the host name)
//	PONTE_PDND_SYSTEM_USER_ID              operator accountable for unattended syncs (required with auth pdnd)
//	PONTE_PDND_SYSTEM_USER_LOA             their level of assurance: low, substantial or high (required with auth pdnd)
//	PONTE_PDND_USER_LOA                    level of assurance of staff operators (default substantial)
//	PONTE_REGISTRY_PAGE_SIZE               records per page (default 500, at most 1000)
//	PONTE_REGISTRY_WORKERS                 jobs run at once per process (default 4)
//	PONTE_REGISTRY_JOB_TIMEOUT             bound on one bulk sync attempt (default 1h)
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{Sources: map[string]SourceConfig{}}
	var errs []error
	num := func(key string, into *int) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive whole number", key, v))
				return
			}
			*into = n
		}
	}
	dur := func(key string, into *time.Duration) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive duration such as 30s or 6h", key, v))
				return
			}
			*into = d
		}
	}
	num("PONTE_REGISTRY_PAGE_SIZE", &cfg.PageSize)
	num("PONTE_REGISTRY_WORKERS", &cfg.Workers)
	dur("PONTE_REGISTRY_JOB_TIMEOUT", &cfg.JobTimeout)

	pd := pdnd.Config{
		TokenURL:          envOr(getenv, "PONTE_PDND_TOKEN_URL", "https://auth.interop.pagopa.it/token.oauth2"),
		ClientID:          getenv("PONTE_PDND_CLIENT_ID"),
		KeyID:             getenv("PONTE_PDND_KEY_ID"),
		KeyFile:           getenv("PONTE_PDND_KEY_FILE"),
		AssertionAudience: getenv("PONTE_PDND_ASSERTION_AUDIENCE"),
		UserLocation:      getenv("PONTE_PDND_USER_LOCATION"),
		SystemUserID:      strings.TrimSpace(getenv("PONTE_PDND_SYSTEM_USER_ID")),
		SystemUserLoA:     strings.ToLower(strings.TrimSpace(getenv("PONTE_PDND_SYSTEM_USER_LOA"))),
		LoA:               strings.ToLower(strings.TrimSpace(getenv("PONTE_PDND_USER_LOA"))),
	}
	var pdndErrs []error // reported once, however many sources use pdnd
	if pd.SystemUserLoA != "" && !pdnd.ValidLoA(pd.SystemUserLoA) {
		pdndErrs = append(pdndErrs, fmt.Errorf("PONTE_PDND_SYSTEM_USER_LOA: %q: want low, substantial or high", pd.SystemUserLoA))
	}
	if pd.LoA != "" && !pdnd.ValidLoA(pd.LoA) {
		pdndErrs = append(pdndErrs, fmt.Errorf("PONTE_PDND_USER_LOA: %q: want low, substantial or high", pd.LoA))
	}
	usesPDND := false
	if pd.UserLocation == "" {
		if h, err := os.Hostname(); err == nil {
			pd.UserLocation = h
		}
	}
	for _, src := range Sources {
		p := "PONTE_REGISTRY_" + strings.ToUpper(src) + "_"
		base := strings.TrimSpace(getenv(p + "URL"))
		if base == "" {
			continue
		}
		sc := SourceConfig{Client: client.DefaultConfig(src, base)}
		dur(p+"MAX_AGE", &sc.MaxAge)
		dur(p+"SYNC_INTERVAL", &sc.SyncInterval)
		dur(p+"TIMEOUT", &sc.Client.Timeout)
		if v := strings.TrimSpace(getenv(p + "RATE_LIMIT")); v != "" {
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || r < 0 {
				errs = append(errs, fmt.Errorf("%sRATE_LIMIT: %q is not a non-negative number (0 disables limiting)", p, v))
			}
			sc.Client.RateLimit = r
		}
		if v := strings.TrimSpace(getenv(p + "MAX_RETRIES")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%sMAX_RETRIES: %q is not a whole number", p, v))
			}
			sc.Client.MaxRetries = n
		}
		kind := strings.ToLower(strings.TrimSpace(envOr(getenv, p+"AUTH", pdnd.KindNone)))
		sc.Auth = pdnd.Auth{Kind: kind, BearerToken: getenv(p + "BEARER_TOKEN"),
			CertFile: getenv(p + "CERT_FILE"), KeyFile: getenv(p + "KEY_FILE"), CAFile: getenv(p + "CA_FILE")}
		switch kind {
		case pdnd.KindNone, pdnd.KindMTLS:
		case pdnd.KindBearer:
			if sc.Auth.BearerToken == "" {
				errs = append(errs, fmt.Errorf("%sBEARER_TOKEN: required with %sAUTH=bearer", p, p))
			}
		case pdnd.KindPDND:
			usesPDND = true
			sc.Auth.PDND = pd
			sc.Auth.PDND.PurposeID = getenv(p + "PURPOSE_ID")
			sc.Auth.PDND.Audience = getenv(p + "AUDIENCE")
			sc.Auth.PDND.Audit = strings.ToUpper(strings.TrimSpace(getenv(p + "AUDIT_PATTERN")))
			sc.Auth.PDND.ResponseKeyFile = strings.TrimSpace(getenv(p + "RESPONSE_KEY_FILE"))
			sc.Auth.PDND.ResponseJWKSURL = strings.TrimSpace(getenv(p + "RESPONSE_JWKS_URL"))
			sc.Auth.PDND.ResponseIssuer = strings.TrimSpace(getenv(p + "RESPONSE_ISSUER"))
			for _, need := range []struct{ key, v string }{
				{"PONTE_PDND_CLIENT_ID", pd.ClientID}, {"PONTE_PDND_KEY_ID", pd.KeyID}, {"PONTE_PDND_KEY_FILE", pd.KeyFile},
				{p + "PURPOSE_ID", sc.Auth.PDND.PurposeID}, {p + "AUDIENCE", sc.Auth.PDND.Audience},
			} {
				if strings.TrimSpace(need.v) == "" {
					errs = append(errs, fmt.Errorf("%s: required with %sAUTH=pdnd", need.key, p))
				}
			}
			switch a := sc.Auth.PDND.Audit; a {
			case "", pdnd.AuditREST01, pdnd.AuditREST02:
			default:
				errs = append(errs, fmt.Errorf("%sAUDIT_PATTERN: %q: want %s or %s", p, a, pdnd.AuditREST02, pdnd.AuditREST01))
			}
			if sc.Auth.PDND.ResponseKeyFile != "" && sc.Auth.PDND.ResponseJWKSURL != "" {
				errs = append(errs, fmt.Errorf("%sRESPONSE_KEY_FILE and %sRESPONSE_JWKS_URL: set one, not both", p, p))
			}
		default:
			errs = append(errs, fmt.Errorf("%sAUTH: %q: want none, bearer, mtls or pdnd", p, kind))
		}
		if kind != pdnd.KindPDND {
			for _, v := range []string{"RESPONSE_KEY_FILE", "RESPONSE_JWKS_URL", "AUDIT_PATTERN"} {
				if strings.TrimSpace(getenv(p+v)) != "" {
					errs = append(errs, fmt.Errorf("%s%s: only used with %sAUTH=pdnd", p, v, p))
				}
			}
		}
		cfg.Sources[src] = sc
	}
	if usesPDND {
		// A scheduled sync has nobody at the keyboard: the tracking evidence must name the
		// person accountable for it, not an account that exists nowhere.
		if pd.SystemUserID == "" {
			errs = append(errs, errors.New("PONTE_PDND_SYSTEM_USER_ID: required with AUTH=pdnd: the operator named in the tracking evidence of unattended syncs"))
		}
		if pd.SystemUserLoA == "" {
			errs = append(errs, errors.New("PONTE_PDND_SYSTEM_USER_LOA: required with AUTH=pdnd: how that operator authenticates (low, substantial or high)"))
		}
		errs = append(errs, pdndErrs...)
	}
	if len(errs) > 0 {
		return cfg, errors.Join(errs...)
	}
	return cfg.withDefaults()
}

func envOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// Connectors are the clients of the configured registries; a nil one is not configured.
type Connectors struct {
	Benefits *benefits.Client
	Labour   *labour.Client
	School   *school.Client
}

// NewConnectors builds a client per configured source, each with its authentication
// over base (a pooled transport when nil).
func NewConnectors(cfg Config, base http.RoundTripper) (*Connectors, error) {
	c := &Connectors{}
	for name, sc := range cfg.Sources {
		rt, err := sc.Auth.Transport(base)
		if err != nil {
			return nil, fmt.Errorf("syncjob: source %s: %w", name, err)
		}
		cc := sc.Client
		if cc.Source == "" {
			cc.Source = name
		}
		hc, err := client.New(cc, client.WithTransport(rt))
		if err != nil {
			return nil, fmt.Errorf("syncjob: source %s: %w", name, err)
		}
		switch name {
		case benefits.Source:
			c.Benefits = benefits.New(hc)
		case labour.Source:
			c.Labour = labour.New(hc)
		case school.Source:
			c.School = school.New(hc)
		default:
			return nil, fmt.Errorf("syncjob: unknown source %q", name)
		}
	}
	return c, nil
}

// Client returns the HTTP client of a source, nil when it is not configured.
func (c *Connectors) Client(source string) *client.Client {
	switch {
	case source == benefits.Source && c.Benefits != nil:
		return c.Benefits.HTTP()
	case source == labour.Source && c.Labour != nil:
		return c.Labour.HTTP()
	case source == school.Source && c.School != nil:
		return c.School.HTTP()
	}
	return nil
}

// Clients returns every configured source's client, for metrics.
func (c *Connectors) Clients() []*client.Client {
	var out []*client.Client
	for _, s := range Sources {
		if hc := c.Client(s); hc != nil {
			out = append(out, hc)
		}
	}
	return out
}

// ErrNotConfigured means a source was asked for that has no configuration.
var ErrNotConfigured = errors.New("registry source not configured")
