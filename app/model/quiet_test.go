package model

import (
	"testing"
	"time"
)

func TestQuiet(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	now := time.Date(2026, 12, 1, 14, 30, 0, 0, loc)
	urgent := Notification{Title: "Disk full", Urgent: true}
	plain := Notification{Title: "Deploy done"}
	for _, tt := range []struct {
		name         string
		q            Quiet
		at           time.Time
		active       bool
		blocksUrgent bool
		expired      bool
		describe     string
	}{
		{"off", Quiet{}, now, false, false, false, "Notifications on"},
		{"on until turned off", Quiet{On: true}, now.Add(1000 * time.Hour), true, true, false, "Do not disturb"},
		{"for an hour, inside", Quiet{}.For(time.Hour, now), now.Add(59 * time.Minute), true, true, false, "Do not disturb until 15:30"},
		{"for an hour, after", Quiet{}.For(time.Hour, now), now.Add(time.Hour), false, false, true, "Notifications on"},
		{"let critical through", Quiet{On: true, LetCritical: true}, now, true, false, false, "Do not disturb · critical alerts let through"},
		{"until tomorrow, tonight", Quiet{}.UntilTomorrow(now), now.Add(10 * time.Hour), true, true, false, "Do not disturb until 08:00"},
		{"until tomorrow, seen today", Quiet{}.UntilTomorrow(now), now, true, true, false, "Do not disturb until tomorrow 08:00"},
		{"until tomorrow, morning", Quiet{}.UntilTomorrow(now), time.Date(2026, 12, 2, 8, 0, 0, 0, loc), false, false, true, "Notifications on"},
		{"far away", Quiet{}.For(72*time.Hour, now), now, true, true, false, "Do not disturb until Fri 4 Dec 14:30"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Active(tt.at); got != tt.active {
				t.Errorf("Active = %v, want %v", got, tt.active)
			}
			if got := tt.q.Blocks(plain, tt.at); got != tt.active {
				t.Errorf("Blocks(plain) = %v, want %v", got, tt.active)
			}
			if got := tt.q.Blocks(urgent, tt.at); got != tt.blocksUrgent {
				t.Errorf("Blocks(urgent) = %v, want %v", got, tt.blocksUrgent)
			}
			if got := tt.q.Expired(tt.at); got != tt.expired {
				t.Errorf("Expired = %v, want %v", got, tt.expired)
			}
			if got := tt.q.Describe(tt.at); got != tt.describe {
				t.Errorf("Describe = %q, want %q", got, tt.describe)
			}
		})
	}
}

// The engine holds notifications back only while a timed do not disturb lasts, lets urgent
// alerts through when asked, and each notification names the event it came from.
func TestEngineTimedDND(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	q := Quiet{LetCritical: true}.For(time.Hour, now)
	g := &Engine{Rules: DefaultRules(), DND: q.On, DNDUntil: q.Until, DNDLetCritical: q.LetCritical}
	note := Event{Feed: "CI", Type: "notification", ID: "7", Data: `{"title":"Build green"}`}
	crit := Event{Feed: "Ops", Type: "alert", ID: "8", Data: `{"title":"Disk full","level":"critical"}`}

	if out := g.Process(note, now.Add(time.Minute)); len(out) != 0 || g.Suppressed != 1 {
		t.Fatalf("during DND: %v, suppressed %d; want nothing, 1", out, g.Suppressed)
	}
	out := g.Process(crit, now.Add(2*time.Minute))
	if len(out) != 1 || out[0].Title != "Disk full" || out[0].Source == nil || out[0].Source.ID != "8" {
		t.Fatalf("critical during DND with LetCritical: %+v", out)
	}
	g.DNDLetCritical = false
	if out := g.Process(crit, now.Add(10*time.Minute)); len(out) != 0 {
		t.Fatalf("critical without LetCritical went through: %+v", out)
	}
	out = g.Process(note, now.Add(61*time.Minute))
	if len(out) != 1 || out[0].Source == nil || out[0].Source.Feed != "CI" {
		t.Fatalf("after the hour: %+v, want Build green from CI", out)
	}
}
