package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/server/refuse"
	"github.com/heraldhq/herald/server/wire"
)

// writeChunk is the most bytes a subscriber sends in one write; a writer that has more
// loops. It bounds the buffer a slow subscriber holds while its write blocks.
const writeChunk = 32 << 10

// bufPool holds write buffers. A subscriber takes one only while it has something to send,
// so idle streams hold no buffer at all.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, writeChunk+4096); return &b }}

var keepAliveBytes = []byte(":\n")

// subscriber is one open event stream: a cursor into the hub's ring.
type subscriber struct {
	h  *Hub
	id string
	g  *group
	m  matcher
	w  streamWriter // set under registry.mu (closeAll reads it from another goroutine)

	pos        uint64 // next ring position to send
	replayEnd  uint64 // ring head when the stream opened: positions below it are replays
	skip       ID     // after a broker replay past the ring head: ring events up to skip were sent
	from       ID     // the client's last id, outside the ring: replay asks the broker after it
	fromBroker bool   // from is set

	// Kick-driven writing (writer.go), for hijacked streams.
	state     atomic.Int32 // wNone, wIdle, wRunning, wRerun, wDone
	keepAlive atomic.Bool  // a keep-alive is due
	first     []byte       // the preamble, sent by the first step
	ip        string       // the client's address, for the per-IP count
	idx       int          // index in g.members (registry.mu)
}

// streamWriter is where a subscriber's bytes go.
type streamWriter interface {
	// write sends b (and flushes it) or fails within the write timeout.
	write(b []byte) error
	// gone is closed when the client is known to have left (nil when only a failed write
	// or the hub's departure probe can tell).
	gone() <-chan struct{}
	// departed reports whether the hub's departure probe found the client gone (the probe
	// then closed the connection and woke the stream's group).
	departed() bool
	close()
}

// run sends first, then everything the subscriber's channels receive, until the client
// leaves, a write fails or times out, or the hub shuts down. It returns why it stopped.
func (s *subscriber) run(first []byte) string {
	defer s.w.close()
	h := s.h
	prefix := first
	for {
		if s.w.departed() {
			return "client left"
		}
		// Load the wake-ups before reading the ring, so an append in between is not missed.
		wake := *s.g.wake.Load()
		ka := *h.keepAlive.Load()
		more, err := s.flush(prefix)
		prefix = nil
		if err != nil {
			return s.failed(err)
		}
		if more {
			continue
		}
		select {
		case <-wake:
		case <-ka:
			prefix = keepAliveBytes
		case <-h.shutdown:
			return s.leave()
		case <-s.w.gone():
			return "client left"
		}
	}
}

// leave sends what is still pending, a jittered retry: and herald.shutdown, then lets the
// stream close.
func (s *subscriber) leave() string {
	for range 1000 { // bounded: the ring holds at most History events
		more, err := s.flush(nil)
		if err != nil {
			return s.failed(err)
		}
		if !more {
			break
		}
	}
	// The retry is jittered per stream: with one fixed value every client of this node
	// would come back in the same instant.
	b := refuse.AppendNotice(nil, wire.EventShutdown, 0, "the hub is shutting down; reconnect in a moment", refuse.Jitter(s.h.cfg.Retry))
	if err := s.w.write(b); err != nil {
		return s.failed(err)
	}
	return "hub shutdown"
}

// failed counts a failed write and names it.
func (s *subscriber) failed(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		s.h.stats.cutOff.Add(1)
		s.h.log.Info("subscriber cut off: a write blocked longer than the write timeout", "conn", s.id, "timeout", s.h.cfg.Limits.WriteTimeout)
		return "cut off (write timeout)"
	}
	return "write failed: " + err.Error()
}

