package model

import "time"

// Quiet is do not disturb as the user set it: on until turned off, or until a time ("for
// 1 hour", "until tomorrow"), optionally letting urgent alerts through.
type Quiet struct {
	On          bool      // do not disturb is on (until Until, when that is set)
	Until       time.Time // zero: until turned off
	LetCritical bool      // urgent alerts (level error or critical) still notify
}

// MorningHour is when "until tomorrow" ends, in local time.
const MorningHour = 8

// Active reports whether do not disturb holds at now; a timed one ends by itself.
func (q Quiet) Active(now time.Time) bool {
	return q.On && (q.Until.IsZero() || now.Before(q.Until))
}

// Expired reports whether a timed do not disturb has run out (time to switch it off).
func (q Quiet) Expired(now time.Time) bool {
	return q.On && !q.Until.IsZero() && !now.Before(q.Until)
}

// Blocks reports whether n is held back at now.
func (q Quiet) Blocks(n Notification, now time.Time) bool {
	return q.Active(now) && !(q.LetCritical && n.Urgent)
}

// For returns do not disturb on for d from now.
func (q Quiet) For(d time.Duration, now time.Time) Quiet {
	q.On, q.Until = true, now.Add(d)
	return q
}

// UntilTomorrow returns do not disturb on until MorningHour tomorrow (local time of now).
func (q Quiet) UntilTomorrow(now time.Time) Quiet {
	y, m, d := now.Date()
	q.On, q.Until = true, time.Date(y, m, d+1, MorningHour, 0, 0, 0, now.Location())
	return q
}

// Describe says what is in effect, for the status bar and the tray: "Notifications on",
// "Do not disturb", "Do not disturb until 15:04" (or "until tomorrow 08:00"), with
// "· critical alerts let through" when so.
func (q Quiet) Describe(now time.Time) string {
	if !q.Active(now) {
		return "Notifications on"
	}
	s := "Do not disturb"
	if !q.Until.IsZero() {
		y, m, d := now.Date()
		uy, um, ud := q.Until.Date()
		switch {
		case y == uy && m == um && d == ud:
			s += " until " + q.Until.Format("15:04")
		case time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()).Equal(time.Date(uy, um, ud, 0, 0, 0, 0, now.Location())):
			s += " until tomorrow " + q.Until.Format("15:04")
		default:
			s += " until " + q.Until.Format("Mon 2 Jan 15:04")
		}
	}
	if q.LetCritical {
		s += " · critical alerts let through"
	}
	return s
}
