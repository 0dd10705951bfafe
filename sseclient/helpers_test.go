package sseclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"
)

// checkGoroutines fails the test when goroutines started during it are still running at its
// end (after the servers and idle connections it registered later are closed).
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// testClient returns a client with fast, deterministic reconnection (10 ms retry, 80 ms
// backoff cap, no jitter), its own transport, and the states it goes through.
func testClient(t *testing.T, url string) (*Client, *[]State) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	states := &[]State{}
	c := &Client{
		URL:        url,
		HTTPClient: &http.Client{Transport: tr},
		Retry:      10 * time.Millisecond,
		MaxBackoff: 80 * time.Millisecond,
		jitter:     func() float64 { return 0 },
		OnState:    func(s State) { *states = append(*states, s) },
	}
	return c, states
}

// collect ranges over the client's events until max arrived, the iteration ends or 10 s pass.
func collect(t *testing.T, c *Client, max int) ([]Event, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []Event
	for e, err := range c.Events(ctx) {
		if err != nil {
			return got, err
		}
		if got = append(got, e); len(got) == max {
			break
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("timed out after %d events", len(got))
	}
	return got, nil
}

// delays returns the Delay of every Retrying state.
func delays(states []State) []time.Duration {
	var out []time.Duration
	for _, s := range states {
		if s.Phase == Retrying {
			out = append(out, s.Delay)
		}
	}
	return out
}

// sse starts an event-stream response.
func sse(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// script serves the i-th request (from 0) with handlers[i]; later requests get 204.
func script(t *testing.T, handlers ...http.HandlerFunc) (*httptest.Server, *[]http.Header) {
	t.Helper()
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := len(seen)
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if i >= len(handlers) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		handlers[i](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func body(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { sse(w); fmt.Fprint(w, s) }
}

func status(code int, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
	}
}
