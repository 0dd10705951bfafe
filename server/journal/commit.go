package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/wire"
)

// request is one Publish waiting for the writer: its messages in, its events or error out.
type request struct {
	msgs []server.Message
	evs  []server.Event
	err  error
	done chan struct{}
}

// pending is a written batch waiting for the always policy's fsync.
type pending struct {
	seg   *segment
	batch []*request
}

var errClosed = errors.New("the hub's history is closed (the hub is stopping); publish again in a moment")

// Publish stores msgs in order, contiguously, and returns once they are written to the log
// and handed to the Follow loop (and, with FsyncAlways, on disk). Publishes that arrive
// while a write is running are stored together in the next one.
func (j *Journal) Publish(ctx context.Context, msgs []server.Message) ([]server.Event, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &request{msgs: msgs, done: make(chan struct{})}
	j.closeMu.RLock()
	if j.closed {
		j.closeMu.RUnlock()
		return nil, errClosed
	}
	j.reqs <- r
	j.closeMu.RUnlock()
	// Not bounded by ctx: once queued, the outcome is decided by the write (a moment),
	// and answering before it would leave the publisher unsure whether it was stored.
	<-r.done
	return r.evs, r.err
}

// writer is the one goroutine that writes: it takes every queued publish (up to
// maxCommitEvents), writes them in one go, hands the events to the Follow loop in id order
// and answers the publishers (or passes them to the syncer). It ends when Close has closed
// reqs and the last queued publish is stored.
func (j *Journal) writer() {
	defer close(j.written)
	var batch []*request
	for r := range j.reqs {
		batch = append(batch[:0], r)
		n := len(r.msgs)
	more:
		for n < maxCommitEvents {
			select {
			case r, ok := <-j.reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
				n += len(r.msgs)
			default:
				break more
			}
		}
		seg, ok := j.commit(batch, n)
		if ok && j.syncs != nil {
			// Answered by the syncer once an fsync covers the write; the writer goes on
			// with the next batch meanwhile (that is the group commit).
			j.syncs <- &pending{seg: seg, batch: append([]*request(nil), batch...)}
		} else {
			for _, r := range batch {
				close(r.done)
			}
		}
		clear(batch)
	}
}

// commit writes a batch in one write. On success each request gets its events and ok is
// true; on failure every request gets the error and nothing of the batch is stored (ids
// are not used up either). A message whose idempotency key an event in the log carries
// (stored before a restart, say, by a publish whose answer was lost) is not stored again:
// its event is the stored one.
func (j *Journal) commit(batch []*request, n int) (*segment, bool) {
	all := make([]server.Event, 0, n) // the new events, for the Follow loop
	ents := make([]entry, 0, n)
	var added map[string]server.ID // keys stored by this batch
	// Ids are "<ms of this write>-<seq>" (wire.ID.Next): newer than the last stored and,
	// with a clock that moved on, than any id given out before a power cut lost it.
	now := wire.NowMs()
	id := j.wlast
	buf := j.buf[:0]
	for _, r := range batch {
		r.evs = make([]server.Event, len(r.msgs))
		for i := range r.msgs {
			m := &r.msgs[i]
			if m.Key != "" {
				if old, ok := added[m.Key]; ok {
					r.evs[i] = server.Event{ID: old, Message: *m}
					continue
				}
				if old, ok := j.keys[m.Key]; ok {
					r.evs[i] = server.Event{ID: old, Message: *m}
					continue
				}
			}
			id = id.Next(now)
			at := len(buf)
			buf = appendFrame(buf, id, m)
			ents = append(ents, entry{id: id, off: int64(at), size: int32(len(buf) - at - frameSize), key: m.Key})
			r.evs[i] = server.Event{ID: id, Message: *m}
			all = append(all, r.evs[i])
			if m.Key != "" {
				if added == nil {
					added = map[string]server.ID{}
				}
				added[m.Key] = id
			}
		}
	}
	j.buf = buf[:0]
	seg := j.active.Load()
	if len(ents) == 0 {
		return seg, true // every message was stored before
	}
	err := j.write(&seg, buf)
	if err != nil {
		j.log.Error("writing events to the history failed; their publishes get 503", "path", j.opts.Path, "events", len(ents), "err", err)
		err = fmt.Errorf("writing the history %s failed: %v (is the disk full?)", j.opts.Path, err)
		j.mu.Lock()
		j.failed = err
		j.mu.Unlock()
		for _, r := range batch {
			r.evs, r.err = nil, err
		}
		return seg, false
	}
	for i := range ents {
		ents[i].seg = seg
		ents[i].off += seg.size - int64(len(buf))
	}
	for k, id := range added {
		j.keys[k] = id
	}
	j.wlast = id
	j.dirty.Store(true)
	j.mu.Lock()
	j.idx = append(j.idx, ents...)
	for _, e := range ents {
		j.bytes += int(e.size)
	}
	j.last, j.failed = id, nil
	dropped := j.trim()
	dead := j.deadSegments()
	if j.deliver != nil {
		j.deliver(all)
	}
	j.mu.Unlock()
	j.forget(dropped)
	if err := j.removeSegments(dead); err != nil {
		j.log.Warn("a trimmed segment of the history could not be deleted", "err", err)
	}
	return seg, true
}

