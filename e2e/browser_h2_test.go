package e2e

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserManyStreamsOverTLS: `herald serve --tls-self-signed` offers HTTP/2, so Chromium
// holds more than 6 EventSources to the one origin at once (over HTTP/1.1 it opens at most
// 6 connections per origin and the rest wait), and each stream carries its events.
func TestBrowserManyStreamsOverTLS(t *testing.T) {
	const n = 10
	port := freePort(t)
	dir := t.TempDir()
	key := "e2e-test-key-0123456789abcdef"
	p := start(t, []string{"XDG_CONFIG_HOME=" + dir, "HOME=" + dir}, herald(),
		"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--key", key, "--tls-self-signed")
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz did not answer within 20 s (%v):\n%s", base, err, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}

	b := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true))
	b.Do(20*time.Second, chromedp.Navigate(base+"/healthz"))
	Eval[bool](b, fmt.Sprintf(`(() => {
  window.streams = [];
  for (let i = 0; i < %d; i++) {
    const s = {open: false, data: []};
    const es = new EventSource("/events?channel=h2-" + i);
    es.onopen = () => { s.open = true; };
    es.onmessage = (e) => s.data.push(e.data);
    s.es = es;
    window.streams.push(s);
  }
  return true;
})()`, n))
	b.WaitFor(fmt.Sprintf("all %d EventSources open at once", n),
		`window.streams.every(s => s.es.readyState === EventSource.OPEN)`,
		`JSON.stringify(window.streams.map(s => s.es.readyState))`, 15*time.Second)
	proto := Eval[string](b, `performance.getEntriesByType("navigation")[0].nextHopProtocol`)
	if proto != "h2" {
		t.Errorf("the page came over %q; want h2", proto)
	}

	for i := range n {
		req, _ := http.NewRequest(http.MethodPost, base+"/publish", strings.NewReader(fmt.Sprintf(`{"channel":"h2-%d","data":"to %d"}`, i, i)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("publish: %d %s", resp.StatusCode, body)
		}
	}
	b.WaitFor("every stream's own event", `window.streams.every((s, i) => s.data.length === 1 && s.data[0] === "to " + i)`,
		`JSON.stringify(window.streams.map(s => s.data))`, 15*time.Second)

	resp, err := client.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ Connections int }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Connections != n {
		t.Errorf("/stats connections %d (%v); want the page's %d streams", st.Connections, err, n)
	}
}