// flush writes prefix plus every event between the cursor and the ring's head that the
// subscriber's channels match, in one write (or several of writeChunk bytes). It reports
// whether it sent events, so the caller checks again before sleeping.
func (s *subscriber) flush(prefix []byte) (bool, error) {
	h := s.h
	bp := bufPool.Get().(*[]byte)
	buf := append((*bp)[:0], prefix...)
	defer func() { *bp = buf[:0]; bufPool.Put(bp) }()

	if !s.skip.IsZero() {
		if p, ok := h.ring.position(s.skip); ok {
			s.pos, s.skip = p, ID{}
		} else if _, base, _ := h.ring.bounds(); s.skip.Less(base) {
			// The ring moved past the replay's end before this node caught up to it.
			s.pos, s.skip = h.ring.tailPos(), ID{}
			h.stats.gaps.Add(1)
			buf = appendGap(buf, "slow", "", 0)
		} else {
			// This node's ring is still behind what the broker replayed: nothing new yet.
			return false, s.writeIf(buf)
		}
	}

	from := s.pos
	next, buf, n, lost, gaps := h.ring.read(s.pos, buf, writeChunk, s.m)
	if lost > 0 {
		// This subscriber fell behind the ring's tail: say so, then go on from the tail.
		h.stats.gaps.Add(1)
		h.stats.dropped.Add(lost)
		buf = appendGap(buf, "slow", "", lost)
		from = next
		next, buf, n, _, gaps = h.ring.read(next, buf, writeChunk, s.m)
	}
	if gaps > 0 {
		h.stats.gaps.Add(uint64(gaps))
	}
	s.pos = next
	if err := s.writeIf(buf); err != nil {
		return false, err
	}
	if n > 0 {
		if from < s.replayEnd {
			h.stats.replayed.Add(uint64(n))
		} else {
			h.stats.delivered.Add(uint64(n))
		}
	}
	return n > 0, nil
}

// writeIf writes buf unless it is empty.
func (s *subscriber) writeIf(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	return s.w.write(buf)
}

// hijacked writes straight to a taken-over HTTP/1.x connection. The response is
// close-delimited (no chunking), which every SSE client reads.
//
// Its write timeout is enforced by the hub's watchdog rather than a socket deadline per
// write: resetting a deadline costs a runtime timer update on every write of every
// stream, about a tenth of the CPU of steady fan-out. A write records when it began; the
// watchdog closes a connection whose write has been blocked for longer than the timeout.
type hijacked struct {
	conn    net.Conn
	timeout time.Duration
	header  []byte // the status line and headers, sent with the first write
	once    sync.Once
	since   atomic.Int64 // UnixNano when the write in progress began, 0 when none
	cut     atomic.Bool  // set by the watchdog before it closes the connection
	left    atomic.Bool  // set by the departure probe before it closes the connection
}

// errCutOff is a write ended by the watchdog; it counts as a write timeout.
var errCutOff = fmt.Errorf("the write blocked longer than the write timeout: %w", os.ErrDeadlineExceeded)

func (c *hijacked) write(b []byte) error {
	if c.header != nil {
		b = append(c.header, b...)
		c.header = nil
	}
	c.since.Store(time.Now().UnixNano())
	_, err := c.conn.Write(b)
	c.since.Store(0)
	if err != nil && c.cut.Load() {
		return errCutOff
	}
	return err
}

// stuck reports whether a write has been blocked since before deadline (UnixNano).
func (c *hijacked) stuck(deadline int64) bool {
	t := c.since.Load()
	return t != 0 && t < deadline
}

// cutOff closes the connection under a blocked write.
func (c *hijacked) cutOff() {
	c.cut.Store(true)
	c.close()
}

func (c *hijacked) gone() <-chan struct{} { return nil }

func (c *hijacked) departed() bool { return c.left.Load() }

func (c *hijacked) close() { c.once.Do(func() { c.conn.Close() }) }

// flushed writes through an http.ResponseWriter and flushes each write.
type flushed struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	ctx     context.Context
	timeout time.Duration
	mu      sync.Mutex
	closed  bool
}

func (f *flushed) write(b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return net.ErrClosed
	}
	_ = f.rc.SetWriteDeadline(time.Now().Add(f.timeout)) // unsupported by some writers
	if _, err := f.w.Write(b); err != nil {
		return err
	}
	return f.rc.Flush()
}

func (f *flushed) gone() <-chan struct{} { return f.ctx.Done() }

// departed is false: net/http watches the connection and ends ctx (gone) instead.
func (f *flushed) departed() bool { return false }

// close marks the stream closed; the handler's return ends the response.
func (f *flushed) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
}
