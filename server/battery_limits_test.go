package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server/guard"
)

// TestBatteryRateLimits floods a hub with tight limits over real HTTP: the request after the
// burst gets 429 with Retry-After and a JSON error, other clients and tokens are unaffected,
// and /stats shows the limits and the rejections.
func TestBatteryRateLimits(t *testing.T) {
	lim := guard.Limit{Rate: 0.01, Burst: 3}
	bh := newBatHub(t, batLimits, guard.Config{Connect: lim, PublishPerToken: lim, PublishPerIP: guard.Limit{Rate: 0.01, Burst: 5}})
	tk := mintBatTokens(t)

	pub := func(token string) batResponse {
		return runBatCase(t, bh, batCase{method: "POST", target: "/publish", ctype: "application/json", body: `{"channel":"pub.x","data":"1"}`, token: token})
	}
	for i := range 3 {
		if got := pub(tk.pubOnly); got.status != 200 {
			t.Fatalf("publish %d within the burst: %d %s", i, got.status, got.body)
		}
	}
	got := pub(tk.pubOnly)
	if got.status != 429 || !strings.Contains(got.err, "with this token") {
		t.Fatalf("4th publish with one token: %d %q, want 429", got.status, got.err)
	}
	if ra, err := strconv.Atoi(got.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", got.header.Get("Retry-After"))
	}
	// Another token from the same address still has room (the IP allows 5)...
	if got := pub(batKey); got.status != 200 {
		t.Fatalf("another token: %d %s", got.status, got.body)
	}
	if got := pub(batKey); got.status != 200 {
		t.Fatalf("another token, 2nd: %d %s", got.status, got.body)
	}
	// ...until the address's own budget is spent.
	if got := pub(batKey); got.status != 429 || !strings.Contains(got.err, "from your address") {
		t.Fatalf("6th publish from one address: %d %q, want 429", got.status, got.err)
	}

	for range 3 {
		openBatStream(t, bh.URL+"/events?channel=pub.x").resp.Body.Close()
	}
	got = runBatCase(t, bh, batCase{method: "GET", target: "/events?channel=pub.x"})
	if got.status != 429 || got.header.Get("Retry-After") == "" || !strings.Contains(got.err, "new connections") {
		t.Fatalf("4th connect: %d %q, want 429 with Retry-After", got.status, got.err)
	}

	resp, err := http.Get(bh.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var st struct {
		Guard guard.Stats `json:"guard"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("/stats: %v in %s", err, b)
	}
	g := st.Guard
	if g.Limits.PublishPerToken != lim || g.Limits.ConnectPerIP != lim || g.Rejected.PublishPerToken != 1 ||
		g.Rejected.PublishPerIP != 1 || g.Rejected.Connect != 1 {
		t.Fatalf("/stats guard section %+v (from %s)", g, b)
	}
}
