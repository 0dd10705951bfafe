package model

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestEngineRules(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tests := []struct {
		name   string
		rules  []Rule
		ev     Event
		title  string // "" means no notification
		body   string
		urgent bool
	}{
		{"default notification", DefaultRules(), Event{Feed: "hub", Type: "notification", Data: `{"title":"Deploy","message":"v2 is out"}`}, "Deploy", "v2 is out", false},
		{"alert critical is urgent", DefaultRules(), Event{Feed: "ci", Type: "alert", Data: `{"level":"critical","message":"disk full"}`}, "Alert from ci", "disk full", true},
		{"alert error is urgent", DefaultRules(), Event{Type: "alert", Data: `{"level":"ERROR","title":"DB down"}`}, "DB down", "", true},
		{"alert info not urgent", DefaultRules(), Event{Feed: "ci", Type: "alert", Data: `{"level":"info","text":"fyi"}`}, "Alert from ci", "fyi", false},
		{"plain text body", DefaultRules(), Event{Feed: "x", Type: "notification", Data: "hello"}, "Notification from x", "hello", false},
		{"message ignored by default", DefaultRules(), Event{Type: "message", Data: "hi"}, "", "", false},
		{"disabled rule", []Rule{{Event: "alert"}}, Event{Type: "alert", Data: "x"}, "", "", false},
		{"rule for other feed", []Rule{{Feed: "ci", Event: "alert", Enabled: true}}, Event{Feed: "hub", Type: "alert", Data: "x"}, "", "", false},
		{"rule for this feed", []Rule{{Feed: "ci", Event: "alert", Enabled: true}}, Event{Feed: "ci", Type: "alert", Data: "x"}, "Alert from ci", "x", false},
		{"pattern rule", []Rule{{Event: "build.*", Enabled: true}}, Event{Type: "build.failed", Data: "x"}, "Build.failed", "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Engine{Rules: tt.rules}
			got := g.Process(tt.ev, t0)
			if tt.title == "" {
				if len(got) != 0 {
					t.Fatalf("got %+v, want nothing", got)
				}
				return
			}
			if len(got) != 1 || got[0].Title != tt.title || got[0].Body != tt.body || got[0].Urgent != tt.urgent {
				t.Fatalf("got %+v, want title %q body %q urgent %v", got, tt.title, tt.body, tt.urgent)
			}
		})
	}
}

func TestEngineCoalescesBursts(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	g := &Engine{Rules: DefaultRules(), Window: 3 * time.Second}
	n := func(i int) Event {
		return Event{Type: "notification", Data: `{"title":"n` + string(rune('0'+i)) + `"}`}
	}
	if got := g.Process(n(0), t0); len(got) != 1 || got[0].Title != "n0" {
		t.Fatalf("first of a burst should go out at once: %+v", got)
	}
	for i := 1; i <= 4; i++ {
		if got := g.Process(n(i), t0.Add(time.Duration(i)*100*time.Millisecond)); len(got) != 0 {
			t.Fatalf("burst item %d went out: %+v", i, got)
		}
	}
	if got := g.Flush(t0.Add(2 * time.Second)); len(got) != 0 {
		t.Fatalf("flushed inside the window: %+v", got)
	}
	got := g.Flush(t0.Add(3 * time.Second))
	if len(got) != 1 || got[0].Title != "n1" || !strings.HasSuffix(got[0].Body, "and 3 more: n2, n3, n4") {
		t.Fatalf("summary = %+v, want n1 ... and 3 more: n2, n3, n4", got)
	}
	if got := g.Flush(t0.Add(10 * time.Second)); len(got) != 0 {
		t.Fatalf("second flush repeated: %+v", got)
	}
	if got := g.Process(n(5), t0.Add(10*time.Second)); len(got) != 1 {
		t.Fatalf("after a quiet window a notification goes out at once: %+v", got)
	}
}

func TestEngineSummaryNamesAFew(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	g := &Engine{Rules: DefaultRules(), Window: time.Second}
	for i, title := range []string{"a", "b", "c", "d", "e", "f"} {
		g.Process(Event{Type: "notification", Data: `{"title":"` + title + `","message":"m"}`}, t0.Add(time.Duration(i)*10*time.Millisecond))
	}
	got := g.Flush(t0.Add(2 * time.Second))
	if len(got) != 1 || got[0].Title != "b" || got[0].Body != "m\nand 4 more: c, d, e, …" {
		t.Fatalf("summary %+v", got)
	}
}

func TestEngineDND(t *testing.T) {
	g := &Engine{Rules: DefaultRules(), DND: true}
	if got := g.Process(Event{Type: "alert", Data: "x"}, time.Now()); len(got) != 0 {
		t.Fatalf("DND let through %+v", got)
	}
	if g.Suppressed != 1 {
		t.Errorf("suppressed = %d, want 1", g.Suppressed)
	}
}

