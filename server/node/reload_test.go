package node

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/guard"
)

// publishAs publishes text to channel with tok and returns the status.
func publishAs(t *testing.T, base, tok, channel, text string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/publish?channel="+channel, strings.NewReader(text))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// streamData opens /events?channel=ch and sends each data line it receives.
func streamData(t *testing.T, base, ch string) <-chan string {
	t.Helper()
	resp, err := http.Get(base + "/events?channel=" + ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	data := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data <- d
			}
		}
		close(data)
	}()
	return data
}

func wantData(t *testing.T, data <-chan string, want string) {
	t.Helper()
	for {
		select {
		case d, ok := <-data:
			if !ok {
				t.Fatalf("the stream ended before %q arrived", want)
			}
			if d == want {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%q did not arrive within 10 s", want)
		}
	}
}

// TestReloadKeepsStreams: Reload rotates the key (old tokens 401, new ones 200), lowers the
// body limit and the per-IP cap, makes the hub private and changes the guard, and the stream
// opened before it still receives what is published after.
func TestReloadKeepsStreams(t *testing.T) {
	n := start(t, context.Background(), Config{Guard: guard.DefaultConfig(nil)})
	base := n.URLs()[0]
	data := streamData(t, base, "news")
	oldTok, err := auth.Mint(testKey, []string{"*"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if st := publishAs(t, base, oldTok, "news", "before"); st != http.StatusOK {
		t.Fatalf("publish before the reload: %d", st)
	}
	wantData(t, data, "before")
	oldGuard := n.Guard()

	newKey := "node-test-key-rotated-0123456789"
	err = n.Reload(Settings{
		Key: newKey, Access: auth.Options{Private: true, Public: []string{"news"}},
		Guard:  guard.DefaultConfig(nil),
		Limits: server.Limits{MaxBodyBytes: 100, MaxPerIP: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.Guard() == oldGuard {
		t.Error("Guard() still returns the guard from before the reload")
	}
	if st := publishAs(t, base, oldTok, "news", "old key"); st != http.StatusUnauthorized {
		t.Errorf("publish with a token of the old key after the rotation: %d; want 401", st)
	}
	newTok, _ := auth.Mint(newKey, []string{"*"}, nil, time.Hour)
	if st := publishAs(t, base, newTok, "news", "after"); st != http.StatusOK {
		t.Fatalf("publish with a token of the new key: %d; want 200", st)
	}
	wantData(t, data, "after")
	if st := publishAs(t, base, newTok, "news", strings.Repeat("x", 200)); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a 200-byte publish after lowering the body limit to 100: %d; want 413", st)
	}
	// The stream is this IP's one allowed by the new cap: a second one is refused, the
	// first stays. And private now means an unlisted channel needs a token.
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/events?channel=news", http.StatusTooManyRequests},
		{"/events?channel=secret", http.StatusUnauthorized},
	} {
		resp, err := http.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s after the reload: %d; want %d", tt.path, resp.StatusCode, tt.want)
		}
	}
	if s := n.Hub().Stats().Limits; s.MaxBodyBytes != 100 || s.MaxPerIP != 1 {
		t.Errorf("/stats limits after the reload: %+v", s)
	}
	if st := publishAs(t, base, newTok, "news", "still"); st != http.StatusOK {
		t.Fatalf("publish: %d", st)
	}
	wantData(t, data, "still")
}

// TestReloadRefusesImpossible: a short key, a bad public pattern or impossible limits are
// refused with an error naming them, and the node keeps its settings.
func TestReloadRefusesImpossible(t *testing.T) {
	n := start(t, context.Background(), Config{})
	base := n.URLs()[0]
	tests := []struct {
		name string
		s    Settings
		want error
	}{
		{"short key", Settings{Key: "short"}, ErrShortKey},
		{"bad pattern", Settings{Key: testKey, Access: auth.Options{Public: []string{"a b"}}}, nil},
		{"event larger than half the history", Settings{Key: testKey, Limits: server.Limits{MaxEventBytes: 1 << 30}}, server.ErrBadConfig},
		{"negative limit", Settings{Key: testKey, Limits: server.Limits{MaxBatch: -1}}, server.ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := n.Reload(tt.s)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Reload: %v; want an error matching %v", err, tt.want)
			}
		})
	}
	if st := publishAs(t, base, testKey, "news", "kept"); st != http.StatusOK {
		t.Errorf("publish with the original key after refused reloads: %d; want 200", st)
	}
	if l := n.Hub().Stats().Limits; l.MaxBatch != server.DefaultMaxBatch || l.MaxEventBytes != server.DefaultMaxEventBytes {
		t.Errorf("limits changed by a refused reload: %+v", l)
	}
}
