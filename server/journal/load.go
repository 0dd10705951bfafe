package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/wire"
)

// load reads every segment, cuts off a torn tail, and sets where the ids stand, which
// events are kept (within the current bounds, which may have been lowered since the last
// run) and the key index. Segments with no kept event are deleted.
func (j *Journal) load() error {
	dir := j.opts.Path
	nums, err := listSegments(dir)
	if err != nil {
		return damaged(dir, err.Error())
	}
	var prevLog server.ID
	for i, num := range nums {
		seg, ents, good, bad, err := scanSegment(dir, num, prevLog)
		if err != nil {
			return damaged(dir, err.Error())
		}
		lastSeg := i == len(nums)-1
		if seg == nil {
			// Cut short inside its header: the hub stopped while making it, so it holds
			// nothing. Only the newest segment can be in that state.
			if !lastSeg {
				return damaged(dir, bad.Error())
			}
			j.log.Warn("the history's newest segment was cut short while it was made; removing it", "path", dir, "segment", segName(num))
			if err := os.Remove(filepath.Join(dir, segName(num))); err != nil {
				return notWritable(dir, err)
			}
			break
		}
		j.segs = append(j.segs, seg)
		seg.size = good
		if bad != nil {
			// A torn tail: the power went (or the OS crashed) mid-write, before an fsync.
			// What follows the last whole record is cut off.
			if fi, err := seg.f.Stat(); err == nil {
				j.log.Warn("the history ends in a torn record (a power cut or OS crash while writing); cutting it off",
					"path", dir, "segment", segName(num), "err", bad, "bytes dropped", fi.Size()-good)
			}
			if err := seg.f.Truncate(good); err != nil {
				return notWritable(dir, err)
			}
			if !lastSeg {
				// Damage inside the log (possible only with fsync never): the events
				// between here and the next segment are gone. Everything up to here is
				// dropped too, so no replay runs silently across the hole; a resume from
				// before it gets a herald.gap.
				j.log.Warn("events in the middle of the history were lost; the events before them are dropped too", "path", dir, "segment", segName(num))
				j.idx, ents = j.idx[:0], nil
			}
		}
		j.idx = append(j.idx, ents...)
		prevLog = seg.prev
		if len(ents) > 0 {
			prevLog = ents[len(ents)-1].id
		}
	}
	if len(j.segs) == 0 {
		origin := server.ID{Ms: wire.NowMs()}
		seg, err := createSegment(dir, 1, origin, j.opts.Fsync != FsyncNever)
		if err != nil {
			return notWritable(dir, err)
		}
		j.segs = append(j.segs, seg)
	}
	act := j.segs[len(j.segs)-1]
	j.active.Store(act)
	// base: the id before the oldest stored event, from that event's segment (after a
	// hole, the id before the segment after it); with none stored, the newest segment's
	// start, which is then also the newest id.
	j.last, j.base = act.prev, act.prev
	if len(j.idx) > 0 {
		j.last, j.base = j.idx[len(j.idx)-1].id, j.idx[0].seg.prev
	}
	if j.last.Less(act.prev) {
		j.last = act.prev
	}
	j.wlast = j.last
	for _, e := range j.idx {
		j.bytes += int(e.size)
		if e.key != "" {
			j.keys[e.key] = e.id
		}
	}
	dropped := j.trim()
	j.forget(dropped)
	return errors.Join(j.removeSegments(j.deadSegments()))
}

// keyedID is a trimmed event's idempotency key and id.
type keyedID struct {
	key string
	id  server.ID
}

// trim drops the oldest kept events until count and bytes are within the bounds (always
// keeping the newest), moving base to the last dropped id (mu held, or during load). It
// returns the keyed events it dropped, for the key index.
func (j *Journal) trim() []keyedID {
	var dropped []keyedID
	for len(j.idx)-j.head > 1 && (len(j.idx)-j.head > j.opts.MaxEvents || j.bytes > j.opts.MaxBytes) {
		e := &j.idx[j.head]
		if e.key != "" {
			dropped = append(dropped, keyedID{e.key, e.id})
		}
		j.bytes -= int(e.size)
		j.base = e.id
		*e = entry{}
		j.head++
	}
	if j.head > 1024 && j.head > len(j.idx)/2 {
		n := copy(j.idx, j.idx[j.head:])
		clear(j.idx[n:])
		j.idx, j.head = j.idx[:n], 0
	}
	return dropped
}

// forget drops the keys of trimmed events from the index (unless a newer event took the
// key over). Writer goroutine only.
func (j *Journal) forget(dropped []keyedID) {
	for _, d := range dropped {
		if j.keys[d.key] == d.id {
			delete(j.keys, d.key)
		}
	}
}

// deadSegments takes from j.segs the oldest segments that hold no kept event (never the
// active one), and returns them (mu held, or during load).
func (j *Journal) deadSegments() []*segment {
	n := 0
	for n < len(j.segs)-1 {
		s := j.segs[n]
		if j.head < len(j.idx) && j.idx[j.head].seg.num <= s.num {
			break // holds the oldest kept event
		}
		n++
	}
	dead := append([]*segment(nil), j.segs[:n]...)
	j.segs = j.segs[n:]
	return dead
}

// removeSegments closes and deletes segments, once no reader is in them.
func (j *Journal) removeSegments(dead []*segment) error {
	if len(dead) == 0 {
		return nil
	}
	j.segMu.Lock()
	defer j.segMu.Unlock()
	var errs []error
	for _, s := range dead {
		s.f.Close()
		if err := os.Remove(s.path); err != nil {
			errs = append(errs, fmt.Errorf("deleting the trimmed segment %s: %v", s.path, err))
		}
	}
	return errors.Join(errs...)
}
