package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHubCLIDoneWhen runs issue 3's "done when" with the real binary: `herald serve --demo`
// streams stock updates to a plain HTTP reader; `herald publish` reaches a running
// `herald subscribe`; a subscriber restarted with its last id gets what it missed, once.
func TestHubCLIDoneWhen(t *testing.T) {
	h := startHub(t, "--demo", "--demo-stock-interval", "50ms")

	// curl -N .../events?channel=stocks shows live stock updates.
	resp, err := http.Get(h.URL + "/events?channel=stocks")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	var quote struct {
		Symbol        string   `json:"symbol"`
		Price         *float64 `json:"price"`
		Change        *float64 `json:"change"`
		ChangePercent *float64 `json:"changePercent"`
	}
	for event := ""; sc.Scan(); {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok && event == "stock-update" {
			if err := json.Unmarshal([]byte(v), &quote); err != nil {
				t.Fatalf("stock-update data %q: %v", v, err)
			}
			break
		}
	}
	resp.Body.Close()
	if quote.Symbol == "" || quote.Price == nil || quote.Change == nil || quote.ChangePercent == nil {
		t.Fatalf("no complete stock-update from --demo: %+v", quote)
	}

	env := []string{"XDG_CONFIG_HOME=" + h.ConfigDir, "HOME=" + h.ConfigDir}
	subURL := h.URL + "/events?channel=chat"
	sub := startSubscriber(t, env, subURL)
	publish := func(data string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := runHerald(t, ctx, env, "publish", "--url", h.URL, "--token", h.Key, "--channel", "chat", data)
		if err != nil {
			t.Fatalf("herald publish %s: %v\n%s", data, err, out)
		}
		return strings.TrimSpace(out)
	}
	id := publish("hello")
	if got := sub.nextData(t); got != "hello" {
		t.Fatalf("subscriber got %q, want hello", got)
	}
	sub.Stop()

	// While the subscriber is away, three more events; the restarted one resumes after id.
	for i := range 3 {
		publish(fmt.Sprint("missed-", i))
	}
	sub2 := startSubscriber(t, env, subURL, "--last-event-id", id)
	for i := range 3 {
		if got := sub2.nextData(t); got != fmt.Sprint("missed-", i) {
			t.Fatalf("restarted subscriber got %q, want missed-%d (no loss, no repeat)", got, i)
		}
	}
	publish("live")
	if got := sub2.nextData(t); got != "live" {
		t.Fatalf("after the replay got %q, want live", got)
	}
}

// subscriberProc is a running `herald subscribe` whose stdout is read line by line.
type subscriberProc struct {
	*Proc
	lines <-chan string
}

func startSubscriber(t *testing.T, env []string, url string, extra ...string) *subscriberProc {
	t.Helper()
	cmd := exec.Command(herald(), append([]string{"subscribe", url}, extra...)...)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	buf := &lockedBuffer{}
	cmd.Stderr = buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &subscriberProc{Proc: &Proc{Cmd: cmd, out: buf}, lines: lineReader(out)}
	t.Cleanup(p.Stop)
	// Connected once the hub's herald.connected arrives: from then on nothing is missed.
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("subscriber ended before connecting; stderr:\n%s", p.Output())
			}
			if line == "event: herald.connected" {
				for line != "" { // the rest of the control event
					line = <-p.lines
				}
				return p
			}
		case <-timeout:
			t.Fatalf("subscriber not connected within 20 s; stderr:\n%s", p.Output())
		}
	}
}

// nextData returns the next non-control event's data (within 20 s).
func (p *subscriberProc) nextData(t *testing.T) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	control := false
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("subscriber ended; stderr:\n%s", p.Output())
			}
			if strings.HasPrefix(line, "event: herald.") {
				control = true
			}
			if line == "" {
				control = false
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok && !control {
				return v
			}
		case <-timeout:
			t.Fatalf("no event within 20 s; stderr:\n%s", p.Output())
		}
	}
}
