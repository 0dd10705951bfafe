package fanout

import "runtime"

// Every stream has one writer loop (loop), in one of two modes:
//
//   - Kick-driven (hijacked HTTP/1.x streams): an idle stream holds no goroutine, since a
//     parked goroutine costs its stack (4 KB), about two thirds of an idle stream's memory.
//     Whatever gives it something to do (an event on its channels, a keep-alive, shutdown,
//     its client leaving) kicks it: the kick starts loop, which writes until nothing is
//     pending, lingers while events keep coming, and exits.
//   - Parked (streams through an http.ResponseWriter, HTTP/2): they must stay in their
//     handler, so loop runs there until the stream ends and is never kicked.

// Writer states (Stream.state).
const (
	wNone    int32 = iota // not kick-driven (not started yet, or parked)
	wIdle                 // no goroutine; the next kick starts one
	wRunning              // a goroutine is writing
	wRerun                // a goroutine is writing and was kicked: it looks again before exiting
	wDone                 // the stream ended
)

// kick makes sure the stream's writer looks at what is pending: it starts a goroutine when
// none runs, or tells the running one to look again. It never blocks (callers hold the
// registry lock).
func (s *Stream) kick() {
	for {
		switch s.state.Load() {
		case wIdle:
			if s.state.CompareAndSwap(wIdle, wRunning) {
				s.g.idle.Add(-1)
				go s.loop()
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

// loop writes what is pending. A parked stream loops until it ends. A kick-driven one that
// has just sent events lingers, waiting on its group's wake-up as a parked one does, until
// the next reap tick (every departureEvery): busy streams keep their goroutine and are woken
// by one channel close per group, while a stream idle for a whole reap period gives it up.
func (s *Stream) loop() {
	f := s.f
	linger := false
	for {
		if s.state.Load() == wRerun {
			s.state.Store(wRunning) // this pass looks at everything pending
		}
		// Load the wake-ups before reading the ring, so an append in between is not missed.
		wake, ka, reap := s.g.wake.wait(), f.keepAlive.wait(), f.reap.wait()
		if s.parked {
			reap = f.closing // a parked stream only needs to hear of shutdown
		}
		sent, reason, done := s.step()
		if done {
			s.end(reason)
			return
		}
		if sent {
			linger = true
			continue // more may be pending: look again with fresh wake-ups
		}
		if linger || s.parked {
			select {
			case <-wake:
				// Yield before writing: every writer of the group was woken at once, and
				// letting the others (and the publish handler) run first means this one
				// finds more events pending and sends them in one write. Measured from
				// outside (bench scenario o, docs/benchmarks.md): 1.3 -> 2.1-2.5
				// deliveries per write, about 0.55x the hub CPU per delivery.
				runtime.Gosched()
				continue
			case <-ka:
				s.keepAlive.Store(true)
				continue
			case <-s.w.gone():
				s.end("client left")
				return
			case <-reap: // also fired at shutdown (one shared channel fewer to wait on)
				select {
				case <-f.closing:
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
func (s *Stream) step() (sent bool, reason string, done bool) {
	if s.w.departed() {
		return false, "client left", true
	}
	select {
	case <-s.f.closing:
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

// end closes the stream and unregisters it.
func (s *Stream) end(reason string) {
	s.state.Store(wDone)
	s.w.close()
	s.f.subs.remove(s, s.ip)
	s.f.log.Debug("subscriber left", "conn", s.id, "reason", reason)
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
// are not touched: they loaded g.wake before reading the ring, so firing it reaches them
// (no write to their state, which would bounce its cache line between cores per event).
func (g *group) kickIdle() {
	if g.idle.Load() == 0 { // busy fan-out: every writer is running or lingering
		return
	}
	for _, s := range g.members {
		if s.state.Load() == wIdle && s.state.CompareAndSwap(wIdle, wRunning) {
			g.idle.Add(-1)
			go s.loop()
		}
	}
}
