package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gateBroker is a laggingBroker whose Publish waits until `together` calls are inside it at
// once (or fails after 5 s): publishes that the hub serialises can never all get in.
type gateBroker struct {
	laggingBroker
	together int
	calls    atomic.Int64
	mu       sync.Mutex
	inside   int
	open     chan struct{}
}

func (b *gateBroker) Publish(ctx context.Context, msgs []Message) ([]Event, error) {
	b.calls.Add(1)
	b.mu.Lock()
	b.inside++
	if b.inside == b.together {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-time.After(5 * time.Second):
		return nil, errors.New("publishes did not overlap: the hub serialised them")
	}
	return b.laggingBroker.Publish(ctx, msgs)
}

// TestKeyedPublishesOverlap: publishes with different idempotency keys reach the broker at
// the same time (one node is not limited to one broker round trip at a time).
func TestKeyedPublishesOverlap(t *testing.T) {
	const n = 4
	b := &gateBroker{together: n, open: make(chan struct{})}
	th := newTestHub(t, Config{Broker: b})
	t.Cleanup(b.release) // before the hub's shutdown, which waits for its own events
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := th.Publish(context.Background(), Message{Channel: "k", ID: fmt.Sprint("key", i), Data: "x"})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestSameKeyStoredOnce: the same key published from many goroutines at once, and again
// while the node's ring has not received the event yet, and again after it did, is stored
// once and every publisher gets the same id.
func TestSameKeyStoredOnce(t *testing.T) {
	b := &laggingBroker{}
	th := newTestHub(t, Config{Broker: b})
	waitFor(t, "the reader loop", func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.deliver != nil })
	const n = 20
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs, err := th.Publish(context.Background(), Message{Channel: "k", ID: "same", Data: "x"},
				Message{Channel: "k", ID: "other", Data: "y"})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- rs[0].ID + " " + rs[1].ID
		}()
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("same keys got ids %q and %q", first, id)
		}
	}
	check := func(when string) {
		t.Helper()
		rs, err := th.Publish(context.Background(), Message{Channel: "k", ID: "same", Data: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].ID+" " != first[:len(rs[0].ID)+1] {
			t.Fatalf("%s: key published again got %s, want %s", when, rs[0].ID, first)
		}
	}
	check("before the ring has it")
	b.release()
	check("after the ring has it")
	if got := th.Stats().Published; got != 2 {
		t.Errorf("published = %d, want 2 (one per key)", got)
	}
	if th.keys.n.Load() != 0 {
		t.Errorf("%d keys still tracked after the ring received their events", th.keys.n.Load())
	}
}
