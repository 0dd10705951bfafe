package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/guard"
)

// refusal is what one GET /events answer held.
type refusal struct {
	status     int
	header     http.Header
	retry      time.Duration // the stream's retry: (0 when none)
	event      string        // the stream's one event type
	data       string
	body       string
	eofHandled bool // the stream ended after the event
}

// getEvents sends GET url; eventSource adds Accept: text/event-stream as every EventSource
// does. It reads the whole answer (a refusal ends by itself; 5 s at most).
func getEvents(t *testing.T, url string, eventSource bool) refusal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if eventSource {
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Cache-Control", "no-cache")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	out := refusal{status: resp.StatusCode, header: resp.Header, body: string(b), eofHandled: err == nil}
	for _, line := range strings.Split(out.body, "\n") {
		f, v, _ := strings.Cut(line, ": ")
		switch f {
		case "retry":
			ms, _ := strconv.Atoi(v)
			out.retry = time.Duration(ms) * time.Millisecond
		case "event":
			out.event = v
		case "data":
			out.data = v
		}
	}
	return out
}

// TestTransientRefusalsKeepEventSources: a refusal of GET /events that passes (the hub is
// full, one address holds too many streams or connects too fast, the hub is draining) is
// answered to an EventSource (Accept: text/event-stream) with 200, a jittered retry: no
// longer than the wait, one herald.busy or herald.shutdown event naming the reason, and the
// end of the stream, so the browser reconnects instead of giving up for good. A client that
// does not ask for a stream keeps the plain status with Retry-After and the JSON error.
func TestTransientRefusalsKeepEventSources(t *testing.T) {
	type setup func(t *testing.T) (url string)
	full := func(t *testing.T) string {
		th := newTestHub(t, Config{Limits: Limits{MaxSubscribers: 1}})
		th.open(t, "?channel=a")
		return th.URL + "/events?channel=a"
	}
	perIP := func(t *testing.T) string {
		th := newTestHub(t, Config{Limits: Limits{MaxPerIP: 1}})
		th.open(t, "?channel=a")
		return th.URL + "/events?channel=b"
	}
	rate := func(t *testing.T) string {
		bh := newBatHub(t, Limits{}, guard.Config{Connect: guard.Limit{Rate: 1, Burst: 1}})
		openBatStream(t, bh.URL+"/events?channel=pub.x") // takes the burst
		return bh.URL + "/events?channel=pub.x"
	}
	draining := func(t *testing.T) string {
		th := newTestHub(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := th.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return th.URL + "/events?channel=a"
	}
	tests := []struct {
		name      string
		setup     setup
		status    int
		event     string
		reason    string
		maxWait   time.Duration
		plainWait string
	}{
		{"hub full", full, 503, "herald.busy", "subscriber limit", 10 * time.Second, "10"},
		{"too many streams from one address", perIP, 429, "herald.busy", "too many open streams", 10 * time.Second, "10"},
		{"connects too fast", rate, 429, "herald.busy", "too many new connections", 2 * time.Second, "2"},
		{"draining", draining, 503, "herald.shutdown", "shutting down", DefaultRetry, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.setup(t)
			// Plain clients (curl, scripts): the status tells them most.
			plain := getEvents(t, url, false)
			var e struct{ Error string }
			if plain.status != tt.status || json.Unmarshal([]byte(plain.body), &e) != nil || !strings.Contains(e.Error, tt.reason) ||
				plain.header.Get("Retry-After") != tt.plainWait {
				t.Errorf("plain client: %d Retry-After %q %s; want %d, Retry-After %s and an error with %q",
					plain.status, plain.header.Get("Retry-After"), plain.body, tt.status, tt.plainWait, tt.reason)
			}
			// An EventSource: a stream that says why and when to come back, then ends.
			es := getEvents(t, url, true)
			if es.status != http.StatusOK || !strings.HasPrefix(es.header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("EventSource got %d %q %s; want 200 text/event-stream (anything else closes it for good)",
					es.status, es.header.Get("Content-Type"), es.body)
			}
			if !es.eofHandled || es.event != tt.event || !strings.Contains(es.data, tt.reason) {
				t.Errorf("EventSource stream %q; want one %s event naming %q, then the end", es.body, tt.event, tt.reason)
			}
			var d struct {
				Status  int
				RetryMs int64
			}
			if err := json.Unmarshal([]byte(es.data), &d); err != nil || d.Status != tt.status || d.RetryMs != es.retry.Milliseconds() {
				t.Errorf("event data %q: want JSON with status %d and retryMs equal to retry:", es.data, tt.status)
			}
			if es.retry < tt.maxWait/2 || es.retry > tt.maxWait {
				t.Errorf("retry: %v; want between %v and %v", es.retry, tt.maxWait/2, tt.maxWait)
			}
		})
	}
}

// TestShutdownRetryIsJittered: at shutdown each stream gets, before herald.shutdown, a
// retry: of its own between half the configured retry and all of it, so the hub's clients
// do not all come back in the same instant.
func TestShutdownRetryIsJittered(t *testing.T) {
	const n = 20
	retry := 4 * time.Second
	th := newTestHub(t, Config{Retry: retry})
	streams := make([]*stream, n)
	for i := range streams {
		streams[i] = th.open(t, "?channel=j")
		streams[i].expect(t, "herald.connected")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- th.Shutdown(ctx) }()
	seen := map[time.Duration]int{}
	for i, s := range streams {
		b, _ := io.ReadAll(s.r) // the stream ends after herald.shutdown
		body := string(b)
		k := strings.Index(body, "event: herald.shutdown")
		j := strings.LastIndex(body[:max(k, 0)], "retry: ")
		if k < 0 || j < 0 {
			t.Fatalf("stream %d ended with %q; want retry: then herald.shutdown", i, body)
		}
		line, _, _ := strings.Cut(body[j+len("retry: "):], "\n")
		ms, err := strconv.Atoi(line)
		d := time.Duration(ms) * time.Millisecond
		if err != nil || d < retry/2 || d > retry {
			t.Fatalf("stream %d: retry: %q; want between %v and %v", i, line, retry/2, retry)
		}
		seen[d]++
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(seen) < n/2 {
		t.Errorf("%d streams got only %d distinct retry values %v; want them spread", n, len(seen), seen)
	}
}
