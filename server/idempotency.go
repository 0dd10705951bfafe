package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/server/internal/fanout"
)

// Idempotency: a message may carry a publisher's key (Message.Key). While the event stored
// under a key is in the hub's history, publishing the key again stores nothing and answers
// the first event's receipt; a key repeated within one batch is stored once.
//
// keyTable is the one owner of that contract, with two entries:
//
//   - publishOnce, the only way the hub publishes: it answers the keys stored already, hands
//     the rest to store, and records the outcome. It returns holding no lock.
//   - forget, called by the reader loop after each ring append: the keys whose events the
//     ring now holds leave the table, so a stored key is always in the table or in the ring.

// SyncBroker is an optional interface of a Broker whose Publish costs no round trip and
// has handed the events to Follow's deliver (so they are in the hub's ring) when it
// returns, as MemoryBroker's does. For such a broker the hub serialises keyed publishes
// within publishOnce, which is cheaper than tracking keys in flight; for any other broker
// keyed publishes run in parallel and wait only for a publish of the same key.
type SyncBroker interface {
	Broker
	// DeliversOnPublish reports whether Publish has delivered its events when it returns.
	DeliversOnPublish() bool
}

// keyTable tracks the keys of publishes in flight, and of those stored whose events the ring
// does not hold yet (with an asynchronous broker the ring lags the store by one read).
type keyTable struct {
	fan    *fanout.Fanout // its ring says which keys it holds
	serial bool           // the broker is a SyncBroker: keyed publishes take turns, nothing is tracked

	mu sync.Mutex
	m  map[string]keyState
	n  atomic.Int64 // keys in m whose event is stored (forget's fast check, without the lock)
}

// keyState is one key's publish: id is the stored event's id (zero while in flight; the
// key is removed from the table when the publish failed); done, made by the first publish
// that waits for it, is closed when the publish ended.
type keyState struct {
	id   ID
	done chan struct{}
}

// maxKeyTable bounds the stored keys kept while the ring lags behind the broker.
const maxKeyTable = 100_000

// publishOnce stores msgs through store, except messages whose keys are stored already
// (their receipts get the earlier ids) and repeats of a key earlier in msgs (they get that
// message's id). store receives the indexes of the messages to store, fills their receipts
// and returns the events it stored, which may be fewer than asked when it fails. receipts
// has one entry per message. publishOnce returns store's error as is, or a 503 *Error when
// waiting for a publish with the same key ended with ctx.
func (t *keyTable) publishOnce(ctx context.Context, msgs []Message, receipts []Receipt, store func(todo []int) ([]Event, error)) error {
	keyed := false
	for i := range msgs {
		keyed = keyed || msgs[i].Key != ""
	}
	if !keyed { // the common case takes no lock at all
		todo := make([]int, len(msgs))
		for i := range todo {
			todo[i] = i
		}
		_, err := store(todo)
		return err
	}
	if t.serial {
		return t.publishSerial(msgs, receipts, store)
	}
	todo, claimed, same, err := t.claim(ctx, msgs, receipts)
	if err != nil {
		return &Error{Status: http.StatusServiceUnavailable, Msg: "waiting for a publish with the same id failed: " + err.Error(), RetryAfter: time.Second}
	}
	var stored []Event
	if len(todo) > 0 {
		stored, err = store(todo)
	}
	t.release(claimed, stored)
	if err != nil {
		return err
	}
	for i, j := range same {
		receipts[i].ID = receipts[j].ID
	}
	return nil
}

// publishSerial is publishOnce for a SyncBroker: under the table's lock, the ring tells
// which keys are stored, and the events store adds are in the ring before the lock is
// released. Nothing enters the table, so forget (called by deliver inside store) finds it
// empty and takes no lock.
func (t *keyTable) publishSerial(msgs []Message, receipts []Receipt, store func(todo []int) ([]Event, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	todo, same, _, _ := t.resolveLocked(msgs, receipts)
	if len(todo) > 0 {
		if _, err := store(todo); err != nil {
			return err
		}
	}
	for i, j := range same {
		receipts[i].ID = receipts[j].ID
	}
	return nil
}

// resolveLocked sorts msgs by key (t.mu held): the indexes to store; for a key repeated
// within msgs, the index of its first message; the keys first seen here; and, when a
// publish of one of the keys is in flight, a channel closed when it ends (the caller
// waits and resolves again). Receipts of keys stored already get their ids.
func (t *keyTable) resolveLocked(msgs []Message, receipts []Receipt) (todo []int, same map[int]int, seen map[string]int, wait chan struct{}) {
	for i, m := range msgs {
		if m.Key == "" {
			todo = append(todo, i)
			continue
		}
		if id, ok := t.fan.Key(m.Key); ok {
			receipts[i].ID = id.String()
			continue
		}
		if st, ok := t.m[m.Key]; ok {
			if st.id.IsZero() {
				if st.done == nil {
					st.done = make(chan struct{})
					t.m[m.Key] = st
				}
				return nil, nil, nil, st.done
			}
			receipts[i].ID = st.id.String()
			continue
		}
		if j, ok := seen[m.Key]; ok {
			if same == nil {
				same = map[int]int{}
			}
			same[i] = j
			continue
		}
		if seen == nil {
			seen = map[string]int{}
		}
		seen[m.Key] = i
		todo = append(todo, i)
	}
	return todo, same, seen, nil
}

// claim resolves msgs' keys, waiting for publishes in flight with the same keys, and claims
// the keys first seen here for this publish (release them with release).
func (t *keyTable) claim(ctx context.Context, msgs []Message, receipts []Receipt) (todo []int, claimed []string, same map[int]int, err error) {
	for {
		var seen map[string]int
		var wait chan struct{}
		t.mu.Lock()
		todo, same, seen, wait = t.resolveLocked(msgs, receipts)
		if wait == nil {
			if t.m == nil {
				t.m = map[string]keyState{}
			}
			for k := range seen {
				t.m[k] = keyState{}
				claimed = append(claimed, k)
			}
			t.mu.Unlock()
			return todo, claimed, same, nil
		}
		t.mu.Unlock()
		// Another publish carries one of these keys: its outcome decides (bounded by
		// that publish's own round trip, or ctx).
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
	}
}

// release records the outcome of the publish that claimed keys: evs are the events it
// stored. A claimed key none of evs carries was not stored, and is forgotten. (Claims are
// exclusive, so every keyed event in evs carries a key this publish claimed.)
func (t *keyTable) release(claimed []string, evs []Event) {
	if len(claimed) == 0 {
		return
	}
	_, _, last := t.fan.Bounds()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range evs {
		k := evs[i].Key
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
		// Kept until the ring holds the event (forget drops it then).
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

// forget drops the stored keys whose events the ring now holds. Called by deliver after
// the ring append, so a key is always in the table or in the ring.
func (t *keyTable) forget() {
	if t.n.Load() == 0 {
		return
	}
	_, _, last := t.fan.Bounds()
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
