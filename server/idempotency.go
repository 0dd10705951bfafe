package server

import (
	"context"
	"sync"
	"sync/atomic"
)

// keyTable tracks the idempotency keys of publishes this node has in flight, and of those
// it stored whose events its ring does not hold yet (with an asynchronous broker the ring
// lags the store by one read). With the ring it answers "was this key stored already?"
// without holding a lock across the broker's round trip, so keyed publishes run in
// parallel like the others.
type keyTable struct {
	mu sync.Mutex
	m  map[string]keyState
	n  atomic.Int64 // keys in m whose event is stored (deliver's fast check, without the lock)
}

// keyState is one key's publish: id is the stored event's id (zero while in flight; the
// key is removed from the table when the publish failed); done, made by the first publish
// that waits for it, is closed when the publish ended.
type keyState struct {
	id   ID
	done chan struct{}
}

// claimKeys fills receipts for msgs whose keys were stored already (in the ring, or
// stored by a publish that finished), waits for publishes in flight with the same keys,
// and claims the remaining keys for this publish. It returns the indexes of msgs to store,
// the keys it claimed (release them with releaseKeys) and, for a key repeated within msgs,
// the index of its first message.
//
// With the memory broker, whose Publish puts the events in the ring before it returns and
// costs no round trip, serialising keyed publishes is cheaper than tracking them: then
// claimKeys claims nothing and returns with the table locked (held); the caller unlocks
// it after the broker's Publish.
func (h *Hub) claimKeys(ctx context.Context, msgs []Message, receipts []Receipt) (todo []int, claimed []string, same map[int]int, held bool, err error) {
	keyed := false
	for i := range msgs {
		keyed = keyed || msgs[i].ID != ""
	}
	if !keyed { // the common case takes no lock at all
		todo = make([]int, len(msgs))
		for i := range todo {
			todo[i] = i
		}
		return todo, nil, nil, false, nil
	}
	t := &h.keys
	for {
		todo, claimed, same = todo[:0], claimed[:0], nil
		var wait chan struct{}
		var seen map[string]int
		t.mu.Lock()
		for i, m := range msgs {
			if m.ID == "" {
				todo = append(todo, i)
				continue
			}
			if id, ok := h.ring.key(m.ID); ok {
				receipts[i].ID = id.String()
				continue
			}
			if st, ok := t.m[m.ID]; ok {
				if st.id.IsZero() {
					if st.done == nil {
						st.done = make(chan struct{})
						t.m[m.ID] = st
					}
					wait = st.done
					break
				}
				receipts[i].ID = st.id.String()
				continue
			}
			if j, ok := seen[m.ID]; ok {
				if same == nil {
					same = map[int]int{}
				}
				same[i] = j
				continue
			}
			if seen == nil {
				seen = map[string]int{}
			}
			seen[m.ID] = i
			todo = append(todo, i)
		}
		if wait == nil && h.syncStore {
			return todo, nil, same, true, nil
		}
		if wait == nil {
			if t.m == nil {
				t.m = map[string]keyState{}
			}
			for k := range seen {
				t.m[k] = keyState{}
				claimed = append(claimed, k)
			}
			t.mu.Unlock()
			return todo, claimed, same, false, nil
		}
		t.mu.Unlock()
		// Another publish carries one of these keys: its outcome decides (bounded by
		// that publish's own round trip, or ctx).
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, nil, nil, false, ctx.Err()
		}
	}
}

// releaseKeys records the outcome of the publish that claimed keys: evs are the events it
// stored. A claimed key none of evs carries was not stored, and is forgotten. (Claims are
// exclusive, so every keyed event in evs carries a key this publish claimed.)
func (h *Hub) releaseKeys(claimed []string, evs []Event) {
	if len(claimed) == 0 {
		return
	}
	t := &h.keys
	_, _, last := h.ring.bounds()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range evs {
		k := evs[i].Message.ID
		if st, ok := t.m[k]; k != "" && ok && st.id.IsZero() {
			st.id = evs[i].ID
			t.m[k] = st
		}
	}
	for _, k := range claimed {
		st := t.m[k]
		if st.done != nil {
			close(st.done)
			st.done = nil
			t.m[k] = st
		}
		// Kept until the ring holds the event (deliver forgets it then).
		if st.id.IsZero() || !last.Less(st.id) {
			delete(t.m, k)
		} else {
			t.n.Add(1)
		}
	}
	if len(t.m) > maxKeyTable {
		// The reader loop is far behind: forget stored keys (the broker may still know
		// them) rather than grow without bound.
		for k, st := range t.m {
			if !st.id.IsZero() && len(t.m) > maxKeyTable/2 {
				delete(t.m, k)
				t.n.Add(-1)
			}
		}
	}
}

// maxKeyTable bounds the stored keys kept while the ring lags behind the broker.
const maxKeyTable = 100_000

// forgetKeys drops the stored keys whose events the ring now holds. Called by deliver
// after the ring append, so a key is always in the table or in the ring.
func (h *Hub) forgetKeys() {
	t := &h.keys
	if t.n.Load() == 0 {
		return
	}
	_, _, last := h.ring.bounds()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, st := range t.m {
		if !st.id.IsZero() && !last.Less(st.id) {
			delete(t.m, k)
			t.n.Add(-1)
		}
	}
}

// notePublished raises lastPub to id (concurrent publishes may finish out of id order).
func (h *Hub) notePublished(id ID) {
	for {
		p := h.lastPub.Load()
		if p != nil && !p.Less(id) {
			return
		}
		if h.lastPub.CompareAndSwap(p, &id) {
			return
		}
	}
}
