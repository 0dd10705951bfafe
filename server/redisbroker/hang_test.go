package redisbroker

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// answer is one HTTP answer of the hub, timed.
type answer struct {
	status     int
	retryAfter string
	body       map[string]string
	took       time.Duration
}

// call sends method url (with the test key and body, if any) and decodes the JSON answer.
func call(t testing.TB, method, url, body string) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	begin := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(begin)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s answered %d %q, not a JSON object: %v", method, url, resp.StatusCode, raw, err)
	}
	return a
}

// TestHungRedisIsReportedQuickly stops redis-server with SIGSTOP (a hung Redis: its socket
// accepts, nothing answers). /healthz must say so well within its one-second budget and a
// publish within about two seconds, with a code that tells the truth: once Redis continues,
// an event answered outcome_unknown may be stored (the first one is: its XADD went out on
// a live connection) and one answered not_stored never is. With redis-server gone
// (connection refused) a publish says not_stored. The time bounds asserted are loose on
// purpose (a loaded machine must not flake); BenchmarkHungRedis measures the latency.
func TestHungRedisIsReportedQuickly(t *testing.T) {
	rs := startRedis(t)
	n := startHungNode(t, rs, 0, 1000)
	n.publish(t, "hang", "before") // the publish pool holds a live connection now

	rs.Pause()
	codes := map[string]string{} // idempotency key -> code answered during the hang
	for i, key := range []string{"k-live", "k-2", "k-3"} {
		p := call(t, http.MethodPost, n.url+"/publish", `{"channel":"hang","data":"during","id":"`+key+`"}`)
		if p.status != http.StatusServiceUnavailable || p.took > 3*time.Second || p.retryAfter == "" {
			t.Errorf("publish %d with Redis hung = %d %v (Retry-After %q) after %v; want 503 with Retry-After within about 2 s (asserted: 3 s)", i, p.status, p.body, p.retryAfter, p.took)
		}
		codes[key] = p.body["code"]
		if c := p.body["code"]; c != "outcome_unknown" && c != "not_stored" {
			t.Errorf("publish %d with Redis hung: code %q, want outcome_unknown or not_stored", i, c)
		}
	}
	t.Logf("codes during the hang: %v", codes)
	if codes["k-live"] != "outcome_unknown" {
		t.Errorf("the first publish during the hang (XADD sent on a live connection) answered %q, want outcome_unknown", codes["k-live"])
	}
	h := call(t, http.MethodGet, n.url+"/healthz", "")
	if h.status != http.StatusServiceUnavailable || h.took > 2*time.Second {
		t.Errorf("/healthz with Redis hung = %d %v after %v; want 503 within 1 s (asserted: 2 s)", h.status, h.body, h.took)
	}

	// Continued, Redis runs the XADD it had queued: "outcome unknown" was the honest
	// answer. No event answered not_stored may appear.
	rs.Resume()
	c := rs.Client()
	stored := func() map[string]bool {
		ms, err := c.XRange(context.Background(), streamName(t), "-", "+").Result()
		if err != nil {
			t.Fatalf("XRANGE after SIGCONT: %v", err)
		}
		keys := map[string]bool{}
		for _, m := range ms {
			if k, ok := m.Values[fieldKey].(string); ok {
				keys[k] = true
			}
		}
		return keys
	}
	waitFor(t, "the XADD sent during the hang to be stored", func() bool { return stored()["k-live"] })
	n.publish(t, "hang", "after") // Redis has run everything queued before this
	for key, code := range codes {
		if code == "not_stored" && stored()[key] {
			t.Errorf("the publish with id %q answered not_stored, but Redis stored it", key)
		}
	}

	rs.Kill()
	p := call(t, http.MethodPost, n.url+"/publish", `{"channel":"hang","data":"refused"}`)
	if p.status != http.StatusServiceUnavailable || p.body["code"] != "not_stored" || p.retryAfter == "" {
		t.Errorf("publish with redis-server gone = %d %v (Retry-After %q); want 503, code not_stored, a Retry-After", p.status, p.body, p.retryAfter)
	}
}

// BenchmarkHungRedis measures how long /healthz and a publish take to answer 503 while
// redis-server is stopped with SIGSTOP (ms/healthz, ms/publish; targets: under 1 s and
// about 2 s).
//
//	go test -run '^$' -bench HungRedis -benchtime 5x ./server/redisbroker/
func BenchmarkHungRedis(b *testing.B) {
	rs := startRedis(b)
	n := startHungNode(b, rs, 0, 1000)
	n.publish(b, "hang", "before")
	rs.Pause()
	var health, publish time.Duration
	for b.Loop() {
		h := call(b, http.MethodGet, n.url+"/healthz", "")
		p := call(b, http.MethodPost, n.url+"/publish", `{"channel":"hang","data":"during"}`)
		if h.status != http.StatusServiceUnavailable || p.status != http.StatusServiceUnavailable {
			b.Fatalf("with Redis hung: /healthz %d, publish %d; want 503 for both", h.status, p.status)
		}
		health += h.took
		publish += p.took
	}
	b.ReportMetric(float64(health.Milliseconds())/float64(b.N), "ms/healthz")
	b.ReportMetric(float64(publish.Milliseconds())/float64(b.N), "ms/publish")
	b.ReportMetric(0, "ns/op")
}
