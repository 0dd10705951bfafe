package model

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFeedValidate(t *testing.T) {
	tests := []struct {
		f       FeedConfig
		wantErr string
	}{
		{FeedConfig{Name: "ci", URL: "http://10.0.0.2:7878", Channels: []string{"builds", "stocks.*"}}, ""},
		{FeedConfig{URL: "http://x"}, "needs a name"},
		{FeedConfig{Name: "x", URL: "ftp://x"}, "not an http(s) address"},
		{FeedConfig{Name: "x", URL: "localhost:7878"}, "not an http(s) address"},
		{FeedConfig{Name: "x", URL: "http://x", Channels: []string{"bad channel"}}, "channel"},
		{FeedConfig{Name: "x", URL: "http://x", Headers: map[string]string{"A B": "c"}}, "header name"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%+v: err %v, want %q", tt.f, err, tt.wantErr)
		}
	}
}

func TestEventsURL(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"http://h:1", "http://h:1/events?channel=a&channel=b"},
		{"http://h:1/", "http://h:1/events?channel=a&channel=b"},
		{"http://h:1/events?token=t", "http://h:1/events?channel=a&channel=b&token=t"},
		{"https://other/stream", "https://other/stream"},
	} {
		if got := (FeedConfig{URL: tt.url, Channels: []string{"a", "b"}}).EventsURL(); got != tt.want {
			t.Errorf("EventsURL(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
	// No channels: every channel, not the hub's "default" alone.
	if got := (FeedConfig{URL: "http://h:1"}).EventsURL(); got != "http://h:1/events?channel=%2A" {
		t.Errorf("EventsURL without channels = %q, want channel=*", got)
	}
}

// TestFeedNormalize: what people paste (an invite link, the dashboard address, host:port,
// an /events URL with channels) becomes a base URL, a token and channels.
func TestFeedNormalize(t *testing.T) {
	tests := []struct {
		name     string
		in       FeedConfig
		url, tok string
		chans    string
	}{
		{"invite link", FeedConfig{URL: " http://192.168.1.5:7878/?token=eyJ.abc.def "}, "http://192.168.1.5:7878", "eyJ.abc.def", ""},
		{"typed token wins", FeedConfig{URL: "http://h:1/?token=fromlink", Token: "typed"}, "http://h:1", "typed", ""},
		{"host and port", FeedConfig{URL: "192.168.1.5:7878"}, "http://192.168.1.5:7878", "", ""},
		{"events url with channels", FeedConfig{URL: "http://h:1/events?channel=a&channel=b,c&token=t"}, "http://h:1", "t", "a b c"},
		{"channels field wins", FeedConfig{URL: "http://h:1/events?channel=a", Channels: []string{"x"}}, "http://h:1", "", "x"},
		{"other endpoint keeps its query", FeedConfig{URL: "https://ci.example/stream?project=7&token=s"}, "https://ci.example/stream?project=7", "s", ""},
		{"plain base", FeedConfig{URL: "https://hub.example"}, "https://hub.example", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Normalize()
			if got.URL != tt.url || got.Token != tt.tok || strings.Join(got.Channels, " ") != tt.chans {
				t.Errorf("got url %q token %q channels %q, want %q %q %q", got.URL, got.Token, got.Channels, tt.url, tt.tok, tt.chans)
			}
			if strings.Contains(got.EventsURL(), "token") {
				t.Errorf("the events URL %q still carries the token", got.EventsURL())
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		`Get "http://h:1/events?channel=x&token=eyJ.a.b": dial tcp: refused`: `Get "http://h:1/events?channel=x&token=…": dial tcp: refused`,
		"401: Authorization: Bearer abc.def":                                 "401: Authorization: Bearer …",
		"no secrets here":                                                    "no secrets here",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	h, err := ParseHeaders("x-api-key: abc\n\nAuthorization: Bearer t:1\n")
	if err != nil {
		t.Fatal(err)
	}
	if h["X-Api-Key"] != "abc" || h["Authorization"] != "Bearer t:1" {
		t.Fatalf("parsed %v", h)
	}
	if got := FormatHeaders(h); got != "Authorization: Bearer t:1\nX-Api-Key: abc" {
		t.Errorf("formatted %q", got)
	}
	if _, err := ParseHeaders("no colon here"); err == nil {
		t.Error("a line without colon should fail")
	}
}

func TestFeedStatusText(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, tt := range []struct {
		s    FeedStatus
		want string
	}{
		{FeedStatus{Phase: PhaseLive}, "live"},
		{FeedStatus{Phase: PhaseConnecting}, "connecting…"},
		{FeedStatus{Phase: PhaseRetrying, RetryAt: now.Add(3 * time.Second), Err: "connection refused"}, "retrying in 3 s (connection refused)"},
		{FeedStatus{Phase: PhaseFailed, Err: "HTTP 204"}, "failed: HTTP 204"},
		{FeedStatus{}, "off"},
	} {
		if got := tt.s.Text(now); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.s, got, tt.want)
		}
	}
	if Ago(time.Time{}, now) != "never" || Ago(now.Add(-30*time.Second), now) != "30 s ago" {
		t.Error("Ago formats wrong")
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	s := DefaultSettings()
	s.Feeds = []FeedConfig{{Name: "ci", URL: "http://h:1", Token: "t", Channels: []string{"a"}, Enabled: true}}
	s.PriceAlerts = []PriceAlert{{Symbol: "AAPL", Above: true, Threshold: 200}}
	s.DND, s.Hub.Port, s.Tab, s.Width = true, 9000, "Feeds", 1000
	got, err := DecodeSettings(s.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.Encode() != s.Encode() {
		t.Errorf("round trip changed settings:\n%s\n%s", got.Encode(), s.Encode())
	}
	if d, err := DecodeSettings("{not json"); err == nil || !d.Hub.Demo {
		t.Errorf("broken settings should give defaults and an error: %v", err)
	}
	if d, _ := DecodeSettings(""); !d.Hub.Enabled || !d.Hub.Demo || len(d.Rules) != 2 {
		t.Errorf("first run defaults: %+v", d)
	}
}

func TestBatcher(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := NewBatcher[int](1000)
	var mu sync.Mutex
	var got []int
	var calls int
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(ctx, 20*time.Millisecond, func(items []int) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			got = append(got, items...)
		})
	}()
	for i := 0; i < 500; i++ {
		b.Add(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 500 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if len(got) != 500 || got[0] != 0 || got[499] != 499 {
		t.Fatalf("delivered %d items", len(got))
	}
	if calls >= 500 {
		t.Errorf("500 adds took %d deliveries; they should be batched", calls)
	}
}

func TestBatcherDropsOldest(t *testing.T) {
	b := NewBatcher[int](3)
	b.Add(1, 2, 3, 4, 5)
	if got := b.take(); len(got) != 3 || got[0] != 3 || b.Dropped() != 2 {
		t.Errorf("take = %v, dropped %d", got, b.Dropped())
	}
}
