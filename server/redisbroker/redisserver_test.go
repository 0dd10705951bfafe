package redisbroker

import (
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/internal/redistest"
)

// redisServer is a real redis-server on a free loopback port (see internal/redistest).
type redisServer = redistest.Server

// startRedis starts a redis-server (appendfsync always) for this test.
func startRedis(t testing.TB) *redisServer { return redistest.Start(t) }

// startRedisFsync is startRedis with another appendfsync policy (benchmarks use "everysec").
func startRedisFsync(t testing.TB, fsync string) *redisServer {
	return redistest.StartFsync(t, fsync)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
