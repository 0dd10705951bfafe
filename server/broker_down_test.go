package server

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// lateBroker is a memory broker that is unreachable until up is set.
type lateBroker struct {
	*MemoryBroker
	up atomic.Bool
}

var errDown = errors.New("broker: connection refused; is it running?")

func (b *lateBroker) Last(ctx context.Context) (ID, error) {
	if !b.up.Load() {
		return ID{}, errDown
	}
	return b.MemoryBroker.Last(ctx)
}

func (b *lateBroker) Health(ctx context.Context) error {
	if !b.up.Load() {
		return errDown
	}
	return nil
}

func (b *lateBroker) Since(ctx context.Context, after ID, max int) ([]Event, bool, error) {
	if !b.up.Load() {
		return nil, false, errDown
	}
	return b.MemoryBroker.Since(ctx, after, max)
}

// TestHubStartsBeforeItsBroker: with the broker down at start the hub serves, reports
// unhealthy, answers replays with a gap, and follows the broker once it is up.
func TestHubStartsBeforeItsBroker(t *testing.T) {
	b := &lateBroker{MemoryBroker: NewMemoryBroker()}
	th := newTestHub(t, Config{Broker: b})
	var health map[string]string
	if code := getJSON(t, th.URL+"/healthz", &health); code != 503 || health["error"] != errDown.Error() {
		t.Fatalf("/healthz while down: %d %v", code, health)
	}
	s := th.open(t, "?channel=late", "Last-Event-ID", "5-5")
	s.expect(t, "herald.connected")
	if gap := s.expect(t, "herald.gap"); gap.Data != `{"reason":"unavailable","lastEventId":"5-5"}` {
		t.Errorf("gap while down = %s", gap.Data)
	}
	s.expect(t, "herald.live") // nothing more to replay: what follows is live
	b.up.Store(true)
	waitFor(t, "the hub to become healthy", func() bool { return getJSON(t, th.URL+"/healthz", nil) == 200 })
	waitFor(t, "the reader loop to follow the broker", func() bool {
		th.publishProbe(t)
		return th.Stats().History.Events > 0
	})
	if ev := s.next(t, false); ev.Data != "probe" {
		t.Errorf("first event after the broker came up = %+v", ev)
	}
}

// publishProbe publishes a probe event on "late".
func (th *testHub) publishProbe(t testing.TB) {
	_, _ = th.Publish(context.Background(), Message{Channel: "late", Data: "probe"})
}
