package model

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
)

// DefaultLogCap is how many events the log keeps before it drops the oldest.
const DefaultLogCap = 5000

// Filter selects events in the log. Empty fields match everything; Text matches the feed,
// type, id or data, case-insensitively.
type Filter struct {
	Feed string
	Type string
	Text string
}

// Active reports whether the filter hides anything.
func (f Filter) Active() bool { return f.Feed != "" || f.Type != "" || f.Text != "" }

// Describe says what the filter keeps, e.g. `feed "CI", type "alert", text "disk"`.
func (f Filter) Describe() string {
	var parts []string
	for _, p := range [][2]string{{"feed", f.Feed}, {"type", f.Type}, {"text", f.Text}} {
		if p[1] != "" {
			parts = append(parts, p[0]+" "+strconv.Quote(p[1]))
		}
	}
	return strings.Join(parts, ", ")
}

// Match reports whether e passes the filter. lowText must be strings.ToLower(f.Text).
func (f Filter) match(e *Event, lowText string) bool {
	if f.Feed != "" && e.Feed != f.Feed {
		return false
	}
	if f.Type != "" && e.Type != f.Type {
		return false
	}
	if lowText == "" {
		return true
	}
	return containsFold(e.Data, lowText) || containsFold(e.Type, lowText) ||
		containsFold(e.Feed, lowText) || containsFold(e.ID, lowText)
}

// containsFold is strings.Contains(strings.ToLower(s), low) without allocating for ASCII.
func containsFold(s, low string) bool {
	n := len(low)
	if n > len(s) {
		return false
	}
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 0x80 {
				return strings.Contains(strings.ToLower(s), low)
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != low[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// Log is a bounded ring of events, newest last internally and newest first in views. While
// paused, views stay frozen at the moment of the pause but new events are still kept, so
// resuming shows them. Safe for concurrent use.
type Log struct {
	mu       sync.Mutex
	buf      []Event
	start    int // index of the oldest event in buf
	n        int
	seq      uint64
	paused   bool
	pauseSeq uint64
	dropped  uint64
}

// NewLog returns a log that keeps at most capacity events (DefaultLogCap when <= 0).
func NewLog(capacity int) *Log {
	if capacity <= 0 {
		capacity = DefaultLogCap
	}
	return &Log{buf: make([]Event, capacity)}
}

// Cap returns how many events the log keeps.
func (l *Log) Cap() int { return len(l.buf) }

// Add appends events, assigning each a sequence number, and drops the oldest beyond the cap.
func (l *Log) Add(evs ...Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range evs {
		l.seq++
		e.Seq = l.seq
		if l.n < len(l.buf) {
			l.buf[(l.start+l.n)%len(l.buf)] = e
			l.n++
			continue
		}
		l.buf[l.start] = e
		l.start = (l.start + 1) % len(l.buf)
		l.dropped++
	}
}

// Len returns how many events the log holds now.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Seq returns the sequence number of the newest event added (0 when none yet).
func (l *Log) Seq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// SetPaused freezes or unfreezes views.
func (l *Log) SetPaused(p bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p && !l.paused {
		l.pauseSeq = l.seq
	}
	l.paused = p
}

// Paused reports whether views are frozen, and how many events arrived since the pause.
func (l *Log) Paused() (bool, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.paused {
		return false, 0
	}
	return true, l.seq - l.pauseSeq
}

// Clear drops every event (sequence numbers keep counting).
func (l *Log) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.buf)
	l.start, l.n = 0, 0
	l.pauseSeq = l.seq
}

// View returns the events that pass f, newest first, at most limit of them (all when
// limit <= 0). While paused it leaves out events that arrived after the pause.
func (l *Log) View(f Filter, limit int) []Event {
	low := strings.ToLower(f.Text)
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Event, 0, min(l.n, 256))
	for i := l.n - 1; i >= 0; i-- {
		e := &l.buf[(l.start+i)%len(l.buf)]
		if l.paused && e.Seq > l.pauseSeq {
			continue
		}
		if f.match(e, low) {
			out = append(out, *e)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

// Facets returns the distinct feed names and event types in the log, for the
// filter choices, in order of first appearance.
func (l *Log) Facets() (feeds, types []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	seenF, seenT := map[string]bool{}, map[string]bool{}
	for i := 0; i < l.n; i++ {
		e := &l.buf[(l.start+i)%len(l.buf)]
		if !seenF[e.Feed] {
			seenF[e.Feed] = true
			feeds = append(feeds, e.Feed)
		}
		if !seenT[e.Type] {
			seenT[e.Type] = true
			types = append(types, e.Type)
		}
	}
	return feeds, types
}

// WriteJSONLines writes events as JSON lines, one object per event, oldest first, so that
// `jq` and log tools read the file in time order.
func WriteJSONLines(w io.Writer, newestFirst []Event) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := len(newestFirst) - 1; i >= 0; i-- {
		if err := enc.Encode(newestFirst[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}
