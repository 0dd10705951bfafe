// Package fanout is the hub's fan-out: one ring of encoded events (the replay history and
// the fan-out buffer), the open streams grouped by subscription, and their writers. The hub
// appends each stored event once, encoded; every stream is a cursor into the ring whose
// writer sends everything between its cursor and the head in one write.
//
// The API is small: New and Run; Append, the reader loop's one call per batch; Subscribe,
// a stream at a position, and Serve, its connection; Shutdown; and the ring queries the
// hub's replay, idempotency and stats need.
//
// Files: ring.go (the ring), groups.go (streams grouped by subscription, and their
// wake-ups), stream.go (a stream's cursor and flush), writer.go (the one writer loop and its
// kick state machine), streamwriter.go (the two stream writers), departure.go and peek_*.go (the
// departure probe), signal.go (the close-and-replace wake-up).
package fanout

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// Config sizes the ring and times the streams. Zero fields are not defaulted here: the hub
// passes its own (defaulted) configuration.
type Config struct {
	// History and HistoryBytes bound the ring by events and by encoded bytes.
	History, HistoryBytes int
	// Start is the id just before the first event the ring will hold.
	Start ID
	// Unplaced says the broker could not tell Start yet: until SetStart, no id can be
	// placed in the ring (replays go to the broker and report a gap).
	Unplaced bool
	// KeepAlive is the interval of ":" comments on idle streams.
	KeepAlive time.Duration
	// WriteTimeout is how long one write may block before the stream is cut off.
	WriteTimeout time.Duration
	// Retry is the reconnection delay the shutdown notice jitters.
	Retry time.Duration
	// MaxSubscribers and MaxPerIP bound the open streams, in all and per client address.
	MaxSubscribers, MaxPerIP int
	Logger                   *slog.Logger
}

// Counters are the fan-out's running totals (the hub's Stats reads them).
type Counters struct {
	// Delivered counts live events written to streams, Replayed history events written to
	// reconnecting ones.
	Delivered, Replayed atomic.Uint64
	// Dropped counts ring positions slow streams skipped; Gaps the herald.gap events sent.
	Dropped, Gaps atomic.Uint64
	// CutOff counts streams closed after a write blocked beyond the write timeout.
	CutOff atomic.Uint64
}

// Fanout is one hub's ring and streams.
type Fanout struct {
	cfg Config
	// maxSubs and maxPerIP are Config's MaxSubscribers and MaxPerIP, changed by SetCaps.
	maxSubs, maxPerIP atomic.Int64
	log               *slog.Logger
	ring              *ring
	subs              registry

	keepAlive signal        // fired every KeepAlive
	reap      signal        // fired every departureEvery, and at shutdown: lingering writers exit
	appended  signal        // fired after each append that added events
	closing   chan struct{} // closed when Shutdown starts telling streams to leave
	shut      atomic.Bool

	// Stats are updated by the writers; the hub adds the replays it sends itself.
	Stats Counters
}

// New returns an empty fan-out after cfg.Start. Run its loops with Run.
func New(cfg Config) *Fanout {
	f := &Fanout{cfg: cfg, log: cfg.Logger, ring: newRing(cfg.History, cfg.HistoryBytes, cfg.Start), closing: make(chan struct{})}
	f.SetCaps(cfg.MaxSubscribers, cfg.MaxPerIP)
	if f.log == nil {
		f.log = slog.Default()
	}
	f.ring.known = !cfg.Unplaced
	f.subs.init()
	f.keepAlive.init()
	f.reap.init()
	f.appended.init()
	return f
}

// Run runs the keep-alive ticker, the write watchdog and the departure probe until ctx
// ends.
func (f *Fanout) Run(ctx context.Context) {
	ka := time.NewTicker(f.cfg.KeepAlive)
	defer ka.Stop()
	// The watchdog looks four times per write timeout (at most once a second), so a stuck
	// stream goes within 1.25 timeouts (or the timeout plus a second).
	timeout := f.cfg.WriteTimeout
	wd := time.NewTicker(min(max(timeout/4, 10*time.Millisecond), time.Second))
	defer wd.Stop()
	dep := time.NewTicker(departureEvery)
	defer dep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ka.C:
			f.keepAlive.fire()
			f.subs.pokeAll(true)
		case now := <-wd.C:
			f.subs.cutStuck(now.Add(-timeout).UnixNano())
		case <-dep.C:
			f.reap.fire()
			f.SweepDeparted()
		}
	}
}

// Append adds a batch of events in store order (see ring.append: ids not newer than the
// last are skipped) and wakes the streams whose channels they touch (all of them for a
// loss marker). It returns how many were added. Only one goroutine (the hub's reader loop)
// calls it.
func (f *Fanout) Append(slots []Slot) int {
	added := f.ring.append(slots)
	if added == 0 {
		return 0
	}
	loss := false
	for i := range slots {
		loss = loss || slots[i].Gap
	}
	if loss {
		f.subs.wakeAll()
	} else {
		f.subs.wake(slots)
	}
	f.appended.fire()
	return added
}

// Subscription says what a new stream reads and from where.
type Subscription struct {
	// ID names the stream in logs.
	ID string
	// Patterns are the channels and patterns, in Canonical form.
	Patterns []string
	// Allow, when set, filters the channels the patterns match (per-channel rights).
	Allow func(channel string) bool
	// IP is the client's address, for the per-IP limit.
	IP string
	// Pos is the ring position to read from; positions below ReplayEnd count as replays.
	Pos, ReplayEnd uint64
	// MarkLive sends herald.live once the stream has everything published before it
	// opened (the client resumes, so it is sent its history first).
	MarkLive bool
}

