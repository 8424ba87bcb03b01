package server_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

type slowTracer struct {
	mu  sync.Mutex
	tot map[string]time.Duration
	n   map[string]int
}

type startKey struct{}

func (c *slowTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, startKey{}, [2]any{time.Now(), d.SQL})
}
func (c *slowTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	v, ok := ctx.Value(startKey{}).([2]any)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tot == nil {
		c.tot, c.n = map[string]time.Duration{}, map[string]int{}
	}
	sql := v[1].(string)
	c.tot[sql] += time.Since(v[0].(time.Time))
	c.n[sql]++
}
func (c *slowTracer) dump() {
	c.mu.Lock()
	defer c.mu.Unlock()
	type kv struct {
		s string
		d time.Duration
	}
	var all []kv
	for s, d := range c.tot {
		all = append(all, kv{s, d / time.Duration(c.n[s])})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d > all[j].d })
	for i, x := range all {
		if i > 12 {
			break
		}
		q := x.s
		if len(q) > 700 {
			q = q[:700]
		}
		fmt.Fprintf(os.Stderr, "%8.2fms x%d %s\n\n", float64(x.d.Microseconds())/1000, c.n[x.s], q)
	}
}

var debugTracer = &slowTracer{}
