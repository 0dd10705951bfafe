package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// This test plays the harness of LaunchDarkly's SSE contract tests against the service: a
// real local SSE server whose connections the test scripts, a callback endpoint that puts the
// service's numbered callbacks back in order, and the test-service protocol over HTTP. The
// scenarios follow the suite's (basic parsing, comments, linefeeds, BOM, payload sizes, HTTP
// behaviour, reconnection), so a regression shows here before the real suite runs.

const wait = 5 * time.Second // the harness's own timeout for a callback

// streamConn is one connection the client made to the stream server.
type streamConn struct {
	method, body string
	header       http.Header
	send         chan string   // chunks to write, each flushed
	brk          chan struct{} // close to end the response
	gone         chan struct{} // closed when the client went away
}

// harness is the test's side of the protocol.
type harness struct {
	t       *testing.T
	service *httptest.Server
	stream  *httptest.Server
	conns   chan *streamConn
	cb      *httptest.Server
	msgs    chan callback
	streams int // streams started, to give each its own callback path
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, conns: make(chan *streamConn, 16), msgs: make(chan callback, 256)}
	tr := &http.Transport{}
	svc := newService(&http.Client{Transport: tr}, nil)
	h.service = httptest.NewServer(svc)
	h.stream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c := &streamConn{method: r.Method, body: string(b), header: r.Header.Clone(),
			send: make(chan string, 64), brk: make(chan struct{}), gone: make(chan struct{})}
		defer close(c.gone)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		h.conns <- c
		for {
			select {
			case s := <-c.send:
				_, _ = io.WriteString(w, s)
				w.(http.Flusher).Flush()
			case <-c.brk:
				return
			case <-r.Context().Done():
				return
			}
		}
	}))
	// Each stream's callbacks arrive at /cb/<stream>/<n>, numbered from 1; deliver them in
	// that order whatever order the requests race in.
	var mu sync.Mutex
	type queue struct {
		pending map[int]callback
		next    int
	}
	queues := map[string]*queue{}
	h.cb = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, num, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/cb/"), "/")
		n, err := strconv.Atoi(num)
		var c callback
		if err != nil || json.NewDecoder(r.Body).Decode(&c) != nil {
			t.Errorf("bad callback %s", r.URL.Path)
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		mu.Lock()
		q := queues[k]
		if q == nil {
			q = &queue{pending: map[int]callback{}, next: 1}
			queues[k] = q
		}
		q.pending[n] = c
		for {
			c, ok := q.pending[q.next]
			if !ok {
				break
			}
			delete(q.pending, q.next)
			q.next++
			h.msgs <- c
		}
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(func() {
		svc.shutdown()
		h.service.Close()
		h.stream.Close()
		h.cb.Close()
		tr.CloseIdleConnections()
	})
	return h
}

