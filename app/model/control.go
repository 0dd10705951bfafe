package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/server/wire"
)

// The hub's own events (herald.*) that describe a feed's connection rather than its content.
const (
	ControlConnected = wire.EventConnected
	ControlShutdown  = wire.EventShutdown
	ControlGap       = wire.EventGap
)

// GapWarnFor is how long a feed stays amber after a gap: long enough to be seen by someone
// who looks away for a while; the gap's row stays in the log after that.
const GapWarnFor = 15 * time.Minute

// Connection keeps, per feed, what the hub's control events said about the connection, so
// a gap reads as what happened ("the hub restarted") and the feed can show that events may
// be missing. Safe for concurrent use.
type Connection struct {
	mu sync.Mutex
	by map[string]*connState
}

type connState struct {
	conn     uint64 // number of the hub's last connection id ("c17" -> 17)
	shutdown bool   // the hub said it was shutting down; the next gap is a restart
	restart  bool   // the current connection is to a restarted hub
	warn     string
	warnAt   time.Time
}

// NewConnection returns an empty tracker.
func NewConnection() *Connection { return &Connection{by: map[string]*connState{}} }

// Describe returns the text shown for a herald.* control event in the log, and records
// what it says about the feed's connection. ok is false for every other event.
func (c *Connection) Describe(e Event) (note string, ok bool) {
	if !IsControl(e) {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.by[e.Feed]
	if st == nil {
		st = &connState{}
		c.by[e.Feed] = st
	}
	m, _ := e.Fields()
	switch e.Type {
	case ControlConnected:
		n := connNumber(str(m, "id"))
		// A hub counts its connections from 1 again after a restart.
		st.restart = st.shutdown || (st.conn > 0 && n > 0 && n < st.conn)
		st.shutdown = false
		if n > 0 {
			st.conn = n
		}
		note = "Connected"
		if chs := strList(m["channels"]); len(chs) > 0 {
			note += " · channels " + strings.Join(chs, ", ")
		}
		if st.restart {
			note += " · the hub restarted"
		}
		return note, true
	case ControlShutdown:
		st.shutdown = true
		return "The hub is shutting down; reconnecting when it is back", true
	case ControlGap:
		st.warn = GapReason(str(m, "reason"), st.restart, number64(m["missed"]))
		st.warnAt = e.Time
		return "Events may be missing: " + st.warn, true
	}
	if why := str(m, "reason", "message"); why != "" {
		return strings.TrimPrefix(e.Type, wire.ControlPrefix) + ": " + why, true
	}
	return strings.TrimPrefix(e.Type, wire.ControlPrefix), true
}

// Warning returns why events of feed may be missing, and since when, while the last gap is
// younger than GapWarnFor ("" otherwise).
func (c *Connection) Warning(feed string, now time.Time) (string, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.by[feed]
	if st == nil || st.warn == "" || now.Sub(st.warnAt) > GapWarnFor {
		return "", time.Time{}
	}
	return st.warn, st.warnAt
}

// GapReason explains a herald.gap's reason for a person. afterRestart says the hub restarted
// since the feed last saw it: its history went with it, which the hub reports as "trimmed".
func GapReason(reason string, afterRestart bool, missed int64) string {
	switch reason {
	case "trimmed":
		if afterRestart {
			return "the hub restarted without its history; events sent while this feed was away are gone"
		}
		return "the hub no longer keeps events that old; what it still has follows"
	case "unknown-id":
		return "the hub did not know this feed's last event id (another hub at this address?)"
	case "unavailable":
		return "the hub could not read its history (its Redis is unreachable)"
	case "slow":
		if missed > 0 {
			return fmt.Sprintf("this app fell behind and up to %d events were skipped", missed)
		}
		return "this app fell behind and some events were skipped"
	case "":
		return "the hub did not say why"
	}
	return "the hub says " + strconv.Quote(reason)
}

// IsControl reports whether e is one of the hub's own events about the connection.
func IsControl(e Event) bool { return strings.HasPrefix(e.Type, wire.ControlPrefix) }

func connNumber(id string) uint64 {
	n, err := strconv.ParseUint(strings.TrimPrefix(id, "c"), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func strList(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func number64(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}
