package fanout

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"github.com/heraldhq/herald/server/refuse"
	"github.com/heraldhq/herald/server/wire"
)

// writeChunk is the most bytes a stream sends in one write; a writer that has more loops.
// It bounds the buffer a slow stream holds while its write blocks.
const writeChunk = 32 << 10

// bufPool holds write buffers. A stream takes one only while it has something to send, so
// idle streams hold no buffer at all.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, writeChunk+4096); return &b }}

var keepAliveBytes = []byte(":\n")

// Stream is one subscriber: a cursor into the ring and, once served, its connection and
// writer (writer.go).
type Stream struct {
	f  *Fanout
	id string
	g  *group
	m  matcher
	w  streamWriter // set under registry.mu (closeAll reads it from another goroutine)

	pos       uint64 // next ring position to send
	replayEnd uint64 // ring head when the stream opened: positions below it are replays
	skip      ID     // after a broker replay past the ring head: ring events up to skip were sent
	liveDue   bool   // herald.live is still to be sent, once the cursor reaches replayEnd

	parked    bool         // the writer keeps its goroutine (HTTP/2): never kicked, never idle
	state     atomic.Int32 // wNone, wIdle, wRunning, wRerun, wDone (writer.go)
	keepAlive atomic.Bool  // a keep-alive is due
	first     []byte       // the preamble, sent by the first step
	ip        string       // the client's address, for the per-IP count
	idx       int          // index in g.members (registry.mu)
}

// leave sends what is still pending, a jittered retry: and herald.shutdown, then lets the
// stream close.
func (s *Stream) leave() string {
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
	b := refuse.AppendNotice(nil, wire.EventShutdown, 0, "the hub is shutting down; reconnect in a moment", refuse.Jitter(s.f.cfg.Retry))
	if err := s.w.write(b); err != nil {
		return s.failed(err)
	}
	return "hub shutdown"
}

// failed counts a failed write and names it.
func (s *Stream) failed(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		s.f.Stats.CutOff.Add(1)
		s.f.log.Info("subscriber cut off: a write blocked longer than the write timeout", "conn", s.id, "timeout", s.f.cfg.WriteTimeout)
		return "cut off (write timeout)"
	}
	return "write failed: " + err.Error()
}

// flush writes prefix plus every event between the cursor and the ring's head that the
// stream's channels match, in one write (or several of writeChunk bytes). It reports
// whether it sent events, so the caller checks again before sleeping.
func (s *Stream) flush(prefix []byte) (bool, error) {
	f := s.f
	bp := bufPool.Get().(*[]byte)
	buf := append((*bp)[:0], prefix...)
	defer func() { *bp = buf[:0]; bufPool.Put(bp) }()

	if !s.skip.IsZero() {
		if p, ok := f.ring.position(s.skip); ok {
			s.pos, s.skip = p, ID{}
		} else if _, base, _ := f.ring.bounds(); s.skip.Less(base) {
			// The ring moved past the replay's end before this node caught up to it.
			s.pos, s.skip = f.ring.tailPos(), ID{}
			f.Stats.Gaps.Add(1)
			buf = wire.AppendGap(buf, "slow", "", 0)
		} else {
			// This node's ring is still behind what the broker replayed: nothing new yet.
			// The broker's answer was the whole history, so what comes next is live.
			if s.liveDue {
				s.liveDue = false
				buf = wire.AppendControl(buf, wire.EventLive, "{}")
			}
			return false, s.writeIf(buf)
		}
	}

	from := s.pos
	end := ^uint64(0)
	if s.liveDue {
		end = s.replayEnd // this read stops where the replay ends, for herald.live
	}
	next, buf, n, lost, gaps := f.ring.readTo(s.pos, end, buf, writeChunk, s.m)
	if lost > 0 {
		// This stream fell behind the ring's tail: say so, then go on from the tail.
		f.Stats.Gaps.Add(1)
		f.Stats.Dropped.Add(lost)
		buf = wire.AppendGap(buf, "slow", "", lost)
		from = next
		next, buf, n, _, gaps = f.ring.readTo(next, end, buf, writeChunk, s.m)
	}
	if s.liveDue && next >= s.replayEnd {
		// Everything published before the stream opened is sent: what follows is live.
		s.liveDue = false
		buf = wire.AppendControl(buf, wire.EventLive, "{}")
	}
	if gaps > 0 {
		f.Stats.Gaps.Add(uint64(gaps))
	}
	s.pos = next
	if err := s.writeIf(buf); err != nil {
		return false, err
	}
	if n > 0 {
		if from < s.replayEnd {
			f.Stats.Replayed.Add(uint64(n))
		} else {
			f.Stats.Delivered.Add(uint64(n))
		}
	}
	return n > 0, nil
}

// writeIf writes buf unless it is empty.
func (s *Stream) writeIf(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	return s.w.write(buf)
}
