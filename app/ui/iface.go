package ui

import (
	"context"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// FeedManager is what the feeds panel needs from the app: the list and its changes.
type FeedManager interface {
	Feeds() []model.FeedInfo
	// PutFeed adds a feed, or replaces the one named oldName ("" to add).
	PutFeed(oldName string, cfg model.FeedConfig) error
	RemoveFeed(name string) error
	// RetryFeed reconnects a feed now instead of at its next retry.
	RetryFeed(name string) error
	// HubChannels lists the channels of the Herald hub cfg points at (its /stats).
	HubChannels(ctx context.Context, cfg model.FeedConfig) ([]string, error)
}

// HubControl is what the hub panel needs from the app's embedded hub.
type HubControl interface {
	HubSettings() model.HubSettings
	// ApplyHub restarts the hub with new settings; the error says why it cannot run.
	ApplyHub(model.HubSettings) error
	HubStatus() model.HubStatus
	// Invite mints a token for a teammate and returns a link that carries it.
	Invite(publish, subscribe []string, ttl time.Duration) (string, error)
}

// Publisher sends events for the broadcast panel and returns the id the hub assigned.
type Publisher interface {
	Publish(ctx context.Context, to model.Target, ev model.Outgoing) (string, error)
}
