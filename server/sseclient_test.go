package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

// TestSSEClientResumesWithoutLoss: Herald's own client reads a stream, the hub drops every
// connection twice mid-way, and the client's reconnects (with Last-Event-ID) still see every
// event exactly once, in order.
func TestSSEClientResumesWithoutLoss(t *testing.T) {
	th := newTestHub(t, Config{Retry: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := &sseclient.Client{URL: th.URL + "/events?channel=resume", MaxBackoff: 100 * time.Millisecond}
	const total = 300
	got := make(chan sseclient.Event, total+10)
	done := make(chan struct{})
	var connects atomic.Int32
	go func() {
		defer close(done)
		for ev, err := range c.Events(ctx) {
			if err != nil {
				return
			}
			switch ev.Type {
			case "message":
				got <- ev
			case "herald.connected":
				connects.Add(1)
			}
		}
	}()
	waitFor(t, "the client to connect", func() bool { return th.Stats().Connections == 1 })
	next := 0
	read := func(upto int) {
		for ; next < upto; next++ {
			select {
			case ev := <-got:
				if ev.Data != fmt.Sprint(next) {
					t.Fatalf("event %d has data %q (lost or repeated events)", next, ev.Data)
				}
			case <-ctx.Done():
				t.Fatalf("only %d of %d events arrived", next, total)
			}
		}
	}
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := th.Publish(ctx, Message{Channel: "resume", Data: fmt.Sprint(i)}); err != nil {
				t.Fatalf("publish %d: %v", i, err)
			}
		}
	}
	publish(0, 100)
	read(100)
	for round := 1; round <= 2; round++ {
		th.fan.CloseAll() // the network drops the stream; the client reconnects by itself
		publish(round*100, round*100+100)
		read(round*100 + 100)
		// The new stream has its writer once the client has seen its herald.connected.
		waitFor(t, "the reconnected stream", func() bool { return connects.Load() == int32(round+1) })
	}
	cancel()
	<-done
	if connects := connects.Load(); connects != 3 {
		t.Errorf("the client connected %d times; want 3 (two drops, two reconnects)", connects)
	}
}