func TestEnginePriceAlerts(t *testing.T) {
	g := &Engine{PriceAlerts: []PriceAlert{{Symbol: "AAPL", Above: true, Threshold: 200}, {Symbol: "aapl", Threshold: 150}}, Window: time.Nanosecond}
	t0 := time.Unix(1700000000, 0)
	steps := []struct {
		price float64
		want  string // title or ""
	}{
		{180, ""},
		{201, "Price alert: AAPL above 200"},
		{205, ""}, // still above: fired once
		{190, ""}, // re-armed
		{200, "Price alert: AAPL above 200"},
		{149.5, "Price alert: aapl below 150"},
	}
	for i, s := range steps {
		ev := Event{Type: "stock-update", Data: `{"symbol":"AAPL","price":` + strconv.FormatFloat(s.price, 'f', -1, 64) + `}`}
		got := g.Process(ev, t0.Add(time.Duration(i)*time.Second))
		if s.want == "" && len(got) != 0 || s.want != "" && (len(got) != 1 || got[0].Title != s.want) {
			t.Errorf("step %d price %v: got %+v, want %q", i, s.price, got, s.want)
		}
	}
}

// TestEnginePriceAlertPerSource: two feeds quote the same symbol on either side of the line,
// alternating. Before, they shared one armed flag, so every quote from the feed above re-fired
// the "once" alert; now each source fires once per crossing and re-arms on its own way back.
func TestEnginePriceAlertPerSource(t *testing.T) {
	g := &Engine{PriceAlerts: []PriceAlert{{Symbol: "ACME", Above: true, Threshold: 100}}, Window: time.Nanosecond}
	t0 := time.Unix(1700000000, 0)
	q := func(feed string, price float64) Event {
		return Event{Feed: feed, Type: "stock-update", Data: `{"symbol":"ACME","price":` + strconv.FormatFloat(price, 'f', -1, 64) + `}`}
	}
	steps := []struct {
		ev   Event
		want string // the body of the one notification, or ""
	}{
		{q("Broker", 101), "ACME is at 101.00 on Broker"},
		{q("Teammate", 99), ""},
		{q("Broker", 102), ""}, // still above on Broker: the teammate's 99 must not re-arm it
		{q("Teammate", 98), ""},
		{q("Broker", 103), ""},
		{q("Teammate", 100.5), "ACME is at 100.50 on Teammate"}, // the teammate's own crossing
		{q("Teammate", 101), ""},
		{q("Broker", 99), ""}, // Broker crosses back: re-armed
		{q("Broker", 100), "ACME is at 100.00 on Broker"},
	}
	for i, s := range steps {
		got := g.Process(s.ev, t0.Add(time.Duration(i)*time.Second))
		if s.want == "" && len(got) != 0 || s.want != "" && (len(got) != 1 || got[0].Body != s.want || got[0].Title != "Price alert: ACME above 100") {
			t.Errorf("step %d (%s): got %+v, want %q", i, s.ev.Data, got, s.want)
		}
	}
}

// TestEngineRecapsReplayedEvents: 50 events replayed from a hub's history after the app was
// closed (12 of them alerts) raise no notification each, but one recap once the replay is
// over; live events after it notify as before.
func TestEngineRecapsReplayedEvents(t *testing.T) {
	g := &Engine{Rules: DefaultRules()}
	t0 := time.Unix(1700000000, 0)
	for i := range 50 {
		e := Event{Feed: "CI", Type: "message", Data: "build " + strconv.Itoa(i), Replayed: true}
		if i%4 == 0 && i < 48 {
			e.Type, e.Data = "alert", `{"title":"Build `+strconv.Itoa(i)+` failed"}`
		}
		if got := g.Process(e, t0.Add(time.Duration(i)*time.Millisecond)); len(got) != 0 {
			t.Fatalf("replayed event %d notified on its own: %+v", i, got)
		}
	}
	g.Process(Event{Feed: "Ops", Type: "message", Data: "x", Replayed: true}, t0.Add(60*time.Millisecond))
	if got := g.Flush(t0.Add(time.Second)); len(got) != 0 {
		t.Fatalf("recap before the replay went quiet: %+v", got)
	}
	got := g.Flush(t0.Add(60*time.Millisecond + RecapQuiet))
	if len(got) != 1 || got[0].Title != "51 events while you were away" ||
		!strings.HasPrefix(got[0].Body, "CI: 50 · Ops: 1\n12 would have notified: Build 0 failed, Build 4 failed, Build 8 failed, …") {
		t.Fatalf("recap %+v", got)
	}
	if again := g.Flush(t0.Add(time.Minute)); len(again) != 0 {
		t.Errorf("a second recap: %+v", again)
	}
	if live := g.Process(Event{Feed: "CI", Type: "alert", Data: `{"title":"live"}`}, t0.Add(time.Minute)); len(live) != 1 {
		t.Errorf("a live alert after the recap: %+v", live)
	}
	// Under do not disturb the recap is dropped like any other notification.
	d := &Engine{Rules: DefaultRules(), DND: true}
	d.Process(Event{Feed: "CI", Type: "alert", Data: "x", Replayed: true}, t0)
	if got := d.Flush(t0.Add(RecapQuiet)); len(got) != 0 || d.Suppressed != 1 {
		t.Errorf("DND recap: %+v, suppressed %d", got, d.Suppressed)
	}
}
