package model

import (
	"context"
	"sync"
	"time"
)

// Batcher collects items from any goroutine and hands them to one function in batches, at
// most once per interval, so a feed at thousands of events per second costs the UI one
// refresh per interval. When more than max items wait, the oldest are dropped (the log
// keeps only the newest anyway) and counted.
type Batcher[T any] struct {
	mu      sync.Mutex
	items   []T
	max     int
	dropped uint64
	wake    chan struct{}
}

// NewBatcher returns a batcher that holds at most max items between deliveries.
func NewBatcher[T any](max int) *Batcher[T] {
	return &Batcher[T]{max: max, wake: make(chan struct{}, 1)}
}

// Add queues items for the next delivery.
func (b *Batcher[T]) Add(items ...T) {
	b.mu.Lock()
	b.items = append(b.items, items...)
	if over := len(b.items) - b.max; b.max > 0 && over > 0 {
		b.items = append(b.items[:0], b.items[over:]...)
		b.dropped += uint64(over)
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Dropped returns how many items were dropped because the consumer fell behind.
func (b *Batcher[T]) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

func (b *Batcher[T]) take() []T {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.items
	b.items = nil
	return out
}

// Run delivers batches to deliver until ctx ends: after the first item arrives it waits for
// the rest of the interval, then delivers everything queued. It never calls deliver with an
// empty batch and never twice within one interval.
func (b *Batcher[T]) Run(ctx context.Context, interval time.Duration, deliver func([]T)) {
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		if wait := interval - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if items := b.take(); len(items) > 0 {
			last = time.Now()
			deliver(items)
		}
	}
}
