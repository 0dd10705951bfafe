package backend

import (
	"fmt"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/wire"
	"github.com/heraldhq/herald/sseclient"
)

// The tracker on a fake clock: which events count as replayed, which are skipped, and
// which time each is shown with.
func TestReplayTracker(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	hubNow := t0.Add(-10 * time.Second) // the hub's clock runs 10 s behind this one
	idAt := func(at time.Time, seq int) string { return fmt.Sprintf("%d-%d", at.UnixMilli(), seq) }
	connectedAt := func(hub time.Time, replay bool) sseclient.Event {
		return sseclient.Event{Type: wire.EventConnected, Data: fmt.Sprintf(`{"id":"c1","channels":["*"],"time":%d,"replay":%v}`, hub.UnixMilli(), replay)}
	}
	connected := func(replay bool) sseclient.Event { return connectedAt(hubNow, replay) }
	stored := hubNow.Add(-time.Hour) // an hour before the app started again, hub's clock
	type step struct {
		ev       sseclient.Event
		after    time.Duration // since the previous step
		replayed bool
		skip     bool
		shown    time.Time // zero: the arrival time stands
	}
	msg := func(at time.Time, seq int) sseclient.Event {
		return sseclient.Event{Type: "alert", Data: "x", ID: idAt(at, seq)}
	}
	for _, c := range []struct {
		name   string
		resume bool
		steps  []step
	}{
		{"a marking hub: replayed until herald.live, shown at their stored time", true, []step{
			{ev: connected(true)},
			{ev: msg(stored, 1), replayed: true, shown: stored.Add(10 * time.Second)},
			// A slow replay (a big history, a slow link) stays a replay: the hub says when it ends.
			{ev: msg(stored, 2), after: 3 * time.Second, replayed: true, shown: stored.Add(10 * time.Second)},
			{ev: sseclient.Event{Type: wire.EventLive, Data: "{}", ID: idAt(stored, 2)}, skip: true},
			{ev: msg(hubNow.Add(time.Second), 1), after: 10 * time.Millisecond, shown: t0.Add(time.Second)},
		}},
		{"an older hub: the quiet pause ends the replay, arrival times stand", true, []step{
			{ev: sseclient.Event{Type: wire.EventConnected, Data: `{"id":"c1","channels":["*"]}`}},
			{ev: msg(stored, 1), replayed: true},
			{ev: msg(stored, 2), after: 10 * time.Millisecond, replayed: true},
			{ev: msg(stored, 3), after: time.Second},
		}},
		{"a reconnect is not from while the app was closed", true, []step{
			{ev: connected(true)},
			{ev: sseclient.Event{Type: wire.EventLive, Data: "{}"}, skip: true},
			{ev: connectedAt(hubNow.Add(time.Minute), true), after: time.Minute},
			{ev: msg(stored, 1), shown: stored.Add(10 * time.Second)},
		}},
		{"a fresh start replays nothing", false, []step{
			{ev: connected(false)},
			{ev: msg(stored, 1), shown: stored.Add(10 * time.Second)},
		}},
		{"ids of another kind keep the arrival time", true, []step{
			{ev: connected(true)},
			{ev: sseclient.Event{Type: "message", Data: "x", ID: "urn:uuid:1b4e28ba"}, replayed: true},
		}},
		{"never later than its arrival", false, []step{
			{ev: connected(false)},
			{ev: msg(hubNow.Add(time.Minute), 1), shown: t0}, // stored "in the future": clamped
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &replayTracker{resume: c.resume}
			now := t0
			for i, s := range c.steps {
				now = now.Add(s.after)
				got := r.see(s.ev, now)
				if got.Replayed != s.replayed || got.Skip != s.skip || !got.Stored.Equal(s.shown) {
					t.Errorf("step %d (%s): got %+v, want replayed %v skip %v stored %v", i, s.ev.Type, got, s.replayed, s.skip, s.shown)
				}
			}
		})
	}
}
