package syncjob_test

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var scopeAll = store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}

// env is one test's registries and database.
type env struct {
	sim    *syncjob.Simulator
	store  *store.Store
	pool   *pgxpool.Pool
	syncer *syncjob.Syncer
	cfg    syncjob.Config
}

type envOpts struct {
	sim sim.Dataset
	// faults injected by the simulator.
	faults sim.Faults
	// wrap sits in front of the simulator.
	wrap func(http.Handler) http.Handler
	// simNow is the registries' clock.
	simNow func() time.Time
	// tune adjusts the configuration after the fast defaults.
	tune func(*syncjob.Config)
}

// newEnv starts simulators and a fresh database, with a client tuned for tests: short
// backoffs, no rate limit, a tolerant breaker.
func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	ctx := context.Background()
	s, err := syncjob.StartSimulators(ctx, syncjob.SimulatorOptions{
		Persons: o.sim.Persons, Synthetic: o.sim.Synthetic, Seed: o.sim.Seed, Faults: o.faults, AsOf: o.sim.AsOf,
		Wrap: o.wrap, Now: o.simNow,
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	cfg := s.Config
	cfg.PageSize = 100
	cfg.RetryBase, cfg.RetryMax = 50*time.Millisecond, 200*time.Millisecond
	for name, sc := range cfg.Sources {
		sc.Client.BackoffMin, sc.Client.BackoffMax = time.Millisecond, 5*time.Millisecond
		sc.Client.BreakerFailures = 50
		sc.Client.MaxRetryAfter = 5 * time.Second
		cfg.Sources[name] = sc
	}
	if o.tune != nil {
		o.tune(&cfg)
	}
	pool := pgtest.Pool(t)
	st := store.New(pool)
	conn, err := syncjob.NewConnectors(cfg, nil)
	require.NoError(t, err)
	sy, err := syncjob.NewSyncer(st, conn, cfg)
	require.NoError(t, err)
	require.NoError(t, sy.Configure(ctx))
	return &env{sim: s, store: st, pool: pool, syncer: sy, cfg: cfg}
}

func (e *env) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func (e *env) state(t testing.TB, c syncjob.Collection) store.SyncState {
	t.Helper()
	var s store.SyncState
	require.NoError(t, e.store.InTx(context.Background(), scopeAll, func(tx *store.Tx) error {
		var err error
		s, err = tx.SyncState(context.Background(), c.Source, c.Name)
		return err
	}))
	return s
}

func (e *env) status(t testing.TB) map[string]store.RegistrySourceStatus {
	t.Helper()
	var rows []store.RegistrySourceStatus
	require.NoError(t, e.store.InTx(context.Background(), scopeAll, func(tx *store.Tx) error {
		var err error
		rows, err = tx.RegistryStatus(context.Background(), syncjob.QueueName)
		return err
	}))
	out := map[string]store.RegistrySourceStatus{}
	for _, r := range rows {
		out[r.Source] = r
	}
	return out
}

// tables maps collections to their tables.
var tables = map[syncjob.Collection]string{
	syncjob.BenefitCases: "registry_benefit_cases", syncjob.ISEE: "registry_isee", syncjob.LabourStatus: "registry_labour_status",
	syncjob.EmploymentEvents: "registry_employment_events", syncjob.SchoolRecords: "registry_school_records",
}

// expected counts what the simulator serves for a collection: records that decode, and
// records broken on purpose.
func expected(s *sim.Server, c syncjob.Collection) (good, broken int) {
	for i := range s.Total(c.Name) {
		if s.Fault(c.Name, i).Breaks() {
			broken++
		} else {
			good++
		}
	}
	return good, broken
}

// gate answers 503 (or what fail says) for data requests while closed, and counts them.
type gate struct {
	closed   atomic.Bool
	requests atomic.Int64
	fail     func(w http.ResponseWriter)
}

func (g *gate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token.oauth2" {
			next.ServeHTTP(w, r)
			return
		}
		g.requests.Add(1)
		if g.closed.Load() {
			if g.fail != nil {
				g.fail(w)
				return
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":503,"code":"MAINTENANCE","detail":"registry down for maintenance"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
