package model

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// HubSettings are the embedded hub's options.
type HubSettings struct {
	Enabled  bool   `json:"enabled"`
	Port     int    `json:"port"`
	LAN      bool   `json:"lan"` // listen on every interface, not only loopback
	Demo     bool   `json:"demo"`
	RedisURL string `json:"redis,omitempty"`
}

// DefaultHubPort is the hub's port unless the user picks another.
const DefaultHubPort = 7878

// Settings is everything the user sets, kept across restarts as one JSON document.
type Settings struct {
	Feeds       []FeedConfig `json:"feeds"`
	Rules       []Rule       `json:"rules"`
	PriceAlerts []PriceAlert `json:"priceAlerts"`
	DND         bool         `json:"dnd"`
	// DNDUntil ends do not disturb by itself (zero: until turned off); DNDLetCritical lets
	// urgent alerts through it.
	DNDUntil       time.Time `json:"dndUntil,omitzero"`
	DNDLetCritical bool      `json:"dndLetCritical,omitempty"`
	// StartAtLogin starts the app when the user logs in (app/autostart).
	StartAtLogin bool `json:"startAtLogin,omitempty"`
	// StartHidden makes the start-at-login entry open the app in the tray, the window
	// hidden (its command gets --hidden).
	StartHidden bool        `json:"startHidden,omitempty"`
	Hub         HubSettings `json:"hub"`
	Width       float32     `json:"width"`
	Height      float32     `json:"height"`
	Tab         string      `json:"tab"`
	HintShown   bool        `json:"trayHintShown"`
	LogFilter   Filter      `json:"logFilter"`
	Theme       string      `json:"theme"` // "", "light" or "dark"
	Cards       Cards       `json:"cards"` // the stock panel's pinned and removed cards
	// DemoNotify lets the demo's simulated notifications reach the desktop (off by default:
	// a first run must not raise fake alarms).
	DemoNotify bool `json:"demoNotifications,omitempty"`
}

// DefaultSettings is the first run: the hub on with the demo, the app subscribed to it.
func DefaultSettings() Settings {
	return Settings{
		Rules:  DefaultRules(),
		Hub:    HubSettings{Enabled: true, Port: DefaultHubPort, Demo: true},
		Width:  1180,
		Height: 760,
	}
}

// Encode returns the settings as JSON.
func (s Settings) Encode() string {
	b, _ := json.Marshal(s) // only plain types: cannot fail
	return string(b)
}

// DecodeSettings reads settings saved by Encode; an empty string gives the defaults.
func DecodeSettings(text string) (Settings, error) {
	s := DefaultSettings()
	if text == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return DefaultSettings(), fmt.Errorf("saved settings are unreadable (%v); starting with defaults", err)
	}
	if s.Hub.Port <= 0 || s.Hub.Port > 65535 {
		s.Hub.Port = DefaultHubPort
	}
	if s.Width < 400 || s.Height < 300 {
		s.Width, s.Height = 1180, 760
	}
	return s, nil
}

func sortStrings(s []string) { sort.Strings(s) }
