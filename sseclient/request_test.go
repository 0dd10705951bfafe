package sseclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seenRequest is what a recording server saw of one request.
type seenRequest struct {
	method, path, body string
	header             http.Header
}

// recorder serves the i-th request with handlers[i] (later ones get 204) and records every
// request's method, path, body and headers.
func recorder(t *testing.T, handlers ...http.HandlerFunc) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		i := len(seen)
		seen = append(seen, seenRequest{r.Method, r.URL.Path, string(b), r.Header.Clone()})
		mu.Unlock()
		if i >= len(handlers) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		handlers[i](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

// TestClientRequestTemplate checks Method, Body and Header: every attempt (the first, the
// reconnect after the stream ended, and a 307 redirect) sends the same method and body.
func TestClientRequestTemplate(t *testing.T) {
	redirect := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
	}
	cases := []struct {
		name, method string
		body         []byte
		wantMethod   string
	}{
		{"zero value is GET", "", nil, "GET"},
		{"body alone is POST", "", []byte(`{"prompt":"hi"}`), "POST"},
		{"explicit POST", "POST", []byte(`{"q":1}`), "POST"},
		{"REPORT with body", "REPORT", []byte(`{"user":"u"}`), "REPORT"},
		{"empty body is still a body", "", []byte{}, "POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			srv, seen := recorder(t, body("id: 1\ndata: a\n\n"), redirect, body("data: b\n\n"))
			c, _ := testClient(t, srv.URL+"/stream")
			c.Method, c.Body = tc.method, tc.body
			c.Header = http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Key": {"k"}}
			got, err := collect(t, c, 0)
			if err != nil || len(got) != 2 {
				t.Fatalf("events %q, %v", got, err)
			}
			reqs := seen()
			if len(reqs) != 4 { // stream, redirect, moved stream, 204
				t.Fatalf("%d requests, want 4", len(reqs))
			}
			for i, r := range reqs {
				if r.method != tc.wantMethod || r.body != string(tc.body) {
					t.Errorf("request %d (%s): %s with body %q; want %s with %q", i, r.path, r.method, r.body, tc.wantMethod, tc.body)
				}
				if r.header.Get("Content-Type") != "application/json; charset=utf-8" || r.header.Get("X-Key") != "k" ||
					r.header.Get("Accept") != "text/event-stream" || r.header.Get("Cache-Control") != "no-cache" {
					t.Errorf("request %d headers %v", i, r.header)
				}
				if i > 0 && r.header.Get("Last-Event-ID") != "1" {
					t.Errorf("request %d: Last-Event-ID %q, want 1", i, r.header.Get("Last-Event-ID"))
				}
			}
			if reqs[2].path != "/moved" {
				t.Errorf("third request went to %s, want the redirect's /moved", reqs[2].path)
			}
		})
	}
}

// TestClientNewRequestPerAttempt checks that NewRequest runs before every attempt (a token
// minted per attempt reaches the server), that its error is retried like a network error,
// and that the client still manages Accept, Cache-Control and Last-Event-ID.
func TestClientNewRequestPerAttempt(t *testing.T) {
	checkGoroutines(t)
	srv, seen := recorder(t, body("id: 7\ndata: a\n\n"), body("data: b\n\n"))
	c, states := testClient(t, "")
	var calls atomic.Int32
	c.NewRequest = func(ctx context.Context) (*http.Request, error) {
		n := calls.Add(1)
		if n == 2 {
			return nil, errors.New("token service down")
		}
		req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/chat", strings.NewReader(`{"n":1}`))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", fmt.Sprintf("Bearer token-%d", n))
		req.Header.Set("Last-Event-ID", "stale") // the client's own value wins
		return req, nil
	}
	got, err := collect(t, c, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("events %q, %v", got, err)
	}
	reqs := seen()
	wantAuth := []string{"Bearer token-1", "Bearer token-3", "Bearer token-4"}
	wantID := []string{"", "7", "7"}
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.method != "POST" || r.body != `{"n":1}` || r.header.Get("Authorization") != wantAuth[i] ||
			r.header.Get("Last-Event-ID") != wantID[i] || r.header.Get("Accept") != "text/event-stream" {
			t.Errorf("request %d: %s %q, headers %v", i, r.method, r.body, r.header)
		}
	}
	var sawErr bool
	for _, s := range *states {
		if s.Phase == Retrying && s.Err != nil && strings.Contains(s.Err.Error(), "token service down") {
			sawErr = true
		}
	}
	if !sawErr {
		t.Errorf("no Retrying state carried NewRequest's error: %v", *states)
	}
}

// TestClientNewRequestMistakesAreFatal checks that a NewRequest that can never work stops
// the subscription with a clear error instead of retrying for ever.
func TestClientNewRequestMistakesAreFatal(t *testing.T) {
	cases := []struct {
		name string
		make func(ctx context.Context) (*http.Request, error)
		want string
	}{
		{"no request, no error", func(context.Context) (*http.Request, error) { return nil, nil }, "return a request or an error"},
		{"not http", func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", "ftp://files.example/x", nil)
		}, `"ftp://files.example/x", not an http(s) URL`},
		{"no host", func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", "/events", nil)
		}, "not an http(s) URL"},
	}
	for _, tc := range cases {
		c := &Client{NewRequest: tc.make}
		if _, err := collect(t, c, 0); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestClientHTTPTimeoutBoundsOnlyHeaders checks that a non-zero HTTPClient.Timeout does not
// cut a live stream (events 2x the Timeout apart arrive on one connection), and that it does
// bound a server that never answers with headers.
func TestClientHTTPTimeoutBoundsOnlyHeaders(t *testing.T) {
	checkGoroutines(t)
	slow := func(w http.ResponseWriter, r *http.Request) {
		sse(w)
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			if i < 2 {
				time.Sleep(600 * time.Millisecond)
			}
		}
	}
	mute := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	srv, seen := recorder(t, slow, mute, body("data: after\n\n"))
	c, states := testClient(t, srv.URL)
	c.HTTPClient.Timeout = 300 * time.Millisecond // generous for a loaded machine
	got, err := collect(t, c, 4)
	if err != nil || len(got) != 4 || got[3].Data != "after" {
		t.Fatalf("events %q, %v", got, err)
	}
	if n := len(seen()); n != 3 {
		t.Fatalf("%d requests, want 3: one stream, one without headers, one after", n)
	}
	var reasons []string
	for _, s := range *states {
		if s.Phase == Retrying {
			reasons = append(reasons, s.Err.Error())
		}
	}
	if len(reasons) != 2 || !strings.Contains(reasons[0], "closed the stream") || !strings.Contains(reasons[1], "HTTPClient.Timeout (300ms)") {
		t.Fatalf("retry reasons %q", reasons)
	}
	if c.HTTPClient.Timeout != 300*time.Millisecond {
		t.Fatal("the caller's HTTPClient was modified")
	}
}
