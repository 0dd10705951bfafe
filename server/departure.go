package server

import (
	"context"
	"time"
)

// departureEvery is how often the hub checks whether the clients of idle streams are still
// there. A hijacked stream has no reader, so without the check a client that left is only
// noticed at the stream's next write (up to a keep-alive later) and counts against the
// connection, per-IP and subscriber limits meanwhile.
const departureEvery = 2 * time.Second

// watchDepartures probes every hijacked stream's socket each departureEvery, without a
// goroutine per connection: one non-blocking peek per socket (see peekGone).
// Each tick also tells lingering writers (writer.go) that a reap period has passed.
func (h *Hub) watchDepartures(ctx context.Context) {
	t := time.NewTicker(departureEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c := make(chan struct{})
			close(*h.reap.Swap(&c))
			if canPeek {
				h.subs.sweepDeparted()
			}
		}
	}
}

// sweepDeparted closes the hijacked streams whose client closed or reset its end and kicks
// their writers, so they end (and unregister) now instead of at their next write. It
// returns how many it found.
func (r *registry) sweepDeparted() int {
	type entry struct {
		s  *subscriber
		hj *hijacked
	}
	r.mu.Lock()
	all := make([]entry, 0, len(r.live))
	for s := range r.live {
		if hj, ok := s.w.(*hijacked); ok {
			all = append(all, entry{s, hj})
		}
	}
	r.mu.Unlock()
	found := 0
	for _, e := range all {
		if e.hj.left.Load() || e.hj.since.Load() != 0 {
			continue // already found, or a write in progress (the watchdog's business)
		}
		if !peekGone(e.hj.conn) {
			continue
		}
		e.hj.left.Store(true)
		e.hj.close()
		e.s.kick()
		found++
	}
	return found
}
