package syncjob_test

import (
	"context"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/record"
	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/internal/syncjob/simulate"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var scopeAll = store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}

// env is one test's registries and database.
type env struct {
	opts     envOpts
	twinOnce sync.Once
	twinRefs map[syncjob.Collection][]string
	sim      *simulate.Simulator
	store    *store.Store
	pool     *pgxpool.Pool
	syncer   *syncjob.Syncer
	cfg      syncjob.Config
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
	// syncer adds options to the engine (its clock).
	syncer []syncjob.SyncerOption
}

// newEnv starts simulators and a fresh database, with a client tuned for tests: short
// backoffs, no rate limit, a tolerant breaker.
func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	ctx := context.Background()
	s, err := simulate.Start(ctx, simulate.Options{
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
	sy, err := syncjob.NewSyncer(st, conn, cfg, o.syncer...)
	require.NoError(t, err)
	require.NoError(t, sy.Configure(ctx))
	return &env{opts: o, sim: s, store: st, pool: pool, syncer: sy, cfg: cfg}
}

func (e *env) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func (e *env) state(t testing.TB, c syncjob.Collection) registrydata.SyncState {
	t.Helper()
	var s registrydata.SyncState
	require.NoError(t, e.store.InTx(context.Background(), scopeAll, func(tx *store.Tx) error {
		var err error
		s, err = registrydata.ReadSyncState(context.Background(), tx, c.Source, c.Name)
		return err
	}))
	return s
}

func (e *env) status(t testing.TB) map[string]registrydata.SourceStatus {
	t.Helper()
	var rows []registrydata.SourceStatus
	require.NoError(t, e.store.InTx(context.Background(), scopeAll, func(tx *store.Tx) error {
		var err error
		rows, err = registrydata.Status(context.Background(), tx)
		return err
	}))
	out := map[string]registrydata.SourceStatus{}
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

// expected counts what the simulator serves for a collection: distinct references among
// the records that decode (two generated records may share one, and are then one record
// of the registry), and the records broken on purpose. The references are read from a
// fault-free twin of the simulator.
func expected(t testing.TB, e *env, c syncjob.Collection) (good, broken int) {
	t.Helper()
	e.twinOnce.Do(func() {
		twin, err := simulate.Start(context.Background(), simulate.Options{
			Persons: e.opts.sim.Persons, Synthetic: e.opts.sim.Synthetic, Seed: e.opts.sim.Seed, AsOf: e.opts.sim.AsOf})
		require.NoError(t, err)
		defer func() { require.NoError(t, twin.Close()) }()
		conn, err := syncjob.NewConnectors(twin.Config, nil)
		require.NoError(t, err)
		e.twinRefs = map[syncjob.Collection][]string{}
		for _, coll := range syncjob.Collections() {
			e.twinRefs[coll] = listRefs(t, conn, coll)
		}
	})
	refs := e.twinRefs[c]
	require.Len(t, refs, e.sim.Server.Total(c.Name), "%s: the twin serves the same records", c)
	distinct := map[string]bool{}
	for i, ref := range refs {
		if e.sim.Server.Fault(c.Name, i).Breaks() {
			broken++
		} else {
			distinct[ref] = true
		}
	}
	return len(distinct), broken
}

// listRefs pages through a collection and returns every record's reference, in order.
func listRefs(t testing.TB, conn *syncjob.Connectors, c syncjob.Collection) []string {
	t.Helper()
	ctx := context.Background()
	var refs []string
	cursor := ""
	for {
		var raw []record.RawRecord
		var next string
		var more bool
		var err error
		switch c {
		case syncjob.BenefitCases:
			p, e := conn.Benefits.ListBenefitCases(ctx, cursor, record.MaxLimit)
			err = e
			if p != nil {
				raw, next, more = p.Raw, p.NextCursor, p.HasMore
			}
		case syncjob.ISEE:
			p, e := conn.Benefits.ListISEE(ctx, cursor, record.MaxLimit)
			err = e
			if p != nil {
				raw, next, more = p.Raw, p.NextCursor, p.HasMore
			}
		case syncjob.LabourStatus:
			p, e := conn.Labour.ListLabourStatus(ctx, cursor, record.MaxLimit)
			err = e
			if p != nil {
				raw, next, more = p.Raw, p.NextCursor, p.HasMore
			}
		case syncjob.EmploymentEvents:
			p, e := conn.Labour.ListEmploymentEvents(ctx, cursor, record.MaxLimit)
			err = e
			if p != nil {
				raw, next, more = p.Raw, p.NextCursor, p.HasMore
			}
		case syncjob.SchoolRecords:
			p, e := conn.School.ListSchoolRecords(ctx, cursor, record.MaxLimit)
			err = e
			if p != nil {
				raw, next, more = p.Raw, p.NextCursor, p.HasMore
			}
		}
		require.NoError(t, err)
		for _, r := range raw {
			refs = append(refs, r.SourceRef)
		}
		if !more {
			return refs
		}
		cursor = next
	}
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
