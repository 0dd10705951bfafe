package server

// A hijacked stream has no goroutine while it has nothing to send: a parked goroutine costs
// its stack (4 KB), about two thirds of an idle stream's memory. Whatever gives a stream
// something to do (an event on its channels, a keep-alive, shutdown, its client leaving)
// kicks it: the kick starts a goroutine that writes until nothing is pending and exits.
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

// work writes until nothing is pending, then exits, unless a kick came meanwhile.
func (s *subscriber) work() {
	for {
		if reason, done := s.step(); done {
			s.state.Store(wDone)
			s.w.close()
			s.h.subs.remove(s, s.ip)
			s.h.log.Debug("subscriber left", "conn", s.id, "reason", reason)
			return
		}
		if s.state.CompareAndSwap(wRunning, wIdle) {
			return
		}
		s.state.Store(wRunning) // it was wRerun: look again
	}
}

// step sends everything pending (first bytes, a keep-alive, events); done reports that
// the stream ended, and why.
func (s *subscriber) step() (reason string, done bool) {
	if s.w.departed() {
		return "client left", true
	}
	select {
	case <-s.h.shutdown:
		return s.leave(), true
	default:
	}
	prefix := s.first
	s.first = nil
	if s.keepAlive.Swap(false) && prefix == nil {
		prefix = keepAliveBytes
	}
	for {
		more, err := s.flush(prefix)
		prefix = nil
		if err != nil {
			return s.failed(err), true
		}
		if !more {
			return "", false
		}
	}
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

// kickAll kicks every stream of g (registry.mu held).
func (g *group) kickAll() {
	for _, s := range g.members {
		s.kick()
	}
}
