package redisbroker

import "github.com/heraldhq/herald/server"

// maxPending bounds the pending keys if the reader loop falls far behind.
const maxPending = 100_000

// remember records the keyed events the reader loop has not delivered yet.
func (b *Broker) remember(evs []server.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.following == 0 {
		return // no reader loop would ever clear them
	}
	for _, e := range evs {
		if e.Key == "" || !b.read.Less(e.ID) {
			continue
		}
		if _, ok := b.pending[e.Key]; ok {
			continue
		}
		if len(b.pendingOrder) >= maxPending {
			b.forgetOldest()
		}
		b.pending[e.Key] = e
		b.pendingOrder = append(b.pendingOrder, e)
	}
}

func (b *Broker) forgetOldest() {
	e := b.pendingOrder[0]
	b.pendingOrder[0] = server.Event{}
	b.pendingOrder = b.pendingOrder[1:]
	if p, ok := b.pending[e.Key]; ok && p.ID == e.ID {
		delete(b.pending, e.Key)
	}
}

// advanceRead records that the reader loop delivered everything up to id: from now on the
// hub's history holds those keys.
func (b *Broker) advanceRead(id server.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.read.Less(id) {
		b.read = id
	}
	for len(b.pendingOrder) > 0 && !b.read.Less(b.pendingOrder[0].ID) {
		b.forgetOldest()
	}
}

// setFollowing counts running Follow loops; without one, pending keys are dropped.
func (b *Broker) setFollowing(delta int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.following += delta
	if b.following == 0 {
		clear(b.pending)
		b.pendingOrder = nil
	}
}
