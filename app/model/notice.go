package model

import "strings"

// Notice is what a recognised source (an ntfy topic) says the notification for one of its
// events is: the source's own title, text, priority, link and buttons, decoded by
// app/sources. An event with a Notice notifies as such, whatever the rules say about its
// type (a push service's messages are notifications by nature); do not disturb applies.
type Notice struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	// Priority is the source's 1 (min) to 5 (max), 3 when it said none: 4 and 5 are
	// critical (Urgent), 1 and 2 low.
	Priority int `json:"priority,omitempty"`
	// Click is the address a click on the notification opens ("" opens the app on the
	// event).
	Click   string   `json:"click,omitempty"`
	Actions []Action `json:"actions,omitempty"`
}

// Action is one button of a notification.
type Action struct {
	// Kind is "view" (open URL) or "http" (the app sends the request itself).
	Kind    string            `json:"action"`
	Label   string            `json:"label"`
	URL     string            `json:"url"`
	Method  string            `json:"method,omitempty"` // http: POST when empty
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	// Clear closes the notification once the action ran.
	Clear bool `json:"clear,omitempty"`
}

// Urgent reports whether the notice is critical (priority 4 or 5).
func (n Notice) Urgent() bool { return n.Priority >= 4 }

// Low reports whether the notice is of low priority (1 or 2): shown without urgency.
func (n Notice) Low() bool { return n.Priority > 0 && n.Priority <= 2 }

// notificationForNotice is the notification a source's notice asks for.
func notificationForNotice(e Event) Notification {
	nc := e.Notice
	n := Notification{Title: strings.TrimSpace(nc.Title), Body: nc.Body, Urgent: nc.Urgent(), Low: nc.Low(),
		Click: nc.Click, Actions: nc.Actions}
	if n.Title == "" {
		n.Title = e.Feed
	}
	return n
}
