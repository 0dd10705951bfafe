package server

import "context"

// replayBatch is the most events asked of the broker at once (it may answer fewer: the
// Redis broker also bounds an answer by bytes).
const replayBatch = 1000

// replay sends pre and then the events the broker holds after s.from that the ring does
// not (or does not yet) have, and sets the cursor where the ring takes over. It runs once
// the stream is registered (its limits checked) and open, and sends each broker answer
// before asking for the next, so a client that does not read holds one answer in memory
// (its write blocks until the write timeout cuts it off), never its whole history. A
// replay stops after --history events or --history-bytes bytes; the stream then goes on
// in the ring from where the broker was (herald.gap "slow" if the ring already moved on).
//
// It returns what is left to send, for the stream's writer, or the error of a write.
func (s *subscriber) replay(ctx context.Context, pre []byte, lastID string) ([]byte, error) {
	h := s.h
	after := s.from
	events, bytes := h.cfg.History, h.cfg.HistoryBytes
	buf := pre
	gapSent := false
	for events > 0 && bytes > 0 {
		evs, gap, err := h.broker.Since(ctx, after, min(events, replayBatch))
		if err != nil {
			h.stats.gaps.Add(1)
			s.pos = h.ring.tailPos()
			return appendGap(buf, "unavailable", lastID, 0), nil
		}
		if gap && !gapSent {
			// What the broker still keeps after the id follows, oldest first.
			h.stats.gaps.Add(1)
			buf = appendGap(buf, "trimmed", lastID, 0)
			gapSent = true
		}
		if len(evs) == 0 {
			if gap { // nothing kept after it: the ring's oldest is next
				s.pos = h.ring.tailPos()
				return buf, nil
			}
			break
		}
		for i := range evs {
			if s.m.match(evs[i].Channel) {
				n := len(buf)
				buf = appendEvent(buf, &evs[i])
				bytes -= len(buf) - n
				h.stats.replayed.Add(1)
			}
		}
		after = evs[len(evs)-1].ID
		events -= len(evs)
		if p, ok := h.ring.position(after); ok {
			s.pos = p
			return buf, nil
		}
		if len(buf) > 0 {
			if err := s.w.write(buf); err != nil {
				return nil, err
			}
			buf = buf[:0]
		}
	}
	// The broker is ahead of this node's ring (or a bound was hit): wait in the ring for
	// what comes after `after`.
	s.pos = s.replayEnd
	s.skip = after
	return buf, nil
}
