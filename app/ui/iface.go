package ui

import (
	"context"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// FeedInfo is one row of the feeds panel.
type FeedInfo struct {
	Config model.FeedConfig
	Status model.FeedStatus
	Own    bool // the app's own hub: shown first, not editable here
}

// FeedManager is what the feeds panel needs from the app: the list and its changes.
type FeedManager interface {
	Feeds() []FeedInfo
	// PutFeed adds a feed, or replaces the one named oldName ("" to add).
	PutFeed(oldName string, cfg model.FeedConfig) error
	RemoveFeed(name string) error
}

// HubStatus is what the hub panel shows about the running hub.
type HubStatus struct {
	Running     bool
	Err         string   // why it is not running, when it should be
	URLs        []string // where others reach it (loopback first, then LAN addresses)
	Connections int
	Channels    int
	Published   uint64
}

// HubControl is what the hub panel needs from the app's embedded hub.
type HubControl interface {
	HubSettings() model.HubSettings
	// ApplyHub restarts the hub with new settings; the error says why it cannot run.
	ApplyHub(model.HubSettings) error
	HubStatus() HubStatus
	// Invite mints a token for a teammate and returns a link that carries it.
	Invite(publish, subscribe []string, ttl time.Duration) (string, error)
}

// Target is where the broadcast panel sends: the own hub (URL empty) or a remote hub.
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

// Publisher sends events for the broadcast panel and returns the id the hub assigned.
type Publisher interface {
	Publish(ctx context.Context, to Target, ev Outgoing) (string, error)
}
