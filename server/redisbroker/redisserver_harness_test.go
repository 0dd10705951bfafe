package redisbroker

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisServerKeepsAcknowledgedWrites checks the harness itself: a write Redis acknowledged
// survives SIGKILL and a restart on the same port, which the fault tests rely on.
func TestRedisServerKeepsAcknowledgedWrites(t *testing.T) {
	rs := startRedis(t)
	c := rs.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id, err := c.XAdd(ctx, &redis.XAddArgs{Stream: "harness", Values: []string{"d", "x"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	rs.Kill()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded with redis-server killed")
	}
	rs.Restart()
	msgs, err := c.XRange(ctx, "harness", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].ID != id {
		t.Fatalf("after restart the stream holds %v, want the one entry %s", msgs, id)
	}
}
