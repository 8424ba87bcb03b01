package syncjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// BenchmarkSyncThroughPDND syncs 100,000 simulated records (20,000 in each of the five
// collections) over loopback, through the PDND voucher and ModI headers, into PostgreSQL,
// with 10% of the requests failing (5xx, 429, truncated bodies) and 2% of the records
// broken. It reports records/s end to end and checks that no record was lost: every
// decodable record stored once, every broken one quarantined.
//
//	go test -run '^$' -bench SyncThroughPDND -benchtime 1x ./internal/syncjob/
func BenchmarkSyncThroughPDND(b *testing.B) {
	const perCollection = 20_000
	faults := sim.Faults{Seed: 2, ErrorRate: 0.05, Rate429: 0.03, TruncateRate: 0.02,
		MalformedRate: 0.01, MissingFieldRate: 0.01, UnknownFieldRate: 0.01}
	var elapsed time.Duration
	var records, lost, quarantined int
	var retries uint64
	for range b.N {
		b.StopTimer()
		e := newEnv(b, envOpts{sim: sim.Dataset{Seed: 1, Synthetic: perCollection}, faults: faults, tune: func(c *syncjob.Config) {
			c.PageSize = 1000
			for name, sc := range c.Sources {
				sc.Client.BackoffMin, sc.Client.BackoffMax = 10*time.Millisecond, 100*time.Millisecond
				sc.Client.RateLimit, sc.Client.RateBurst = 50, 10 // the client's default quota
				c.Sources[name] = sc
			}
		}})
		b.StartTimer()
		start := time.Now()
		sum, err := e.syncer.Sync(context.Background(), syncjob.Sources, syncjob.SyncOptions{})
		elapsed += time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		records += sum.Fetched
		for _, c := range syncjob.Collections() {
			good, broken := expected(b, e, c)
			stored := e.count(b, "SELECT count(*) FROM "+tables[c])
			q := e.count(b, "SELECT count(*) FROM registry_quarantine WHERE kind = $1", c.Kind)
			if good != stored || broken != q {
				b.Logf("%s: stored %d of %d, quarantined %d of %d", c, stored, good, q, broken)
			}
			lost += good - stored + broken - q
			quarantined += q
		}
		if total := 5 * perCollection; sum.Fetched != total {
			b.Fatalf("fetched %d records, want %d", sum.Fetched, total)
		}
		st := e.sim.Server.Stats()
		retries += uint64(st.ServerErrors + st.Throttled + st.Truncated)
	}
	if lost != 0 {
		b.Fatalf("%d records lost", lost)
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(lost)/float64(b.N), "lost/op")
	b.ReportMetric(float64(quarantined)/float64(b.N), "quarantined/op")
	b.ReportMetric(float64(retries)/float64(b.N), "failed-requests/op")
}
