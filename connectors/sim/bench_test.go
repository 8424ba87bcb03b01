package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/ponte-hub/ponte/connectors/benefits"
	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/sim"
)

// BenchmarkPullThroughPDND pulls 100,000 benefit cases through the full
// client (PDND voucher and tracking evidence, retries, breaker, rate
// limit at its default) from a registry failing 10% of requests.
func BenchmarkPullThroughPDND(b *testing.B) {
	const records = 100_000
	bundle := setup(b, setupOpts{
		dataset: sim.Dataset{Seed: 1, Synthetic: records},
		faults:  sim.Faults{Seed: 2, ErrorRate: 0.05, Rate429: 0.03, TruncateRate: 0.02},
	})
	cfg := client.DefaultConfig(benefits.Source, bundle.srv.URL)
	cfg.BackoffMin = 10 * time.Millisecond
	cfg.BackoffMax = 100 * time.Millisecond
	c, err := client.New(cfg, client.WithTransport(bundle.transport(b, nil, nil)))
	if err != nil {
		b.Fatal(err)
	}
	bc := benefits.New(c)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for range b.N {
		cursor := ""
		for {
			p, err := bc.ListBenefitCases(ctx, cursor, 1000)
			if err != nil {
				b.Fatal(err)
			}
			total += len(p.Raw)
			if !p.HasMore {
				break
			}
			cursor = p.NextCursor
		}
	}
	b.StopTimer()
	if total != records*b.N {
		b.Fatalf("pulled %d records, want %d", total, records*b.N)
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "records/s")
	m := c.Metrics()
	b.ReportMetric(float64(m.Retries)/float64(b.N), "retries/op")
}
