package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
)

// newBroker returns a broker on rs with its own stream name, closed when the test ends.
func newBroker(t testing.TB, rs *redisServer, maxLen int64) *Broker {
	t.Helper()
	b, err := New(Options{
		URL:        rs.URL(),
		Stream:     "test:" + strings.ReplaceAll(t.Name(), "/", ":"),
		MaxLen:     maxLen,
		MaxBackoff: 200 * time.Millisecond,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// follower runs b.Follow from `after` and collects what it delivers.
type follower struct {
	ch   chan server.Event
	done chan error
}

func follow(t testing.TB, ctx context.Context, b *Broker, after server.ID) *follower {
	t.Helper()
	f := &follower{ch: make(chan server.Event, 100_000), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		f.done <- b.Follow(ctx, after, func(evs []server.Event) {
			for _, e := range evs {
				f.ch <- e
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-f.done:
		case <-time.After(5 * time.Second):
			t.Error("Follow did not return within 5s of its context ending")
		}
	})
	return f
}

// next waits for n events or fails the test after 20 s.
func (f *follower) next(t testing.TB, n int) []server.Event {
	t.Helper()
	out := make([]server.Event, 0, n)
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case e := <-f.ch:
			out = append(out, e)
		case <-timeout:
			t.Fatalf("got %d of %d events within 20s: %v", len(out), n, out)
		}
	}
	return out
}

func msgs(channel string, from, to int) []server.Message {
	var m []server.Message
	for i := from; i < to; i++ {
		m = append(m, server.Message{Channel: channel, Data: fmt.Sprint(i)})
	}
	return m
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestPublishOnOneNodeFollowOnAnother(t *testing.T) {
	rs := startRedis(t)
	ctx := testCtx(t)
	a, b := newBroker(t, rs, 1000), newBroker(t, rs, 1000)
	origin, err := b.Last(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fb := follow(t, ctx, b, origin)

	sent := []server.Message{
		{Channel: "stocks.AAPL", Event: "stock-update", Data: `{"price":1}`, Retry: 1500, Key: "key-1"},
		{Channel: "default", Data: "line one\nline two"},
		{Channel: "x", Data: ""},
	}
	var stored []server.Event
	for _, m := range sent[:1] {
		evs, err := a.Publish(ctx, []server.Message{m})
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, evs...)
	}
	evs, err := a.Publish(ctx, sent[1:]) // a batch: one MULTI/EXEC
	if err != nil {
		t.Fatal(err)
	}
	stored = append(stored, evs...)

	got := fb.next(t, len(sent))
	for i := range sent {
		if got[i] != stored[i] || got[i].Message != sent[i] {
			t.Errorf("event %d: node B got %+v, node A stored %+v from %+v", i, got[i], stored[i], sent[i])
		}
		if i > 0 && !got[i-1].ID.Less(got[i].ID) {
			t.Errorf("ids not increasing: %v then %v", got[i-1].ID, got[i].ID)
		}
	}
	last, err := a.Last(ctx)
	if err != nil || last != stored[len(stored)-1].ID {
		t.Errorf("Last = %v, %v; want %v", last, err, stored[len(stored)-1].ID)
	}
}

func TestSinceReplaysAndReportsGaps(t *testing.T) {
	rs := startRedis(t)
	ctx := testCtx(t)
	b := newBroker(t, rs, 50)

	if evs, gap, err := b.Since(ctx, server.ID{}, 10); err != nil || gap || len(evs) != 0 {
		t.Fatalf("Since(0-0) on a missing stream = %v, gap %v, %v; want nothing, no gap", evs, gap, err)
	}
	if _, gap, _ := b.Since(ctx, server.ID{Ms: 5, Seq: 1}, 10); !gap {
		t.Error("Since(an id) on a missing stream reported no gap")
	}

	first, err := b.Publish(ctx, msgs("c", 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		after    server.ID
		max      int
		wantData []string
		wantGap  bool
	}{
		{"from the start", server.ID{}, 3, []string{"0", "1", "2"}, false},
		{"from the middle", first[6].ID, 10, []string{"7", "8", "9"}, false},
		{"at the newest", first[9].ID, 10, nil, false},
		{"newer than anything", server.ID{Ms: first[9].ID.Ms + 10_000}, 10, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, gap, err := b.Since(ctx, tt.after, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			var data []string
			for _, e := range evs {
				data = append(data, e.Data)
			}
			if fmt.Sprint(data) != fmt.Sprint(tt.wantData) || gap != tt.wantGap {
				t.Errorf("Since(%v) = %v gap %v; want %v gap %v", tt.after, data, gap, tt.wantData, tt.wantGap)
			}
		})
	}

	// MAXLEN ~ 50 trims whole macro nodes (100 entries by default), so publish well past it.
	for i := 10; i < 1000; i += 100 {
		if _, err := b.Publish(ctx, msgs("c", i, i+100)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := rs.Client().XLen(ctx, b.opts.Stream).Result()
	if err != nil || n >= 1000 {
		t.Fatalf("stream length %d (%v): MAXLEN did not trim", n, err)
	}
	evs, gap, err := b.Since(ctx, first[0].ID, 5)
	if err != nil || !gap || len(evs) == 0 {
		t.Fatalf("Since(trimmed id) = %d events, gap %v, %v; want the oldest kept events and a gap", len(evs), gap, err)
	}
	if evs[0].Data == "1" {
		t.Errorf("Since(trimmed id) starts right after it (%q): nothing was trimmed?", evs[0].Data)
	}
}

func TestFollowSurvivesRedisRestart(t *testing.T) {
	rs := startRedis(t)
	ctx := testCtx(t)
	pub, reader := newBroker(t, rs, 100_000), newBroker(t, rs, 100_000)
	origin, _ := reader.Last(ctx)
	f := follow(t, ctx, reader, origin)

	var accepted []server.Event
	publish := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			evs, err := pub.Publish(ctx, msgs("c", i, i+1))
			if err != nil {
				t.Fatalf("publish %d with Redis up: %v", i, err)
			}
			accepted = append(accepted, evs...)
		}
	}
	publish(0, 50)
	f.next(t, 10) // the reader is live before Redis goes away

	rs.Kill()
	if _, err := pub.Publish(ctx, msgs("c", 999, 1000)); err == nil ||
		!strings.Contains(err.Error(), rs.Addr()) || !strings.Contains(err.Error(), "redis-server is running") {
		t.Errorf("Publish with Redis down: err = %v; want an error naming %s and what to check", err, rs.Addr())
	}
	waitFor(t, "Health to report the outage", func() bool {
		err := reader.Health(ctx)
		return err != nil && strings.Contains(err.Error(), "reader loop down")
	})
	if err := pub.Health(ctx); err == nil {
		t.Error("Health of a broker without a reader loop = nil with Redis down; want the PING error")
	}

	rs.Restart()
	publish(50, 100)
	waitFor(t, "Health to recover", func() bool { return reader.Health(ctx) == nil })

	got := append([]server.Event{}, f.next(t, 90)...)
	select {
	case e := <-f.ch:
		t.Fatalf("an event beyond the %d accepted ones: %+v", len(accepted), e)
	case <-time.After(200 * time.Millisecond):
	}
	// The first ten were taken before the kill; compare the rest one by one.
	for i, e := range got {
		if want := accepted[10+i]; e != want {
			t.Fatalf("event %d after restart = %+v; want %+v (every accepted event, in order, once)", 10+i, e, want)
		}
	}
}

func TestFollowReturnsWhenContextEnds(t *testing.T) {
	rs := startRedis(t)
	b := newBroker(t, rs, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Follow(ctx, server.ID{}, func([]server.Event) {}) }()
	waitFor(t, "the reader to connect", func() bool {
		n, _ := rs.Client().ClientList(context.Background()).Result()
		return strings.Count(n, "cmd=xread") > 0
	})
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Follow returned %v; want context.Canceled", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("Follow still blocked in XREAD %v after cancel", time.Since(start))
	}
}

// TestErrorsAreTyped: the broker's errors match a sentinel and name no command-line flag
// (herald serve adds --redis; the desktop app points at its settings).
func TestErrorsAreTyped(t *testing.T) {
	// A port nothing listens on: the dial is refused at once, no redis-server needed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	unreachable := func() error {
		b, err := New(Options{URL: closed, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return err
		}
		defer b.Close()
		return b.Health(context.Background())
	}
	tests := []struct {
		name string
		err  func() error
		is   error
		want string
	}{
		{"empty URL", func() error { _, err := New(Options{}); return err }, ErrNoURL, "redis://HOST:6379/0"},
		{"not a redis URL", func() error { _, err := New(Options{URL: "http://x"}); return err }, ErrBadURL, "want redis://"},
		{"port is not a number", func() error { _, err := New(Options{URL: "redis://host:notaport/0"}); return err }, ErrBadURL, `"redis://host:notaport/0"`},
		{"nothing listening", unreachable, ErrUnavailable, "check that redis-server is running and the Redis URL is right"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v (%T); want one matching %v", err, err, tc.is)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "--") {
				t.Errorf("err = %q; want it to contain %q and name no flag", msg, tc.want)
			}
		})
	}
	var re *Error
	if err := unreachable(); !errors.As(err, &re) || re.Addr != strings.TrimSuffix(strings.TrimPrefix(closed, "redis://"), "/0") || re.Op != "PING failed" {
		t.Errorf("err = %#v; want an *Error with the address and the failed operation", err)
	}
}

// waitFor polls cond for up to 20 s; the conditions are states a background loop reaches.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
