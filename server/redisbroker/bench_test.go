package redisbroker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
)

// payload64 is a 64-byte event, the size of the hub's fan-out scenario.
var payload64 = `{"symbol":"AAPL","price":187.42,"change":-1.25,"t":"12:00:00"}..`[:64]

// memoryNode is a hub in memory mode, the baseline the Redis numbers compare with.
func memoryNode(b *testing.B) *node {
	hub, err := server.New(server.Config{Key: testKey, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limits: server.Limits{MaxPerIP: 5000, MaxSubscribers: 5000}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(hub)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
		srv.Close()
	})
	return &node{hub: hub, url: srv.URL}
}

// BenchmarkPublish measures publishing through the hub's Go API, one event per call and in
// batches of 100, in memory mode and through Redis (one XADD round trip per call; a batch
// is one MULTI/EXEC).
func BenchmarkPublish(b *testing.B) {
	for _, mode := range []string{"memory", "redis"} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", mode, batch), func(b *testing.B) {
				var n *node
				if mode == "memory" {
					n = memoryNode(b)
				} else {
					n = startNode(b, startRedisFsync(b, "everysec"), 0, 100_000)
				}
				msgs := make([]server.Message, batch)
				for i := range msgs {
					msgs[i] = server.Message{Channel: "bench", Data: payload64}
				}
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := n.hub.Publish(ctx, msgs...); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkPublishParallel publishes one event per call from 16 goroutines through one
// node (memory and Redis), with and without idempotency keys: several publishers on one
// node must not be limited to one Redis round trip at a time.
func BenchmarkPublishParallel(b *testing.B) {
	for _, mode := range []string{"memory", "redis"} {
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/keyed=%v", mode, keyed), func(b *testing.B) {
				var n *node
				if mode == "memory" {
					n = memoryNode(b)
				} else {
					n = startNode(b, startRedisFsync(b, "everysec"), 0, 100_000)
				}
				var seq atomic.Uint64
				ctx := context.Background()
				b.SetParallelism(8) // x GOMAXPROCS goroutines
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					m := server.Message{Channel: "bench", Data: payload64}
					for pb.Next() {
						if keyed {
							m.Key = "k" + strconv.FormatUint(seq.Add(1), 10)
						}
						if _, err := n.hub.Publish(ctx, m); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkFanout is the hub's fan-out scenario (subscribers x events of 64 bytes, published
// one at a time as fast as the hub takes them) in memory mode on one node and through Redis
// with the subscribers split over two nodes. b.N is the number of events.
func BenchmarkFanout(b *testing.B) {
	const subs = 1000
	for _, mode := range []string{"memory", "redis-2-nodes"} {
		b.Run(fmt.Sprintf("%s/subs=%d", mode, subs), func(b *testing.B) {
			var nodes []*node
			if mode == "memory" {
				nodes = []*node{memoryNode(b)}
			} else {
				rs := startRedisFsync(b, "everysec")
				nodes = []*node{startNode(b, rs, 0, 100_000), startNode(b, rs, 0, 100_000)}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			streams := make([]*sse, subs)
			for i := range streams {
				streams[i] = openSSE(b, ctx, nodes[i%len(nodes)].url+"/events?channel=bench", "")
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failures []string
			b.ResetTimer()
			for _, s := range streams {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.take(b.N); err != nil {
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
					}
				}()
			}
			msg := server.Message{Channel: "bench", Data: payload64}
			for i := 0; i < b.N; i++ {
				if _, err := nodes[0].hub.Publish(ctx, msg); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
			b.StopTimer()
			if len(failures) > 0 {
				b.Fatalf("%d subscribers failed, e.g. %s", len(failures), strings.Join(failures[:1], ""))
			}
			b.ReportMetric(float64(subs*b.N)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
