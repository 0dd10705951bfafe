package backend

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/sseclient"
)

// publishOwn publishes data on channel through the running hub and returns its id.
func publishOwn(t *testing.T, h *Hub, channel, data string) string {
	t.Helper()
	rs, err := h.Server().Publish(context.Background(), server.Message{Channel: channel, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return rs[0].ID
}

// readResumed subscribes to channel at url as a teammate resuming after lastID and reads n
// events (herald.connected left out), or up to and including a herald.gap.
func readResumed(t *testing.T, url, channel, lastID string, n int) []sseclient.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events?channel="+channel, nil)
	req.Header.Set("Last-Event-ID", lastID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events answered %s", resp.Status)
	}
	p := sseclient.NewParser(resp.Body)
	var out []sseclient.Event
	for len(out) < n {
		e, err := p.Next()
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		if e.Type != "herald.connected" {
			out = append(out, e)
		}
		if e.Type == "herald.gap" {
			break
		}
	}
	return out
}

// TestApplyKeepsHistory: Apply (a restart of the embedded hub with new settings), turning
// the hub off and on, and a new app run on the same file all keep the history, so a
// teammate resuming with the id it had gets every event after it and no herald.gap.
func TestApplyKeepsHistory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app-history.db")
	h := &Hub{Key: testKey, Logger: quiet(), HistoryFile: file}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	var ids []string
	publish := func(tag string, n int) {
		for i := 0; i < n; i++ {
			ids = append(ids, publishOwn(t, h, "team", fmt.Sprintf("%s-%d", tag, i)))
		}
	}
	publish("first", 3)
	steps := []struct {
		name string
		do   func() error
	}{
		{"Apply with new settings", func() error { return h.ApplyHub(model.HubSettings{Enabled: true, Port: 0, Demo: true}) }},
		{"off, then on", func() error {
			if err := h.ApplyHub(model.HubSettings{Enabled: false}); err != nil {
				return err
			}
			return h.ApplyHub(model.HubSettings{Enabled: true, Port: 0})
		}},
		{"a new app run", func() error {
			h.Stop()
			h = &Hub{Key: testKey, Logger: quiet(), HistoryFile: file}
			return h.ApplyHub(model.HubSettings{Enabled: true, Port: 0})
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		publish(st.name, 1)
		prev, _ := server.ParseID(ids[len(ids)-2])
		if cur, _ := server.ParseID(ids[len(ids)-1]); !prev.Less(cur) {
			t.Fatalf("%s: id %s is not after %s", st.name, cur, prev)
		}
		// A teammate that saw only the first event resumes from it.
		got := readResumed(t, h.LocalURL(), "team", ids[0], len(ids)-1)
		for i, e := range got {
			if e.Type == "herald.gap" {
				t.Fatalf("%s: the resume got herald.gap (%s): the history was lost", st.name, e.Data)
			}
			if e.ID != ids[i+1] {
				t.Fatalf("%s: event %d has id %s (%q), want %s", st.name, i, e.ID, e.Data, ids[i+1])
			}
		}
	}
}

// TestHistoryFileHeld: a second hub on a history file that a running hub holds fails at
// once with an error that says so (and how to fix it), and the first keeps running.
func TestHistoryFileHeld(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app-history.db")
	first := &Hub{Key: testKey, Logger: quiet(), HistoryFile: file}
	if err := first.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer first.Stop()
	second := &Hub{Key: testKey, Logger: quiet(), HistoryFile: file}
	err := second.ApplyHub(model.HubSettings{Enabled: true, Port: 0})
	defer second.Stop()
	if err == nil || !strings.Contains(err.Error(), "in use by another running hub") {
		t.Fatalf("second hub on the same file: %v, want an error saying another hub holds it", err)
	}
	if st := second.HubStatus(); st.Running || st.Err == "" {
		t.Fatalf("second hub status %+v, want not running with the error", st)
	}
	if !first.HubStatus().Running {
		t.Fatal("the first hub stopped")
	}
	publishOwn(t, first, "team", "still works")
}
