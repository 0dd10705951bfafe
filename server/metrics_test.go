package server

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestMetricsChannelCardinalityCapped: one client subscribing to 32,000 channel names (500
// streams of 64) makes at most 101 herald_subscribers series: the 100 channels with the
// most streams by name and "_other" with the rest, which still add up to every
// subscription.
func TestMetricsChannelCardinalityCapped(t *testing.T) {
	const streams, per = 500, 64
	th := newTestHub(t, Config{})
	// One popular channel on every stream, so the top list has a clear first.
	for i := range streams {
		names := []string{"popular"}
		for j := range per - 1 {
			names = append(names, fmt.Sprintf("c%d-%d", i, j))
		}
		c := rawConnBuf(t, th.URL, "?channel="+strings.Join(names, ","), 0)
		readUntil(t, c, bufio.NewReader(c), "herald.connected")
	}
	waitConnections(t, th.Hub, streams)

	resp, err := http.Get(th.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	series, total := 0, 0
	values := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "herald_subscribers{") {
			continue
		}
		series++
		k := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[k+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		values[line[:k]] = int(v)
		total += int(v)
	}
	if series > metricsTopChannels+1 {
		t.Fatalf("/metrics has %d herald_subscribers series (%d bytes) for one client's %d channel names; want at most %d",
			series, len(b), streams*per, metricsTopChannels+1)
	}
	if got := values[`herald_subscribers{channel="popular"}`]; got != streams {
		t.Errorf("popular channel: %d streams, want %d", got, streams)
	}
	if values[`herald_subscribers{channel="_other"}`] == 0 || total != streams*per {
		t.Errorf("series add up to %d (other %d); want all %d subscriptions counted", total, values[`herald_subscribers{channel="_other"}`], streams*per)
	}
}

// TestTopChannels checks the ranking: by count, ties by name, the rest summed.
func TestTopChannels(t *testing.T) {
	tests := []struct {
		counts map[string]int
		n      int
		top    []string
		other  int
	}{
		{map[string]int{}, 3, nil, 0},
		{map[string]int{"a": 1, "b": 2}, 3, []string{"b", "a"}, 0},
		{map[string]int{"a": 1, "b": 5, "c": 5, "d": 2}, 2, []string{"b", "c"}, 3},
	}
	for _, tt := range tests {
		top, other := topChannels(tt.counts, tt.n)
		if fmt.Sprint(top) != fmt.Sprint(tt.top) || other != tt.other {
			t.Errorf("topChannels(%v, %d) = %v, %d; want %v, %d", tt.counts, tt.n, top, other, tt.top, tt.other)
		}
	}
}
