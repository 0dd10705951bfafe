package model

// FeedInfo is one row of the feeds panel: a feed's settings and live state.
type FeedInfo struct {
	Config FeedConfig
	Status FeedStatus
	Own    bool // the app's own hub: shown first, managed from the hub panel
}

// HubStatus is what the hub panel shows about the embedded hub.
type HubStatus struct {
	Running bool
	// Restarting is set while new settings are being applied (the old hub may take a few
	// seconds to let its subscribers go).
	Restarting  bool
	Err         string   // why it is not running, when it should be
	URLs        []string // where others reach it (loopback first, then LAN addresses)
	Connections int
	Channels    int
	Published   uint64
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
