package server

// A hijacked stream has no goroutine while it is idle: a parked goroutine costs its stack
// (4 KB), about two thirds of an idle stream's memory. Whatever gives a stream something to
// do (an event on its channels, a keep-alive, shutdown, its client leaving) kicks it: the
// kick starts a goroutine that writes until nothing is pending, lingers while events keep
// coming (see work) and exits.
// Streams through an http.ResponseWriter (HTTP/2) must stay in their handler, so they keep
// a parked goroutine (subscriber.run) and are never kicked.

// Writer states (subscriber.state).
const (
	wNone    int32 = iota // not kick-driven (not started yet, or an HTTP/2 stream)
	wIdle                 // no goroutine; the next kick starts one
	wRunning              // a goroutine is writing
	wRerun                // a goroutine is writing and was kicked: it looks again before exiting
	wDone                 // the stream ended
)

// kick makes sure the stream's writer looks at what is pending: it starts a goroutine when
// none runs, or tells the running one to look again. It never blocks (callers hold the
// registry lock).
func (s *subscriber) kick() {
	for {
		switch s.state.Load() {
		case wIdle:
			if s.state.CompareAndSwap(wIdle, wRunning) {
				s.g.idle.Add(-1)
				go s.work()
				return
			}
		case wRunning:
			if s.state.CompareAndSwap(wRunning, wRerun) {
				return
			}
		default: // wNone, wRerun, wDone: nothing to do
			return
		}
	}
}

// start hands a registered, positioned stream with its first bytes to a writer goroutine.
func (s *subscriber) start(first []byte) {
	s.first = first
	s.state.Store(wRunning)
	go s.work()
}

// work writes until nothing is pending, then exits, unless a kick came meanwhile. A stream
// that has just sent events lingers first, parked on its group's wake-up as a stream in
// run is, until the hub's next reap tick (every departureEvery): busy streams keep their
// goroutine and are woken by one channel close per group, as cheaply as before, while a
// stream idle for a whole reap period gives it up.
func (s *subscriber) work() {
	h := s.h
	linger := false
	for {
		if s.state.Load() == wRerun {
			s.state.Store(wRunning) // this pass looks at everything pending
		}
		// Load the wake-ups before reading the ring, so an append in between is not missed.
		wake, ka, reap := *s.g.wake.Load(), *h.keepAlive.Load(), *h.reap.Load()
		sent, reason, done := s.step()
		if done {
			s.state.Store(wDone)
			s.w.close()
			h.subs.remove(s, s.ip)
			h.log.Debug("subscriber left", "conn", s.id, "reason", reason)
			return
		}
		if sent {
			linger = true
			continue // more may be pending: look again with fresh wake-ups
		}
		if linger {
			select {
			case <-wake:
				continue
			case <-ka:
				s.keepAlive.Store(true)
				continue
			case <-reap: // also closed at shutdown (one shared channel fewer to wait on)
				select {
				case <-h.shutdown:
					continue
				default:
				}
				linger = false
			}
		}
		if s.state.CompareAndSwap(wRunning, wIdle) {
			s.g.idle.Add(1)
			// Group wake-ups only start writers that are idle (kickIdle), so one that
			// came while this pass ran closed wake without a kick: look again, unless a
			// writer started meanwhile.
			select {
			case <-wake:
				if s.state.CompareAndSwap(wIdle, wRunning) {
					s.g.idle.Add(-1)
					continue
				}
			default:
			}
			return
		}
		// Kicked meanwhile (wRerun): look again.
	}
}

// step sends what is pending (first bytes, a keep-alive, events; at most one flush). It
// reports whether it sent events, and whether the stream ended and why.
func (s *subscriber) step() (sent bool, reason string, done bool) {
	if s.w.departed() {
		return false, "client left", true
	}
	select {
	case <-s.h.shutdown:
		return false, s.leave(), true
	default:
	}
	prefix := s.first
	s.first = nil
	if s.keepAlive.Load() && s.keepAlive.Swap(false) && prefix == nil {
		prefix = keepAliveBytes
	}
	// One flush per call: when it sent events, the caller reloads the wake-ups before the
	// next one (looping here would then sleep on a wake-up already spent, and wake once more
	// for nothing).
	sent, err := s.flush(prefix)
	if err != nil {
		return sent, s.failed(err), true
	}
	return sent, "", false
}

// pokeAll asks every kick-driven stream for a keep-alive (ka) or just to look (shutdown).
func (r *registry) pokeAll(ka bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for s := range r.live {
		if ka {
			s.keepAlive.Store(true)
		}
		s.kick()
	}
}

// kickIdle starts a writer for every idle stream of g (registry.mu held). Running writers
// are not touched: they loaded g.wake before reading the ring, so closing it reaches them
// (no write to their state, which would bounce its cache line between cores per event).
func (g *group) kickIdle() {
	if g.idle.Load() == 0 { // busy fan-out: every writer is running or lingering
		return
	}
	for _, s := range g.members {
		if s.state.Load() == wIdle && s.state.CompareAndSwap(wIdle, wRunning) {
			g.idle.Add(-1)
			go s.work()
		}
	}
}
