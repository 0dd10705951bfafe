package sseclient

import (
	"fmt"
	"time"
)

// Phase is where a Client's subscription is in its life.
type Phase int

// The phases a subscription goes through: Connecting, then Open while events flow, Retrying
// (waiting to reconnect) after a connection ends or fails, and Closed when it stops for good.
const (
	Connecting Phase = iota
	Open
	Retrying
	Closed
)

// String returns the phase's lower-case name.
func (p Phase) String() string {
	switch p {
	case Connecting:
		return "connecting"
	case Open:
		return "open"
	case Retrying:
		return "retrying"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// State is one observable change of a subscription, passed to Client.OnState.
type State struct {
	Phase Phase
	// Err is, when Retrying, why the last connection ended or failed; when Closed, why the
	// subscription stopped (nil after HTTP 204 or when the consumer stopped ranging; the
	// context's error when it was cancelled).
	Err error
	// RetryAt is, when Retrying, the time of the next attempt.
	RetryAt time.Time
	// Delay is, when Retrying, how long the client waits before that attempt.
	Delay time.Duration
	// Attempt counts the attempts since the last healthy connection: when Connecting, the
	// number of this attempt (1 for the first); when Retrying, how many have failed in a row.
	Attempt int
}

// String describes the state in a few words for logs and status lines, such as
// "retrying in 3s (attempt 2): server closed the stream".
func (s State) String() string {
	switch s.Phase {
	case Connecting:
		if s.Attempt > 1 {
			return fmt.Sprintf("connecting (attempt %d)", s.Attempt)
		}
		return "connecting"
	case Retrying:
		msg := fmt.Sprintf("retrying in %v", s.Delay.Round(time.Millisecond))
		if s.Attempt > 0 { // 0 after a Restart: nothing failed
			msg += fmt.Sprintf(" (attempt %d)", s.Attempt)
		}
		if s.Err != nil {
			msg += ": " + s.Err.Error()
		}
		return msg
	case Closed:
		if s.Err != nil {
			return "closed: " + s.Err.Error()
		}
		return "closed"
	}
	return s.Phase.String()
}
