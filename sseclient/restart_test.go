package sseclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestClientRestart checks Restart in both places it can find a subscription: on an open
// connection (dropped, reconnected at once with its Last-Event-ID although the reconnection
// time is an hour) and waiting to reconnect (the wait ends at once).
func TestClientRestart(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) {
		sse(w)
		fmt.Fprint(w, "id: 1\ndata: first\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	cases := []struct {
		name      string
		first     http.HandlerFunc
		restartOn func(State, Event) bool
		want      []Event
	}{
		{"open connection", hang, func(_ State, e Event) bool { return e.Data == "first" },
			[]Event{ev("message", "first", "1"), ev("message", "second", "1")}},
		{"waiting to reconnect", status(http.StatusBadGateway), func(s State, _ Event) bool { return s.Phase == Retrying },
			[]Event{ev("message", "second", "")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			srv, seen := recorder(t, tc.first, body("data: second\n\n"))
			c, states := testClient(t, srv.URL)
			c.Retry = time.Hour
			c.OnState = func(s State) {
				*states = append(*states, s)
				if tc.restartOn(s, Event{}) {
					go c.Restart() // from another goroutine, as a UI button would
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var got []Event
			for e, err := range c.Events(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
				if len(got) == len(tc.want) {
					break
				}
				if tc.restartOn(State{}, e) {
					c.Restart()
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("no reconnect within 10 s (events %q)", got)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("events %q, want %q", got, tc.want)
			}
			reqs := seen()
			if len(reqs) != 2 || reqs[1].header.Get("Last-Event-ID") != tc.want[0].ID {
				t.Fatalf("%d requests, second with Last-Event-ID %q", len(reqs), reqs[1].header.Get("Last-Event-ID"))
			}
			if tc.name == "open connection" {
				var restarted bool
				for _, s := range *states {
					restarted = restarted || (s.Phase == Retrying && errors.Is(s.Err, ErrRestarted) && s.Delay == 0)
				}
				if !restarted {
					t.Fatalf("no Retrying state with ErrRestarted: %v", *states)
				}
			}
		})
	}
}

func TestClientRestartWithNothingRunning(t *testing.T) {
	c := &Client{URL: "http://127.0.0.1:1/"}
	c.Restart() // must not block or panic
}

// TestClientRetryZeroIsExpressible checks the three meanings of Client.Retry: 0 is the
// default, NoRetryDelay (any negative value) an explicit zero, anything else itself.
func TestClientRetryZeroIsExpressible(t *testing.T) {
	cases := []struct {
		retry, want time.Duration
	}{
		{0, DefaultRetry},
		{NoRetryDelay, 0},
		{-time.Second, 0},
		{250 * time.Millisecond, 250 * time.Millisecond},
	}
	for _, tc := range cases {
		checkGoroutines(t)
		srv, _ := recorder(t, body("data: a\n\n"))
		c, states := testClient(t, srv.URL)
		c.Retry = tc.retry
		ctx, cancel := context.WithCancel(context.Background())
		c.OnState = func(s State) {
			*states = append(*states, s)
			if s.Phase == Retrying {
				cancel()
			}
		}
		for range c.Events(ctx) {
		}
		cancel()
		if d := delays(*states); len(d) != 1 || d[0] != tc.want {
			t.Errorf("Retry %v: delays %v, want [%v]", tc.retry, d, tc.want)
		}
	}
}

// TestClientComments checks that OnComment sees every comment, without the colon, as soon as
// its line arrives: the server waits for the comment to be reported before it sends the event.
func TestClientComments(t *testing.T) {
	checkGoroutines(t)
	reported := make(chan string, 10)
	srv, _ := recorder(t, func(w http.ResponseWriter, r *http.Request) {
		sse(w)
		fmt.Fprint(w, ":Hello\n")
		w.(http.Flusher).Flush()
		select {
		case <-reported:
		case <-time.After(5 * time.Second):
			return // the comment was held back: the client sees no event and the test fails
		}
		fmt.Fprint(w, ": keep-alive\n\ndata: x\n:\n: \xff\n\n")
	})
	c, _ := testClient(t, srv.URL)
	var comments []string
	c.OnComment = func(text string) {
		comments = append(comments, text)
		if len(comments) == 1 {
			reported <- text
		}
	}
	got, err := collect(t, c, 1)
	if err != nil || len(got) != 1 || got[0].Data != "x" {
		t.Fatalf("events %q, %v", got, err)
	}
	want := []string{"Hello", " keep-alive", "", " \uFFFD"}
	if !reflect.DeepEqual(comments, want) {
		t.Fatalf("comments %q, want %q", comments, want)
	}
}

func TestParserAll(t *testing.T) {
	boom := errors.New("connection reset")
	cases := []struct {
		name    string
		p       *Parser
		stopAt  int // break after this many events (0: never)
		want    []string
		wantErr error
	}{
		{"ends quietly at EOF", NewParser(strings.NewReader("data: a\n\ndata: b\n\ndata: cut")), 0, []string{"a", "b"}, nil},
		{"reader error is the last element", NewParser(&errReader{data: "data: a\n\n", err: boom}), 0, []string{"a"}, boom},
		{"limit error is the last element", NewParser(strings.NewReader("data: a\n\ndata: toolong\n\n"), WithMaxLineSize(4)), 0, []string{"a"}, ErrLineTooLong},
		{"break stops", NewParser(strings.NewReader("data: a\n\ndata: b\n\n")), 1, []string{"a"}, nil},
	}
	for _, tc := range cases {
		var got []string
		var gotErr error
		for e, err := range tc.p.All() {
			if err != nil {
				gotErr = err
				continue // must be the last element: a further one would be appended below
			}
			if gotErr != nil {
				t.Errorf("%s: event after the error", tc.name)
			}
			got = append(got, e.Data)
			if len(got) == tc.stopAt {
				break
			}
		}
		if !reflect.DeepEqual(got, tc.want) || !errors.Is(gotErr, tc.wantErr) {
			t.Errorf("%s: %q, %v; want %q, %v", tc.name, got, gotErr, tc.want, tc.wantErr)
		}
	}
}
