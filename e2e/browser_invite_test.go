package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboardInviteLink opens a --private hub's dashboard twice: without a token the
// status shows the hub's own refusal, and with the link `herald token` prints the page
// subscribes (the token goes to /events as ?token=) and shows what is published.
func TestDashboardInviteLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hub := startHub(t, "--private")
	const channel = "e2e.private"

	out, err := runHerald(t, ctx, nil, "token", "--key", hub.Key, "--subscribe", channel, "--ttl", "1h", "--url", hub.URL)
	if err != nil {
		t.Fatalf("herald token: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^Invite link: (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("herald token printed no invite link:\n%s", out)
	}
	invite := m[1]
	if !strings.HasPrefix(invite, hub.URL+"/") || !strings.Contains(invite, "token=") {
		t.Fatalf("invite link %q does not open this hub's dashboard with ?token=", invite)
	}

	b := newBrowser(t)
	b.Do(30*time.Second, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(hub.URL+"/?channel="+channel))
	b.WaitFor("the hub's refusal under the status", `!document.getElementById('status-detail').hidden
	  && document.getElementById('status-detail').textContent.length > 10
	  && document.getElementById('status').dataset.phase === 'reconnecting'`, pageState, 15*time.Second)
	why := Eval[string](b, `document.getElementById('status-detail').textContent`)
	t.Logf("without a token the page says: %s", why)
	if strings.HasPrefix(why, "HTTP ") {
		t.Errorf("the status shows %q, want the hub's JSON error message", why)
	}

	b.Screenshot(t.TempDir(), "dashboard-refused-360-light.png", 360, "light")

	b.Do(30*time.Second, chromedp.Navigate(invite+"&channel="+channel))
	b.WaitFor("the status to say live with the invite token", `document.getElementById('status').dataset.phase === 'live'`, pageState, 15*time.Second)
	msg := fmt.Sprintf("for invited eyes %d", time.Now().UnixNano())
	data, _ := json.Marshal(map[string]string{"message": msg})
	if out, err := runHerald(t, ctx, nil, "publish", "--url", hub.URL, "--token", hub.Key, "--channel", channel, "--event", "message", string(data)); err != nil {
		t.Fatalf("herald publish: %v\n%s", err, out)
	}
	b.WaitFor("the private event in the log", fmt.Sprintf(`%s.some(s => s === %q)`, logTexts, msg), pageState, 15*time.Second)

	// The refused subscriptions were logged by the browser as failed loads; nothing else may be.
	for _, p := range b.Problems() {
		if !strings.Contains(p, "status of 401") {
			t.Errorf("console error: %s", p)
		}
	}
}
