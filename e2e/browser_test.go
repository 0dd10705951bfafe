package e2e

// The browser dashboard (assets/web) in a real Chromium against a real `herald serve`: it
// loads under the hub's strict CSP with no console error, shows the demo's stock cards, logs
// what `herald publish` sends, sends with its form to a `herald subscribe`, resumes after a
// reload and a hub restart without losing or repeating an event, and looks right at phone
// and desktop widths in light and dark (screenshots under HERALD_ARTIFACTS).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// logTexts is a JavaScript expression: the previews of the log's entries, newest first.
const logTexts = `[...document.querySelectorAll('#log .preview')].map(e => e.textContent)`

// pageState is a JavaScript expression that sums up the page for failure messages.
const pageState = `JSON.stringify({status: document.getElementById('status-text').textContent,
  phase: document.getElementById('status').dataset.phase,
  stocks: [...document.querySelectorAll('.stock')].map(e => e.textContent),
  log: ` + logTexts + `.slice(0, 15), sendResult: document.getElementById('send-result').textContent})`

func TestDashboardLive(t *testing.T) {
	hub := startHub(t, "--demo", "--demo-notification-interval", "1s")
	b := newBrowser(t)
	run := fmt.Sprintf("%d", time.Now().UnixNano())

	b.Do(30*time.Second, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(withCSP(t, hub.URL)+"/"))
	b.WaitFor("the status to say live", `document.getElementById('status').dataset.phase === 'live'`, pageState, 15*time.Second)

	t.Run("page follows the rules", func(t *testing.T) {
		b := b.In(t)
		// A strict CSP blocks inline styles and scripts; the page must not even try.
		if n := Eval[int](b, `document.querySelectorAll('[style], script:not([src])').length`); n != 0 {
			t.Errorf("%d elements with inline style or script; the hub's CSP blocks them", n)
		}
		unlabelled := Eval[[]string](b, `[...document.querySelectorAll('input, select, textarea')]
		  .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
		  .map(e => e.id || e.outerHTML)`)
		if len(unlabelled) > 0 {
			t.Errorf("form fields without a label for screen readers: %v", unlabelled)
		}
		clickables := Eval[int](b, `[...document.querySelectorAll('[onclick], div[tabindex], span[tabindex]')].length`)
		if clickables != 0 {
			t.Errorf("%d clickable non-buttons; use <button> so keyboards reach them", clickables)
		}
		if live := Eval[string](b, `document.getElementById('status-live').getAttribute('aria-live')`); live != "polite" {
			t.Errorf("status region aria-live = %q, want polite", live)
		}
	})

	t.Run("demo stock cards appear and update", func(t *testing.T) {
		b := b.In(t)
		b.WaitFor("the four demo symbols", `['AAPL','GOOGL','MSFT','AMZN'].every(s => document.querySelector('.stock[data-symbol="'+s+'"] .price')?.textContent)`, pageState, 20*time.Second)
		first := Eval[string](b, `document.querySelector('.stock[data-symbol="AAPL"] .spark-line').getAttribute('points')`)
		b.WaitFor("AAPL's sparkline to grow", `document.querySelector('.stock[data-symbol="AAPL"] .spark-line').points.numberOfItems >= 3`, pageState, 20*time.Second)
		if now := Eval[string](b, `document.querySelector('.stock[data-symbol="AAPL"] .spark-line').getAttribute('points')`); now == first {
			t.Errorf("AAPL's sparkline did not change: %q", now)
		}
		cls := Eval[string](b, `document.querySelector('.stock[data-symbol="AAPL"]').className`)
		if !regexp.MustCompile(`\b(up|down|flat)\b`).MatchString(cls) {
			t.Errorf("AAPL card class %q has no up/down/flat direction", cls)
		}
		price := Eval[string](b, `document.querySelector('.stock[data-symbol="AAPL"] .price').textContent`)
		if !regexp.MustCompile(`^\d[\d,]*\.\d\d$`).MatchString(price) {
			t.Errorf("AAPL price %q is not a number with two decimals", price)
		}
	})

	t.Run("herald publish shows in the log", func(t *testing.T) {
		b := b.In(t)
		msg := "published from the CLI " + run
		data, _ := json.Marshal(map[string]string{"message": msg, "level": "warning"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := runHerald(t, ctx, nil, "publish", "--url", hub.URL, "--token", hub.Key,
			"--channel", "e2e", "--event", "notification", string(data))
		if err != nil {
			t.Fatalf("herald publish: %v\n%s", err, out)
		}
		b.WaitFor("the published event in the log", fmt.Sprintf(`%s.some(s => s.includes(%q))`, logTexts, msg), pageState, 15*time.Second)
		level := Eval[string](b, fmt.Sprintf(`[...document.querySelectorAll('#log .entry')].find(e => e.textContent.includes(%q)).dataset.level`, msg))
		if level != "warning" {
			t.Errorf("the entry's level = %q, want warning (it colours the entry)", level)
		}
		// A click on the entry shows the event pretty-printed.
		b.Do(10*time.Second, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`[...document.querySelectorAll('#log .entry summary')].find(e => e.textContent.includes(%q)).click()`, msg)))
		b.WaitFor("the expanded JSON", fmt.Sprintf(`[...document.querySelectorAll('#log .entry pre')].some(p => p.textContent.includes('"message": %q'))`, msg), pageState, 5*time.Second)
	})

	t.Run("the send form reaches herald subscribe", func(t *testing.T) {
		b := b.In(t)
		sub := start(t, nil, herald(), "subscribe", "--json", "--timeout", "60s", hub.URL+"/events?channel=e2e-form")
		waitOutput(t, sub, "herald.connected", 15*time.Second)
		msg := "sent from the browser " + run
		b.Do(15*time.Second,
			chromedp.SetValue(chromedp.ID("send-channel"), "e2e-form"),
			chromedp.SetValue(chromedp.ID("send-type"), "alert"),
			chromedp.SetValue(chromedp.ID("send-level"), "error"),
			chromedp.SetValue(chromedp.ID("send-body"), msg),
			chromedp.SendKeys(chromedp.ID("send-token"), hub.Key),
			chromedp.Click(chromedp.ID("send-button")),
		)
		b.WaitFor("the form to say sent", `document.getElementById('send-result').dataset.ok === 'true' && document.getElementById('send-result').textContent.startsWith('Sent')`, pageState, 10*time.Second)
		line := waitOutput(t, sub, msg, 15*time.Second)
		var ev struct{ Event, Data string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("subscribe --json printed %q: %v", line, err)
		}
		var data struct{ Message, Level string }
		if err := json.Unmarshal([]byte(ev.Data), &data); err != nil || ev.Event != "alert" || data.Message != msg || data.Level != "error" {
			t.Errorf("subscriber got event %q data %q (%v), want alert {message: %q, level: error}", ev.Event, ev.Data, err, msg)
		}
		// The token was not asked to be remembered, so it must not be stored.
		if stored := Eval[bool](b, `localStorage.getItem('herald.publishToken') !== null`); stored {
			t.Error("the publish token was saved to localStorage although 'remember' was not ticked")
		}
		b.WaitFor("the page's own log to show the sent alert", fmt.Sprintf(`%s.some(s => s.includes(%q))`, logTexts, msg), pageState, 10*time.Second)

		// Ticking "remember" keeps the token on this device; unticking forgets it.
		b.Do(5*time.Second, chromedp.Click(chromedp.ID("send-remember")))
		if got := Eval[string](b, `localStorage.getItem('herald.publishToken') || ''`); got != hub.Key {
			t.Errorf("with 'remember' ticked localStorage holds %q, want the token", got)
		}
		b.Do(5*time.Second, chromedp.Click(chromedp.ID("send-remember")))
		if stored := Eval[bool](b, `localStorage.getItem('herald.publishToken') !== null`); stored {
			t.Error("unticking 'remember' left the token in localStorage")
		}
	})

	t.Run("listening for another event type", func(t *testing.T) {
		b := b.In(t)
		msg := "a deploy event " + run
		publishDeploy := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if out, err := runHerald(t, ctx, nil, "publish", "--url", hub.URL, "--token", hub.Key, "--channel", "e2e", "--event", "deploy", msg); err != nil {
				t.Fatalf("herald publish: %v\n%s", err, out)
			}
		}
		b.Do(10*time.Second,
			chromedp.Evaluate[chromedp.Void](`document.querySelector('details.more').open = true`),
			chromedp.SendKeys(chromedp.ID("listen-type"), "deploy"),
			chromedp.Click(chromedp.CSS("#listen-form button[type=submit]")))
		if got := Eval[string](b, `document.getElementById('listen-result').textContent`); !strings.Contains(got, "deploy") {
			t.Errorf("after adding deploy the form says %q", got)
		}
		publishDeploy()
		b.WaitFor("the deploy event in the log", fmt.Sprintf(`%s.some(s => s === %q)`, logTexts, msg), pageState, 10*time.Second)
	})

	t.Run("screenshots", func(t *testing.T) {
		b := b.In(t)
		// A few demo notifications make the picture what a person sees after a while.
		b.WaitFor("demo notifications", `document.querySelectorAll('#log .entry[data-kind="notification"]').length >= 4`, pageState, 20*time.Second)
		dir := t.TempDir()
		for _, shot := range []struct {
			width  int64
			scheme string
		}{{360, "light"}, {1280, "light"}, {360, "dark"}, {1280, "dark"}} {
			name := fmt.Sprintf("dashboard-%d-%s.png", shot.width, shot.scheme)
			path := b.Screenshot(dir, name, shot.width, shot.scheme)
			t.Logf("screenshot %s", path)
			if w := Eval[int](b, `document.documentElement.scrollWidth`); int64(w) > shot.width {
				t.Errorf("at %d px the page is %d px wide: something overflows", shot.width, w)
			}
		}
	})

	t.Run("log filters, pause and keyboard", func(t *testing.T) {
		b := b.In(t)
		setControl := func(id, value, event string) {
			b.Do(5*time.Second, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
				`(e => { e.value = %q; e.dispatchEvent(new Event(%q)); })(document.getElementById(%q))`, value, event, id)))
		}
		setControl("log-type", "notification", "change")
		types := Eval[[]string](b, `[...document.querySelectorAll('#log .type')].map(e => e.textContent)`)
		if len(types) == 0 || strings.Join(types, ",") != strings.Repeat("notification,", len(types)-1)+"notification" {
			t.Errorf("with the type filter on notification the log shows types %v", types)
		}
		setControl("log-type", "", "change")
		b.Do(5*time.Second, chromedp.SendKeys(chromedp.ID("log-search"), "from the cli "+run))
		if got := Eval[[]string](b, logTexts); len(got) != 1 || !strings.Contains(got[0], "published from the CLI") {
			t.Errorf("the text filter (case-insensitive) shows %q, want only the published event", got)
		}
		setControl("log-search", "", "input")
		setControl("log-type", "!stocks", "change")

		b.Do(5*time.Second, chromedp.Click(chromedp.ID("log-pause")))
		if p := Eval[string](b, `document.getElementById('log-pause').getAttribute('aria-pressed')`); p != "true" {
			t.Errorf("pause button aria-pressed = %q after a click", p)
		}
		msg := "while paused " + run
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, err := runHerald(t, ctx, nil, "publish", "--url", hub.URL, "--token", hub.Key, "--channel", "e2e", msg); err != nil {
			t.Fatalf("herald publish: %v\n%s", err, out)
		}
		b.WaitFor("the paused counter", `/^Paused · [1-9]/.test(document.getElementById('log-count').textContent)`, pageState, 10*time.Second)
		if shown := Eval[bool](b, fmt.Sprintf(`%s.some(s => s.includes(%q))`, logTexts, msg)); shown {
			t.Error("an event published while paused is in the log before Resume")
		}
		b.Do(5*time.Second, chromedp.Click(chromedp.ID("log-pause")))
		b.WaitFor("the held event after Resume", fmt.Sprintf(`%s.some(s => s.includes(%q))`, logTexts, msg), pageState, 5*time.Second)

		// Keyboard: the skip link comes first, Tab goes on to the channel chips, and Enter
		// on a log entry opens it.
		first := Eval[string](b, `document.querySelector('a[href], button:not([hidden]), input, select, textarea, summary').className`)
		if first != "skip-link" {
			t.Errorf("the first focusable element is %q, want the skip link", first)
		}
		b.Do(5*time.Second, chromedp.Evaluate[chromedp.Void](`document.querySelector('.skip-link').focus()`), chromedp.KeyEvent("\t"))
		if cls := Eval[string](b, `document.activeElement.className`); cls != "chip" {
			t.Errorf("Tab after the skip link focuses %q, want the first channel chip", cls)
		}
		b.Do(5*time.Second, chromedp.Evaluate[chromedp.Void](`document.querySelector('#log .entry:not(:has(details[open])) summary').focus()`),
			chromedp.KeyEvent("\r"))
		if open := Eval[bool](b, `document.activeElement.parentElement.open`); !open {
			t.Error("Enter on a focused log entry did not open it")
		}
	})

	t.Run("channel picker resubscribes", func(t *testing.T) {
		b := b.In(t)
		b.Do(5*time.Second, chromedp.SetValue(chromedp.ID("channel-input"), "e2e-only, stocks"),
			chromedp.Click(chromedp.CSS("#channel-form button[type=submit]")))
		b.WaitFor("the new subscription", `JSON.stringify(window.herald.channels) === '["e2e-only","stocks"]'`, pageState, 5*time.Second)
		b.WaitFor("herald.connected for the new channels", fmt.Sprintf(`%s.some(s => s.endsWith('channels: e2e-only, stocks'))`, logTexts), pageState, 10*time.Second)
		if p := Eval[string](b, `document.querySelector('.chip[data-name="e2e-only"]').getAttribute('aria-pressed')`); p != "true" {
			t.Errorf("the e2e-only chip has aria-pressed %q, want true", p)
		}
		b.Do(5*time.Second, chromedp.Click(chromedp.CSS(`.chip[data-name="*"]`)))
		b.WaitFor("the subscription back to everything", `JSON.stringify(window.herald.channels) === '["*"]' && document.getElementById('status').dataset.phase === 'live'`, pageState, 10*time.Second)
	})

	t.Run("offline and back", func(t *testing.T) {
		b := b.In(t)
		setOnline := func(online bool) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
					return err
				}
				_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
					Offline: !online, DownloadThroughput: -1, UploadThroughput: -1,
				})
				return err
			})
		}
		b.Do(5*time.Second, setOnline(false))
		b.WaitFor("the status to say offline", `document.getElementById('status').dataset.phase === 'offline' && document.getElementById('status-text').textContent === 'Offline'`, pageState, 5*time.Second)
		if got := Eval[string](b, `document.getElementById('status-live').textContent`); !strings.HasPrefix(got, "Offline") {
			t.Errorf("the aria-live status region says %q, want it to announce Offline", got)
		}
		b.Do(5*time.Second, setOnline(true))
		b.WaitFor("the status to say live again", `document.getElementById('status').dataset.phase === 'live'`, pageState, 10*time.Second)
	})

	t.Run("a burst of 1000 events keeps the log bounded", func(t *testing.T) {
		b := b.In(t)
		before := Eval[int](b, `window.herald.received`)
		batch := make([]map[string]any, 1000)
		for i := range batch {
			batch[i] = map[string]any{"channel": "e2e-burst", "event": "message", "data": map[string]any{"message": fmt.Sprintf("burst %d %s", i, run)}}
		}
		body, _ := json.Marshal(batch)
		req, _ := http.NewRequest(http.MethodPost, hub.URL+"/publish", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+hub.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /publish with 1000 events: %s", resp.Status)
		}
		start := time.Now()
		// Newest first: the last of the burst above the one before it (live events may
		// already have come in on top).
		b.WaitFor("all 1000 events", fmt.Sprintf(`window.herald.received >= %d && (t => t.indexOf(%q) >= 0 && t.indexOf(%q) > t.indexOf(%q))(%s)`,
			before+1000, "burst 999 "+run, "burst 998 "+run, "burst 999 "+run, logTexts), pageState, 20*time.Second)
		t.Logf("the page received and rendered 1000 events %v after the publish answered", time.Since(start).Round(time.Millisecond))
		if n := Eval[int](b, `document.querySelectorAll('#log .entry').length`); n > 500 {
			t.Errorf("the log shows %d entries, want at most 500", n)
		}
		if got := Eval[string](b, `document.getElementById('log-count').textContent`); !strings.HasSuffix(got, "of 500 events") && got != "500 events" {
			t.Errorf("the log counter says %q, want it to keep 500 events", got)
		}
	})

	b.CheckConsole("after all steps")
}

// waitOutput waits until a process printed a line containing want and returns that line.
func waitOutput(t *testing.T, p *Proc, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, line := range strings.Split(p.Output(), "\n") {
			if strings.Contains(line, want) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line with %q within %v; output:\n%s", want, within, p.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
