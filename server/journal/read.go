package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/heraldhq/herald/server"
)

// followChunk is how many stored events Follow hands over at once when it starts behind.
const followChunk = 1000

// Follow hands deliver the stored events after `after` (when it starts behind the newest),
// then every event as its commit succeeds, in id order, until ctx ends. Only one Follow
// may run at a time.
func (j *Journal) Follow(ctx context.Context, after server.ID, deliver func([]server.Event)) error {
	j.mu.Lock()
	if j.deliver != nil {
		j.mu.Unlock()
		return errors.New("the history file already has a reader loop")
	}
	// Under mu no commit can hand over events, so none slips between the stored ones read
	// here and the live ones that follow.
	for after.Less(j.last) {
		evs, gap, base, err := j.read(after, followChunk)
		if err != nil {
			j.mu.Unlock()
			return err
		}
		if gap {
			// Trimmed before this loop read them (the hub follows from the newest id, so
			// only a caller starting far behind gets here).
			deliver([]server.Event{server.LossMarker(j.firstAfter(base), "trimmed")})
			after = base
			continue
		}
		// The file may hold a commit that has not been handed over yet: that one comes
		// through deliver like every later one, so it is not sent twice.
		for len(evs) > 0 && j.last.Less(evs[len(evs)-1].ID) {
			evs = evs[:len(evs)-1]
		}
		if len(evs) == 0 {
			break
		}
		deliver(evs)
		after = evs[len(evs)-1].ID
	}
	j.deliver = deliver
	j.mu.Unlock()
	<-ctx.Done()
	j.mu.Lock()
	j.deliver = nil
	j.mu.Unlock()
	return ctx.Err()
}

// firstAfter is the id a loss marker carries: the oldest kept one after base.
func (j *Journal) firstAfter(base server.ID) server.ID {
	id := base
	_ = j.db.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketEvents).Cursor().First(); k != nil {
			id, _ = keyID(k)
		}
		return nil
	})
	return id
}

// Since returns up to max stored events after `after`, oldest first. gap is true when the
// file cannot continue exactly after `after`: it is older than the oldest kept event (the
// ones after it were trimmed), newer than the newest, or not an id this file gave out
// (another hub's, or a memory-mode run's).
func (j *Journal) Since(ctx context.Context, after server.ID, max int) ([]server.Event, bool, error) {
	evs, gap, _, err := j.read(after, max)
	return evs, gap, err
}

// read reads the bounds and the events in one read transaction, a snapshot that commits
// running meanwhile do not change, so it needs no lock.
// It also returns the base it saw.
func (j *Journal) read(after server.ID, max int) (evs []server.Event, gap bool, base server.ID, err error) {
	if max <= 0 {
		max = followChunk
	}
	err = j.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		last, err1 := keyID(meta.Get(keyLast))
		var err2 error
		base, err2 = keyID(meta.Get(keyBase))
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		if last.Less(after) || after.Less(base) {
			gap = true
			return nil
		}
		c := tx.Bucket(bucketEvents).Cursor()
		ak := idKey(after)
		k, v := c.Seek(ak)
		if after != base {
			if k == nil || !bytes.Equal(k, ak) {
				gap = true // inside the kept range, but never given out here
				return nil
			}
			k, v = c.Next()
		}
		for ; k != nil && len(evs) < max; k, v = c.Next() {
			id, err := keyID(k)
			if err != nil {
				return err
			}
			m, err := decode(v)
			if err != nil {
				return fmt.Errorf("event %s: %w", id, err)
			}
			evs = append(evs, server.Event{ID: id, Message: m})
		}
		return nil
	})
	if err != nil {
		return nil, false, base, fmt.Errorf("reading the history file %s: %v", j.opts.Path, err)
	}
	if gap {
		return nil, true, base, nil
	}
	return evs, false, base, nil
}
