package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// herald.live: a resuming stream is told where its history ends, right after the last
// event published before it opened, however long the history (it takes several writes) and
// whether or not live events come in meanwhile; a fresh stream gets none. herald.connected
// says which it is, and carries the hub's clock.
func TestLiveMarksTheEndOfTheReplay(t *testing.T) {
	th := newTestHub(t, Config{})
	big := strings.Repeat("x", 4000) // 300 of them: several 32 KiB writes
	var ids []string
	for i := range 300 {
		ids = append(ids, th.mustPublish(t, "hist", "", fmt.Sprint(i, big)))
	}
	// Each case's live event joins the history the next cases replay.
	for _, c := range []struct {
		name  string
		after func() []string // the request's headers
		count func() int      // events before herald.live; -1: no herald.live
	}{
		{"fresh", func() []string { return nil }, func() int { return -1 }},
		{"resume after the first", func() []string { return []string{"Last-Event-ID", ids[0]} }, func() int { return len(ids) - 1 }},
		{"resume at the newest", func() []string { return []string{"Last-Event-ID", ids[len(ids)-1]} }, func() int { return 0 }},
		{"unknown id", func() []string { return []string{"Last-Event-ID", "not-an-id"} }, func() int { return len(ids) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			hdr, replay := c.after(), c.count()
			before := time.Now().UnixMilli()
			s := th.open(t, "?channel=hist", hdr...)
			defer s.close()
			var hello struct {
				Time   int64 `json:"time"`
				Replay bool  `json:"replay"`
			}
			if err := json.Unmarshal([]byte(s.expect(t, "herald.connected").Data), &hello); err != nil {
				t.Fatal(err)
			}
			if hello.Replay != (replay >= 0) || hello.Time < before || hello.Time > time.Now().UnixMilli() {
				t.Errorf("herald.connected %+v: want replay %v and the hub's time", hello, replay >= 0)
			}
			// A live event published while the history is still being sent comes after
			// herald.live, never before it.
			live := th.mustPublish(t, "hist", "", "live")
			ids = append(ids, live)
			n := 0
			for {
				ev := s.next(t, false)
				if ev.Event == "herald.gap" {
					continue
				}
				if ev.Event == "herald.live" {
					if replay < 0 || n != replay || ev.Data != "{}" {
						t.Fatalf("herald.live after %d events, want after %d", n, replay)
					}
					continue
				}
				if ev.ID == live {
					if replay >= 0 && n != replay {
						t.Fatalf("the live event came after %d history events and no herald.live", n)
					}
					return
				}
				n++
			}
		})
	}
}
