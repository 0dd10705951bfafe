package fanout

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func testFanout(t *testing.T, maxPerIP int) *Fanout {
	t.Helper()
	f := New(Config{
		History: 100, HistoryBytes: 1 << 20, Start: ID{Ms: 1}, KeepAlive: time.Hour,
		WriteTimeout: 5 * time.Second, Retry: time.Second, MaxSubscribers: 10, MaxPerIP: maxPerIP,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	go f.Run(ctx)
	t.Cleanup(cancel)
	return f
}

func slot(seq uint64, ch, data string) Slot {
	return Slot{ID: ID{Ms: 1, Seq: seq}, Channel: ch, Bytes: []byte("data: " + data + "\n\n")}
}

// TestServeBothWriters: a hijacked HTTP/1.1 stream (kick-driven writer) and a parked HTTP/2
// stream go through the same writer loop: preamble first, only their channel's events,
// herald.shutdown at Shutdown, and they unregister when they end.
func TestServeBothWriters(t *testing.T) {
	for _, tc := range []struct {
		name  string
		http2 bool
	}{{"hijacked HTTP/1.1", false}, {"parked HTTP/2", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := testFanout(t, 10)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				head, _, _ := f.Bounds()
				s, err := f.Subscribe(Subscription{ID: "t", Patterns: Canonical([]string{"a", "a"}), IP: "ip", Pos: head, ReplayEnd: head})
				if err != nil {
					http.Error(w, err.Error(), http.StatusServiceUnavailable)
					return
				}
				s.Serve(w, r, []byte(": hello\n\n"), nil)
			}))
			if tc.http2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.ProtoMajor == 2; got != tc.http2 {
				t.Fatalf("HTTP/%d, want HTTP/2 %v", resp.ProtoMajor, tc.http2)
			}
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			next := func() string {
				t.Helper()
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							t.Fatal("the stream ended")
						}
						if l != "" {
							return l
						}
					case <-time.After(10 * time.Second):
						t.Fatal("nothing within 10 s")
					}
				}
			}
			if l := next(); l != ": hello" {
				t.Fatalf("first line %q, want the preamble", l)
			}
			if n, chans := f.Counts(); n != 1 || chans["a"] != 1 {
				t.Fatalf("Counts = %d %v, want one stream on a", n, chans)
			}
			if added := f.Append([]Slot{slot(1, "b", "B"), slot(2, "a", "A1")}); added != 2 {
				t.Fatalf("appended %d", added)
			}
			f.Append([]Slot{slot(3, "a", "A2")})
			for _, want := range []string{"data: A1", "data: A2"} {
				if l := next(); l != want {
					t.Fatalf("got %q, want %q (channel b must not arrive)", l, want)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := f.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			var rest []string
			for l := range lines {
				rest = append(rest, l)
			}
			if !strings.Contains(strings.Join(rest, "\n"), "event: herald.shutdown") {
				t.Errorf("after shutdown got %q, want herald.shutdown", rest)
			}
			if n, _ := f.Counts(); n != 0 {
				t.Errorf("%d streams still registered after shutdown", n)
			}
			if d := f.Stats.Delivered.Load(); d != 2 {
				t.Errorf("delivered %d, want 2", d)
			}
		})
	}
}

// TestSubscribeLimits: the per-address limit refuses with ErrTooManyFromIP until a stream
// is cancelled; after Shutdown every subscription is ErrClosing.
func TestSubscribeLimits(t *testing.T) {
	f := testFanout(t, 1)
	sub := Subscription{ID: "x", Patterns: []string{"a"}, IP: "ip"}
	s, err := f.Subscribe(sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Subscribe(sub); !errors.Is(err, ErrTooManyFromIP) {
		t.Fatalf("second stream from one address: %v, want ErrTooManyFromIP", err)
	}
	s.Cancel()
	s, err = f.Subscribe(sub)
	if err != nil {
		t.Fatalf("after Cancel: %v", err)
	}
	s.Cancel()
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Subscribe(sub); !errors.Is(err, ErrClosing) {
		t.Fatalf("after Shutdown: %v, want ErrClosing", err)
	}
}

// TestWaitAppended: WaitAppended returns once the ring holds the id, and with ctx's error
// when it never comes.
func TestWaitAppended(t *testing.T) {
	f := testFanout(t, 1)
	done := make(chan error, 1)
	go func() { done <- f.WaitAppended(context.Background(), ID{Ms: 1, Seq: 2}) }()
	f.Append([]Slot{slot(1, "a", "1")})
	select {
	case err := <-done:
		t.Fatalf("returned before id 2 was appended: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	f.Append([]Slot{slot(2, "a", "2")})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := f.WaitAppended(ctx, ID{Ms: 1, Seq: 9}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
}
