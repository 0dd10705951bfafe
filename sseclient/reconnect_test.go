package sseclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientSendsHeadersAndLastEventIDOnReconnect(t *testing.T) {
	checkGoroutines(t)
	srv, seen := script(t,
		body("id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: cut"),
		body("data: c\n\n"),
		body("id\ndata: d\n\n"),
		body("data: e\n\n"),
	)
	c, _ := testClient(t, srv.URL)
	c.LastEventID = "0"
	c.Token = "tok"
	c.Header = http.Header{"X-Feed": {"stocks"}}
	got, err := collect(t, c, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{ev("message", "a", "1"), ev("message", "b", "2"), ev("message", "c", "2"),
		ev("message", "d", ""), ev("message", "e", "")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	wantIDs := []string{"0", "2", "2", ""} // no header once the stream reset its id
	for i, h := range (*seen)[:4] {
		if h.Get("Last-Event-ID") != wantIDs[i] || len(h.Values("Last-Event-ID")) > 1 {
			t.Errorf("request %d: Last-Event-ID %q, want %q", i, h.Values("Last-Event-ID"), wantIDs[i])
		}
		if h.Get("Accept") != "text/event-stream" || h.Get("Cache-Control") != "no-cache" ||
			h.Get("Authorization") != "Bearer tok" || h.Get("X-Feed") != "stocks" {
			t.Errorf("request %d: headers %v", i, h)
		}
	}
}

func TestClientHonoursRetry(t *testing.T) {
	checkGoroutines(t)
	var times []time.Time
	var mu sync.Mutex
	stamp := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
			h(w, r)
		}
	}
	srv, _ := script(t, stamp(body("retry: 150\ndata: a\n\n")), stamp(body("data: b\n\n")))
	c, states := testClient(t, srv.URL)
	if _, err := collect(t, c, 2); err != nil {
		t.Fatal(err)
	}
	if d := delays(*states); len(d) != 1 || d[0] != 150*time.Millisecond {
		t.Fatalf("delays %v, want [150ms] from the server's retry", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if gap := times[1].Sub(times[0]); gap < 150*time.Millisecond {
		t.Fatalf("reconnected after %v, sooner than the server's retry: 150", gap)
	}
}

func TestClientBackoffGrowsCapsAndResets(t *testing.T) {
	checkGoroutines(t)
	down := status(http.StatusServiceUnavailable)
	srv, seen := script(t, down, down, down, down, down, down, body("data: up\n\n"), down)
	c, states := testClient(t, srv.URL)
	got, err := collect(t, c, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %q, %v; want the one event and a clean stop at 204", got, err)
	}
	ms := time.Millisecond
	// retry 10 ms, then +10, +20, +40, +80 (the cap), +80; the event resets it: 10, then 20.
	want := []time.Duration{10 * ms, 20 * ms, 30 * ms, 50 * ms, 90 * ms, 90 * ms, 10 * ms, 20 * ms}
	if d := delays(*states); !reflect.DeepEqual(d, want) {
		t.Fatalf("delays %v, want %v", d, want)
	}
	if len(*seen) != 9 {
		t.Fatalf("%d requests, want 9", len(*seen))
	}
	if last := (*states)[len(*states)-1]; last.Phase != Closed || last.Err != nil {
		t.Fatalf("last state %v, want closed without error after 204", last)
	}
}

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		retry, after, max time.Duration
		failures          int
		jitter            float64
		want              time.Duration
	}{
		{3000 * ms, 0, 30000 * ms, 1, 0.9, 3000 * ms},
		{3000 * ms, 0, 30000 * ms, 2, 0, 6000 * ms},
		{3000 * ms, 0, 30000 * ms, 2, 0.5, 5250 * ms},
		{3000 * ms, 0, 30000 * ms, 4, 0, 15000 * ms},
		{3000 * ms, 0, 30000 * ms, 10, 0, 33000 * ms},
		{3000 * ms, 0, 30000 * ms, 1000, 0.75, 21750 * ms},
		{time.Hour, 0, 30000 * ms, 3, 0, time.Hour + 30000*ms},
		{0, 0, 30000 * ms, 3, 0, 20 * ms}, // retry: 0 still backs off
		{10 * ms, 2000 * ms, 80 * ms, 1, 0, 2000 * ms},
		{10 * ms, 2000 * ms, 80 * ms, 3, 0, 2020 * ms},
		{10 * ms, 0, -1, 9, 0, 10 * ms}, // backoff disabled
	}
	for _, c := range cases {
		got := backoff(c.retry, c.after, c.max, c.failures, func() float64 { return c.jitter })
		if got != c.want {
			t.Errorf("backoff(%v, %v, %v, %d, %v) = %v, want %v", c.retry, c.after, c.max, c.failures, c.jitter, got, c.want)
		}
	}
}

