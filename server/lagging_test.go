package server

import (
	"context"
	"sync"
	"testing"
)

// laggingBroker stores events at once but hands them to the node's reader loop only when
// the test releases them: a node whose ring lags behind the shared store (Redis).
type laggingBroker struct {
	mu      sync.Mutex
	stored  []Event
	sent    int
	deliver func([]Event)
	seq     uint64
}

func (b *laggingBroker) Publish(ctx context.Context, msgs []Message) ([]Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	evs := make([]Event, len(msgs))
	for i, m := range msgs {
		b.seq++
		evs[i] = Event{ID: ID{Ms: 7, Seq: b.seq}, Message: m}
	}
	b.stored = append(b.stored, evs...)
	return evs, nil
}

// release hands every stored event to the reader loop.
func (b *laggingBroker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.deliver != nil && b.sent < len(b.stored) {
		b.deliver(b.stored[b.sent:])
		b.sent = len(b.stored)
	}
}

func (b *laggingBroker) Follow(ctx context.Context, after ID, deliver func([]Event)) error {
	b.mu.Lock()
	b.deliver = deliver
	b.mu.Unlock()
	<-ctx.Done()
	return ctx.Err()
}

func (b *laggingBroker) Last(ctx context.Context) (ID, error) { return ID{Ms: 7}, nil }

func (b *laggingBroker) Since(ctx context.Context, after ID, max int) ([]Event, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Event
	for _, e := range b.stored {
		if after.Less(e.ID) && len(out) < max {
			out = append(out, e)
		}
	}
	last := ID{Ms: 7, Seq: b.seq}
	return out, last.Less(after), nil
}

func (b *laggingBroker) Health(ctx context.Context) error { return nil }
func (b *laggingBroker) Close() error                     { return nil }

// TestReplayFromBrokerAheadOfRing: a client resumes on a node whose ring has not yet
// caught up with the store. It gets the newer events from the broker at once, and when the
// node's reader loop delivers the same events later they are not sent twice.
func TestReplayFromBrokerAheadOfRing(t *testing.T) {
	b := &laggingBroker{}
	th := newTestHub(t, Config{Broker: b})
	waitFor(t, "the reader loop", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.deliver != nil })
	var ids []string
	for _, d := range []string{"1", "2", "3"} {
		ids = append(ids, th.mustPublish(t, "lag", "", d))
	}
	s := th.open(t, "?channel=lag", "Last-Event-ID", ids[0])
	s.expect(t, "herald.connected")
	for i, want := range []string{"2", "3"} {
		if ev := s.next(t, false); ev.Data != want || ev.ID != ids[i+1] {
			t.Fatalf("replay %d = %+v, want data %s id %s", i, ev, want, ids[i+1])
		}
	}
	s.expect(t, "herald.live") // the broker's answer was the whole history
	b.release()                // the ring now receives 1, 2, 3: the stream must skip them
	id4 := th.mustPublish(t, "lag", "", "4")
	b.release()
	if ev := s.next(t, false); ev.Data != "4" || ev.ID != id4 {
		t.Fatalf("after the ring caught up got %+v, want only the new event 4", ev)
	}
}