// write appends buf to the active segment, first rolling over to a new one when it is
// full. A failed write is cut off again, so the log never holds half a batch.
func (j *Journal) write(seg **segment, buf []byte) error {
	s := *seg
	if s.size > headerSize && s.size+int64(len(buf)) > j.segTarget {
		next, err := j.roll(s)
		if err != nil {
			return err
		}
		s, *seg = next, next
	}
	if _, err := s.f.WriteAt(buf, s.size); err != nil {
		_ = s.f.Truncate(s.size)
		return err
	}
	s.size += int64(len(buf))
	return nil
}

// roll starts the next segment after s. With fsync always or interval, s is fsynced first
// (the syncers only sync the active segment), and the new file and its folder are too.
func (j *Journal) roll(s *segment) (*segment, error) {
	sync := j.opts.Fsync != FsyncNever
	if sync {
		if err := s.f.Sync(); err != nil {
			return nil, err
		}
	}
	next, err := createSegment(j.opts.Path, s.num+1, j.wlast, sync)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	j.segs = append(j.segs, next)
	j.mu.Unlock()
	j.active.Store(next)
	return next, nil
}

// syncer answers the always policy's publishers: it takes every written batch waiting,
// fsyncs the segment of the newest (older segments were fsynced when they were rolled
// over) and answers them all, so one fsync covers every publish written meanwhile.
func (j *Journal) syncer() {
	defer close(j.synced)
	var group []*pending
	for p := range j.syncs {
		group = append(group[:0], p)
	more:
		for {
			select {
			case p, ok := <-j.syncs:
				if !ok {
					break more
				}
				group = append(group, p)
			default:
				break more
			}
		}
		err := group[len(group)-1].seg.f.Sync()
		if errors.Is(err, os.ErrClosed) {
			err = nil // trimmed away (and so rolled over and fsynced) meanwhile
		}
		if err != nil {
			j.log.Error("fsync of the history failed; the publishes it covers get 503 (outcome unknown)", "path", j.opts.Path, "err", err)
			err = fmt.Errorf("%w: the events were written to the history %s and sent to subscribers, but the disk did not confirm them (fsync: %v)", server.ErrOutcomeUnknown, j.opts.Path, err)
			j.mu.Lock()
			j.failed = err
			j.mu.Unlock()
		}
		for _, p := range group {
			for _, r := range p.batch {
				if err != nil {
					r.err = err
				}
				close(r.done)
			}
		}
		clear(group)
	}
}

// intervalSyncer is the interval policy: every FsyncInterval, it fsyncs the active segment
// when something was written since the last time.
func (j *Journal) intervalSyncer() {
	defer close(j.ticked)
	t := time.NewTicker(j.opts.FsyncInterval)
	defer t.Stop()
	for {
		select {
		case <-j.stopTick:
			return
		case <-t.C:
		}
		if !j.dirty.Swap(false) {
			continue
		}
		if err := j.active.Load().f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
			j.log.Error("fsync of the history failed", "path", j.opts.Path, "err", err)
			j.mu.Lock()
			j.failed = fmt.Errorf("fsync of the history %s failed: %v", j.opts.Path, err)
			j.mu.Unlock()
		}
	}
}
