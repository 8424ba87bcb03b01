package pdnd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/hashicorp/go-cleanhttp"
)

// Authentication kinds selectable per source.
const (
	KindNone   = "none"
	KindBearer = "bearer"
	KindMTLS   = "mtls"
	KindPDND   = "pdnd"
)

// Auth selects and configures how the hub authenticates to one source.
type Auth struct {
	Kind string `json:"kind"` // "none", "bearer", "mtls" or "pdnd"
	// BearerToken is sent as "Authorization: Bearer <token>" (kind bearer).
	BearerToken string `json:"bearer_token"`
	// Client certificate and key, and the CA that signs the source's
	// certificate (kind mtls; CAFile optional, system roots otherwise).
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`
	CAFile   string `json:"ca_file"`
	// PDND voucher and ModI settings (kind pdnd).
	PDND Config `json:"pdnd"`
}

// Transport wraps base (a pooled transport when nil) with the configured
// authentication.
func (a Auth) Transport(base http.RoundTripper) (http.RoundTripper, error) {
	if base == nil {
		base = cleanhttp.DefaultPooledTransport()
	}
	switch strings.ToLower(strings.TrimSpace(a.Kind)) {
	case "", KindNone:
		return base, nil
	case KindBearer:
		if strings.TrimSpace(a.BearerToken) == "" {
			return nil, errors.New("pdnd: auth bearer: bearer_token must not be empty")
		}
		return &bearerTransport{token: a.BearerToken, base: base}, nil
	case KindMTLS:
		ht, ok := base.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("pdnd: auth mtls: base transport is %T, need *http.Transport", base)
		}
		return MutualTLS(a.CertFile, a.KeyFile, a.CAFile, ht)
	case KindPDND:
		return NewTransport(a.PDND, base)
	}
	return nil, fmt.Errorf("pdnd: auth kind %q: want none, bearer, mtls or pdnd", a.Kind)
}

type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(out)
}

// MutualTLS returns a clone of base presenting the client certificate in
// certFile/keyFile and, when caFile is set, trusting only that CA.
func MutualTLS(certFile, keyFile, caFile string, base *http.Transport) (*http.Transport, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("pdnd: auth mtls: cert_file and key_file must both be set")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("pdnd: auth mtls: load client certificate %s: %w", certFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("pdnd: auth mtls: read CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("pdnd: auth mtls: %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	if base == nil {
		base = cleanhttp.DefaultPooledTransport()
	}
	t := base.Clone()
	t.TLSClientConfig = cfg
	return t, nil
}
