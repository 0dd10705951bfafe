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
			_, err := th.Publish(context.Background(), Message{Channel: "k", Key: fmt.Sprint("key", i), Data: "x"})
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
			rs, err := th.Publish(context.Background(), Message{Channel: "k", Key: "same", Data: "x"},
				Message{Channel: "k", Key: "other", Data: "y"})
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
		rs, err := th.Publish(context.Background(), Message{Channel: "k", Key: "same", Data: "x"})
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

// plainBroker hides MemoryBroker's optional SyncBroker interface: the hub must then track
// keys in flight instead of serialising keyed publishes.
type plainBroker struct{ Broker }

// failingBroker fails its first Publish before storing anything.
type failingBroker struct {
	Broker
	failed atomic.Bool
}

func (b *failingBroker) Publish(ctx context.Context, msgs []Message) ([]Event, error) {
	if !b.failed.Swap(true) {
		return nil, errors.New("disk full")
	}
	return b.Broker.Publish(ctx, msgs)
}

// failingSyncBroker is a failingBroker that says it delivers on publish (its inner broker
// is a MemoryBroker), so the hub serialises keyed publishes.
type failingSyncBroker struct{ failingBroker }

func (b *failingSyncBroker) DeliversOnPublish() bool { return true }

// TestKeyContract: whichever strategy the broker allows (serialised for a SyncBroker,
// tracked otherwise), a key published at once from many goroutines, and repeated within a
// batch, is stored once; publishOnce returns holding no lock; a failed publish releases its
// key so the next publish stores it.
func TestKeyContract(t *testing.T) {
	tests := []struct {
		name   string
		broker Broker
		serial bool
	}{
		{"memory broker, serialised", NewMemoryBroker(), true},
		{"memory broker behind a plain Broker, tracked", plainBroker{NewMemoryBroker()}, false},
		{"failing first, tracked", &failingBroker{Broker: plainBroker{NewMemoryBroker()}}, false},
		{"failing first, serialised", &failingSyncBroker{failingBroker{Broker: NewMemoryBroker()}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := newTestHub(t, Config{Broker: tc.broker})
			if th.keys.serial != tc.serial {
				t.Fatalf("serial = %v, want %v", th.keys.serial, tc.serial)
			}
			var fb *failingBroker
			switch b := tc.broker.(type) {
			case *failingBroker:
				fb = b
			case *failingSyncBroker:
				fb = &b.failingBroker
			}
			if fb != nil {
				if _, err := th.Publish(context.Background(), Message{Channel: "k", Key: "same", Data: "x"}); err == nil {
					t.Fatal("the failing publish succeeded")
				}
				if !fb.failed.Load() {
					t.Fatal("the broker was not asked")
				}
			}
			const n = 16
			ids := make(chan string, n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rs, err := th.Publish(context.Background(), Message{Channel: "k", Key: "same", Data: "x"},
						Message{Channel: "k", Data: "no key"}, Message{Channel: "k", Key: "same", Data: "x"})
					if err != nil {
						t.Error(err)
						return
					}
					if rs[0].ID != rs[2].ID || rs[1].ID == rs[0].ID {
						t.Errorf("batch receipts %+v: the repeated key must share the first id, the unkeyed event its own", rs)
					}
					ids <- rs[0].ID
				}()
			}
			wg.Wait()
			close(ids)
			first := <-ids
			for id := range ids {
				if id != first {
					t.Fatalf("the same key got ids %s and %s", first, id)
				}
			}
			if !th.keys.mu.TryLock() {
				t.Fatal("the key table is still locked after every publish returned")
			}
			left := len(th.keys.m)
			th.keys.mu.Unlock()
			if left != 0 || th.keys.n.Load() != 0 {
				t.Errorf("%d keys (%d stored) still tracked, though the ring holds their events", left, th.keys.n.Load())
			}
			if got := th.Stats().Published; got != 1+n {
				t.Errorf("published = %d, want %d (the key once, one unkeyed event per batch)", got, 1+n)
			}
		})
	}
}
