package server

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStreamsOverHTTP2: with TLS and h2 (what browsers get from `herald serve --tls-*`),
// many streams share one connection and take the non-hijacked path: each gets its events,
// a stream the client cancels stops counting at once, and shutdown reaches every stream
// with herald.shutdown.
func TestStreamsOverHTTP2(t *testing.T) {
	const n = 12 // more than the 6 streams per origin browsers allow over HTTP/1.1
	h, err := New(Config{Key: testKey, KeepAlive: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()

	type h2stream struct {
		cancel context.CancelFunc
		r      *bufio.Reader
	}
	streams := make([]h2stream, n)
	for i := range streams {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events?channel=h2", nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %s %d; want HTTP/2 200", i, resp.Proto, resp.StatusCode)
		}
		streams[i] = h2stream{cancel, bufio.NewReader(resp.Body)}
		readLineWith(t, streams[i].r, "herald.connected")
	}
	waitConnections(t, h, n)
	if _, err := h.Publish(t.Context(), Message{Channel: "h2", Data: "over h2"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		readLineWith(t, s.r, "data: over h2")
	}
	streams[0].cancel()
	waitConnections(t, h, n-1)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.Shutdown(ctx) }()
	for _, s := range streams[1:] {
		readLineWith(t, s.r, "event: herald.shutdown")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// readLineWith reads lines until one contains want (10 s at most).
func readLineWith(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	got := make(chan error, 1)
	go func() {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				got <- err
				return
			}
			if strings.Contains(line, want) {
				got <- nil
				return
			}
		}
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("reading until %q: %v", want, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %q within 10 s", want)
	}
}
