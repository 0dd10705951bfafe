package server

import (
	"bufio"
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestIdleStreamsHoldNoGoroutine: an idle HTTP/1.1 stream costs no goroutine (at once after
// its preamble, within a reap period after events), yet events, keep-alives and shutdown
// still reach every one of them.
func TestIdleStreamsHoldNoGoroutine(t *testing.T) {
	th := newTestHub(t, Config{KeepAlive: 300 * time.Millisecond})
	const n = 50
	base := runtime.NumGoroutine()
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		conns[i] = rawConnBuf(t, th.URL, "?channel=quiet", 0)
		readers[i] = bufio.NewReader(conns[i])
		readUntil(t, conns[i], readers[i], "herald.connected")
	}
	waitConnections(t, th.Hub, n)
	// Writers exit once the preamble is out (a parked writer per stream would add n).
	waitFor(t, "idle writers to exit", func() bool { return runtime.NumGoroutine() < base+n/2 })

	th.mustPublish(t, "quiet", "", "wake")
	for i := range conns {
		readUntil(t, conns[i], readers[i], "data: wake")
		readUntil(t, conns[i], readers[i], ":") // a keep-alive comment
	}
	// Streams that sent events linger on their group's wake-up for a reap period, then
	// give up their goroutine too.
	waitFor(t, "lingering writers to exit", func() bool { return runtime.NumGoroutine() < base+n/2 })
	ctx, cancel := contextWithTimeout(10 * time.Second)
	defer cancel()
	if err := th.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range conns {
		readUntil(t, conns[i], readers[i], "herald.shutdown")
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// readUntil reads lines from r until one contains want (bounded by a 10 s deadline).
func readUntil(t *testing.T, c net.Conn, r *bufio.Reader, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading until %q: %v", want, err)
		}
		if strings.Contains(line, want) {
			return
		}
	}
}
