package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/wire"
)

const testKey = "test-key-0123456789abcdef"

// testHub runs a hub behind a real loopback HTTP server (NewHTTPServer's settings).
type testHub struct {
	*Hub
	URL string
	srv *httptest.Server
}

func newTestHub(t testing.TB, cfg Config) *testHub {
	t.Helper()
	if cfg.Key == "" {
		cfg.Key = testKey
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	hs := NewHTTPServer("", h)
	srv.Config.ReadHeaderTimeout = hs.ReadHeaderTimeout
	srv.Start()
	th := &testHub{Hub: h, URL: srv.URL, srv: srv}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		srv.Close()
	})
	return th
}

// newServer serves h on a loopback port until the test ends (the caller shuts h down).
func newServer(t testing.TB, h *Hub) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// publish POSTs body (JSON) with the hub key and returns status and body.
func (th *testHub) post(t testing.TB, contentType, query, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, th.URL+wire.PathPublish+query, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// mustPublish publishes one event and returns its id.
func (th *testHub) mustPublish(t testing.TB, channel, event, data string) string {
	t.Helper()
	rs, err := th.Publish(context.Background(), Message{Channel: channel, Event: event, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return rs[0].ID
}

// sseEvent is one parsed event of a raw stream.
type sseEvent struct {
	ID, Event, Data string
	Comment         bool
}

// stream is a raw /events connection read line by line.
type stream struct {
	resp *http.Response
	r    *bufio.Reader
}

// open GETs /events with the given query and headers and checks the status and headers.
func (th *testHub) open(t testing.TB, query string, hdr ...string) *stream {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, th.URL+wire.PathEvents+query, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("GET /events%s: %d %s", query, resp.StatusCode, b)
	}
	s := &stream{resp: resp, r: bufio.NewReader(resp.Body)}
	t.Cleanup(s.close)
	return s
}

func (s *stream) close() { s.resp.Body.Close() }

// next returns the next event or comment (comments only when wantComments).
func (s *stream) next(t testing.TB, wantComments bool) sseEvent {
	t.Helper()
	var ev sseEvent
	var data []string
	has := false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (partial %q)", err, line)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if has {
				ev.Data = strings.Join(data, "\n")
				return ev
			}
		case line[0] == ':':
			if wantComments {
				return sseEvent{Comment: true}
			}
		default:
			f, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch f {
			case "id":
				ev.ID = v
			case "event":
				ev.Event = v
			case "data":
				data = append(data, v)
				has = true
			}
		}
	}
}

// expect reads the next event and checks its type.
func (s *stream) expect(t testing.TB, event string) sseEvent {
	t.Helper()
	ev := s.next(t, false)
	if ev.Event != event {
		t.Fatalf("got event %+v, want type %q", ev, event)
	}
	return ev
}

// readUntil reads events (bounded) until the n-th event of type event.
func (s *stream) collect(t testing.TB, n int) []sseEvent {
	t.Helper()
	out := make([]sseEvent, 0, n)
	for len(out) < n {
		ev := s.next(t, false)
		if strings.HasPrefix(ev.Event, "herald.") {
			continue
		}
		out = append(out, ev)
	}
	return out
}

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v in %q", url, err, b)
		}
	}
	return resp.StatusCode
}

// rawConn opens a TCP connection with a tiny receive buffer, sends a GET /events request
// and never reads (server/battery_test.go uses it too).
func rawConn(t testing.TB, hubURL, query string) net.Conn {
	t.Helper()
	return rawConnBuf(t, hubURL, query, 4096)
}

// rawConnBuf is rawConn with a chosen receive buffer (0: the system's default).
func rawConnBuf(t testing.TB, hubURL, query string, rcvbuf int) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(hubURL, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	// A tiny receive buffer makes the kernel hold little for a reader that never reads.
	if tc, ok := c.(*net.TCPConn); ok && rcvbuf > 0 {
		_ = tc.SetReadBuffer(rcvbuf)
	}
	fmt.Fprintf(c, "GET /events%s HTTP/1.1\r\nHost: %s\r\n\r\n", query, addr)
	t.Cleanup(func() { c.Close() })
	return c
}

// closeIdle drops the default client's idle keep-alive connections (they hold fds).
func closeIdle() { http.DefaultClient.CloseIdleConnections() }

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
