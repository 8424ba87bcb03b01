package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/internal/demo"
	"github.com/ponte-hub/ponte/internal/pgtest"
	"github.com/ponte-hub/ponte/internal/store"
)

// benchmarkLoad loads the demo with scale synthetic participants into a fresh database per
// iteration and reports the load's throughput. Run with -benchtime=1x for one load.
func benchmarkLoad(b *testing.B, scale int) {
	var rows int
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		pool := pgtest.Pool(b)
		st := store.New(pool)
		b.StartTimer()
		began := time.Now()
		sum, err := demo.Load(context.Background(), st, demo.Options{Scale: scale}, nil)
		elapsed += time.Since(began)
		require.NoError(b, err)
		require.Equal(b, scale, sum.ScaleParticipants)
		rows += sum.TotalRows()
		b.StopTimer()
		pool.Close()
		b.StartTimer()
	}
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/load")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/load")
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
}

func BenchmarkLoadDemo(b *testing.B) { benchmarkLoad(b, 0) }

func BenchmarkLoadScale100k(b *testing.B) { benchmarkLoad(b, 100_000) }
