package server

import (
	"fmt"
	"testing"

	"github.com/heraldhq/herald/server/internal/fanout"
)

// TestStatsListsPublishedChannels: /stats lists channels that carried events even when
// nobody subscribes to them (the dashboard's channel picker offers them), with their event
// counts, next to the subscribed channels and patterns.
func TestStatsListsPublishedChannels(t *testing.T) {
	th := newTestHub(t, Config{})
	s := th.open(t, "?channel=news,stocks.*")
	s.expect(t, "herald.connected")
	for i := range 3 {
		th.mustPublish(t, "stocks", "", fmt.Sprint(i))
	}
	th.mustPublish(t, "news", "", "n")
	if ev := s.next(t, false); ev.Data != "n" { // "stocks" is not in "stocks.*"
		t.Fatalf("got %+v, want the news event", ev)
	}
	var st struct {
		Channels map[string]ChannelStats `json:"channels"`
	}
	if code := getJSON(t, th.URL+"/stats", &st); code != 200 {
		t.Fatalf("/stats = %d", code)
	}
	want := map[string]ChannelStats{
		"stocks":   {Subscribers: 0, Published: 3},
		"news":     {Subscribers: 1, Published: 1},
		"stocks.*": {Subscribers: 1, Published: 0},
	}
	if len(st.Channels) != len(want) {
		t.Errorf("channels = %v, want %v", st.Channels, want)
	}
	for name, w := range want {
		if got := st.Channels[name]; got != w {
			t.Errorf("channels[%q] = %+v, want %+v", name, got, w)
		}
	}
}

// TestChannelCountsBounded: many one-off channels do not grow the counts without bound;
// channels whose events left the history go first, then the least recent.
func TestChannelCountsBounded(t *testing.T) {
	var c channelCounts
	var prev ID
	for i := range maxChannelStats + 100 {
		id := ID{Ms: 1, Seq: uint64(i + 1)}
		c.add([]fanout.Slot{{ID: id, Channel: fmt.Sprint("c", i)}}, prev)
		prev = id
	}
	c.add([]fanout.Slot{{ID: ID{Ms: 1, Seq: 1}, Channel: "repeat"}}, prev) // an old id the ring skips
	c.prune(ID{Ms: 1, Seq: 50})                                            // c0..c49 left the history
	n := c.size()
	if n > maxChannelStats*3/4 || n == 0 {
		t.Fatalf("%d channels kept, want at most %d", n, maxChannelStats*3/4)
	}
	m := c.merge(nil)
	if _, ok := m["repeat"]; ok {
		t.Error("an event the ring skipped was counted")
	}
	if _, ok := m[fmt.Sprint("c", maxChannelStats+99)]; !ok {
		t.Error("the most recent channel was forgotten")
	}
	if _, ok := m["c10"]; ok {
		t.Error("a channel with no event in the history was kept")
	}
}
