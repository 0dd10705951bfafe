package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/server/topic"
)

// Rule says which events become a notification: those of one event type from matching feeds.
type Rule struct {
	Feed    string `json:"feed"`  // feed name, "" or "*" for every feed
	Event   string `json:"event"` // event type, may be a pattern such as "*" or "ci.*"
	Enabled bool   `json:"enabled"`
}

// DefaultRules notify for `notification` and `alert` events from every feed.
func DefaultRules() []Rule {
	return []Rule{{Event: "notification", Enabled: true}, {Event: "alert", Enabled: true}}
}

func (r Rule) matches(e Event) bool {
	if !r.Enabled {
		return false
	}
	if r.Feed != "" && r.Feed != "*" && r.Feed != e.Feed {
		return false
	}
	if r.Event == e.Type {
		return true
	}
	return topic.ValidPattern(r.Event) == nil && topic.Match(r.Event, e.Type)
}

// PriceAlert fires once when a symbol's price crosses a threshold, and re-arms when the price
// goes back across it. Each feed that quotes the symbol crosses on its own: two sources a
// little apart must not re-arm each other and fire on every quote.
type PriceAlert struct {
	Symbol    string  `json:"symbol"`
	Above     bool    `json:"above"` // true: fire when price >= Threshold; false: when <=
	Threshold float64 `json:"threshold"`
}

// String describes the alert, e.g. "AAPL above 200".
func (p PriceAlert) String() string {
	dir := "below"
	if p.Above {
		dir = "above"
	}
	return p.Symbol + " " + dir + " " + strconv.FormatFloat(p.Threshold, 'f', -1, 64)
}

func (p PriceAlert) hit(price float64) bool {
	if p.Above {
		return price >= p.Threshold
	}
	return price <= p.Threshold
}

// Notification is what the app asks the OS to show.
type Notification struct {
	Title  string
	Body   string
	Urgent bool // alert with level error or critical: shown with beeep.Alert
	// Low is a notification the source gave a low priority (ntfy's 1 and 2): shown with
	// low urgency.
	Low bool
	// Click, when set, is the address a click on the notification opens (ntfy's click);
	// otherwise a click opens the app on Source.
	Click string
	// Actions are its buttons (ntfy's view and http actions), where the OS shows them.
	Actions []Action
	// Source is the event it is about (nil for price alerts, recaps and the app's own), so
	// a click on the notification can open it.
	Source *Event
	ID     uint64 // its place in the notification history (Inbox.Add), 0 before
	// Tab, when set, is the panel a click on the notification opens (a feed that went down
	// opens Feeds).
	Tab string
}

// DefaultCoalesceWindow is how long after a notification further ones are held and then
// summed up as one "and N more".
const DefaultCoalesceWindow = 4 * time.Second

// Engine turns events into notifications: rules, price alerts, coalescing and do not disturb.
// It is not safe for concurrent use; the app calls it from one goroutine.
type Engine struct {
	Rules       []Rule
	PriceAlerts []PriceAlert
	DND         bool // drop everything (counted in Suppressed)
	// DNDUntil ends DND by itself (zero: until turned off); DNDLetCritical lets urgent
	// alerts through it (quiet.go).
	DNDUntil       time.Time
	DNDLetCritical bool
	// NotifySimulated lets events marked simulated (the demo's) through the rules, titled
	// "Demo: …"; without it they never notify.
	NotifySimulated bool
	Window          time.Duration // coalescing window; DefaultCoalesceWindow when 0

	armed      map[string]bool // PriceAlert.String() and feed -> still able to fire
	lastSent   time.Time
	held       []Notification // notifications held during the window
	Suppressed int            // dropped because of do not disturb

	away awayTally // replayed events, for the recap
}

// RecapQuiet is how long after the last replayed event the recap goes out: a hub replays
// its history in one burst, so a short quiet means the app has caught up.
const RecapQuiet = 2 * time.Second

// awayTally counts the events a hub replayed from its history after the app was closed.
type awayTally struct {
	n        int
	perFeed  map[string]int
	feeds    []string // in order of first replayed event
	notable  []string // titles of notifications they would have raised (a few)
	nNotable int
	last     time.Time
}

func (a *awayTally) add(e Event, would []Notification, now time.Time) {
	if a.perFeed == nil {
		a.perFeed = map[string]int{}
	}
	if a.perFeed[e.Feed] == 0 {
		a.feeds = append(a.feeds, e.Feed)
	}
	a.perFeed[e.Feed]++
	a.n++
	a.last = now
	for _, n := range would {
		a.nNotable++
		if len(a.notable) < 3 {
			a.notable = append(a.notable, n.Title)
		}
	}
}

// recap is the one notification that sums the tally up: "N events while you were away".
func (a *awayTally) recap() Notification {
	title := fmt.Sprintf("%d events while you were away", a.n)
	if a.n == 1 {
		title = "1 event while you were away"
	}
	parts := make([]string, 0, len(a.feeds))
	for _, f := range a.feeds {
		parts = append(parts, fmt.Sprintf("%s: %d", f, a.perFeed[f]))
	}
	body := strings.Join(parts, " · ")
	if a.nNotable > 0 {
		list := strings.Join(a.notable, ", ")
		if a.nNotable > len(a.notable) {
			list += ", …"
		}
		body += fmt.Sprintf("\n%d would have notified: %s", a.nNotable, list)
	}
	return Notification{Title: title, Body: body}
}

