// Package simulate runs the simulated registries (connectors/sim) in this process for the
// demo and the tests, with the sync configuration that points the connectors at them, and
// reads the hub's persons for them. The production sync code does not import it.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

// Options configure the in-process registry simulators.
type Options struct {
	// Persons get registry records derived from their tax code and household.
	Persons []sim.Person
	// Synthetic adds that many generated records to every collection.
	Synthetic int
	Seed      int64
	Faults    sim.Faults
	// AsOf is the registries' "today" (default the simulator's).
	AsOf time.Time
	// Addr is the loopback address to listen on (default 127.0.0.1:0, any free port).
	Addr string
	// SyncInterval and MaxAge go into the configuration returned (defaults 6h and 24h).
	SyncInterval time.Duration
	MaxAge       time.Duration
	// Now is the registries' clock, for vouchers (default time.Now).
	Now func() time.Time
	// Wrap, when set, wraps the simulator's handler: outages, slowness or counting
	// in front of it.
	Wrap func(http.Handler) http.Handler
}

// Simulator is the simulated registries running in this process, with the connector
// configuration that points at them.
type Simulator struct {
	// Server is the simulator itself, for its counters and fault predictions.
	Server *sim.Server
	// URL is the base URL of every registry and of the PDND token endpoint.
	URL string
	// Config has the three sources pointing at URL with PDND authentication, signed
	// with a key pair generated for this simulator, verifying the simulator's signed
	// responses against its published keys.
	Config syncjob.Config
	hs     *http.Server
	errc   chan error
}

// The simulators' PDND identity, and the operator their unattended syncs are made for.
const (
	ClientID      = "ponte-demo"
	UserLocation  = "ponte-demo"
	SystemUserID  = "ponte-demo-sync-operator"
	SystemUserLoA = "substantial"
)

// Start starts the simulated registries on a loopback port, behind a PDND
// token endpoint that knows a freshly generated key, and returns the configuration
// that makes the connectors use them. Close stops them.
func Start(ctx context.Context, opts Options) (*Simulator, error) {
	key, err := pdnd.GenerateKey()
	if err != nil {
		return nil, err
	}
	kid := pdnd.Thumbprint(&key.PublicKey)
	purposes := map[string]string{}
	var allowed []string
	for _, src := range syncjob.Sources {
		purposes[src] = "purpose-" + src
		allowed = append(allowed, purposes[src])
	}
	srv, err := sim.New(sim.Options{
		Dataset: sim.Dataset{Seed: opts.Seed, Persons: opts.Persons, Synthetic: opts.Synthetic, AsOf: opts.AsOf},
		Faults:  opts.Faults,
		Auth:    sim.Auth{ClientID: ClientID, KeyID: kid, PublicKey: &key.PublicKey, PurposeIDs: allowed},
		Now:     opts.Now,
	})
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simulate: listen on %s: %w", addr, err)
	}
	var h http.Handler = srv
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s := &Simulator{Server: srv, URL: "http://" + ln.Addr().String(), errc: make(chan error, 1),
		hs: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { s.errc <- s.hs.Serve(ln) }()

	s.Config = syncjob.Config{Sources: map[string]syncjob.SourceConfig{}}
	for _, src := range syncjob.Sources {
		cc := client.DefaultConfig(src, s.URL)
		cc.RateLimit = 0 // loopback: nothing to protect
		s.Config.Sources[src] = syncjob.SourceConfig{
			Client: cc,
			Auth: pdnd.Auth{Kind: pdnd.KindPDND, PDND: pdnd.Config{
				TokenURL: s.URL + "/token.oauth2", ClientID: ClientID, KeyID: kid, PurposeID: purposes[src],
				PrivateKey: key, Audience: sim.DefaultAudience, UserLocation: UserLocation,
				SystemUserID: SystemUserID, SystemUserLoA: SystemUserLoA,
				ResponseJWKSURL: s.URL + sim.PathJWKS, ResponseIssuer: srv.ProviderID(),
			}},
			MaxAge:       opts.MaxAge,
			SyncInterval: opts.SyncInterval,
		}
	}
	return s, nil
}

// Close stops the simulators: requests in flight get two seconds, then every connection
// is closed (a client may hold one it dialled and never used, which Shutdown would wait on).
func (s *Simulator) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		if cerr := s.hs.Close(); cerr != nil {
			return fmt.Errorf("simulate: stop: %w", errors.Join(err, cerr))
		}
	}
	if err := <-s.errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("simulate: %w", err)
	}
	return nil
}

// belfiore is a municipality code the registries accept; other residence spellings are
// left for the simulator to derive from the tax code.
var belfiore = regexp.MustCompile(`^[A-Z][0-9]{3}$`)

// relationshipLabels are the registries' words for the hub's relationships to the head.
var relationshipLabels = map[string]string{
	"HEAD": "intestatario", "SPOUSE": "coniuge", "PARTNER": "convivente", "CHILD": "figlio", "PARENT": "genitore",
	"SIBLING": "fratello", "GRANDCHILD": "nipote", "GRANDPARENT": "nonno", "OTHER_RELATIVE": "parente", "OTHER": "altro",
}

// Persons reads the hub's persons with their current household, as the simulators
// take them, so the simulated registries hold records about the same people. limit
// bounds how many are read (the first registered; 0 for all): the simulators keep every
// record derived from them in memory. Persons with an invalid tax code are left out.
func Persons(ctx context.Context, st *store.Store, limit int) ([]sim.Person, error) {
	if limit < 0 {
		return nil, fmt.Errorf("simulate: persons: limit %d is negative", limit)
	}
	var rows []registrydata.Person
	err := st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		rows, err = registrydata.Persons(ctx, tx, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]sim.Person, 0, len(rows))
	for _, r := range rows {
		if _, err := codicefiscale.Parse(r.TaxCode); err != nil {
			continue // no registry knows a person by an invalid tax code
		}
		p := sim.Person{TaxCode: r.TaxCode, HouseholdID: r.HouseholdID, Relationship: relationshipLabels[r.Relationship]}
		if r.BirthDate != nil {
			p.BirthDate = r.BirthDate.Format(time.DateOnly)
		}
		if belfiore.MatchString(r.ResidenceMunicipality) {
			p.Municipality = r.ResidenceMunicipality
		}
		out = append(out, p)
	}
	return out, nil
}
