package model

import "fmt"

// FeedInfo is one row of the feeds panel: a feed's settings and live state.
type FeedInfo struct {
	Config FeedConfig
	Status FeedStatus
	Own    bool // the app's own hub: shown first, managed from the hub panel
	// Source says what the feed follows when the app recognised it ("ntfy topic alerts on
	// ntfy.example"); "" for Herald hubs and other SSE streams.
	Source string
}

// HubStatus is what the hub panel shows about the embedded hub.
type HubStatus struct {
	Running bool
	// Restarting is set while new settings are being applied (the old hub may take a few
	// seconds to let its subscribers go).
	Restarting  bool
	Err         string   // why it is not running, when it should be
	URLs        []string // where others reach it (loopback first, then LAN addresses)
	Announced   string   // the name it is announced under on the LAN (mDNS), "" when it is not
	Connections int
	Channels    int
	Published   uint64
}

// QuitWarning says what quitting stops, for the question asked when closing the window
// cannot hide the app in a tray: the hub (and who else follows it; the app's own feed is one
// of its connections) and the feeds.
func QuitWarning(hub HubStatus, lan bool, feeds int) string {
	msg := "This desktop has no tray to keep Herald in, so closing the window quits it."
	if hub.Running {
		if lan {
			msg += " The hub you share on your local network stops"
		} else {
			msg += " The hub on this computer stops"
		}
		switch others := hub.Connections - 1; {
		case others == 1:
			msg += " and 1 subscriber is cut off"
		case others > 1:
			msg += fmt.Sprintf(" and %d subscribers are cut off", others)
		}
		msg += "."
	}
	switch {
	case feeds == 1:
		msg += " Your feed stops."
	case feeds > 1:
		msg += fmt.Sprintf(" Your %d feeds stop.", feeds)
	}
	return msg
}

// Target is where a broadcast goes: the own hub (URL empty) or a remote hub with a token.
type Target struct {
	URL   string
	Token string
}

// Outgoing is one event to publish.
type Outgoing struct {
	Channel string
	Event   string
	Data    string
}
