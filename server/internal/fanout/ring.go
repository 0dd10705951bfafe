package fanout

import (
	"sort"
	"sync"

	"github.com/heraldhq/herald/server/wire"
)

// ID is an event id (wire.ID).
type ID = wire.ID

// Slot is one event in the ring: its id, channel, publisher key and SSE bytes. The bytes are
// never modified after the slot is made, so readers may keep them after the slot is evicted.
type Slot struct {
	ID      ID
	Channel string
	Key     string // the publisher's idempotency key, "" when none
	Bytes   []byte // the event in SSE wire form (wire.AppendEvent)
	// Gap marks a loss, not an event: the broker could not deliver events before ID (they
	// were trimmed before this node read them). Every stream whose cursor passes it
	// receives Bytes (a herald.gap) whatever its channels. Its ID is the first id after
	// the loss, so a replay after any id inside the loss starts at the marker.
	Gap bool
}

// matcher decides whether a subscriber receives events of a channel.
type matcher interface {
	match(channel string) bool
}

// ring is the hub's history and fan-out buffer: the newest events in store order, bounded
// by count and by bytes. Positions are absolute (they count every event ever appended), so a
// subscriber's cursor stays meaningful while the ring wraps: a cursor below tail has lost
// events.
type ring struct {
	mu       sync.RWMutex
	slots    []Slot
	head     uint64 // position the next appended event gets
	tail     uint64 // position of the oldest kept event
	bytes    int    // sum of len(b) over kept slots
	maxBytes int
	base     ID // id just before the oldest kept event: the last evicted id, or the start
	last     ID // newest id appended (base when the ring never held an event)
	keys     map[string]ID
	// known is false while the hub waits for an unreachable broker to tell where the
	// ring starts: until then no id can be placed in it (position says no).
	known bool
}

func newRing(count, maxBytes int, start ID) *ring {
	if count < 1 {
		count = 1
	}
	return &ring{slots: make([]Slot, count), maxBytes: maxBytes, base: start, last: start, keys: map[string]ID{}, known: true}
}

// append adds events, evicting the oldest ones to stay within both bounds. Events whose id
// is not newer than the last one are ignored (a broker that repeats itself must not
// duplicate history). It returns how many were added.
func (r *ring) append(evs []Slot) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	added := 0
	for i := range evs {
		e := &evs[i]
		if e.Gap {
			// A marker shares its id with the event after it, so it leaves r.last alone;
			// one that is not newer than r.last goes right after the newest event.
			if e.ID.Less(r.last) {
				e.ID = r.last
			}
		} else if !r.last.Less(e.ID) {
			continue
		}
		for r.head-r.tail >= uint64(len(r.slots)) || (r.head > r.tail && r.bytes+len(e.Bytes) > r.maxBytes) {
			r.evictOldest()
		}
		r.slots[r.head%uint64(len(r.slots))] = *e
		r.head++
		r.bytes += len(e.Bytes)
		if !e.Gap {
			r.last = e.ID
		}
		if e.Key != "" {
			r.keys[e.Key] = e.ID
		}
		added++
	}
	return added
}

func (r *ring) evictOldest() {
	s := &r.slots[r.tail%uint64(len(r.slots))]
	r.bytes -= len(s.Bytes)
	r.base = s.ID
	if s.Key != "" && r.keys[s.Key] == s.ID {
		delete(r.keys, s.Key)
	}
	*s = Slot{}
	r.tail++
}

// bounds returns the ring's current head position and its id range (base, last].
func (r *ring) bounds() (head uint64, base, last ID) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.head, r.base, r.last
}

// position returns the position of the first event newer than after, or ok=false when after
// lies outside (base, last] and [base] — i.e. the ring cannot tell what followed it.
func (r *ring) position(after ID) (pos uint64, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.positionLocked(after)
}

// setStart places an empty ring right after id (once the broker could tell it).
func (r *ring) setStart(id ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.head == r.tail {
		r.base, r.last = id, id
	}
	r.known = true
}

func (r *ring) positionLocked(after ID) (uint64, bool) {
	if !r.known || after.Less(r.base) || r.last.Less(after) {
		return 0, false
	}
	n := int(r.head - r.tail)
	i := sort.Search(n, func(i int) bool {
		return after.Less(r.slots[(r.tail+uint64(i))%uint64(len(r.slots))].ID)
	})
	return r.tail + uint64(i), true
}

// tailPos returns the position of the oldest kept event.
func (r *ring) tailPos() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.tail
}

// key returns the id of a kept event published with the idempotency key k.
func (r *ring) key(k string) (ID, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	id, ok := r.keys[k]
	return id, ok
}

// read appends to buf the bytes of the events at positions [pos, head) that m matches,
// stopping once buf holds max bytes (the first matching event is always taken, however big).
// It returns the next position to read and how many events it copied. When pos is older
// than the ring's tail it copies nothing and returns lost > 0 (the positions evicted under
// the cursor) with next at the tail, so the caller can announce the gap first. Loss markers
// passed are copied whatever m says and counted in gaps, not in n.
func (r *ring) read(pos uint64, buf []byte, max int, m matcher) (next uint64, out []byte, n int, lost uint64, gaps int) {
	return r.readTo(pos, ^uint64(0), buf, max, m)
}

// readTo is read that stops before position end as well (a stream's end of replay, where
// herald.live goes).
func (r *ring) readTo(pos, end uint64, buf []byte, max int, m matcher) (next uint64, out []byte, n int, lost uint64, gaps int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if pos < r.tail {
		return r.tail, buf, 0, r.tail - pos, 0
	}
	size := uint64(len(r.slots))
	for ; pos < r.head && pos < end; pos++ {
		s := &r.slots[pos%size]
		if s.Gap {
			buf = append(buf, s.Bytes...)
			gaps++
			continue
		}
		if !m.match(s.Channel) {
			continue
		}
		if n > 0 && len(buf)+len(s.Bytes) > max {
			break
		}
		buf = append(buf, s.Bytes...)
		n++
	}
	return pos, buf, n, 0, gaps
}

// stats returns the number of kept events and their bytes.
func (r *ring) stats() (events int, bytes int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return int(r.head - r.tail), r.bytes
}
