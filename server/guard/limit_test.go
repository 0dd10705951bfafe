package guard

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clock is a settable fake clock for the limiters.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func req(method, target, ip, token string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = ip + ":40000"
	if strings.Contains(ip, ":") {
		r.RemoteAddr = "[" + ip + "]:40000"
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestConnectLimitPerIP(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{Connect: Limit{Rate: 1, Burst: 3}, Now: c.now})
	for i := range 3 {
		if w := serve(g, req("GET", "/events", "10.0.0.1", "")); w.Code != 200 {
			t.Fatalf("connect %d within burst: %d", i, w.Code)
		}
	}
	w := serve(g, req("GET", "/events", "10.0.0.1", ""))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("4th connect: %d, want 429", w.Code)
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 seconds", w.Header().Get("Retry-After"))
	}
	if e := errorOf(t, w); !strings.Contains(e, "too many new connections") || !strings.Contains(e, "limit 1 per second") {
		t.Errorf("error %q", e)
	}
	if w := serve(g, req("GET", "/events", "10.0.0.2", "")); w.Code != 200 {
		t.Errorf("another IP was limited too: %d", w.Code)
	}
	if w := serve(g, req("GET", "/stats", "10.0.0.1", "")); w.Code != 200 {
		t.Errorf("/stats counted as a connect: %d", w.Code)
	}
	c.t = c.t.Add(1100 * time.Millisecond)
	if w := serve(g, req("GET", "/events", "10.0.0.1", "")); w.Code != 200 {
		t.Errorf("after refill: %d, want 200", w.Code)
	}
	if s := g.Stats(); s.Rejected.Connect != 1 || s.Limits.ConnectPerIP != (Limit{1, 3}) {
		t.Errorf("stats %+v", s)
	}
}

func TestIPv6GroupedBy64(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{Connect: Limit{Rate: 1, Burst: 1}, Now: c.now})
	if w := serve(g, req("GET", "/events", "2001:db8:1:2::1", "")); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if w := serve(g, req("GET", "/events", "2001:db8:1:2::ffff", "")); w.Code != 429 {
		t.Fatalf("same /64, other address: %d, want 429", w.Code)
	}
	if w := serve(g, req("GET", "/events", "2001:db8:1:3::1", "")); w.Code != 200 {
		t.Fatalf("another /64: %d, want 200", w.Code)
	}
}

func TestPublishLimits(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{PublishPerToken: Limit{Rate: 1, Burst: 2}, PublishPerIP: Limit{Rate: 1, Burst: 3}, Now: c.now})
	// Token A from two IPs: the token's bucket (2) runs out first.
	for i, ip := range []string{"10.0.0.1", "10.0.0.2"} {
		if w := serve(g, req("POST", "/publish", ip, "tokA")); w.Code != 200 {
			t.Fatalf("publish %d: %d", i, w.Code)
		}
	}
	w := serve(g, req("POST", "/publish", "10.0.0.3", "tokA"))
	if w.Code != 429 || !strings.Contains(errorOf(t, w), "with this token") || w.Header().Get("Retry-After") == "" {
		t.Fatalf("3rd publish with token A: %d %s", w.Code, w.Body)
	}
	// 10.0.0.1 has used 1 of 3; two more with other tokens pass, the next is refused per IP.
	for _, tok := range []string{"tokB", "tokC"} {
		if w := serve(g, req("POST", "/publish", "10.0.0.1", tok)); w.Code != 200 {
			t.Fatalf("publish with %s: %d", tok, w.Code)
		}
	}
	w = serve(g, req("POST", "/publish", "10.0.0.1", "tokD"))
	if w.Code != 429 || !strings.Contains(errorOf(t, w), "from your address") {
		t.Fatalf("4th publish from 10.0.0.1: %d %s", w.Code, w.Body)
	}
	// The refused request gave its token bucket back: tokD still has its full burst.
	if w := serve(g, req("POST", "/publish", "10.0.0.9", "tokD")); w.Code != 200 {
		t.Fatalf("tokD from a fresh IP: %d", w.Code)
	}
	if w := serve(g, req("POST", "/publish", "10.0.0.9", "tokD")); w.Code != 200 {
		t.Fatalf("tokD second: %d (the refused request consumed its bucket)", w.Code)
	}
	// GET /publish and other paths are not publish-limited.
	if w := serve(g, req("GET", "/publish", "10.0.0.1", "tokA")); w.Code != 200 {
		t.Errorf("GET /publish limited: %d", w.Code)
	}
	s := g.Stats()
	if s.Rejected.PublishPerToken != 1 || s.Rejected.PublishPerIP != 1 {
		t.Errorf("rejections %+v", s.Rejected)
	}
}

func TestLimiterForgetsOldestWhenFull(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{Connect: Limit{Rate: 0.001, Burst: 1}, MaxClients: 3, Now: c.now})
	for i := range 5 {
		c.t = c.t.Add(time.Second)
		serve(g, req("GET", "/events", "10.0.0."+strconv.Itoa(i), ""))
	}
	if n := g.Stats().TrackedClients; n != 3 {
		t.Fatalf("tracked %d clients, want the cap 3", n)
	}
	// 10.0.0.0 was forgotten, so it may connect again; 10.0.0.4 is remembered and may not.
	if w := serve(g, req("GET", "/events", "10.0.0.0", "")); w.Code != 200 {
		t.Errorf("forgotten client: %d", w.Code)
	}
	if w := serve(g, req("GET", "/events", "10.0.0.4", "")); w.Code != 429 {
		t.Errorf("remembered client: %d", w.Code)
	}
}

func TestZeroLimitsDisable(t *testing.T) {
	g := New(Config{})
	for i := range 1000 {
		if w := serve(g, req("POST", "/publish", "10.0.0.1", "t")); w.Code != 200 {
			t.Fatalf("request %d refused with limits off: %d", i, w.Code)
		}
	}
	if n := g.Stats().TrackedClients; n != 0 {
		t.Fatalf("disabled limiters track %d clients", n)
	}
}

func TestRetryAfter(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1500 * time.Millisecond: "2", 10 * time.Second: "10"} {
		if got := retryAfter(d); got != want {
			t.Errorf("retryAfter(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig(nil)
	if c.Connect != DefaultConnect || c.PublishPerToken != DefaultPublishPerToken || c.PublishPerIP != DefaultPublishPerIP || len(c.CORSOrigins) != 0 {
		t.Fatalf("DefaultConfig = %+v", c)
	}
	if c.Connect.Rate <= 0 || c.PublishPerToken.Rate <= 0 {
		t.Fatal("default limits are off")
	}
}

func TestForgedTokensGetNoBucket(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{PublishPerToken: Limit{Rate: 1, Burst: 1}, Now: c.now, ValidToken: func(tok string) bool { return tok == "real" }})
	for i := range 50 {
		serve(g, req("POST", "/publish", "10.0.0.1", "forged-"+strconv.Itoa(i)))
	}
	if n := g.Stats().TrackedClients; n != 0 {
		t.Fatalf("forged tokens made %d buckets", n)
	}
	if w := serve(g, req("POST", "/publish", "10.0.0.1", "real")); w.Code != 200 {
		t.Fatalf("real token: %d", w.Code)
	}
	if w := serve(g, req("POST", "/publish", "10.0.0.1", "real")); w.Code != 429 {
		t.Fatalf("real token over its burst: %d, want 429", w.Code)
	}
}
