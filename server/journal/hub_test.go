package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/sseclient"
)

const testKey = "test-key-0123456789abcdef"

// hubOn runs a hub on a journal at path behind a loopback HTTP server.
func hubOn(t testing.TB, path string, history int) (*server.Hub, string) {
	t.Helper()
	j, err := Open(Options{Path: path, MaxEvents: history, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Config{Broker: j, Key: testKey, Logger: quiet, History: history})
	if err != nil {
		j.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		stopHub(h)
		srv.Close()
	})
	return h, srv.URL
}

func stopHub(h *server.Hub) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.Shutdown(ctx)
}

// postEvent publishes one event over HTTP and returns its id.
func postEvent(t testing.TB, url, channel, data string) string {
	t.Helper()
	return postKeyed(t, url, channel, data, "")
}

// postKeyed publishes one event with an idempotency key ("" for none) and returns its id.
func postKeyed(t testing.TB, url, channel, data, key string) string {
	t.Helper()
	body := fmt.Sprintf(`{"channel":%q,"data":%q}`, channel, data)
	if key != "" {
		body = fmt.Sprintf(`{"channel":%q,"data":%q,"id":%q}`, channel, data, key)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/publish", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish answered %s", resp.Status)
	}
	var r server.Receipt
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// resume opens /events with Last-Event-ID and reads n events (control events included).
func resume(t testing.TB, url, channel, lastID string, n int) []sseclient.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events?channel="+channel, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := sseclient.NewParser(resp.Body)
	var out []sseclient.Event
	for len(out) < n {
		e, err := p.Next()
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		if e.Type == "herald.connected" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// TestHubRestartKeepsHistory is what a teammate sees across a hub restart: a resume with
// the id it had replays every event after it, from the old run and the new, with no
// herald.gap, and ids keep increasing.
func TestHubRestartKeepsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	h1, url1 := hubOn(t, path, 100)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, postEvent(t, url1, "news", fmt.Sprintf("run1-%d", i)))
	}
	stopHub(h1) // closes the journal: the file's lock goes with it

	_, url2 := hubOn(t, path, 100)
	for i := 0; i < 3; i++ {
		id := postEvent(t, url2, "news", fmt.Sprintf("run2-%d", i))
		prev, _ := server.ParseID(ids[len(ids)-1])
		cur, err := server.ParseID(id)
		if err != nil || !prev.Less(cur) {
			t.Fatalf("id %s after a restart is not after %s", id, ids[len(ids)-1])
		}
		ids = append(ids, id)
	}
	got := resume(t, url2, "news", ids[1], 6)
	want := []string{"run1-2", "run1-3", "run1-4", "run2-0", "run2-1", "run2-2"}
	for i, e := range got {
		if e.Type == "herald.gap" {
			t.Fatalf("event %d is a herald.gap (%s): the history was lost", i, e.Data)
		}
		if e.Data != want[i] || e.ID != ids[i+2] {
			t.Fatalf("event %d = %q id %s, want %q id %s", i, e.Data, e.ID, want[i], ids[i+2])
		}
	}
}

// TestHubKeyAfterRestart: a publisher that retries with the same idempotency key after the
// hub restarted (its first answer lost in the crash) gets the stored event's id, and the
// event is in the history once.
func TestHubKeyAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	h1, url1 := hubOn(t, path, 100)
	before := postEvent(t, url1, "orders", "before")
	first := postKeyed(t, url1, "orders", "order 42", "order-42")
	stopHub(h1)

	_, url2 := hubOn(t, path, 100)
	if again := postKeyed(t, url2, "orders", "order 42", "order-42"); again != first {
		t.Fatalf("the retry after a restart got id %s, want the stored %s", again, first)
	}
	last := postEvent(t, url2, "orders", "after")
	got := resume(t, url2, "orders", before, 2)
	if got[0].ID != first || got[0].Data != "order 42" || got[1].ID != last {
		t.Fatalf("replay = %+v, want order 42 once (id %s), then %s", got, first, last)
	}
}
