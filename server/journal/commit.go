package journal

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

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

var errClosed = errors.New("the hub's history file is closed (the hub is stopping); publish again in a moment")

// Publish stores msgs in order, contiguously, and returns once they are in the file (and
// on disk, unless Options.NoSync) and handed to the Follow loop. Publishes that arrive
// while a commit is running are stored together in the next one.
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
	// Not bounded by ctx: once queued, the outcome is decided by the commit (a moment),
	// and answering before it would leave the publisher unsure whether it was stored.
	<-r.done
	return r.evs, r.err
}

// writer is the one goroutine that writes: it takes every queued publish (up to
// maxCommitEvents), stores them in one transaction, hands the events to the Follow loop
// in id order and answers the publishers. It ends when Close has closed reqs and the last
// queued publish is stored.
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
		j.commit(batch, n)
		for i, r := range batch {
			close(r.done)
			batch[i] = nil
		}
	}
}

// commit stores a batch in one transaction. On success each request gets its events; on
// failure every request gets the error and nothing of the batch is stored (ids are not
// used up either). A message whose idempotency key an event in the file carries (stored
// before a restart, say, by a publish whose answer was lost) is not stored again: its
// event is the stored one.
func (j *Journal) commit(batch []*request, n int) {
	j.mu.Lock()
	last, base, count, bytes := j.last, j.base, j.count, j.bytes
	j.mu.Unlock()
	all := make([]server.Event, 0, n) // the new events, for the Follow loop
	var added map[string]server.ID    // keys stored by this commit
	var dropped []keyedID             // keyed events it trims
	var buf []byte
	err := j.db.Update(func(tx *bolt.Tx) error {
		all, added, dropped = all[:0], nil, nil
		id, cnt, byt, bs := last, count, bytes, base
		// Ids are "<ms of this commit>-<seq>" (wire.ID.Next): newer than the last stored,
		// and, with a clock that moved on, than the ids of any memory-mode run since.
		now := wire.NowMs()
		evs := tx.Bucket(bucketEvents)
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
				k := idKey(id)
				buf = encode(buf[:0], m)
				// bbolt keeps the slices until the commit: give it its own copy.
				v := append([]byte(nil), buf...)
				if err := evs.Put(k, v); err != nil {
					return err
				}
				cnt++
				byt += len(k) + len(v)
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
		if id == last {
			return nil // every message was stored before
		}
		if err := tx.Bucket(bucketMeta).Put(keyLast, idKey(id)); err != nil {
			return err
		}
		var err error
		if dropped, err = j.trim(tx, &cnt, &byt, &bs); err != nil {
			return err
		}
		last, count, bytes, base = id, cnt, byt, bs
		return nil
	})
	if err != nil {
		j.log.Error("storing events in the history file failed; their publishes get 503", "path", j.opts.Path, "events", n, "err", err)
		err = errors.New("writing the history file " + j.opts.Path + " failed: " + err.Error() + " (is the disk full?)")
		j.mu.Lock()
		j.failed = err
		j.mu.Unlock()
		for _, r := range batch {
			r.evs, r.err = nil, err
		}
		return
	}
	for k, id := range added {
		j.keys[k] = id
	}
	j.forget(dropped)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.last, j.base, j.count, j.bytes, j.failed = last, base, count, bytes, nil
	if j.deliver != nil && len(all) > 0 {
		j.deliver(all)
	}
}
