package redisbroker

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heraldhq/herald/server"
)

// Follow is the node's one reader loop: XREAD BLOCK from the last delivered id, a batch at a
// time, on a connection of its own (never one per subscriber). When Redis is unreachable it
// marks the broker unhealthy, waits with capped, jittered exponential backoff and resumes
// from the last id it delivered, so nothing Redis accepted is skipped or sent twice.
func (b *Broker) Follow(ctx context.Context, after server.ID, deliver func([]server.Event)) error {
	ro := *b.ropts
	ro.PoolSize, ro.MinIdleConns, ro.MaxIdleConns = 1, 0, 1
	rc := redis.NewClient(&ro)
	// Closing the client is what interrupts a blocked XREAD when ctx ends, so the loop
	// returns at once instead of after the block time.
	stop := context.AfterFunc(ctx, func() { _ = rc.Close() })
	defer func() {
		if stop() {
			_ = rc.Close()
		}
	}()

	b.setFollowing(1)
	defer b.setFollowing(-1)
	last := after
	checkLoss := true // after a (re)connect, or when the loop lags a full batch behind
	reported := false // a loss after `last` was already delivered as a marker
	var backoff time.Duration
	for ctx.Err() == nil {
		if checkLoss {
			next, lost, err := b.checkLoss(ctx, rc, last)
			if err != nil {
				if !b.wait(ctx, &backoff, err) {
					break
				}
				continue
			}
			if lost && !reported {
				deliver([]server.Event{server.LossMarker(next, "trimmed")})
				reported = true
			}
			// Redis answered: healthy again before the (blocking) read, not after it.
			b.setUp(last)
			checkLoss = false
		}
		res, err := rc.XRead(ctx, &redis.XReadArgs{
			Streams: []string{b.opts.Stream},
			ID:      last.String(),
			Count:   defaultBatch,
			Block:   defaultBlock,
		}).Result()
		if errors.Is(err, redis.Nil) { // the block time passed without new entries
			b.setUp(last)
			backoff = 0
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			checkLoss = true
			if !b.wait(ctx, &backoff, b.describe("reading the stream (XREAD) failed", err)) {
				break
			}
			continue
		}
		b.setUp(last)
		backoff = 0
		for _, s := range res {
			evs, derr := b.decode(last, s.Messages)
			for _, e := range evs {
				if e.Channel == server.LossChannel {
					b.log.Error("the redis stream was lost and re-created (redis restarted without persistence, or flushed); events stored before that which this node had not read are gone, and its subscribers get herald.gap",
						"stream", b.opts.Stream, "last_read", last.String(), "recreated_at", e.ID.String(),
						"fix", "run redis-server with appendonly yes")
				}
			}
			if len(s.Messages) > 0 {
				// Advance past every entry read, also one decode skipped, so a foreign
				// entry cannot stall the loop.
				if id, perr := server.ParseID(s.Messages[len(s.Messages)-1].ID); perr == nil {
					last, reported = id, false
				}
			}
			if len(evs) > 0 {
				deliver(evs)
			}
			b.advanceRead(last)
			if derr != nil {
				b.log.Error("redis reader loop: undecodable stream entry", "err", derr)
			}
			checkLoss = len(s.Messages) >= defaultBatch
		}
	}
	return ctx.Err()
}

// checkLoss reports whether entries newer than last were trimmed before this node read
// them (it was cut off from Redis, or lagged more than MAXLEN behind), and the oldest id
// still kept. Those events cannot be delivered any more: the caller hands the hub a loss
// marker, and this logs it.
func (b *Broker) checkLoss(ctx context.Context, rc *redis.Client, last server.ID) (next server.ID, lost bool, err error) {
	info, exists, err := b.info(ctx, rc)
	if err != nil || !exists || !info.lostAfter(last) {
		return server.ID{}, false, err
	}
	next = info.first
	if next.IsZero() { // nothing kept: whatever comes next is newer than last-generated
		next = info.last
	}
	b.log.Error("redis stream entries were trimmed before this node read them; subscribers of this node get herald.gap",
		"stream", b.opts.Stream, "last_read", last.String(), "oldest_kept", info.first.String(),
		"max_len", b.opts.MaxLen, "fix", "keep more events in the stream (a larger max_len) or keep the node connected to Redis")
	return next, true, nil
}

// wait records the outage and sleeps the next backoff step; it reports false when ctx ended.
func (b *Broker) wait(ctx context.Context, backoff *time.Duration, err error) bool {
	b.setDown(err)
	switch {
	case *backoff == 0:
		*backoff = 50 * time.Millisecond
	case *backoff < b.opts.MaxBackoff:
		*backoff = min(2**backoff, b.opts.MaxBackoff)
	}
	// Full jitter in [backoff/2, backoff] so nodes that lost Redis together do not
	// reconnect in lockstep.
	d := *backoff/2 + rand.N(*backoff/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (b *Broker) setDown(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.readerErr == nil {
		b.downSince = time.Now()
		b.log.Warn("redis unreachable; subscribers stay connected, publishes answer 503, reader loop retrying", "err", err)
	}
	b.readerErr = err
}

func (b *Broker) setUp(last server.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.readerErr != nil {
		b.log.Info("redis reachable again; reader loop catching up", "from", last.String(),
			"down_for", time.Since(b.downSince).Round(time.Millisecond).String())
	}
	b.readerErr = nil
}
