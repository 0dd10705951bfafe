package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/redistest"
	"github.com/heraldhq/herald/sseclient"
)

// TestNginxTwoRedisHubs runs the documented nginx config in front of two `herald serve
// --redis` nodes sharing one redis-server: a subscriber through nginx gets events published
// on either node, and when the node it is on is killed it reconnects through nginx to the
// other with Last-Event-ID and gets everything it missed, nothing twice.
func TestNginxTwoRedisHubs(t *testing.T) {
	rs := redistest.Start(t)
	hubs := []*Hub{startHub(t, "--redis", rs.URL()), startHub(t, "--redis", rs.URL())}
	proxy := startNginx(t, hubs[0].URL, hubs[1].URL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	sub := subscribe(t, ctx, proxy+"/events?channel=e2e")
	// Events go to node A, node B and through nginx, in a known order.
	targets := []string{hubs[0].URL, hubs[1].URL, proxy}
	for i := 0; i < 12; i++ {
		publishJSON(t, targets[i%3], hubs[0].Key, "e2e", fmt.Sprint(i))
	}
	got := sub.take(t, 12)
	checkSequence(t, got, 0)

	on := sub.rec.last().upstream
	var victim, survivor *Hub
	for _, h := range hubs {
		if strings.HasSuffix(h.URL, "//"+on) {
			victim = h
		} else {
			survivor = h
		}
	}
	if victim == nil {
		t.Fatalf("nginx says the stream is on %q, which is neither hub (%s, %s)", on, hubs[0].URL, hubs[1].URL)
	}
	_ = victim.Cmd.Process.Kill()
	_ = victim.Cmd.Wait()

	for i := 12; i < 22; i++ {
		publishJSON(t, survivor.URL, survivor.Key, "e2e", fmt.Sprint(i))
	}
	publishJSON(t, proxy, survivor.Key, "e2e", "end")
	got = sub.take(t, 11)
	checkSequence(t, got[:10], 12)
	if got[10].Data != "end" {
		t.Errorf("after event 21 came %q, want the sentinel \"end\" (a repeat?)", got[10].Data)
	}

	conns := sub.rec.all()
	if len(conns) < 2 {
		t.Fatalf("the subscriber never reconnected: %+v", conns)
	}
	t.Logf("subscriber connections through nginx: %+v", conns)
	re := conns[len(conns)-1]
	if !strings.HasSuffix(survivor.URL, "//"+re.upstream) {
		t.Errorf("reconnected to %q, want the surviving node %s", re.upstream, survivor.URL)
	}
	if re.lastEventID == "" {
		t.Errorf("the reconnect through nginx sent no Last-Event-ID: %+v", conns)
	}
}

// TestRedisOutageKeepsSubscribers kills the redis-server under a running `herald serve
// --redis`: the subscriber stays connected, /healthz and /publish answer 503 naming Redis,
// and after Redis is back the same connection carries the next event.
func TestRedisOutageKeepsSubscribers(t *testing.T) {
	rs := redistest.Start(t)
	h := startHub(t, "--redis", rs.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sub := subscribe(t, ctx, h.URL+"/events?channel=e2e")
	publishJSON(t, h.URL, h.Key, "e2e", "0")
	checkSequence(t, sub.take(t, 1), 0)

	rs.Kill()
	status, body := waitStatus(t, h.URL+"/healthz", http.StatusServiceUnavailable)
	if !strings.Contains(strings.ToLower(body), "redis") {
		t.Errorf("/healthz %d with Redis down says %q; want the reason, naming redis", status, body)
	}
	resp := post(t, h.URL+"/publish", h.Key, `{"channel":"e2e","data":"lost"}`)
	if resp.code != http.StatusServiceUnavailable || !strings.Contains(strings.ToLower(resp.body), "redis") {
		t.Errorf("publish with Redis down = %d %s; want 503 naming redis", resp.code, resp.body)
	}

	rs.Restart()
	waitStatus(t, h.URL+"/healthz", http.StatusOK)
	publishJSON(t, h.URL, h.Key, "e2e", "1")
	checkSequence(t, sub.take(t, 1), 1)
	if n := len(sub.rec.all()); n != 1 {
		t.Errorf("the subscriber connected %d times; the hub should have kept it through the outage", n)
	}
}

// startNginx runs Debian's nginx on a free port in a temp prefix with the config of
// docs/scaling.md (its two upstream addresses and its port replaced by the hubs' and a free
// one) and returns its base URL. It needs exactly two upstreams, as the document has.
func startNginx(t *testing.T, upstreams ...string) string {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Fatal("nginx not installed (run scripts/setup.sh, which installs it): ", err)
	}
	if len(upstreams) != 2 {
		t.Fatalf("startNginx takes the two hubs of docs/scaling.md, got %d", len(upstreams))
	}
	dir := t.TempDir()
	port := freePort(t)
	site := documentedConfig(t, map[string]string{
		"127.0.0.1:7878": strings.TrimPrefix(upstreams[0], "http://"),
		"127.0.0.1:7879": strings.TrimPrefix(upstreams[1], "http://"),
		// Which node served a response, for the test's assertions only.
		"listen 8080;": fmt.Sprintf("listen 127.0.0.1:%d;\n    add_header X-Herald-Upstream $upstream_addr always;", port),
	})
	user := ""
	if os.Geteuid() == 0 {
		user = "user root root;" // workers would run as nobody, who cannot enter the temp dir
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
events { worker_connections 1024; }
http {
access_log off;
client_body_temp_path %[2]s/body;
proxy_temp_path %[2]s/proxy;
fastcgi_temp_path %[2]s/fastcgi;
uwsgi_temp_path %[2]s/uwsgi;
scgi_temp_path %[2]s/scgi;
%[3]s
}
`, user, dir, site)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, nil, "nginx", "-p", dir+"/", "-e", "stderr", "-c", confPath,
		"-g", fmt.Sprintf("daemon off; pid %s/nginx.pid; error_log stderr;", dir))
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthy(t, url, 20*time.Second)
	return url
}

// documentedConfig returns the nginx block of docs/scaling.md with each key of replace
// replaced by its value, so the test runs what the documentation tells people to run. A key
// missing from the document fails the test (the document changed; update both).
func documentedConfig(t *testing.T, replace map[string]string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	doc, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "docs", "scaling.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```nginx\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/scaling.md has no ```nginx block")
	}
	for k, v := range replace {
		if strings.Count(block, k) != 1 {
			t.Fatalf("docs/scaling.md's nginx block should contain %q exactly once", k)
		}
		block = strings.Replace(block, k, v, 1)
	}
	return block
}

// conn is one HTTP exchange of a subscriber: which upstream nginx chose and the
// Last-Event-ID the client sent.
type conn struct{ upstream, lastEventID string }

// recorder is an http.RoundTripper that remembers every exchange.
type recorder struct {
	mu    sync.Mutex
	conns []conn
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	up := resp.Header.Get("X-Herald-Upstream")
	if k := strings.LastIndex(up, ", "); k >= 0 { // nginx lists every node it tried
		up = up[k+2:]
	}
	if up == "" {
		up = req.URL.Host
	}
	r.mu.Lock()
	r.conns = append(r.conns, conn{up, req.Header.Get("Last-Event-ID")})
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) all() []conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]conn(nil), r.conns...)
}

func (r *recorder) last() conn {
	c := r.all()
	return c[len(c)-1]
}

// subscriber runs Herald's own reconnecting client on url and hands over the events that
// are not the hub's control events; a herald.gap fails the test.
type subscriber struct {
	rec    *recorder
	events chan sseclient.Event
}

func subscribe(t *testing.T, ctx context.Context, url string) *subscriber {
	t.Helper()
	s := &subscriber{rec: &recorder{}, events: make(chan sseclient.Event, 1000)}
	c := &sseclient.Client{URL: url, HTTPClient: &http.Client{Transport: s.rec}, MaxBackoff: time.Second}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range c.Events(ctx) {
			if err != nil {
				t.Errorf("subscriber on %s stopped: %v", url, err)
				return
			}
			if ev.Type == "herald.gap" {
				t.Errorf("herald.gap on %s: %q (events were lost)", url, ev.Data)
			}
			if !strings.HasPrefix(ev.Type, "herald.") {
				s.events <- ev
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	// The hub registers a subscriber before it answers, so once the first response is in,
	// later publishes reach it.
	deadline := time.Now().Add(20 * time.Second)
	for len(s.rec.all()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("subscriber on %s did not connect within 20s", url)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// take waits for n events (30 s at most).
func (s *subscriber) take(t *testing.T, n int) []sseclient.Event {
	t.Helper()
	out := make([]sseclient.Event, 0, n)
	timeout := time.After(30 * time.Second)
	for len(out) < n {
		select {
		case ev := <-s.events:
			out = append(out, ev)
		case <-timeout:
			t.Fatalf("got %d of %d events within 30s: %+v (connections %+v)", len(out), n, out, s.rec.all())
		}
	}
	return out
}

// checkSequence checks that evs carry the data from, from+1, ... with strictly increasing ids.
func checkSequence(t *testing.T, evs []sseclient.Event, from int) {
	t.Helper()
	for i, ev := range evs {
		if ev.Data != fmt.Sprint(from+i) {
			t.Fatalf("event %d has data %q, want %d: %+v", i, ev.Data, from+i, evs)
		}
		if i > 0 && !idLess(evs[i-1].ID, ev.ID) {
			t.Fatalf("ids not increasing: %q then %q", evs[i-1].ID, ev.ID)
		}
	}
}

// idLess compares two "<ms>-<seq>" ids.
func idLess(a, b string) bool {
	var am, as, bm, bs uint64
	fmt.Sscanf(a, "%d-%d", &am, &as)
	fmt.Sscanf(b, "%d-%d", &bm, &bs)
	return am < bm || (am == bm && as < bs)
}

type reply struct {
	code int
	body string
}

func post(t *testing.T, url, key, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(b)}
}

// publishJSON publishes one event and fails the test unless the hub answers 200 with an id.
func publishJSON(t *testing.T, base, key, channel, data string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"channel": channel, "data": data})
	r := post(t, base+"/publish", key, string(body))
	var rec struct{ ID string }
	if r.code != http.StatusOK || json.Unmarshal([]byte(r.body), &rec) != nil || rec.ID == "" {
		t.Fatalf("publish %q to %s = %d %s; want 200 with an id", data, base, r.code, r.body)
	}
	return rec.ID
}

// waitStatus polls url until it answers want (20 s at most) and returns the last answer.
func waitStatus(t *testing.T, url string, want int) (int, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := 0, ""
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code, body = resp.StatusCode, string(b)
			if code == want {
				return code, body
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answered %d %q (%v), not %d, within 20s", url, code, body, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
