package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboardResumes checks that the page keeps its place: after leaving and coming back
// (the id kept in sessionStorage goes out as ?lastEventId=) it shows what was published
// meanwhile and nothing twice; after the hub stops and a new one starts on the same port
// (a hub run with --history-store memory forgets its history; the durable default keeps it,
// see durable_test.go) it shows "hub stopped", then the gap the new hub reports, and then
// every event published after the restart exactly once.
func TestDashboardResumes(t *testing.T) {
	hub := startHub(t, "--history-store", "memory")
	b := newBrowser(t)
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	const channel = "e2e.resume"
	page := hub.URL + "/?channel=" + channel

	publish := func(label string) {
		t.Helper()
		data, _ := json.Marshal(map[string]string{"message": label + " " + run})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, err := runHerald(t, ctx, nil, "publish", "--url", hub.URL, "--token", hub.Key,
			"--channel", channel, "--event", "message", string(data)); err != nil {
			t.Fatalf("herald publish %s: %v\n%s", label, err, out)
		}
	}
	shown := func(labels ...string) {
		t.Helper()
		checks := make([]string, len(labels))
		for i, l := range labels {
			checks[i] = fmt.Sprintf("t.some(s => s === %q)", l+" "+run)
		}
		b.WaitFor(strings.Join(labels, ", ")+" in the log",
			fmt.Sprintf("(t => %s)(%s)", strings.Join(checks, " && "), logTexts), pageState, 20*time.Second)
	}
	live := func() {
		t.Helper()
		b.WaitFor("the status to say live", `document.getElementById('status').dataset.phase === 'live'`, pageState, 20*time.Second)
	}

	b.Do(30*time.Second, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page))
	live()
	publish("before-1")
	publish("before-2")
	shown("before-1", "before-2")

	// Leave the page, publish, come back: the page asks for what came after its last id.
	b.Do(15*time.Second, chromedp.Navigate("about:blank"))
	publish("away-1")
	publish("away-2")
	b.Do(30*time.Second, chromedp.Navigate(page))
	live()
	shown("away-1", "away-2")
	assertOnce(t, b, run, map[string]int{"before-1": 0, "before-2": 0, "away-1": 1, "away-2": 1})

	// Stop the hub: the page says so and starts counting down to its next try.
	hub.Stop()
	b.WaitFor("the hub-stopped line", fmt.Sprintf(`%s.some(s => s.startsWith('Hub stopped'))`, logTexts), pageState, 15*time.Second)
	// The browser retries once by itself (after the hub's retry: time), then the page counts
	// down to its own next attempt.
	b.WaitFor("the countdown", `document.getElementById('status').dataset.phase === 'stopped'
	  && /^Hub stopped, reconnecting in \d+ s$/.test(document.getElementById('status-text').textContent)
	  && !document.getElementById('reconnect-now').hidden`, pageState, 15*time.Second)

	shots := t.TempDir()
	b.Screenshot(shots, "dashboard-hub-down-360-light.png", 360, "light")

	// A new hub on the same port and key; publish at once, most likely before the page is back.
	restartHub(t, hub)
	publish("after-1")
	publish("after-2")
	live()
	publish("after-3")
	shown("after-1", "after-2", "after-3")
	b.WaitFor("the gap line", fmt.Sprintf(`%s.some(s => s.startsWith('Some events were missed'))`, logTexts), pageState, 5*time.Second)
	assertOnce(t, b, run, map[string]int{"before-1": 0, "away-1": 1, "away-2": 1, "after-1": 1, "after-2": 1, "after-3": 1})

	b.Screenshot(shots, "dashboard-resumed-1280-dark.png", 1280, "dark")

	// While the hub was down the browser logged refused connections; anything else is a bug.
	for _, p := range b.Problems() {
		if !strings.Contains(p, "ERR_CONNECTION_REFUSED") {
			t.Errorf("console error: %s", p)
		}
	}
}

// assertOnce checks how often each labelled message is in the log.
func assertOnce(t *testing.T, b *Browser, run string, want map[string]int) {
	t.Helper()
	texts := Eval[[]string](b, logTexts)
	for label, n := range want {
		got := 0
		for _, s := range texts {
			if s == label+" "+run {
				got++
			}
		}
		if got != n {
			t.Errorf("%q is in the log %d times, want %d; log: %q", label, got, n, texts)
		}
	}
}

// restartHub starts `herald serve` again on the stopped hub's address, key and config
// folder, and waits until it is healthy.
func restartHub(t *testing.T, h *Hub) {
	t.Helper()
	addr := strings.TrimPrefix(h.URL, "http://")
	h.Proc = start(t, []string{"XDG_CONFIG_HOME=" + h.ConfigDir, "HOME=" + h.ConfigDir}, herald(),
		"serve", "--addr", addr, "--key", h.Key, "--history-store", "memory")
	waitHealthy(t, h.URL, 20*time.Second)
}
