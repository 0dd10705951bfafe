package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// subscribeServer serves each request with the next stream body; later requests get 204.
// It records the request headers.
func subscribeServer(t *testing.T, streams ...string) (*httptest.Server, func() []http.Header) {
	t.Helper()
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := len(seen)
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if i >= len(streams) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, streams[i])
	}))
	t.Cleanup(srv.Close)
	return srv, func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return append([]http.Header(nil), seen...)
	}
}

func runSub(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(append([]string{"subscribe"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSubscribeJSONOneObjectPerLine(t *testing.T) {
	srv, _ := subscribeServer(t,
		"retry: 10\nevent: price\nid: 1\ndata: {\"p\": 1}\n\ndata: two\ndata: lines <&>\n\n",
		"data: after reconnect\n\n")
	code, out, errOut := runSub("--json", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := []map[string]string{
		{"event": "price", "data": `{"p": 1}`, "id": "1"},
		{"event": "message", "data": "two\nlines <&>", "id": "1"},
		{"event": "message", "data": "after reconnect", "id": "1"},
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		var got map[string]string
		if err := json.Unmarshal([]byte(line), &got); err != nil || fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("line %d = %s (%v), want %v", i, line, err, want[i])
		}
		if !strings.HasPrefix(line, `{"event":`) {
			t.Errorf("line %d does not start with the event key: %s", i, line)
		}
	}
	for _, s := range []string{"connecting", "open", "retrying in 10ms", "closed"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks state %q:\n%s", s, errOut)
		}
	}
}

func TestSubscribePlainOutput(t *testing.T) {
	srv, _ := subscribeServer(t, "event: x\nid: 7\ndata: a\ndata: b\n\ndata: c\n\n")
	code, out, errOut := runSub("--max", "2", srv.URL)
	want := "event: x\nid: 7\ndata: a\ndata: b\n\nevent: message\nid: 7\ndata: c\n\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stdout %q, want %q; stderr %s", code, out, want, errOut)
	}
}

// TestSubscribeMaxCountsOnlyTheStreamsEvents checks that the hub's control events are
// printed but do not use up --max: with --max 2 both of the caller's events arrive.
func TestSubscribeMaxCountsOnlyTheStreamsEvents(t *testing.T) {
	srv, _ := subscribeServer(t, "event: herald.connected\ndata: {}\n\nid: 1\ndata: a\n\n"+
		"event: herald.gap\ndata: {}\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n")
	code, out, errOut := runSub("--json", "--max", "2", srv.URL)
	want := `{"event":"herald.connected","data":"{}","id":""}` + "\n" +
		`{"event":"message","data":"a","id":"1"}` + "\n" +
		`{"event":"herald.gap","data":"{}","id":"1"}` + "\n" +
		`{"event":"message","data":"b","id":"2"}` + "\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stdout\n%s\nwant\n%s\nstderr %s", code, out, want, errOut)
	}
}

// TestSubscribeSizeFlags checks that --max-line and --max-event reach the parser: the same
// 3 KiB data line passes with a 4KiB cap and fails (exit 1, naming the limit) with 2KiB.
func TestSubscribeSizeFlags(t *testing.T) {
	line := strings.Repeat("z", 3<<10)
	cases := []struct {
		args    []string
		code    int
		stderr  string
		printed bool
	}{
		{[]string{"--max-line", "4KiB", "--max-event", "8k"}, 0, "", true},
		{[]string{"--max-line", "2KiB"}, 1, "MaxLineSize", false},
		{[]string{"--max-event", "2048"}, 1, "MaxEventSize", false},
	}
	for _, c := range cases {
		srv, _ := subscribeServer(t, "data: "+line+"\n\n")
		code, out, errOut := runSub(append(c.args, "--max", "1", srv.URL)...)
		if code != c.code || !strings.Contains(errOut, c.stderr) || strings.Contains(out, line) != c.printed {
			t.Errorf("%v: exit %d, printed %v, stderr %s", c.args, code, strings.Contains(out, line), errOut)
		}
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int
		err  string
	}{
		{"1048576", 1 << 20, ""},
		{"512KiB", 512 << 10, ""},
		{"16MiB", 16 << 20, ""},
		{"16mib", 16 << 20, ""},
		{"16M", 16 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"64MB", 64_000_000, ""},
		{"10 kB", 10_000, ""},
		{"100B", 100, ""},
		{"", 0, "not a size"},
		{"MiB", 0, "not a size"},
		{"1.5MiB", 0, "not a size"},
		{"-1", 0, "not a size"},
		{"12parsecs", 0, "not a size"},
		{"0", 0, "out of range"},
		{"4GiB", 0, "out of range"},
	}
	for _, c := range cases {
		got, err := parseSize(c.in)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("parseSize(%q) = %d, %v; want %d, %q", c.in, got, err, c.want, c.err)
		}
	}
	if s := (&sizeFlag{16 << 20}).String(); s != "16MiB" {
		t.Errorf("sizeFlag.String() = %q, want 16MiB", s)
	}
}

