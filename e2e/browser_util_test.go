package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/heraldhq/herald/server/guard"
)

// chromiumPath is Debian's chromium, installed by scripts/setup.sh.
const chromiumPath = "/usr/bin/chromium"

// Browser is one headless Chromium tab with everything its console said collected, so a
// test can fail on any console error, uncaught exception or CSP violation.
type Browser struct {
	Ctx     context.Context
	t       testing.TB
	console *consoleLog
}

// consoleLog is what the tab's console said; subtests' views of a Browser share it.
type consoleLog struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// In returns a view of the same tab that reports failures to t (a subtest), since a
// subtest must not fail its parent with FailNow.
func (b *Browser) In(t testing.TB) *Browser {
	return &Browser{Ctx: b.Ctx, t: t, console: b.console}
}

// newBrowser starts a headless Chromium with a fresh profile, quiet on the network (the
// background-networking flags keep it from calling home on a closed network), and stops it
// when the test ends. extra adds flags (--ignore-certificate-errors for a self-signed hub).
func newBrowser(t testing.TB, extra ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium is missing at %s (%v); run scripts/setup.sh (apt-get install chromium)", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"), // number and time formats the assertions expect
		chromedp.UserDataDir(t.TempDir()),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	// Start the browser with a context that has no deadline: the first Run binds the
	// browser's life to its context.
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{Ctx: ctx, t: t, console: &consoleLog{}}
	var wg sync.WaitGroup
	wg.Add(1)
	msgs := chromedp.Console(ctx)
	go func() {
		defer wg.Done()
		for m, err := range msgs {
			if err != nil {
				return // the context ended
			}
			b.console.mu.Lock()
			b.console.messages = append(b.console.messages, m)
			b.console.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		wg.Wait()
	})
	return b
}

// Problems returns the console errors and exceptions seen so far (CSP violations are
// console errors from the "security" source).
func (b *Browser) Problems() []string {
	b.console.mu.Lock()
	defer b.console.mu.Unlock()
	var out []string
	for _, m := range b.console.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, fmt.Sprintf("%s [%s] %s:%d", m.String(), m.Source, m.URL, m.Line))
		}
	}
	return out
}

// Messages returns every console message seen so far, for failure reports.
func (b *Browser) Messages() string {
	b.console.mu.Lock()
	defer b.console.mu.Unlock()
	var s strings.Builder
	for _, m := range b.console.messages {
		fmt.Fprintf(&s, "  %s [%s]\n", m.String(), m.Source)
	}
	return s.String()
}

// CheckConsole fails the test when the page wrote any console error or threw.
func (b *Browser) CheckConsole(step string) {
	b.t.Helper()
	if p := b.Problems(); len(p) > 0 {
		b.t.Fatalf("%s: the page reported %d console error(s):\n  %s", step, len(p), strings.Join(p, "\n  "))
	}
}

// Do runs actions with a time limit.
func (b *Browser) Do(within time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, within)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\nconsole:\n%s", err, b.Messages())
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value into T.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript predicate until it is truthy; what says what was awaited, and
// explain (a JavaScript expression) is evaluated for the failure message.
func (b *Browser) WaitFor(what, predicate, explain string, within time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, within+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(within)))
	if err != nil {
		got := ""
		if explain != "" {
			got = Eval[string](b, explain)
		}
		b.t.Fatalf("waiting %v for %s: %v\npage state: %s\nconsole:\n%s", within, what, err, got, b.Messages())
	}
}

// setColorScheme makes the page see prefers-color-scheme: scheme ("light" or "dark"), and
// reduced motion, so a screenshot never catches a price flash half-way.
func setColorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: "reduce"},
			},
		})
		return err
	})
}

// Screenshot takes a full-page PNG at the given viewport width and colour scheme, checks it
// decodes at that width, saves it in dir and, when HERALD_ARTIFACTS is set, copies it
// there. It returns the file's path.
func (b *Browser) Screenshot(dir, name string, width int64, scheme string) string {
	b.t.Helper()
	height := int64(900)
	if width < 600 {
		height = 780
	}
	b.Do(15*time.Second, chromedp.EmulateViewport(width, height), setColorScheme(scheme))
	// Let layout, the fonts and a frame of updates settle at the new size.
	b.WaitFor("a frame at the new size", fmt.Sprintf(
		`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(window.innerWidth === %d))))`, width),
		"String(window.innerWidth)", 10*time.Second)
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		b.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if int64(cfg.Width) != width {
		b.t.Errorf("screenshot %s is %d px wide, want %d: the page overflows the viewport", name, cfg.Width, width)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if art := os.Getenv("HERALD_ARTIFACTS"); art != "" {
		if err := os.MkdirAll(art, 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(art, name), buf, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	return path
}

// withCSP returns the URL to open the dashboard at so that it runs under the hub's strict
// Content-Security-Policy: the hub's own URL when it sends the header, else the URL of a
// loopback proxy in front of it that adds guard.ContentSecurityPolicy. Either way a page
// that uses inline script or style fails the console check.
func withCSP(t testing.TB, hubURL string) string {
	t.Helper()
	resp, err := http.Get(hubURL + "/")
	if err != nil {
		t.Fatalf("GET the dashboard: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/ answered %s, want 200 with the dashboard", hubURL, resp.Status)
	}
	if resp.Header.Get("Content-Security-Policy") != "" {
		return hubURL
	}
	t.Logf("the hub sends no Content-Security-Policy yet; testing the page behind a proxy that adds %q", guard.ContentSecurityPolicy)
	target, _ := url.Parse(hubURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Set("Content-Security-Policy", guard.ContentSecurityPolicy)
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(func() {
		srv.CloseClientConnections() // the page's event stream never ends by itself
		srv.Close()
	})
	return srv.URL
}
