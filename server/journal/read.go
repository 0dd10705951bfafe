package journal

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/heraldhq/herald/server"
)

// followChunk is how many stored events Follow hands over at once when it starts behind.
const followChunk = 1000

// Follow hands deliver the stored events after `after` (when it starts behind the newest),
// then every event as it is written, in id order, until ctx ends. Only one Follow may run
// at a time.
func (j *Journal) Follow(ctx context.Context, after server.ID, deliver func([]server.Event)) error {
	j.segMu.RLock()
	j.mu.Lock()
	if j.deliver != nil {
		j.mu.Unlock()
		j.segMu.RUnlock()
		return errors.New("the history already has a reader loop")
	}
	// Under mu no write can hand over events, so none slips between the stored ones read
	// here and the live ones that follow.
	for after.Less(j.last) {
		ents, gap := j.locate(after, followChunk)
		if gap {
			// Trimmed before this loop read them (the hub follows from the newest id, so
			// only a caller starting far behind gets here).
			next := j.last
			if j.head < len(j.idx) {
				next = j.idx[j.head].id
			}
			deliver([]server.Event{server.LossMarker(next, "trimmed")})
			after = j.base
			continue
		}
		evs, err := readEntries(ents)
		if err != nil {
			j.mu.Unlock()
			j.segMu.RUnlock()
			return fmt.Errorf("reading the history %s: %v", j.opts.Path, err)
		}
		deliver(evs)
		after = evs[len(evs)-1].ID
	}
	j.deliver = deliver
	j.mu.Unlock()
	j.segMu.RUnlock()
	<-ctx.Done()
	j.mu.Lock()
	j.deliver = nil
	j.mu.Unlock()
	return ctx.Err()
}

// Since returns up to max stored events after `after`, oldest first. gap is true when the
// log cannot continue exactly after `after`: it is older than the oldest kept event (the
// ones after it were trimmed), newer than the newest, or not an id this log gave out
// (another hub's, or a memory-mode run's).
func (j *Journal) Since(ctx context.Context, after server.ID, max int) ([]server.Event, bool, error) {
	if max <= 0 {
		max = followChunk
	}
	// segMu first (see Journal): the segments read stay open until the read is done.
	j.segMu.RLock()
	defer j.segMu.RUnlock()
	j.mu.Lock()
	ents, gap := j.locate(after, max)
	ents = append([]entry(nil), ents...) // the writer may trim idx once mu is released
	j.mu.Unlock()
	if gap {
		return nil, true, nil
	}
	evs, err := readEntries(ents)
	if err != nil {
		return nil, false, fmt.Errorf("reading the history %s: %v", j.opts.Path, err)
	}
	return evs, false, nil
}

// locate returns the kept entries after `after` (up to max), or gap (mu held).
func (j *Journal) locate(after server.ID, max int) ([]entry, bool) {
	if j.last.Less(after) || after.Less(j.base) {
		return nil, true
	}
	kept := j.idx[j.head:]
	i := 0
	if after != j.base {
		i = sort.Search(len(kept), func(i int) bool { return !kept[i].id.Less(after) })
		if i == len(kept) || kept[i].id != after {
			return nil, true // inside the kept range, but never given out here
		}
		i++
	}
	return kept[i:min(len(kept), i+max)], false
}
