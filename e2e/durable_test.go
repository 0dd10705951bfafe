package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/sseclient"
)

// ack is a publish the hub answered 200.
type ack struct {
	id, data string
}

// publishAt publishes to channel at rate events/s until stop is closed, and returns the
// publishes answered 200, in publish order (one publisher, so that is id order). Failures
// (the hub is dead or restarting) are not acknowledged and are simply retried with the next
// event, as a publisher would.
func publishAt(url, key, channel string, rate int, stop <-chan struct{}, count *atomic.Int64) <-chan []ack {
	out := make(chan []ack, 1)
	go func() {
		var acks []ack
		c := &http.Client{Timeout: 5 * time.Second}
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				out <- acks
				return
			case <-t.C:
			}
			data := fmt.Sprintf("event-%d", n)
			body, _ := json.Marshal(map[string]string{"channel": channel, "data": data})
			req, _ := http.NewRequest(http.MethodPost, url+"/publish", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := c.Do(req)
			if err != nil {
				continue
			}
			var r struct{ ID string }
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && err == nil && r.ID != "" {
				acks = append(acks, ack{r.ID, data})
				count.Add(1)
			}
		}
	}()
	return out
}

// TestDurableHistorySurvivesKill9: `herald serve` with its default (durable) history, a
// publisher at 100 events/s, kill -9 mid-stream, a restart on the same config folder; a
// client resuming from the first event receives every event whose publish got 200, in
// order, with no herald.gap, and ids after the restart are newer than before it.
func TestDurableHistorySurvivesKill9(t *testing.T) {
	hub := startHub(t) // no --history-store: the durable default
	const channel = "e2e.durable"
	stop := make(chan struct{})
	var count atomic.Int64
	acked := publishAt(hub.URL, hub.Key, channel, 100, stop, &count)
	// waitAcks waits (on a busy machine publishes may be slower than 100/s) until n
	// publishes in all were answered 200.
	waitAcks := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); count.Load() < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				close(stop)
				t.Fatalf("only %d of %d publishes answered 200 within 60 s", count.Load(), n)
			}
		}
	}

	waitAcks(100)
	if err := hub.Cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	_ = hub.Cmd.Wait()
	time.Sleep(200 * time.Millisecond) // the publisher meets the dead hub
	file := filepath.Join(hub.ConfigDir, "herald", "history.db")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the durable history is not in the config folder: %v", err)
	}

	addr := strings.TrimPrefix(hub.URL, "http://")
	hub.Proc = start(t, []string{"XDG_CONFIG_HOME=" + hub.ConfigDir, "HOME=" + hub.ConfigDir}, herald(),
		"serve", "--addr", addr, "--key", hub.Key)
	waitHealthy(t, hub.URL, 20*time.Second)
	waitAcks(count.Load() + 30) // keep publishing after the restart
	close(stop)
	acks := <-acked
	before := 0 // acks before the kill: their ids are of the first run
	for i := 1; i < len(acks); i++ {
		if acks[i].data != fmt.Sprintf("event-%d", i) && before == 0 {
			before = i
		}
	}
	if before == 0 || before == len(acks) {
		t.Fatalf("no publish failed while the hub was down (%d acks): the kill did not happen mid-stream", len(acks))
	}

	// Resume from the first acknowledged event, as a client that saw only that one.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hub.URL+"/events?channel="+channel, nil)
	req.Header.Set("Last-Event-ID", acks[0].id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := sseclient.NewParser(resp.Body)
	want := acks[1:]
	var got []sseclient.Event
	for len(want) > 0 {
		e, err := p.Next()
		if err != nil {
			t.Fatalf("stream ended after %d events (%d acknowledged ones still missing, next %s %q): %v",
				len(got), len(want), want[0].id, want[0].data, err)
		}
		if e.Type == "herald.gap" {
			t.Fatalf("herald.gap after the restart: %s", e.Data)
		}
		if e.Type != "message" {
			continue
		}
		got = append(got, e)
		if len(got) > 1 && !olderID(t, got[len(got)-2].ID, e.ID) {
			t.Fatalf("id %s came after %s: not in order", e.ID, got[len(got)-2].ID)
		}
		// A publish the kill cut off may have been stored without its 200 reaching the
		// publisher; it may be replayed. Every acknowledged one must be, in order.
		if e.ID == want[0].id {
			if e.Data != want[0].data {
				t.Fatalf("event %s has data %q, want %q", e.ID, e.Data, want[0].data)
			}
			want = want[1:]
		} else if !olderID(t, e.ID, want[0].id) {
			t.Fatalf("acknowledged event %s (%q) is missing: the stream went on with %s", want[0].id, want[0].data, e.ID)
		}
	}
	t.Logf("%d acknowledged events (%d before the kill), %d replayed in order after the restart, no gap",
		len(acks), before, len(got))
}

// olderID reports whether id a is older than b ("<ms>-<seq>").
func olderID(t *testing.T, a, b string) bool {
	t.Helper()
	var am, as, bm, bs uint64
	if _, err := fmt.Sscanf(a, "%d-%d", &am, &as); err != nil {
		t.Fatalf("id %q: %v", a, err)
	}
	if _, err := fmt.Sscanf(b, "%d-%d", &bm, &bs); err != nil {
		t.Fatalf("id %q: %v", b, err)
	}
	return am < bm || (am == bm && as < bs)
}