// start asks the service for a client of the stream server and returns its first connection
// and the stream's resource URL.
func (h *harness) start(params map[string]any) (*streamConn, string) {
	h.t.Helper()
	h.streams++
	p := map[string]any{"streamUrl": h.stream.URL + "/stream", "callbackUrl": fmt.Sprintf("%s/cb/%d", h.cb.URL, h.streams), "tag": h.t.Name()}
	for k, v := range params {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	resp, err := http.Post(h.service.URL+"/", "application/json", bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 2 || !strings.HasPrefix(loc, h.service.URL+"/streams/") {
		h.t.Fatalf("create: %s, Location %q; want an absolute URL of a stream", resp.Status, loc)
	}
	return h.connection(), loc
}

// connection waits for the client's next connection to the stream server.
func (h *harness) connection() *streamConn {
	h.t.Helper()
	select {
	case c := <-h.conns:
		return c
	case <-time.After(wait):
		h.t.Fatal("the client did not connect")
	}
	return nil
}

// message waits for the next callback, which must be of kind.
func (h *harness) message(kind string) callback {
	h.t.Helper()
	select {
	case c := <-h.msgs:
		if c.Kind != kind {
			h.t.Fatalf("got a %q callback %+v, want %q", c.Kind, c, kind)
		}
		return c
	case <-time.After(wait):
		h.t.Fatalf("no %q callback within %v", kind, wait)
	}
	return callback{}
}

// events checks the next callbacks are exactly these events.
func (h *harness) events(want ...callbackEvent) {
	h.t.Helper()
	for _, w := range want {
		if w.Type == "" {
			w.Type = "message"
		}
		if got := *h.message("event").Event; got != w {
			h.t.Fatalf("event %+v, want %+v", got, w)
		}
	}
}

// do sends a request to the service and returns its status.
func (h *harness) do(method, url, body string) int {
	h.t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func msg(data string) callbackEvent { return callbackEvent{Data: data} }

func TestParsing(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	big := strings.Repeat("x", 1<<20)
	cases := []struct {
		name   string
		chunks []string
		want   []callbackEvent
	}{
		{"one-line message in two chunks", []string{"data: Hel", "lo\n\n"}, []callbackEvent{msg("Hello")}},
		{"two-line message", []string{"data: Hello\ndata:World\n\n"}, []callbackEvent{msg("Hello\nWorld")}},
		{"empty data", []string{"data:\n\n"}, []callbackEvent{msg("")}},
		{"type and id in reverse order", []string{"data: Hello\nid: abc\nevent: greeting\n\n"},
			[]callbackEvent{{Type: "greeting", Data: "Hello", ID: "abc"}}},
		{"id with a null is ignored", []string{"id: a\x00bc\ndata: Hello\n\n"}, []callbackEvent{msg("Hello")}},
		{"empty id resets", []string{"id: abc\ndata: first\n\n", "id: \ndata: second\n\n"},
			[]callbackEvent{{Data: "first", ID: "abc"}, msg("second")}},
		{"extra leading space kept", []string{"event:  greeting\ndata:  Hello\n\n"}, []callbackEvent{{Type: " greeting", Data: " Hello"}}},
		{"field without colon", []string{"data\n\ndata\ndata\n\n"}, []callbackEvent{msg(""), msg("\n")}},
		{"multi-byte characters in 1-byte chunks", strings.Split("data: €豆腐\n\n", ""), []callbackEvent{msg("€豆腐")}},
		{"CR line ends", []string{"data: a\rdata: b\r\r"}, []callbackEvent{msg("a\nb")}},
		{"CRLF where CR ends a chunk", []string{"data: Hello\r", "\ndata: World\r", "\n\r\ndata: OK\r", "\n", "\r", "\n"},
			[]callbackEvent{msg("Hello\nWorld"), msg("OK")}},
		{"BOM split byte by byte", []string{"\xEF", "\xBB", "\xBF", "data: Hello\n\n"}, []callbackEvent{msg("Hello")}},
		{"only the first BOM stripped", []string{bom + "data: " + bom + "Hello\n\n"}, []callbackEvent{msg(bom + "Hello")}},
		{"1 MiB payload", []string{"data: " + big + "\n\n"}, []callbackEvent{msg(big)}},
	}
	h := newHarness(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			conn, loc := h.start(nil)
			for _, c := range tc.chunks {
				conn.send <- c
			}
			h.events(tc.want...)
			if code := h.do("DELETE", loc, ""); code/100 != 2 {
				t.Fatalf("DELETE: %d", code)
			}
		})
	}
}

func TestComments(t *testing.T) {
	h := newHarness(t)
	conn, _ := h.start(nil)
	conn.send <- ":Hello\n"
	if c := h.message("comment"); c.Comment != "Hello" {
		t.Fatalf("comment %q", c.Comment)
	}
	conn.send <- "data: Hello\n\n:World\n"
	h.events(msg("Hello"))
	if c := h.message("comment"); c.Comment != "World" {
		t.Fatalf("comment %q", c.Comment)
	}
}

func TestHTTPBehavior(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		method string
		body   string
		header map[string]string
	}{
		{"default method and headers", nil, "GET", "",
			map[string]string{"Accept": "text/event-stream", "Cache-Control": "no-cache", "Last-Event-Id": ""}},
		{"custom headers", map[string]any{"headers": map[string]string{"header-name-1": "value-1", "header-name-2": "value-2"}},
			"GET", "", map[string]string{"Header-Name-1": "value-1", "Header-Name-2": "value-2"}},
		{"POST", map[string]any{"method": "POST", "body": `{"hello": "world"}`, "headers": map[string]string{"content-type": "application/json; charset=utf-8"}},
			"POST", `{"hello": "world"}`, map[string]string{"Content-Type": "application/json; charset=utf-8"}},
		{"REPORT", map[string]any{"method": "REPORT", "body": `{"hello": "world"}`, "headers": map[string]string{"content-type": "application/json; charset=utf-8"}},
			"REPORT", `{"hello": "world"}`, map[string]string{"Content-Type": "application/json; charset=utf-8"}},
		{"initial Last-Event-Id", map[string]any{"lastEventId": "abc"}, "GET", "", map[string]string{"Last-Event-Id": "abc"}},
	}
	h := newHarness(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			conn, loc := h.start(tc.params)
			if conn.method != tc.method || conn.body != tc.body {
				t.Errorf("request %s %q, want %s %q", conn.method, conn.body, tc.method, tc.body)
			}
			for k, v := range tc.header {
				if got := conn.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			h.do("DELETE", loc, "")
		})
	}
}

