package guard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/peer"
)

// TestTrustedProxyLimitsPerClient: behind a trusted proxy each client the proxy names gets
// its own connect bucket (and the hub behind sees its address); the same headers from any
// other peer are ignored, so they cannot be used to dodge the limit.
func TestTrustedProxyLimitsPerClient(t *testing.T) {
	trusted, err := peer.ParseTrusted([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	g := New(Config{Connect: Limit{Rate: 1, Burst: 1}, Now: c.now, TrustedProxies: trusted})
	var seen string
	h := g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = peer.Client(r) }))
	via := func(peerIP, xff string) int {
		r := req("GET", "/events", peerIP, "")
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		seen = ""
		h.ServeHTTP(w, r)
		return w.Code
	}
	tests := []struct {
		name, peer, xff string
		want            int
		client          string
	}{
		{"first client through the proxy", "127.0.0.1", "198.51.100.1", 200, "198.51.100.1"},
		{"second client through the proxy: its own bucket", "127.0.0.1", "198.51.100.2", 200, "198.51.100.2"},
		{"first client again: its bucket is empty", "127.0.0.1", "198.51.100.1", 429, ""},
		{"untrusted peer naming a fresh client: its own address counts", "192.0.2.9", "198.51.100.3", 200, "192.0.2.9"},
		{"untrusted peer again, another forged client: still limited", "192.0.2.9", "198.51.100.4", 429, ""},
	}
	for _, tt := range tests {
		if got := via(tt.peer, tt.xff); got != tt.want || seen != tt.client {
			t.Errorf("%s: %d, hub saw client %q; want %d and %q", tt.name, got, seen, tt.want, tt.client)
		}
	}
	if got := g.Stats().TrustedProxies; len(got) != 1 || got[0] != "127.0.0.1/32" {
		t.Errorf("stats list trusted proxies %v", got)
	}
}
