package fanout

import "time"

// departureEvery is how often the fan-out checks whether the clients of idle streams are
// still there. A hijacked stream has no reader, so without the check a client that left is
// only noticed at the stream's next write (up to a keep-alive later) and counts against the
// connection, per-IP and subscriber limits meanwhile. Each tick also fires reap: lingering
// writers that sent nothing for a whole period give up their goroutine (writer.go).
const departureEvery = 2 * time.Second

// SweepDeparted closes the hijacked streams whose client closed or reset its end and kicks
// their writers, so they end (and unregister) now instead of at their next write: one
// non-blocking peek per socket (see peekGone), no goroutine per connection. It returns how
// many it found. Run calls it every departureEvery.
func (f *Fanout) SweepDeparted() int {
	if !canPeek {
		return 0
	}
	r := &f.subs
	type entry struct {
		s  *Stream
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