func TestSubscribeSendsHeadersTokenAndLastEventID(t *testing.T) {
	srv, seen := subscribeServer(t, "data: x\n\n")
	// Flags after the URL work too.
	code, _, errOut := runSub(srv.URL, "-H", "X-One: 1", "--header", "X-Two:  two ", "--token", "secret",
		"--last-event-id", "41", "--max", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	h := seen()[0]
	if h.Get("X-One") != "1" || h.Get("X-Two") != "two" || h.Get("Authorization") != "Bearer secret" ||
		h.Get("Last-Event-ID") != "41" || h.Get("Accept") != "text/event-stream" {
		t.Fatalf("request headers %v", h)
	}
}

func TestSubscribeExitCodes(t *testing.T) {
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"unknown path; subscribe at /events"}`)
	}))
	defer notFound.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer hang.Close()
	gone, _ := subscribeServer(t) // answers 204 at once

	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"204 stops", []string{gone.URL}, 0, "closed"},
		{"404 fails", []string{notFound.URL}, 1, "unknown path; subscribe at /events"},
		{"timeout", []string{"--timeout", "300ms", hang.URL}, 0, "connecting"},
		{"no URL", nil, 2, "give the stream's URL"},
		{"two URLs", []string{"http://a/", "http://b/"}, 2, "give one URL"},
		{"not http", []string{"ftp://x/"}, 2, "not an http(s) URL"},
		{"no scheme", []string{"127.0.0.1:7878/events"}, 2, "not an http(s) URL"},
		{"bad header", []string{"-H", "nocolon", "http://a/"}, 2, "write it as 'Name: value'"},
		{"bad max", []string{"--max", "-1", "http://a/"}, 2, "--max must be"},
		{"bad timeout", []string{"--timeout", "soon", "http://a/"}, 2, "invalid value"},
		{"unknown flag", []string{"--nope", "http://a/"}, 2, "flag provided but not defined"},
		{"bad max-line", []string{"--max-line", "16 furlongs", "http://a/"}, 2, "such as 1048576, 512KiB, 16MiB"},
		{"zero max-event", []string{"--max-event", "0", "http://a/"}, 2, "out of range"},
		{"help", []string{"-h"}, 0, "Usage: herald subscribe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runSub(c.args...)
			if code != c.code || !strings.Contains(errOut, c.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errOut, c.code, c.stderr)
			}
		})
	}
}

func TestSubscribeStopsOnSIGINT(t *testing.T) {
	var connected atomic.Bool
	ready := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: hi\n\n")
		w.(http.Flusher).Flush()
		if !connected.Swap(true) {
			close(ready)
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	done := make(chan int)
	var out, errb syncBuffer
	go func() { done <- Run([]string{"subscribe", srv.URL}, strings.NewReader(""), &out, &errb) }()
	// The signal handler is installed before the first request, so the signal cannot kill
	// the test binary once the server has seen the connection.
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "data: hi") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "data: hi") {
			t.Fatalf("exit %d, stdout %q", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("subscribe did not stop on SIGINT")
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSubscribeRequestBody checks -X, -d and --data-file: the method and body reach the
// server on the first connection and again on the reconnect.
func TestSubscribeRequestBody(t *testing.T) {
	file := t.TempDir() + "/body.json"
	if err := os.WriteFile(file, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		args       []string
		stdin      string
		wantMethod string
		wantBody   string
	}{
		{"data is a POST", []string{"-d", `{"q":1}`}, "", "POST", `{"q":1}`},
		{"method and data", []string{"-X", "report", "--data", "x=1"}, "", "REPORT", "x=1"},
		{"data file", []string{"--data-file", file}, "", "POST", `{"from":"file"}`},
		{"data from stdin", []string{"--data-file", "-"}, "from stdin", "POST", "from stdin"},
		{"method alone", []string{"--method", "PUT"}, "", "PUT", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			type seen struct{ method, body, ctype string }
			var mu sync.Mutex
			var reqs []seen
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				reqs = append(reqs, seen{r.Method, string(b), r.Header.Get("Content-Type")})
				n := len(reqs)
				mu.Unlock()
				if n > 2 {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, "retry: 1\ndata: x\n\n")
			}))
			defer srv.Close()
			var out, errb bytes.Buffer
			args := append([]string{"subscribe", "-H", "Content-Type: application/json"}, c.args...)
			code := Run(append(args, srv.URL), strings.NewReader(c.stdin), &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			for i, r := range reqs {
				if r.method != c.wantMethod || r.body != c.wantBody || r.ctype != "application/json" {
					t.Errorf("request %d: %+v, want %s %q", i, r, c.wantMethod, c.wantBody)
				}
			}
		})
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "a", "--data-file", file}, "not both"},
		{[]string{"-X", "GE T"}, "not an HTTP method"},
		{[]string{"--data-file", "/nonexistent/body"}, "--data-file"},
	} {
		code, _, errOut := runSub(append(bad.args, "http://127.0.0.1:1/")...)
		if code != 2 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: exit %d, stderr %s; want 2 and %q", bad.args, code, errOut, bad.want)
		}
	}
}

func TestSubscribeComments(t *testing.T) {
	stream := ": keep-alive\n\n:ping\ndata: x\n\n"
	cases := []struct {
		args []string
		want string
	}{
		{nil, "event: message\ndata: x\n\n"},
		{[]string{"--comments"}, ": keep-alive\n:ping\nevent: message\ndata: x\n\n"},
		{[]string{"--comments", "--json"}, `{"comment":" keep-alive"}` + "\n" + `{"comment":"ping"}` + "\n" +
			`{"event":"message","data":"x","id":""}` + "\n"},
	}
	for _, c := range cases {
		srv, _ := subscribeServer(t, stream)
		code, out, errOut := runSub(append(c.args, "--max", "1", srv.URL)...)
		if code != 0 || out != c.want {
			t.Errorf("%v: exit %d, stdout %q, want %q; stderr %s", c.args, code, out, c.want, errOut)
		}
	}
}

// TestSubscribeMaxAgainstARealHub runs `herald serve` and `herald subscribe --max 1`: the
// hub's herald.connected arrives first and is printed, and the subscriber still waits for
// (and exits after) the one event published to the channel.
func TestSubscribeMaxAgainstARealHub(t *testing.T) {
	url, _ := startServe(t)
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run([]string{"subscribe", "--json", "--max", "1", "--timeout", "30s", url + "/events?channel=maxtest"},
			strings.NewReader(""), out, errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "herald.connected") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("subscribe exited (%d) after the control event, before the published one:\n%s%s", code, out.String(), errb.String())
	default:
	}
	var pubOut, pubErr syncBuffer
	if code := Run([]string{"publish", "--url", url, "--channel", "maxtest", "hello"}, strings.NewReader(""), &pubOut, &pubErr); code != 0 {
		t.Fatalf("publish exit %d: %s", code, pubErr.String())
	}
	select {
	case code := <-done:
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"event":"herald.connected"`) ||
			!strings.Contains(lines[1], `"data":"hello"`) {
			t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("subscribe did not exit after the published event:\n%s", out.String())
	}
}
