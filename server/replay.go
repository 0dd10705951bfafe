package server

import (
	"context"

	"github.com/heraldhq/herald/server/internal/fanout"
	"github.com/heraldhq/herald/server/wire"
)

// replayBatch is the most events asked of the broker at once (it may answer fewer: the
// Redis broker also bounds an answer by bytes).
const replayBatch = 1000

// replay sends pre and then the events the broker holds after `after` that the ring does
// not (or does not yet) have, and sets the stream's cursor where the ring takes over. It runs once
// the stream is registered (its limits checked) and open, and sends each broker answer
// before asking for the next, so a client that does not read holds one answer in memory
// (its write blocks until the write timeout cuts it off), never its whole history. A
// replay stops after --history events or --history-bytes bytes; the stream then goes on
// in the ring from where the broker was (herald.gap "slow" if the ring already moved on).
//
// It returns what is left to send, for the stream's writer, or the error of a write.
func (h *Hub) replay(ctx context.Context, s *fanout.Stream, after ID, pre []byte, lastID string) ([]byte, error) {
	events, bytes := h.cfg.History, h.cfg.HistoryBytes
	buf := pre
	gapSent := false
	for events > 0 && bytes > 0 {
		evs, gap, err := h.broker.Since(ctx, after, min(events, replayBatch))
		if err != nil {
			h.fan.Stats.Gaps.Add(1)
			s.MoveTo(h.fan.TailPos())
			return wire.AppendGap(buf, "unavailable", lastID, 0), nil
		}
		if gap && !gapSent {
			// What the broker still keeps after the id follows, oldest first.
			h.fan.Stats.Gaps.Add(1)
			buf = wire.AppendGap(buf, "trimmed", lastID, 0)
			gapSent = true
		}
		if len(evs) == 0 {
			if gap { // nothing kept after it: the ring's oldest is next
				s.MoveTo(h.fan.TailPos())
				return buf, nil
			}
			break
		}
		for i := range evs {
			if e := &evs[i]; s.Match(e.Channel) {
				n := len(buf)
				buf = wire.AppendEvent(buf, e.ID, e.Event, e.Data, e.Retry)
				bytes -= len(buf) - n
				h.fan.Stats.Replayed.Add(1)
			}
		}
		after = evs[len(evs)-1].ID
		events -= len(evs)
		if p, ok := h.fan.Position(after); ok {
			s.MoveTo(p)
			return buf, nil
		}
		if len(buf) > 0 {
			if err := s.Write(buf); err != nil {
				return nil, err
			}
			buf = buf[:0]
		}
	}
	// The broker is ahead of this node's ring (or a bound was hit): wait in the ring for
	// what comes after `after`.
	s.SkipTo(after)
	return buf, nil
}