// Subscribe registers a stream: from now on it misses nothing published after sub.Pos. It
// fails with ErrFull or ErrTooManyFromIP, or ErrClosing after Shutdown began. Serve the
// stream (or Cancel it) next.
func (f *Fanout) Subscribe(sub Subscription) (*Stream, error) {
	if f.shut.Load() {
		return nil, ErrClosing
	}
	s := &Stream{f: f, id: sub.ID, ip: sub.IP, pos: sub.Pos, replayEnd: sub.ReplayEnd, liveDue: sub.MarkLive}
	g, err := f.subs.add(s, sub.Patterns, sub.IP, int(f.maxSubs.Load()), int(f.maxPerIP.Load()))
	if err != nil {
		return nil, err
	}
	s.m = g
	if sub.Allow != nil {
		s.m = filtered{g: g, allow: sub.Allow}
	}
	return s, nil
}

// SetCaps changes MaxSubscribers and MaxPerIP for the streams that subscribe from now on
// (a reload of the hub's settings); open streams stay, even when they are over the new caps.
func (f *Fanout) SetCaps(maxSubscribers, maxPerIP int) {
	f.maxSubs.Store(int64(maxSubscribers))
	f.maxPerIP.Store(int64(maxPerIP))
}

// Cancel unregisters a stream that will not be served.
func (s *Stream) Cancel() { s.f.subs.remove(s, s.ip) }

// Serve opens the stream's response on w and writes first (the preamble), then everything
// the stream's channels receive. When replay is set, it runs once the stream is registered
// and open, before its writer starts: it may write at once (Stream.Write) and place the
// cursor (MoveTo, SkipTo), and returns what is left to send first; its error ends the
// stream. A hijacked HTTP/1.x stream is then handed to kick-driven writing and Serve
// returns, so net/http drops this connection's request, response and bufio buffers (about
// 10 KB); otherwise Serve returns when the stream ends. The stream is unregistered when it
// ends (or when the response cannot start).
func (s *Stream) Serve(w http.ResponseWriter, r *http.Request, first []byte, replay func(s *Stream, first []byte) ([]byte, error)) {
	f := s.f
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	sw, err := f.open(w, r)
	if err != nil {
		f.log.Warn("cannot start event stream", "err", err, "client", s.ip)
		s.Cancel()
		return
	}
	f.subs.setWriter(s, sw)
	f.log.Debug("subscriber connected", "conn", s.id, "client", s.ip, "peer", r.RemoteAddr)
	if replay != nil {
		if first, err = replay(s, first); err != nil {
			s.end(s.failed(err))
			return
		}
	}
	s.first = first
	if _, ok := sw.(*hijacked); ok {
		s.state.Store(wRunning)
		go s.loop()
		return
	}
	s.parked = true
	s.loop()
}

// Match reports whether the stream receives events of channel (for a replay).
func (s *Stream) Match(channel string) bool { return s.m.match(channel) }

// Write sends b on the stream at once; only a replay (see Serve) may call it.
func (s *Stream) Write(b []byte) error { return s.w.write(b) }

// MoveTo sets the ring position the stream reads from next (for a replay).
func (s *Stream) MoveTo(pos uint64) { s.pos = pos }

// SkipTo makes the stream go on in the ring after id, which a replay sent from beyond the
// ring's head: it waits for the ring to catch up (herald.gap "slow" if the ring moved past
// id first).
func (s *Stream) SkipTo(id ID) { s.pos, s.skip = s.replayEnd, id }

// Shutdown tells every stream to leave: each gets what is pending, then herald.shutdown,
// and closes. It returns when all streams are closed, or when ctx ends (then it closes the
// rest at once and returns ctx's error). New subscriptions fail from now on.
func (f *Fanout) Shutdown(ctx context.Context) error {
	if f.shut.Swap(true) {
		return nil
	}
	close(f.closing)
	f.reap.fire() // lingering writers wait on reap, not on closing
	f.subs.pokeAll(false)
	err := f.subs.waitEmpty(ctx)
	if err != nil {
		f.subs.closeAll()
	}
	return err
}

// WaitAppended waits until the ring holds id (or a newer one), or ctx ends.
func (f *Fanout) WaitAppended(ctx context.Context, id ID) error {
	for {
		wait := f.appended.wait()
		if _, _, last := f.ring.bounds(); !last.Less(id) {
			return nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Bounds returns the ring's head position and its id range (base, last].
func (f *Fanout) Bounds() (head uint64, base, last ID) { return f.ring.bounds() }

// Position returns the ring position of the first event after `after`, or ok=false when the
// ring cannot tell what followed it (older than its tail, newer than its head, or not
// placed yet).
func (f *Fanout) Position(after ID) (pos uint64, ok bool) { return f.ring.position(after) }

// TailPos returns the position of the oldest kept event.
func (f *Fanout) TailPos() uint64 { return f.ring.tailPos() }

// SetStart places the empty ring right after id, once the broker could tell it.
func (f *Fanout) SetStart(id ID) { f.ring.setStart(id) }

// Placed reports whether the ring knows where it starts (see Config.Unplaced).
func (f *Fanout) Placed() bool {
	f.ring.mu.RLock()
	defer f.ring.mu.RUnlock()
	return f.ring.known
}

// Key returns the id of a kept event published with the idempotency key k.
func (f *Fanout) Key(k string) (ID, bool) { return f.ring.key(k) }

// History returns the number of kept events and their bytes.
func (f *Fanout) History() (events, bytes int) { return f.ring.stats() }

// Counts returns the number of open streams and, per subscribed channel or pattern, how
// many streams asked for it.
func (f *Fanout) Counts() (total int, channels map[string]int) { return f.subs.counts() }

// CloseAll closes every open stream's connection at once (as a network failure would).
func (f *Fanout) CloseAll() { f.subs.closeAll() }
