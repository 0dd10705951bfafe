package sseclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClientFailsWithHelpfulError(t *testing.T) {
	cases := []struct {
		name    string
		h       http.HandlerFunc
		contain []string
	}{
		{"404 with JSON error", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no such channel \"x\""}`)
		}, []string{"404 Not Found", `no such channel "x"`, "check the URL"}},
		{"401", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "token expired", http.StatusUnauthorized)
		}, []string{"401", "token expired", "check the token"}},
		{"wrong content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<h1>Welcome</h1>\n<p>hello</p>")
		}, []string{`Content-Type "text/html"`, "not text/event-stream", "<h1>Welcome</h1> <p>hello</p>"}},
		{"200 without content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			w.WriteHeader(http.StatusOK)
		}, []string{"not text/event-stream"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			srv, seen := script(t, tc.h)
			c, states := testClient(t, srv.URL)
			_, err := collect(t, c, 0)
			var he *HTTPError
			if !errors.As(err, &he) || len(*seen) != 1 {
				t.Fatalf("error %v after %d requests; want an *HTTPError and no retry", err, len(*seen))
			}
			for _, s := range tc.contain {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if last := (*states)[len(*states)-1]; last.Phase != Closed || last.Err != err {
				t.Errorf("last state %v, want closed with the error", last)
			}
		})
	}
}

func TestClientRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x/y", "localhost:7878/events", "http://"} {
		c := &Client{URL: u}
		if _, err := collect(t, c, 0); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("URL %q: error %v", u, err)
		}
	}
}

func TestClientOversizedEventFailsForGood(t *testing.T) {
	checkGoroutines(t)
	srv, seen := script(t, body("data: "+strings.Repeat("x", 100)+"\n\n"))
	c, _ := testClient(t, srv.URL)
	c.MaxEventSize = 50
	if _, err := collect(t, c, 0); !errors.Is(err, ErrEventTooLarge) || len(*seen) != 1 {
		t.Fatalf("error %v after %d requests; want ErrEventTooLarge without a retry", err, len(*seen))
	}
}

// TestCheckResponse is the table of what a response means, by status and Content-Type: the
// WPT request-status-error and format-mime-* cases, plus the statuses this client retries
// (where a browser would give up; see docs/client.md).
func TestCheckResponse(t *testing.T) {
	const stream, retry, done, fatal = "stream", "retry", "done", "fatal"
	cases := []struct {
		code int
		ct   string
		want string
	}{
		{200, "text/event-stream", stream},
		{200, "text/event-stream;", stream},
		{200, "text/event-stream; charset=bogus", stream},
		{200, "TEXT/Event-Stream", stream},
		{200, "text/event-stream; foo", stream},
		{200, "text/event-stream ;charset=utf-8", stream},
		{200, "text/x-bogus", fatal},
		{200, "text/event-streams", fatal},
		{200, "text/plain", fatal},
		{200, "", fatal},
		{204, "", done},
		{205, "text/event-stream", fatal},
		{210, "text/event-stream", fatal},
		{299, "text/event-stream", fatal},
		{404, "", fatal},
		{410, "", fatal},
		{401, "", fatal},
		{408, "", retry},
		{429, "", retry},
		{500, "", retry},
		{503, "", retry},
	}
	for _, c := range cases {
		resp := &http.Response{StatusCode: c.code, Header: http.Header{}}
		if c.ct != "" {
			resp.Header.Set("Content-Type", c.ct)
		}
		res := checkResponse("http://x/", resp, strings.NewReader(""), time.Now())
		got := stream
		switch {
		case res == nil:
		case res.done:
			got = done
		case res.fatal:
			got = fatal
		default:
			got = retry
		}
		if got != c.want {
			t.Errorf("%d %q: %s, want %s", c.code, c.ct, got, c.want)
		}
	}
}

// TestClientIDWithControlCharacters checks that an id net/http cannot send as a header (a
// control character other than CR, LF and NUL) does not make every reconnect fail: the
// reconnect goes out without Last-Event-ID.
func TestClientIDWithControlCharacters(t *testing.T) {
	checkGoroutines(t)
	srv, seen := script(t, body("id: a\x01b\ndata: x\n\n"), body("data: y\n\n"))
	c, _ := testClient(t, srv.URL)
	got, err := collect(t, c, 0)
	if err != nil || len(got) != 2 || got[0].ID != "a\x01b" || len(*seen) != 3 {
		t.Fatalf("events %q, %v after %d requests", got, err, len(*seen))
	}
	if v := (*seen)[1].Values("Last-Event-ID"); len(v) != 0 {
		t.Fatalf("Last-Event-ID %q sent", v)
	}
}
