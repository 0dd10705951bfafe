package e2e

import (
	"testing"
	"time"
)

// TestEventSourcesSurviveConnectStorm: 60 npm eventsource clients from one address connect at
// once to a hub that admits bursts of 20 new connections per address and 20 a second after.
// The 40 refused get 200 with herald.busy and a jittered retry: (a 429 would close them for
// good) and come back by themselves until the limit lets them in: all 60 end up live and
// receive the next event; none gives up.
func TestEventSourcesSurviveConnectStorm(t *testing.T) {
	const n = 60
	h := startHub(t, "--connect-burst", "20", "--connect-rate", "20")
	es := startESClients(t, h.URL+"/events?channel=storm", n, 2, 1)

	waitClients(t, "every client in", 30*time.Second, es.snapshot, func(c clientLog) bool {
		if c.Closed != "" {
			t.Fatalf("a client closed for good: %s (an EventSource refused with a non-200 never retries)", c.Closed)
		}
		return c.live()
	})
	busy := 0
	for _, c := range es.snapshot() {
		busy += c.Busy
	}
	if busy < n/2 {
		t.Errorf("%d herald.busy answers; want at least %d (about the clients over the burst)", busy, n/2)
	}
	publishJSON(t, h.URL, h.Key, "storm", "after the storm")
	waitClients(t, "the event after the storm", 10*time.Second, es.snapshot, func(c clientLog) bool {
		return last(c.Data) == "after the storm"
	})
	t.Logf("%d clients from one address all live after %d herald.busy answers", n, busy)
}