func TestReconnection(t *testing.T) {
	zero := map[string]any{"initialDelayMs": 0}
	t.Run("caller can trigger a restart", func(t *testing.T) {
		h := newHarness(t)
		conn, loc := h.start(zero)
		conn.send <- "id: 1\ndata: Hello\n\n"
		h.events(callbackEvent{Data: "Hello", ID: "1"})
		if code := h.do("POST", loc, `{"command":"restart"}`); code/100 != 2 {
			t.Fatalf("restart: %d", code)
		}
		conn2 := h.connection()
		if conn2.header.Get("Last-Event-Id") != "1" {
			t.Errorf("Last-Event-Id after restart %q", conn2.header.Get("Last-Event-Id"))
		}
		conn2.send <- "data: Thanks\n\n"
		h.events(callbackEvent{Data: "Thanks", ID: "1"}) // no error callback in between
	})
	t.Run("sends last ID after a broken connection", func(t *testing.T) {
		h := newHarness(t)
		conn, _ := h.start(zero)
		conn.send <- "id: abc\ndata: Hello\n\ndata: World\n\n"
		h.events(callbackEvent{Data: "Hello", ID: "abc"}, callbackEvent{Data: "World", ID: "abc"})
		close(conn.brk)
		if got := h.connection().header.Get("Last-Event-Id"); got != "abc" {
			t.Fatalf("Last-Event-Id %q, want abc", got)
		}
	})
	t.Run("resends request body when reconnecting", func(t *testing.T) {
		h := newHarness(t)
		conn, _ := h.start(map[string]any{"initialDelayMs": 0, "method": "POST", "body": `{"hello": "world"}`})
		close(conn.brk)
		conn2 := h.connection()
		if conn2.method != "POST" || conn2.body != `{"hello": "world"}` {
			t.Fatalf("reconnect sent %s %q", conn2.method, conn2.body)
		}
	})
	t.Run("read timeout", func(t *testing.T) {
		h := newHarness(t)
		conn, _ := h.start(map[string]any{"initialDelayMs": 0, "readTimeoutMs": 1000})
		conn.send <- "data: Hello\n\n"
		h.events(msg("Hello"))
		if e := h.message("error"); !strings.Contains(e.Error, "no bytes") {
			t.Fatalf("error %q", e.Error)
		}
		h.connection()
	})
}

func TestProtocol(t *testing.T) {
	h := newHarness(t)
	resp, err := http.Get(h.service.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	var status struct{ Capabilities []string }
	err = json.NewDecoder(resp.Body).Decode(&status)
	resp.Body.Close()
	for _, c := range []string{"comments", "post", "report", "restart", "headers", "last-event-id", "read-timeout"} {
		if err != nil || !slices.Contains(status.Capabilities, c) {
			t.Fatalf("capabilities %v (%v) lack %q", status.Capabilities, err, c)
		}
	}
	conn, loc := h.start(nil)
	cases := []struct {
		method, url, body string
		want              int
	}{
		{"POST", loc, `{"command":"listen","listen":{"type":"x"}}`, 400},
		{"POST", loc, `not json`, 400},
		{"POST", h.service.URL + "/streams/99", `{"command":"restart"}`, 404},
		{"DELETE", h.service.URL + "/streams/99", "", 404},
		{"POST", h.service.URL + "/", `{"streamUrl":""}`, 400},
		{"DELETE", loc, "", 204},
		{"DELETE", loc, "", 404},
	}
	var got []int
	var want []int
	for _, c := range cases {
		got = append(got, h.do(c.method, c.url, c.body))
		want = append(want, c.want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	select {
	case <-conn.gone: // DELETE closed the client's connection
	case <-time.After(wait):
		t.Fatal("the stream's connection is still open after DELETE")
	}
}
