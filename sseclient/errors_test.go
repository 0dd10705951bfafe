package sseclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
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
