package model

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Defaults of a FeedWatch.
const (
	// DefaultDownAfter is how long a feed may be away from live (connecting, retrying)
	// before it counts as down; a feed that failed for good counts at once.
	DefaultDownAfter = 30 * time.Second
	// DefaultBackAfter is how long a down feed must stay live to count as back, so a
	// connection that opens and drops again is not "back".
	DefaultBackAfter = 10 * time.Second
	// DefaultDownHoldoff is the least time between two "down" notifications of one feed: a
	// feed that keeps going down and coming back shows as down on the tray, but notifies
	// once per holdoff.
	DefaultDownHoldoff = 5 * time.Minute
)

// FeedWatch turns the feeds' connection states into "down" and "back" notifications, one
// of each per outage: a feed is down once it failed for good or stayed away from live for
// DownAfter, and back once live again for BackAfter. It sees the states by polling
// (Observe), so it needs no hooks in the feeds, and it is told the time, so it is tested
// with a fake clock. Not safe for concurrent use.
type FeedWatch struct {
	DownAfter, BackAfter, Holdoff time.Duration // 0: the defaults above
	by                            map[string]*feedWatch
}

type feedWatch struct {
	away, live time.Time // since when away from live / live (zero while not)
	down       bool      // counts as down now
	downAt     time.Time // when this outage began counting
	told       bool      // this outage was notified (so its end is too)
	lastTold   time.Time // when a "down" notification last went out
	why        string    // the state's text when it went down
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Observe takes the feeds' states at now and returns the notifications due: at most one
// for the feeds that went down since the last call and one for those that came back (each
// names its feeds). The app's own hub and switched-off feeds are left out.
func (w *FeedWatch) Observe(feeds []FeedInfo, now time.Time) []Notification {
	if w.by == nil {
		w.by = map[string]*feedWatch{}
	}
	downAfter, backAfter, holdoff := orDefault(w.DownAfter, DefaultDownAfter), orDefault(w.BackAfter, DefaultBackAfter), orDefault(w.Holdoff, DefaultDownHoldoff)
	seen := map[string]bool{}
	var wentDown, cameBack []string
	whyDown := map[string]string{}
	for _, f := range feeds {
		name := f.Config.Name
		if f.Own || f.Status.Phase == PhaseOff {
			continue
		}
		seen[name] = true
		st := w.by[name]
		if st == nil {
			st = &feedWatch{}
			w.by[name] = st
		}
		if f.Status.Phase == PhaseLive {
			st.away = time.Time{}
			if st.live.IsZero() {
				st.live = now
			}
			if st.down && now.Sub(st.live) >= backAfter {
				st.down = false
				if st.told {
					cameBack = append(cameBack, name)
				}
			}
			continue
		}
		st.live = time.Time{}
		if st.away.IsZero() {
			st.away = now
		}
		if !st.down && (f.Status.Phase == PhaseFailed || now.Sub(st.away) >= downAfter) {
			st.down, st.downAt, st.why = true, now, f.Status.Text(now)
			st.told = st.lastTold.IsZero() || now.Sub(st.lastTold) >= holdoff
			if st.told {
				st.lastTold = now
				wentDown = append(wentDown, name)
				whyDown[name] = st.why
			}
		}
	}
	for name := range w.by {
		if !seen[name] {
			delete(w.by, name) // removed or switched off: nothing to tell
		}
	}
	var out []Notification
	if len(wentDown) > 0 {
		n := Notification{Title: fmt.Sprintf("Feed %s is down", wentDown[0]), Body: whyDown[wentDown[0]], Tab: "Feeds"}
		if len(wentDown) > 1 {
			n.Title = fmt.Sprintf("%d feeds are down: %s", len(wentDown), strings.Join(wentDown, ", "))
			n.Body = ""
			for _, name := range wentDown {
				n.Body += name + ": " + whyDown[name] + "\n"
			}
			n.Body = strings.TrimSuffix(n.Body, "\n")
		}
		out = append(out, n)
	}
	if len(cameBack) > 0 {
		n := Notification{Title: fmt.Sprintf("Feed %s is back", cameBack[0]), Body: "Live again; what it missed meanwhile follows if its hub kept it.", Tab: "Feeds"}
		if len(cameBack) > 1 {
			n.Title = fmt.Sprintf("%d feeds are back: %s", len(cameBack), strings.Join(cameBack, ", "))
		}
		out = append(out, n)
	}
	return out
}

// Down returns the names of the feeds that count as down now, sorted.
func (w *FeedWatch) Down() []string {
	var out []string
	for name, st := range w.by {
		if st.down {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// DownLabel is the tray's line for the feeds that are down, e.g. "⚠ 1 feed down: teammate"
// ("" when none is).
func DownLabel(down []string) string {
	switch len(down) {
	case 0:
		return ""
	case 1:
		return "⚠ 1 feed down: " + down[0]
	}
	names := strings.Join(down[:min(3, len(down))], ", ")
	if len(down) > 3 {
		names += ", …"
	}
	return fmt.Sprintf("⚠ %d feeds down: %s", len(down), names)
}
