package node

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/guard"
)

const testKey = "node-test-key-0123456789abcdef"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func start(t *testing.T, ctx context.Context, cfg Config) *Node {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Key == "" {
		cfg.Key = testKey
	}
	cfg.Logger = quiet()
	n, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown(context.Background()) })
	return n
}

// TestStartServesAndShutsDown: one node serves the guard's headers, publishes with the key,
// streams the event, and on Shutdown sends herald.shutdown and stops its demo.
func TestStartServesAndShutsDown(t *testing.T) {
	var demoRan, demoStopped atomic.Bool
	n := start(t, context.Background(), Config{
		Guard: guard.DefaultConfig(nil),
		Demo: func(ctx context.Context, h *server.Hub) {
			demoRan.Store(true)
			<-ctx.Done()
			demoStopped.Store(true)
		},
	})
	base := n.URLs()[0]
	if !strings.HasPrefix(base, "http://127.0.0.1:") || n.Port() == 0 {
		t.Fatalf("URLs %v, port %d", n.URLs(), n.Port())
	}
	resp, err := http.Get(base + "/events?channel=news")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Security-Policy"); got == "" {
		t.Error("the guard's headers are missing: no Content-Security-Policy")
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/publish", strings.NewReader(`{"channel":"news","event":"headline","data":"hi"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testKey)
	pr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pr.Body.Close()
	if pr.StatusCode != http.StatusOK {
		t.Fatalf("publish with the key: %s", pr.Status)
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine(t, lines, "data: hi")
	if !demoRan.Load() {
		t.Error("the demo did not run")
	}
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	waitLine(t, lines, "event: herald.shutdown")
	if !demoStopped.Load() {
		t.Error("Shutdown returned before the demo stopped")
	}
	select {
	case <-n.Done():
	default:
		t.Error("Done is open after Shutdown")
	}
	if _, err := net.DialTimeout("tcp", n.Addr().String(), time.Second); err == nil {
		t.Error("the node still listens after Shutdown")
	}
}

func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %q", want)
			}
			if l == want {
				return
			}
		case <-timeout:
			t.Fatalf("no %q within 10 s", want)
		}
	}
}

// TestStartStopsWithContext: the end of Start's ctx shuts the node down.
func TestStartStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := start(t, ctx, Config{})
	cancel()
	select {
	case <-n.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the node did not stop when its ctx ended")
	}
	if err := n.Err(); err != nil {
		t.Errorf("Err after a requested stop = %v, want nil", err)
	}
}

// TestStartErrors: refusals are typed and name no CLI flag (callers add their own hints).
func TestStartErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		cfg  Config
		is   error
		as   bool // a *ListenError
	}{
		{"short key", Config{Addr: "127.0.0.1:0", Key: "short"}, ErrShortKey, false},
		{"port in use", Config{Addr: taken.Addr().String(), Key: testKey}, ErrAddrInUse, true},
		{"bad address", Config{Addr: "127.0.0.1:notaport", Key: testKey}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = quiet()
			n, err := Start(context.Background(), tc.cfg)
			if err == nil {
				_ = n.Shutdown(context.Background())
				t.Fatal("Start succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
			var le *ListenError
			if errors.As(err, &le) != tc.as {
				t.Errorf("err = %v (%T), ListenError %v wanted", err, err, tc.as)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("err = %q names a flag", err)
			}
		})
	}
	// The port in use is not ErrAddrInUse for other listen failures.
	_, err = Start(context.Background(), Config{Addr: "127.0.0.1:notaport", Key: testKey, Logger: quiet()})
	if errors.Is(err, ErrAddrInUse) {
		t.Errorf("a bad port is reported as in use: %v", err)
	}
}
