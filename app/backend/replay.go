package backend

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/wire"
	"github.com/heraldhq/herald/sseclient"
)

// replayQuiet ends a resumed feed's replay on a hub that does not mark its end (older
// Herald hubs, other servers): a hub writes the history it replays in one burst right
// after herald.connected, so a pause this long means live events follow.
const replayQuiet = 500 * time.Millisecond

// replayMax ends it in any case on such a hub: on a feed that never pauses (quotes many
// times a second), live events would otherwise pass for replayed ones for ever.
const replayMax = 5 * time.Second

// arrival is what the app makes of one event of a feed: whether the hub replayed it from
// while the app was closed, and when the hub stored it.
type arrival struct {
	// Skip: the event is the hub's note about the connection itself (herald.live), which
	// is not shown as a row.
	Skip bool
	// Replayed: the hub sent it from its history, published while the app was closed.
	Replayed bool
	// Stored is when the hub stored it, on this computer's clock; zero when the feed does
	// not say (then the arrival time stands).
	Stored time.Time
}

// replayTracker follows one subscription's events (one per feed run). A Herald hub says
// in herald.connected whether a herald.live will mark the end of the history it replays
// ("replay": true) and what its clock reads ("time"); its event ids carry the time it
// stored each event (<ms>-<seq>). Older hubs say neither: their replay ends by the
// quiet-pause rule above and their events keep their arrival time. Not safe for
// concurrent use.
type replayTracker struct {
	resume    bool // the run resumed from a saved position: its first connection replays
	conns     int  // herald.connected seen
	replaying bool
	marked    bool          // this connection's replay ends at herald.live
	stamped   bool          // this hub's ids carry stored times
	skew      time.Duration // this clock minus the hub's, at herald.connected
	first     time.Time     // arrival of the first and the previous event while replaying
	prev      time.Time
}

// see looks at ev, arrived at now.
func (r *replayTracker) see(ev sseclient.Event, now time.Time) arrival {
	switch ev.Type {
	case wire.EventConnected:
		r.conns++
		var hello struct {
			Time   int64 `json:"time"`
			Replay bool  `json:"replay"`
		}
		_ = json.Unmarshal([]byte(ev.Data), &hello)
		r.stamped = hello.Time > 0
		r.skew = 0
		if r.stamped {
			r.skew = now.Sub(time.UnixMilli(hello.Time))
		}
		// A reconnect replays what a blip missed, not what came while the app was closed.
		r.replaying = r.conns == 1 && r.resume
		r.marked = hello.Replay
		r.first, r.prev = time.Time{}, time.Time{}
		return arrival{}
	case wire.EventLive:
		r.replaying = false
		return arrival{Skip: true}
	}
	var a arrival
	if strings.HasPrefix(ev.Type, wire.ControlPrefix) {
		return a
	}
	if r.replaying && !r.marked && r.conns > 0 {
		switch {
		case r.first.IsZero():
			r.first = now
		case now.Sub(r.prev) > replayQuiet || now.Sub(r.first) > replayMax:
			r.replaying = false
		}
		r.prev = now
	}
	a.Replayed = r.replaying
	if r.stamped {
		if id, err := wire.ParseID(ev.ID); err == nil && id.Ms > 0 {
			a.Stored = id.Time().Add(r.skew)
			if a.Stored.After(now) {
				a.Stored = now // stored after it arrived: the clocks disagree by more than the skew seen
			}
		}
	}
	return a
}
