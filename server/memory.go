package server

import (
	"context"
	"sync"

	"github.com/heraldhq/herald/server/wire"
)

// MemoryBroker is the single-node Broker: it assigns ids and hands each event straight to
// the node's reader loop. It keeps no events of its own: the hub's ring is its store, so a
// replay after an id older than the ring is a gap.
type MemoryBroker struct {
	mu      sync.Mutex
	origin  ID // before the first id this broker assigns
	last    ID
	deliver func([]Event) // the Follow loop's sink; nil until Follow runs
	pending []Event       // published before Follow started; handed over by Follow
}

// NewMemoryBroker returns a broker whose origin is "<now in ms>-0". Each event's id is
// "<ms at its publish>-<seq>" (see wire.ID.Next), so a new run's ids are newer than an
// earlier run's.
func NewMemoryBroker() *MemoryBroker {
	o := ID{Ms: wire.NowMs()}
	return &MemoryBroker{origin: o, last: o}
}

// Publish assigns ids and delivers the events to the Follow loop before it returns, so an
// event whose publish succeeded is already in the hub's history.
func (b *MemoryBroker) Publish(ctx context.Context, msgs []Message) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	evs := make([]Event, len(msgs))
	now := wire.NowMs() // read outside the lock: Next keeps ids increasing whatever it says
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, m := range msgs {
		b.last = b.last.Next(now)
		evs[i] = Event{ID: b.last, Message: m}
	}
	if b.deliver != nil {
		b.deliver(evs)
	} else {
		b.pending = append(b.pending, evs...)
	}
	return evs, nil
}

// Follow registers deliver as the sink for every published event until ctx ends. Only one
// Follow may run at a time. `after` must be Last's answer (the memory broker keeps no
// older events to send).
func (b *MemoryBroker) Follow(ctx context.Context, after ID, deliver func([]Event)) error {
	b.mu.Lock()
	var first []Event
	for i, e := range b.pending {
		if after.Less(e.ID) {
			first = b.pending[i:]
			break
		}
	}
	if len(first) > 0 {
		deliver(first)
	}
	b.pending = nil
	b.deliver = deliver
	b.mu.Unlock()
	<-ctx.Done()
	b.mu.Lock()
	b.deliver = nil
	b.mu.Unlock()
	return ctx.Err()
}

// Last returns the newest assigned id, or the origin when none was assigned yet.
func (b *MemoryBroker) Last(ctx context.Context) (ID, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, nil
}

// Since has no events to give: the hub asks only for ids outside its ring, which for the
// memory broker means trimmed (older) or never assigned (newer). Both are gaps, except
// `after` equal to the newest id, after which nothing is missing.
func (b *MemoryBroker) Since(ctx context.Context, after ID, max int) ([]Event, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return nil, after != b.last, nil
}

// Health always succeeds: memory cannot become unreachable.
func (b *MemoryBroker) Health(ctx context.Context) error { return nil }

// Close does nothing; it exists to satisfy Broker.
func (b *MemoryBroker) Close() error { return nil }

// DeliversOnPublish is true: Publish hands the events to Follow's deliver before it
// returns (see SyncBroker).
func (b *MemoryBroker) DeliversOnPublish() bool { return true }

var _ SyncBroker = (*MemoryBroker)(nil)
