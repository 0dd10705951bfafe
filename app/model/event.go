// Package model holds the desktop app's logic in plain Go: stock quotes, the event log, the
// notification rules, feed configuration and status, and the batcher that paces UI updates.
// It never imports Fyne, so it is tested quickly and with -race.
package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Event is one SSE event as the app keeps it: where it came from and when it arrived.
type Event struct {
	Seq uint64 `json:"seq"` // assigned by the Log, strictly increasing
	// Time is when the feed's hub stored the event, for a Herald hub that says (its ids
	// carry it); else when it arrived here.
	Time time.Time `json:"time"`
	// Received is when it arrived here, when that was a second or more after Time (zero
	// otherwise): a replayed event shows both.
	Received time.Time `json:"received,omitzero"`
	Feed     string    `json:"feed"` // the feed's display name
	Type     string    `json:"event"`
	ID       string    `json:"id,omitempty"`
	Data     string    `json:"data"`
	// Note is what the app says about one of the hub's own herald.* events (set when it
	// arrives, since it depends on the feed's earlier ones); empty for every other event.
	Note string `json:"note,omitempty"`
	// Replayed marks an event the feed's hub sent from its history when the app came back
	// (published while the app was closed): it is logged, and summed up in one recap
	// notification instead of notifying on its own.
	Replayed bool `json:"replayed,omitempty"`
	// Notice is the notification a recognised source (ntfy) asked for with this event, as
	// that source means it (app/sources decodes it); nil for every other event.
	Notice *Notice `json:"notice,omitempty"`
}

// Simulated reports whether the event says it is made up: the demo's notifications carry
// "simulated": true, so they never pass for real alarms.
func (e Event) Simulated() bool {
	if !strings.Contains(e.Data, `"simulated"`) {
		return false // the common case, without decoding
	}
	m, ok := e.Fields()
	return ok && m["simulated"] == true
}

// Fields decodes the event's data as a JSON object; ok is false when it is not one.
func (e Event) Fields() (map[string]any, bool) {
	d := strings.TrimSpace(e.Data)
	if !strings.HasPrefix(d, "{") {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(d), &m); err != nil {
		return nil, false
	}
	return m, true
}

// Level returns the event's "level" or "severity" field in lower case ("" when none).
func (e Event) Level() string {
	m, ok := e.Fields()
	if !ok {
		return ""
	}
	for _, k := range []string{"level", "severity", "priority"} {
		if s, ok := m[k].(string); ok {
			return strings.ToLower(s)
		}
	}
	return ""
}

// Preview returns the data on one line, cut to about max runes, for a table cell.
func (e Event) Preview(max int) string {
	s := strings.Join(strings.Fields(e.Data), " ")
	r := []rune(s)
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// Pretty returns the data indented when it is one JSON value, or unchanged when it is not.
// It re-indents the publisher's own tokens (json.Indent) and never decodes them: decoding
// into Go values rounded integers beyond 2^53 (9007199254740993 became ...992), sorted the
// keys, wrote 0.0 as 0, escaped <>& and refused numbers such as 1e400 that a float64 cannot
// hold. The detail view and "Copy all" show exactly what was sent.
func (e Event) Pretty() string {
	d := bytes.TrimSpace([]byte(e.Data))
	if len(d) == 0 || !json.Valid(d) {
		return e.Data
	}
	var b bytes.Buffer
	b.Grow(len(d) + len(d)/4)
	if err := json.Indent(&b, d, "", "  "); err != nil {
		return e.Data
	}
	return b.String()
}

// Kind groups event types for colouring: "stock", "alert", "notification", "system"
// (herald.* control events) or "message".
func Kind(eventType string) string {
	switch {
	case IsStockEvent(eventType):
		return "stock"
	case eventType == "alert" || strings.HasSuffix(eventType, ".alert"):
		return "alert"
	case eventType == "notification" || strings.HasSuffix(eventType, ".notification"):
		return "notification"
	case strings.HasPrefix(eventType, "herald."):
		return "system"
	}
	return "message"
}

// DetailLines returns the data as the detail view shows it: pretty-printed when it is JSON,
// split into lines and each cut into pieces of at most width runes. The view draws only the
// lines in sight, so an event of any size the hub accepts opens at once; wrapping here is a
// linear pass, where letting the toolkit wrap one 60 KB text took over a minute.
func (e Event) DetailLines(width int) []string {
	if width < 1 {
		width = 1
	}
	text := strings.ReplaceAll(e.Pretty(), "\r\n", "\n")
	lines := make([]string, 0, strings.Count(text, "\n")+1)
	for _, line := range strings.Split(text, "\n") {
		line = strings.ReplaceAll(line, "\t", "    ")
		if len(line) <= width { // bytes ≥ runes: short enough either way
			lines = append(lines, line)
			continue
		}
		r := []rune(line)
		for len(r) > width {
			lines = append(lines, string(r[:width]))
			r = r[width:]
		}
		lines = append(lines, string(r))
	}
	return lines
}