// TestBackoffJitterBounds checks the real jitter source: from the second failure on, the
// delay is the retry time plus between half and all of the capped exponential step.
func TestBackoffJitterBounds(t *testing.T) {
	retry, capd := 100*time.Millisecond, 2*time.Second
	for failures := 2; failures <= 8; failures++ {
		step := min(retry<<(failures-2), capd)
		seen := map[time.Duration]bool{}
		for range 200 {
			d := backoff(retry, 0, capd, failures, rand.Float64)
			if d < retry+step/2 || d > retry+step {
				t.Fatalf("failures %d: delay %v outside [%v, %v]", failures, d, retry+step/2, retry+step)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("failures %d: only %d distinct delays in 200 tries; the jitter is not random", failures, len(seen))
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		" 2 ":                           2 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"999999":                        time.Hour,
		"Fri, 02 Jan 2026 03:04:35 GMT": 30 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestClientStopsOn204(t *testing.T) {
	checkGoroutines(t)
	srv, seen := script(t)
	c, states := testClient(t, srv.URL)
	got, err := collect(t, c, 0)
	if err != nil || len(got) != 0 || len(*seen) != 1 {
		t.Fatalf("got %q, %v after %d requests; want nothing, no error, one request", got, err, len(*seen))
	}
	want := []Phase{Connecting, Closed}
	var phases []Phase
	for _, s := range *states {
		phases = append(phases, s.Phase)
	}
	if !reflect.DeepEqual(phases, want) {
		t.Fatalf("phases %v, want %v", phases, want)
	}
}

func TestClientHonoursRetryAfterOn429(t *testing.T) {
	checkGoroutines(t)
	srv, _ := script(t, status(http.StatusTooManyRequests, "Retry-After", "1"), body("data: ok\n\n"))
	c, states := testClient(t, srv.URL)
	start := time.Now()
	got, err := collect(t, c, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %q, %v", got, err)
	}
	if d := delays(*states); len(d) != 1 || d[0] != time.Second {
		t.Fatalf("delays %v, want [1s] from Retry-After", d)
	}
	if s := (*states)[1]; !strings.Contains(s.Err.Error(), "429") {
		t.Fatalf("retry state %v does not say 429", s)
	}
	if time.Since(start) < time.Second {
		t.Fatal("reconnected sooner than Retry-After")
	}
}

func TestClientReplacesIdleConnection(t *testing.T) {
	checkGoroutines(t)
	hang := func(w http.ResponseWriter, r *http.Request) {
		sse(w)
		fmt.Fprint(w, "id: 1\ndata: first\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // silent until the client gives up
	}
	srv, seen := script(t, hang, body("data: after\n\n"))
	c, states := testClient(t, srv.URL)
	c.IdleTimeout = 300 * time.Millisecond
	got, err := collect(t, c, 2)
	if err != nil || len(got) != 2 || got[1] != ev("message", "after", "1") {
		t.Fatalf("got %q, %v", got, err)
	}
	if s := (*states)[2]; s.Phase != Retrying || !strings.Contains(s.Err.Error(), "no bytes") {
		t.Fatalf("state %v, want retrying because no bytes arrived", s)
	}
	if (*seen)[1].Get("Last-Event-ID") != "1" {
		t.Fatalf("reconnect sent Last-Event-ID %q", (*seen)[1].Get("Last-Event-ID"))
	}
}

// TestClientIdleTimeoutCoversRefusals checks that a refusal whose body never ends cannot
// hang the client: reading the body's snippet is bounded by the idle timeout too.
func TestClientIdleTimeoutCoversRefusals(t *testing.T) {
	checkGoroutines(t)
	stuck := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			fmt.Fprint(w, "partial body")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}
	srv, seen := script(t, stuck(http.StatusBadGateway), stuck(http.StatusNotFound))
	c, states := testClient(t, srv.URL)
	c.IdleTimeout = 300 * time.Millisecond
	_, err := collect(t, c, 0)
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "partial body") || len(*seen) != 2 {
		t.Fatalf("error %v after %d requests; want the 404 with its partial body after one retry", err, len(*seen))
	}
	if d := delays(*states); len(d) != 1 {
		t.Fatalf("delays %v, want one retry after the 502", d)
	}
}

func TestClientKeepAliveCommentsKeepConnection(t *testing.T) {
	checkGoroutines(t)
	chatty := func(w http.ResponseWriter, r *http.Request) {
		sse(w)
		for range 15 {
			fmt.Fprint(w, ":\n")
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
		fmt.Fprint(w, "data: still here\n\n")
	}
	srv, seen := script(t, chatty)
	c, _ := testClient(t, srv.URL)
	c.IdleTimeout = time.Second
	if got, err := collect(t, c, 1); err != nil || len(got) != 1 || len(*seen) != 1 {
		t.Fatalf("got %q, %v after %d requests; want one event on the first connection", got, err, len(*seen))
	}
}

func TestClientFollowsRedirectKeepingHeaders(t *testing.T) {
	checkGoroutines(t)
	var got http.Header
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body("data: moved\n\n")(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, _ := testClient(t, srv.URL+"/old")
	c.LastEventID, c.Token = "7", "tok"
	events, err := collect(t, c, 1)
	if err != nil || len(events) != 1 || events[0].Data != "moved" {
		t.Fatalf("got %q, %v", events, err)
	}
	if got.Get("Last-Event-ID") != "7" || got.Get("Authorization") != "Bearer tok" || got.Get("Accept") != "text/event-stream" {
		t.Fatalf("headers after the redirect: %v", got)
	}
}

func TestClientCancelStopsPromptly(t *testing.T) {
	checkGoroutines(t)
	for _, phase := range []string{"open", "retrying"} {
		h := func(w http.ResponseWriter, r *http.Request) {
			sse(w)
			fmt.Fprint(w, "data: x\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
		if phase == "retrying" {
			h = status(http.StatusBadGateway)
		}
		srv, _ := script(t, h, h, h)
		c, states := testClient(t, srv.URL)
		c.Retry = time.Hour // a retrying client sits in its wait
		ctx, cancel := context.WithCancel(context.Background())
		c.OnState = func(s State) {
			*states = append(*states, s)
			if s.Phase == Retrying {
				cancel()
			}
		}
		done := make(chan error)
		go func() {
			for _, err := range c.Events(ctx) {
				if err != nil {
					done <- err
					return
				}
				cancel()
			}
			done <- nil
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: cancel yielded %v, want a quiet end", phase, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Events did not end after cancel", phase)
		}
		if last := (*states)[len(*states)-1]; last.Phase != Closed || !errors.Is(last.Err, context.Canceled) {
			t.Fatalf("%s: last state %v", phase, last)
		}
		cancel()
	}
}

// TestClientServerRestartLosesAndRepeatsNothing kills a server mid-stream (with half an event
// in flight), starts a new one on the same address that replays after Last-Event-ID, and
// checks that the client saw every event exactly once, in order.
func TestClientServerRestartLosesAndRepeatsNothing(t *testing.T) {
	checkGoroutines(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	sent5 := make(chan struct{})
	first := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sse(w)
		for i := 1; i <= 5; i++ {
			fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i)
		}
		fmt.Fprint(w, "id: 6\ndata: event 6") // cut short by the crash
		w.(http.Flusher).Flush()
		close(sent5)
		<-r.Context().Done()
	})}
	go first.Serve(ln)

	var resumedFrom atomic.Value
	second := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last := r.Header.Get("Last-Event-ID")
		if resumedFrom.Load() != nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		resumedFrom.Store(last)
		var from int
		fmt.Sscan(last, &from)
		sse(w)
		for i := from + 1; i <= 10; i++ {
			fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i)
		}
	})}
	t.Cleanup(func() { second.Close() })

	c, _ := testClient(t, "http://"+addr+"/events")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ids []string
	for e, err := range c.Events(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
		if e.ID == "5" {
			<-sent5
			first.Close() // the crash: listener and connections gone
			ln2, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatalf("restart on %s: %v", addr, err)
			}
			go second.Serve(ln2)
		}
	}
	want := strings.Fields("1 2 3 4 5 6 7 8 9 10")
	if !reflect.DeepEqual(ids, want) || resumedFrom.Load() != "5" {
		t.Fatalf("ids %v (resumed from %v), want %v from 5", ids, resumedFrom.Load(), want)
	}
}
