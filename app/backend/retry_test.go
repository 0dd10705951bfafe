package backend

import (
	"context"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// TestRetryNow: a feed waiting to reconnect to a hub that was down reconnects at once when
// asked, well before its scheduled retry.
func TestRetryNow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nobody listens: the feed retries
	f := NewFeeds(ctx, FeedsOptions{Sink: func(model.Event) {}})
	defer f.Stop()
	if err := f.PutFeed("", model.FeedConfig{Name: "Later", URL: "http://127.0.0.1:" + itoa(port), Enabled: true}); err != nil {
		t.Fatal(err)
	}
	// Wait for a retry scheduled far enough ahead that "before it" means Retry now worked.
	var st model.FeedStatus
	deadline := time.Now().Add(30 * time.Second)
	for {
		st = f.Feeds()[0].Status
		if st.Phase == model.PhaseRetrying && time.Until(st.RetryAt) > 2*time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the feed never waited 2 s to retry: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: port}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	if err := f.RetryFeed("Later"); err != nil {
		t.Fatal(err)
	}
	live := waitStatus(t, f, "Later", func(s model.FeedStatus) bool { return s.Phase == model.PhaseLive })
	if time.Now().After(st.RetryAt) {
		t.Errorf("live only after the scheduled retry at %v: Retry now did nothing (%+v)", st.RetryAt, live)
	}
	if err := f.RetryFeed("Nope"); err == nil {
		t.Error("retrying a feed that does not exist should say so")
	}
}

// TestHubChannels: the channel picker's list comes from the hub's /stats.
func TestHubChannels(t *testing.T) {
	ctx := context.Background()
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	pub := &Publisher{Own: h.Server}
	for _, c := range []string{"team.builds", "alerts"} {
		if _, err := pub.Publish(ctx, model.Target{}, model.Outgoing{Channel: c, Event: "message", Data: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	f := NewFeeds(ctx, FeedsOptions{Sink: func(model.Event) {}})
	got, err := f.HubChannels(ctx, model.FeedConfig{URL: h.LocalURL() + "/events?channel=x"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, "team.builds") || !slices.Contains(got, "alerts") {
		t.Errorf("channels %v", got)
	}
	if _, err := f.HubChannels(ctx, model.FeedConfig{URL: "http://127.0.0.1:1"}); err == nil {
		t.Error("an unreachable hub should give an error")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