// Quiet returns the engine's do not disturb.
func (g *Engine) Quiet() Quiet {
	return Quiet{On: g.DND, Until: g.DNDUntil, LetCritical: g.DNDLetCritical}
}

func (g *Engine) window() time.Duration {
	if g.Window <= 0 {
		return DefaultCoalesceWindow
	}
	return g.Window
}

// Process looks at one event at time now and returns the notifications to show right away
// (zero or one; the rest are held for Flush).
func (g *Engine) Process(e Event, now time.Time) []Notification {
	var cands []Notification
	if e.Notice != nil {
		// The source said what the notification is (an ntfy message): no rule needed.
		n := notificationForNotice(e)
		n.Source = &e
		cands = append(cands, n)
	}
	for _, r := range g.Rules {
		if e.Notice != nil {
			break
		}
		if !r.matches(e) {
			continue
		}
		if e.Simulated() {
			if !g.NotifySimulated {
				break
			}
			n := notificationFor(e)
			n.Title = "Demo: " + n.Title
			n.Source = &e
			cands = append(cands, n)
			break
		}
		n := notificationFor(e)
		n.Source = &e
		cands = append(cands, n)
		break
	}
	if IsStockEvent(e.Type) && len(g.PriceAlerts) > 0 {
		for _, q := range ParseQuotes(e.Data) {
			cands = append(cands, g.priceAlerts(e.Feed, q)...)
		}
	}
	if e.Replayed {
		// From the hub's history: one recap for them all (Flush), not a flood.
		g.away.add(e, cands, now)
		return nil
	}
	var out []Notification
	for _, n := range cands {
		if g.Quiet().Blocks(n, now) {
			g.Suppressed++
			continue
		}
		if len(g.held) > 0 || (!g.lastSent.IsZero() && now.Sub(g.lastSent) < g.window()) {
			g.held = append(g.held, n)
			continue
		}
		g.lastSent = now
		out = append(out, n)
	}
	return out
}

// Flush returns the summary of held notifications once the window since the last one shown
// has passed: the first one's title and body, then "and N more: their titles"; call it on a
// timer, e.g. every second.
//
// Replayed events are summed up in one recap once none came for RecapQuiet.
func (g *Engine) Flush(now time.Time) []Notification {
	var out []Notification
	if g.away.n > 0 && now.Sub(g.away.last) >= RecapQuiet {
		r := g.away.recap()
		g.away = awayTally{}
		if g.Quiet().Active(now) {
			g.Suppressed++
		} else {
			out = append(out, r)
		}
	}
	if len(g.held) == 0 || now.Sub(g.lastSent) < g.window() {
		return out
	}
	first := g.held[0]
	n := Notification{Title: first.Title, Body: first.Body, Source: first.Source, Low: first.Low,
		Click: first.Click, Actions: first.Actions}
	for _, h := range g.held {
		n.Urgent = n.Urgent || h.Urgent
	}
	if more := len(g.held) - 1; more > 0 {
		// Name the others (a few of them), so nothing important hides behind a count.
		var titles []string
		for _, h := range g.held[1:min(len(g.held), 4)] {
			titles = append(titles, h.Title)
		}
		list := strings.Join(titles, ", ")
		if more > len(titles) {
			list += ", …"
		}
		n.Body = strings.TrimSpace(n.Body + fmt.Sprintf("\nand %d more: %s", more, list))
	}
	g.held = g.held[:0]
	g.lastSent = now
	return append(out, n)
}

func (g *Engine) priceAlerts(feed string, q Quote) []Notification {
	if g.armed == nil {
		g.armed = map[string]bool{}
	}
	var out []Notification
	for _, p := range g.PriceAlerts {
		if !strings.EqualFold(p.Symbol, q.Symbol) {
			continue
		}
		key := StockKey(feed, p.String())
		armed, seen := g.armed[key]
		if !seen {
			armed = true
		}
		if p.hit(q.Price) {
			if armed {
				body := fmt.Sprintf("%s is at %s", q.Symbol, strconv.FormatFloat(q.Price, 'f', 2, 64))
				if feed != "" {
					body += " on " + feed
				}
				out = append(out, Notification{Title: "Price alert: " + p.String(), Body: body})
			}
			g.armed[key] = false
		} else {
			g.armed[key] = true
		}
	}
	return out
}

// notificationFor builds a title and body from an event: JSON fields title/message/text/body
// when present, else the raw data.
func notificationFor(e Event) Notification {
	n := Notification{Title: e.Type, Body: e.Data}
	if m, ok := e.Fields(); ok {
		if s := str(m, "title", "summary", "subject"); s != "" {
			n.Title = s
		}
		n.Body = str(m, "message", "body", "text", "msg", "description")
		if n.Body == "" && n.Title == e.Type {
			n.Body = e.Preview(200)
		}
	}
	if n.Title == e.Type && e.Type != "" {
		n.Title = strings.ToUpper(e.Type[:1]) + e.Type[1:]
		if e.Feed != "" {
			n.Title += " from " + e.Feed
		}
	}
	if lvl := e.Level(); Kind(e.Type) == "alert" && (lvl == "error" || lvl == "critical" || lvl == "fatal") {
		n.Urgent = true
	}
	return n
}

func str(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
